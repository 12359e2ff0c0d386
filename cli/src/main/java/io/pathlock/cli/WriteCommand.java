package io.pathlock.cli;

import io.pathlock.tree.TreeOps;
import io.pathlock.tree.TreeResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code pathlock write PATH [--from FILE|-]}: {@link TreeOps#write(String, InputStream)} of a file or
 * of standard input, under the locks of {@code docs/tree-ops.md} §2 ({@link TreeCommand} for the
 * options and exit codes). The input is opened before any lock is taken: a missing {@code --from}
 * changes nothing.
 */
@Command(
    name = "write",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    synopsisHeading = "%nUsage: ",
    customSynopsis = {
        "pathlock write [OPTIONS] --root DIR [--store host] PATH [--from FILE|-]"},
    header = "Writes a file atomically under locks, from stdin or a file.",
    description = {
        "%nWrites lock path PATH (replacing it if it exists) with standard input, or with FILE given by --from: " +
            "into a temporary file beside it, forced to disk (--durability), then renamed over PATH, so readers " +
            "see the old content or the new, never a part. PATH's parent directory must exist.",
        "",
        "Locks: POINT on PATH's parent (exclusive).",
        "",
        TreeCommand.DESCRIPTION_COMMON,
        "",
        TreeCommand.DESCRIPTION_REDO},
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {TreeCommand.EXIT_LINE_OK, TreeCommand.EXIT_LINE_REFUSED, TreeCommand.EXIT_LINE_BUSY,
        TreeCommand.EXIT_LINE_USAGE, TreeCommand.EXIT_LINE_IO, TreeCommand.EXIT_LINE_SOFTWARE},
    optionListHeading = "%nOptions:%n",
    parameterListHeading = "%nArguments:%n")
final class WriteCommand extends TreeCommand
{
    @Parameters(index = "0", paramLabel = "PATH", description = "The lock path of the file to write.")
    String path;

    @Option(names = "--from", paramLabel = "FILE",
        description = "Read the content from FILE ('-' or no --from: standard input).")
    String from;

    private InputStream in;
    private long bytes = -1;

    @Override
    String name()
    {
        return "write";
    }

    @Override
    void prepare() throws IOException
    {
        if (from == null || from.equals("-"))
        {
            in = new CountingInput(System.in);
        }
        else
        {
            final Path file = Path.of(from);
            if (Files.isDirectory(file))
            {
                throw new java.nio.file.FileSystemException(file.toString(), null, "is a directory (--from)");
            }
            in = new CountingInput(Files.newInputStream(file));
        }
    }

    @Override
    TreeResult apply(final TreeOps ops) throws IOException, InterruptedException
    {
        final TreeResult r = ops.write(path, in);
        bytes = ((CountingInput)in).count;
        return r;
    }

    @Override
    String done()
    {
        return "wrote " + bytes + " bytes to " + path;
    }

    @Override
    void cleanup()
    {
        if (in != null && from != null && !from.equals("-"))
        {
            try
            {
                in.close();
            }
            catch (final IOException ignore)
            {
                // Read-only input: nothing is lost.
            }
        }
    }

    /** Counts the bytes read, for {@code --verbose}; does not close standard input. */
    private static final class CountingInput extends java.io.FilterInputStream
    {
        long count;

        CountingInput(final InputStream in)
        {
            super(in);
        }

        @Override
        public int read() throws IOException
        {
            final int b = super.read();
            if (b >= 0)
            {
                count++;
            }
            return b;
        }

        @Override
        public int read(final byte[] b, final int off, final int len) throws IOException
        {
            final int n = super.read(b, off, len);
            if (n > 0)
            {
                count += n;
            }
            return n;
        }
    }
}

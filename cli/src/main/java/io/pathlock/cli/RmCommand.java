package io.pathlock.cli;

import io.pathlock.tree.TreeOps;
import io.pathlock.tree.TreeResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;

/**
 * {@code pathlock rm PATH}: {@link TreeOps#delete(String)} under the locks of
 * {@code docs/tree-ops.md} §2 ({@link TreeCommand} for the options and exit codes).
 */
@Command(
    name = "rm",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    synopsisHeading = "%nUsage: ",
    customSynopsis = {
        "pathlock rm [OPTIONS] --root DIR [--store host] PATH"},
    header = "Deletes a file or directory tree under locks, crash-safe.",
    description = {
        "%nDeletes lock path PATH, a file or a whole directory tree (as rm -r, without asking). The tree changes " +
            "at once: PATH is renamed to a temporary name beside it, then removed.",
        "",
        "Locks: a file: POINT on its parent; a directory: SUBTREE on PATH and POINT on its parent (exclusive).",
        "",
        TreeCommand.DESCRIPTION_COMMON,
        "",
        TreeCommand.DESCRIPTION_REDO},
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {TreeCommand.EXIT_LINE_OK, TreeCommand.EXIT_LINE_REFUSED, TreeCommand.EXIT_LINE_BUSY,
        TreeCommand.EXIT_LINE_USAGE, TreeCommand.EXIT_LINE_IO, TreeCommand.EXIT_LINE_SOFTWARE},
    optionListHeading = "%nOptions:%n",
    parameterListHeading = "%nArguments:%n")
final class RmCommand extends TreeCommand
{
    @Parameters(index = "0", paramLabel = "PATH", description = "The lock path to delete.")
    String path;

    @Override
    String name()
    {
        return "rm";
    }

    @Override
    TreeResult apply(final TreeOps ops) throws IOException, InterruptedException
    {
        return ops.delete(path);
    }

    @Override
    String done()
    {
        return "deleted " + path;
    }
}

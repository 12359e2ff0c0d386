package io.pathlock.cli;

import io.pathlock.tree.MoveStrategy;
import io.pathlock.tree.TreeOps;
import io.pathlock.tree.TreeResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;

/**
 * {@code pathlock mv SRC DST [--copy]}: {@link TreeOps#move(String, String)} under the locks of
 * {@code docs/tree-ops.md} §2 ({@link TreeCommand} for the options and exit codes).
 */
@Command(
    name = "mv",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    synopsisHeading = "%nUsage: ",
    customSynopsis = {
        "pathlock mv [OPTIONS] --root DIR [--store host] SRC DST [--copy]"},
    header = "Moves a file or directory tree under locks, crash-safe.",
    description = {
        "%nMoves lock path SRC (a file or a whole directory tree) to DST, which must not exist and whose parent " +
            "must: unlike mv(1), DST is the new name, never a directory to move into. One rename(2) on one file " +
            "system; across file systems (or with --copy) a copy into a temporary beside DST, then renames, then " +
            "the source is removed. Lock files never travel with the data.",
        "",
        "Locks: a file: POINT on both parents; a directory: SUBTREE on SRC, POINT on its parent and SUBTREE on " +
            "DST's parent (all exclusive, one all-or-nothing request).",
        "",
        TreeCommand.DESCRIPTION_COMMON,
        "",
        TreeCommand.DESCRIPTION_REDO},
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {TreeCommand.EXIT_LINE_OK, TreeCommand.EXIT_LINE_REFUSED, TreeCommand.EXIT_LINE_BUSY,
        TreeCommand.EXIT_LINE_USAGE, TreeCommand.EXIT_LINE_IO, TreeCommand.EXIT_LINE_SOFTWARE},
    optionListHeading = "%nOptions:%n",
    parameterListHeading = "%nArguments:%n")
final class MvCommand extends TreeCommand
{
    @Parameters(index = "0", paramLabel = "SRC", description = "The lock path to move.")
    String src;

    @Parameters(index = "1", paramLabel = "DST", description = "The lock path it will have (must not exist).")
    String dst;

    @Option(names = "--copy", description = "Copy, then remove the source, even on one file system (as across them).")
    boolean copy;

    @Override
    String name()
    {
        return "mv";
    }

    @Override
    MoveStrategy moveStrategy()
    {
        return copy ? MoveStrategy.COPY : MoveStrategy.AUTO;
    }

    @Override
    TreeResult apply(final TreeOps ops) throws IOException, InterruptedException
    {
        return ops.move(src, dst);
    }

    @Override
    String done()
    {
        return "moved " + src + " to " + dst + (copy ? " (copy)" : "");
    }
}

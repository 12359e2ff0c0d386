package io.pathlock.cli;

import io.pathlock.core.LockStoreException;
import io.pathlock.file.FileLockStore;
import io.pathlock.file.LockFileInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code pathlock break}: removes the lock file(s) of a lock path when stale (holder dead, or token
 * older than {@code lock_expire}); a live, foreign or unparseable one only with {@code --force}.
 * Exit status: 0 when something was removed, 1 when there was no lock file, 75 when a lock was kept
 * because it is live (use {@code --force}), 74 on an I/O failure.
 */
@Command(
    name = "break",
    mixinStandardHelpOptions = true,
    header = "Removes a stale lock (a live one with --force).",
    description = {"Removes the lock on PATH if it is stale; a live, foreign or unparseable one only with --force.",
        "Exits 0 when removed, 1 when there is no lock, 75 when the lock is live (not removed)."})
final class BreakCommand implements Callable<Integer>
{
    @Mixin
    RootOptions root;

    @Parameters(index = "0", paramLabel = "PATH", description = "the lock path, such as /a/b")
    String path;

    @Option(names = "--force", description = "also remove a live, foreign or unparseable lock")
    boolean force;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final FileLockStore.BreakResult r;
        try (FileLockStore store = root.openAdmin())
        {
            r = store.breakLock(path, force);
        }
        catch (final LockStoreException e)
        {
            err.println("pathlock break: " + e.getMessage());
            return RunCommand.EXIT_IO;
        }
        for (final LockFileInfo i : r.removed())
        {
            out.println("removed " + describe(i));
        }
        for (final LockFileInfo i : r.kept())
        {
            err.println("pathlock break: kept " + describe(i) + " (use --force to remove a live lock)");
        }
        out.flush();
        if (!r.kept().isEmpty())
        {
            return RunCommand.EXIT_BUSY;
        }
        if (r.removed().isEmpty())
        {
            err.println("pathlock break: no lock file for " + path);
            return 1;
        }
        return 0;
    }

    private static String describe(final LockFileInfo i)
    {
        return i.state().name().toLowerCase(Locale.ROOT) + " " + (i.type() == null ? "" : i.type() + " ") + "lock " +
            i.lockPath() + " (" + i.file() + ") of " + (i.ownerId() == null ? "unknown owner" : i.ownerId()) + ": " + i.detail();
    }
}

package io.pathlock.cli;

import io.pathlock.core.LockStoreException;
import io.pathlock.file.FileLockStore;
import io.pathlock.file.LockFileInfo;
import io.pathlock.store.LockStoreProvider;
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
        "Exits 0 when removed, 1 when there is no lock, 75 when the lock is live (not removed).",
        "",
        "With --zookeeper: removes the locks on PATH of holders on this host whose process is dead (their session " +
            "has not expired yet); a live holder's, or one on another host, only with --force. Removing a holder " +
            "removes all its nodes in the namespace; --owner ID picks one holder."})
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

    @Option(names = "--owner", paramLabel = "ID",
        description = "With --zookeeper: break only the locks of this owner id (as status lists it).")
    String owner;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        if (root.isZooKeeper())
        {
            return zooKeeper(out, err);
        }
        if (owner != null)
        {
            throw new IllegalArgumentException("--owner goes with --zookeeper only");
        }
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

    /**
     * {@code break --zookeeper}: a ZooKeeper lock is never stale (it vanishes with its holder's session),
     * but its holder may be dead while its session has not expired yet. The locks on PATH (exactly PATH,
     * not waiters) of a holder on this host whose process is gone are removed at once; any other holder's
     * only with {@code --force}. Removing a holder removes every node it has in the namespace (its locks,
     * intentions and waiting places): its handle reports the loss at its next heartbeat.
     */
    private int zooKeeper(final PrintWriter out, final PrintWriter err)
    {
        final io.pathlock.core.LockPath lockPath = io.pathlock.core.LockPath.parse(path);
        final String host = localHost();
        int kept = 0;
        int removed = 0;
        try (LockStoreProvider.AdministeredStore store = root.openZooKeeper())
        {
            final java.util.Set<String> done = new java.util.HashSet<>();
            for (final LockStoreProvider.StoreHolder h : store.listHolders())
            {
                if (h.waiting() || !h.path().equals(lockPath.toString()) || (owner != null && !owner.equals(h.ownerId())) ||
                    !done.add(h.host() + ' ' + h.pid() + ' ' + h.ownerId()))
                {
                    continue;
                }
                final boolean dead = h.host().equals(host) && h.pid() > 0 && ProcessHandle.of(h.pid()).isEmpty();
                final String what = (dead ? "dead" : "live") + " " + h.type() + " " + h.mode().name().toLowerCase(Locale.ROOT) +
                    " lock " + h.path() + " of " + h.ownerId() + " (host " + h.host() + ", pid " + h.pid() + ")";
                if (dead || force)
                {
                    final int nodes = store.removeHolder(h);
                    out.println("removed " + what + ": " + nodes + " znode(s)");
                    removed++;
                }
                else
                {
                    err.println("pathlock break: kept " + what + " (use --force to remove a live lock)");
                    kept++;
                }
            }
        }
        catch (final LockStoreException e)
        {
            err.println("pathlock break: " + e.getMessage());
            return RunCommand.EXIT_IO;
        }
        out.flush();
        if (kept > 0)
        {
            return RunCommand.EXIT_BUSY;
        }
        if (removed == 0)
        {
            err.println("pathlock break: no lock on " + path + (owner == null ? "" : " of " + owner) + " in " + root.zookeeper);
            return 1;
        }
        return 0;
    }

    /** The host name the ZooKeeper store writes into its nodes. */
    private static String localHost()
    {
        try
        {
            return java.net.InetAddress.getLocalHost().getHostName();
        }
        catch (final java.io.IOException e)
        {
            return "unknown-host";
        }
    }

    private static String describe(final LockFileInfo i)
    {
        return i.state().name().toLowerCase(Locale.ROOT) + " " + (i.type() == null ? "" : i.type() + " ") + "lock " +
            i.lockPath() + " (" + i.file() + ") of " + (i.ownerId() == null ? "unknown owner" : i.ownerId()) + ": " + i.detail();
    }
}

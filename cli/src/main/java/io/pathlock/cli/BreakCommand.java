package io.pathlock.cli;

import io.pathlock.core.LockStoreException;
import io.pathlock.file.FileLockStore;
import io.pathlock.file.LockFileInfo;
import io.pathlock.host.HostLockStore;
import io.pathlock.host.HostTable;
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
 *
 * <p>With {@code --store host}: {@code --slot K} clears session slot K of the root's host table
 * (every lock and pending mark of that session) when the session is dead; a live one only with
 * {@code --force} (its process keeps running without its locks and learns it lost them). The same
 * exit statuses: 0 cleared, 1 the slot was free, 75 live and kept. {@code break --store host PATH}
 * explains that host-table locks are cleared per session and names the sessions holding PATH.
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
            "removes all its nodes in the namespace; --owner ID picks one holder.",
        "",
        "With --store host: --slot K (instead of PATH) clears session K of the root's host table, releasing every " +
            "lock of it, if its process is dead; a live session's only with --force (status --store host lists the " +
            "sessions). Lock files of interop ragfs/ov431 are removed by break PATH as usual."})
final class BreakCommand implements Callable<Integer>
{
    @Mixin
    RootOptions root;

    @Parameters(index = "0", arity = "0..1", paramLabel = "PATH",
        description = "the lock path, such as /a/b (not with --slot)")
    String path;

    @Option(names = "--slot", paramLabel = "K",
        description = "With --store host: the host-table session slot to clear (see status --store host).")
    Integer slot;

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
        final boolean zooKeeper = root.isZooKeeper();
        if (!zooKeeper && root.isHost())
        {
            return host(out, err);
        }
        if (slot != null)
        {
            throw new IllegalArgumentException("--slot goes with --store host only");
        }
        if (path == null)
        {
            throw new IllegalArgumentException("give the lock PATH to break");
        }
        if (zooKeeper)
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
        if (java.nio.file.Files.exists(HostLockStore.tableFile(root.root)))
        {
            // Lock files are the second gate on a host root: pathlock processes of the host table also
            // meet in the table, which break PATH does not touch.
            err.println("pathlock break: note: " + root.root + " also has a host lock table; its locks are cleared per " +
                "session: see pathlock status --store host and pathlock break --store host --slot K");
        }
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
     * {@code break --store host --slot K [--force]}: clears a dead session's slot (a live one with
     * force). {@code break --store host PATH} explains what to do instead and exits 64.
     */
    private int host(final PrintWriter out, final PrintWriter err)
    {
        if (owner != null)
        {
            throw new IllegalArgumentException("--owner goes with --zookeeper only");
        }
        if (slot != null && path != null)
        {
            throw new IllegalArgumentException("give --slot K or PATH, not both: host-table locks are cleared per session");
        }
        if (slot != null && slot < 0)
        {
            throw new IllegalArgumentException("--slot must be 0 or more, got " + slot);
        }
        try (HostTable table = root.openHostTable())
        {
            if (table == null)
            {
                if (slot == null)
                {
                    throw new IllegalArgumentException("give --slot K with --store host (there is no host table at " +
                        HostLockStore.tableFile(root.root) + ")");
                }
                err.println("pathlock break: no host table at " + HostLockStore.tableFile(root.root));
                return 1;
            }
            if (slot == null)
            {
                return explain(table, err);
            }
            HostTable.SlotInfo info = null;
            for (final HostTable.SlotInfo i : table.slots())
            {
                if (i.slot() == slot)
                {
                    info = i;
                }
            }
            if (info == null)
            {
                err.println("pathlock break: slot " + slot + " of " + HostLockStore.tableFile(root.root) + " is free (no " +
                    "session)");
                return 1;
            }
            final boolean live = "LIVE".equals(info.state());
            final String what = (live ? "live" : info.state().toLowerCase(Locale.ROOT)) + " session slot " + slot +
                " (pid " + info.pid() + ")";
            if (live && !force)
            {
                err.println("pathlock break: kept " + what + ": its process is alive (use --force to take its locks " +
                    "away; it keeps running without them)");
                return RunCommand.EXIT_BUSY;
            }
            int held = 0;
            for (final HostTable.LockInfo l : table.locks())
            {
                if (l.slot() == slot)
                {
                    held++;
                }
            }
            if (!table.breakSlot(slot, force))
            {
                err.println("pathlock break: " + what + " changed while it was judged (it is free or alive now); " +
                    "nothing cleared");
                return 1;
            }
            out.println("cleared " + what + ": " + held + " table lock(s) released");
            out.flush();
            return 0;
        }
        catch (final LockStoreException e)
        {
            err.println("pathlock break: " + e.getMessage());
            return RunCommand.EXIT_IO;
        }
    }

    /** {@code break --store host PATH}: names the sessions holding PATH and says how to clear one. */
    private int explain(final HostTable table, final PrintWriter err)
    {
        final String p = io.pathlock.core.LockPath.parse(path).toString();
        final StringBuilder holders = new StringBuilder();
        for (final HostTable.LockInfo l : table.locks())
        {
            if (l.path().equals(p))
            {
                holders.append(holders.length() == 0 ? "" : ", ").append("slot ").append(l.slot()).append(" (pid ")
                    .append(l.pid()).append(", ").append(l.kind()).append(", ").append(l.alive() ? "alive" : "dead")
                    .append(')');
            }
        }
        err.println("pathlock break: host-table locks are cleared per session, not per path: " + p + " is " +
            (holders.length() == 0 ? "not held in the table" : "held by " + holders) + ". Clear a dead session with " +
            "pathlock break --root " + root.root + " --store host --slot K (a live one with --force: it loses every " +
            "lock it holds); pathlock status --store host lists the sessions." +
            ("none".equals(table.interop()) ? "" : " The lock files of PATH (interop " + table.interop() + ") are " +
                "removed by pathlock break --root " + root.root + " " + p + "."));
        err.flush();
        return PathlockCommand.EXIT_USAGE;
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

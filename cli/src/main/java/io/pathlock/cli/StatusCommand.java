package io.pathlock.cli;

import io.pathlock.core.LockMode;
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

import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code pathlock status}: every lock file under the root with its lock path, type, owner, age and
 * state (alive by {@code flock}, stale, foreign, unparseable). Exit status 0, or 74 when the tree
 * cannot be scanned.
 */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    header = "Lists lock files, host-table locks or ZooKeeper locks.",
    description = {"Lists every lock file under --root: path, type, mode (exclusive or shared), owner, age, alive (flock) / " +
        "stale / foreign / unparseable, and under a shared lock's file one line per shared holder (member).",
        "",
        "With --zookeeper: every lock (held) and waiter (waiting) in the namespace, of every host: path, type, mode, " +
            "host, pid, owner, age.",
        "",
        "With --store host: the root's host lock table: its interop mode, capacity and nodes in use, every session " +
            "(slot, pid, live or dead) and every table lock (path, kind, owner pid, slot, age, alive or dead); with " +
            "interop ragfs or ov431 also the lock files as above. Break a dead session with break --store host --slot K."})
final class StatusCommand implements Callable<Integer>
{
    @Mixin
    RootOptions root;

    @Option(names = "--json", description = "Print a JSON document instead of a table: {\"schema\": " + JSON_SCHEMA +
        ", \"root\", \"backend\", \"store\", \"time\", \"locks\": [...]}.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call()
    {
        if (root.isZooKeeper())
        {
            return zooKeeper();
        }
        if (root.isHost())
        {
            return host();
        }
        final PrintWriter out = spec.commandLine().getOut();
        final List<LockFileInfo> infos;
        final String detail;
        final String rootPath;
        final String backend;
        final Instant time;
        try (FileLockStore store = root.openAdmin())
        {
            infos = store.status();
            time = Instant.now();
            detail = store.describeDetail();
            rootPath = store.root().toString();
            backend = store.backend();
        }
        catch (final LockStoreException e)
        {
            spec.commandLine().getErr().println("pathlock status: " + e.getMessage());
            return RunCommand.EXIT_IO;
        }
        if (json)
        {
            out.println(toJson(time, rootPath, backend, detail, infos));
        }
        else
        {
            out.println("# " + detail);
            printFiles(out, infos);
        }
        out.flush();
        return 0;
    }

    /** The lock-file table of {@code status}. */
    private static void printFiles(final PrintWriter out, final List<LockFileInfo> infos)
    {
        out.println(String.format(Locale.ROOT, "%-11s %-7s %-9s %10s %7s  %-40s %s", "STATE", "TYPE", "MODE", "AGE", "PID",
            "PATH", "OWNER"));
        for (final LockFileInfo i : infos)
        {
            out.println(String.format(Locale.ROOT, "%-11s %-7s %-9s %10s %7s  %-40s %s",
                i.state().name().toLowerCase(Locale.ROOT), i.type() == null ? "-" : i.type().name(),
                i.mode() == null ? "-" : i.mode().name().toLowerCase(Locale.ROOT), age(i.ageNanos()),
                i.mode() == LockMode.SHARED || i.pid() < 0 ? "-" : Long.toString(i.pid()), i.lockPath(),
                i.ownerId() == null ? "(" + i.detail() + ")" : i.ownerId()));
            for (final LockFileInfo.Member m : i.members())
            {
                // One line per shared holder, under its group's file.
                out.println(String.format(Locale.ROOT, "  %-9s %-7s %-9s %10s %7s  %-40s %s",
                    m.state().name().toLowerCase(Locale.ROOT), m.type() == null ? "-" : m.type().name(), "member",
                    age(m.ageNanos()), m.pid() < 0 ? "-" : Long.toString(m.pid()), i.lockPath(),
                    m.ownerId() == null ? "(" + m.detail() + ")" : m.ownerId()));
            }
        }
        out.println("# " + infos.size() + " lock file(s)");
    }

    /**
     * {@code status --store host}: the table's mode, capacity and use, its sessions and locks; with
     * interop on, the lock files too. Creates nothing: a root without a table has no table locks.
     */
    private int host()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final Instant time;
        final String rootPath;
        String interop = null;
        int capacity = 0;
        int nodes = 0;
        List<HostTable.SlotInfo> slots = List.of();
        List<HostTable.LockInfo> locks = List.of();
        List<LockFileInfo> files = null;
        String filesDetail = null;
        try
        {
            rootPath = root.root.toRealPath().toString();
        }
        catch (final java.io.IOException e)
        {
            spec.commandLine().getErr().println("pathlock status: lock root " + root.root + " does not exist or cannot be " +
                "resolved: " + e);
            return RunCommand.EXIT_IO;
        }
        try (HostTable table = root.openHostTable())
        {
            if (table != null)
            {
                interop = table.interop();
                capacity = table.capacity();
                nodes = table.nodesInUse();
                slots = table.slots();
                locks = table.locks();
            }
            time = Instant.now();
            if (table != null && !HostLockStore.INTEROP_NONE.equals(interop))
            {
                try (FileLockStore store = root.openAdmin())
                {
                    files = store.status();
                    filesDetail = store.describeDetail();
                }
            }
        }
        catch (final LockStoreException e)
        {
            spec.commandLine().getErr().println("pathlock status: " + e.getMessage());
            return RunCommand.EXIT_IO;
        }
        final String tableFile = HostLockStore.tableFile(java.nio.file.Path.of(rootPath)).toString();
        if (json)
        {
            out.println(toHostJson(time, rootPath, tableFile, interop, capacity, nodes, slots, locks, filesDetail,
                files == null ? List.of() : files));
            out.flush();
            return 0;
        }
        if (interop == null)
        {
            out.println("# no host table at " + tableFile + " (no process opened this root with --store host)");
            out.println("# 0 table lock(s)");
            out.flush();
            return 0;
        }
        out.println("# host table " + tableFile + ": interop " + interop + ", capacity " + capacity + " nodes, " + nodes +
            " in use, " + slots.size() + " session(s)");
        out.println(String.format(Locale.ROOT, "%-6s %-10s %7s %8s", "SLOT", "SESSION", "PID", "RECORDS"));
        for (final HostTable.SlotInfo i : slots)
        {
            out.println(String.format(Locale.ROOT, "%-6d %-10s %7d %8d", i.slot(), i.state().toLowerCase(Locale.ROOT), i.pid(),
                i.records()));
        }
        out.println(String.format(Locale.ROOT, "%-6s %-10s %5s %10s %7s %5s  %s", "STATE", "KIND", "COUNT", "AGE", "PID",
            "SLOT", "PATH"));
        for (final HostTable.LockInfo l : locks)
        {
            out.println(String.format(Locale.ROOT, "%-6s %-10s %5d %10s %7d %5d  %s", l.alive() ? "alive" : "dead", l.kind(),
                l.count(), age(l.ageNanos()), l.pid(), l.slot(), l.path()));
        }
        out.println("# " + locks.size() + " table lock(s)");
        if (files != null)
        {
            out.println("# lock files (interop " + interop + "): " + filesDetail);
            printFiles(out, files);
        }
        out.flush();
        return 0;
    }

    /**
     * The {@code --json} document of {@code status --store host}: the lock-file envelope ({@code store}
     * "host", {@code locks} the lock files, empty with interop none) plus {@code table} (the file, or
     * null when the root has none), {@code interop}, {@code capacity}, {@code nodes_in_use},
     * {@code sessions} and {@code table_locks}.
     */
    static String toHostJson(final Instant time, final String rootPath, final String tableFile, final String interop,
        final int capacity, final int nodes, final List<HostTable.SlotInfo> slots, final List<HostTable.LockInfo> locks,
        final String filesDetail, final List<LockFileInfo> files)
    {
        final JsonWriter w = writeFiles(new JsonWriter(), time, rootPath, "host", filesDetail, files)
            .field("table", interop == null ? null : tableFile)
            .field("interop", interop)
            .field("capacity", capacity)
            .field("nodes_in_use", nodes)
            .name("sessions").beginArray();
        for (final HostTable.SlotInfo i : slots)
        {
            w.beginObject()
                .field("slot", i.slot())
                .field("state", i.state().toLowerCase(Locale.ROOT))
                .field("pid", i.pid())
                .field("records", i.records())
                .endObject();
        }
        w.endArray().name("table_locks").beginArray();
        for (final HostTable.LockInfo l : locks)
        {
            w.beginObject()
                .field("path", l.path())
                .field("kind", l.kind())
                .field("count", l.count())
                .field("pid", l.pid())
                .field("slot", l.slot())
                .name("age_ms").valueOrNull(l.ageNanos() < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(l.ageNanos()))
                .field("state", l.alive() ? "alive" : "dead")
                .endObject();
        }
        return w.endArray().endObject().toString();
    }

    /** {@code status --zookeeper}: every lock and waiter in the namespace, of every host. */
    private int zooKeeper()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final List<LockStoreProvider.StoreHolder> holders;
        final String detail;
        final Instant time;
        try (LockStoreProvider.AdministeredStore store = root.openZooKeeper())
        {
            holders = withoutGrantedWaiters(store.listHolders());
            time = Instant.now();
            detail = store.describe();
        }
        catch (final LockStoreException e)
        {
            spec.commandLine().getErr().println("pathlock status: " + e.getMessage());
            return RunCommand.EXIT_IO;
        }
        if (json)
        {
            out.println(toZooKeeperJson(time, root.zookeeper, root.namespace, detail, holders));
        }
        else
        {
            out.println("# " + detail);
            out.println(String.format(Locale.ROOT, "%-8s %-7s %-9s %10s %-20s %7s  %-30s %s", "STATE", "TYPE", "MODE", "AGE",
                "HOST", "PID", "PATH", "OWNER"));
            for (final LockStoreProvider.StoreHolder h : holders)
            {
                out.println(String.format(Locale.ROOT, "%-8s %-7s %-9s %10s %-20s %7s  %-30s %s", h.waiting() ? "waiting" : "held",
                    h.type().name(), h.mode().name().toLowerCase(Locale.ROOT), age(TimeUnit.MILLISECONDS.toNanos(h.ageMillis())),
                    h.host(), h.pid() < 0 ? "-" : Long.toString(h.pid()), h.path(), h.ownerId()));
            }
            out.println("# " + holders.size() + " lock(s) and waiter(s)");
        }
        out.flush();
        return 0;
    }

    /**
     * Leaves out the waiting places of requests that were granted: the store keeps a granted request's
     * places in the wait queues until it is released (they keep later requests behind it), but
     * listing the holder as also waiting for what it holds would mislead.
     */
    static List<LockStoreProvider.StoreHolder> withoutGrantedWaiters(final List<LockStoreProvider.StoreHolder> all)
    {
        final java.util.Set<String> held = new java.util.HashSet<>();
        for (final LockStoreProvider.StoreHolder h : all)
        {
            if (!h.waiting())
            {
                held.add(h.host() + ' ' + h.pid() + ' ' + h.ownerId() + ' ' + h.path());
            }
        }
        final List<LockStoreProvider.StoreHolder> out = new java.util.ArrayList<>(all.size());
        for (final LockStoreProvider.StoreHolder h : all)
        {
            if (!h.waiting() || !held.contains(h.host() + ' ' + h.pid() + ' ' + h.ownerId() + ' ' + h.path()))
            {
                out.add(h);
            }
        }
        return out;
    }

    /**
     * The {@code --json} document of {@code status --zookeeper}: the same envelope as for lock files
     * ({@code root} null, {@code backend} "zookeeper") with the connect string and namespace, and per
     * lock or waiter its path, type, mode, owner, host, pid, age, {@code state} ("held" or "waiting")
     * and znode.
     */
    static String toZooKeeperJson(final Instant time, final String connect, final String namespace, final String detail,
        final List<LockStoreProvider.StoreHolder> holders)
    {
        final JsonWriter w = new JsonWriter().beginObject()
            .field("schema", JSON_SCHEMA)
            .field("root", null)
            .field("backend", "zookeeper")
            .field("store", detail)
            .field("zookeeper", connect)
            .field("namespace", namespace)
            .name("time").value(time)
            .name("locks").beginArray();
        for (final LockStoreProvider.StoreHolder h : holders)
        {
            w.beginObject()
                .field("path", h.path())
                .field("type", h.type().name())
                .field("mode", h.mode().name().toLowerCase(Locale.ROOT))
                .field("owner", h.ownerId())
                .field("host", h.host())
                .name("pid").valueOrNull(h.pid())
                .name("age_ms").valueOrNull(h.ageMillis())
                .name("since").value(time.minusMillis(h.ageMillis()))
                .field("state", h.waiting() ? "waiting" : "held")
                .field("node", h.node())
                .endObject();
        }
        return w.endArray().endObject().toString();
    }

    static String age(final long nanos)
    {
        if (nanos < 0)
        {
            return "-";
        }
        final long ms = TimeUnit.NANOSECONDS.toMillis(nanos);
        return ms < 10_000 ? ms + "ms" : ms / 1000 + "s";
    }

    /** Version of the {@code --json} document; bumped when a field changes meaning or goes away. */
    static final int JSON_SCHEMA = 1;

    /**
     * The {@code --json} document: an envelope (schema version, root, backend, dialect, wall-clock
     * time of the scan) around one object per lock file. {@code since} is the token's wall-clock time
     * (the scan's time minus the age), null when unknown.
     */
    static String toJson(final Instant time, final String rootPath, final String backend, final String detail,
        final List<LockFileInfo> infos)
    {
        return writeFiles(new JsonWriter(), time, rootPath, backend, detail, infos).endObject().toString();
    }

    /** The envelope and the lock files of {@link #toJson}, leaving the object open for more fields. */
    private static JsonWriter writeFiles(final JsonWriter writer, final Instant time, final String rootPath,
        final String backend, final String detail, final List<LockFileInfo> infos)
    {
        final JsonWriter w = writer.beginObject()
            .field("schema", JSON_SCHEMA)
            .field("root", rootPath)
            .field("backend", backend)
            .field("store", detail)
            .name("time").value(time)
            .name("locks").beginArray();
        for (final LockFileInfo i : infos)
        {
            w.beginObject()
                .field("path", i.lockPath())
                .field("file", i.file().toString())
                .field("type", i.type() == null ? null : i.type().name())
                .field("owner", i.ownerId())
                .name("pid").valueOrNull(i.pid())
                .name("age_ms").valueOrNull(i.ageNanos() < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(i.ageNanos()))
                .name("since").value(i.ageNanos() < 0 ? null : time.minusNanos(i.ageNanos()))
                .field("state", i.state().name().toLowerCase(Locale.ROOT))
                .field("detail", i.detail())
                .field("mode", i.mode() == null ? null : i.mode().name().toLowerCase(Locale.ROOT))
                .name("members").beginArray();
            for (final LockFileInfo.Member m : i.members())
            {
                w.beginObject()
                    .field("owner", m.ownerId())
                    .field("type", m.type() == null ? null : m.type().name())
                    .name("pid").valueOrNull(m.pid())
                    .name("age_ms").valueOrNull(m.ageNanos() < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(m.ageNanos()))
                    .field("state", m.state().name().toLowerCase(Locale.ROOT))
                    .field("record", m.file().toString())
                    .field("detail", m.detail())
                    .endObject();
            }
            w.endArray().endObject();
        }
        return w.endArray();
    }
}

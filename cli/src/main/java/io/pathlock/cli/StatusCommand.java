package io.pathlock.cli;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockStoreException;
import io.pathlock.file.FileLockStore;
import io.pathlock.file.LockFileInfo;
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
    header = "Lists the lock files under a root, or the locks in ZooKeeper.",
    description = {"Lists every lock file under --root: path, type, mode (exclusive or shared), owner, age, alive (flock) / " +
        "stale / foreign / unparseable, and under a shared lock's file one line per shared holder (member).",
        "",
        "With --zookeeper: every lock (held) and waiter (waiting) in the namespace, of every host: path, type, mode, " +
            "host, pid, owner, age."})
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
        out.flush();
        return 0;
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
        final JsonWriter w = new JsonWriter().beginObject()
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
        return w.endArray().endObject().toString();
    }
}

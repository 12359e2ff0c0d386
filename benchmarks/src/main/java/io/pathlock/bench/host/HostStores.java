package io.pathlock.bench.host;

import io.pathlock.LockManager;
import io.pathlock.file.Dialect;
import io.pathlock.file.FileLockStore;
import io.pathlock.host.HostLockStore;
import io.pathlock.store.LockStore;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The stores issue 12's benchmarks compare, by the name used in parameters, harness options and
 * result files:
 *
 * <ul>
 *   <li>{@code table}: {@link HostLockStore} with interop {@code none} (the host table alone: no lock
 *       file written, no tree scanned);</li>
 *   <li>{@code table.ragfs}: {@code HostLockStore} with interop {@code ragfs} (the table first, then
 *       the lock files OpenViking reads);</li>
 *   <li>{@code files}: {@link FileLockStore} alone, write dialect {@code ragfs} (the lock-file store
 *       as every pathlock process used it before issue 12).</li>
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class HostStores
{
    /** The store names, in report order. */
    public static final List<String> NAMES = List.of("table", "table.ragfs", "files");

    private HostStores()
    {
    }

    /**
     * Opens a store on a root (the table's defaults: 65,536 nodes, 128 slots).
     *
     * @param name {@code table}, {@code table.ragfs} or {@code files}.
     * @param root the root directory (exists).
     * @return the store; the caller closes it (or the manager it is given to does).
     * @throws IllegalArgumentException for an unknown name.
     */
    public static LockStore open(final String name, final Path root)
    {
        return switch (name)
        {
            case "table" -> host(root, "none");
            case "table.ragfs" -> host(root, "ragfs");
            case "table.ov431" -> host(root, "ov431");
            case "files" -> FileLockStore.builder(root).dialect(Dialect.RAGFS).syncFence(false).build();
            default -> throw new IllegalArgumentException("unknown store '" + name + "', known: " + String.join(", ", NAMES));
        };
    }

    /**
     * A manager on a store as the benchmarks use it: no idle-handle reaping (a benchmark's handle is
     * idle between iterations of nothing else), heartbeat as the store asks.
     *
     * @param name the store name.
     * @param root the root directory.
     * @return the manager; closing it closes the store.
     */
    public static LockManager manager(final String name, final Path root)
    {
        return LockManager.builder().store(open(name, root)).handleIdleTimeout(Duration.ZERO).build();
    }

    /**
     * Parses a comma-separated list of store names.
     *
     * @param list e.g. {@code table,files}.
     * @return the names, each checked.
     * @throws IllegalArgumentException naming an unknown store.
     */
    public static List<String> parse(final String list)
    {
        final List<String> out = new ArrayList<>();
        for (final String s : list.split(","))
        {
            final String n = s.trim().toLowerCase(Locale.ROOT);
            if (!NAMES.contains(n) && !n.equals("table.ov431"))
            {
                throw new IllegalArgumentException("unknown store '" + s + "' in '" + list + "', known: " + String.join(", ", NAMES));
            }
            out.add(n);
        }
        return out;
    }

    /**
     * Opens a host store: {@code HostLockStore.builder(root).interop(interop)}, with the fencing epoch
     * not synced (a throwaway root) as the lock-file store here.
     *
     * @param root the root.
     * @param interop {@code none}, {@code ragfs} or {@code ov431}.
     * @return the store.
     */
    static LockStore host(final Path root, final String interop)
    {
        final HostLockStore.Builder b = HostLockStore.builder(root).interop(interop);
        return interop.equals(HostLockStore.INTEROP_NONE) ? b.syncFence(false).build()
            : b.fileStore(f -> f.syncFence(false)).build();
    }
}

package io.pathlock.bench.host;

import io.pathlock.LockManager;
import io.pathlock.file.Dialect;
import io.pathlock.file.FileLockStore;
import io.pathlock.store.LockStore;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
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
 *   <li>{@code table}: {@code HostLockStore} with interop {@code none} (the host table alone: no lock
 *       file written, no tree scanned);</li>
 *   <li>{@code table.ragfs}: {@code HostLockStore} with interop {@code ragfs} (the table first, then
 *       the lock files OpenViking reads);</li>
 *   <li>{@code files}: {@link FileLockStore} alone, write dialect {@code ragfs} (the lock-file store
 *       as every pathlock process used it before issue 12).</li>
 * </ul>
 *
 * <p>{@code HostLockStore} is reached by reflection through its documented entry point
 * ({@code HostLockStore.builder(root).interop(mode).build()}), so that these benchmarks build
 * whether or not the store is in this build; a build without it fails with a message saying so.
 *
 * <p>Stateless and thread-safe.
 */
public final class HostStores
{
    /** The store names, in report order. */
    public static final List<String> NAMES = List.of("table", "table.ragfs", "files");

    private static final String HOST_STORE_CLASS = "io.pathlock.host.HostLockStore";

    private HostStores()
    {
    }

    /**
     * Opens a store on a root.
     *
     * @param name {@code table}, {@code table.ragfs} or {@code files}.
     * @param root the root directory (exists).
     * @return the store; the caller closes it (or the manager it is given to does).
     * @throws IllegalArgumentException for an unknown name.
     * @throws IllegalStateException if {@code HostLockStore} is not in this build.
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
     * Opens {@code HostLockStore.builder(root).interop(interop).build()}.
     *
     * @param root the root.
     * @param interop {@code none}, {@code ragfs} or {@code ov431}.
     * @return the store.
     */
    static LockStore host(final Path root, final String interop)
    {
        final Class<?> type;
        try
        {
            type = Class.forName(HOST_STORE_CLASS);
        }
        catch (final ClassNotFoundException e)
        {
            throw new IllegalStateException(HOST_STORE_CLASS + " is not in this build: the host lock table store (issue 12) "
                + "is needed for this benchmark", e);
        }
        try
        {
            final Method builder = type.getMethod("builder", Path.class);
            Object b = builder.invoke(null, root);
            final Class<?> bt = builder.getReturnType();
            b = bt.getMethod("interop", String.class).invoke(b, interop);
            return (LockStore)bt.getMethod("build").invoke(b);
        }
        catch (final InvocationTargetException e)
        {
            if (e.getCause() instanceof RuntimeException r)
            {
                throw r;
            }
            throw new IllegalStateException("HostLockStore on " + root + ": " + e.getCause(), e.getCause());
        }
        catch (final ReflectiveOperationException e)
        {
            throw new IllegalStateException(HOST_STORE_CLASS + " lacks builder(Path).interop(String).build(): " + e, e);
        }
    }
}

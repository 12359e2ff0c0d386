package io.pathlock.cli;

import io.pathlock.LockManager;
import io.pathlock.file.Dialect;
import io.pathlock.file.FileLockStore;
import io.pathlock.host.HostLockStore;
import io.pathlock.store.LockStore;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A store {@code pathlock bench} runs the engine on, as a value that a worker process can be given on
 * its command line: {@code memory}, {@code file} (lock files in {@code root}, write dialect
 * {@code interop}) or {@code host} (the host lock table of {@code root}, interop mode {@code interop}).
 *
 * @param kind    {@code memory}, {@code file} or {@code host}.
 * @param root    the root of a file or host store, else null.
 * @param interop the file store's write dialect or the host store's interop mode, or null for the
 *                store's default.
 * @param backend the POSIX backend of the lock files ({@code auto}, {@code jni}, {@code jnr}, {@code nio}).
 */
record BenchStores(String kind, Path root, String interop, String backend)
{
    /**
     * Opens a manager on the store.
     *
     * @return the manager (closing it closes the store).
     */
    LockManager manager()
    {
        if (kind.equals("memory"))
        {
            return LockManager.builder().build();
        }
        return LockManager.builder().store(store()).handleIdleTimeout(Duration.ZERO).build();
    }

    private LockStore store()
    {
        if (kind.equals("file"))
        {
            return FileLockStore.builder(root).backend(backend)
                .dialect(interop == null ? Dialect.fromSystemProperty() : Dialect.parse(interop)).build();
        }
        return HostLockStore.builder(root).interop(interop).fileStore(b -> b.backend(backend)).build();
    }

    /**
     * A short label for tables: {@code host, interop none}; {@code file, ragfs}.
     *
     * @return the label.
     */
    String label()
    {
        return switch (kind)
        {
            case "host" -> "host, interop " + (interop == null ? HostLockStore.INTEROP_DEFAULT : interop);
            case "file" -> "file, " + (interop == null ? Dialect.fromSystemProperty().id()
                : interop);
            default -> kind;
        };
    }

    /**
     * This store as one command-line argument value ({@code kind|interop|backend|root}).
     *
     * @return the value.
     */
    String encode()
    {
        return kind + "|" + (interop == null ? "" : interop) + "|" + backend + "|" + (root == null ? "" : root.toString());
    }

    /**
     * The store of {@link #encode()}.
     *
     * @param s the value.
     * @return the store.
     */
    static BenchStores decode(final String s)
    {
        final String[] p = s.split("\\|", 4);
        if (p.length != 4)
        {
            throw new IllegalArgumentException("bad store value '" + s + "'");
        }
        return new BenchStores(p[0], p[3].isEmpty() ? null : Path.of(p[3]), p[1].isEmpty() ? null : p[1], p[2]);
    }
}

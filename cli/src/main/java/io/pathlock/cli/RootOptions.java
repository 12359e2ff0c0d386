package io.pathlock.cli;

import io.pathlock.file.Dialect;
import io.pathlock.file.FileLockStore;
import io.pathlock.file.MissingDirectories;
import io.pathlock.host.HostLockStore;
import io.pathlock.host.HostTable;
import io.pathlock.config.Settings;
import io.pathlock.core.LockStoreException;
import io.pathlock.store.LockStoreProvider;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ServiceLoader;

/**
 * Options every lock command shares: where the locks live (lock files under {@code --root}, the
 * root's host lock table with {@code --store host}, or a ZooKeeper ensemble with
 * {@code --zookeeper}) and how to open that store.
 *
 * <p>The ZooKeeper store is found with {@link ServiceLoader} ({@link LockStoreProvider}), not linked:
 * ZooKeeper's two jars split packages, so no named module can read them, and the command must keep
 * running as the named module {@code io.pathlock.cli} for the lock-file store (docs/cli.md).
 */
final class RootOptions
{
    /** {@code --store file}: lock files only. */
    static final String STORE_FILE = "file";
    /** {@code --store host}: the root's host lock table. */
    static final String STORE_HOST = "host";

    /** Default of {@code --connect-timeout}. */
    static final String CONNECT_TIMEOUT_DEFAULT = "10s";

    @Option(names = "--root", paramLabel = "DIR", description = "Root directory of the lock tree (lock files).")
    Path root;

    @Option(names = "--zookeeper", paramLabel = "CONNECT",
        description = "Keep the locks in a ZooKeeper ensemble instead of lock files: host:port[,host:port...] " +
            "(several hosts; excludes --root).")
    String zookeeper;

    @Option(names = "--namespace", paramLabel = "NS", defaultValue = "/pathlock",
        description = "With --zookeeper: the znode under which the locks live (default ${DEFAULT-VALUE}).")
    String namespace;

    @Option(names = "--connect-timeout", paramLabel = "DURATION", defaultValue = CONNECT_TIMEOUT_DEFAULT,
        description = "With --zookeeper: give up connecting after this long (default ${DEFAULT-VALUE}).")
    String connectTimeout;

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "NAME",
        description = "POSIX backend: auto, jni, jnr or nio (default ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--store", paramLabel = "KIND", defaultValue = STORE_FILE,
        description = "With --root: file (lock files only, the default) or host (the root's host lock table in shared " +
            "memory, for pathlock processes of this host; with --interop ragfs/ov431 grants are also published as lock " +
            "files).")
    String store;

    @Option(names = "--interop", paramLabel = "DIALECT",
        description = "OpenViking lock-file dialect to write: ragfs (OpenViking since July 2026: E/T tokens, sidecars " +
            "for files, 30 s expiry) or ov431 (PR #431 Python: P/S, directories only, 300 s). Both are always read. " +
            "Default: system property pathlock.file.interop, else ragfs. With --store host also none (no lock files; " +
            "only for trees no OpenViking process writes); default there: the root's table's mode, else as above.")
    String interop;

    @Option(names = "--host-capacity", paramLabel = "N",
        description = "With --store host: node capacity of a new host table (default 65536; an existing table keeps " +
            "its own).")
    Integer hostCapacity;

    @Option(names = "--ov-prefix", paramLabel = "PREFIX",
        description = "The path under which OpenViking processes name this root (their mount prefix, e.g. /local/acc1); " +
            "ragfs hashes it into sidecar names (default: empty).")
    String ovPrefix;

    /**
     * The store for taking locks.
     *
     * @param missingDirs the policy for missing parent directories of lock paths.
     */
    FileLockStore open(final String missingDirs)
    {
        return builder().missingDirectories(MissingDirectories.parse(missingDirs)).build();
    }

    /** The store for status and break: creates nothing under the root, bumps no fencing epoch. */
    FileLockStore openAdmin()
    {
        return builder().administration().build();
    }

    /**
     * Whether the locks live in ZooKeeper; checks that exactly one store was named and that no option
     * of the other store was given.
     *
     * @throws IllegalArgumentException naming the clash.
     */
    boolean isZooKeeper()
    {
        if (zookeeper == null && root == null)
        {
            throw new IllegalArgumentException("give --root DIR (lock files on this host) or --zookeeper CONNECT " +
                "(a ZooKeeper ensemble, several hosts)");
        }
        if (zookeeper == null)
        {
            if (!"/pathlock".equals(namespace) || !CONNECT_TIMEOUT_DEFAULT.equals(connectTimeout))
            {
                throw new IllegalArgumentException("--namespace and --connect-timeout go with --zookeeper only");
            }
            isHost();
            return false;
        }
        if (root != null)
        {
            throw new IllegalArgumentException("give --root or --zookeeper, not both");
        }
        if (!STORE_FILE.equals(store) || hostCapacity != null)
        {
            throw new IllegalArgumentException("--store and --host-capacity go with --root: not with --zookeeper");
        }
        if (!"auto".equals(backend) || interop != null || ovPrefix != null)
        {
            throw new IllegalArgumentException("--backend, --interop and --ov-prefix are lock-file options: not " +
                "with --zookeeper");
        }
        return true;
    }

    /**
     * Whether the locks live in the root's host lock table ({@code --store host}); checks the options
     * that only go with one store kind.
     *
     * @return true for {@code --store host}.
     * @throws IllegalArgumentException naming a bad {@code --store}, or an option of the other kind.
     */
    boolean isHost()
    {
        if (!STORE_FILE.equals(store) && !STORE_HOST.equals(store))
        {
            throw new IllegalArgumentException("--store '" + store + "' is not file or host");
        }
        final boolean host = STORE_HOST.equals(store);
        if (!host && hostCapacity != null)
        {
            throw new IllegalArgumentException("--host-capacity goes with --store host only");
        }
        if (!host && interop != null && HostLockStore.INTEROP_NONE.equalsIgnoreCase(interop.trim()))
        {
            throw new IllegalArgumentException("--interop none goes with --store host only: the lock-file store always " +
                "writes lock files (give ragfs or ov431, or add --store host)");
        }
        if (host && hostCapacity != null && hostCapacity <= 0)
        {
            throw new IllegalArgumentException("--host-capacity must be positive, got " + hostCapacity);
        }
        return host;
    }

    /**
     * The host-table store for taking locks ({@code --store host}): the root's table (created with
     * {@code --host-capacity} and {@code --interop} if new), with interop on an inner lock-file store
     * configured by {@code --backend}, {@code --ov-prefix} and the missing-directories policy.
     *
     * @param missingDirs the policy for missing parent directories of lock paths.
     * @return the store.
     */
    HostLockStore openHost(final String missingDirs)
    {
        checkRoot();
        final HostLockStore.Builder b = HostLockStore.builder(root)
            .interop(interop == null ? null : interopMode())
            .fileStore(f ->
            {
                f.backend(backend).missingDirectories(MissingDirectories.parse(missingDirs));
                if (ovPrefix != null)
                {
                    f.ovPathPrefix(ovPrefix);
                }
            });
        if (hostCapacity != null)
        {
            b.capacity(hostCapacity);
        }
        return b.build();
    }

    /**
     * The root's host table for status and break: attaches no session, creates nothing.
     *
     * @return the table, or null when the root has none.
     */
    HostTable openHostTable()
    {
        checkRoot();
        final String mode = interop == null ? null : interopMode();
        final HostTable t = HostLockStore.openTable(root);
        if (t != null && mode != null && !mode.equals(t.interop()))
        {
            final String existing = t.interop();
            t.close();
            throw new IllegalArgumentException("--interop " + interop + ": the host table of " + root + " has interop " +
                "mode " + existing + " (a root has one mode, chosen when its table was created)");
        }
        return t;
    }

    /** {@code --interop} as the host store names modes: none, ov431 or ragfs (a bad one is refused, naming it). */
    private String interopMode()
    {
        final String m = interop.trim().toLowerCase(java.util.Locale.ROOT);
        if (!HostLockStore.INTEROP_NONE.equals(m) && !"ov431".equals(m) && !"ragfs".equals(m))
        {
            throw new IllegalArgumentException("--interop '" + interop + "' is not none, ov431 or ragfs");
        }
        return m;
    }

    private void checkRoot()
    {
        if (root == null || root.toString().isEmpty())
        {
            throw new IllegalArgumentException("--root must name a directory (an empty --root would silently mean the " +
                "current directory)");
        }
    }

    /**
     * Opens the ZooKeeper store through its provider, waiting at most {@code --connect-timeout}.
     *
     * @throws StoreUnavailableException if the provider is not on the class path.
     * @throws LockStoreException naming the connect string if the ensemble cannot be reached.
     */
    LockStoreProvider.AdministeredStore openZooKeeper()
    {
        final Duration timeout = Settings.parseDuration("--connect-timeout", connectTimeout, false);
        if (timeout.isZero())
        {
            throw new IllegalArgumentException("--connect-timeout must be positive");
        }
        final LockStoreProvider provider = provider("zookeeper");
        try
        {
            return provider.open(zookeeper, namespace, timeout);
        }
        catch (final LockStoreException e)
        {
            throw new LockStoreException("ZooKeeper at " + zookeeper + " (namespace " + namespace + "): " +
                e.getMessage(), e);
        }
        catch (final LinkageError e)
        {
            // A jar of the store's dependencies is missing (a trimmed class path).
            throw new StoreUnavailableException("the zookeeper store cannot run, a class is missing: " + e);
        }
    }

    /**
     * The store provider named {@code name}.
     *
     * @throws StoreUnavailableException if none is on the class path, saying why.
     */
    static LockStoreProvider provider(final String name)
    {
        try
        {
            for (final LockStoreProvider p : ServiceLoader.load(LockStoreProvider.class, RootOptions.class.getClassLoader()))
            {
                if (p.name().equals(name))
                {
                    return p;
                }
            }
        }
        catch (final java.util.ServiceConfigurationError e)
        {
            throw new StoreUnavailableException("the " + name + " store cannot be loaded: " + e.getMessage());
        }
        final boolean named = RootOptions.class.getModule().isNamed();
        throw new StoreUnavailableException("the " + name + " store (pathlock-zookeeper) is not available" + (named ?
            ": pathlock runs as the named module io.pathlock.cli, and ZooKeeper's jars cannot be read by named " +
                "modules (split packages); run it on the class path: the pathlock script or java -jar pathlock.jar" :
            ": pathlock-zookeeper and its dependencies are not on the class path"));
    }

    /** A store that this installation of pathlock cannot open (exit status {@value #EXIT}). */
    static final class StoreUnavailableException extends RuntimeException
    {
        /** Exit status (sysexits EX_UNAVAILABLE). */
        static final int EXIT = 69;
        private static final long serialVersionUID = 1L;

        StoreUnavailableException(final String message)
        {
            super(message, null, false, false);
        }
    }

    private FileLockStore.Builder builder()
    {
        if (root == null || root.toString().isEmpty())
        {
            throw new IllegalArgumentException("--root must name a directory (an empty --root would silently mean the " +
                "current directory)");
        }
        final FileLockStore.Builder b = FileLockStore.builder(root).backend(backend);
        if (interop != null)
        {
            b.dialect(Dialect.parse(interop));
        }
        if (ovPrefix != null)
        {
            b.ovPathPrefix(ovPrefix);
        }
        return b;
    }
}

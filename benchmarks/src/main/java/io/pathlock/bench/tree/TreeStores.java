package io.pathlock.bench.tree;

import io.pathlock.LockManager;
import io.pathlock.file.Dialect;
import io.pathlock.file.FileLockStore;
import io.pathlock.file.MissingDirectories;
import io.pathlock.host.HostLockStore;
import io.pathlock.redo.RedoLog;
import io.pathlock.redo.RedoLogConfig;
import io.pathlock.store.LockStore;
import io.pathlock.store.MemoryLockStore;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The lock stores issue 14's benchmarks run tree operations on, by the name used in the
 * {@code store} parameter:
 *
 * <ul>
 *   <li>{@code memory}: {@link MemoryLockStore} (the locks of one process, nothing on disk);</li>
 *   <li>{@code files}: {@link FileLockStore}, write dialect ragfs, with
 *       {@link MissingDirectories#FAIL} (as {@code docs/tree-ops.md} recommends for tree operations:
 *       a lock never creates directories behind the operations' back);</li>
 *   <li>{@code host}: {@link HostLockStore} with interop {@code none} (the host lock table in shared
 *       memory, no lock file).</li>
 * </ul>
 *
 * <p>The fencing epoch is not synced when a store opens (a throwaway root, as in the other
 * benchmarks): that is a cost of opening, outside every measured operation.
 *
 * <p>Stateless and thread-safe.
 */
public final class TreeStores
{
    /** The store names, in report order. */
    public static final List<String> NAMES = List.of("memory", "files", "host");

    /** The redo directory below the root (under {@code .pathlock}, which tree operations refuse to touch). */
    public static final String REDO_DIR = ".pathlock/redo/bench";

    private TreeStores()
    {
    }

    /**
     * Opens a store on a root.
     *
     * @param name {@code memory}, {@code files} or {@code host}.
     * @param root the root directory (exists).
     * @return the store; the caller closes it (or the manager it is given to does).
     * @throws IllegalArgumentException for an unknown name.
     */
    public static LockStore open(final String name, final Path root)
    {
        return switch (name)
        {
            case "memory" -> new MemoryLockStore();
            case "files" -> FileLockStore.builder(root).dialect(Dialect.RAGFS)
                .missingDirectories(MissingDirectories.FAIL).syncFence(false).build();
            case "host" -> HostLockStore.builder(root).interop(HostLockStore.INTEROP_NONE).syncFence(false)
                .build();
            default -> throw new IllegalArgumentException("unknown store '" + name + "', known: "
                + String.join(", ", NAMES));
        };
    }

    /**
     * A manager on a store with a redo log in {@code root/.pathlock/redo/bench}: no idle-handle
     * reaping, a 10 s default timeout (an uncontended benchmark never waits; a wait that long is a
     * bug, not a figure).
     *
     * @param name the store name.
     * @param root the root directory.
     * @return the manager; closing it closes the store and the redo log.
     * @throws IOException if the redo log cannot be opened.
     * @throws IllegalArgumentException for an unknown store name.
     */
    public static LockManager manager(final String name, final Path root) throws IOException
    {
        final LockStore store = open(name, root);
        final RedoLog redo;
        try
        {
            redo = RedoLog.open(new RedoLogConfig().directory(root.resolve(REDO_DIR)));
        }
        catch (final IOException | RuntimeException e)
        {
            store.close();
            throw e;
        }
        return LockManager.builder().store(store).redoLog(redo).handleIdleTimeout(Duration.ZERO)
            .defaultTimeout(Duration.ofSeconds(10)).build();
    }
}

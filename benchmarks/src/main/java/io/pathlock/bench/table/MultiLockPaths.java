package io.pathlock.bench.table;

import uk.ac.ic.doc.slurp.multilock.MultiLock;

import java.util.concurrent.ConcurrentHashMap;

/**
 * java-multilocks used as its users write a hierarchical path lock (the baseline of issue 11): one
 * {@link MultiLock} per path in a {@link ConcurrentHashMap}, an IX ({@code intentionWriteLock}) on
 * every ancestor looked up by its prefix (root first), X ({@code writeLock}) on the target, and every
 * unlock in reverse. Prefixes are cut from the path text as a caller would ({@code substring}).
 *
 * <p>Thread-safe (the map and the locks are).
 */
final class MultiLockPaths
{
    /** Most segments a benchmark path has. */
    static final int MAX_DEPTH = 32;

    private MultiLockPaths()
    {
    }

    /**
     * The lock of a path, created on first use.
     *
     * @param locks the map.
     * @param path the path text.
     * @return its lock.
     */
    static MultiLock lockOf(final ConcurrentHashMap<String, MultiLock> locks, final String path)
    {
        final MultiLock l = locks.get(path);
        return l != null ? l : locks.computeIfAbsent(path, k -> new MultiLock());
    }

    /**
     * IX on every ancestor of {@code path}, X on {@code path}, then unlock all in reverse.
     *
     * @param locks the map.
     * @param path an absolute path other than the root.
     * @return the target's lock.
     */
    static MultiLock lockUnlockX(final ConcurrentHashMap<String, MultiLock> locks, final String path)
    {
        final MultiLock[] taken = new MultiLock[MAX_DEPTH];
        int n = 0;
        final MultiLock root = lockOf(locks, "/");
        root.intentionWriteLock();
        taken[n++] = root;
        for (int i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1))
        {
            final MultiLock a = lockOf(locks, path.substring(0, i));
            a.intentionWriteLock();
            taken[n++] = a;
        }
        final MultiLock target = lockOf(locks, path);
        target.writeLock();
        target.unlockWrite();
        for (int j = n - 1; j >= 0; j--)
        {
            taken[j].unlockIntentionWrite();
        }
        return target;
    }
}

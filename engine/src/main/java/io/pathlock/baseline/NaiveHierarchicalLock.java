package io.pathlock.baseline;

import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The naive map-based hierarchical lock the benchmarks compare with: one pair of
 * {@link ReentrantReadWriteLock}s per path in a {@link ConcurrentHashMap}, never reclaimed.
 *
 * <p>Each path has a {@code self} lock and a {@code tree} lock. POINT(p) takes tree.read on p and
 * every ancestor, and self.write on p. SUBTREE(p) takes tree.read on the ancestors, tree.write and
 * self.write on p. This gives exactly the conflict matrix of DESIGN §2 for exclusive locks. A shared
 * POINT takes self.read instead of self.write; a shared SUBTREE takes what the exclusive one takes
 * but self.read, so it also excludes shared locks below it and other shared SUBTREEs on p (a
 * read-write lock per path cannot tell readers below from writers below). Every lock of a request is
 * taken in one global order (path, then tree before self; reads merged into writes), so requests
 * never deadlock; waiting is the JDK lock's parking. Costs: O(depth) lock operations and map lookups
 * per request, memory for every path ever locked.
 *
 * <p>Thread-safe; {@link #unlock} must run on the thread that called {@link #lock} (JDK locks are
 * thread-bound, another difference from the engine).
 */
public final class NaiveHierarchicalLock
{
    private static final class Node
    {
        final ReentrantReadWriteLock self = new ReentrantReadWriteLock();
        final ReentrantReadWriteLock tree = new ReentrantReadWriteLock();
    }

    private final ConcurrentHashMap<LockPath, Node> nodes = new ConcurrentHashMap<>();

    /** Creates an empty lock map. */
    public NaiveHierarchicalLock()
    {
    }

    /**
     * Takes every lock of a request, waiting as long as needed.
     *
     * @param request the request.
     * @return the locks taken, for {@link #unlock}.
     */
    public List<Lock> lock(final LockRequest request)
    {
        final List<Lock> plan = plan(request);
        for (final Lock l : plan)
        {
            l.lock();
        }
        return plan;
    }

    /**
     * Takes every lock of a request if all are free now, else none.
     *
     * @param request the request.
     * @return the locks taken, for {@link #unlock}, or null if one of them was not free.
     */
    public List<Lock> tryLock(final LockRequest request)
    {
        final List<Lock> plan = plan(request);
        for (int i = 0; i < plan.size(); i++)
        {
            if (!plan.get(i).tryLock())
            {
                unlock(plan.subList(0, i));
                return null;
            }
        }
        return plan;
    }

    /** The locks of a request in the global order. */
    private List<Lock> plan(final LockRequest request)
    {
        // key: path -> [treeMode, selfMode] where 0 none, 1 read, 2 write
        final TreeMap<LockPath, int[]> modes = new TreeMap<>();
        for (final LockRequest.Entry e : request.entries())
        {
            final LockPath p = e.path();
            for (int d = 0; d < p.depth(); d++)
            {
                final int[] m = modes.computeIfAbsent(p.prefix(d), k -> new int[2]);
                m[0] = Math.max(m[0], 1);
            }
            final int[] m = modes.computeIfAbsent(p, k -> new int[2]);
            // A shared SUBTREE takes the tree lock for writing too: a read-write lock cannot say
            // "readers below may stay, writers below may not" (that takes IS/IX), so the naive map
            // excludes more than it must; a shared POINT reads its self lock.
            m[0] = Math.max(m[0], e.type() == LockType.SUBTREE ? 2 : 1);
            m[1] = Math.max(m[1], e.isShared() ? 1 : 2);
        }
        final List<Lock> plan = new ArrayList<>(modes.size() * 2);
        for (final var en : modes.entrySet())
        {
            final Node n = nodes.computeIfAbsent(en.getKey(), k -> new Node());
            final int[] m = en.getValue();
            if (m[0] != 0)
            {
                plan.add(m[0] == 2 ? n.tree.writeLock() : n.tree.readLock());
            }
            if (m[1] != 0)
            {
                plan.add(m[1] == 2 ? n.self.writeLock() : n.self.readLock());
            }
        }
        return plan;
    }

    /**
     * Releases what {@link #lock} took, in reverse order.
     *
     * @param taken the list lock returned.
     */
    public void unlock(final List<Lock> taken)
    {
        for (int i = taken.size() - 1; i >= 0; i--)
        {
            taken.get(i).unlock();
        }
    }

    /**
     * Number of paths in the map (it never shrinks).
     *
     * @return the size.
     */
    public int size()
    {
        return nodes.size();
    }
}

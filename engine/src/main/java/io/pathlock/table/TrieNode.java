package io.pathlock.table;

import io.pathlock.core.HeldLock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One node of the lock trie: one path segment, its state word and its waiters.
 *
 * <p>See {@link LockTable} for the protocol. Only the lock table changes a node; the facade sees
 * nodes as opaque slots.
 */
public final class TrieNode
{
    // ---- state word layout -------------------------------------------------------------------
    static final long HOLD_MASK = 0b11L;
    static final long HOLD_NONE = 0L;
    static final long HOLD_POINT = 1L;
    static final long HOLD_SUBTREE = 2L;
    static final long DEAD = 1L << 2;
    static final long RECLAIMING = 1L << 3;
    static final long INFLATED = 1L << 4;
    static final long CLAIMING = 1L << 5;
    static final int BASE_SHIFT = 8;
    static final long INTENT_ONE = 1L << BASE_SHIFT;

    /** Cells of an inflated node, each on its own cache line pair (stride in longs). */
    static final int CELL_STRIDE = 16;
    static final int CELL_COUNT = cellCount();

    private static final VarHandle STATE;
    private static final VarHandle WAITERS;
    private static final VarHandle INTENT_WAITERS;
    private static final VarHandle PENDING;
    private static final VarHandle CHILDREN;
    private static final VarHandle QUEUE;
    private static final VarHandle CELLS;
    static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);

    static
    {
        try
        {
            final MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(TrieNode.class, "state", long.class);
            WAITERS = l.findVarHandle(TrieNode.class, "waiters", int.class);
            INTENT_WAITERS = l.findVarHandle(TrieNode.class, "intentWaiters", int.class);
            PENDING = l.findVarHandle(TrieNode.class, "pending", int.class);
            CHILDREN = l.findVarHandle(TrieNode.class, "children", ConcurrentHashMap.class);
            QUEUE = l.findVarHandle(TrieNode.class, "queue", ConcurrentLinkedQueue.class);
            CELLS = l.findVarHandle(TrieNode.class, "cells", long[].class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    final TrieNode parent;
    final String name;
    final int depth;

    @SuppressWarnings("unused") // accessed through STATE
    private volatile long state;
    @SuppressWarnings("unused") // accessed through WAITERS
    private volatile int waiters;
    @SuppressWarnings("unused") // accessed through INTENT_WAITERS
    private volatile int intentWaiters;
    @SuppressWarnings("unused") // accessed through PENDING
    private volatile int pending;
    private volatile ConcurrentHashMap<String, TrieNode> children;
    private volatile ConcurrentLinkedQueue<TableWaiter> queue;
    private volatile long[] cells;

    /** Who holds this node: set by the facade after a grant, cleared before release. */
    volatile HeldLock holder;

    TrieNode(final TrieNode parent, final String name)
    {
        this.parent = parent;
        this.name = name;
        this.depth = parent == null ? 0 : parent.depth + 1;
    }

    private static int cellCount()
    {
        int n = 1;
        final int cpus = Runtime.getRuntime().availableProcessors();
        while (n < cpus * 2)
        {
            n <<= 1;
        }
        return Math.max(4, Math.min(n, 64));
    }

    // ---- state word ---------------------------------------------------------------------------

    long stateVolatile()
    {
        return (long)STATE.getVolatile(this);
    }

    void stateVolatile(final long value)
    {
        STATE.setVolatile(this, value);
    }

    boolean compareAndSetState(final long expected, final long value)
    {
        return STATE.compareAndSet(this, expected, value);
    }

    static long hold(final long s)
    {
        return s & HOLD_MASK;
    }

    static long base(final long s)
    {
        return s >>> BASE_SHIFT;
    }

    // ---- intent cells (inflated nodes) ----------------------------------------------------------

    long[] cellsVolatile()
    {
        return (long[])CELLS.getVolatile(this);
    }

    long[] inflateCells()
    {
        long[] c = cellsVolatile();
        if (c == null)
        {
            final long[] fresh = new long[(CELL_COUNT + 1) * CELL_STRIDE];
            c = CELLS.compareAndSet(this, (long[])null, fresh) ? fresh : cellsVolatile();
        }
        return c;
    }

    static int cellIndex()
    {
        long h = Thread.currentThread().getId() * 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
        return (int)((h & (CELL_COUNT - 1)) + 1) * CELL_STRIDE;
    }

    static long addCellVolatile(final long[] c, final int index, final long delta)
    {
        return (long)CELL.getAndAdd(c, index, delta) + delta;
    }

    static long sumCellsVolatile(final long[] c)
    {
        long sum = 0;
        for (int i = CELL_STRIDE; i < c.length; i += CELL_STRIDE)
        {
            sum += (long)CELL.getVolatile(c, i);
        }
        return sum;
    }

    /**
     * Number of locks held strictly below this node, as the state word and cells say now.
     *
     * @return the intention count (a snapshot; exact only when quiescent).
     */
    public long intentCount()
    {
        final long s = stateVolatile();
        long n = base(s);
        if ((s & INFLATED) != 0)
        {
            n += sumCellsVolatile(cellsVolatile());
        }
        return n;
    }

    // ---- waiter and pending counts --------------------------------------------------------------

    int waitersVolatile()
    {
        return (int)WAITERS.getVolatile(this);
    }

    int intentWaitersVolatile()
    {
        return (int)INTENT_WAITERS.getVolatile(this);
    }

    int pendingVolatile()
    {
        return (int)PENDING.getVolatile(this);
    }

    int addWaiters(final int delta)
    {
        return (int)WAITERS.getAndAdd(this, delta) + delta;
    }

    int addIntentWaiters(final int delta)
    {
        return (int)INTENT_WAITERS.getAndAdd(this, delta) + delta;
    }

    int addPending(final int delta)
    {
        return (int)PENDING.getAndAdd(this, delta) + delta;
    }

    ConcurrentLinkedQueue<TableWaiter> queue()
    {
        ConcurrentLinkedQueue<TableWaiter> q = queue;
        if (q == null)
        {
            final ConcurrentLinkedQueue<TableWaiter> fresh = new ConcurrentLinkedQueue<>();
            q = QUEUE.compareAndSet(this, (ConcurrentLinkedQueue<TableWaiter>)null, fresh) ? fresh : queue;
        }
        return q;
    }

    ConcurrentLinkedQueue<TableWaiter> queueOrNull()
    {
        return queue;
    }

    // ---- children -----------------------------------------------------------------------------

    ConcurrentHashMap<String, TrieNode> childrenOrNull()
    {
        return children;
    }

    ConcurrentHashMap<String, TrieNode> children()
    {
        ConcurrentHashMap<String, TrieNode> c = children;
        if (c == null)
        {
            final ConcurrentHashMap<String, TrieNode> fresh = new ConcurrentHashMap<>(4);
            c = CHILDREN.compareAndSet(this, (ConcurrentHashMap<String, TrieNode>)null, fresh) ? fresh : children;
        }
        return c;
    }

    /**
     * The grant record the facade attached to the current grant on this node.
     *
     * @return the holder, or null if none is attached (free, or between claim and attach).
     */
    public HeldLock holder()
    {
        return holder;
    }

    /**
     * Rebuilds the path of this node (walks to the root; for reports, not for hot paths).
     *
     * @return the path text.
     */
    public String pathString()
    {
        if (parent == null)
        {
            return "/";
        }
        final StringBuilder sb = new StringBuilder();
        appendPath(sb, this);
        return sb.toString();
    }

    private static void appendPath(final StringBuilder sb, final TrieNode n)
    {
        if (n.parent == null)
        {
            return;
        }
        appendPath(sb, n.parent);
        sb.append('/').append(n.name);
    }

    @Override
    public String toString()
    {
        final long s = stateVolatile();
        return "TrieNode[" + pathString() + " hold=" + hold(s) + " intent=" + intentCount()
            + ((s & DEAD) != 0 ? " dead" : "") + " waiters=" + waitersVolatile() + " pending=" + pendingVolatile() + "]";
    }
}

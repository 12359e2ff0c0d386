package io.pathlock.table;

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
    private static final VarHandle CONTENTION;
    private static final VarHandle CELLS;
    private static final VarHandle HOLDER;
    static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);

    static
    {
        try
        {
            final MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(TrieNode.class, "state", long.class);
            WAITERS = l.findVarHandle(Contention.class, "waiters", int.class);
            INTENT_WAITERS = l.findVarHandle(Contention.class, "intentWaiters", int.class);
            PENDING = l.findVarHandle(Contention.class, "pending", int.class);
            CHILDREN = l.findVarHandle(TrieNode.class, "children", ConcurrentHashMap.class);
            CONTENTION = l.findVarHandle(TrieNode.class, "contention", Contention.class);
            CELLS = l.findVarHandle(Contention.class, "cells", long[].class);
            HOLDER = l.findVarHandle(TrieNode.class, "holder", LockOwner.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    final TrieNode parent;
    final String name;

    /**
     * What only a node that is waited on, marked pending or contended needs, created on first use
     * (most nodes never have a waiter): the waiter counts and queue, the pending-mark count and the
     * striped intent cells. Kept apart so that a node costs 56 bytes, not 72. A reader that finds no
     * contention object reads zero counts: the object is installed (CAS) before any count is
     * raised in it, so invariant 5's handshakes (count raised, then state read; state changed, then
     * count read) see through it unchanged.
     */
    static final class Contention
    {
        @SuppressWarnings("unused") // accessed through WAITERS
        private volatile int waiters;
        @SuppressWarnings("unused") // accessed through INTENT_WAITERS
        private volatile int intentWaiters;
        @SuppressWarnings("unused") // accessed through PENDING
        private volatile int pending;
        final ConcurrentLinkedQueue<TableWaiter> queue = new ConcurrentLinkedQueue<>();
        @SuppressWarnings("unused") // accessed through CELLS
        private volatile long[] cells;
    }

    @SuppressWarnings("unused") // accessed through STATE
    private volatile long state;
    private volatile ConcurrentHashMap<String, TrieNode> children;
    @SuppressWarnings("unused") // accessed through CONTENTION
    private volatile Contention contention;

    /**
     * The fencing token of the last grant on this node: written by the grant before its holder
     * can release it, so a later grant on this node (which claims after that release) reads it.
     * Guarded by the node's HOLD: only the holder writes it.
     */
    long grantToken;
    /** When the current (or last) grant on this node was made, on the facade's clock. */
    long grantNanos;
    /**
     * Who holds this node: set by the facade after a grant (after {@link #grantToken} and
     * {@link #grantNanos}), cleared before release. Written with release stores and read with
     * acquire loads ({@link #HOLDER}): only conflict reports read it from other threads, and the
     * claim and release CAS on the state word order it for the holder itself.
     */
    @SuppressWarnings("unused") // through HOLDER
    private LockOwner holder;

    TrieNode(final TrieNode parent, final String name)
    {
        this.parent = parent;
        this.name = name;
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
        final Contention k = contentionOrNull();
        return k == null ? null : (long[])CELLS.getVolatile(k);
    }

    long[] inflateCells()
    {
        final Contention k = contention();
        long[] c = (long[])CELLS.getVolatile(k);
        if (c == null)
        {
            final long[] fresh = new long[(CELL_COUNT + 1) * CELL_STRIDE];
            c = CELLS.compareAndSet(k, (long[])null, fresh) ? fresh : (long[])CELLS.getVolatile(k);
        }
        return c;
    }

    private Contention contentionOrNull()
    {
        return (Contention)CONTENTION.getVolatile(this);
    }

    private Contention contention()
    {
        Contention k = contentionOrNull();
        if (k == null)
        {
            final Contention fresh = new Contention();
            k = CONTENTION.compareAndSet(this, (Contention)null, fresh) ? fresh : contentionOrNull();
        }
        return k;
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
        final Contention k = contentionOrNull();
        return k == null ? 0 : (int)WAITERS.getVolatile(k);
    }

    int intentWaitersVolatile()
    {
        final Contention k = contentionOrNull();
        return k == null ? 0 : (int)INTENT_WAITERS.getVolatile(k);
    }

    int pendingVolatile()
    {
        final Contention k = contentionOrNull();
        return k == null ? 0 : (int)PENDING.getVolatile(k);
    }

    int addWaiters(final int delta)
    {
        return (int)WAITERS.getAndAdd(contention(), delta) + delta;
    }

    int addIntentWaiters(final int delta)
    {
        return (int)INTENT_WAITERS.getAndAdd(contention(), delta) + delta;
    }

    int addPending(final int delta)
    {
        return (int)PENDING.getAndAdd(contention(), delta) + delta;
    }

    ConcurrentLinkedQueue<TableWaiter> queue()
    {
        return contention().queue;
    }

    ConcurrentLinkedQueue<TableWaiter> queueOrNull()
    {
        final Contention k = contentionOrNull();
        return k == null ? null : k.queue;
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
     * The owner the facade attached to the current grant on this node.
     *
     * @return the holder, or null if none is attached (free, or between claim and attach).
     */
    public LockOwner holder()
    {
        return (LockOwner)HOLDER.getAcquire(this);
    }

    void holderRelease(final LockOwner owner)
    {
        HOLDER.setRelease(this, owner);
    }

    /**
     * The fencing token of the current grant, or of the last one when the node is free. Exact for
     * the holder; a snapshot for anybody else.
     *
     * @return the token, 0 if never granted.
     */
    public long grantToken()
    {
        return grantToken;
    }

    /**
     * When the current grant was made (on the facade's clock). Exact for the holder; a snapshot
     * for anybody else.
     *
     * @return the grant time.
     */
    public long grantNanos()
    {
        return grantNanos;
    }

    /**
     * The lock held on this node now.
     *
     * @return POINT, SUBTREE, or null when free.
     */
    public io.pathlock.core.LockType heldType()
    {
        final long h = hold(stateVolatile());
        return h == HOLD_POINT ? io.pathlock.core.LockType.POINT : h == HOLD_SUBTREE ? io.pathlock.core.LockType.SUBTREE : null;
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

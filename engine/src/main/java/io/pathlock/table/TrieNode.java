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
    // ---- state word layout (see LockTable, PROTOCOL) -------------------------------------------
    /** XHOLD: the exclusive lock held on the node. */
    static final long HOLD_MASK = 0b11L;
    static final long HOLD_NONE = 0L;
    static final long HOLD_POINT = 1L;
    static final long HOLD_SUBTREE = 2L;
    static final long DEAD = 1L << 2;
    static final long RECLAIMING = 1L << 3;
    static final long INFLATED = 1L << 4;
    static final long CLAIMING = 1L << 5;
    /** IX: exclusive locks held strictly below (base part; cells hold the rest when inflated). */
    static final int BASE_SHIFT = 6;
    static final int IX_BITS = 16;
    static final long INTENT_ONE = 1L << BASE_SHIFT;
    static final long IX_MAX = (1L << IX_BITS) - 1;
    static final long IX_MASK = IX_MAX << BASE_SHIFT;
    /** IS: shared locks held strictly below (base part). */
    static final int IS_SHIFT = BASE_SHIFT + IX_BITS;
    static final int IS_BITS = 14;
    static final long IS_ONE = 1L << IS_SHIFT;
    static final long IS_MAX = (1L << IS_BITS) - 1;
    static final long IS_MASK = IS_MAX << IS_SHIFT;
    /** SP: shared POINT holders of the node. */
    static final int SP_SHIFT = IS_SHIFT + IS_BITS;
    static final int HOLDER_BITS = 14;
    static final long SP_ONE = 1L << SP_SHIFT;
    /** Most shared holders of one kind on one node (as ReentrantReadWriteLock's 65,535 readers). */
    public static final int MAX_SHARED_HOLDERS = (1 << HOLDER_BITS) - 1;
    static final long SP_MASK = (long)MAX_SHARED_HOLDERS << SP_SHIFT;
    /** SS: shared SUBTREE holders of the node. */
    static final int SS_SHIFT = SP_SHIFT + HOLDER_BITS;
    static final long SS_ONE = 1L << SS_SHIFT;
    static final long SS_MASK = (long)MAX_SHARED_HOLDERS << SS_SHIFT;
    static final long SHARED_HOLD_MASK = SP_MASK | SS_MASK;
    /** Every count of the word: a node is idle only if all are zero (and no cell counts). */
    static final long COUNTS_MASK = IX_MASK | IS_MASK | SP_MASK | SS_MASK;

    /** Offset of a cell's IS counter from its IX counter (same cache line). */
    static final int CELL_IS = 1;
    /** Cells of an inflated node, each on its own cache line pair (stride in longs). */
    static final int CELL_STRIDE = 16;
    static final int CELL_COUNT = cellCount();

    private static final VarHandle STATE;
    private static final VarHandle WAITERS;
    private static final VarHandle INTENT_WAITERS;
    private static final VarHandle PENDING;
    private static final VarHandle PENDING_X;
    private static final VarHandle PENDING_S;
    private static final VarHandle GRANT_TOKEN;
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
            PENDING_X = l.findVarHandle(Contention.class, "pendingExclusive", int.class);
            PENDING_S = l.findVarHandle(Contention.class, "pendingShared", int.class);
            GRANT_TOKEN = l.findVarHandle(TrieNode.class, "grantToken", long.class);
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
        /** Every pending mark on the node, of any kind (the one count hot paths read). */
        @SuppressWarnings("unused") // accessed through PENDING
        private volatile int pending;
        /** Marks that refuse only exclusive locks (a SUBTREE-SHARED waiter's); included in pending. */
        @SuppressWarnings("unused") // accessed through PENDING_X
        private volatile int pendingExclusive;
        /** Marks that refuse only shared claims on the node (an exclusive waiter's); included in pending. */
        @SuppressWarnings("unused") // accessed through PENDING_S
        private volatile int pendingShared;
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
    @SuppressWarnings("unused") // written by exclusive grants plainly, by shared ones through GRANT_TOKEN
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

    /**
     * Looked up again since the last amortised sweep (LockTable invariant 7, second chance): set by
     * lookups that find the node, cleared by the sweep; creation does not set it, so a path locked
     * once is reclaimed by the next sweep as before. A hint, written and read plainly.
     */
    boolean referenced;

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

    /** IX in the word. */
    static long base(final long s)
    {
        return (s & IX_MASK) >>> BASE_SHIFT;
    }

    /** IS in the word. */
    static long baseShared(final long s)
    {
        return (s & IS_MASK) >>> IS_SHIFT;
    }

    /** Shared POINT holders. */
    static long sharedPoints(final long s)
    {
        return (s & SP_MASK) >>> SP_SHIFT;
    }

    /** Shared SUBTREE holders. */
    static long sharedSubtrees(final long s)
    {
        return (s & SS_MASK) >>> SS_SHIFT;
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

    /** Sum of the IX cells. */
    static long sumCellsVolatile(final long[] c)
    {
        return sumCellsVolatile(c, 0);
    }

    /**
     * Sum of one counter of every cell: {@code 0} IX, {@link #CELL_IS} IS.
     */
    static long sumCellsVolatile(final long[] c, final int offset)
    {
        long sum = 0;
        for (int i = CELL_STRIDE + offset; i < c.length; i += CELL_STRIDE)
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
        return exclusiveIntentCount() + sharedIntentCount();
    }

    /**
     * Number of exclusive locks held strictly below this node (IX), as the state word and cells say now.
     *
     * @return the count (a snapshot; exact only when quiescent).
     */
    public long exclusiveIntentCount()
    {
        final long s = stateVolatile();
        long n = base(s);
        if ((s & INFLATED) != 0)
        {
            n += sumCellsVolatile(cellsVolatile(), 0);
        }
        return n;
    }

    /**
     * Number of shared locks held strictly below this node (IS), as the state word and cells say now.
     *
     * @return the count (a snapshot; exact only when quiescent).
     */
    public long sharedIntentCount()
    {
        final long s = stateVolatile();
        long n = baseShared(s);
        if ((s & INFLATED) != 0)
        {
            n += sumCellsVolatile(cellsVolatile(), CELL_IS);
        }
        return n;
    }

    /**
     * Number of shared holders of this node (POINT-SHARED plus SUBTREE-SHARED).
     *
     * @return the count (a snapshot).
     */
    public int sharedHolders()
    {
        final long s = stateVolatile();
        return (int)(sharedPoints(s) + sharedSubtrees(s));
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

    int pendingExclusiveVolatile()
    {
        final Contention k = contentionOrNull();
        return k == null ? 0 : (int)PENDING_X.getVolatile(k);
    }

    int pendingSharedVolatile()
    {
        final Contention k = contentionOrNull();
        return k == null ? 0 : (int)PENDING_S.getVolatile(k);
    }

    /**
     * Adds a mark of a kind (LockTable.MARK_*): the kind's own count first, then the total that
     * hot paths read, so that whoever sees the total sees the kind (and the reverse on removal).
     */
    int addPendingMark(final int kind, final int delta)
    {
        final Contention k = contention();
        if (delta > 0)
        {
            addKind(k, kind, delta);
            return (int)PENDING.getAndAdd(k, delta) + delta;
        }
        final int left = (int)PENDING.getAndAdd(k, delta) + delta;
        addKind(k, kind, delta);
        return left;
    }

    private static void addKind(final Contention k, final int kind, final int delta)
    {
        if (kind == LockTable.MARK_EXCLUSIVE)
        {
            PENDING_X.getAndAdd(k, delta);
        }
        else if (kind == LockTable.MARK_SHARED)
        {
            PENDING_S.getAndAdd(k, delta);
        }
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

    /** Clears the holder if it is {@code owner} (shared nodes: another holder may have attached since). */
    void holderClear(final LockOwner owner)
    {
        HOLDER.compareAndSet(this, owner, (LockOwner)null);
    }

    /**
     * Raises {@link #grantToken} to at least {@code token} (shared grants: several holders write it,
     * and the next exclusive grant must read the largest).
     */
    void grantTokenMax(final long token)
    {
        for (;;)
        {
            final long t = (long)GRANT_TOKEN.getVolatile(this);
            if (t >= token || GRANT_TOKEN.compareAndSet(this, t, token))
            {
                return;
            }
        }
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
        final long s = stateVolatile();
        final long h = hold(s);
        if (h == HOLD_POINT)
        {
            return io.pathlock.core.LockType.POINT;
        }
        if (h == HOLD_SUBTREE || (s & SS_MASK) != 0)
        {
            return io.pathlock.core.LockType.SUBTREE;
        }
        return (s & SP_MASK) != 0 ? io.pathlock.core.LockType.POINT : null;
    }

    /**
     * The mode of the lock held on this node now.
     *
     * @return EXCLUSIVE, SHARED, or null when free.
     */
    public io.pathlock.core.LockMode heldMode()
    {
        final long s = stateVolatile();
        if (hold(s) != HOLD_NONE)
        {
            return io.pathlock.core.LockMode.EXCLUSIVE;
        }
        return (s & SHARED_HOLD_MASK) != 0 ? io.pathlock.core.LockMode.SHARED : null;
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
        return "TrieNode[" + pathString() + " hold=" + hold(s) + " sp=" + sharedPoints(s) + " ss=" + sharedSubtrees(s)
            + " ix=" + exclusiveIntentCount() + " is=" + sharedIntentCount()
            + ((s & DEAD) != 0 ? " dead" : "") + " waiters=" + waitersVolatile() + " pending=" + pendingVolatile() + "]";
    }
}

package io.pathlock.host;

import io.pathlock.core.LockConflict;
import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockStoreException;
import io.pathlock.core.LockType;
import org.agrona.collections.Int2IntHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import static io.pathlock.host.HostLayout.*;
import static io.pathlock.host.HostSteps.*;

/**
 * One session's view of a {@link HostTable}: a slot, its kernel lock and its contribution records.
 * Locks of one session never conflict with each other (the process's own lock table arbitrates its
 * threads before the host table is asked).
 *
 * <p>The protocol (micro critical sections, requests, marks, recovery) is described at the top of
 * {@link HostTable}; this class implements it for one slot.
 *
 * <p>Thread-safety: thread-safe (requests of several threads of the process may run at once; each
 * micro critical section holds the session's in-process lock).
 */
public final class HostSession implements AutoCloseable
{
    /**
     * What one granted request holds; pass it to {@link #release}.
     */
    public interface Grant
    {
        /**
         * The entries granted.
         *
         * @return the entries.
         */
        List<LockRequest.Entry> entries();
    }

    /**
     * What refused a request: wait on it with {@link #await}.
     */
    public interface Blocker
    {
    }

    /**
     * The result of {@link #tryAcquire}: a grant, or a conflict and what to wait on.
     *
     * @param grant    the grant, or null.
     * @param conflict the conflict (source {@code "host"}), or null.
     * @param blocker  what to wait on when refused, or null.
     */
    public record Result(Grant grant, LockConflict conflict, Blocker blocker)
    {
        /**
         * Whether the request was granted.
         *
         * @return true when granted.
         */
        public boolean isGranted()
        {
            return grant != null;
        }
    }

    private static final int ETIMEDOUT = 110;
    private static final int SPINS = 64;
    private static final int SPINS_BEFORE_PARK = 1024;
    private static final int RECLAIM_BATCH = 32;
    private static final long BACKOFF_MIN_NANOS = 50_000;
    private static final long BACKOFF_MAX_NANOS = 1_000_000;
    private static final long DEPENDENCY_WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final long BREAK_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int CHAIN_CACHE_MAX = 8192;
    private static final int HOLDER_SINCE_SHIFT = 16;
    private static final long[] NO_CHAIN = new long[0];

    // section outcomes
    private static final int OK = 0;
    private static final int STALE = 1;
    private static final int REFUSED = 2;

    // decision modes
    private static final int M_NONE = 0;
    private static final int M_RAISE_X = 1;
    private static final int M_RAISE_S = 2;
    private static final int M_CLAIM_PX = 3;
    private static final int M_CLAIM_PS = 4;
    private static final int M_CLAIM_SX = 5;
    private static final int M_CLAIM_SS = 6;

    private final HostTable t;
    private final UnsafeBuffer buf;
    private final int slot;
    private final long me;
    private final long so;
    private final SlotLocks.Held held;
    private static final java.lang.invoke.VarHandle REFUSAL_CHECK;

    static
    {
        try
        {
            REFUSAL_CHECK = java.lang.invoke.MethodHandles.lookup()
                .findVarHandle(HostSession.class, "nextRefusalLivenessCheck", long.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** When a refused request may next look for dead sessions (H10); nanoTime. */
    @SuppressWarnings("unused") // through REFUSAL_CHECK
    private volatile long nextRefusalLivenessCheck = System.nanoTime();

    private final ReentrantLock mutex = new ReentrantLock();
    private final ReentrantLock recoveryMutex = new ReentrantLock();
    private final Int2IntHashMap recordOfNode = new Int2IntHashMap(-1);
    /** Path -&gt; (generation &lt;&lt; 32 | index) of its nodes at depth 1..n; validated by each section's CAS. */
    private final ConcurrentHashMap<LockPath, long[]> chainCache = new ConcurrentHashMap<>();
    private final long rootGen;
    private final long[] others = new long[KINDS];
    private final int[] freeRecords;
    private int freeTop;
    private final long[] stagedOff = new long[UNDO_CAPACITY];
    private final long[] stagedVal = new long[UNDO_CAPACITY];
    private int staged;
    private int op;
    /** The micro lock this session holds now (under the mutex), 0 outside a section. */
    private long heldLock;
    private final List<long[]> marks = new ArrayList<>();
    private volatile long myState;
    private volatile boolean closed;
    private volatile boolean broken;
    private boolean recoveredAtStart;
    /**
     * True while start() recovers this session's own slot: its progress words are the dead
     * session's then, so a nested recovery must not use them (it runs without a RECOVERING mark).
     */
    private boolean selfRecovering;

    HostSession(final HostTable table, final int slot, final SlotLocks.Held held)
    {
        this.t = table;
        this.buf = table.buf;
        this.slot = slot;
        this.me = slot + 1;
        this.so = table.slotOffset(slot);
        this.held = held;
        this.freeRecords = new int[table.records];
        for (int i = 0; i < freeRecords.length; i++)
        {
            freeRecords[i] = freeRecords.length - 1 - i;
        }
        this.freeTop = freeRecords.length;
        this.rootGen = generation(buf.getLongVolatile((int)(table.nodeOffset(ROOT) + N_LOCK)));
    }

    /** Takes the slot: recovers what a dead previous session left in it, then marks it LIVE. */
    void start()
    {
        final long st = get(so + S_STATE);
        if (stateKind(st) != STATE_FREE || get(so + S_UNDO_COUNT) != 0 || get(so + S_PROGRESS) != P_NONE
            || anyRecord(slot))
        {
            myState = st;
            selfRecovering = true;
            recover(slot);
            selfRecovering = false;
            recoveredAtStart = true;
        }
        final long inc = incarnation(get(so + S_STATE)) + 1;
        putOrdered(so + S_INTENT, 0);
        putOrdered(so + S_UNDO_COUNT, 0);
        putOrdered(so + S_PROGRESS, P_NONE);
        putOrdered(so + S_ATTACHED, System.currentTimeMillis());
        final long live = HostLayout.state(STATE_LIVE, inc, t.pid);
        myState = live;
        buf.putLongVolatile((int)(so + S_STATE), live);
    }

    boolean recoveredAtStart()
    {
        return recoveredAtStart;
    }

    boolean isClosed()
    {
        return closed;
    }

    private boolean anyRecord(final int s)
    {
        for (int r = 0; r < t.records; r++)
        {
            if (get(t.recordOffset(s, r) + R_NODE) != 0)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * This session's slot number.
     *
     * @return the slot.
     */
    public int slot()
    {
        return slot;
    }

    // =============================================================================================
    // requests
    // =============================================================================================

    /** A request's refusal details, filled by a refused section. */
    private static final class Refusal
    {
        LockConflict.Reason reason;
        int kind;
        int markKind = -1;
        int holderSlot = -1;
        long holderSince;
        boolean requesterHoldsLocks = true;
        /** Whether the exemption is decided per owner ({@link #tryAcquire(List, boolean, Blocker)}). */
        boolean ownerPrecise;
        /** Offset of the node where the requesting owner's own mark stands, or -1. */
        long requesterMarkOff = -1;
    }

    private static final class HostGrant implements Grant
    {
        final List<LockRequest.Entry> entries;
        final int[] nodes;
        final long[] gens;
        final int[] kinds;
        final int count;
        final long state;
        final AtomicBoolean released = new AtomicBoolean();

        HostGrant(final List<LockRequest.Entry> entries, final Steps steps, final long state)
        {
            this.entries = List.copyOf(entries);
            this.count = steps.count;
            this.nodes = java.util.Arrays.copyOf(steps.nodes, count);
            this.gens = java.util.Arrays.copyOf(steps.gens, count);
            this.kinds = java.util.Arrays.copyOf(steps.kinds, count);
            this.state = state;
        }

        @Override
        public List<LockRequest.Entry> entries()
        {
            return entries;
        }

        @Override
        public String toString()
        {
            return "HostGrant" + entries;
        }
    }

    private static final class HostBlocker implements Blocker
    {
        final int node;
        final long gen;
        final int stripe;
        final int seq;
        final int markKind;
        final String path;
        boolean marked;

        HostBlocker(final int node, final long gen, final int stripe, final int seq, final int markKind, final String path)
        {
            this.node = node;
            this.gen = gen;
            this.stripe = stripe;
            this.seq = seq;
            this.markKind = markKind;
            this.path = path;
        }

        @Override
        public String toString()
        {
            return "HostBlocker[" + path + ", node " + node + "/" + gen + (markKind >= 0 ? ", mark " + KIND_NAMES[markKind] : "")
                + "]";
        }
    }

    /**
     * What pending mark a blocker stands for, so that a store can tell two refusals that need the
     * same mark apart from ones that need another (used by {@code HostStoreMarks}).
     *
     * @param blocker a blocker of this table.
     * @return a key equal for blockers that need the same mark (node, generation, kind), or null when
     *         the refusal needs no mark.
     */
    static String markKey(final Blocker blocker)
    {
        final HostBlocker b = (HostBlocker)blocker;
        return b.markKind < 0 ? null : b.node + "/" + b.gen + "/" + b.markKind;
    }

    /** The counts a request raised, in order. */
    private static final class Steps
    {
        int[] nodes = new int[16];
        long[] gens = new long[16];
        int[] kinds = new int[16];
        int count;

        void add(final int node, final long gen, final int kind)
        {
            if (count == nodes.length)
            {
                nodes = java.util.Arrays.copyOf(nodes, count * 2);
                gens = java.util.Arrays.copyOf(gens, count * 2);
                kinds = java.util.Arrays.copyOf(kinds, count * 2);
            }
            nodes[count] = node;
            gens[count] = gen;
            kinds[count] = kind;
            count++;
        }
    }

    /**
     * Takes a batch of locks, all or nothing, without waiting, for a requester that may hold locks
     * in this session already: as {@link #tryAcquire(List, boolean)} with {@code true}.
     *
     * @param entries normalised entries (as the store SPI receives them).
     * @return the grant or the conflict.
     * @throws io.pathlock.core.LockStoreException when the table is full (the message names the
     *         capacity), this session's records are exhausted, a path segment is longer than 255
     *         UTF-8 bytes, or the session was broken; nothing stays raised.
     */
    public Result tryAcquire(final List<LockRequest.Entry> entries)
    {
        return tryAcquire(entries, true);
    }

    /**
     * Takes a batch of locks, all or nothing, without waiting.
     *
     * <p>Pending marks of other sessions refuse the request, except at a node where this session
     * has counts and {@code requesterHoldsLocks} is true (the requester may be what the marking
     * waiter waits for: refusing it could deadlock). A store that knows the requesting owner holds
     * nothing passes false, so that other owners of the same session cannot starve a waiter of
     * another session; the session's own marks at a node still exempt it there.
     *
     * @param entries             normalised entries (as the store SPI receives them).
     * @param requesterHoldsLocks whether the requesting owner may hold locks in this session.
     * @return the grant or the conflict.
     * @throws io.pathlock.core.LockStoreException when the table is full (the message names the
     *         capacity), this session's records are exhausted, a path segment is longer than 255
     *         UTF-8 bytes, or the session was broken; nothing stays raised.
     */
    public Result tryAcquire(final List<LockRequest.Entry> entries, final boolean requesterHoldsLocks)
    {
        return tryAcquire(entries, requesterHoldsLocks, false, null);
    }

    /**
     * Takes a batch of locks for one owner of a session that has several (a store's handles), all or
     * nothing, without waiting, deciding the exemption from pending marks per owner: other sessions'
     * marks at a node refuse the request unless the requesting owner holds locks here and this
     * session has holds or intents at that node (it may be what the marking waiter waits for), or the
     * requesting owner's own mark stands at that node (waiters pending on one node do not refuse each
     * other). Marks of the session's other owners exempt nothing: else a session with one waiter
     * pending on a node would let every other owner of it past the marks of other sessions there,
     * and two sessions with waiters on one node could starve each other's waiters for ever.
     *
     * @param entries             normalised entries (as the store SPI receives them).
     * @param requesterHoldsLocks whether the requesting owner may hold locks in this session.
     * @param requesterMark       the blocker of the requesting owner's own pending mark (placed with
     *                            {@link #markPending}), or null when it has none.
     * @return the grant or the conflict.
     * @throws io.pathlock.core.LockStoreException as {@link #tryAcquire(List, boolean)}.
     */
    public Result tryAcquire(final List<LockRequest.Entry> entries, final boolean requesterHoldsLocks,
        final Blocker requesterMark)
    {
        return tryAcquire(entries, requesterHoldsLocks, true, requesterMark);
    }

    /**
     * One attempt and, when it is refused and this session has not looked for dead sessions within the
     * table's liveness interval, a look (kernel locks of the live slots) and, if one was dead and is
     * now recovered, a second attempt: a refusal caused by a dead session's locks must not outlive the
     * detection of its death for a caller that never waits (tryLock in a loop), as a waiter's
     * liveness checks ensure for callers that wait (H10).
     */
    private Result tryAcquire(final List<LockRequest.Entry> entries, final boolean requesterHoldsLocks,
        final boolean ownerPrecise, final Blocker requesterMark)
    {
        final Result first = attempt(entries, requesterHoldsLocks, ownerPrecise, requesterMark);
        if (first.isGranted())
        {
            return first;
        }
        final long now = System.nanoTime();
        final long due = nextRefusalLivenessCheck;
        if (now - due < 0 || !REFUSAL_CHECK.compareAndSet(this, due, now + t.livenessNanos))
        {
            return first;
        }
        t.enterCall();
        final int recovered;
        try
        {
            ensureUsable();
            recovered = recoverDeadSlots();
        }
        finally
        {
            t.exitCall();
        }
        return recovered > 0 ? attempt(entries, requesterHoldsLocks, ownerPrecise, requesterMark) : first;
    }

    private Result attempt(final List<LockRequest.Entry> entries, final boolean requesterHoldsLocks,
        final boolean ownerPrecise, final Blocker requesterMark)
    {
        if (requesterMark != null && !(requesterMark instanceof HostBlocker))
        {
            throw new IllegalArgumentException("not a host table blocker: " + requesterMark);
        }
        t.enterCall();
        try
        {
            if (entries == null)
            {
                throw new IllegalArgumentException("host session: entries must not be null");
            }
            ensureUsable();
            // chains of cached paths; names (validated here, before anything is raised) of the others
            final int size = entries.size();
            final long[][] chains = new long[size][];
            final byte[][][] names = new byte[size][][];
            for (int i = 0; i < size; i++)
            {
                final LockRequest.Entry e = entries.get(i);
                if (e == null)
                {
                    throw new IllegalArgumentException("host session: entry " + i + " is null in " + entries);
                }
                chains[i] = e.path().depth() == 0 ? NO_CHAIN : chainCache.get(e.path());
                if (chains[i] == null)
                {
                    names[i] = encode(e);
                }
            }
            final Steps steps = new Steps();
            final Refusal refusal = new Refusal();
            refusal.requesterHoldsLocks = requesterHoldsLocks;
            refusal.ownerPrecise = ownerPrecise;
            if (requesterMark != null && ((HostBlocker)requesterMark).marked)
            {
                refusal.requesterMarkOff = t.nodeOffset(((HostBlocker)requesterMark).node);
            }
            final long stateAtStart = myState;
            mutex.lock();
            try
            {
                for (int i = 0; i < size; i++)
                {
                    final LockRequest.Entry e = entries.get(i);
                    final boolean exclusive = e.mode() == LockMode.EXCLUSIVE;
                    final int depth = e.path().depth();
                    long[] chain = chains[i];
                    boolean cached = chain != null;
                    if (!cached)
                    {
                        chain = new long[depth];
                    }
                    int node = ROOT;
                    long gen = rootGen;
                    int parent = -1;
                    for (int d = 0; d <= depth; d++)
                    {
                        final int kind;
                        final int mode;
                        final int opId;
                        if (d < depth)
                        {
                            kind = exclusive ? IX : IS;
                            mode = exclusive ? M_RAISE_X : M_RAISE_S;
                            opId = RAISE;
                        }
                        else
                        {
                            kind = holdKind(e);
                            mode = claimMode(e);
                            opId = CLAIM;
                        }
                        final int stripe = t.stripeOf(node);
                        final int seq = t.stripeSeq(stripe);
                        final int rc = section(opId, node, gen, kind, 1, mode, refusal);
                        if (rc == STALE)
                        {
                            // reclaimed since the lookup (or since it was cached): look it up again (never the root)
                            if (cached)
                            {
                                cached = false;
                                chainCache.remove(e.path());
                                chain = chain.clone();
                            }
                            if (names[i] == null)
                            {
                                names[i] = encode(e);
                            }
                            final long found = findOrInsert(parent, names[i][d - 1]);
                            chain[d - 1] = found;
                            node = (int)found;
                            gen = found >>> 32;
                            d--;
                            continue;
                        }
                        if (rc == REFUSED)
                        {
                            rollback(steps);
                            final String where = e.path().prefix(d).toString();
                            final LockConflict conflict = conflict(where, refusal, holderName(refusal.holderSlot));
                            return new Result(null, conflict,
                                new HostBlocker(node, gen, stripe, seq, refusal.markKind, where));
                        }
                        steps.add(node, gen, kind);
                        if (d < depth)
                        {
                            final long found;
                            if (cached)
                            {
                                found = chain[d];
                            }
                            else
                            {
                                if (names[i] == null)
                                {
                                    names[i] = encode(e);
                                }
                                found = findOrInsert(node, names[i][d]);
                                chain[d] = found;
                            }
                            parent = node;
                            node = (int)found;
                            gen = found >>> 32;
                        }
                    }
                    if (!cached && depth > 0)
                    {
                        if (chainCache.size() >= CHAIN_CACHE_MAX)
                        {
                            chainCache.clear();
                        }
                        chainCache.put(e.path(), chain);
                    }
                }
                return new Result(new HostGrant(entries, steps, stateAtStart), null, null);
            }
            catch (final RuntimeException ex)
            {
                try
                {
                    rollback(steps);
                }
                catch (final RuntimeException again)
                {
                    ex.addSuppressed(again);
                }
                throw ex;
            }
            finally
            {
                mutex.unlock();
            }
        }
        finally
        {
            t.exitCall();
        }
    }

    private static int holdKind(final LockRequest.Entry e)
    {
        if (e.type() == LockType.POINT)
        {
            return e.mode() == LockMode.EXCLUSIVE ? PX : SP;
        }
        return e.mode() == LockMode.EXCLUSIVE ? SX : SS;
    }

    private static int claimMode(final LockRequest.Entry e)
    {
        if (e.type() == LockType.POINT)
        {
            return e.mode() == LockMode.EXCLUSIVE ? M_CLAIM_PX : M_CLAIM_PS;
        }
        return e.mode() == LockMode.EXCLUSIVE ? M_CLAIM_SX : M_CLAIM_SS;
    }

    /** "pid P (host slot K)" of a slot's session, or null when the slot is free or unknown. */
    private String holderName(final int holderSlot)
    {
        if (holderSlot < 0 || holderSlot >= t.slots)
        {
            return null;
        }
        final long st = get(t.slotOffset(holderSlot) + S_STATE);
        return stateKind(st) == STATE_FREE ? null : "pid " + pid(st) + " (host slot " + holderSlot + ")";
    }

    private static LockConflict conflict(final String path, final Refusal r, final String holder)
    {
        LockType type = null;
        LockMode mode = null;
        if (r.reason == LockConflict.Reason.HELD)
        {
            type = r.kind == PX || r.kind == SP ? LockType.POINT : LockType.SUBTREE;
            mode = r.kind == PX || r.kind == SX ? LockMode.EXCLUSIVE : LockMode.SHARED;
        }
        final boolean named = r.reason == LockConflict.Reason.HELD && holder != null;
        final long age = named && r.holderSince > 0
            ? TimeUnit.MILLISECONDS.toNanos(Math.max(0, System.currentTimeMillis() - r.holderSince)) : -1;
        return new LockConflict(path, r.reason, named ? holder : null, type, age, "host", mode);
    }

    private void rollback(final Steps steps)
    {
        for (int i = steps.count - 1; i >= 0; i--)
        {
            final int opId = steps.kinds[i] == IX || steps.kinds[i] == IS ? LOWER : UNCLAIM;
            section(opId, steps.nodes[i], steps.gens[i], steps.kinds[i], -1, M_NONE, null);
            steps.count = i;
        }
    }

    /**
     * Releases a grant. Idempotent.
     *
     * @param grant what {@link #tryAcquire} granted.
     * @throws IllegalArgumentException if the grant is not one of this kind of session.
     */
    public void release(final Grant grant)
    {
        if (!t.tryEnterCall())
        {
            return;
        }
        try
        {
            if (!(grant instanceof HostGrant))
            {
                throw new IllegalArgumentException("not a host table grant: " + grant);
            }
            final HostGrant g = (HostGrant)grant;
            if (!g.released.compareAndSet(false, true))
            {
                return;
            }
            if (closed || broken || g.state != myState || get(so + S_STATE) != g.state)
            {
                return; // the session's counts were released with it (close or break)
            }
            mutex.lock();
            try
            {
                for (int i = g.count - 1; i >= 0; i--)
                {
                    final int opId = g.kinds[i] == IX || g.kinds[i] == IS ? LOWER : UNCLAIM;
                    section(opId, g.nodes[i], g.gens[i], g.kinds[i], -1, M_NONE, null);
                }
            }
            finally
            {
                mutex.unlock();
            }
        }
        finally
        {
            t.exitCall();
        }
    }

    /**
     * Whether a grant is still intact (false after its session was broken by {@code pathlock break --force}).
     *
     * @param grant a grant of this session.
     * @return true when intact.
     */
    public boolean isIntact(final Grant grant)
    {
        if (!t.tryEnterCall())
        {
            return false;
        }
        try
        {
            if (!(grant instanceof HostGrant))
            {
                return false;
            }
            final HostGrant g = (HostGrant)grant;
            return !g.released.get() && !closed && !broken && g.state == myState && get(so + S_STATE) == g.state;
        }
        finally
        {
            t.exitCall();
        }
    }

    /**
     * Marks this session as waiting on a blocker, so that new requests of other sessions that would
     * starve it are refused (pending marks); {@link #clearMarks()} removes every mark of the session.
     * Idempotent per blocker; a no-op for a refusal that needs no mark.
     *
     * @param blocker a blocker of a refusal of this session.
     */
    public void markPending(final Blocker blocker)
    {
        t.enterCall();
        try
        {
            if (!(blocker instanceof HostBlocker))
            {
                throw new IllegalArgumentException("not a host table blocker: " + blocker);
            }
            final HostBlocker b = (HostBlocker)blocker;
            ensureUsable();
            synchronized (b)
            {
                if (b.marked || b.markKind < 0)
                {
                    return;
                }
                b.marked = true;
            }
            if (section(MARK, b.node, b.gen, b.markKind, 1, M_NONE, null) == OK)
            {
                synchronized (marks)
                {
                    marks.add(new long[] {b.node, b.gen, b.markKind});
                }
            }
        }
        finally
        {
            t.exitCall();
        }
    }

    /**
     * Removes the pending mark placed for one blocker (the mark of another blocker that needs the
     * same mark, see {@link #markKey}, counts as the same). A no-op when no such mark is placed.
     *
     * @param blocker a blocker passed to {@link #markPending} before.
     */
    public void clearMark(final Blocker blocker)
    {
        if (!t.tryEnterCall())
        {
            return;
        }
        try
        {
            if (!(blocker instanceof HostBlocker))
            {
                throw new IllegalArgumentException("not a host table blocker: " + blocker);
            }
            final HostBlocker b = (HostBlocker)blocker;
            synchronized (b)
            {
                b.marked = false;
            }
            long[] found = null;
            synchronized (marks)
            {
                for (int i = 0; i < marks.size(); i++)
                {
                    final long[] m = marks.get(i);
                    if (m[0] == b.node && m[1] == b.gen && m[2] == b.markKind)
                    {
                        found = marks.remove(i);
                        break;
                    }
                }
            }
            if (found != null && !closed && !broken)
            {
                section(UNMARK, (int)found[0], found[1], (int)found[2], -1, M_NONE, null);
            }
        }
        finally
        {
            t.exitCall();
        }
    }

    /** Removes every pending mark of this session. Idempotent. */
    public void clearMarks()
    {
        if (!t.tryEnterCall())
        {
            return;
        }
        try
        {
            final List<long[]> mine;
            synchronized (marks)
            {
                if (marks.isEmpty())
                {
                    return;
                }
                mine = new ArrayList<>(marks);
                marks.clear();
            }
            if (closed || broken)
            {
                return;
            }
            for (final long[] m : mine)
            {
                section(UNMARK, (int)m[0], m[1], (int)m[2], -1, M_NONE, null);
            }
        }
        finally
        {
            t.exitCall();
        }
    }

    /**
     * Waits until the blocker may have changed (a release on its node), the timeout passes, or a dead
     * session was recovered; checks for dead sessions at the table's liveness interval meanwhile.
     * Spurious returns are allowed.
     *
     * @param blocker      the blocker of a refusal.
     * @param timeoutNanos most time to wait.
     * @throws InterruptedException if interrupted.
     */
    public void await(final Blocker blocker, final long timeoutNanos) throws InterruptedException
    {
        if (!t.tryEnterCall())
        {
            return;
        }
        try
        {
            if (!(blocker instanceof HostBlocker))
            {
                throw new IllegalArgumentException("not a host table blocker: " + blocker);
            }
            final HostBlocker b = (HostBlocker)blocker;
            final long start = System.nanoTime();
            final long deadline = start + Math.max(0, timeoutNanos);
            long nextLiveness = start + t.livenessNanos;
            long backoff = BACKOFF_MIN_NANOS;
            final long stripeOff = t.stripeOffset(b.stripe);
            while (true)
            {
                if (Thread.interrupted())
                {
                    throw new InterruptedException("interrupted while waiting on " + b.path + " in the host table");
                }
                if (closed || t.isClosed() || t.stripeSeq(b.stripe) != b.seq)
                {
                    return;
                }
                final long now = System.nanoTime();
                final long remaining = deadline - now;
                if (remaining <= 0)
                {
                    return;
                }
                if (now - nextLiveness >= 0)
                {
                    if (recoverDeadSlots() > 0)
                    {
                        return;
                    }
                    nextLiveness = System.nanoTime() + t.livenessNanos;
                }
                final long wait = Math.max(1, Math.min(remaining, nextLiveness - now));
                if (t.futex)
                {
                    buf.getAndAddInt((int)stripeOff + STRIPE_SLEEPERS, 1);
                    try
                    {
                        final int rc = t.posix.futexWait(buf.addressOffset() + stripeOff + STRIPE_SEQ, b.seq, wait);
                        if (rc < 0 && rc != -ETIMEDOUT && rc != -io.pathlock.posix.Errno.EAGAIN
                            && rc != -io.pathlock.posix.Errno.EINTR)
                        {
                            LockSupport.parkNanos(Math.min(wait, backoff));
                        }
                    }
                    finally
                    {
                        buf.getAndAddInt((int)stripeOff + STRIPE_SLEEPERS, -1);
                    }
                }
                else
                {
                    LockSupport.parkNanos(Math.min(wait, backoff));
                    backoff = Math.min(backoff * 2, BACKOFF_MAX_NANOS);
                }
            }
        }
        finally
        {
            t.exitCall();
        }
    }

    /** Releases everything this session holds and frees its slot. */
    @Override
    public void close()
    {
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
        }
        if (!t.tryEnterCall())
        {
            return; // the table is closed: it closed this session first
        }
        try
        {
            if (!broken && get(so + S_STATE) == myState)
            {
                synchronized (marks)
                {
                    marks.clear();
                }
                subtractRecords(slot, true);
                if (get(so + S_PROGRESS) == P_NONE)
                {
                    buf.putLongVolatile((int)(so + S_STATE), HostLayout.state(STATE_FREE, incarnation(myState), 0));
                }
            }
        }
        finally
        {
            t.locks.release(held);
            t.detached(this);
            t.exitCall();
        }
    }

    /** Test only: dies. Drops the slot's kernel lock as process death would, writes nothing. */
    void abandon()
    {
        closed = true;
        t.locks.release(held);
        t.detached(this);
    }

    // =============================================================================================
    // micro critical sections
    // =============================================================================================

    private void ensureUsable()
    {
        if (closed)
        {
            throw new IllegalStateException("host session in slot " + slot + " of " + t.file + " is closed");
        }
        if (broken || get(so + S_STATE) != myState)
        {
            broken = true;
            throw new LockStoreException("host session in slot " + slot + " of " + t.file
                + " was broken (its slot was recovered by another session, e.g. pathlock break --force)", null);
        }
    }

    /**
     * Takes a micro lock: intent, CAS; spins while another slot owns it, recovering that slot if it
     * is dead. On success the session's mutex is held (until {@link #exit}).
     *
     * @return false if the lock word no longer has the expected generation (or is DEAD).
     */
    private boolean enter(final int opId, final long lockOff, final long expected)
    {
        int spins = 0;
        while (true)
        {
            mutex.lock();
            boolean locked = false;
            try
            {
                op = opId;
                step(opId * 10 + BEFORE);
                putOrdered(so + S_INTENT, lockOff);
                step(opId * 10 + INTENT);
                if (buf.compareAndSetLong((int)lockOff, expected, expected | me))
                {
                    locked = true;
                    step(opId * 10 + LOCKED);
                    if (get(so + S_STATE) != myState)
                    {
                        // H9: broken while we were not looking; write nothing
                        buf.putLongOrdered((int)lockOff, expected);
                        broken = true;
                        locked = false;
                        throw new LockStoreException("host session in slot " + slot + " of " + t.file
                            + " was broken (its slot was recovered by another session)", null);
                    }
                    heldLock = lockOff;
                    return true;
                }
            }
            finally
            {
                if (!locked)
                {
                    mutex.unlock();
                }
            }
            final long w = get(lockOff);
            if ((w & ~OWNER_MASK) != expected)
            {
                return false;
            }
            final int owner = owner(w);
            if (owner == 0)
            {
                continue;
            }
            spins++;
            backOff(spins, owner);
        }
    }

    /**
     * One wait for a micro lock owned by {@code owner} (slot + 1), the spins-th: spin, then (without
     * the session's mutex) recover the owner if it is dead, yield, or park.
     */
    private void backOff(final int spins, final int owner)
    {
        if (spins < SPINS)
        {
            Thread.onSpinWait();
            return;
        }
        // never wait holding the session's mutex (a request holds it for its whole length): the
        // owner may be a dead slot that another thread of this session is recovering
        final int holds = mutex.getHoldCount();
        for (int i = 0; i < holds; i++)
        {
            mutex.unlock();
        }
        try
        {
            if (owner != me && spins % 16 == 0)
            {
                recoverIfDead(owner - 1);
            }
            else if (spins < SPINS_BEFORE_PARK)
            {
                Thread.yield();
            }
            else
            {
                // the owner is alive but not running (stopped, descheduled): stop burning a CPU
                LockSupport.parkNanos(BACKOFF_MIN_NANOS);
            }
        }
        finally
        {
            for (int i = 0; i < holds; i++)
            {
                mutex.lock();
            }
        }
    }

    private void stage(final long off, final long value)
    {
        if (staged == UNDO_CAPACITY)
        {
            throw new IllegalStateException("host table: more than " + UNDO_CAPACITY + " words in one critical section");
        }
        stagedOff[staged] = off;
        stagedVal[staged] = value;
        staged++;
    }

    /**
     * Writes the staged words under the undo log (steps 4-6 of a section, without the release).
     *
     * @param checkBroken re-check the slot state after a full fence before keeping the writes (H9).
     * @return false if the session was found broken (the writes were undone).
     */
    private boolean commit(final boolean checkBroken)
    {
        final int n = staged;
        for (int i = 0; i < n; i++)
        {
            final long u = so + S_UNDO + (long)i * UNDO_ENTRY_LENGTH;
            buf.putLong((int)u, stagedOff[i]);
            buf.putLong((int)u + SIZE_OF_LONG, get(stagedOff[i]));
        }
        buf.putLongOrdered((int)(so + S_UNDO_COUNT), n);
        VarHandle.storeStoreFence();
        step(op * 10 + UNDO_PUBLISHED);
        for (int i = 0; i < n; i++)
        {
            buf.putLong((int)stagedOff[i], stagedVal[i]);
            if (i == 0)
            {
                step(op * 10 + HALF_WRITTEN);
            }
        }
        step(op * 10 + WRITTEN);
        boolean ok = true;
        if (checkBroken)
        {
            VarHandle.fullFence();
            if (get(so + S_STATE) != myState)
            {
                for (int i = n - 1; i >= 0; i--)
                {
                    final long u = so + S_UNDO + (long)i * UNDO_ENTRY_LENGTH;
                    buf.putLong((int)stagedOff[i], buf.getLong((int)u + SIZE_OF_LONG));
                }
                broken = true;
                ok = false;
            }
        }
        buf.putLongOrdered((int)(so + S_UNDO_COUNT), 0);
        step(op * 10 + UNDO_CLEARED);
        staged = 0;
        return ok;
    }

    private void exit(final long lockOff)
    {
        staged = 0;
        heldLock = 0;
        final long w = get(lockOff);
        buf.putLongOrdered((int)lockOff, w & ~OWNER_MASK);
        final int opId = op;
        mutex.unlock();
        step(opId * 10 + RELEASED);
    }

    /**
     * One section on a node: decide (mode), then add delta to count kind on the node and in this
     * session's record for it.
     */
    private int section(final int opId, final int node, final long gen, final int kind, final int delta, final int mode,
        final Refusal refusal)
    {
        final long no = t.nodeOffset(node);
        final long lockOff = no + N_LOCK;
        if (!enter(opId, lockOff, gen << GEN_SHIFT))
        {
            return STALE;
        }
        boolean exited = false;
        boolean wake = false;
        try
        {
            int rec = recordOfNode.get(node);
            long ro = rec < 0 ? -1 : t.recordOffset(slot, rec);
            // a record left empty for an earlier generation of this node (reclaimed since) counts zero
            final boolean staleRecord = rec >= 0 && getLong(ro + R_GEN) != gen;
            if (mode != M_NONE)
            {
                if (decide(mode, no, staleRecord ? -1 : ro, refusal))
                {
                    if (refusal.reason == LockConflict.Reason.HELD)
                    {
                        final long h = getLong(no + N_HOLDER);
                        final long hs = h & OWNER_MASK;
                        refusal.holderSlot = hs > 0 && hs != me ? (int)(hs - 1) : -1;
                        refusal.holderSince = refusal.holderSlot >= 0 ? h >>> HOLDER_SINCE_SHIFT : 0;
                    }
                    // H8: a release after this refusal (in this node's lock order) sees the flag and wakes
                    if (getLong(no + N_WAITERS) == 0)
                    {
                        buf.putLong((int)(no + N_WAITERS), 1);
                    }
                    exited = true;
                    exit(lockOff);
                    return REFUSED;
                }
            }
            boolean newRecord = false;
            if (rec < 0 || staleRecord)
            {
                if (delta < 0)
                {
                    throw new IllegalStateException("host table: no record of slot " + slot + " for node " + node
                        + " (" + t.pathOf(node) + ") to lower " + KIND_NAMES[kind]);
                }
                if (rec < 0)
                {
                    if (freeTop == 0)
                    {
                        evictEmptyRecords();
                    }
                    if (freeTop == 0)
                    {
                        throw new LockStoreException("host table " + t.file + ": this session's " + t.records
                            + " contribution records are all in use (it has counts on " + t.records
                            + " nodes); release locks or create the table with more records per slot", null);
                    }
                    rec = freeRecords[--freeTop];
                    ro = t.recordOffset(slot, rec);
                    stage(ro + R_NODE, node + 1L);
                }
                newRecord = true;
                stage(ro + R_GEN, gen);
            }
            final long nk = no + N_COUNTS + (long)kind * SIZE_OF_LONG;
            final long rk = ro + R_COUNTS + (long)kind * SIZE_OF_LONG;
            final long own = getLong(rk) + delta;
            if (own < 0 || getLong(nk) + delta < 0)
            {
                throw new IllegalStateException("host table: " + KIND_NAMES[kind] + " of node " + node + " ("
                    + t.pathOf(node) + ") would go negative (node " + getLong(nk) + ", own " + getLong(rk) + ")");
            }
            stage(nk, getLong(nk) + delta);
            stage(rk, own);
            long holdSince = 0;
            if (kind <= SS)
            {
                holdSince = getLong(ro + R_SINCE);
                if (delta > 0 && holdSince == 0)
                {
                    holdSince = System.currentTimeMillis();
                    stage(ro + R_SINCE, holdSince);
                }
                else if (delta < 0 && own == 0 && getLong(ro + R_SINCE) != 0 && noOtherHold(ro, kind))
                {
                    stage(ro + R_SINCE, 0);
                }
            }
            // an emptied record stays allocated to its node (no write to free it; reused by the next
            // request there, re-pointed if the node was reclaimed, evicted when records run out)
            if (!commit(newRecord))
            {
                if (rec >= 0 && !staleRecord && recordOfNode.get(node) < 0)
                {
                    freeRecords[freeTop++] = rec;
                }
                exited = true;
                exit(lockOff);
                throw new LockStoreException("host session in slot " + slot + " of " + t.file
                    + " was broken (its slot was recovered by another session)", null);
            }
            if (newRecord && !staleRecord)
            {
                recordOfNode.put(node, rec);
            }
            if (opId == CLAIM && delta > 0)
            {
                // informational, names the holder in conflicts: since when (ms) << 16 | slot + 1
                buf.putLong((int)(no + N_HOLDER), (holdSince << HOLDER_SINCE_SHIFT) | me);
            }
            wake = delta < 0 && getLong(no + N_WAITERS) != 0;
            if (wake)
            {
                buf.putLong((int)(no + N_WAITERS), 0);
            }
            exited = true;
            exit(lockOff);
        }
        catch (final RuntimeException e)
        {
            if (!exited)
            {
                exit(lockOff);
            }
            throw e;
        }
        if (wake)
        {
            t.bump(node);
        }
        return OK;
    }

    private boolean noOtherHold(final long ro, final int kind)
    {
        for (int k = PX; k <= SS; k++)
        {
            if (k != kind && getLong(ro + R_COUNTS + (long)k * SIZE_OF_LONG) != 0)
            {
                return false;
            }
        }
        return true;
    }

    /** Frees every record of this session whose counts are all zero (under the mutex). */
    private void evictEmptyRecords()
    {
        final int[] nodes = new int[recordOfNode.size()];
        final int[] recs = new int[nodes.length];
        final int[] n = {0};
        recordOfNode.forEach((node, rec) -> {
            nodes[n[0]] = node;
            recs[n[0]] = rec;
            n[0]++;
        });
        for (int i = 0; i < n[0]; i++)
        {
            final long ro = t.recordOffset(slot, recs[i]);
            boolean empty = true;
            for (int k = 0; k < KINDS && empty; k++)
            {
                empty = getLong(ro + R_COUNTS + (long)k * SIZE_OF_LONG) == 0;
            }
            if (empty)
            {
                putOrdered(ro + R_NODE, 0);
                putOrdered(ro + R_GEN, 0);
                putOrdered(ro + R_SINCE, 0);
                recordOfNode.remove(nodes[i]);
                freeRecords[freeTop++] = recs[i];
            }
        }
    }

    /** The conflict matrix on others' counts. Returns true (and fills the refusal) when refused. */
    private boolean decide(final int mode, final long no, final long ro, final Refusal r)
    {
        boolean ownCounts = false;
        boolean ownMarks = false;
        final long[] others = this.others;
        for (int k = 0; k < KINDS; k++)
        {
            final long own = ro < 0 ? 0 : getLong(ro + R_COUNTS + (long)k * SIZE_OF_LONG);
            ownCounts |= own != 0 && k < MARK_ALL;
            ownMarks |= own != 0 && k >= MARK_ALL;
            others[k] = getLong(no + N_COUNTS + (long)k * SIZE_OF_LONG) - own;
        }
        // exempt from others' marks: a session with holds or intents here when the requester may
        // hold some of them (it may be what the waiter waits for); the requester's own mark here
        // (per owner when the store says which owner asks; else the session's marks)
        final boolean exempt = r.ownerPrecise
            ? (r.requesterHoldsLocks && ownCounts) || no == r.requesterMarkOff
            : r.requesterHoldsLocks ? ownCounts || ownMarks : ownMarks;
        switch (mode)
        {
            case M_RAISE_X:
                if (held(r, others, SX) || held(r, others, SS))
                {
                    r.markKind = r.kind == SS ? MARK_SHARED : -1;
                    return true;
                }
                return pending(r, exempt, others, MARK_ALL, MARK_EXCLUSIVE);
            case M_RAISE_S:
                if (held(r, others, SX))
                {
                    return true;
                }
                return pending(r, exempt, others, MARK_ALL, -1);
            case M_CLAIM_PX:
                if (held(r, others, PX) || held(r, others, SX) || held(r, others, SP) || held(r, others, SS))
                {
                    r.markKind = r.kind == SP || r.kind == SS ? MARK_SHARED : -1;
                    return true;
                }
                return pending(r, exempt, others, MARK_ALL, MARK_EXCLUSIVE);
            case M_CLAIM_PS:
                if (held(r, others, PX) || held(r, others, SX))
                {
                    return true;
                }
                return pending(r, exempt, others, MARK_ALL, MARK_SHARED);
            case M_CLAIM_SX:
                if (held(r, others, PX) || held(r, others, SX) || held(r, others, SP) || held(r, others, SS)
                    || below(r, others, IX) || below(r, others, IS) || pending(r, exempt, others, MARK_ALL, MARK_EXCLUSIVE))
                {
                    r.markKind = MARK_ALL;
                    return true;
                }
                return false;
            case M_CLAIM_SS:
                if (held(r, others, PX) || held(r, others, SX) || below(r, others, IX)
                    || pending(r, exempt, others, MARK_ALL, MARK_SHARED))
                {
                    r.markKind = MARK_EXCLUSIVE;
                    return true;
                }
                return false;
            default:
                return false;
        }
    }

    private static boolean held(final Refusal r, final long[] others, final int kind)
    {
        if (others[kind] > 0)
        {
            r.reason = LockConflict.Reason.HELD;
            r.kind = kind;
            return true;
        }
        return false;
    }

    private static boolean below(final Refusal r, final long[] others, final int kind)
    {
        if (others[kind] > 0)
        {
            r.reason = LockConflict.Reason.HELD_BELOW;
            r.kind = kind;
            return true;
        }
        return false;
    }

    private static boolean pending(final Refusal r, final boolean exempt, final long[] others, final int a, final int b)
    {
        if (exempt)
        {
            return false;
        }
        if (others[a] > 0 || (b >= 0 && others[b] > 0))
        {
            r.reason = LockConflict.Reason.PENDING;
            r.kind = others[a] > 0 ? a : b;
            return true;
        }
        return false;
    }

    // =============================================================================================
    // nodes: lookup, insertion, reclamation
    // =============================================================================================

    private static byte[][] encode(final LockRequest.Entry e)
    {
        final int depth = e.path().depth();
        final byte[][] out = new byte[depth][];
        for (int d = 0; d < depth; d++)
        {
            final byte[] b = encodeName(e.path().segment(d));
            if (b.length > MAX_NAME_BYTES)
            {
                final String seg = e.path().segment(d);
                throw new LockStoreException("path segment '" + (seg.length() > 40 ? seg.substring(0, 40) + "..." : seg)
                    + "' of " + e.path() + " is " + b.length + " bytes in UTF-8; the host table stores names of at most "
                    + MAX_NAME_BYTES + " bytes", null);
            }
            out[d] = b;
        }
        return out;
    }

    /**
     * UTF-8, except that an unpaired surrogate is encoded as its own three bytes (as CESU-8 does)
     * instead of being replaced by '?': two different names never share bytes.
     */
    static byte[] encodeName(final String s)
    {
        final byte[] out = new byte[s.length() * 3];
        int n = 0;
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            if (c < 0x80)
            {
                out[n++] = (byte)c;
            }
            else if (c < 0x800)
            {
                out[n++] = (byte)(0xC0 | (c >> 6));
                out[n++] = (byte)(0x80 | (c & 0x3F));
            }
            else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)))
            {
                final int cp = Character.toCodePoint(c, s.charAt(++i));
                out[n++] = (byte)(0xF0 | (cp >> 18));
                out[n++] = (byte)(0x80 | ((cp >> 12) & 0x3F));
                out[n++] = (byte)(0x80 | ((cp >> 6) & 0x3F));
                out[n++] = (byte)(0x80 | (cp & 0x3F));
            }
            else
            {
                out[n++] = (byte)(0xE0 | (c >> 12));
                out[n++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                out[n++] = (byte)(0x80 | (c & 0x3F));
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    private long keyOf(final int parent, final byte[] name)
    {
        return ((long)nameHash(parent, name, name.length) << 32) | name.length;
    }

    private boolean nameEquals(final long no, final byte[] name)
    {
        for (int i = 0; i < name.length; i++)
        {
            if (buf.getByte((int)(no + N_NAME) + i) != name[i])
            {
                return false;
            }
        }
        return true;
    }

    /** Lock-free lookup: (gen &lt;&lt; 32 | index) or -1 when not found (H6). */
    private long lookup(final int parent, final byte[] name, final long key)
    {
        final long bo = t.bucketOffset((int)(key >>> 32) & (t.buckets - 1));
        restart:
        for (int attempt = 0; attempt < 64; attempt++)
        {
            long idx = get(bo + B_HEAD);
            int hops = 0;
            while (idx != 0)
            {
                final int n = (int)(idx - 1);
                if (n < 0 || n >= t.capacity || ++hops > t.capacity)
                {
                    continue restart;
                }
                final long no = t.nodeOffset(n);
                final long w1 = get(no + N_LOCK);
                final boolean match = buf.getLong((int)(no + N_KEY)) == key && buf.getLong((int)(no + N_PARENT)) == parent
                    && nameEquals(no, name);
                final long next = buf.getLong((int)(no + N_NEXT));
                VarHandle.loadLoadFence();
                final long w2 = get(no + N_LOCK);
                if (((w1 ^ w2) & ~OWNER_MASK) != 0)
                {
                    continue restart;
                }
                if (match && (w1 & DEAD) == 0)
                {
                    return (generation(w1) << 32) | n;
                }
                idx = next;
            }
            return -1;
        }
        return -1;
    }

    /** The child of parent with this name, inserted if missing: (gen &lt;&lt; 32 | index). */
    private long findOrInsert(final int parent, final byte[] name)
    {
        final long key = keyOf(parent, name);
        while (true)
        {
            final long found = lookup(parent, name, key);
            if (found >= 0)
            {
                return found;
            }
            final long inserted = insert(parent, name, key);
            if (inserted >= 0)
            {
                return inserted;
            }
        }
    }

    private long liveGen(final int node)
    {
        final long w = get(t.nodeOffset(node) + N_LOCK);
        if ((w & DEAD) != 0)
        {
            throw new IllegalStateException("host table: node " + node + " (" + t.pathOf(node) + ") is DEAD but in use");
        }
        return generation(w);
    }

    /** Inserts a child; returns it, or -1 to look again. */
    private long insert(final int parent, final byte[] name, final long key)
    {
        final int c = allocNode(so);
        step(INSERT_PARENT * 10 + BEFORE);
        // the caller holds an intent on parent, so it is live and stays so (H7)
        raiseChildren(so, c, parent);
        final long bo = t.bucketOffset((int)(key >>> 32) & (t.buckets - 1));
        if (!enter(INSERT_LINK, bo + B_LOCK, 0))
        {
            throw new IllegalStateException("host table: bucket lock word is not a lock");
        }
        long existing = -1;
        long unsettled = 0;
        try
        {
            long idx = get(bo + B_HEAD);
            int hops = 0;
            while (idx != 0 && hops++ <= t.capacity)
            {
                final int n = (int)(idx - 1);
                final long no = t.nodeOffset(n);
                final long w = get(no + N_LOCK);
                if (getLong(no + N_KEY) == key && getLong(no + N_PARENT) == parent && nameEquals(no, name))
                {
                    if ((w & DEAD) == 0)
                    {
                        existing = (generation(w) << 32) | n;
                        break;
                    }
                    if (owner(w) != 0)
                    {
                        // DEAD but still owned: a reclamation whose undo log may yet bring it back (H11)
                        unsettled = no + N_LOCK;
                        break;
                    }
                }
                idx = getLong(no + N_NEXT);
            }
            if (existing < 0 && unsettled == 0)
            {
                // the node is DEAD and unlinked: nobody reads these words meaningfully yet (H6)
                final long no = t.nodeOffset(c);
                buf.putBytes((int)(no + N_NAME), name);
                buf.putLong((int)(no + N_PARENT), parent);
                buf.putLong((int)(no + N_KEY), key);
                buf.putLong((int)(no + N_CHILDREN), 0);
                for (int k = 0; k < KINDS; k++)
                {
                    buf.putLong((int)(no + N_COUNTS) + k * SIZE_OF_LONG, 0);
                }
                buf.putLong((int)(no + N_WAITERS), 0);
                buf.putLong((int)(no + N_HOLDER), 0);
                buf.putLong((int)(no + N_NEXT), get(bo + B_HEAD));
                final long gen = generation(get(no + N_LOCK));
                // c is made live OWNED by this session: once head := c others find it, and until the
                // undo log is cleared a death rolls the link back, so nobody may use c before that
                // (H11). Its lock is released after the clear; a death in between leaves progress
                // INSERT_LINKED, on which recovery releases it.
                stage(no + N_LOCK, (gen << GEN_SHIFT) | me);
                stage(bo + B_HEAD, c + 1L);
                stage(so + S_PROGRESS, P_INSERT_LINKED);
                stage(so + S_PROGRESS_A, c);
                stage(so + S_PROGRESS_B, parent);
                commit(false);
                buf.putLongOrdered((int)(no + N_LOCK), gen << GEN_SHIFT);
                putOrdered(so + S_PROGRESS_A, 0);
                putOrdered(so + S_PROGRESS_B, 0);
                buf.putLongVolatile((int)(so + S_PROGRESS), P_NONE);
                exit(bo + B_LOCK);
                return (gen << 32) | c;
            }
            exit(bo + B_LOCK);
        }
        catch (final RuntimeException e)
        {
            if (heldLock != 0)
            {
                exit(bo + B_LOCK);
            }
            throw e;
        }
        // another session linked the same key meanwhile, or is reclaiming its node: give ours back
        lowerChildren(so, c, parent, INSERT_UNDO_PARENT, P_INSERT_ALLOCATED);
        freeNode(so, c);
        if (unsettled != 0)
        {
            awaitUnowned(unsettled);
        }
        return existing;
    }

    /** Waits until a micro lock is owned by nobody (recovering its owner if it is dead). */
    private void awaitUnowned(final long lockOff)
    {
        for (int spins = 1; ; spins++)
        {
            final int owner = owner(get(lockOff));
            if (owner == 0)
            {
                return;
            }
            backOff(spins, owner);
        }
    }

    private void lockLiveNode(final int opId, final int node)
    {
        for (int i = 0; ; i++)
        {
            final long gen = liveGen(node);
            if (enter(opId, t.nodeOffset(node) + N_LOCK, gen << GEN_SHIFT))
            {
                return;
            }
            if (i > 1000)
            {
                throw new IllegalStateException("host table: node " + node + " keeps changing generation");
            }
        }
    }

    /** INSERT_PARENT: children(parent) += 1 with progress INSERT_PARENT_RAISED (in slot pso's words). */
    private void raiseChildren(final long pso, final int c, final int parent)
    {
        lockLiveNode(INSERT_PARENT, parent);
        final long po = t.nodeOffset(parent);
        stage(po + N_CHILDREN, getLong(po + N_CHILDREN) + 1);
        stage(pso + S_PROGRESS, P_INSERT_PARENT_RAISED);
        stage(pso + S_PROGRESS_A, c);
        stage(pso + S_PROGRESS_B, parent);
        commit(false);
        exit(po + N_LOCK);
    }

    /** children(parent) -= 1 with the given progress next (INSERT_UNDO_PARENT or RECLAIM_PARENT). */
    private void lowerChildren(final long pso, final int c, final int parent, final int opId, final long nextProgress)
    {
        lockLiveNode(opId, parent);
        final long po = t.nodeOffset(parent);
        final long children = getLong(po + N_CHILDREN);
        if (children <= 0)
        {
            exit(po + N_LOCK);
            throw new IllegalStateException("host table: children of node " + parent + " would go negative");
        }
        stage(po + N_CHILDREN, children - 1);
        stage(pso + S_PROGRESS, nextProgress);
        stage(pso + S_PROGRESS_A, c);
        stage(pso + S_PROGRESS_B, parent);
        commit(false);
        exit(po + N_LOCK);
    }

    /** ALLOC: a node off the free list or the bump area (DEAD, next generation), progress INSERT_ALLOCATED. */
    private int allocNode(final long pso)
    {
        while (true)
        {
            enter(ALLOC, H_ALLOC_LOCK, 0);
            final int c;
            try
            {
                final long head = getLong(H_FREE_HEAD);
                if (head != 0)
                {
                    c = (int)(head - 1);
                    stage(H_FREE_HEAD, getLong(t.nodeOffset(c) + N_FREE_NEXT));
                    stage(H_FREE_COUNT, getLong(H_FREE_COUNT) - 1);
                }
                else
                {
                    final long bump = getLong(H_BUMP);
                    if (bump >= t.capacity)
                    {
                        exit(H_ALLOC_LOCK);
                        if (!sweep())
                        {
                            throw new LockStoreException("host table " + t.file + " is full: " + t.capacity
                                + " nodes, all in use by held locks, intents, waiters or their ancestors; create it with a"
                                + " larger capacity", null);
                        }
                        continue;
                    }
                    c = (int)bump;
                    stage(H_BUMP, bump + 1);
                }
                final long no = t.nodeOffset(c);
                final long gen = generation(get(no + N_LOCK)) + 1;
                stage(no + N_LOCK, DEAD | (gen << GEN_SHIFT));
                stage(pso + S_PROGRESS, P_INSERT_ALLOCATED);
                stage(pso + S_PROGRESS_A, c);
                stage(pso + S_PROGRESS_B, 0);
                commit(false);
                exit(H_ALLOC_LOCK);
                return c;
            }
            catch (final RuntimeException e)
            {
                if (heldLock != 0)
                {
                    exit(H_ALLOC_LOCK);
                }
                throw e;
            }
        }
    }

    /** FREE: pushes a DEAD, unlinked node with no parent link on the free list; progress NONE. */
    private void freeNode(final long pso, final int c)
    {
        enter(FREE, H_ALLOC_LOCK, 0);
        final long no = t.nodeOffset(c);
        stage(no + N_FREE_NEXT, getLong(H_FREE_HEAD));
        stage(H_FREE_HEAD, c + 1L);
        stage(H_FREE_COUNT, getLong(H_FREE_COUNT) + 1);
        stage(pso + S_PROGRESS, P_NONE);
        stage(pso + S_PROGRESS_A, 0);
        stage(pso + S_PROGRESS_B, 0);
        commit(false);
        exit(H_ALLOC_LOCK);
    }

    /** Reclaims idle leaves in clock order; true if at least one was freed. */
    private boolean sweep()
    {
        int reclaimed = 0;
        long hand = get(H_CLOCK);
        final long bump = get(H_BUMP);
        for (long scanned = 0; scanned < bump && reclaimed < RECLAIM_BATCH; scanned++)
        {
            final int c = (int)hand;
            hand = hand + 1 >= bump ? 1 : hand + 1;
            if (c <= ROOT || c >= bump)
            {
                continue;
            }
            final long w = get(t.nodeOffset(c) + N_LOCK);
            if ((w & DEAD) != 0 || owner(w) != 0 || !idle(t.nodeOffset(c)))
            {
                continue;
            }
            if (reclaim(c, generation(w)))
            {
                reclaimed++;
            }
        }
        buf.putLongOrdered(H_CLOCK, hand);
        return reclaimed > 0 || get(H_FREE_HEAD) != 0;
    }

    private boolean idle(final long no)
    {
        if (getLong(no + N_CHILDREN) != 0)
        {
            return false;
        }
        for (int k = 0; k < KINDS; k++)
        {
            if (getLong(no + N_COUNTS + (long)k * SIZE_OF_LONG) != 0)
            {
                return false;
            }
        }
        return true;
    }

    private boolean reclaim(final int c, final long gen)
    {
        final long no = t.nodeOffset(c);
        if (!enter(RECLAIM_DEAD, no + N_LOCK, gen << GEN_SHIFT))
        {
            return false;
        }
        try
        {
            if (!idle(no))
            {
                exit(no + N_LOCK);
                return false;
            }
            stage(no + N_LOCK, DEAD | (gen << GEN_SHIFT) | me);
            stage(so + S_PROGRESS, P_RECLAIM_DEAD);
            stage(so + S_PROGRESS_A, c);
            stage(so + S_PROGRESS_B, getLong(no + N_PARENT));
            commit(false);
            exit(no + N_LOCK);
        }
        catch (final RuntimeException e)
        {
            if (heldLock != 0)
            {
                exit(no + N_LOCK);
            }
            throw e;
        }
        unlink(so, c);
        lowerChildren(so, c, (int)getLong(no + N_PARENT), RECLAIM_PARENT, P_RECLAIM_PARENT_LOWERED);
        freeNode(so, c);
        return true;
    }

    /** RECLAIM_UNLINK: removes a DEAD node from its bucket chain (if still there); progress RECLAIM_UNLINKED. */
    private void unlink(final long pso, final int c)
    {
        final long no = t.nodeOffset(c);
        final long key = getLong(no + N_KEY);
        final long bo = t.bucketOffset((int)(key >>> 32) & (t.buckets - 1));
        enter(RECLAIM_UNLINK, bo + B_LOCK, 0);
        long prevNextOff = bo + B_HEAD;
        long idx = getLong(prevNextOff);
        int hops = 0;
        while (idx != 0 && hops++ <= t.capacity)
        {
            if (idx - 1 == c)
            {
                stage(prevNextOff, getLong(no + N_NEXT));
                break;
            }
            prevNextOff = t.nodeOffset((int)(idx - 1)) + N_NEXT;
            idx = getLong(prevNextOff);
        }
        stage(pso + S_PROGRESS, P_RECLAIM_UNLINKED);
        stage(pso + S_PROGRESS_A, c);
        stage(pso + S_PROGRESS_B, getLong(no + N_PARENT));
        commit(false);
        exit(bo + B_LOCK);
    }

    // =============================================================================================
    // recovery
    // =============================================================================================

    /** Recovers slot s if its session is dead (its kernel lock can be taken). */
    boolean recoverIfDead(final int s)
    {
        if (s == slot || s < 0 || s >= t.slots || t.locks.heldInThisJvm(s))
        {
            return false;
        }
        if (!recoveryMutex.tryLock())
        {
            Thread.yield();
            return false;
        }
        try
        {
            final SlotLocks.Held h = t.locks.tryLock(s);
            if (h == null)
            {
                return false;
            }
            try
            {
                final long st = get(t.slotOffset(s) + S_STATE);
                if (stateKind(st) == STATE_FREE && get(t.slotOffset(s) + S_UNDO_COUNT) == 0
                    && get(t.slotOffset(s) + S_PROGRESS) == P_NONE)
                {
                    return false;
                }
                recover(s);
                return true;
            }
            finally
            {
                t.locks.release(h);
            }
        }
        finally
        {
            recoveryMutex.unlock();
        }
    }

    /** Recovers every dead slot; returns how many. */
    int recoverDeadSlots()
    {
        int n = 0;
        for (int s = 0; s < t.slots; s++)
        {
            if (s == slot || t.locks.heldInThisJvm(s))
            {
                continue;
            }
            if (stateKind(get(t.slotOffset(s) + S_STATE)) != STATE_FREE && recoverIfDead(s))
            {
                n++;
            }
        }
        return n;
    }

    /**
     * Recovers slot d (see HostTable, RECOVERY). The caller holds d's kernel lock (or d is this
     * session's own slot at start, or this JVM's live session of d is held still by its mutex).
     */
    private void recover(final int d)
    {
        final long dso = t.slotOffset(d);
        final long savedOp = get(so + S_PROGRESS);
        final long savedA = get(so + S_PROGRESS_A);
        final long savedB = get(so + S_PROGRESS_B);
        waitForDependents(d);
        final boolean track = d != slot && !selfRecovering;
        if (track)
        {
            putOrdered(so + S_PROGRESS_A, d);
            buf.putLongVolatile((int)(so + S_PROGRESS), P_RECOVERING);
        }
        final long st = get(dso + S_STATE);
        final long recovering = HostLayout.state(STATE_RECOVERING, incarnation(st), pid(st));
        buf.putLongVolatile((int)(dso + S_STATE), recovering);
        if (d == slot)
        {
            myState = recovering;
        }
        step(REC_BEGIN);
        // 1. an open critical section
        final long intent = get(dso + S_INTENT);
        if (intent > 0 && intent < t.buf.capacity() && owner(get(intent)) == d + 1)
        {
            final long n = Math.min(get(dso + S_UNDO_COUNT), UNDO_CAPACITY);
            for (long i = n - 1; i >= 0; i--)
            {
                final long u = dso + S_UNDO + i * UNDO_ENTRY_LENGTH;
                buf.putLong((int)buf.getLong((int)u), buf.getLong((int)u + SIZE_OF_LONG));
            }
            step(REC_UNDO_RESTORED);
            buf.putLongOrdered((int)(dso + S_UNDO_COUNT), 0);
            final long w = get(intent);
            buf.putLongOrdered((int)intent, w & ~OWNER_MASK);
            step(REC_LOCK_RELEASED);
            if (intent >= t.nodesOffset)
            {
                t.bump((int)((intent - t.nodesOffset) / NODE_LENGTH));
            }
        }
        else
        {
            buf.putLongOrdered((int)(dso + S_UNDO_COUNT), 0);
        }
        putOrdered(dso + S_INTENT, 0);
        // 2. a multi-step operation
        finishProgress(d, dso);
        step(REC_PROGRESS_DONE);
        // 3. the records
        subtractRecords(d, false);
        step(REC_RECORDS_DONE);
        // 4. free
        buf.putLongVolatile((int)(dso + S_STATE), HostLayout.state(STATE_FREE, incarnation(st), 0));
        if (track)
        {
            putOrdered(so + S_PROGRESS_A, savedA);
            putOrdered(so + S_PROGRESS_B, savedB);
            buf.putLongVolatile((int)(so + S_PROGRESS), savedOp);
        }
    }

    /** Step 0: a dead recoverer of d may have left d's record words in its undo log. */
    private void waitForDependents(final int d)
    {
        final long deadline = System.nanoTime() + DEPENDENCY_WAIT_NANOS;
        for (int s = 0; s < t.slots; s++)
        {
            if (s == d || s == slot)
            {
                continue;
            }
            final long sso = t.slotOffset(s);
            while (get(sso + S_PROGRESS) == P_RECOVERING && get(sso + S_PROGRESS_A) == d
                && stateKind(get(sso + S_STATE)) != STATE_FREE)
            {
                final SlotLocks.Held h = t.locks.tryLock(s);
                if (h != null)
                {
                    try
                    {
                        recover(s);
                    }
                    finally
                    {
                        t.locks.release(h);
                    }
                }
                else if (System.nanoTime() - deadline > 0)
                {
                    throw new LockStoreException("host table " + t.file + ": slot " + s + " is still marked as recovering slot "
                        + d + " while its session is alive", null);
                }
                else
                {
                    Thread.yield();
                }
            }
        }
    }

    private void finishProgress(final int d, final long dso)
    {
        final long p = get(dso + S_PROGRESS);
        final int a = (int)get(dso + S_PROGRESS_A);
        final int b = (int)get(dso + S_PROGRESS_B);
        if (p == P_INSERT_ALLOCATED)
        {
            freeNode(dso, a);
        }
        else if (p == P_INSERT_LINKED)
        {
            // linked and committed; its lock may still be d's (H11). Only d can own it here: a later
            // section of d on it would have replaced this progress.
            final long no = t.nodeOffset(a);
            final long w = get(no + N_LOCK);
            if (owner(w) == d + 1)
            {
                buf.putLongOrdered((int)(no + N_LOCK), w & ~OWNER_MASK);
            }
            putOrdered(dso + S_PROGRESS_A, 0);
            putOrdered(dso + S_PROGRESS_B, 0);
            buf.putLongVolatile((int)(dso + S_PROGRESS), P_NONE);
        }
        else if (p == P_INSERT_PARENT_RAISED)
        {
            lowerChildren(dso, a, b, INSERT_UNDO_PARENT, P_INSERT_ALLOCATED);
            freeNode(dso, a);
        }
        else if (p == P_RECLAIM_DEAD)
        {
            unlink(dso, a);
            lowerChildren(dso, a, b, RECLAIM_PARENT, P_RECLAIM_PARENT_LOWERED);
            freeNode(dso, a);
        }
        else if (p == P_RECLAIM_UNLINKED)
        {
            lowerChildren(dso, a, b, RECLAIM_PARENT, P_RECLAIM_PARENT_LOWERED);
            freeNode(dso, a);
        }
        else if (p == P_RECLAIM_PARENT_LOWERED)
        {
            freeNode(dso, a);
        }
        else if (p != P_NONE)
        {
            // P_RECOVERING: its undo log was restored in step 1; the slot it was recovering is dead
            // again (kernel lock free) and is recovered on its own.
            putOrdered(dso + S_PROGRESS_A, 0);
            buf.putLongVolatile((int)(dso + S_PROGRESS), P_NONE);
        }
    }

    /** Step 3 (and close): subtracts each record of slot d from its node and clears it. */
    private void subtractRecords(final int d, final boolean own)
    {
        for (int r = 0; r < t.records; r++)
        {
            final long ro = t.recordOffset(d, r);
            final long nodePlusOne = get(ro + R_NODE);
            if (nodePlusOne == 0)
            {
                continue;
            }
            final int node = (int)(nodePlusOne - 1);
            final long gen = get(ro + R_GEN);
            final long no = t.nodeOffset(node);
            if (node < 0 || node >= t.capacity || !enter(own ? UNCLAIM : RECOVER_RECORD, no + N_LOCK, gen << GEN_SHIFT))
            {
                if (get(ro + R_GEN) != gen || get(ro + R_NODE) != nodePlusOne)
                {
                    r--; // re-pointed meanwhile by its live session (a forced break): read it again
                    continue;
                }
                // an emptied record of an earlier generation of the node (H7: a node with counts is
                // never reclaimed, so its counts are zero)
                putOrdered(ro + R_NODE, 0);
                putOrdered(ro + R_GEN, 0);
                putOrdered(ro + R_SINCE, 0);
                continue;
            }
            try
            {
                if (get(ro + R_NODE) == nodePlusOne && get(ro + R_GEN) == gen)
                {
                    for (int k = 0; k < KINDS; k++)
                    {
                        final long rc = getLong(ro + R_COUNTS + (long)k * SIZE_OF_LONG);
                        if (rc != 0)
                        {
                            final long nk = no + N_COUNTS + (long)k * SIZE_OF_LONG;
                            stage(nk, Math.max(0, getLong(nk) - rc));
                            stage(ro + R_COUNTS + (long)k * SIZE_OF_LONG, 0);
                        }
                    }
                    stage(ro + R_NODE, 0);
                    stage(ro + R_GEN, 0);
                    stage(ro + R_SINCE, 0);
                    commit(false);
                }
                exit(no + N_LOCK);
            }
            catch (final RuntimeException e)
            {
                if (heldLock != 0)
                {
                    exit(no + N_LOCK);
                }
                throw e;
            }
            t.bump(node);
        }
        if (own)
        {
            recordOfNode.clear();
        }
    }

    /** Breaks slot d (pathlock break): recovers it if dead; if alive only when forced. */
    boolean breakSlot(final int d, final boolean force)
    {
        if (d == slot)
        {
            throw new IllegalArgumentException("host session in slot " + slot + " cannot break its own slot");
        }
        final long dso = t.slotOffset(d);
        if (stateKind(get(dso + S_STATE)) == STATE_FREE)
        {
            return false;
        }
        if (recoverIfDead(d))
        {
            return true;
        }
        if (!force)
        {
            return false;
        }
        final HostSession local = t.sessionInThisJvm(d);
        if (local != null)
        {
            local.mutex.lock();
            try
            {
                local.broken = true;
                forceBreak(d, dso);
            }
            finally
            {
                local.mutex.unlock();
            }
            return true;
        }
        forceBreak(d, dso);
        return true;
    }

    /**
     * Takes a live session's counts away (its process keeps running): its state becomes RECOVERING,
     * so its next section writes nothing (H9); its open section, if any, is let finish first.
     * The slot stays RECOVERING until the session's kernel lock is free; a later recovery then
     * finishes its multi-step operation.
     */
    private void forceBreak(final int d, final long dso)
    {
        final long st = get(dso + S_STATE);
        buf.putLongVolatile((int)(dso + S_STATE), HostLayout.state(STATE_RECOVERING, incarnation(st), pid(st)));
        VarHandle.fullFence();
        final long deadline = System.nanoTime() + BREAK_WAIT_NANOS;
        while (get(dso + S_UNDO_COUNT) != 0 || (get(dso + S_INTENT) > 0 && owner(get(get(dso + S_INTENT))) == d + 1))
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new LockStoreException("host table " + t.file + ": the live session in slot " + d
                    + " stays inside a critical section (stopped?); its slot is marked RECOVERING, try again", null);
            }
            Thread.yield();
        }
        subtractRecords(d, false);
    }

    // =============================================================================================
    // words
    // =============================================================================================

    private long get(final long off)
    {
        return buf.getLongVolatile((int)off);
    }

    private long getLong(final long off)
    {
        return buf.getLong((int)off);
    }

    private void putOrdered(final long off, final long value)
    {
        buf.putLongOrdered((int)off, value);
    }

    @Override
    public String toString()
    {
        return "HostSession[slot " + slot + " of " + t.file + (broken ? ", broken" : "") + (closed ? ", closed" : "") + "]";
    }
}

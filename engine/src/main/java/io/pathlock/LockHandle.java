package io.pathlock;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockUpgradeException;
import io.pathlock.core.LockType;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockConflict;
import io.pathlock.core.HeldLock;
import io.pathlock.core.LockBusyException;
import io.pathlock.core.LockTimeoutException;
import io.pathlock.core.LockLostException;
import io.pathlock.core.LockStoreException;
import io.pathlock.observe.jfr.LockConflictEvent;
import io.pathlock.observe.jfr.LockHoldEvent;
import io.pathlock.observe.LockSnapshot;
import io.pathlock.observe.jfr.LockWaitEvent;
import io.pathlock.store.LockStore;
import io.pathlock.table.ConflictKind;
import io.pathlock.table.ChainCache;
import io.pathlock.table.IntentChain;
import io.pathlock.table.LockOwner;
import io.pathlock.table.LockTable;
import io.pathlock.table.TableWaiter;
import io.pathlock.table.TrieNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;

/**
 * An owner of path locks: what a caller holds between acquiring and {@link #close()}.
 *
 * <p>Acquisition: {@link #tryAcquire} never waits; {@link #acquire(LockRequest, Duration)} waits at
 * most the timeout in total (not per path); {@link #acquire(LockRequest)} waits until granted or
 * interrupted. Every request is all-or-nothing and cannot deadlock with other requests whatever the
 * order of its paths: an attempt that finds a conflict releases what it took, waits for a
 * notification from the holder that blocked it, and retries (DESIGN §2). A failed call leaves the
 * handle holding exactly what it held before.
 *
 * <p>Reentrancy: asking for what the handle already covers (the same POINT, or anything at or below
 * one of its SUBTREE locks) succeeds without a new grant. Asking for SUBTREE on a path where it holds
 * POINT upgrades in place; a SUBTREE is never downgraded. The handle's own locks below a path never
 * block its SUBTREE on that path.
 *
 * <p>Shared locks (DESIGN §2): an exclusive lock covers a shared request on the same path, and a
 * SUBTREE-SHARED covers shared requests at or below it; an exclusive request on a path held shared
 * converts the lock in place to the stronger type and mode, never downgrading it. A conversion that
 * must wait keeps the shared lock held throughout and leaves it held if it fails or times out; one
 * that would close a cycle of waiting upgrades fails at once with
 * {@link io.pathlock.core.LockUpgradeException}. The handle's own SUBTREE-SHARED does not block its
 * exclusive locks below it.
 *
 * <p>Thread-safety: a handle may be used and closed from any thread (it is not bound to the thread
 * that acquired). Its operations are serialised on the handle, except that waiting happens outside
 * that lock, so {@link #close()} from another thread is never blocked by a waiting acquire.
 *
 * <p>Liveness: every acquisition and {@link #touch()} count as activity. A handle idle longer than
 * the manager's idle timeout is collected: its locks are released and every later use throws
 * {@link LockLostException}; {@link #isValid()} and {@link #lostReason()} tell it without throwing.
 */
public final class LockHandle implements AutoCloseable
{
    static final int GRANTED = 0;
    static final int TABLE_BLOCKED = 1;
    static final int STORE_BLOCKED = 2;

    private static final LockRequest.Entry[] NO_ENTRIES = new LockRequest.Entry[0];
    /**
     * The hold event's type, looked up only once JFR is running: {@code EventType.getEventType}
     * initialises JFR's metadata, ~100 ms of CPU that a short-lived program (the {@code pathlock}
     * command) would otherwise pay at class load whether or not anything records.
     */
    private static final class HoldEventType
    {
        static final jdk.jfr.EventType TYPE = jdk.jfr.EventType.getEventType(LockHoldEvent.class);
    }

    private static boolean holdEventEnabled()
    {
        return jdk.jfr.FlightRecorder.isInitialized() && HoldEventType.TYPE.isEnabled();
    }

    /** One acquisition's scratch state: the last conflict and what blocked it, and the claim in flight. */
    static final class AttemptState
    {
        final LockTable.Conflict conflict = new LockTable.Conflict();
        /** The waiter of a try attempt (lent with the state by {@link ThreadState#borrowTry}). */
        ThreadState.TryWaiter waiter;
        /** The claim is one POINT the handle did not hold (the table said so): append it. */
        boolean newPoint;
        /** The thread state that lent this scratch (try attempts), else null: look it up per attempt. */
        ThreadState owner;
        LockRequest.Entry blockedEntry;
        LockStore.PublishResult store;
        // The claim between the table and the store (see attempt()); arrays reused across attempts.
        LockRequest.Entry[] todo = new LockRequest.Entry[2];
        TrieNode[] nodes = new TrieNode[2];
        IntentChain[] chains = new IntentChain[2];
        ChainCache cache;
        /** What the handle holds on each claim's path ({@code LockTable.FROM_*}): a conversion. */
        int[] from = new int[2];
        int[] ownBelow = new int[2];
        int[] ownBelowExclusive = new int[2];
        TrieNode[][] ownSharedSubtrees = new TrieNode[2][];
        boolean upgrading;
        int count;
        int filled;
        List<LockRequest.Entry> published;
        long epoch;
        long now;

        void ensureCapacity(final int n)
        {
            filled = n;
            if (todo.length < n)
            {
                todo = new LockRequest.Entry[n];
                nodes = new TrieNode[n];
                chains = new IntentChain[n];
                from = new int[n];
                ownBelow = new int[n];
                ownBelowExclusive = new int[n];
                ownSharedSubtrees = new TrieNode[n][];
            }
        }
    }

    /** A waiting acquisition, as the observer lists it. */
    static final class WaitRecord
    {
        final String ownerId;
        final String request;
        final long sinceNanos;
        volatile LockConflict blockedBy;

        WaitRecord(final String ownerId, final String request, final long sinceNanos, final LockConflict blockedBy)
        {
            this.ownerId = ownerId;
            this.request = request;
            this.sinceNanos = sinceNanos;
            this.blockedBy = blockedBy;
        }

        LockSnapshot.WaiterInfo info()
        {
            return new LockSnapshot.WaiterInfo(ownerId, request, sinceNanos, blockedBy);
        }
    }

    private final LockManager m;
    private final String label;
    private final long id;
    // Built on first use from label and id: most handles never need it.
    private volatile String ownerId;
    private final long openedNanos;
    private volatile long lastActiveNanos;
    private volatile String lostReason;
    // Created by the first onLost (most handles never register one).
    private volatile java.util.concurrent.CopyOnWriteArrayList<java.util.function.Consumer<String>> lostListeners;

    /** Serialises the handle's operations (the monitor of earlier versions). */
    private final HandleLock lock = new HandleLock();
    // Guarded by lock.
    private final HeldSet held = new HeldSet(this);
    // Created by the first publication (the memory store never publishes).
    private ArrayList<LockStore.Publication> publications;
    // Written under this; read without it by the handle registry (a closed handle stays closed).
    private volatile boolean closed;
    // The thread state of the thread that used this handle last; checked against the current thread.
    private ThreadState lastThreadState;
    /** Next handle in the registry stripe's list: guarded by that stripe (HandleRegistry R2). */
    LockHandle registryNext;
    // Incremented by every release of all locks (releaseAll, close, loss, collection); guarded by this.
    private long releaseEpoch;
    // Serialises the attempts of this handle when store I/O runs outside the handle lock.
    private final java.util.concurrent.locks.ReentrantLock acquiring;
    private final boolean publishMayBlock;
    private final boolean needsPublication;
    private final boolean tableTokens;

    LockHandle(final LockManager manager, final String label, final long id)
    {
        this.m = manager;
        this.label = label;
        this.id = id;
        this.openedNanos = manager.now();
        this.needsPublication = manager.store.needsPublication();
        this.tableTokens = manager.store.tableTokens();
        this.publishMayBlock = needsPublication && manager.store.publishMayBlock();
        this.acquiring = publishMayBlock ? new java.util.concurrent.locks.ReentrantLock() : null;
        this.lastActiveNanos = openedNanos;
    }

    /**
     * The owner id: the label given to {@code open} plus a process-unique suffix.
     *
     * @return the owner id.
     */
    public String ownerId()
    {
        String o = ownerId;
        if (o == null)
        {
            o = label + "@" + m.idPrefix + "." + id;
            ownerId = o;
        }
        return o;
    }

    /**
     * The calling thread's state: the one this handle used last if it is the same thread (a field
     * read instead of a thread-local lookup; a handle is mostly used from one thread).
     */
    private ThreadState threadState()
    {
        final ThreadState last = lastThreadState;
        if (last != null && last.thread == Thread.currentThread())
        {
            return last;
        }
        final ThreadState ts = m.threadState();
        lastThreadState = ts;
        return ts;
    }

    /** Whether the registry may drop this handle (HandleRegistry R1). */
    boolean isClosedForRegistry()
    {
        return closed;
    }

    /**
     * Takes a request at once or not at all. Never waits.
     *
     * @param request the locks.
     * @throws LockBusyException naming the conflict, if any lock is held by someone else.
     * @throws LockStoreException if the store failed (nothing is acquired).
     * @throws LockLostException if the handle lost its locks before.
     * @throws IllegalStateException if the handle is closed.
     */
    public void tryAcquire(final LockRequest request)
    {
        checkRequest(request);
        final LockConflict c = tryOnce(request);
        if (c == null)
        {
            return;
        }
        recordConflict(request, c);
        m.observer.onBusy();
        throw new LockBusyException(request, c);
    }

    /**
     * Takes a request at once if every lock is free, as {@link java.util.concurrent.locks.Lock#tryLock()}
     * does: a busy lock is an expected answer, not an exception. Never waits.
     *
     * @param request the locks.
     * @return true if granted (or already covered); false if any lock is held by someone else, and
     *         then the handle holds exactly what it held before.
     * @throws LockStoreException if the store failed (nothing is acquired).
     * @throws LockLostException if the handle lost its locks before.
     * @throws IllegalStateException if the handle is closed.
     */
    public boolean tryLock(final LockRequest request)
    {
        checkRequest(request);
        final LockConflict c = tryOnce(request);
        if (c == null)
        {
            return true;
        }
        recordConflict(request, c);
        m.observer.onBusy();
        return false;
    }

    /**
     * Takes a request, waiting at most {@code timeout} in total for conflicting holders.
     *
     * @param request the locks.
     * @param timeout the total timeout; zero behaves as {@link #tryAcquire}.
     * @throws LockTimeoutException naming the last conflict, if the timeout elapsed.
     * @throws LockBusyException if the timeout is zero and a lock is busy.
     * @throws InterruptedException if interrupted while waiting (nothing is acquired).
     * @throws LockStoreException if the store failed (nothing is acquired).
     * @throws IllegalArgumentException if the timeout is negative.
     */
    public void acquire(final LockRequest request, final Duration timeout) throws InterruptedException
    {
        checkRequest(request);
        if (timeout == null || timeout.isNegative())
        {
            throw new IllegalArgumentException("timeout must be zero or positive, got " + timeout);
        }
        if (timeout.isZero())
        {
            tryAcquire(request);
            return;
        }
        acquireBlocking(request, timeout.equals(io.pathlock.config.Settings.FOREVER) ? -1 : LockManager.toNanosSaturated(timeout));
    }

    /**
     * Takes a request, waiting as long as it takes; interruptible.
     *
     * @param request the locks.
     * @throws InterruptedException if interrupted while waiting (nothing is acquired).
     * @throws LockStoreException if the store failed (nothing is acquired).
     */
    public void acquire(final LockRequest request) throws InterruptedException
    {
        checkRequest(request);
        acquireBlocking(request, -1);
    }

    /**
     * Records activity, so that the idle collector does not take the handle's locks.
     *
     * @throws LockLostException if the handle has already lost its locks.
     */
    public void touch()
    {
        final String lost = lostReason;
        if (lost != null)
        {
            throw new LockLostException(ownerId(), lost);
        }
        lastActiveNanos = m.now();
    }

    /**
     * The locks held now, with their fencing tokens.
     *
     * @return a new list.
     */
    public List<HeldLock> locks()
    {
        lock.lock();
        try
        {
            return held.infos(ownerId());
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * The fencing token of the lock held on a path.
     *
     * @param path the path.
     * @return the token, or -1 if the handle holds no lock exactly on this path.
     * @throws LockLostException if the handle has lost its locks, also when this call is the first
     *         to notice (the store is asked whether every lock is still intact).
     */
    public long fencingToken(final CharSequence path)
    {
        lock.lock();
        try
        {
            final LockPath p = LockPath.parse(path);
            checkIntact();
            final int slot = held.slotOf(p);
            return slot < 0 ? -1 : held.token(slot);
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Whether the handle is open and has not lost its locks.
     *
     * @return true while usable.
     */
    public boolean isValid()
    {
        lock.lock();
        try
        {
            if (closed || lostReason != null)
            {
                return false;
            }
            try
            {
                checkIntact();
            }
            catch (final LockLostException e)
            {
                return false;
            }
            return true;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Registers a callback run once when the handle learns it lost its locks (a heartbeat found a
     * lock file removed or replaced, a refresh failed, {@link #isValid()} or {@link #fencingToken}
     * noticed, or the idle collector took them). It runs on the thread that noticed, with the reason;
     * it must not block. Registered after the loss, it runs at once on the caller's thread.
     *
     * @param listener receives the reason.
     * @return this handle.
     */
    public LockHandle onLost(final java.util.function.Consumer<String> listener)
    {
        Objects.requireNonNull(listener, "listener");
        java.util.concurrent.CopyOnWriteArrayList<java.util.function.Consumer<String>> ls = lostListeners;
        if (ls == null)
        {
            lock.lock();
            try
            {
                ls = lostListeners;
                if (ls == null)
                {
                    ls = new java.util.concurrent.CopyOnWriteArrayList<>();
                    lostListeners = ls;
                }
            }
            finally
            {
                lock.unlock();
            }
        }
        ls.add(listener);
        final String r = lostReason;
        if (r != null && ls.remove(listener))
        {
            listener.accept(r);
        }
        return this;
    }

    /** Asks the store whether every publication is intact; marks the handle lost if not. Holds the handle lock. */
    private void checkIntact()
    {
        if (lostReason != null)
        {
            throw new LockLostException(ownerId(), lostReason);
        }
        if (publications == null)
        {
            return;
        }
        for (final LockStore.Publication p : publications)
        {
            final String broken;
            try
            {
                broken = m.store.check(p);
            }
            catch (final LockStoreException e)
            {
                markLost("the lock store could not check " + p.entries() + ": " + e.getMessage());
                throw new LockLostException(ownerId(), lostReason);
            }
            if (broken != null)
            {
                markLost("lock lost in the store (" + m.store.describe() + "): " + broken);
                throw new LockLostException(ownerId(), lostReason);
            }
        }
    }

    /** Records the loss once, tells the observer and the listeners, releases what is left. Holds the handle lock. */
    private void markLost(final String reason)
    {
        if (lostReason != null)
        {
            return;
        }
        lostReason = reason;
        closed = true;
        m.observer.onLost();
        LockManager.LOG.log(System.Logger.Level.WARNING, "pathlock: handle {0} lost its locks: {1}", ownerId(), reason);
        try
        {
            releaseAllLocked("lost");
        }
        catch (final LockStoreException ignore)
        {
            // Already lost; what could not be removed is at least no longer flocked.
        }
        fireLost(reason);
    }

    private void fireLost(final String reason)
    {
        final java.util.concurrent.CopyOnWriteArrayList<java.util.function.Consumer<String>> ls = lostListeners;
        if (ls == null)
        {
            return;
        }
        for (final java.util.function.Consumer<String> l : ls)
        {
            if (ls.remove(l))
            {
                try
                {
                    l.accept(reason);
                }
                catch (final RuntimeException e)
                {
                    // A listener's failure must not stop the others nor the heartbeat.
                    m.backgroundError("a lost-lock listener of " + ownerId(), e);
                }
            }
        }
    }

    /**
     * Why the handle lost its locks.
     *
     * @return the reason, or null if it has not lost them.
     */
    public String lostReason()
    {
        return lostReason;
    }

    /**
     * Last activity on the manager's nano clock.
     *
     * @return the time of the last acquire or touch.
     */
    public long lastActiveNanos()
    {
        return lastActiveNanos;
    }

    /**
     * Releases every lock but keeps the handle open for further acquisitions (cheaper than opening a
     * new handle per critical section). Callable from any thread.
     *
     * @throws LockStoreException if the store failed to remove a publication (every lock is still
     *         released in this process).
     * @throws IllegalStateException if the handle is closed.
     */
    public void releaseAll()
    {
        lock.lock();
        try
        {
            if (closed)
            {
                if (lostReason != null)
                {
                    throw new LockLostException(ownerId(), lostReason);
                }
                throw new IllegalStateException("handle " + ownerId() + " is closed");
            }
            releaseAllLocked("released");
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Releases every lock and closes the handle. Idempotent; callable from any thread.
     *
     * @throws LockStoreException if the store failed to remove a publication (every lock is still
     *         released in this process, and the rest of the publications are removed).
     */
    @Override
    public void close()
    {
        lock.lock();
        try
        {
            if (closed)
            {
                return;
            }
            closed = true;
            releaseAllLocked("closed");
        }
        finally
        {
            lock.unlock();
        }
    }

    @Override
    public String toString()
    {
        return "LockHandle[" + ownerId() + "]";
    }

    // ---- package-private: used by the manager and its agent ------------------------------------

    LockSnapshot.HandleInfo info()
    {
        lock.lock();
        try
        {
            return new LockSnapshot.HandleInfo(ownerId(), locks(), openedNanos, lastActiveNanos, lostReason);
        }
        finally
        {
            lock.unlock();
        }
    }

    boolean collect(final long now)
    {
        lock.lock();
        try
        {
            if (closed || now - lastActiveNanos <= m.handleIdleTimeoutNanos)
            {
                return false;
            }
            lostReason = "collected after " + LockManager.NANOS.toMillis(now - lastActiveNanos)
                + " ms without activity (idle timeout " + LockManager.NANOS.toMillis(m.handleIdleTimeoutNanos) + " ms)";
            closed = true;
            final boolean hadLocks = !held.isEmpty();
            try
            {
                releaseAllLocked("collected");
            }
            catch (final LockStoreException e)
            {
                // The handle is gone either way; what could not be unpublished is reported.
                m.backgroundError("releasing the locks of collected handle " + ownerId(), e);
            }
            m.observer.onCollected();
            if (hadLocks)
            {
                m.observer.onLost();
                LockManager.LOG.log(System.Logger.Level.WARNING, "pathlock: handle {0} {1}; its locks were released",
                    ownerId(), lostReason);
            }
            fireLost(lostReason);
            return true;
        }
        finally
        {
            lock.unlock();
        }
    }

    int heartbeat()
    {
        lock.lock();
        try
        {
            if (closed || publications == null || publications.isEmpty())
            {
                return 0;
            }
            int n = 0;
            for (final LockStore.Publication p : new ArrayList<>(publications))
            {
                final boolean intact;
                try
                {
                    intact = m.store.refresh(p);
                }
                catch (final LockStoreException e)
                {
                    // Fail closed: a lock that could not be refreshed will look stale to OpenViking
                    // processes once it expires, so the holder must not go on as if it still held it.
                    markLost("heartbeat could not refresh " + p.entries() + " in " + m.store.describe() + ": " +
                        e.getMessage());
                    return n + 1;
                }
                n++;
                if (!intact)
                {
                    String broken = null;
                    try
                    {
                        broken = m.store.check(p);
                    }
                    catch (final LockStoreException ignore)
                    {
                        // The refresh already said it is gone.
                    }
                    markLost("lock lost in the store (" + m.store.describe() + "): " + (broken != null ? broken :
                        p.entries() + " was removed or taken over by another process"));
                    return n;
                }
            }
            return n;
        }
        finally
        {
            lock.unlock();
        }
    }

    /** An asynchronous acquisition; {@code timeoutNanos < 0} waits without limit. */
    CompletableFuture<LockHandle> acquireAsyncInto(final LockRequest request, final long timeoutNanos)
    {
        checkRequest(request);
        final CompletableFuture<LockHandle> f = new CompletableFuture<>();
        final AsyncAcquisition a = new AsyncAcquisition(request, f, timeoutNanos);
        f.whenComplete((h, ex) ->
        {
            if (f.isCancelled())
            {
                a.abandon();
            }
        });
        a.start();
        return f;
    }

    // ---- acquisition: one state machine, two drivers -------------------------------------------

    /** {@link Acquisition#step()}: registered on the blocking table node; wait for its signal. */
    static final int PARK = 3;
    /** {@link Acquisition#step()}: blocked in the store; wait for its blocker to change. */
    static final int AWAIT_STORE = 4;
    /** {@link #claimLocked}: the table claims are made; the store is next. */
    private static final int CLAIMED = 5;

    private static void checkRequest(final LockRequest request)
    {
        Objects.requireNonNull(request, "request");
    }

    /**
     * An acquisition that may wait: the one state machine behind {@link #acquire} (driven by a
     * parked thread, {@link BlockingAcquisition}) and {@code acquireAsync} (driven by signals and
     * the executor, {@link AsyncAcquisition}).
     *
     * <p>{@link #step()} makes attempts until one of: {@link #GRANTED}; {@link #PARK}, registered on
     * the table node that blocks it, whose change signals it ({@link LockTable} invariant 5: register,
     * then retry, so no release is missed); {@link #AWAIT_STORE}, blocked by another process in the
     * store; or it throws (busy for a zero timeout, timeout, store failure, lost or closed handle).
     * The driver waits as told and calls {@code step()} again; {@link #finishWait} ends the wait.
     *
     * <p>Pending marks: a waiting acquisition respects SUBTREE waiters' marks unless its handle holds
     * a lock on or below the marked node, or some other waiter may be waiting for one of its locks
     * ({@link LockTable#isAwaited}). Respecting every mark can deadlock: W1 waits for SUBTREE(/a),
     * blocked by h1's POINT(/a/x); W2 waits for SUBTREE(/b), blocked by h3's POINT(/b/z); h1 then
     * waits for /b/y (stopped by W2's mark) and h3 for /a/q (stopped by W1's mark):
     * h3 -> W1 -> h1 -> W2 -> h3, a cycle that without marks does not exist (PendingExemptionTest).
     * Here W1 waits for h1's lock, so h1 ignores W2's mark. In general: in a wait cycle, follow an
     * edge "u waits for a lock v holds"; v is then awaited and ignores marks, so v's own edge is
     * again "waits for a lock someone holds"; all edges of the cycle are of that kind, and such a
     * cycle (hold and wait across the handle's own calls) is the caller's, marks or not. A cycle of
     * mark edges alone cannot form: a mark blocks only requests at or below its node, and waiters
     * pending on one node do not respect each other's marks.
     *
     * <p>Being awaited can start while an acquisition is parked on a mark, so every registration of
     * a waiter blocked by a held lock wakes the acquisitions parked on marks
     * ({@link LockManager#wakeMarkParked}); a parked one re-checks and, if awaited, goes past the
     * mark. Register, then check (as for invariant 5 of the table), so no such wake-up is missed. A
     * stream of waiting acquisitions from handles whose locks nobody waits for respects the mark,
     * so it cannot starve the SUBTREE waiter.
     *
     * <p>Only this process's waiters are visible to the table. On a store shared with other
     * processes (one that {@linkplain LockStore#needsPublication publishes} grants) a waiter in
     * another process may be waiting for any lock this handle holds, so there a waiting acquisition
     * of a handle that holds any lock goes past marks (the rule before issue 11), and a stream of
     * such acquisitions can overtake a pending SUBTREE waiter: deadlock-freedom is kept over
     * fairness. tryLock/tryAcquire, which never wait, respect marks on every store.
     */
    private abstract class Acquisition extends TableWaiter
    {
        final LockRequest request;
        final long timeoutNanos;
        final long deadline;
        final AttemptState st = new AttemptState();
        WaitRecord record;
        LockWaitEvent event;
        /** This acquisition's entry in the manager's upgrade waits, while it waits (U1). */
        UpgradeWaits.Wait upgradeWait;
        boolean upgradeChecked;
        /** Whether the store was asked about this upgrade's wait, and whether it records one. */
        boolean storeUpgradeChecked;
        boolean storeUpgradeWait;
        /** Whether the store refused this acquisition and was asked to wait: it learns of the end. */
        boolean storeWaited;

        /** @param timeoutNanos 0 fails when busy; negative waits without limit. */
        Acquisition(final LockRequest request, final long timeoutNanos)
        {
            this.request = request;
            this.timeoutNanos = timeoutNanos;
            this.deadline = timeoutNanos < 0 ? Long.MAX_VALUE : saturatedAdd(m.clock.nanoTime(), timeoutNanos);
        }

        @Override
        protected boolean mayBeAwaitedAt(final TrieNode n)
        {
            // Called during an attempt, under the handle lock, only for nodes with marks.
            if (held.holdsAtOrBelow(n))
            {
                return true;
            }
            if (needsPublication && !held.isEmpty())
            {
                // A store shared with other processes: a waiter there may wait for this handle's
                // locks unseen by this table, so any lock held may close a cycle (see above).
                return true;
            }
            for (int i = 0, k = held.size(); i < k; i++)
            {
                if (LockTable.isAwaited(held.node(i), this))
                {
                    return true;
                }
            }
            return false;
        }

        /** Leaves the table's queue and the list of acquisitions parked on marks. */
        final void deregister()
        {
            m.table.deregister(this);
            m.markParked.remove(this);
        }

        final long remainingNanos()
        {
            return timeoutNanos < 0 ? Long.MAX_VALUE : deadline - m.clock.nanoTime();
        }

        final int step()
        {
            deregister();
            for (;;)
            {
                int r = attempt(request, this, st);
                if (r == GRANTED)
                {
                    return GRANTED;
                }
                final LockConflict c = describe(st);
                recordConflict(request, c);
                if (timeoutNanos == 0)
                {
                    m.observer.onBusy();
                    throw new LockBusyException(request, c);
                }
                if (record == null)
                {
                    record = new WaitRecord(ownerId(), request.toString(), m.clock.nanoTime(), c);
                    m.waiters.add(record);
                    m.observer.onWait();
                    event = new LockWaitEvent();
                    event.begin();
                }
                record.blockedBy = c;
                if (remainingNanos() <= 0)
                {
                    throw timeout(request, timeoutNanos, c);
                }
                if (!upgradeChecked)
                {
                    // An upgrade across this handle's shared locks may wait only if its wait closes
                    // no cycle of upgrade waits (UpgradeWaits U1): else it fails now, keeping them.
                    upgradeChecked = true;
                    final UpgradeWaits.Wait u = upgradeWait();
                    if (u != null)
                    {
                        final String other = m.upgradeWaits.enter(u);
                        if (other != null)
                        {
                            m.observer.onBusy();
                            throw new LockUpgradeException(request, c, other);
                        }
                        upgradeWait = u;
                    }
                }
                if (r == STORE_BLOCKED)
                {
                    if (!storeUpgradeChecked)
                    {
                        // Across processes the store sees the upgrade waits (M8 of the file store):
                        // the second upgrader of one shared lock fails now, keeping it.
                        storeUpgradeChecked = true;
                        final UpgradeWaits.Wait u = upgradeWait();
                        if (u != null)
                        {
                            final String other = m.store.enterUpgradeWait(ownerId(), u.exclusive);
                            if (other != null)
                            {
                                m.observer.onBusy();
                                throw new LockUpgradeException(request, c, other);
                            }
                            storeUpgradeWait = true;
                        }
                    }
                    storeWaited = true;
                    return AWAIT_STORE;
                }
                if (!m.table.register(this, st.conflict, markKind(st)))
                {
                    continue;
                }
                if (st.conflict.kind() == ConflictKind.PENDING_SUBTREE)
                {
                    // Parked on a mark: a later wait for one of this handle's locks must wake it.
                    lock.lock();
                    try
                    {
                        if (!held.isEmpty())
                        {
                            m.markParked.add(this);
                        }
                    }
                    finally
                    {
                        lock.unlock();
                    }
                }
                else
                {
                    // Blocked by a held lock: its holder may now be awaited (see above).
                    m.wakeMarkParked(this);
                }
                r = attempt(request, this, st);
                if (r == GRANTED)
                {
                    return GRANTED;
                }
                if (r == TABLE_BLOCKED && m.table.registrationCovers(this, st.conflict))
                {
                    return PARK;
                }
                deregister();
            }
        }

        /**
         * The upgrade wait of this request, or null if it is no upgrade: the exclusive entries that
         * meet a shared lock the handle holds, and the handle's shared locks.
         */
        private UpgradeWaits.Wait upgradeWait()
        {
            lock.lock();
            try
            {
                if (held.sharedCount() == 0)
                {
                    return null;
                }
                final List<LockRequest.Entry> shared = new ArrayList<>();
                for (int i = 0, n = held.size(); i < n; i++)
                {
                    if (held.entry(i).isShared())
                    {
                        shared.add(held.entry(i));
                    }
                }
                final List<LockRequest.Entry> exclusive = new ArrayList<>();
                for (final LockRequest.Entry e : request.entries())
                {
                    if (e.isShared())
                    {
                        continue;
                    }
                    for (final LockRequest.Entry h : shared)
                    {
                        if (e.conflictsWith(h))
                        {
                            exclusive.add(e);
                            break;
                        }
                    }
                }
                return exclusive.isEmpty() ? null : new UpgradeWaits.Wait(LockHandle.this, ownerId(), exclusive, shared);
            }
            finally
            {
                lock.unlock();
            }
        }

        /**
         * Drops the registration and marks, tells the store that a wait it refused ended
         * ({@link LockStore#waitEnded}), drops the waiter record, and commits the wait's JFR event.
         */
        final void finishWait(final String outcome)
        {
            if (upgradeWait != null)
            {
                m.upgradeWaits.exit(upgradeWait);
                upgradeWait = null;
            }
            if (storeUpgradeWait)
            {
                storeUpgradeWait = false;
                try
                {
                    m.store.exitUpgradeWait(ownerId());
                }
                catch (final RuntimeException ignore)
                {
                    // The mark's flock goes with the membership at the latest; a stale mark is ignored.
                }
            }
            if (storeWaited)
            {
                // Every end of a wait the store was asked to wait for (LockStore#waitEnded): the
                // store drops the owner's pending marks, so a waiter that gave up blocks no one.
                storeWaited = false;
                try
                {
                    m.store.waitEnded(ownerId());
                }
                catch (final RuntimeException ignore)
                {
                    // A mark left behind only costs fairness until the store closes; never a grant.
                }
            }
            m.table.finish(this);
            m.markParked.remove(this);
            if (record != null)
            {
                m.waiters.remove(record);
                event.outcome = outcome;
                event.owner = ownerId();
                event.request = record.request;
                event.commit();
                record = null;
            }
        }
    }

    /** The blocking driver's acquisition: signals unpark its thread. */
    private final class BlockingAcquisition extends Acquisition
    {
        private final Thread thread;

        BlockingAcquisition(final LockRequest request, final long timeoutNanos, final Thread thread)
        {
            super(request, timeoutNanos);
            this.thread = thread;
        }

        @Override
        protected void onSignal()
        {
            LockSupport.unpark(thread);
        }
    }

    /** The blocking driver: parks the calling thread as the state machine says. */
    private void acquireBlocking(final LockRequest request, final long timeoutNanos) throws InterruptedException
    {
        if (Thread.interrupted())
        {
            throw new InterruptedException("interrupted before acquiring " + request);
        }
        if (!publishMayBlock && tryGrant(request))
        {
            // Uncontended: granted by one attempt on this thread's scratch state, as tryAcquire is,
            // without building the state machine of a wait (a refusal here costs one attempt and
            // records nothing; the state machine then decides, under its own pending-mark rule,
            // which is never stricter than this attempt's).
            return;
        }
        final BlockingAcquisition a = new BlockingAcquisition(request, timeoutNanos, Thread.currentThread());
        String outcome = "failed";
        try
        {
            for (;;)
            {
                final int s = a.step();
                if (s == GRANTED)
                {
                    outcome = "granted";
                    return;
                }
                if (s == AWAIT_STORE)
                {
                    m.store.awaitChange(a.st.store.blocker(), a.remainingNanos());
                }
                else
                {
                    while (!a.isSignalled())
                    {
                        final long remaining = a.remainingNanos();
                        if (remaining <= 0)
                        {
                            throw timeout(request, timeoutNanos, describe(a.st));
                        }
                        if (remaining == Long.MAX_VALUE)
                        {
                            LockSupport.park(this);
                        }
                        else
                        {
                            LockSupport.parkNanos(this, remaining);
                        }
                        if (Thread.interrupted())
                        {
                            outcome = "interrupted";
                            throw new InterruptedException("interrupted while waiting for " + request);
                        }
                    }
                }
                if (Thread.interrupted())
                {
                    outcome = "interrupted";
                    throw new InterruptedException("interrupted while waiting for " + request);
                }
            }
        }
        catch (final LockTimeoutException e)
        {
            outcome = "timeout";
            throw e;
        }
        finally
        {
            a.finishWait(outcome);
        }
    }

    /**
     * The pending mark a blocked waiter places (LockTable invariant 6): a SUBTREE waiter blocked at
     * its own node marks it (exclusive: against everything; shared: against exclusive locks); an
     * exclusive waiter blocked by shared holders of a node marks that node against new shared claims.
     */
    private static int markKind(final AttemptState st)
    {
        final LockRequest.Entry e = st.blockedEntry;
        if (e.type() == LockType.SUBTREE && st.conflict.atTarget())
        {
            return e.isShared() ? LockTable.MARK_EXCLUSIVE : LockTable.MARK_ALL;
        }
        final ConflictKind k = st.conflict.kind();
        if (!e.isShared() && (k == ConflictKind.HELD_POINT_SHARED || k == ConflictKind.HELD_SUBTREE_SHARED))
        {
            return LockTable.MARK_SHARED;
        }
        return LockTable.MARK_NONE;
    }

    private LockTimeoutException timeout(final LockRequest request, final long timeoutNanos, final LockConflict c)
    {
        m.observer.onTimeout();
        return new LockTimeoutException(request, Duration.ofNanos(timeoutNanos), c);
    }

    /** One attempt under the handle lock, for a store whose publication never blocks: whether granted. */
    private boolean tryGrant(final LockRequest request)
    {
        final ThreadState ts = threadState();
        if (trySimple(request, ts))
        {
            return true;
        }
        final AttemptState st = ts.borrowTry(held);
        try
        {
            lock.lock();
            try
            {
                return attemptLocked(request, st.waiter, st) == GRANTED;
            }
            finally
            {
                lock.unlock();
            }
        }
        finally
        {
            ts.giveBack(st);
        }
    }

    /** One attempt of tryAcquire/tryLock: null if granted, else the conflict. */
    private LockConflict tryOnce(final LockRequest request)
    {
        final ThreadState ts = threadState();
        if (trySimple(request, ts))
        {
            return null;
        }
        final AttemptState st = ts.borrowTry(held);
        try
        {
            if (!publishMayBlock)
            {
                lock.lock();
                try
                {
                    return attemptLocked(request, st.waiter, st) == GRANTED ? null : describe(st);
                }
                finally
                {
                    lock.unlock();
                }
            }
            acquiring.lock();
            try
            {
                return attempt(request, st.waiter, st) == GRANTED ? null : describe(st);
            }
            finally
            {
                acquiring.unlock();
            }
        }
        finally
        {
            ts.giveBack(st);
        }
    }

    /**
     * {@link #trySingle} when the request and the store allow it. False when not granted by it:
     * not the simple case, or refused; the full attempt then decides (and describes a conflict).
     */
    private boolean trySimple(final LockRequest request, final ThreadState ts)
    {
        if (needsPublication)
        {
            return false;
        }
        final List<LockRequest.Entry> entries = request.entries();
        return entries.size() == 1 && trySingle(entries.get(0), ts);
    }

    /**
     * The common case of {@link #tryOnce} without its scratch state: one exclusive entry, a handle
     * that holds nothing (so nothing covers, converts or exempts it), a store that publishes nothing.
     * The same table claim, fencing token and bookkeeping as {@link #attemptLocked} and
     * {@link #finishLocked} make for it.
     *
     * @return true if granted; false if refused or not this case (nothing changed: the full attempt
     *         decides).
     */
    private boolean trySingle(final LockRequest.Entry e, final ThreadState ts)
    {
        if (e.isShared())
        {
            return false;
        }
        lock.lock();
        try
        {
            if (closed || !held.isEmpty())
            {
                return false;
            }
            final LockTable.Conflict conflict = ts.singleConflict;
            final TrieNode node = m.table.tryLock(e.path(), e.type(), e.mode(), 0, 0, LockTable.FROM_NONE, null,
                ThreadState.HOLDS_NOTHING, conflict, ts.chains);
            if (node == null)
            {
                conflict.clear();
                return false;
            }
            final IntentChain chain = conflict.chain();
            conflict.clear();
            final long now = m.now();
            if (lastActiveNanos != now)
            {
                lastActiveNanos = now;
            }
            final long token;
            if (tableTokens)
            {
                final TrieNode[] one = ts.oneNode;
                one[0] = node;
                token = m.table.grantToken(one, 1, e.type() == LockType.SUBTREE);
                one[0] = null;
            }
            else
            {
                token = m.store.nextFencingToken();
            }
            LockTable.attachHolder(node, held, token, now);
            held.append(e, node, chain);
            ts.counters.onGrant();
            return true;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * One all-or-nothing attempt: claims in the table, publishes in the store, records the grant.
     *
     * <p>When the store's publication may block (lock files: I/O and up to the race wait), it runs
     * outside the handle's lock, so {@link #close()}, {@link #releaseAll()}, snapshots and
     * heartbeats from other threads are never held up by it; the attempts of one handle are
     * serialised by {@link #acquiring} instead. A release that ran meanwhile (detected by
     * {@link #releaseEpoch}) makes the attempt undo its claims and its publication, then throw if
     * the handle was closed or decide again if it was only released: a request is never granted
     * on the strength of locks it found held before the release. A POINT being upgraded in place is
     * left to the attempt by such a release ({@link HeldSet#isUpgrading}), and undone by it.
     */
    private int attempt(final LockRequest request, final TableWaiter w, final AttemptState st)
    {
        if (!publishMayBlock)
        {
            lock.lock();
            try
            {
                return attemptLocked(request, w, st);
            }
            finally
            {
                lock.unlock();
            }
        }
        acquiring.lock();
        try
        {
            for (;;)
            {
                lock.lock();
                try
                {
                    final int r = claimLocked(request, w, st);
                    if (r != CLAIMED)
                    {
                        return r;
                    }
                }
                finally
                {
                    lock.unlock();
                }
                final LockStore.PublishResult pr = publish(st);
                lock.lock();
                try
                {
                    if (closed || st.epoch != releaseEpoch)
                    {
                        undoLocked(st);
                        if (pr.isGranted())
                        {
                            unpublishQuietly(pr.publication());
                        }
                        if (closed)
                        {
                            throw closedException();
                        }
                        continue;
                    }
                    return finishLocked(st, pr);
                }
                finally
                {
                    lock.unlock();
                }
            }
        }
        finally
        {
            acquiring.unlock();
        }
    }

    /** One attempt entirely under the handle lock, for stores whose publication never blocks. */
    private int attemptLocked(final LockRequest request, final TableWaiter w, final AttemptState st)
    {
        final int r = claimLocked(request, w, st);
        if (r != CLAIMED)
        {
            return r;
        }
        return finishLocked(st, needsPublication ? publish(st) : null);
    }

    private RuntimeException closedException()
    {
        if (lostReason != null)
        {
            return new LockLostException(ownerId(), lostReason);
        }
        return new IllegalStateException("handle " + ownerId() + " is closed");
    }

    /**
     * Claims the request's uncovered entries in the table. Holds the handle lock. Returns GRANTED if
     * everything is covered already, TABLE_BLOCKED (claims undone, conflict in {@code st}), or
     * CLAIMED with the claim in {@code st}.
     */
    private int claimLocked(final LockRequest request, final TableWaiter w, final AttemptState st)
    {
        if (closed)
        {
            throw closedException();
        }
        st.store = null;
        st.blockedEntry = null;
        final List<LockRequest.Entry> entries = request.entries();
        final int n = entries.size();
        final boolean holdsAny = !held.isEmpty();

        st.ensureCapacity(n);
        final LockRequest.Entry[] todo = st.todo;
        int[] ownBelow = null;
        int[] ownBelowX = null;
        int[] from = null;
        TrieNode[][] ownSs = null;
        int k = 0;
        // One exclusive POINT while the handle holds no SUBTREE and no shared lock: it is covered
        // only if the handle holds that very POINT, and then the table refuses it at its node with
        // this handle as the holder. The table answers that (below) instead of the held set's
        // index, whose random accesses made the cost grow with the number of locks held.
        final boolean pointByTable = holdsAny && n == 1 && held.subtreeCount() == 0 && held.sharedCount() == 0
            && entries.get(0).type() == LockType.POINT && !entries.get(0).isShared();
        st.newPoint = pointByTable;
        if (!holdsAny || pointByTable)
        {
            for (int i = 0; i < n; i++)
            {
                todo[i] = entries.get(i);
            }
            k = n;
        }
        else
        {
            ownBelow = st.ownBelow;
            ownBelowX = st.ownBelowExclusive;
            from = st.from;
            ownSs = st.ownSharedSubtrees;
            for (final LockRequest.Entry e : entries)
            {
                if (held.covers(e))
                {
                    continue;
                }
                final int f = held.conversionFrom(e.path());
                LockRequest.Entry target = e;
                if (f >= 0)
                {
                    // Held on this path but not covering: the stronger type and the stronger mode,
                    // each on its own, as a request's builder merges them; never a downgrade.
                    final LockRequest.Entry h = held.entry(held.slotOf(e.path()));
                    final LockType t = h.type() == LockType.SUBTREE || e.type() == LockType.SUBTREE ? LockType.SUBTREE : LockType.POINT;
                    target = new LockRequest.Entry(e.path(), t, h.mode().max(e.mode()));
                }
                from[k] = f < 0 ? LockTable.FROM_NONE : f;
                if (target.type() == LockType.SUBTREE)
                {
                    ownBelow[k] = held.countBelow(e.path());
                    ownBelowX[k] = held.countExclusiveBelow(e.path());
                }
                else
                {
                    ownBelow[k] = 0;
                    ownBelowX[k] = 0;
                }
                ownSs[k] = target.isShared() ? null : held.sharedSubtreesAbove(e.path());
                todo[k++] = target;
            }
        }
        final long now = m.now();
        if (lastActiveNanos != now)
        {
            // The cached clock moves every few ms: most grants skip this volatile write.
            lastActiveNanos = now;
        }
        if (k == 0)
        {
            clearClaim(st);
            return GRANTED;
        }

        final LockTable table = m.table;
        final TrieNode[] nodes = st.nodes;
        final IntentChain[] chains = st.chains;
        final ChainCache cache = (st.owner != null ? st.owner : threadState()).chains;
        st.cache = cache;
        st.upgrading = from != null;
        st.epoch = releaseEpoch;
        st.now = now;
        for (int i = 0; i < k; i++)
        {
            final LockRequest.Entry e = todo[i];
            final int f = from == null ? LockTable.FROM_NONE : from[i];
            // An exclusive entry below a SUBTREE-SHARED entry of the same batch: that SUBTREE-SHARED is
            // the handle's own (claimed above, attached only when the batch is granted), as if held.
            final TrieNode[] batchSs = i > 0 && !e.isShared() ? batchSharedSubtreesAbove(todo, nodes, i, from == null ? null : ownSs[i]) : null;
            final TrieNode node = from == null && batchSs == null
                ? table.tryLock(e.path(), e.type(), e.mode(), 0, 0, LockTable.FROM_NONE, null, w, st.conflict, cache)
                : from == null
                ? table.tryLock(e.path(), e.type(), e.mode(), 0, 0, LockTable.FROM_NONE, batchSs, w, st.conflict, cache)
                : table.tryLock(e.path(), e.type(), e.mode(), ownBelow[i], ownBelowX[i], f, batchSs != null ? batchSs : ownSs[i], w,
                    st.conflict, cache);
            if (node == null)
            {
                st.count = i;
                undoLocked(st);
                if (pointByTable && st.conflict.atTarget() && st.conflict.node().holder() == held)
                {
                    // Reentrant: this handle holds this POINT already (H1: no second entry).
                    st.conflict.clear();
                    return GRANTED;
                }
                st.blockedEntry = e;
                return TABLE_BLOCKED;
            }
            nodes[i] = node;
            if (f != LockTable.FROM_NONE)
            {
                // The converted lock keeps the chain it took; a release meanwhile leaves both to this attempt.
                final int slot = held.slotOf(e.path());
                held.setUpgrading(slot, true);
                chains[i] = held.chain(slot);
            }
            else
            {
                chains[i] = st.conflict.chain();
            }
        }
        st.count = k;
        st.published = !needsPublication ? null : k == n && from == null ? entries : List.of(Arrays.copyOf(todo, k));
        return CLAIMED;
    }

    /**
     * The nodes of the batch's SUBTREE-SHARED entries claimed before entry {@code i} on strict
     * ancestors of its path, added to {@code held} (the held ones), or null if there are none.
     */
    private static TrieNode[] batchSharedSubtreesAbove(final LockRequest.Entry[] todo, final TrieNode[] nodes, final int i,
        final TrieNode[] held)
    {
        TrieNode[] out = null;
        final LockPath p = todo[i].path();
        for (int j = 0; j < i; j++)
        {
            final LockRequest.Entry a = todo[j];
            if (a.type() == LockType.SUBTREE && a.isShared() && a.path().isAncestorOf(p))
            {
                if (out == null)
                {
                    out = held == null ? new TrieNode[] {nodes[j]} : Arrays.copyOf(held, held.length + 1);
                    out[out.length - 1] = nodes[j];
                }
                else
                {
                    out = Arrays.copyOf(out, out.length + 1);
                    out[out.length - 1] = nodes[j];
                }
            }
        }
        return out;
    }

    /** Publishes a claim in the store; undoes the claim if the store throws. */
    private LockStore.PublishResult publish(final AttemptState st)
    {
        try
        {
            return m.store.tryPublish(ownerId(), st.published);
        }
        catch (final RuntimeException e)
        {
            lock.lock();
            try
            {
                undoLocked(st);
            }
            finally
            {
                lock.unlock();
            }
            if (e instanceof LockStoreException)
            {
                throw e;
            }
            throw new LockStoreException("store " + m.store.describe() + " failed to publish " + st.published + ": " + e, e);
        }
    }

    /** Records a granted claim, or undoes a refused one. Holds the handle lock. */
    private int finishLocked(final AttemptState st, final LockStore.PublishResult pr)
    {
        if (pr != null && !pr.isGranted())
        {
            undoLocked(st);
            st.store = pr;
            return STORE_BLOCKED;
        }
        // Taken after every claim and before any release: a grant that happens before a
        // conflicting grant gets the smaller token (DESIGN §2).
        final int k = st.count;
        final long token;
        if (tableTokens)
        {
            boolean subtree = false;
            for (int i = 0; i < k; i++)
            {
                subtree |= st.todo[i].type() == LockType.SUBTREE;
            }
            token = m.table.grantToken(st.nodes, k, subtree);
        }
        else
        {
            token = m.store.nextFencingToken();
        }
        for (int i = 0; i < k; i++)
        {
            final LockRequest.Entry e = st.todo[i];
            if (st.newPoint)
            {
                // The table granted it, so the handle did not hold it: a new entry, no lookup.
                LockTable.attachHolder(st.nodes[i], held, token, st.now);
                held.append(e, st.nodes[i], st.chains[i]);
                continue;
            }
            final int f = st.upgrading ? st.from[i] : LockTable.FROM_NONE;
            if (!e.isShared() && (f == LockTable.FROM_POINT_SHARED || f == LockTable.FROM_SUBTREE_SHARED))
            {
                // Shared to exclusive: the old lock's shared intent on the ancestors goes now.
                m.table.finishConversion(st.nodes[i]);
            }
            if (e.isShared())
            {
                LockTable.attachSharedHolder(st.nodes[i], held, token, st.now);
                held.setSharedGrant(held.put(e, st.nodes[i], st.chains[i]), token, st.now);
            }
            else
            {
                LockTable.attachHolder(st.nodes[i], held, token, st.now);
                held.put(e, st.nodes[i], st.chains[i]);
            }
        }
        if (pr != null)
        {
            if (publications == null)
            {
                publications = new ArrayList<>(2);
            }
            publications.add(pr.publication());
        }
        (st.owner != null ? st.owner : threadState()).counters.onGrant();
        clearClaim(st);
        return GRANTED;
    }

    /**
     * Undoes the first {@code st.count} claims, last first. An upgrade goes back to the POINT the
     * handle still holds, or, if a release ran since the claim, is unlocked: that release left the
     * node to this attempt. Holds the handle lock.
     */
    private void undoLocked(final AttemptState st)
    {
        final boolean released = st.epoch != releaseEpoch;
        final ChainCache cache = st.cache;
        for (int j = st.count - 1; j >= 0; j--)
        {
            final LockRequest.Entry e = st.todo[j];
            final int f = st.upgrading ? st.from[j] : LockTable.FROM_NONE;
            if (f != LockTable.FROM_NONE && !released)
            {
                m.table.revertConversion(st.nodes[j], f, e.type(), e.mode());
                held.setUpgrading(held.slotOf(e.path()), false);
            }
            else
            {
                if (!e.isShared() && (f == LockTable.FROM_POINT_SHARED || f == LockTable.FROM_SUBTREE_SHARED))
                {
                    m.table.finishConversion(st.nodes[j]);
                }
                m.table.unlock(st.nodes[j], e.path(), e.type(), e.mode(), held, st.chains[j], cache);
            }
        }
        clearClaim(st);
    }

    private static void clearClaim(final AttemptState st)
    {
        final int n = Math.max(st.count, st.filled);
        for (int i = 0; i < n; i++)
        {
            // A loop, not Arrays.fill: n is almost always 1 or 2.
            st.todo[i] = null;
            st.nodes[i] = null;
            st.chains[i] = null;
        }
        st.cache = null;
        st.count = 0;
        st.filled = 0;
        st.upgrading = false;
        st.published = null;
    }

    private void unpublishQuietly(final LockStore.Publication p)
    {
        try
        {
            m.store.unpublish(p);
        }
        catch (final RuntimeException e)
        {
            m.backgroundError("removing a publication of " + ownerId() + " granted while it was released", e);
        }
    }

    private void releaseAllLocked(final String reason)
    {
        LockStoreException failure = null;
        for (int j = 0, np = publications == null ? 0 : publications.size(); j < np; j++)
        {
            final LockStore.Publication p = publications.get(j);
            try
            {
                m.store.unpublish(p);
            }
            catch (final RuntimeException e)
            {
                if (failure == null)
                {
                    failure = e instanceof LockStoreException ? (LockStoreException)e :
                        new LockStoreException("store " + m.store.describe() + " failed to unpublish " + p.entries(), e);
                }
            }
        }
        if (publications != null)
        {
            publications.clear();
        }
        final boolean had = !held.isEmpty();
        releaseEpoch++;
        final boolean emit = had && holdEventEnabled();
        final long now = emit ? m.clock.nanoTime() : 0;
        final String owner = emit ? ownerId() : null;
        final ThreadState ts = had ? threadState() : null;
        final ChainCache cache = had ? ts.chains : null;
        for (int i = 0, n = held.size(); i < n; i++)
        {
            if (!held.isUpgrading(i))
            {
                // A node being upgraded in place is left to the attempt in flight (see attempt()).
                final LockRequest.Entry e = held.entry(i);
                m.table.unlock(held.node(i), e.path(), e.type(), e.mode(), held, held.chain(i), cache);
            }
            if (emit)
            {
                final HeldLock info = held.info(i, owner);
                final LockHoldEvent e = new LockHoldEvent();
                e.owner = owner;
                e.path = info.path().toString();
                e.type = info.type().name();
                e.mode = info.mode().name();
                e.fencingToken = info.fencingToken();
                e.heldFor = now - info.acquiredNanos();
                e.reason = reason;
                e.commit();
            }
        }
        held.clear();
        if (had)
        {
            ts.counters.onRelease();
        }
        if (failure != null)
        {
            throw failure;
        }
    }

    private LockConflict describe(final AttemptState st)
    {
        if (st.store != null)
        {
            return st.store.conflict();
        }
        return describeTable(st);
    }

    private LockConflict describeTable(final AttemptState st)
    {
        final long now = m.clock.nanoTime();
        final TrieNode n = st.conflict.node();
        final ConflictKind kind = st.conflict.kind();
        switch (kind)
        {
            case HELD_POINT:
            case HELD_SUBTREE:
            case HELD_POINT_SHARED:
            case HELD_SUBTREE_SHARED:
            {
                final LockType type = n.heldType();
                final LockMode mode = n.heldMode();
                LockOwner o = n.holder();
                if (o == null && mode == LockMode.SHARED)
                {
                    // The shared holder named on the node released; others still hold it.
                    o = otherSharedHolder(n);
                }
                final long since = n.grantNanos();
                if (o != null && type != null && mode != null)
                {
                    return new LockConflict(n.pathString(), LockConflict.Reason.HELD, o.ownerId(), type,
                        Math.max(0, now - since), "memory", mode);
                }
                final boolean sharedKind = kind == ConflictKind.HELD_POINT_SHARED || kind == ConflictKind.HELD_SUBTREE_SHARED;
                return new LockConflict(n.pathString(), LockConflict.Reason.HELD, null,
                    kind == ConflictKind.HELD_POINT || kind == ConflictKind.HELD_POINT_SHARED ? LockType.POINT : LockType.SUBTREE,
                    -1, "memory", sharedKind ? LockMode.SHARED : LockMode.EXCLUSIVE);
            }
            case HELD_BELOW:
            {
                final TrieNode below = m.table.findHeldBelow(n, 256);
                final LockOwner o = below == null ? null : below.holder();
                final long since = below == null ? 0 : below.grantNanos();
                final LockType type = below == null ? null : below.heldType();
                final LockMode mode = below == null ? null : below.heldMode();
                if (o != null && type != null && mode != null)
                {
                    return new LockConflict(below.pathString(), LockConflict.Reason.HELD, o.ownerId(), type,
                        Math.max(0, now - since), "memory", mode);
                }
                return new LockConflict(n.pathString(), LockConflict.Reason.HELD_BELOW, null, null, -1, "memory");
            }
            default:
                return new LockConflict(n.pathString(), LockConflict.Reason.PENDING, null, LockType.SUBTREE, -1, "memory");
        }
    }

    /**
     * Another open handle that holds {@code n} shared, for a conflict report when the node names no
     * holder (a node names the last shared holder to attach, and forgets it when that one releases
     * while others still hold). Rare, and O(open handles): only handles whose lock is free now are
     * asked, so that a report never waits for, or deadlocks with, another handle.
     */
    private LockOwner otherSharedHolder(final TrieNode n)
    {
        final LockPath p = LockPath.parse(n.pathString());
        for (final LockHandle h : m.handles.openHandles())
        {
            if (h == this || !h.lock.tryLock())
            {
                continue;
            }
            try
            {
                final int slot = h.held.slotOf(p);
                if (slot >= 0 && h.held.node(slot) == n && h.held.entry(slot).isShared())
                {
                    return h.held;
                }
            }
            finally
            {
                h.lock.unlock();
            }
        }
        return null;
    }

    private void recordConflict(final LockRequest request, final LockConflict c)
    {
        m.observer.onConflict(m.clock.nanoTime(), ownerId(), request.toString(), c);
        final LockConflictEvent e = new LockConflictEvent();
        if (e.shouldCommit())
        {
            e.request = request.toString();
            e.path = c.path();
            e.reason = c.reason().name();
            e.holder = c.holderOwnerId();
            e.commit();
        }
    }

    private static long saturatedAdd(final long a, final long b)
    {
        final long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    /**
     * The asynchronous driver: an acquisition into this (fresh) handle whose signals schedule the
     * next step on the manager's executor, so no thread is parked while it waits.
     */
    private final class AsyncAcquisition extends Acquisition implements Runnable
    {
        private final CompletableFuture<LockHandle> future;
        private Future<?> timeoutTask;
        private boolean done;

        AsyncAcquisition(final LockRequest request, final CompletableFuture<LockHandle> future, final long timeoutNanos)
        {
            super(request, timeoutNanos);
            this.future = future;
        }

        void start()
        {
            run();
            synchronized (this)
            {
                if (!done && timeoutNanos > 0)
                {
                    timeoutTask = m.scheduler.schedule(this::onTimeout, timeoutNanos, LockManager.NANOS);
                }
            }
        }

        @Override
        protected void onSignal()
        {
            m.asyncExecutor.execute(this);
        }

        @Override
        public synchronized void run()
        {
            if (done)
            {
                return;
            }
            try
            {
                final int s = step();
                if (s == GRANTED)
                {
                    granted();
                }
                else if (s == AWAIT_STORE)
                {
                    m.store.onChange(st.store.blocker(), Math.max(0, remainingNanos()))
                        .whenComplete((v, ex) -> m.asyncExecutor.execute(this));
                }
                // PARK: the table's signal runs the next step.
            }
            catch (final RuntimeException e)
            {
                fail(e);
            }
        }

        private void granted()
        {
            end("granted");
            if (!future.complete(LockHandle.this))
            {
                close();
            }
        }

        private void fail(final Throwable t)
        {
            end(t instanceof LockTimeoutException ? "timeout" : t instanceof LockBusyException ? "busy" : "failed");
            close();
            future.completeExceptionally(t);
        }

        private void end(final String outcome)
        {
            done = true;
            finishWait(outcome);
            if (timeoutTask != null)
            {
                timeoutTask.cancel(false);
            }
        }

        synchronized void onTimeout()
        {
            if (done)
            {
                return;
            }
            final WaitRecord r = record;
            fail(timeout(request, timeoutNanos, r == null ? null : r.blockedBy));
        }

        synchronized void abandon()
        {
            if (done)
            {
                close();
                return;
            }
            end("cancelled");
            close();
        }
    }
}

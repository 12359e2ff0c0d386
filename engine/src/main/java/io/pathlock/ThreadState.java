package io.pathlock;

import io.pathlock.table.ChainCache;
import io.pathlock.table.TableWaiter;
import io.pathlock.table.TrieNode;

/**
 * What one thread keeps per manager so that the hot path allocates nothing and shares no written
 * cache line with other threads: the grant and release counters, its cached intent chains, the scratch state of
 * {@code tryAcquire}/{@code tryLock} attempts, the registry stripe it adds handles to, and a block of
 * handle ids.
 *
 * <p>Owned by one thread (kept in {@code LockManager}'s per-thread context); never handed to another.
 * It refers to no manager and to nothing of a handle between attempts, so that a manager nobody
 * uses any more can be collected although threads that used it live on. The scratch
 * state is used by one attempt at a time: {@link #borrowTry} hands out a fresh one when an attempt
 * runs inside another on the same thread.
 */
final class ThreadState
{
    /** Handle ids taken from the manager's counter at a time. */
    static final int ID_BLOCK = 1024;

    /** The thread that owns this state. */
    final Thread thread = Thread.currentThread();
    final Observer.Local counters;
    /** This thread's cached intent chains of the manager's lock table. */
    final ChainCache chains;
    int stripe;
    long nextId;
    long idLimit;
    /**
     * The waiter of a try attempt by a handle that holds nothing: exempt from no pending mark
     * (it holds nothing anyone may wait for). Never registered, never signalled.
     */
    static final TryWaiter HOLDS_NOTHING = new TryWaiter();
    /** The conflict of LockHandle's single-entry attempt (no user code runs during it: no nesting). */
    final io.pathlock.table.LockTable.Conflict singleConflict = new io.pathlock.table.LockTable.Conflict();
    /** A one-node array for the fencing token of that attempt. */
    final io.pathlock.table.TrieNode[] oneNode = new io.pathlock.table.TrieNode[1];
    private final LockHandle.AttemptState tryState = new LockHandle.AttemptState();
    private final TryWaiter tryWaiter = new TryWaiter();
    private boolean tryInUse;

    ThreadState(final Observer.Local counters, final ChainCache chains, final int stripe)
    {
        this.counters = counters;
        this.chains = chains;
        this.stripe = stripe;
        tryState.owner = this;
    }

    /**
     * The waiter of tryAcquire/tryLock: never registered, never signalled. Pending marks (LockTable
     * invariant 6): an attempt that never waits respects a SUBTREE waiter's mark unless the handle
     * holds a lock on or below the marked node (which the waiter may be waiting for); it cannot
     * close a wait cycle because it does not wait.
     */
    static final class TryWaiter extends TableWaiter
    {
        HeldSet held;

        @Override
        protected void onSignal()
        {
        }

        @Override
        protected boolean mayBeAwaitedAt(final TrieNode n)
        {
            return held != null && held.holdsAtOrBelow(n);
        }
    }

    /**
     * Borrows the scratch state for one try attempt; give it back with {@link #giveBack}.
     *
     * @param held the held set of the handle attempting.
     * @return this thread's scratch, or a fresh one if it is in use (an attempt inside an attempt).
     */
    LockHandle.AttemptState borrowTry(final HeldSet held)
    {
        if (tryInUse)
        {
            final LockHandle.AttemptState st = new LockHandle.AttemptState();
            st.waiter = new TryWaiter();
            st.waiter.held = held;
            st.owner = this;
            return st;
        }
        tryInUse = true;
        tryWaiter.held = held;
        tryState.waiter = tryWaiter;
        return tryState;
    }

    /**
     * Gives back what {@link #borrowTry} lent.
     *
     * @param st the state.
     */
    void giveBack(final LockHandle.AttemptState st)
    {
        if (st == tryState)
        {
            // Nothing of the attempt stays reachable from here (a state outlives its manager's
            // handles and must not keep them, or their manager, alive).
            tryWaiter.held = null;
            tryState.conflict.clear();
            tryState.blockedEntry = null;
            tryState.store = null;
            tryInUse = false;
        }
    }
}

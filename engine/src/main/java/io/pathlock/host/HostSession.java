package io.pathlock.host;

import io.pathlock.core.LockConflict;
import io.pathlock.core.LockRequest;

import java.util.List;

/**
 * One session's view of a {@link HostTable}: a slot, its kernel lock and its contribution records.
 * Locks of one session never conflict with each other (the process's own lock table arbitrates its
 * threads before the host table is asked).
 *
 * <p>Thread-safety: thread-safe (requests of several threads of the process may run at once).
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

    private HostSession()
    {
    }

    /**
     * This session's slot number.
     *
     * @return the slot.
     */
    public int slot()
    {
        throw new UnsupportedOperationException("skeleton");
    }

    /**
     * Takes a batch of locks, all or nothing, without waiting.
     *
     * @param entries normalised entries (as the store SPI receives them).
     * @return the grant or the conflict.
     * @throws io.pathlock.core.LockStoreException when the table is full (the message names the
     *         capacity) or this session's records are exhausted; nothing stays raised.
     */
    public Result tryAcquire(final List<LockRequest.Entry> entries)
    {
        throw new UnsupportedOperationException("skeleton");
    }

    /**
     * Releases a grant. Idempotent.
     *
     * @param grant what {@link #tryAcquire} granted.
     */
    public void release(final Grant grant)
    {
        throw new UnsupportedOperationException("skeleton");
    }

    /**
     * Whether a grant is still intact (false after its session was broken by {@code pathlock break --force}).
     *
     * @param grant a grant of this session.
     * @return true when intact.
     */
    public boolean isIntact(final Grant grant)
    {
        throw new UnsupportedOperationException("skeleton");
    }

    /**
     * Marks this session as waiting on a blocker, so that new requests of other sessions that would
     * starve it are refused (pending marks); {@link #clearMarks()} removes every mark of the session.
     *
     * @param blocker a blocker of a refusal of this session.
     */
    public void markPending(final Blocker blocker)
    {
        throw new UnsupportedOperationException("skeleton");
    }

    /** Removes every pending mark of this session. Idempotent. */
    public void clearMarks()
    {
        throw new UnsupportedOperationException("skeleton");
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
        throw new UnsupportedOperationException("skeleton");
    }

    /** Releases everything this session holds and frees its slot. */
    @Override
    public void close()
    {
        throw new UnsupportedOperationException("skeleton");
    }
}

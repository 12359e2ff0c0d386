package io.pathlock.observe;

import io.pathlock.core.HeldLock;
import io.pathlock.core.LockConflict;

import java.util.List;

/**
 * A point-in-time view of one lock manager: live handles with their locks, waiters, recent
 * conflicts and counters. Immutable; built by {@code LockManager.snapshot()}.
 *
 * @param store the store description.
 * @param takenNanos when it was taken, on the manager's monotonic clock.
 * @param taken when it was taken, on the wall clock; {@link #at(long)} converts every other
 *        {@code ...Nanos} time of the snapshot with it.
 * @param handles open handles.
 * @param waiters acquisitions waiting now.
 * @param recentConflicts recent conflicts, oldest first.
 * @param counters the counters.
 * @param trieNodes nodes in the lock table.
 */
public record LockSnapshot(
    String store,
    long takenNanos,
    java.time.Instant taken,
    List<HandleInfo> handles,
    List<WaiterInfo> waiters,
    List<ConflictRecord> recentConflicts,
    LockCounters counters,
    long trieNodes)
{
    /**
     * The wall-clock time of a monotonic time in this snapshot (an opening, an acquisition, a
     * conflict), computed from the offset between the two clocks when the snapshot was taken.
     *
     * @param monotonicNanos a time on the manager's monotonic clock.
     * @return the corresponding instant.
     */
    public java.time.Instant at(final long monotonicNanos)
    {
        return taken.minusNanos(takenNanos - monotonicNanos);
    }

    /**
     * One open handle.
     *
     * @param ownerId the owner id.
     * @param locks its locks with their fencing tokens.
     * @param openedNanos when it was opened.
     * @param lastActiveNanos its last activity (acquire or touch).
     * @param lostReason why it lost its locks, or null.
     */
    public record HandleInfo(String ownerId, List<HeldLock> locks, long openedNanos, long lastActiveNanos,
        String lostReason)
    {
    }

    /**
     * One waiting acquisition.
     *
     * @param ownerId the waiting handle's owner id.
     * @param request what it waits for.
     * @param sinceNanos when it started waiting.
     * @param blockedBy the last conflict it saw, or null.
     */
    public record WaiterInfo(String ownerId, String request, long sinceNanos, LockConflict blockedBy)
    {
    }
}

package io.pathlock;

import io.pathlock.core.LockConflict;
import io.pathlock.observe.ConflictRecord;
import io.pathlock.observe.LockCounters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters and a bounded ring of recent conflicts for one lock manager (internal). The manager
 * records into it; {@code LockManager.snapshot()} reads it together with the live handles and waiters.
 *
 * <p>Thread-safe. Recording is wait-free: counters are {@link LongAdder}s and the ring overwrites
 * its oldest slot.
 */
final class Observer
{
    /** Default capacity of the recent-conflict ring. */
    static final int RECENT_CONFLICTS_DEFAULT = 256;

    private final LongAdder grants = new LongAdder();
    private final LongAdder releases = new LongAdder();
    private final LongAdder busy = new LongAdder();
    private final LongAdder waits = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder conflicts = new LongAdder();
    private final LongAdder collected = new LongAdder();
    private final LongAdder lost = new LongAdder();
    private final LongAdder backgroundErrors = new LongAdder();
    private final AtomicReferenceArray<ConflictRecord> ring;
    private final AtomicLong ringSequence = new AtomicLong();

    /**
     * Creates an observer.
     *
     * @param recentConflicts capacity of the recent-conflict ring (at least 1).
     */
    Observer(final int recentConflicts)
    {
        if (recentConflicts < 1)
        {
            throw new IllegalArgumentException("recentConflicts must be at least 1, got " + recentConflicts);
        }
        ring = new AtomicReferenceArray<>(recentConflicts);
    }

    /** Records a granted batch. */
    void onGrant()
    {
        grants.increment();
    }

    /** Records a handle released with locks. */
    void onRelease()
    {
        releases.increment();
    }

    /** Records a tryAcquire refusal. */
    void onBusy()
    {
        busy.increment();
    }

    /** Records an acquisition that starts waiting. */
    void onWait()
    {
        waits.increment();
    }

    /** Records a timeout. */
    void onTimeout()
    {
        timeouts.increment();
    }

    /** Records a handle collected for inactivity. */
    void onCollected()
    {
        collected.increment();
    }

    /** Records a handle that lost its locks. */
    void onLost()
    {
        lost.increment();
    }

    /** Records a failure in background work. */
    void onBackgroundError()
    {
        backgroundErrors.increment();
    }

    /**
     * Records a conflict.
     *
     * @param atNanos when.
     * @param ownerId who was refused.
     * @param request what was refused.
     * @param conflict why.
     */
    void onConflict(final long atNanos, final String ownerId, final String request, final LockConflict conflict)
    {
        conflicts.increment();
        final long seq = ringSequence.getAndIncrement();
        ring.set((int)(seq % ring.length()), new ConflictRecord(atNanos, ownerId, request, conflict));
    }

    /**
     * The counters now.
     *
     * @return a copy.
     */
    LockCounters counters()
    {
        return new LockCounters(grants.sum(), releases.sum(), busy.sum(), waits.sum(), timeouts.sum(),
            conflicts.sum(), collected.sum(), lost.sum(), backgroundErrors.sum());
    }

    /**
     * The most recent conflicts, oldest first, at most the ring's capacity.
     *
     * @return a new list.
     */
    List<ConflictRecord> recentConflicts()
    {
        final long end = ringSequence.get();
        final int cap = ring.length();
        final long start = Math.max(0, end - cap);
        final List<ConflictRecord> out = new ArrayList<>((int)(end - start));
        for (long s = start; s < end; s++)
        {
            final ConflictRecord r = ring.get((int)(s % cap));
            if (r != null)
            {
                out.add(r);
            }
        }
        return out;
    }
}

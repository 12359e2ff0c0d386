package io.pathlock.observe;

import io.pathlock.LockConflict;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters and a bounded ring of recent conflicts for one lock manager. The manager records into
 * it; {@code LockManager.snapshot()} reads it together with the live handles and waiters.
 *
 * <p>Thread-safe. Recording is wait-free: counters are {@link LongAdder}s and the ring overwrites
 * its oldest slot.
 */
public final class LockObserver
{
    /** Default capacity of the recent-conflict ring. */
    public static final int RECENT_CONFLICTS_DEFAULT = 256;

    /**
     * One refused request.
     *
     * @param atNanos when, on the manager's nano clock.
     * @param ownerId the refused handle's owner id.
     * @param request the refused request.
     * @param conflict what refused it.
     */
    public record ConflictRecord(long atNanos, String ownerId, String request, LockConflict conflict)
    {
    }

    /**
     * A copy of the counters.
     *
     * @param grants batches granted (reentrant no-ops excluded).
     * @param releases handles released with locks.
     * @param busy tryAcquire refusals.
     * @param waits acquisitions that had to wait at least once.
     * @param timeouts acquisitions that timed out.
     * @param conflicts conflicts seen (each refused attempt).
     * @param collected handles collected for inactivity.
     * @param lost handles that learned they lost their locks (collected, or lost in the store).
     */
    public record Counters(long grants, long releases, long busy, long waits, long timeouts, long conflicts,
        long collected, long lost)
    {
    }

    private final LongAdder grants = new LongAdder();
    private final LongAdder releases = new LongAdder();
    private final LongAdder busy = new LongAdder();
    private final LongAdder waits = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder conflicts = new LongAdder();
    private final LongAdder collected = new LongAdder();
    private final LongAdder lost = new LongAdder();
    private final AtomicReferenceArray<ConflictRecord> ring;
    private final AtomicLong ringSequence = new AtomicLong();

    /**
     * Creates an observer.
     *
     * @param recentConflicts capacity of the recent-conflict ring (at least 1).
     */
    public LockObserver(final int recentConflicts)
    {
        if (recentConflicts < 1)
        {
            throw new IllegalArgumentException("recentConflicts must be at least 1, got " + recentConflicts);
        }
        ring = new AtomicReferenceArray<>(recentConflicts);
    }

    /** Records a granted batch. */
    public void onGrant()
    {
        grants.increment();
    }

    /** Records a handle released with locks. */
    public void onRelease()
    {
        releases.increment();
    }

    /** Records a tryAcquire refusal. */
    public void onBusy()
    {
        busy.increment();
    }

    /** Records an acquisition that starts waiting. */
    public void onWait()
    {
        waits.increment();
    }

    /** Records a timeout. */
    public void onTimeout()
    {
        timeouts.increment();
    }

    /** Records a handle collected for inactivity. */
    public void onCollected()
    {
        collected.increment();
    }

    /** Records a handle that lost its locks. */
    public void onLost()
    {
        lost.increment();
    }

    /**
     * Records a conflict.
     *
     * @param atNanos when.
     * @param ownerId who was refused.
     * @param request what was refused.
     * @param conflict why.
     */
    public void onConflict(final long atNanos, final String ownerId, final String request, final LockConflict conflict)
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
    public Counters counters()
    {
        return new Counters(grants.sum(), releases.sum(), busy.sum(), waits.sum(), timeouts.sum(),
            conflicts.sum(), collected.sum(), lost.sum());
    }

    /**
     * The most recent conflicts, oldest first, at most the ring's capacity.
     *
     * @return a new list.
     */
    public List<ConflictRecord> recentConflicts()
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

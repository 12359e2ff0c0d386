package io.pathlock;

import io.pathlock.core.LockConflict;
import io.pathlock.observe.ConflictRecord;
import io.pathlock.observe.LockCounters;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters and a bounded ring of recent conflicts for one lock manager (internal). The manager
 * records into it; {@code LockManager.snapshot()} reads it together with the live handles and waiters.
 *
 * <p>Thread-safe. Recording is wait-free: the counters of every grant and release are per thread
 * ({@link Local}: a plain increment published with an opaque write, no atomic instruction on the
 * hot path), the rarer ones are {@link LongAdder}s, and the ring overwrites its oldest slot.
 */
final class Observer
{
    /**
     * The grant and release counters of one thread: written only by that thread, read by
     * {@link #counters()} from any thread (opaque accesses: never torn, eventually visible).
     */
    static final class Local
    {
        private static final VarHandle GRANTS;
        private static final VarHandle RELEASES;

        static
        {
            try
            {
                final MethodHandles.Lookup l = MethodHandles.lookup();
                GRANTS = l.findVarHandle(Local.class, "grants", long.class);
                RELEASES = l.findVarHandle(Local.class, "releases", long.class);
            }
            catch (final ReflectiveOperationException e)
            {
                throw new ExceptionInInitializerError(e);
            }
        }

        private long grants;
        private long releases;
        /** The owning thread, weakly: a dead thread's counts are folded into the totals and its Local dropped. */
        private final java.lang.ref.WeakReference<Thread> owner = new java.lang.ref.WeakReference<>(Thread.currentThread());

        boolean ownerGone()
        {
            final Thread t = owner.get();
            return t == null || !t.isAlive();
        }

        /** Records a granted batch (owning thread only). */
        void onGrant()
        {
            GRANTS.setOpaque(this, grants + 1);
        }

        /** Records a handle released with locks (owning thread only). */
        void onRelease()
        {
            RELEASES.setOpaque(this, releases + 1);
        }
    }

    private final java.util.concurrent.CopyOnWriteArrayList<Local> locals = new java.util.concurrent.CopyOnWriteArrayList<>();
    // The counts of threads that ended, folded in by prune().
    private final LongAdder retiredGrants = new LongAdder();
    private final LongAdder retiredReleases = new LongAdder();
    /** Default capacity of the recent-conflict ring. */
    static final int RECENT_CONFLICTS_DEFAULT = 256;

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

    /**
     * The counters of a new thread, registered for {@link #counters()}.
     *
     * @return them.
     */
    Local newLocal()
    {
        final Local l = new Local();
        locals.add(l);
        final int n = locals.size();
        if (n >= 64 && Integer.bitCount(n) == 1)
        {
            // Amortised: a process that keeps starting threads does not keep every dead one's counters.
            prune();
        }
        return l;
    }

    /** Number of per-thread counters kept (for tests). */
    int localCount()
    {
        return locals.size();
    }

    /** Folds the counters of threads that ended into the totals and drops them. */
    private synchronized void prune()
    {
        for (final Local l : locals)
        {
            if (l.ownerGone() && locals.remove(l))
            {
                retiredGrants.add((long)Local.GRANTS.getOpaque(l));
                retiredReleases.add((long)Local.RELEASES.getOpaque(l));
            }
        }
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
    synchronized LockCounters counters()
    {
        prune();
        long grants = retiredGrants.sum();
        long releases = retiredReleases.sum();
        for (final Local l : locals)
        {
            grants += (long)Local.GRANTS.getOpaque(l);
            releases += (long)Local.RELEASES.getOpaque(l);
        }
        return new LockCounters(grants, releases, busy.sum(), waits.sum(), timeouts.sum(),
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

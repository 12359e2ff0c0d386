package io.pathlock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The mutual exclusion of one {@link LockHandle}'s operations: reentrant, one CAS to lock and a
 * release store (no fence) to unlock, where a monitor costs two CAS and {@code ReentrantLock} a CAS
 * and a fenced store. The handle's critical sections are short and almost never contended (the
 * same handle used from two threads at once, {@code close()} or a snapshot during an acquisition),
 * so a contender does not queue: it spins briefly, then yields, then parks for growing intervals
 * (up to {@link #MAX_PARK_NANOS}) and tries again. Nobody needs waking, which is what lets the
 * unlock skip the fence; the price is that a thread that finds the lock taken for long (a lock-file
 * heartbeat doing I/O) polls it.
 *
 * <ul>
 * <li>L1: {@code state} is 1 exactly while some thread holds the lock; it goes 0 -&gt; 1 by CAS
 *     (acquire) and 1 -&gt; 0 by a release store by the holder only, so everything the holder wrote
 *     happens before the next holder's CAS.</li>
 * <li>L2: {@code owner} (the holder's thread id) and {@code holds} are written only by the holder,
 *     while it holds the lock; a thread reads {@code owner == its own id} only while it holds the
 *     lock (no other thread ever writes its id there).</li>
 * </ul>
 *
 * <p>Thread-safe.
 */
final class HandleLock
{
    /** Longest single park of a waiting thread. */
    static final long MAX_PARK_NANOS = 1_000_000;

    private static final VarHandle STATE;

    static
    {
        try
        {
            STATE = MethodHandles.lookup().findVarHandle(HandleLock.class, "state", int.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through STATE
    private volatile int state;
    // The holder's Thread.getId() (never reused by the JVM; 0: none): a primitive, so that taking
    // and releasing the lock stores no reference (no GC write barrier on the hot path).
    private long owner;
    private int holds;

    /** Takes the lock (again, if the calling thread holds it). */
    void lock()
    {
        final long t = Thread.currentThread().getId();
        if (owner == t)
        {
            holds++;
            return;
        }
        if (!STATE.compareAndSet(this, 0, 1))
        {
            contended();
        }
        owner = t;
        holds = 1;
    }

    private void contended()
    {
        int spins = 0;
        long park = 1_000;
        while (!STATE.compareAndSet(this, 0, 1))
        {
            if (spins < 64)
            {
                spins++;
                Thread.onSpinWait();
            }
            else if (spins < 96)
            {
                spins++;
                Thread.yield();
            }
            else
            {
                LockSupport.parkNanos(this, park);
                park = Math.min(MAX_PARK_NANOS, park * 2);
            }
        }
    }

    /**
     * Takes the lock if it is free (or held by the calling thread), without waiting.
     *
     * @return true if taken (release it with {@link #unlock}).
     */
    boolean tryLock()
    {
        final long t = Thread.currentThread().getId();
        if (owner == t)
        {
            holds++;
            return true;
        }
        if (!STATE.compareAndSet(this, 0, 1))
        {
            return false;
        }
        owner = t;
        holds = 1;
        return true;
    }

    /** Releases one hold; the lock is free after the last. Only the holder calls it. */
    void unlock()
    {
        if (--holds > 0)
        {
            return;
        }
        owner = 0;
        STATE.setRelease(this, 0);
    }

    /** Whether the calling thread holds the lock. */
    boolean isHeldByCurrentThread()
    {
        return owner == Thread.currentThread().getId();
    }
}

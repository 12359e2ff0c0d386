package io.pathlock;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HandleLock's invariants L1 (mutual exclusion, visibility) and L2 (reentrancy), and its contended path. */
class HandleLockTest
{
    private final HandleLock lock = new HandleLock();
    private long counter;

    @Test
    void reentrantAndReleasedByTheLastUnlock()
    {
        lock.lock();
        lock.lock();
        assertTrue(lock.isHeldByCurrentThread());
        lock.unlock();
        assertTrue(lock.isHeldByCurrentThread(), "one hold left");
        lock.unlock();
        assertFalse(lock.isHeldByCurrentThread());
    }

    /** L1: increments under the lock from two threads are never lost (plain long, no atomics). */
    @Test
    void mutualExclusionAndVisibility() throws Exception
    {
        final int n = 200_000;
        final Thread[] ts = new Thread[2];
        for (int t = 0; t < ts.length; t++)
        {
            ts[t] = new Thread(() ->
            {
                for (int i = 0; i < n; i++)
                {
                    lock.lock();
                    try
                    {
                        counter++;
                    }
                    finally
                    {
                        lock.unlock();
                    }
                }
            });
            ts[t].start();
        }
        for (final Thread t : ts)
        {
            t.join(TimeUnit.MINUTES.toMillis(2));
        }
        assertEquals(2L * n, counter);
    }

    /** A contender that reached the parking stage gets the lock once the holder releases it. */
    @Test
    void parkedContenderGetsTheLockAfterRelease() throws Exception
    {
        lock.lock();
        final CountDownLatch got = new CountDownLatch(1);
        final AtomicBoolean heldByHolder = new AtomicBoolean(true);
        final Thread contender = new Thread(() ->
        {
            lock.lock();
            try
            {
                assertFalse(heldByHolder.get(), "L1: granted only after the holder released");
                got.countDown();
            }
            finally
            {
                lock.unlock();
            }
        });
        contender.start();
        // Wait (bounded) until the contender parks: it is past its spins and yields.
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (contender.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline)
        {
            Thread.onSpinWait();
        }
        assertEquals(Thread.State.TIMED_WAITING, contender.getState());
        heldByHolder.set(false);
        lock.unlock();
        assertTrue(got.await(20, TimeUnit.SECONDS));
        contender.join();
    }
}

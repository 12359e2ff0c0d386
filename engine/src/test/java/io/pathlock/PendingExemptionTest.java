package io.pathlock;

import io.pathlock.core.LockRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11, the starvation hole: a SUBTREE waiter's pending mark was ignored by every requester
 * whose handle held any lock, so a stream of POINTs from handles that each hold one unrelated lock
 * starved the waiter. Only a requester holding a lock on or below the marked node (which the waiter
 * may be waiting for) may ignore the mark now.
 */
class PendingExemptionTest
{
    private final LockManager m = LockManager.builder().startAgent(false).build();

    @AfterEach
    void close()
    {
        m.close();
    }

    private void awaitWaiter()
    {
        awaitWaiters(1);
    }

    private void awaitWaiters(final int n)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (m.snapshot().waiters().size() < n)
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("the SUBTREE request never waited");
            }
            Thread.onSpinWait();
        }
    }

    @Test
    void handlesHoldingUnrelatedLocksRespectThePendingMark() throws Exception
    {
        final LockHandle blocker = m.open("blocker");
        blocker.tryAcquire(LockRequest.point("/a/x"));
        final CompletableFuture<LockHandle> subtree = m.acquireAsync(LockRequest.subtree("/a"));
        awaitWaiter();

        final List<LockHandle> stream = new ArrayList<>();
        for (int i = 0; i < 50; i++)
        {
            final LockHandle h = m.open("stream" + i);
            stream.add(h);
            assertTrue(h.tryLock(LockRequest.point("/elsewhere/" + i)));
            assertFalse(h.tryLock(LockRequest.point("/a/y" + i)),
                "a handle holding only /elsewhere/" + i + " must not overtake the pending SUBTREE(/a)");
            assertEquals(1, h.locks().size());
        }
        assertTrue(blocker.tryLock(LockRequest.point("/a/w")),
            "the holder the waiter waits for is exempt, or the two would wait for each other");
        assertFalse(subtree.isDone());
        blocker.close();
        try (LockHandle granted = subtree.get(30, TimeUnit.SECONDS))
        {
            assertEquals("SUBTREE /a", granted.locks().get(0).type() + " " + granted.locks().get(0).path());
        }
        for (final LockHandle h : stream)
        {
            h.close();
        }
    }

    /**
     * Why blocking acquisitions of handles that hold locks stay exempt: respecting the marks where
     * their locks lie elsewhere closes h3 -> W1 -> h1 -> W2 -> h3 (see LockHandle.ThreadWaiter).
     * Without marks neither h1 nor h3 would wait at all; with the exemption both are granted.
     */
    @Test
    void holdersWaitingAcrossTwoPendingMarksDoNotDeadlock() throws Exception
    {
        final LockHandle h1 = m.open("h1");
        h1.tryAcquire(LockRequest.point("/a/x"));
        final LockHandle h3 = m.open("h3");
        h3.tryAcquire(LockRequest.point("/b/z"));
        final CompletableFuture<LockHandle> w1 = m.acquireAsync(LockRequest.subtree("/a"));
        final CompletableFuture<LockHandle> w2 = m.acquireAsync(LockRequest.subtree("/b"));
        awaitWaiters(2);
        final CompletableFuture<Void> t1 = CompletableFuture.runAsync(() -> acquire(h1, "/b/y"));
        final CompletableFuture<Void> t3 = CompletableFuture.runAsync(() -> acquire(h3, "/a/q"));
        t1.get(60, TimeUnit.SECONDS);
        t3.get(60, TimeUnit.SECONDS);
        assertEquals(2, h1.locks().size());
        assertEquals(2, h3.locks().size());
        h1.close();
        h3.close();
        w1.get(30, TimeUnit.SECONDS).close();
        w2.get(30, TimeUnit.SECONDS).close();
    }

    private static void acquire(final LockHandle h, final String path)
    {
        try
        {
            h.acquire(LockRequest.point(path), java.time.Duration.ofSeconds(20));
        }
        catch (final InterruptedException e)
        {
            throw new IllegalStateException(e);
        }
    }
}

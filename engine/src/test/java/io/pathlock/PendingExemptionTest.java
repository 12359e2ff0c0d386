package io.pathlock;

import io.pathlock.core.LockRequest;
import io.pathlock.core.LockTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11, the starvation hole: a SUBTREE waiter's pending mark was ignored by every requester
 * whose handle held any lock, so a stream of POINTs from handles that each hold one unrelated lock
 * starved the waiter. Now a requester ignores a mark only if it holds a lock on or below the marked
 * node (which the waiter may be waiting for) or, for a waiting request, if someone waits for one of
 * its locks (so that respecting the mark could close a wait cycle): see LockHandle.Acquisition.
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
                throw new AssertionError("the expected waiters never appeared (" + n + " wanted)");
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
     * Respecting every mark closes h3 -> W1 -> h1 -> W2 -> h3 (see LockHandle.Acquisition). Without
     * marks neither h1 nor h3 would wait at all; here W1 waits for h1's lock and W2 for h3's, so both
     * are awaited, go past the marks and are granted.
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

    /**
     * The stream of the first test, as waiting requests: before the fix every waiting acquisition of
     * a handle holding any lock went past the mark (granted at once here). Nobody waits for the
     * stream's locks, so each respects the mark and times out while the SUBTREE waiter is pending.
     */
    @Test
    void waitingRequestsOfHandlesHoldingUnrelatedLocksRespectThePendingMark() throws Exception
    {
        final LockHandle blocker = m.open("blocker");
        blocker.tryAcquire(LockRequest.point("/a/x"));
        final CompletableFuture<LockHandle> subtree = m.acquireAsync(LockRequest.subtree("/a"));
        awaitWaiter();

        final List<LockHandle> stream = new ArrayList<>();
        for (int i = 0; i < 5; i++)
        {
            final LockHandle h = m.open("stream" + i);
            stream.add(h);
            assertTrue(h.tryLock(LockRequest.point("/elsewhere/" + i)));
            final int n = i;
            assertThrows(LockTimeoutException.class,
                () -> h.acquire(LockRequest.point("/a/y" + n), Duration.ofMillis(100)),
                "a waiting request of a handle holding only /elsewhere/" + i + " overtook the pending SUBTREE(/a)");
            final CompletableFuture<LockHandle> async = m.acquireAsync(LockRequest.point("/a/z" + i), Duration.ofMillis(100));
            final ExecutionException e = assertThrows(ExecutionException.class, () -> async.get(30, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof LockTimeoutException, String.valueOf(e.getCause()));
            assertEquals(1, h.locks().size());
        }
        assertFalse(subtree.isDone());
        blocker.close();
        subtree.get(30, TimeUnit.SECONDS).close();
        for (final LockHandle h : stream)
        {
            h.close();
        }
    }

    /**
     * Being awaited can begin while an acquisition is parked on a mark: h1 (holding /p/1) parks on
     * W2's mark at /b; W2 waits for h3's /b/z; then h3 waits for h1's /p/1. Without marks h1 would
     * have got /b/y and nothing would wait in a cycle; with a mark that h1 keeps respecting,
     * h1 -> W2 -> h3 -> h1 is a deadlock. h3's registration must wake h1, which is now awaited and
     * goes past the mark. (Checked: without LockManager.wakeMarkParked this test times out.)
     */
    @Test
    void anAcquisitionParkedOnAMarkGoesPastItWhenItsLocksBecomeAwaited() throws Exception
    {
        final LockHandle h1 = m.open("h1");
        h1.tryAcquire(LockRequest.point("/p/1"));
        final LockHandle h3 = m.open("h3");
        h3.tryAcquire(LockRequest.point("/b/z"));
        final CompletableFuture<LockHandle> w2 = m.acquireAsync(LockRequest.subtree("/b"));
        awaitWaiters(1);
        final CompletableFuture<Void> t1 = CompletableFuture.runAsync(() -> acquire(h1, "/b/y"));
        awaitWaiters(2);
        assertFalse(t1.isDone(), "h1 is parked on W2's mark: nobody waits for /p/1 yet");
        final CompletableFuture<Void> t3 = CompletableFuture.runAsync(() -> acquire(h3, "/p/1"));
        t1.get(60, TimeUnit.SECONDS);
        assertEquals(2, h1.locks().size());
        assertFalse(t3.isDone());
        h1.close();
        t3.get(60, TimeUnit.SECONDS);
        h3.close();
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

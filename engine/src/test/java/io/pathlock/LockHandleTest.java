package io.pathlock;

import io.pathlock.core.LockPath;
import io.pathlock.core.LockType;
import io.pathlock.core.LockRequest;
import io.pathlock.core.HeldLock;
import io.pathlock.core.LockBusyException;
import io.pathlock.core.LockTimeoutException;
import io.pathlock.core.LockLostException;
import io.pathlock.observe.LockSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Facade behaviour: reentrancy, upgrade, threads, timeouts, async, leaks, tokens, snapshots. */
class LockHandleTest
{
    private final ManualClock clock = ManualClock.realPlusOffset();
    private final LockManager manager = LockManager.builder().clock(clock).startAgent(false)
        .handleIdleTimeout(Duration.ofSeconds(10)).build();

    @AfterEach
    void close()
    {
        manager.close();
    }

    /** Spins (no sleep) until the condition holds, failing after a generous bound. */
    private static void awaitCondition(final String what, final BooleanSupplier condition)
    {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
        {
            while (!condition.getAsBoolean())
            {
                Thread.onSpinWait();
                Thread.yield();
            }
        }, "waiting for: " + what);
    }

    private int waiters()
    {
        return manager.snapshot().waiters().size();
    }

    @Test
    void reentrantRequestsDoNotGrantAgain()
    {
        try (LockHandle h = manager.open("re"))
        {
            h.tryAcquire(LockRequest.subtree("/a"));
            final long token = h.fencingToken("/a");
            final long grants = manager.snapshot().counters().grants();
            h.tryAcquire(LockRequest.subtree("/a"));
            h.tryAcquire(LockRequest.point("/a", "/a/b/c"));
            h.tryAcquire(LockRequest.subtree("/a/b"));
            assertEquals(grants, manager.snapshot().counters().grants(), "covered requests are no-ops");
            assertEquals(1, h.locks().size());
            assertEquals(token, h.fencingToken("/a"));
        }
    }

    @Test
    void subtreeIsNeverDowngradedAndPointUpgradesInPlace()
    {
        try (LockHandle h = manager.open("up");
             LockHandle other = manager.open("other"))
        {
            h.tryAcquire(LockRequest.point("/u"));
            h.tryAcquire(LockRequest.point("/u/v"));
            other.tryAcquire(LockRequest.point("/u/w"));
            assertThrows(LockBusyException.class, () -> h.tryAcquire(LockRequest.subtree("/u")),
                "another owner below blocks the upgrade");
            assertEquals(LockType.POINT, h.locks().get(0).type(), "failed upgrade leaves the POINT");
            other.close();

            h.tryAcquire(LockRequest.subtree("/u"));
            final List<HeldLock> locks = h.locks();
            assertEquals(2, locks.size());
            assertEquals(LockType.SUBTREE, locks.stream().filter(l -> l.path().toString().equals("/u")).findFirst()
                .orElseThrow().type());
            h.tryAcquire(LockRequest.point("/u"));
            assertEquals(LockType.SUBTREE, h.locks().stream().filter(l -> l.path().toString().equals("/u"))
                .findFirst().orElseThrow().type(), "asking for POINT never downgrades");
            try (LockHandle third = manager.open("third"))
            {
                assertThrows(LockBusyException.class, () -> third.tryAcquire(LockRequest.point("/u/x")));
            }
        }
        assertEquals(1, manager.table().reclaimIdle());
    }

    @Test
    void ownLocksBelowDoNotBlockOwnSubtree()
    {
        try (LockHandle h = manager.open("own"))
        {
            h.tryAcquire(LockRequest.point("/o/a", "/o/b/c"));
            h.tryAcquire(LockRequest.subtree("/o"));
            assertEquals(3, h.locks().size());
        }
        try (LockHandle h = manager.open("after"))
        {
            h.tryAcquire(LockRequest.subtree("/"));
        }
    }

    @Test
    void releaseFromAnotherThreadWakesWaiterAndCloseIsIdempotent() throws Exception
    {
        final LockHandle holder = manager.open("holder");
        final CountDownLatch acquired = new CountDownLatch(1);
        final Thread t = new Thread(() ->
        {
            holder.tryAcquire(LockRequest.point("/x"));
            acquired.countDown();
        });
        t.start();
        assertTrue(acquired.await(10, TimeUnit.SECONDS));
        t.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(t.isAlive(), "the acquiring thread did not finish within 30 s");

        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final CountDownLatch granted = new CountDownLatch(1);
        final Thread waiter = new Thread(() ->
        {
            try (LockHandle w = manager.open("waiter"))
            {
                w.acquire(LockRequest.point("/x"));
                granted.countDown();
            }
            catch (final Throwable e)
            {
                failure.set(e);
            }
        });
        waiter.start();
        awaitCondition("the waiter is parked", () -> waiters() == 1);
        holder.close();
        holder.close();
        assertTrue(granted.await(30, TimeUnit.SECONDS), "the release woke the waiter");
        waiter.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(waiter.isAlive(), "the woken waiter did not finish within 30 s");
        assertEquals(null, failure.get());
        assertFalse(holder.isValid());
        assertThrows(IllegalStateException.class, () -> holder.tryAcquire(LockRequest.point("/y")));
    }

    /**
     * The timeout is total across paths: the clock jumps 4 s while the waiter waits on the first
     * path; after that path frees, the second path may only use the remaining 1 s. A per-path
     * timeout would wait 5 s more and exceed the 4 s bound.
     */
    @Test
    void timeoutIsTotalAcrossPaths() throws Exception
    {
        final LockHandle first = manager.open("first");
        final LockHandle second = manager.open("second");
        first.tryAcquire(LockRequest.point("/t1"));
        second.tryAcquire(LockRequest.point("/t2"));
        final AtomicReference<Throwable> outcome = new AtomicReference<>();
        final Thread t = new Thread(() ->
        {
            try (LockHandle h = manager.open("both"))
            {
                h.acquire(LockRequest.point("/t1", "/t2"), Duration.ofSeconds(5));
                outcome.set(new AssertionError("granted"));
            }
            catch (final Throwable e)
            {
                outcome.set(e);
            }
        });
        final long start = System.nanoTime();
        t.start();
        awaitCondition("waiting on /t1", () -> waiters() == 1
            && manager.snapshot().waiters().get(0).blockedBy().path().equals("/t1"));
        clock.advanceMillis(4_000);
        first.close();
        assertTimeoutPreemptively(Duration.ofSeconds(4), () -> t.join());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(4));
        final LockTimeoutException e = assertInstanceOf(LockTimeoutException.class, outcome.get());
        assertEquals("/t2", e.conflict().path(), e.getMessage());
        assertTrue(e.getMessage().contains("lock timeout after 5000 ms"), e.getMessage());
        second.close();
        assertEquals(0, waiters());
        try (LockHandle h = manager.open("free"))
        {
            h.tryAcquire(LockRequest.point("/t1", "/t2"));
        }
    }

    @Test
    void interruptedWaitLeavesNothingHeld() throws Exception
    {
        final LockHandle holder = manager.open("holder");
        holder.tryAcquire(LockRequest.subtree("/i"));
        final AtomicReference<Throwable> outcome = new AtomicReference<>();
        final LockHandle h = manager.open("interrupted");
        final Thread t = new Thread(() ->
        {
            try
            {
                h.acquire(LockRequest.point("/j", "/i/k"));
            }
            catch (final Throwable e)
            {
                outcome.set(e);
            }
        });
        t.start();
        awaitCondition("parked", () -> waiters() == 1);
        t.interrupt();
        t.join(30_000);
        assertInstanceOf(InterruptedException.class, outcome.get());
        assertTrue(h.locks().isEmpty());
        try (LockHandle other = manager.open("other"))
        {
            other.tryAcquire(LockRequest.point("/j"));
        }
        holder.close();
        h.close();
    }

    @Test
    void asyncAcquisitionCompletesOnRelease() throws Exception
    {
        final LockHandle holder = manager.open("holder");
        holder.tryAcquire(LockRequest.point("/as"));
        final CompletableFuture<LockHandle> f = manager.acquireAsync(LockRequest.subtree("/"), Duration.ofSeconds(30));
        assertFalse(f.isDone());
        assertEquals(1, waiters());
        holder.close();
        try (LockHandle h = f.get(30, TimeUnit.SECONDS))
        {
            assertEquals(LockType.SUBTREE, h.locks().get(0).type());
        }
        assertEquals(0, waiters());
    }

    @Test
    void cancelledAsyncAcquisitionLeavesNothingHeld() throws Exception
    {
        final LockHandle holder = manager.open("holder");
        holder.tryAcquire(LockRequest.point("/c/1"));
        final CompletableFuture<LockHandle> f = manager.acquireAsync(LockRequest.point("/c/0", "/c/1"), Duration.ofMinutes(5));
        assertFalse(f.isDone());
        assertTrue(f.cancel(false));
        holder.close();
        assertThrows(CancellationException.class, f::join);
        assertEquals(0, waiters());
        try (LockHandle h = manager.open("probe"))
        {
            h.tryAcquire(LockRequest.subtree("/c"));
        }
        assertEquals(0, manager.snapshot().handles().size());
    }

    @Test
    void asyncFailsFastWithZeroTimeoutAndTimesOutOtherwise() throws Exception
    {
        final LockHandle holder = manager.open("holder");
        holder.tryAcquire(LockRequest.point("/z"));
        final ExecutionException busy = assertThrows(ExecutionException.class,
            () -> manager.acquireAsync(LockRequest.point("/z"), Duration.ZERO).get(30, TimeUnit.SECONDS));
        assertInstanceOf(LockBusyException.class, busy.getCause());
        final ExecutionException timeout = assertThrows(ExecutionException.class,
            () -> manager.acquireAsync(LockRequest.point("/z"), Duration.ofMillis(50)).get(30, TimeUnit.SECONDS));
        assertInstanceOf(LockTimeoutException.class, timeout.getCause());
        assertEquals(0, waiters());
        holder.close();
    }

    @Test
    void idleHandlesAreCollectedByLastActivityAndLearnIt()
    {
        final LockHandle busy = manager.open("busy");
        final LockHandle leaked = manager.open("leaked");
        busy.tryAcquire(LockRequest.point("/busy"));
        leaked.tryAcquire(LockRequest.subtree("/leaked"));
        clock.advanceMillis(8_000);
        busy.touch();
        clock.advanceMillis(3_000);
        assertEquals(1, manager.runMaintenance(), "only the idle handle is collected");
        assertTrue(busy.isValid());
        assertFalse(leaked.isValid());
        assertTrue(leaked.lostReason().contains("without activity"), leaked.lostReason());
        final LockLostException e = assertThrows(LockLostException.class, () -> leaked.tryAcquire(LockRequest.point("/q")));
        assertTrue(e.getMessage().contains("leaked@"), e.getMessage());
        assertThrows(LockLostException.class, leaked::touch);
        try (LockHandle h = manager.open("next"))
        {
            h.tryAcquire(LockRequest.subtree("/leaked"));
        }
        assertEquals(1, manager.snapshot().counters().collected());
        busy.close();
    }

    @Test
    void fencingTokensStrictlyIncreaseAcrossGrants() throws Exception
    {
        long last = 0;
        for (int i = 0; i < 100; i++)
        {
            try (LockHandle h = manager.open("f"))
            {
                h.tryAcquire(LockRequest.point("/f"));
                final long token = h.fencingToken("/f");
                assertTrue(token > last, token + " after " + last);
                last = token;
            }
        }
        assertEquals(-1, manager.open("none").fencingToken("/f"));
    }

    @Test
    void snapshotListsHandlesWaitersConflictsAndCounters() throws Exception
    {
        final LockHandle h = manager.open("snap");
        h.tryAcquire(LockRequest.subtree("/s"));
        final CompletableFuture<LockHandle> f = manager.acquireAsync(LockRequest.point("/s/1"), Duration.ofMinutes(1));
        final LockSnapshot s = manager.snapshot();
        assertEquals("memory", s.store());
        assertTrue(s.handles().stream().anyMatch(i -> i.ownerId().startsWith("snap@") && i.locks().size() == 1));
        assertEquals(1, s.waiters().size());
        assertEquals("/s", s.waiters().get(0).blockedBy().path());
        assertFalse(s.recentConflicts().isEmpty());
        assertTrue(s.counters().waits() >= 1);
        h.close();
        f.get(30, TimeUnit.SECONDS).close();
        assertNotNull(manager.snapshot().counters());
    }

    @Test
    void badInputIsRejectedClearly()
    {
        assertThrows(IllegalArgumentException.class, () -> manager.open("a:b"));
        assertThrows(IllegalArgumentException.class, () -> manager.open(""));
        try (LockHandle h = manager.open("x"))
        {
            assertThrows(IllegalArgumentException.class, () -> h.acquire(LockRequest.point("/a"), Duration.ofSeconds(-1)));
            assertThrows(NullPointerException.class, () -> h.tryAcquire(null));
        }
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> LockManager.builder().reclaimMinNodes(1).build());
        assertTrue(e.getMessage().contains("reclaimMinNodes"), e.getMessage());
    }

    @Test
    void lockConvenienceFailsFastWithZeroTimeout() throws Exception
    {
        try (LockHandle h = manager.lock(LockRequest.point("/l")))
        {
            assertThrows(LockBusyException.class, () -> manager.lock(LockRequest.point("/l"), Duration.ZERO));
        }
    }

    /** Memory follows live locks: a million distinct paths leave (close to) no nodes behind. */
    @Test
    void millionDistinctPathsLeaveNoNodesBehind()
    {
        try (LockHandle keep = manager.open("keep"))
        {
            keep.tryAcquire(LockRequest.point("/live"));
            final io.pathlock.table.LockTable.Conflict c = new io.pathlock.table.LockTable.Conflict();
            for (int i = 0; i < 1_000_000; i++)
            {
                final LockPath p = LockPath.parse("/m" + (i & 1023) + "/p" + i);
                manager.table().unlock(manager.table().tryLock(p, LockType.POINT, 0, false, null, c));
            }
            final long after = manager.table().nodeCount();
            assertTrue(after <= 2L * io.pathlock.table.LockTable.RECLAIM_MIN_NODES_DEFAULT,
                "nodes after 1M paths: " + after);
            assertEquals(2, manager.table().reclaimIdle(), "root and the live /live");
        }
    }
}

package io.pathlock.host.spec;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockBusyException;
import io.pathlock.core.LockConflict;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockStoreException;
import io.pathlock.core.LockType;
import io.pathlock.host.HostLockStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Edges of the host store through the public API: names longer than a node's name field, deep paths,
 * slot exhaustion and a dead slot reused, asynchronous and interrupted waiters across sessions (their
 * pending marks must go with them), and what a refusal names.
 */
class HostEdgeSpecTest
{
    @TempDir
    Path root;

    private final HostSpec.Managers managers = new HostSpec.Managers();

    @AfterEach
    void close()
    {
        managers.close();
    }

    /** Granted, or refused with a clear error naming the name limit: never a wrong answer. */
    private static Boolean tryOrLimit(final LockManager m, final LockRequest r, final List<String> limits)
    {
        try (LockHandle h = m.tryLock(r))
        {
            return h != null;
        }
        catch (final LockStoreException e)
        {
            limits.add(e.getMessage());
            assertTrue(e.getMessage().contains("255"), "a clear error names the limit: " + e.getMessage());
            return null;
        }
    }

    @Test
    void segmentsLongerThanANodeNameAreNeverConfused()
    {
        final LockManager a = managers.open(root, "none");
        final LockManager b = managers.open(root, "none");
        final String stem = "n".repeat(300);
        final String wide = "\u00e9".repeat(200);
        final List<String> limits = new ArrayList<>();
        for (final String[] pair : new String[][] {
            {"/" + stem + "x", "/" + stem + "y"},
            {"/d/" + wide + "1", "/d/" + wide + "2"},
            {"/d/" + "m".repeat(255) + "/a", "/d/" + "m".repeat(255) + "a/a"},
            {"/d/" + "k".repeat(254) + "\u00e9", "/d/" + "k".repeat(254) + "\u00e8"}})
        {
            try (LockHandle h = a.tryLock(LockRequest.point(pair[0])))
            {
                if (h == null)
                {
                    throw new AssertionError("refused on a free table: " + pair[0]);
                }
                final Boolean other = tryOrLimit(b, LockRequest.point(pair[1]), limits);
                assertTrue(other == null || other, "two distinct paths conflict: " + pair[0] + " / " + pair[1]);
                final Boolean same = tryOrLimit(b, LockRequest.point(pair[0]), limits);
                assertTrue(same == null || !same, "the same long path was granted to two sessions: " + pair[0]);
            }
            catch (final LockStoreException e)
            {
                assertTrue(e.getMessage().contains("255"), "a clear error names the limit: " + e.getMessage());
            }
        }
        try (LockHandle all = b.tryLock(LockRequest.subtree("/")))
        {
            assertNotNull(all);
        }
    }

    @Test
    void deepestPathsLockAndConflict()
    {
        final LockManager a = managers.open(root, "none");
        final LockManager b = managers.open(root, "none");
        final StringBuilder sb = new StringBuilder();
        for (int k = 0; k < 256; k++)
        {
            sb.append("/s").append(k % 10);
        }
        final String deep = sb.toString();
        final String mid = deep.substring(0, deep.length() / 2);
        try (LockHandle h = a.tryLock(LockRequest.point(deep)))
        {
            assertNotNull(h);
            assertNull(b.tryLock(LockRequest.subtree(mid)), "SUBTREE on an ancestor 128 levels up");
            assertNull(b.tryLock(LockRequest.subtree("/")));
            try (LockHandle p = b.tryLock(LockRequest.point(mid)))
            {
                assertNotNull(p, "a POINT on an ancestor");
            }
        }
        try (LockHandle h = b.tryLock(LockRequest.subtree(mid)))
        {
            assertNotNull(h);
            assertNull(a.tryLock(LockRequest.point(deep)));
        }
    }

    @Test
    void slotExhaustionNamesTheSlotCountAndADeadChildsSlotIsReused() throws Exception
    {
        final HostLockStore s1 = HostLockStore.builder(root).interop("none").slots(2).build();
        try (SpecChild child = SpecChild.start(root, "none"))
        {
            child.expect("READY");
            assertTrue(child.ask("lock 1 S X /dead", "HELD 1", "ERROR 1").startsWith("HELD"));
            final LockStoreException full = assertThrows(LockStoreException.class,
                () -> HostLockStore.builder(root).interop("none").build());
            assertTrue(full.getMessage().contains("2"), "names the slot count: " + full.getMessage());
            child.kill();
        }
        // The dead child's slot is recovered by the next attach, and its lock with it.
        final LockManager b = managers.add(HostLockStore.builder(root).interop("none").build());
        final LockManager a = managers.add(s1);
        try (LockHandle h = a.tryLock(LockRequest.subtree("/dead")))
        {
            assertNotNull(h, "the dead child's SUBTREE /dead was recovered when its slot was reused");
            assertNull(b.tryLock(LockRequest.point("/dead/x")));
        }
    }

    @Test
    void asyncWaitersAcrossSessionsAreAllWokenAndACancelledOneLeavesNoMark() throws Exception
    {
        final LockManager a = managers.open(root, "none");
        final LockManager b = managers.open(root, "none");
        final LockManager c = managers.open(root, "none");
        final LockHandle holder = a.open("holder");
        holder.tryAcquire(LockRequest.point("/q/0", "/q/1", "/q/2", "/q/3", "/q/4", "/z/x"));
        final List<CompletableFuture<LockHandle>> futures = new ArrayList<>();
        for (int k = 0; k < 5; k++)
        {
            futures.add(b.acquireAsync(LockRequest.point("/q/" + k), HostSpec.GUARD));
        }
        // A SUBTREE waiter on /z (pending mark there), then cancelled.
        final CompletableFuture<LockHandle> cancelled = b.acquireAsync(LockRequest.subtree("/z"), HostSpec.GUARD);
        awaitWaiters(b, 6);
        assertTrue(futures.stream().noneMatch(CompletableFuture::isDone));
        cancelled.cancel(true);
        holder.releaseAll();
        for (final CompletableFuture<LockHandle> f : futures)
        {
            final LockHandle h = f.get(HostSpec.GUARD.toSeconds(), TimeUnit.SECONDS);
            assertNotNull(h);
            h.close();
        }
        holder.tryAcquire(LockRequest.point("/z/x"));
        try (LockHandle h = c.tryLock(LockRequest.point("/z/y")))
        {
            assertNotNull(h, "the cancelled SUBTREE waiter's pending mark on /z was left behind");
        }
        holder.close();
        try (LockHandle all = c.tryLock(LockRequest.subtree("/")))
        {
            assertNotNull(all, "nothing left by the async waiters");
        }
    }

    private static void awaitWaiters(final LockManager m, final int n)
    {
        final long deadline = System.nanoTime() + HostSpec.GUARD.toNanos();
        while (m.snapshot().waiters().stream().filter(w -> w.blockedBy() != null).count() < n)
        {
            assertTrue(System.nanoTime() < deadline, "waiters: " + m.snapshot().waiters());
            Thread.yield();
        }
    }

    @Test
    void interruptedSubtreeWaiterLeavesNoMark() throws Exception
    {
        final LockManager a = managers.open(root, "none");
        final LockManager b = managers.open(root, "none");
        final LockManager c = managers.open(root, "none");
        final LockHandle holder = a.open("holder");
        holder.tryAcquire(LockRequest.point("/i/x"));
        final AtomicReference<Throwable> outcome = new AtomicReference<>();
        final CountDownLatch ended = new CountDownLatch(1);
        final Thread t = new Thread(() ->
        {
            try (LockHandle h = b.open("interrupted"))
            {
                h.acquire(LockRequest.subtree("/i"));
            }
            catch (final Throwable e)
            {
                outcome.set(e);
            }
            ended.countDown();
        });
        t.start();
        HostSpec.awaitWaiter(b);
        t.interrupt();
        assertTrue(ended.await(HostSpec.GUARD.toSeconds(), TimeUnit.SECONDS), "the interrupted waiter did not return");
        assertTrue(outcome.get() instanceof InterruptedException, String.valueOf(outcome.get()));
        try (LockHandle h = c.tryLock(LockRequest.point("/i/y")))
        {
            assertNotNull(h, "the interrupted SUBTREE waiter's pending mark on /i was left behind");
        }
        holder.close();
    }

    @Test
    void refusalNamesThePathTheHolderTypeAndTheHostStore() throws Exception
    {
        final LockManager a = managers.open(root, "none");
        final LockManager b = managers.open(root, "none");
        try (LockHandle h = a.open("namer"))
        {
            h.tryAcquire(LockRequest.subtree("/n"));
            final LockBusyException e = assertThrows(LockBusyException.class, () -> b.open("asker").tryAcquire(LockRequest.point("/n/x")));
            final LockConflict k = e.conflict();
            assertEquals("/n", k.path(), k.toString());
            assertEquals(LockType.SUBTREE, k.holderType(), k.toString());
            assertTrue(k.source().startsWith("host"), k.toString());
            assertNotNull(k.holderOwnerId(), "the refusal names a holder: " + k);
            final Exception timeout = assertThrows(Exception.class,
                () -> b.open("asker").acquire(LockRequest.point("/n/x"), Duration.ofMillis(50)));
            assertTrue(timeout.getMessage().contains("/n"), timeout.getMessage());
        }
    }

    /**
     * A writer waiting for POINT-X /r in session A while session B's readers hold POINT-S /r and
     * overlap (a second reader handle takes it before the first lets go): the writer's pending mark
     * must stop new readers so that it gets its turn ("and vice versa", DESIGN §2 no starvation).
     */
    @Test
    void writerIsNotStarvedByOverlappingReadersOfAnotherSession() throws Exception
    {
        writerIsNotStarvedByOverlappingReaders(managers.open(root, "none"), managers.open(root, "none"));
    }

    /** Control: the same within one process (one manager over the in-memory store). */
    @Test
    void inProcessControlWriterIsNotStarvedByOverlappingReaders() throws Exception
    {
        try (LockManager m = LockManager.builder().startAgent(false).build())
        {
            writerIsNotStarvedByOverlappingReaders(m, m);
        }
    }

    private static void writerIsNotStarvedByOverlappingReaders(final LockManager a, final LockManager b) throws Exception
    {
        LockHandle held = b.open("r0");
        held.tryAcquire(LockRequest.pointShared("/r"));
        final CountDownLatch granted = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread t = new Thread(() ->
        {
            try (LockHandle h = a.open("writer"))
            {
                h.acquire(LockRequest.point("/r"), HostSpec.GUARD);
            }
            catch (final Throwable e)
            {
                failure.set(e);
            }
            granted.countDown();
        });
        t.start();
        HostSpec.awaitWaiter(a);
        LockHandle spare = b.open("r1");
        int refusals = 0;
        int i = 0;
        for (; i < 20_000 && granted.getCount() > 0; i++)
        {
            if (spare.tryLock(LockRequest.pointShared("/r")))
            {
                held.releaseAll();
                final LockHandle x = held;
                held = spare;
                spare = x;
            }
            else
            {
                refusals++;
                held.releaseAll();
            }
        }
        final boolean wasGranted = granted.getCount() == 0;
        held.close();
        spare.close();
        assertTrue(granted.await(HostSpec.GUARD.toSeconds(), TimeUnit.SECONDS));
        t.join();
        assertNull(failure.get());
        assertTrue(wasGranted, "the writer was starved for " + i + " rounds of overlapping readers (" + refusals + " refused)");
    }
}

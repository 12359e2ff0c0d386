package io.pathlock.host.spec;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Waiting across sessions: a waiter in one session is woken by a release in another (in one JVM and
 * across real processes), and a SUBTREE waiter is not starved by a stream of POINTs below it taken
 * by another session (bounded by a count of that session's iterations, not by time).
 */
class HostWaitingSpecTest
{
    @TempDir
    Path root;

    private final HostSpec.Managers managers = new HostSpec.Managers();

    @AfterEach
    void close()
    {
        managers.close();
    }

    /** Acquires on a new thread; {@code granted} counts down on the grant, which is then held until {@code release}. */
    private static Thread waiter(final LockManager m, final LockRequest r, final CountDownLatch granted,
        final CountDownLatch release, final AtomicReference<Throwable> failure)
    {
        final Thread t = new Thread(() ->
        {
            try (LockHandle h = m.open("waiter"))
            {
                h.acquire(r, HostSpec.GUARD);
                granted.countDown();
                release.await();
            }
            catch (final Throwable e)
            {
                failure.set(e);
                granted.countDown();
            }
        }, "waiter");
        t.start();
        return t;
    }

    @Test
    void waiterInAnotherSessionIsWokenByARelease() throws Exception
    {
        final LockManager a = managers.open(root, "none");
        final LockManager b = managers.open(root, "none");
        final LockHandle holder = a.open("holder");
        holder.tryAcquire(LockRequest.point("/w/x"));
        final CountDownLatch granted = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread t = waiter(b, LockRequest.subtree("/w"), granted, release, failure);
        HostSpec.awaitWaiter(b);
        assertEquals(1, granted.getCount(), "granted while the POINT below was held");
        holder.close();
        assertTrue(granted.await(HostSpec.GUARD.toSeconds(), TimeUnit.SECONDS), "the waiter was never woken");
        assertNull(failure.get());
        assertNull(a.tryLock(LockRequest.point("/w/y")), "the waiter holds SUBTREE /w");
        release.countDown();
        t.join();
    }

    @Test
    void waiterInAnotherProcessIsWokenByAReleaseAndViceVersa() throws Exception
    {
        final LockManager a = managers.open(root, "none");
        try (SpecChild child = SpecChild.start(root, "none"))
        {
            child.expect("READY");
            // The child holds, this process waits.
            assertTrue(child.ask("lock 1 P X /p/q", "HELD", "ERROR").startsWith("HELD"));
            final CountDownLatch granted = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread t = waiter(a, LockRequest.subtree("/p"), granted, release, failure);
            HostSpec.awaitWaiter(a);
            assertEquals(1, granted.getCount());
            child.ask("release 1", "RELEASED");
            assertTrue(granted.await(HostSpec.GUARD.toSeconds(), TimeUnit.SECONDS), "not woken by the child's release");
            assertNull(failure.get());
            // This process holds SUBTREE /p, the child waits for a POINT below it.
            child.ask("wait 2 P S /p/r", "WAITING");
            release.countDown();
            t.join();
            assertTrue(child.expect("HELD 2", "ERROR").startsWith("HELD 2"), child.transcript());
            assertNull(a.tryLock(LockRequest.point("/p/r")), "the child holds POINT-SHARED /p/r");
            child.ask("exit", "BYE");
        }
        try (LockHandle all = a.tryLock(LockRequest.subtree("/")))
        {
            assertNotNull(all, "everything of the child was released when it closed");
        }
    }

    /**
     * Session A waits for SUBTREE /s while session B takes and releases POINTs below /s in a loop.
     * Once A waits (its pending mark placed), B's new POINTs below /s must be refused until A had its
     * turn: A is granted within a bounded number of B's iterations.
     */
    @Test
    void subtreeWaiterIsNotStarvedByAStreamOfPointsBelow() throws Exception
    {
        final LockManager a = managers.open(root, "none");
        final LockManager b = managers.open(root, "none");
        final int iterations = 20_000;
        final AtomicInteger bIteration = new AtomicInteger();
        final AtomicInteger grantedAt = new AtomicInteger(-1);
        final LockHandle first = b.open("first");
        first.tryAcquire(LockRequest.point("/s/0"));
        final CountDownLatch granted = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread t = new Thread(() ->
        {
            try (LockHandle h = a.open("tree"))
            {
                h.acquire(LockRequest.subtree("/s"), HostSpec.GUARD);
                grantedAt.set(bIteration.get());
            }
            catch (final Throwable e)
            {
                failure.set(e);
            }
            granted.countDown();
        }, "subtree-waiter");
        t.start();
        HostSpec.awaitWaiter(a);
        // B takes a POINT below /s and releases it, round after round, as fast as it can.
        int refusals = 0;
        try (LockHandle h = b.open("stream"))
        {
            first.close();
            for (int i = 0; i < iterations && granted.getCount() > 0; i++)
            {
                bIteration.set(i);
                if (h.tryLock(LockRequest.point("/s/" + (i % 4))))
                {
                    h.releaseAll();
                }
                else
                {
                    refusals++;
                }
            }
        }
        final boolean wasGranted = granted.getCount() == 0;
        // Let a starved waiter finish (or time out) so the test ends either way.
        assertTrue(granted.await(HostSpec.GUARD.toSeconds(), TimeUnit.SECONDS));
        t.join();
        assertNull(failure.get(), () -> "the SUBTREE waiter failed: " + failure.get());
        assertTrue(wasGranted, "SUBTREE /s was not granted within " + iterations + " of the other session's POINT " +
            "rounds below it (" + refusals + " of them refused)");
        assertTrue(grantedAt.get() >= 0 && grantedAt.get() < iterations);
    }

    /**
     * As {@link #subtreeWaiterIsNotStarvedByAStreamOfPointsBelow}, but B's POINTs overlap (two handles,
     * the next taken before the previous is released), so B's session always has counts below /s.
     * Once A waits (its pending mark placed), B's new POINTs below /s must be refused until A had its
     * turn: A is granted within a bounded number of B's iterations.
     */
    @Test
    void subtreeWaiterIsNotStarvedByOverlappingPointsBelow() throws Exception
    {
        final LockManager a = managers.open(root, "none");
        final LockManager b = managers.open(root, "none");
        final int iterations = 20_000;
        final AtomicInteger bIteration = new AtomicInteger();
        final AtomicInteger grantedAt = new AtomicInteger(-1);
        final LockHandle first = b.open("first");
        first.tryAcquire(LockRequest.point("/s/0"));
        final CountDownLatch granted = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread t = new Thread(() ->
        {
            try (LockHandle h = a.open("tree"))
            {
                h.acquire(LockRequest.subtree("/s"), HostSpec.GUARD);
                grantedAt.set(bIteration.get());
            }
            catch (final Throwable e)
            {
                failure.set(e);
            }
            granted.countDown();
        }, "subtree-waiter");
        t.start();
        HostSpec.awaitWaiter(a);
        // B overlaps its POINTs: the next one is taken before the previous one is released, so some
        // POINT below /s is held at every instant unless B is refused. Only the pending mark of A's
        // wait can refuse B here (B's paths never meet each other between its two handles).
        int refusals = 0;
        LockHandle held = first;
        LockHandle spare = b.open("stream");
        try
        {
            for (int i = 0; i < iterations && granted.getCount() > 0; i++)
            {
                bIteration.set(i);
                if (spare.tryLock(LockRequest.point("/s/" + ((i + 1) % 4))))
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
        }
        finally
        {
            held.close();
            spare.close();
        }
        final boolean wasGranted = granted.getCount() == 0;
        // Let a starved waiter finish (or time out) so the test ends either way.
        assertTrue(granted.await(HostSpec.GUARD.toSeconds(), TimeUnit.SECONDS));
        t.join();
        assertNull(failure.get(), () -> "the SUBTREE waiter failed: " + failure.get());
        assertTrue(wasGranted, "SUBTREE /s was not granted within " + iterations + " of the other session's POINT " +
            "rounds below it (" + refusals + " of them refused)");
        assertTrue(grantedAt.get() >= 0 && grantedAt.get() < iterations);
    }

    /**
     * Control for {@link #subtreeWaiterIsNotStarvedByOverlappingPointsBelow}: the same overlapping
     * stream within one process (one manager over the in-memory store, three handles) does not starve
     * the SUBTREE waiter, because a tryLock of a handle that holds nothing respects the pending mark.
     */
    @Test
    void inProcessControlOverlappingPointsDoNotStarveASubtreeWaiter() throws Exception
    {
        try (LockManager m = LockManager.builder().startAgent(false).build())
        {
            final LockHandle first = m.open("first");
            first.tryAcquire(LockRequest.point("/s/0"));
            final CountDownLatch granted = new CountDownLatch(1);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread t = new Thread(() ->
            {
                try (LockHandle h = m.open("tree"))
                {
                    h.acquire(LockRequest.subtree("/s"), HostSpec.GUARD);
                }
                catch (final Throwable e)
                {
                    failure.set(e);
                }
                granted.countDown();
            }, "subtree-waiter");
            t.start();
            HostSpec.awaitWaiter(m);
            LockHandle held = first;
            LockHandle spare = m.open("stream");
            int i = 0;
            for (; i < 20_000 && granted.getCount() > 0; i++)
            {
                if (spare.tryLock(LockRequest.point("/s/" + ((i + 1) % 4))))
                {
                    held.releaseAll();
                    final LockHandle x = held;
                    held = spare;
                    spare = x;
                }
                else
                {
                    held.releaseAll();
                }
            }
            final boolean wasGranted = granted.getCount() == 0;
            held.close();
            spare.close();
            assertTrue(granted.await(HostSpec.GUARD.toSeconds(), TimeUnit.SECONDS));
            t.join();
            assertNull(failure.get());
            assertTrue(wasGranted, "in-process, the SUBTREE waiter was starved for " + i + " rounds");
        }
    }

    /**
     * Every kind of waiter against an overlapping stream of the kind that blocks it, from another
     * session: the stream's two handles take the next lock before releasing the previous one, and
     * hold nothing when they ask. The waiter must be granted within the bound.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "waiter {0} {1} {2}, stream {3} {4} {5}*")
    @org.junit.jupiter.params.provider.CsvSource({
        "SUBTREE,EXCLUSIVE,/s,POINT,EXCLUSIVE,/s/",
        "SUBTREE,EXCLUSIVE,/s,POINT,SHARED,/s/",
        "SUBTREE,SHARED,/s,POINT,EXCLUSIVE,/s/",
        "SUBTREE,EXCLUSIVE,/s,SUBTREE,SHARED,/s/",
        "SUBTREE,EXCLUSIVE,/s,POINT,SHARED,/s",
        "POINT,EXCLUSIVE,/s,SUBTREE,SHARED,/s",
        "POINT,EXCLUSIVE,/s/x,SUBTREE,SHARED,/s",
        "POINT,EXCLUSIVE,/s,POINT,SHARED,/s"})
    void noWaiterIsStarvedByAnOverlappingStreamOfAnotherSession(final io.pathlock.core.LockType wt, final io.pathlock.core.LockMode wm,
        final String wp, final io.pathlock.core.LockType st, final io.pathlock.core.LockMode sm, final String sp) throws Exception
    {
        final LockManager a = managers.open(root, "none");
        final LockManager b = managers.open(root, "none");
        final boolean indexed = sp.endsWith("/");
        final java.util.function.IntFunction<LockRequest> stream = i ->
            LockRequest.builder().add(indexed ? sp + (i % 4) : sp, st, sm).build();
        LockHandle held = b.open("s0");
        held.tryAcquire(stream.apply(0));
        final CountDownLatch granted = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread t = new Thread(() ->
        {
            try (LockHandle h = a.open("waiter"))
            {
                h.acquire(LockRequest.builder().add(wp, wt, wm).build(), HostSpec.GUARD);
            }
            catch (final Throwable e)
            {
                failure.set(e);
            }
            granted.countDown();
        });
        t.start();
        HostSpec.awaitWaiter(a);
        LockHandle spare = b.open("s1");
        int i = 0;
        for (; i < 20_000 && granted.getCount() > 0; i++)
        {
            if (spare.tryLock(stream.apply(i + 1)))
            {
                held.releaseAll();
                final LockHandle x = held;
                held = spare;
                spare = x;
            }
            else
            {
                held.releaseAll();
            }
        }
        final boolean wasGranted = granted.getCount() == 0;
        held.close();
        spare.close();
        assertTrue(granted.await(HostSpec.GUARD.toSeconds(), TimeUnit.SECONDS));
        t.join();
        assertNull(failure.get(), () -> String.valueOf(failure.get()));
        assertTrue(wasGranted, "the waiter was starved for " + i + " rounds");
    }

    /**
     * The cycle of LockHandle's javadoc across two sessions: W1 (A) waits for SUBTREE /a, blocked by
     * h1's (B) POINT /a/x; W2 (B) waits for SUBTREE /b, blocked by h3's (A) POINT /b/z; then h1 asks
     * /b/y (under W2's mark) and h3 asks /a/q (under W1's mark). Respecting both marks would close a
     * cycle; everything must be granted.
     */
    @Test
    void pendingMarksAcrossSessionsCloseNoWaitCycle() throws Exception
    {
        final LockManager a = managers.open(root, "none");
        final LockManager b = managers.open(root, "none");
        final LockHandle h1 = b.open("h1");
        h1.tryAcquire(LockRequest.point("/a/x"));
        final LockHandle h3 = a.open("h3");
        h3.tryAcquire(LockRequest.point("/b/z"));
        final java.util.List<Thread> threads = new java.util.ArrayList<>();
        final java.util.concurrent.ConcurrentLinkedQueue<Throwable> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
        final CountDownLatch done = new CountDownLatch(4);
        final java.util.function.BiFunction<LockManager, LockRequest, Thread> waiter = (m, r) ->
        {
            final Thread t = new Thread(() ->
            {
                try (LockHandle w = m.open("w"))
                {
                    w.acquire(r, HostSpec.GUARD);
                }
                catch (final Throwable e)
                {
                    failures.add(e);
                }
                done.countDown();
            });
            t.start();
            threads.add(t);
            return t;
        };
        waiter.apply(a, LockRequest.subtree("/a"));
        HostSpec.awaitWaiter(a);
        waiter.apply(b, LockRequest.subtree("/b"));
        HostSpec.awaitWaiter(b);
        final Thread t1 = new Thread(() ->
        {
            try
            {
                h1.acquire(LockRequest.point("/b/y"), HostSpec.GUARD);
                h1.close();
            }
            catch (final Throwable e)
            {
                failures.add(e);
            }
            done.countDown();
        });
        final Thread t3 = new Thread(() ->
        {
            try
            {
                h3.acquire(LockRequest.point("/a/q"), HostSpec.GUARD);
                h3.close();
            }
            catch (final Throwable e)
            {
                failures.add(e);
            }
            done.countDown();
        });
        t1.start();
        t3.start();
        assertTrue(done.await(HostSpec.GUARD.toSeconds() + 30, TimeUnit.SECONDS), "a wait cycle through pending marks");
        t1.join();
        t3.join();
        for (final Thread t : threads)
        {
            t.join();
        }
        assertTrue(failures.isEmpty(), "failures (a timeout means a wait cycle): " + failures);
    }
}

package io.pathlock.host.spec;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockMode;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockTimeoutException;
import io.pathlock.core.LockType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * All-or-nothing batches across sessions of one host table: a refused batch (at once, or after a
 * timed wait) leaves nothing held, raised or marked, so a third session can take every path of it;
 * random batches from several threads of two managers finish without deadlock and never overlap
 * (checked by an independent recorder on {@link SpecMatrix}).
 */
class HostBatchSpecTest
{
    @TempDir
    Path root;

    private final HostSpec.Managers managers = new HostSpec.Managers();

    @AfterEach
    void close()
    {
        managers.close();
    }

    /** The batch: its blocked path is {@code blocked}; the other entries are free. */
    private static LockRequest batch(final String blocked)
    {
        return LockRequest.builder()
            .add("/x/a", LockType.SUBTREE)
            .add("/y/b", LockType.POINT)
            .add("/w", LockType.SUBTREE, LockMode.SHARED)
            .add(blocked, LockType.POINT)
            .build();
    }

    /**
     * Every path of the batch and their ancestors, taken by a third session: SUBTREE where that does
     * not meet the blocker's POINT, else POINT (which still meets any hold of the refused batch there).
     */
    private static void assertThirdSessionTakesEverything(final LockManager c, final String blocked, final String why)
    {
        for (final String p : new String[] {"/x/a", "/x", "/y/b", "/y", "/w", "/x/a/other"})
        {
            final boolean meetsBlocker = p.equals(blocked) || SpecMatrix.strictAncestor(p, blocked);
            final LockRequest r = meetsBlocker ? LockRequest.point(p) : LockRequest.subtree(p);
            try (LockHandle h = c.tryLock(r))
            {
                assertNotNull(h, why + ": " + r + " is refused to a third session");
            }
        }
    }

    @ParameterizedTest(name = "blocked entry {0}")
    @ValueSource(strings = {"/a/blocked", "/x/a/z", "/y/c", "/zz/blocked"})
    void refusedBatchLeavesNothingHeld(final String blocked)
    {
        final LockManager a = managers.open(root, "none");
        final LockManager b = managers.open(root, "none");
        final LockManager c = managers.open(root, "none");
        final LockHandle blocker = b.open("blocker");
        blocker.tryAcquire(LockRequest.point(blocked));
        assertNull(a.tryLock(batch(blocked)), "the batch meets B's POINT " + blocked);
        assertThirdSessionTakesEverything(c, blocked, "after a refused batch");
        blocker.close();
        try (LockHandle all = c.tryLock(LockRequest.subtree("/")))
        {
            assertNotNull(all, "after B released, nothing of A's refused batch is left");
        }
        try (LockHandle h = a.tryLock(batch(blocked)))
        {
            assertNotNull(h, "the batch is granted once B released");
            assertEquals(batch(blocked).size(), h.locks().size(), h.locks().toString());
            assertNull(c.tryLock(LockRequest.point("/y/b")));
            assertNull(c.tryLock(LockRequest.point(blocked)));
            assertNull(c.tryLock(LockRequest.point("/x/a/q")));
            try (LockHandle reader = c.tryLock(LockRequest.pointShared("/w/r")))
            {
                assertNotNull(reader, "SUBTREE-SHARED /w lets readers in");
            }
        }
    }

    @Test
    void timedOutBatchLeavesNothingHeldNorMarked() throws Exception
    {
        final LockManager a = managers.open(root, "none");
        final LockManager b = managers.open(root, "none");
        final LockManager c = managers.open(root, "none");
        final LockHandle blocker = b.open("blocker");
        blocker.tryAcquire(LockRequest.point("/x/a/deep"));
        try (LockHandle h = a.open("waiter"))
        {
            // SUBTREE /x/a waits on B's POINT below it, placing a pending mark while it waits.
            final LockTimeoutException e = assertThrows(LockTimeoutException.class,
                () -> h.acquire(batch("/q"), Duration.ofMillis(200)));
            assertNotNull(e.conflict());
            assertTrue(h.locks().isEmpty(), h.locks().toString());
        }
        // A third session's tryLock respects pending marks: a leaked mark on /x/a would refuse these.
        try (LockHandle h = c.tryLock(LockRequest.point("/x/a/other")))
        {
            assertNotNull(h, "a pending mark of the timed-out SUBTREE waiter is left on /x/a");
        }
        for (final String p : new String[] {"/y/b", "/y", "/w", "/q"})
        {
            try (LockHandle h = c.tryLock(LockRequest.subtree(p)))
            {
                assertNotNull(h, "after a timed-out batch: SUBTREE " + p + " is refused to a third session");
            }
        }
        blocker.close();
        try (LockHandle all = c.tryLock(LockRequest.subtree("/")))
        {
            assertNotNull(all, "nothing of the timed-out batch is left");
        }
    }

    /** Independent record of what is held, checked at every grant. */
    private static final class Recorder
    {
        private final List<Object[]> active = new ArrayList<>();
        private final List<String> violations = new ArrayList<>();

        synchronized void granted(final Object owner, final LockRequest r)
        {
            for (final LockRequest.Entry e : r.entries())
            {
                for (final Object[] h : active)
                {
                    final LockRequest.Entry he = (LockRequest.Entry)h[1];
                    if (h[0] != owner && SpecMatrix.conflicts(he.path().toString(), he.type(), he.mode(),
                        e.path().toString(), e.type(), e.mode()))
                    {
                        violations.add(e + " granted while another owner holds " + he);
                    }
                }
            }
            for (final LockRequest.Entry e : r.entries())
            {
                active.add(new Object[] {owner, e});
            }
        }

        synchronized void releasing(final Object owner)
        {
            active.removeIf(h -> h[0] == owner);
        }

        synchronized List<String> violations()
        {
            return new ArrayList<>(violations);
        }
    }

    @ParameterizedTest(name = "interop {0}")
    @ValueSource(strings = {"none", "ragfs", "file-ragfs"})
    void randomBatchesFromThreadsOfTwoManagersFinishWithoutDeadlockOrOverlap(final String interop) throws Exception
    {
        final LockManager[] ms = {managers.open(root, interop), managers.open(root, interop)};
        final int threadsPerManager = 3;
        final int rounds = 300;
        final Recorder rec = new Recorder();
        final CyclicBarrier start = new CyclicBarrier(ms.length * threadsPerManager);
        final AtomicLong done = new AtomicLong();
        final List<Throwable> failures = new ArrayList<>();
        final List<Thread> threads = new ArrayList<>();
        for (int mi = 0; mi < ms.length; mi++)
        {
            for (int t = 0; t < threadsPerManager; t++)
            {
                final LockManager m = ms[mi];
                final Random rnd = new Random(1000L * mi + t);
                threads.add(new Thread(() ->
                {
                    try (LockHandle h = m.open("batch"))
                    {
                        start.await();
                        for (int i = 0; i < rounds; i++)
                        {
                            final LockRequest r = HostSpecChild.randomBatch(rnd);
                            h.acquire(r, HostSpec.GUARD);
                            rec.granted(h, r);
                            rec.releasing(h);
                            h.releaseAll();
                            done.incrementAndGet();
                        }
                    }
                    catch (final Throwable e)
                    {
                        synchronized (failures)
                        {
                            failures.add(e);
                        }
                    }
                }, "batch-" + mi + "-" + t));
            }
        }
        threads.forEach(Thread::start);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        for (final Thread t : threads)
        {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            assertFalse(t.isAlive(), "deadlock or starvation: " + t.getName() + " still running after " + done.get() +
                " batches; a timeout of " + HostSpec.GUARD + " per batch should have ended it");
        }
        assertTrue(failures.isEmpty(), "failures: " + failures);
        assertEquals(ms.length * threadsPerManager * rounds, done.get());
        assertEquals(List.of(), rec.violations());
        try (LockHandle all = ms[0].tryLock(LockRequest.subtree("/")))
        {
            assertNotNull(all, "everything released");
        }
    }
}

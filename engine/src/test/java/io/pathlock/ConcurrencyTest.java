package io.pathlock;

import io.pathlock.core.LockPath;
import io.pathlock.core.LockType;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockBusyException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many-thread tests of the lock table and facade: mutual exclusion checked by an independent
 * recorder, deadlock freedom of random batches and moves, starvation freedom of SUBTREE waiters
 * (LockTable invariants 1, 5 and 6).
 */
class ConcurrencyTest
{
    private final LockManager manager = LockManager.builder().startAgent(false).build();

    @AfterEach
    void close()
    {
        manager.close();
    }

    /**
     * The recorder ({@link MutualExclusionRecorder}) knows nothing of the lock code: each holder
     * marks the paths it holds and checks, while it holds them, that no one else holds a
     * conflicting path per DESIGN §2.
     */
    @Test
    void mutualExclusionUnderRandomLoad() throws Exception
    {
        final MutualExclusionRecorder recorder = new MutualExclusionRecorder(MutualExclusionRecorder.tree());
        final int threads = 6;
        final int iterations = 4000;
        recorder.runRandomLoad(facade(manager), threads, iterations, 42, false, Duration.ofMinutes(2));
        assertTrue(recorder.violations().isEmpty(),
            () -> recorder.violations().size() + " violations, first: " + recorder.violations().peek());
        assertEquals((long)threads * iterations, recorder.grants());
        assertEquals(1, manager.table().reclaimIdle(), "nothing left locked: every node reclaimable");
        assertEquals(0, manager.table().root().intentCount());
    }

    /**
     * The recorder catches a broken claim directly, as an overlap it reports (not by a timeout):
     * over a deliberately broken table whose SUBTREE claim ignores the locks below it, the same
     * random load must report violations, and a scripted overlap is reported at once.
     */
    @Test
    void recorderReportsTheOverlapsOfABrokenTable() throws Exception
    {
        final MutualExclusionRecorder scripted = new MutualExclusionRecorder(MutualExclusionRecorder.tree());
        final LockRequest below = LockRequest.point("/d0/e0/f1");
        final LockRequest wide = LockRequest.subtree("/d0");
        try (AutoCloseable a = facade(manager).lock(below))
        {
            scripted.enter(below);
            try (LockHandle h = manager.open("control"))
            {
                assertThrows(LockBusyException.class, () -> h.tryAcquire(wide), "the real table refuses the overlap");
            }
            try (AutoCloseable b = subtreeIgnoresLocksBelow(manager).lock(wide))
            {
                scripted.enter(wide);
                scripted.exit(wide);
            }
            scripted.exit(below);
        }
        assertFalse(scripted.violations().isEmpty(), "the recorder saw SUBTREE /d0 granted over POINT /d0/e0/f1");
        assertTrue(scripted.violations().peek().contains("/d0"), scripted.violations().peek());

        final MutualExclusionRecorder random = new MutualExclusionRecorder(MutualExclusionRecorder.tree());
        random.runRandomLoad(subtreeIgnoresLocksBelow(manager), 6, 4000, 42, true, Duration.ofMinutes(2));
        assertFalse(random.violations().isEmpty(), "no overlap reported in " + random.grants()
            + " grants over a table whose SUBTREE ignores the locks below");
    }

    /** The facade, as the recorder's workload drives it. */
    private static MutualExclusionRecorder.Locker facade(final LockManager m)
    {
        return (req) ->
        {
            final LockHandle h = m.open("t");
            try
            {
                h.acquire(req, Duration.ofSeconds(30));
            }
            catch (final Exception e)
            {
                h.close();
                throw e;
            }
            return h;
        };
    }

    /**
     * A deliberately broken table: every SUBTREE entry is claimed as a POINT, so the claim ignores
     * the intention count (the locks below it) and does not stop new locks below; everything else is
     * the real table.
     */
    private static MutualExclusionRecorder.Locker subtreeIgnoresLocksBelow(final LockManager m)
    {
        return (req) ->
        {
            final LockRequest.Builder b = LockRequest.builder();
            for (final LockRequest.Entry e : req.entries())
            {
                b.add(e.path(), LockType.POINT);
            }
            return facade(m).lock(b.build());
        };
    }

    /** Moves in opposite directions and random batches never deadlock (bounded by a timeout, not by sleeping). */
    @Test
    void movesAndBatchesInRandomOrderNeverDeadlock() throws Exception
    {
        final int threads = 8;
        final int iterations = 3000;
        final CyclicBarrier start = new CyclicBarrier(threads);
        final AtomicInteger done = new AtomicInteger();
        final ExecutorService pool = Executors.newFixedThreadPool(threads);
        try
        {
            final List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final int id = t;
                fs.add(pool.submit(() ->
                {
                    final Random rnd = new Random(id);
                    start.await();
                    for (int it = 0; it < iterations; it++)
                    {
                        final LockRequest req;
                        switch (rnd.nextInt(3))
                        {
                            case 0:
                                req = id % 2 == 0 ? LockRequest.mv("/a/x", "/b", true) : LockRequest.mv("/b/y", "/a", true);
                                break;
                            case 1:
                                req = id % 2 == 0 ? LockRequest.mv("/a/x/f", "/b/y", false) :
                                    LockRequest.mv("/b/y/g", "/a/x", false);
                                break;
                            default:
                                final List<String> ps = new ArrayList<>(List.of("/a", "/b/y", "/a/x/z", "/c"));
                                Collections.shuffle(ps, rnd);
                                final LockRequest.Builder b = LockRequest.builder();
                                for (int i = 0; i < 3; i++)
                                {
                                    b.add(ps.get(i), rnd.nextBoolean() ? LockType.SUBTREE : LockType.POINT);
                                }
                                req = b.build();
                        }
                        try (LockHandle h = manager.open("mv"))
                        {
                            h.acquire(req);
                        }
                    }
                    done.incrementAndGet();
                    return null;
                }));
            }
            assertTimeoutPreemptively(Duration.ofMinutes(2), () ->
            {
                for (final Future<?> f : fs)
                {
                    f.get();
                }
            }, () -> "deadlock? snapshot: " + manager.snapshot());
        }
        finally
        {
            pool.shutdownNow();
        }
        assertEquals(threads, done.get());
    }

    /**
     * A stream of POINT holders below /s that always overlap (each releases only after another
     * stream thread was granted or refused) keeps the intent count of /s above zero forever unless
     * pending marks stop new entries (invariant 6). Without them this test times out.
     */
    @Test
    void subtreeWaiterWinsAgainstEndlessPointStreamBelow() throws Exception
    {
        final int streamThreads = 3;
        final AtomicLong events = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong streamGrants = new AtomicLong();
        final CyclicBarrier started = new CyclicBarrier(streamThreads + 1);
        final ExecutorService pool = Executors.newFixedThreadPool(streamThreads);
        try
        {
            for (int t = 0; t < streamThreads; t++)
            {
                final int id = t;
                pool.submit(() ->
                {
                    boolean first = true;
                    while (!stop.get())
                    {
                        try (LockHandle h = manager.open("stream"))
                        {
                            h.tryAcquire(LockRequest.point("/s/x" + id));
                            streamGrants.incrementAndGet();
                            final long seen = events.incrementAndGet();
                            if (first)
                            {
                                first = false;
                                started.await();
                            }
                            while (events.get() == seen && !stop.get())
                            {
                                Thread.yield();
                            }
                        }
                        catch (final LockBusyException e)
                        {
                            events.incrementAndGet();
                            Thread.yield();
                        }
                    }
                    return null;
                });
            }
            started.await(30, TimeUnit.SECONDS);
            try (LockHandle wide = manager.open("wide"))
            {
                assertTimeoutPreemptively(Duration.ofSeconds(60),
                    () -> wide.acquire(LockRequest.subtree("/s"), Duration.ofSeconds(30)));
                assertEquals(LockType.SUBTREE, wide.locks().get(0).type());
            }
            assertTrue(streamGrants.get() >= streamThreads);
        }
        finally
        {
            stop.set(true);
            pool.shutdown();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
    }

    /** Threads on disjoint paths all make progress with shared inflated ancestors (striped intent cells). */
    @Test
    void disjointPathsUnderContentionKeepCountsExact() throws Exception
    {
        final int threads = 4;
        final int iterations = 50_000;
        final CyclicBarrier start = new CyclicBarrier(threads);
        final ExecutorService pool = Executors.newFixedThreadPool(threads);
        try
        {
            final List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final LockPath p = LockPath.parse("/shared/t" + t + "/leaf");
                fs.add(pool.submit(() ->
                {
                    final io.pathlock.table.LockTable.Conflict c = new io.pathlock.table.LockTable.Conflict();
                    start.await();
                    for (int i = 0; i < iterations; i++)
                    {
                        final io.pathlock.table.TrieNode node =
                            manager.table().tryLock(p, LockType.POINT, 0, false, null, c);
                        if (node == null)
                        {
                            throw new AssertionError("disjoint POINT refused: " + c.kind() + " at " + c.node());
                        }
                        manager.table().unlock(node);
                    }
                    return null;
                }));
            }
            for (final Future<?> f : fs)
            {
                f.get(2, TimeUnit.MINUTES);
            }
        }
        finally
        {
            pool.shutdownNow();
        }
        assertEquals(0, manager.table().root().intentCount());
        try (LockHandle h = manager.open("after"))
        {
            h.tryAcquire(LockRequest.subtree("/"));
        }
    }
}

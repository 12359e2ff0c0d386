package io.pathlock;

import io.pathlock.core.LockPath;
import io.pathlock.core.LockType;
import io.pathlock.core.LockRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An observer of critical sections that knows nothing of the lock code: each holder announces the
 * paths it holds ({@link #enter}) and, while it holds them, checks that no one else holds a
 * conflicting path per DESIGN §2; it reports every overlap it sees as a violation (it does not rely
 * on a test timing out). {@link #runRandomLoad} drives it from several threads over any
 * {@link Locker}; a deliberately broken one must make it report overlaps (see
 * {@code ConcurrencyTest.recorderReportsTheOverlapsOfABrokenTable}).
 *
 * <p>A holder checks only against its own locks: every read happens inside its own hold window, so
 * any conflicting counter it sees non-zero is a real overlap. (Checking unrelated paths would compare
 * counters read at different times, outside any lock, and report overlaps that never happened.)
 *
 * <p>Thread-safe.
 */
final class MutualExclusionRecorder
{
    /** Takes a request and returns what releases it. */
    @FunctionalInterface
    interface Locker
    {
        AutoCloseable lock(LockRequest request) throws Exception;
    }

    private final List<LockPath> paths;
    private final AtomicIntegerArray pointHolders;
    private final AtomicIntegerArray subtreeHolders;
    private final Queue<String> violations = new ConcurrentLinkedQueue<>();
    private final AtomicLong grants = new AtomicLong();

    MutualExclusionRecorder(final List<LockPath> paths)
    {
        this.paths = List.copyOf(paths);
        pointHolders = new AtomicIntegerArray(paths.size());
        subtreeHolders = new AtomicIntegerArray(paths.size());
    }

    /** A small tree: /, /d0../d2, /d0/e0../d2/e2, /d0/e0/f0.. (40 paths). */
    static List<LockPath> tree()
    {
        final List<LockPath> paths = new ArrayList<>();
        paths.add(LockPath.root());
        for (int i = 0; i < 3; i++)
        {
            paths.add(LockPath.parse("/d" + i));
            for (int j = 0; j < 3; j++)
            {
                paths.add(LockPath.parse("/d" + i + "/e" + j));
                for (int k = 0; k < 3; k++)
                {
                    paths.add(LockPath.parse("/d" + i + "/e" + j + "/f" + k));
                }
            }
        }
        return paths;
    }

    Queue<String> violations()
    {
        return violations;
    }

    long grants()
    {
        return grants.get();
    }

    /** Records that the caller now holds {@code req}, then checks it against every other holder. */
    void enter(final LockRequest req)
    {
        grants.incrementAndGet();
        for (final LockRequest.Entry e : req.entries())
        {
            (e.type() == LockType.SUBTREE ? subtreeHolders : pointHolders).incrementAndGet(index(e.path()));
        }
        check(req);
    }

    /** Checks again (the end of the hold window) and records that the caller released {@code req}. */
    void exit(final LockRequest req)
    {
        check(req);
        for (final LockRequest.Entry e : req.entries())
        {
            (e.type() == LockType.SUBTREE ? subtreeHolders : pointHolders).decrementAndGet(index(e.path()));
        }
    }

    private int index(final LockPath p)
    {
        final int i = paths.indexOf(p);
        if (i < 0)
        {
            throw new IllegalArgumentException(p + " is not one of the recorder's paths");
        }
        return i;
    }

    private void check(final LockRequest req)
    {
        final int n = paths.size();
        for (final LockRequest.Entry e : req.entries())
        {
            final int i = index(e.path());
            if (pointHolders.get(i) + subtreeHolders.get(i) != 1)
            {
                violations.add("another holder on " + e.path() + " while " + req + " holds it");
            }
            for (int j = 0; j < n; j++)
            {
                if (paths.get(j).isAncestorOf(e.path()) && subtreeHolders.get(j) > 0)
                {
                    violations.add("SUBTREE " + paths.get(j) + " held while " + req + " holds " + e.path());
                }
                if (e.type() == LockType.SUBTREE && e.path().isAncestorOf(paths.get(j))
                    && pointHolders.get(j) + subtreeHolders.get(j) > 0)
                {
                    violations.add(paths.get(j) + " held while " + req + " holds SUBTREE " + e.path());
                }
            }
        }
    }

    /**
     * Random batches of 1..3 entries (a quarter SUBTREE) over the recorder's paths from several
     * threads, each holder checking at the start and at the end of its hold window.
     *
     * @param stopAtFirstViolation return as soon as any thread saw an overlap, and yield inside
     *        each hold window so that holders overlap in time (for a broken locker; with a correct
     *        one a yield while holding only makes the waiters context-switch, 10x slower).
     * @param bound the most time the whole run may take; exceeding it fails with a message.
     */
    void runRandomLoad(final Locker locker, final int threads, final int iterations, final long seed,
        final boolean stopAtFirstViolation, final Duration bound) throws Exception
    {
        final int n = paths.size();
        final CyclicBarrier start = new CyclicBarrier(threads);
        final ExecutorService pool = Executors.newFixedThreadPool(threads);
        try
        {
            final List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final long threadSeed = seed + t;
                fs.add(pool.submit(() ->
                {
                    final Random rnd = new Random(threadSeed);
                    start.await(bound.toSeconds(), TimeUnit.SECONDS);
                    for (int it = 0; it < iterations && !(stopAtFirstViolation && !violations.isEmpty()); it++)
                    {
                        final int count = 1 + rnd.nextInt(3);
                        final LockRequest.Builder b = LockRequest.builder();
                        for (int c = 0; c < count; c++)
                        {
                            b.add(paths.get(rnd.nextInt(n)), rnd.nextInt(4) == 0 ? LockType.SUBTREE : LockType.POINT);
                        }
                        final LockRequest req = b.build();
                        try (AutoCloseable held = locker.lock(req))
                        {
                            enter(req);
                            if (stopAtFirstViolation)
                            {
                                Thread.yield();
                            }
                            exit(req);
                        }
                    }
                    return null;
                }));
            }
            final long deadline = System.nanoTime() + bound.toNanos();
            for (final Future<?> f : fs)
            {
                try
                {
                    f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
                catch (final java.util.concurrent.TimeoutException e)
                {
                    throw new AssertionError("random load did not finish within " + bound + " (deadlock?); "
                        + grants() + " grants, " + violations.size() + " violations", e);
                }
            }
        }
        finally
        {
            pool.shutdownNow();
        }
    }
}

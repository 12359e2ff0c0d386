package io.pathlock.bench;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.table.ChainCache;
import io.pathlock.table.LockTable;
import io.pathlock.table.TrieNode;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Disjoint-path throughput: each thread locks its own depth-6 path {@code /data/u<N>/proj/src/main/f}
 * (all share the root and {@code /data}), POINT acquire+release, with 1 and with 2 threads, on the lock
 * table and through the facade; beside them, in the same run, one JDK {@link ReentrantLock} per thread
 * (per path), which shares nothing. Targets: 2 threads at least 1.6x one thread (issue 2), and a
 * scaling ratio (2 threads / 1 thread) at least 0.9x the ReentrantLock's (issue 11). The shared
 * ancestors' raises stay cached per thread (intent chains, LockTable invariant 8), so the threads
 * write nothing in common; the lock table is driven as the facade drives it, with each thread's
 * chain cache.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar DisjointPathsBenchmark}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class DisjointPathsBenchmark
{
    /** One manager shared by all threads. */
    @State(Scope.Benchmark)
    public static class Shared
    {
        LockManager manager;
        final AtomicInteger ids = new AtomicInteger();

        /** Creates the manager. */
        @Setup(Level.Trial)
        public void setUp()
        {
            manager = LockManager.create();
        }

        /** Closes it. */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            manager.close();
        }
    }

    /** Each thread's own path and handle. */
    @State(Scope.Thread)
    public static class PerThread
    {
        LockPath path;
        LockRequest request;
        LockHandle handle;
        final LockTable.Conflict conflict = new LockTable.Conflict();
        final ReentrantLock jdkLock = new ReentrantLock();
        ChainCache chains;

        /**
         * Picks this thread's path.
         *
         * @param shared the shared manager.
         */
        @Setup(Level.Trial)
        public void setUp(final Shared shared)
        {
            final int id = shared.ids.getAndIncrement();
            path = LockPath.parse("/data/u" + id + "/proj/src/main/f");
            request = LockRequest.point(path.toString());
            handle = shared.manager.open("t" + id);
            chains = shared.manager.table().newChainCache();
        }
    }

    /** The table as the facade uses it: with the thread's cache of intent chains (LockTable invariant 8). */
    private static TrieNode table(final Shared s, final PerThread t)
    {
        final LockTable table = s.manager.table();
        final TrieNode n = table.tryLock(t.path, LockType.POINT, 0, false, null, t.conflict, t.chains);
        table.unlock(n, t.path, t.conflict.chain(), t.chains);
        return n;
    }

    private static LockHandle handle(final PerThread t)
    {
        t.handle.tryAcquire(t.request);
        t.handle.releaseAll();
        return t.handle;
    }

    /**
     * Lock table, one thread.
     *
     * @param s shared state.
     * @param t thread state.
     * @return the node.
     */
    @Benchmark
    @Threads(1)
    public TrieNode table1Thread(final Shared s, final PerThread t)
    {
        return table(s, t);
    }

    /**
     * Lock table, two threads.
     *
     * @param s shared state.
     * @param t thread state.
     * @return the node.
     */
    @Benchmark
    @Threads(2)
    public TrieNode table2Threads(final Shared s, final PerThread t)
    {
        return table(s, t);
    }

    /**
     * Facade, one thread.
     *
     * @param t thread state.
     * @return the handle.
     */
    @Benchmark
    @Threads(1)
    public LockHandle handle1Thread(final PerThread t)
    {
        return handle(t);
    }

    /**
     * Facade, two threads.
     *
     * @param t thread state.
     * @return the handle.
     */
    @Benchmark
    @Threads(2)
    public LockHandle handle2Threads(final PerThread t)
    {
        return handle(t);
    }

    private static int reentrant(final PerThread t)
    {
        t.jdkLock.lock();
        try
        {
            return t.jdkLock.getHoldCount();
        }
        finally
        {
            t.jdkLock.unlock();
        }
    }

    /**
     * Baseline: one JDK ReentrantLock per thread, one thread.
     *
     * @param t thread state.
     * @return the hold count.
     */
    @Benchmark
    @Threads(1)
    public int reentrant1Thread(final PerThread t)
    {
        return reentrant(t);
    }

    /**
     * Baseline: one JDK ReentrantLock per thread, two threads.
     *
     * @param t thread state.
     * @return the hold count.
     */
    @Benchmark
    @Threads(2)
    public int reentrant2Threads(final PerThread t)
    {
        return reentrant(t);
    }
}

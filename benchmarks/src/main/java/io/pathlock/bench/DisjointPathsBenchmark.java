package io.pathlock.bench;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
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

/**
 * Disjoint-path throughput: each thread locks its own depth-6 path (all share the root and
 * {@code /data}), POINT acquire+release, with 1 and with 2 threads (target: 2 threads at least 1.6x
 * one thread). The shared ancestors' intent counters inflate into striped cells under contention.
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
            manager = LockManager.builder().startAgent(false).build();
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

        /**
         * Picks this thread's path.
         *
         * @param shared the shared manager.
         */
        @Setup(Level.Trial)
        public void setUp(final Shared shared)
        {
            final int id = shared.ids.getAndIncrement();
            path = LockPath.parse("/data/t" + id + "/b/c/d/e");
            request = LockRequest.point(path.toString());
            handle = shared.manager.open("t" + id);
        }
    }

    private static TrieNode table(final Shared s, final PerThread t)
    {
        final LockTable table = s.manager.table();
        final TrieNode n = table.tryLock(t.path, LockType.POINT, 0, false, null, t.conflict);
        table.unlock(n);
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
}

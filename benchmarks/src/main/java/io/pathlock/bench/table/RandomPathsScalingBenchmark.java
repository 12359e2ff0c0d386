package io.pathlock.bench.table;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.table.ChainCache;
import io.pathlock.table.IntentChain;
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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * POINT locks on files drawn at random from the {@code pathlock bench} tree (depth 4, fanout 8: 4,096
 * files, 8 top-level directories), each thread its own pool of 1,024 paths, one lock table (or one
 * manager) shared by 1 and by 2 threads: what the paths' shared ancestors cost when the locks spread
 * over many parents. The table is driven as the facade drives it, with each thread's cache of intent
 * chains (LockTable invariant 8, whose top-level chains spare the writes to the root and the top-level
 * directories); beside it, the facade (a handle per thread, tryAcquire + releaseAll). The two threads'
 * paths collide now and then (the same file): a refused lock counts as an operation too.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar RandomPathsScalingBenchmark}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class RandomPathsScalingBenchmark
{
    /** Requests in each thread's pool (the bench's default). */
    static final int POOL = 1024;

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

    /** Each thread's pool of paths, its handle and its chain cache. */
    @State(Scope.Thread)
    public static class PerThread
    {
        final LockPath[] paths = new LockPath[POOL];
        final LockRequest[] requests = new LockRequest[POOL];
        final LockTable.Conflict conflict = new LockTable.Conflict();
        LockHandle handle;
        ChainCache chains;
        int next;

        /**
         * Draws this thread's pool.
         *
         * @param shared the shared manager.
         */
        @Setup(Level.Trial)
        public void setUp(final Shared shared)
        {
            final int id = shared.ids.getAndIncrement();
            final SplittableRandom rnd = new SplittableRandom(42 + id);
            for (int i = 0; i < POOL; i++)
            {
                paths[i] = LockPath.parse("/d" + rnd.nextInt(8) + "/d" + rnd.nextInt(8) + "/d" + rnd.nextInt(8) + "/f"
                    + rnd.nextInt(8));
                requests[i] = LockRequest.point(paths[i].toString());
            }
            handle = shared.manager.open("t" + id);
            chains = shared.manager.table().newChainCache();
        }

        int draw()
        {
            return next++ & (POOL - 1);
        }
    }

    private static Object table(final Shared s, final PerThread t)
    {
        final LockTable table = s.manager.table();
        final LockPath p = t.paths[t.draw()];
        final TrieNode n = table.tryLock(p, LockType.POINT, 0, false, null, t.conflict, t.chains);
        if (n == null)
        {
            t.conflict.clear();
            return t;
        }
        final IntentChain c = t.conflict.chain();
        t.conflict.clear();
        table.unlock(n, p, c, t.chains);
        return n;
    }

    private static Object handle(final PerThread t)
    {
        if (t.handle.tryLock(t.requests[t.draw()]))
        {
            t.handle.releaseAll();
        }
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
    public Object table1Thread(final Shared s, final PerThread t)
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
    public Object table2Threads(final Shared s, final PerThread t)
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
    public Object handle1Thread(final PerThread t)
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
    public Object handle2Threads(final PerThread t)
    {
        return handle(t);
    }
}

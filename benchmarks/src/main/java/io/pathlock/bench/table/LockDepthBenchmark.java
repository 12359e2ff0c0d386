package io.pathlock.bench.table;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.baseline.NaiveHierarchicalLock;
import io.pathlock.table.LockTable;
import io.pathlock.table.TrieNode;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.StampedLock;

/**
 * Uncontended acquire+release of one POINT or SUBTREE lock by path depth (1, 4, 8, 16), on the lock
 * table ({@link #table}), through the facade ({@link #handle}: tryAcquire + releaseAll, fencing token
 * included) and on the naive map of read-write locks ({@link #naive}); beside them, in the same run,
 * a JDK {@link ReentrantLock} lock+unlock and a {@link StampedLock} write lock+unlock, which know
 * nothing of paths and set the floor a single mutex costs.
 *
 * <p>The baselines use a state without parameters, so JMH runs them once, not once per depth.
 * Every operation of the engine is O(depth), so the interesting figures are the slopes: engine vs
 * naive at the same depth, and engine at depth d vs the mutex floor.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar LockDepthBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LockDepthBenchmark
{
    /** The JDK locks: one per thread, never contended. */
    @State(Scope.Thread)
    public static class Mutexes
    {
        final ReentrantLock reentrant = new ReentrantLock();
        final StampedLock stamped = new StampedLock();
    }

    /** A path of the given depth, on a fresh manager and a fresh naive map. */
    @State(Scope.Thread)
    public static class DeepPath
    {
        /** Number of segments below the root. */
        @Param({"1", "4", "8", "16"})
        public int depth;

        /** Lock type taken on the path. */
        @Param({"POINT", "SUBTREE"})
        public LockType type;

        LockManager manager;
        LockTable table;
        LockHandle handle;
        LockPath path;
        LockRequest request;
        NaiveHierarchicalLock naive;
        final LockTable.Conflict conflict = new LockTable.Conflict();

        /** Builds the path {@code /s1/s2/.../s<depth>} and the contenders. */
        @Setup(Level.Trial)
        public void setUp()
        {
            final StringBuilder sb = new StringBuilder();
            for (int i = 1; i <= depth; i++)
            {
                sb.append("/s").append(i);
            }
            path = LockPath.parse(sb);
            if (path.depth() != depth)
            {
                throw new IllegalStateException("path " + path + " has depth " + path.depth() + ", wanted " + depth);
            }
            request = type == LockType.POINT ? LockRequest.point(sb) : LockRequest.subtree(sb);
            manager = LockManager.builder().startAgent(false).build();
            table = manager.table();
            handle = manager.open("depth-bench");
            naive = new NaiveHierarchicalLock();
        }

        /** Closes the manager. */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            manager.close();
        }
    }

    /**
     * Baseline: JDK ReentrantLock lock+unlock.
     *
     * @param m the thread's locks.
     * @return the hold count inside the lock.
     */
    @Benchmark
    public int reentrantLock(final Mutexes m)
    {
        m.reentrant.lock();
        try
        {
            return m.reentrant.getHoldCount();
        }
        finally
        {
            m.reentrant.unlock();
        }
    }

    /**
     * Baseline: StampedLock write lock+unlock.
     *
     * @param m the thread's locks.
     * @return the stamp.
     */
    @Benchmark
    public long stampedLock(final Mutexes m)
    {
        final long stamp = m.stamped.writeLock();
        m.stamped.unlockWrite(stamp);
        return stamp;
    }

    /**
     * The lock table: tryLock + unlock of one path.
     *
     * @param p the path.
     * @return the node.
     */
    @Benchmark
    public TrieNode table(final DeepPath p)
    {
        final TrieNode n = p.table.tryLock(p.path, p.type, 0, false, null, p.conflict);
        p.table.unlock(n);
        return n;
    }

    /**
     * The facade: tryAcquire + releaseAll on a handle.
     *
     * @param p the path.
     * @return the handle.
     */
    @Benchmark
    public LockHandle handle(final DeepPath p)
    {
        p.handle.tryAcquire(p.request);
        p.handle.releaseAll();
        return p.handle;
    }

    /**
     * Baseline: the naive map of read-write locks, lock + unlock of the same request.
     *
     * @param p the path.
     * @return the number of JDK locks the request took.
     */
    @Benchmark
    public int naive(final DeepPath p)
    {
        final List<Lock> taken = p.naive.lock(p.request);
        p.naive.unlock(taken);
        return taken.size();
    }
}

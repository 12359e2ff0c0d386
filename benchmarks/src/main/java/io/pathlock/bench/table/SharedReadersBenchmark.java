package io.pathlock.bench.table;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
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
import uk.ac.ic.doc.slurp.multilock.HierarchicalMultiLock;
import uk.ac.ic.doc.slurp.multilock.MultiLock;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Readers sharing one lock (issue 15): 1 and 2 threads, each with its own reused handle, take
 * SUBTREE-SHARED on one node, or POINT-SHARED on one path, at depth 6
 * ({@link RealisticCallBenchmark#PATH}), and release it; against the baselines a user would pick for
 * a read lock: the JDK's {@link ReentrantReadWriteLock} read lock (one lock, no hierarchy) and
 * java-multilocks S on the depth-6 node of a {@link HierarchicalMultiLock} chain built once (IS on
 * the six ancestors, S on the node).
 *
 * <p>Every reader writes the same words (the node's SP/SS count and its ancestors' IS, or the
 * RRWL state, or the multilock counters), so with 2 threads this measures the cache-line traffic
 * of shared acquisition, which no reader lock avoids without per-reader striping.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar SharedReadersBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Benchmark)
public class SharedReadersBenchmark
{
    private LockManager manager;
    private final LockRequest subtreeShared = LockRequest.subtreeShared(RealisticCallBenchmark.PATH);
    private final LockRequest pointShared = LockRequest.pointShared(RealisticCallBenchmark.PATH);
    private final ReentrantReadWriteLock rwLock = new ReentrantReadWriteLock();
    private HierarchicalMultiLock multiLock;

    /** One reused handle per thread. */
    @State(Scope.Thread)
    public static class Reader
    {
        LockHandle handle;

        /**
         * Opens the thread's handle.
         *
         * @param b the shared state.
         */
        @Setup(Level.Trial)
        public void setUp(final SharedReadersBenchmark b)
        {
            handle = b.manager.open("reader");
        }

        /** Closes the handle. */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            handle.close();
        }
    }

    /** Builds the manager and the java-multilocks chain. */
    @Setup(Level.Trial)
    public void setUp()
    {
        manager = LockManager.create();
        MultiLock parent = new MultiLock();
        final String[] segments = RealisticCallBenchmark.PATH.substring(1).split("/");
        for (int i = 0; i < segments.length; i++)
        {
            parent = new HierarchicalMultiLock(parent);
        }
        multiLock = (HierarchicalMultiLock)parent;
    }

    /** Closes the manager. */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        manager.close();
    }

    private LockHandle subtreeShared(final Reader r)
    {
        r.handle.tryAcquire(subtreeShared);
        r.handle.releaseAll();
        return r.handle;
    }

    private LockHandle pointShared(final Reader r)
    {
        r.handle.tryAcquire(pointShared);
        r.handle.releaseAll();
        return r.handle;
    }

    private int rwRead()
    {
        rwLock.readLock().lock();
        try
        {
            return rwLock.getReadHoldCount();
        }
        finally
        {
            rwLock.readLock().unlock();
        }
    }

    private MultiLock multiLockS()
    {
        multiLock.readLock();
        multiLock.unlockRead();
        return multiLock;
    }

    /**
     * SUBTREE-SHARED at depth 6, one thread.
     *
     * @param r the thread's handle.
     * @return the handle.
     */
    @Benchmark
    @Threads(1)
    public LockHandle subtreeShared1(final Reader r)
    {
        return subtreeShared(r);
    }

    /**
     * SUBTREE-SHARED at depth 6, two threads on the same node.
     *
     * @param r the thread's handle.
     * @return the handle.
     */
    @Benchmark
    @Threads(2)
    public LockHandle subtreeShared2(final Reader r)
    {
        return subtreeShared(r);
    }

    /**
     * POINT-SHARED at depth 6, one thread.
     *
     * @param r the thread's handle.
     * @return the handle.
     */
    @Benchmark
    @Threads(1)
    public LockHandle pointShared1(final Reader r)
    {
        return pointShared(r);
    }

    /**
     * POINT-SHARED at depth 6, two threads on the same path.
     *
     * @param r the thread's handle.
     * @return the handle.
     */
    @Benchmark
    @Threads(2)
    public LockHandle pointShared2(final Reader r)
    {
        return pointShared(r);
    }

    /**
     * JDK ReentrantReadWriteLock read lock, one thread.
     *
     * @return the read hold count.
     */
    @Benchmark
    @Threads(1)
    public int rwReadLock1()
    {
        return rwRead();
    }

    /**
     * JDK ReentrantReadWriteLock read lock, two threads.
     *
     * @return the read hold count.
     */
    @Benchmark
    @Threads(2)
    public int rwReadLock2()
    {
        return rwRead();
    }

    /**
     * java-multilocks S on the depth-6 node (IS on its ancestors), one thread.
     *
     * @return the lock.
     */
    @Benchmark
    @Threads(1)
    public MultiLock multiLockS1()
    {
        return multiLockS();
    }

    /**
     * java-multilocks S on the depth-6 node (IS on its ancestors), two threads.
     *
     * @return the lock.
     */
    @Benchmark
    @Threads(2)
    public MultiLock multiLockS2()
    {
        return multiLockS();
    }
}

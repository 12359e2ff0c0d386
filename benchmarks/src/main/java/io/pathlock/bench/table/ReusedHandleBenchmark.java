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
import org.openjdk.jmh.annotations.Warmup;
import uk.ac.ic.doc.slurp.multilock.HierarchicalMultiLock;
import uk.ac.ic.doc.slurp.multilock.MultiLock;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Issue 11, the reused handle: one handle kept open, a request built once, {@code tryAcquire} +
 * {@code releaseAll} at depth 6 ({@code /data/u1/proj/src/main/f}), beside its baselines in one run:
 * <ul>
 *   <li>{@link #point} vs {@link #reentrantLock} (a JDK {@link ReentrantLock} lock+unlock): target at
 *       most 4x, and 0 B/op allocated ({@code -prof gc});</li>
 *   <li>{@link #subtree} vs {@link #multiLockX}: java-multilocks X on the node, as a user who keeps the
 *       lock objects writes it: a {@link HierarchicalMultiLock} chain built once (root and five
 *       ancestors), whose {@code writeLock} takes IX on every ancestor and X on the node: target at
 *       most 0.5x.</li>
 * </ul>
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ReusedHandleBenchmark -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class ReusedHandleBenchmark
{
    private LockManager manager;
    private LockHandle handle;
    private final LockRequest pointRequest = LockRequest.point(RealisticCallBenchmark.PATH);
    private final LockRequest subtreeRequest = LockRequest.subtree(RealisticCallBenchmark.PATH);
    private final ReentrantLock jdkLock = new ReentrantLock();
    private HierarchicalMultiLock multiLock;

    /** Builds the manager, the handle and the java-multilocks chain. */
    @Setup(Level.Trial)
    public void setUp()
    {
        manager = LockManager.create();
        handle = manager.open("bench");
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

    /**
     * POINT at depth 6 on the reused handle.
     *
     * @return the handle.
     */
    @Benchmark
    public LockHandle point()
    {
        handle.tryAcquire(pointRequest);
        handle.releaseAll();
        return handle;
    }

    /**
     * SUBTREE at depth 6 on the reused handle.
     *
     * @return the handle.
     */
    @Benchmark
    public LockHandle subtree()
    {
        handle.tryAcquire(subtreeRequest);
        handle.releaseAll();
        return handle;
    }

    /**
     * JDK ReentrantLock lock+unlock.
     *
     * @return the hold count, to keep the work alive.
     */
    @Benchmark
    public int reentrantLock()
    {
        jdkLock.lock();
        try
        {
            return jdkLock.getHoldCount();
        }
        finally
        {
            jdkLock.unlock();
        }
    }

    /**
     * java-multilocks X on the depth-6 node (IX on its six ancestors), lock objects kept.
     *
     * @return the lock.
     */
    @Benchmark
    public MultiLock multiLockX()
    {
        multiLock.writeLock();
        multiLock.unlockWrite();
        return multiLock;
    }
}

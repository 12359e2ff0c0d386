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
 *   <li>{@link #tablePoint} and {@link #tableSubtree}: what the handle builds on, the lock table with
 *       the thread's cached intent chain of the same path (a lock+release on the table alone, no
 *       handle, no fencing token, no held set), so that the report shows which share of
 *       {@link #point} and {@link #subtree} is the table's and which the facade's.</li>
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
    private final LockPath path = LockPath.parse(RealisticCallBenchmark.PATH);
    private final LockTable table = new LockTable(LockTable.RECLAIM_MIN_NODES_DEFAULT);
    private final LockTable.Conflict conflict = new LockTable.Conflict();
    private ChainCache chains;

    /** Builds the manager, the handle and the java-multilocks chain. */
    @Setup(Level.Trial)
    public void setUp()
    {
        manager = LockManager.create();
        handle = manager.open("bench");
        chains = table.newChainCache();
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
     * POINT at depth 6 on the lock table alone, with this thread's cached intent chain.
     *
     * @return the node.
     */
    @Benchmark
    public TrieNode tablePoint()
    {
        return tableLock(LockType.POINT);
    }

    /**
     * SUBTREE at depth 6 on the lock table alone, with this thread's cached intent chain.
     *
     * @return the node.
     */
    @Benchmark
    public TrieNode tableSubtree()
    {
        return tableLock(LockType.SUBTREE);
    }

    private TrieNode tableLock(final LockType type)
    {
        final TrieNode n = table.tryLock(path, type, 0, false, null, conflict, chains);
        final IntentChain c = conflict.chain();
        conflict.clear();
        table.unlock(n, path, c, chains);
        return n;
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

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
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Issue 2's figures, each beside its baseline in one run:
 * <ul>
 *   <li>POINT acquire+release at depth 6, uncontended: lock table and facade, vs a JDK
 *       {@link ReentrantLock} lock+unlock (target: within 8x);</li>
 *   <li>SUBTREE acquire+release on a node under which 100,000 distinct paths were once locked, vs on
 *       a fresh node (target: ratio at most 1.2, cost independent of history).</li>
 * </ul>
 * Disjoint-path scaling is in {@link DisjointPathsBenchmark}.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar LockTableBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class LockTableBenchmark
{
    private LockManager manager;
    private LockTable table;
    private LockHandle handle;
    private final ReentrantLock jdkLock = new ReentrantLock();
    private final LockTable.Conflict conflict = new LockTable.Conflict();
    private final LockPath depth6 = LockPath.parse("/a/b/c/d/e/f");
    private final LockRequest pointDepth6 = LockRequest.point("/a/b/c/d/e/f");
    private final LockPath history = LockPath.parse("/hist");
    private final LockPath fresh = LockPath.parse("/fresh");
    private final LockRequest subtreeHistory = LockRequest.subtree("/hist");
    private final LockRequest subtreeFresh = LockRequest.subtree("/fresh");

    /** Builds the manager and locks 100,000 distinct paths under /hist once. */
    @Setup(Level.Trial)
    public void setUp()
    {
        manager = LockManager.builder().startAgent(false).build();
        table = manager.table();
        handle = manager.open("bench");
        for (int i = 0; i < 100_000; i++)
        {
            final LockPath p = LockPath.parse("/hist/d" + (i % 317) + "/f" + i);
            table.unlock(table.tryLock(p, LockType.POINT, 0, false, null, conflict));
        }
    }

    /** Closes the manager. */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        manager.close();
    }

    /**
     * Baseline: JDK ReentrantLock lock+unlock.
     *
     * @return the hold count, to keep the work alive.
     */
    @Benchmark
    public int reentrantLockPair()
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
     * POINT at depth 6 on the lock table.
     *
     * @return the node.
     */
    @Benchmark
    public TrieNode tablePointDepth6()
    {
        final TrieNode n = table.tryLock(depth6, LockType.POINT, 0, false, null, conflict);
        table.unlock(n);
        return n;
    }

    /**
     * POINT at depth 6 through the facade (handle tryAcquire + releaseAll), fencing token included.
     *
     * @return the handle.
     */
    @Benchmark
    public LockHandle handlePointDepth6()
    {
        handle.tryAcquire(pointDepth6);
        handle.releaseAll();
        return handle;
    }

    /**
     * SUBTREE on a node with a history of 100,000 distinct paths below (lock table).
     *
     * @return the node.
     */
    @Benchmark
    public TrieNode tableSubtreeAfterHistory()
    {
        final TrieNode n = table.tryLock(history, LockType.SUBTREE, 0, false, null, conflict);
        table.unlock(n);
        return n;
    }

    /**
     * SUBTREE on a fresh node (lock table).
     *
     * @return the node.
     */
    @Benchmark
    public TrieNode tableSubtreeFresh()
    {
        final TrieNode n = table.tryLock(fresh, LockType.SUBTREE, 0, false, null, conflict);
        table.unlock(n);
        return n;
    }

    /**
     * SUBTREE with history, through the facade.
     *
     * @return the handle.
     */
    @Benchmark
    public LockHandle handleSubtreeAfterHistory()
    {
        handle.tryAcquire(subtreeHistory);
        handle.releaseAll();
        return handle;
    }

    /**
     * SUBTREE on a fresh node, through the facade.
     *
     * @return the handle.
     */
    @Benchmark
    public LockHandle handleSubtreeFresh()
    {
        handle.tryAcquire(subtreeFresh);
        handle.releaseAll();
        return handle;
    }
}

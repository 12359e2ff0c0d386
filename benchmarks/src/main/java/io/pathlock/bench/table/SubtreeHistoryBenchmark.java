package io.pathlock.bench.table;

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

/**
 * SUBTREE acquire+release of {@code /hist} by the number of distinct paths that were once locked and
 * released below it (0, 1,000, 100,000): the cost of a SUBTREE must not grow with the size of the
 * subtree's history (DESIGN §3.1, O(depth)), unlike the seed's directory scan. The lock table and the
 * naive map (which keeps every path it ever saw) run with the same history.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar SubtreeHistoryBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class SubtreeHistoryBenchmark
{
    /** Distinct paths locked and released once below {@code /hist} before the measurement. */
    @Param({"0", "1000", "100000"})
    public int history;

    private static final LockPath HIST = LockPath.parse("/hist");
    private static final LockRequest SUBTREE_HIST = LockRequest.subtree("/hist");

    private LockManager manager;
    private LockTable table;
    private NaiveHierarchicalLock naive;
    private final LockTable.Conflict conflict = new LockTable.Conflict();

    /** Locks and releases {@code history} distinct paths below /hist on both contenders. */
    @Setup(Level.Trial)
    public void setUp()
    {
        manager = LockManager.builder().startAgent(false).build();
        table = manager.table();
        naive = new NaiveHierarchicalLock();
        for (int i = 0; i < history; i++)
        {
            final String p = "/hist/d" + (i % 317) + "/f" + i;
            table.unlock(table.tryLock(LockPath.parse(p), LockType.POINT, 0, false, null, conflict));
            naive.unlock(naive.lock(LockRequest.point(p)));
        }
    }

    /** Closes the manager. */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        manager.close();
    }

    /**
     * SUBTREE on the lock table.
     *
     * @return the node.
     */
    @Benchmark
    public TrieNode table()
    {
        final TrieNode n = table.tryLock(HIST, LockType.SUBTREE, 0, false, null, conflict);
        table.unlock(n);
        return n;
    }

    /**
     * Baseline: SUBTREE on the naive map.
     *
     * @return the number of JDK locks taken.
     */
    @Benchmark
    public int naive()
    {
        final List<Lock> taken = naive.lock(SUBTREE_HIST);
        naive.unlock(taken);
        return taken.size();
    }
}

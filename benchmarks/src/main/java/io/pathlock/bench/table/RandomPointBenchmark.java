package io.pathlock.bench.table;

import uk.ac.ic.doc.slurp.multilock.MultiLock;
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

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One thread, POINT locks on files drawn at random from the {@code pathlock bench} tree (depth 4,
 * fanout 8: 4,096 files), a pool of 1,024 requests built once: what a lock costs when the path is not
 * the one locked just before (no cached intent chain of its parent serves it). Beside it, in the same
 * run, java-multilocks as the bench's contender uses it (each request's lock objects resolved once
 * and kept: IX on the four ancestors, X on the file), the lock table alone (a walk from the root
 * every time), the lock table with this thread's cached intent chains as the handle uses it, and the
 * draw alone.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar RandomPointBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class RandomPointBenchmark
{
    /** Requests in the pool (the bench's default). */
    public static final int POOL = 1024;

    private LockManager manager;
    private LockHandle handle;
    private final LockRequest[] requests = new LockRequest[POOL];
    private final MultiLock[][] plans = new MultiLock[POOL][];
    private final LockPath[] paths = new LockPath[POOL];
    private final LockTable table = new LockTable(LockTable.RECLAIM_MIN_NODES_DEFAULT);
    private final LockTable.Conflict conflict = new LockTable.Conflict();
    private final ChainCache chains = table.newChainCache();
    private int next;

    /** Builds the pool, the manager, the handle and the multi-lock plans. */
    @Setup(Level.Trial)
    public void setUp()
    {
        final List<String> files = new ArrayList<>();
        for (int a = 0; a < 8; a++)
        {
            for (int b = 0; b < 8; b++)
            {
                for (int c = 0; c < 8; c++)
                {
                    for (int f = 0; f < 8; f++)
                    {
                        files.add("/d" + a + "/d" + b + "/d" + c + "/f" + f);
                    }
                }
            }
        }
        final SplittableRandom rnd = new SplittableRandom(42);
        final ConcurrentHashMap<String, MultiLock> locks = new ConcurrentHashMap<>();
        for (int i = 0; i < POOL; i++)
        {
            final String p = files.get(rnd.nextInt(files.size()));
            requests[i] = LockRequest.point(p);
            final LockPath lp = LockPath.parse(p);
            paths[i] = LockPath.parse(new StringBuilder(p));
            final MultiLock[] plan = new MultiLock[lp.depth() + 1];
            for (int d = 0; d <= lp.depth(); d++)
            {
                plan[d] = MultiLockPaths.lockOf(locks, lp.prefix(d).toString());
            }
            plans[i] = plan;
        }
        manager = LockManager.create();
        handle = manager.open("bench");
    }

    /** Closes the manager. */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        manager.close();
    }

    private int draw()
    {
        // A fixed stride through the pool: every request in turn, no two alike in a row.
        final int i = next;
        next = (i + 613) & (POOL - 1);
        return i;
    }

    /**
     * pathlock: {@code tryAcquire} + {@code releaseAll} on a reused handle.
     *
     * @return the handle.
     */
    @Benchmark
    public LockHandle pathlock()
    {
        handle.tryAcquire(requests[draw()]);
        handle.releaseAll();
        return handle;
    }

    /**
     * The lock table alone (no handle, no chain cache: a walk from the root every time), on paths of
     * their own (so that the table's nodes are the ones they remember).
     *
     * @return the node.
     */
    @Benchmark
    public TrieNode table()
    {
        final TrieNode n = table.tryLock(paths[draw()], LockType.POINT, 0, false, null, conflict);
        table.unlock(n);
        return n;
    }

    /**
     * The lock table with this thread's cached intent chains (as the handle uses it), on the same
     * paths as {@link #table}: the chains' share of {@link #pathlock} on paths drawn at random.
     *
     * @return the node.
     */
    @Benchmark
    public TrieNode tableChains()
    {
        final LockPath p = paths[draw()];
        final TrieNode n = table.tryLock(p, LockType.POINT, 0, false, null, conflict, chains);
        final IntentChain c = conflict.chain();
        conflict.clear();
        table.unlock(n, p, c, chains);
        return n;
    }

    /**
     * java-multilocks with the request's lock objects resolved once: IX on each ancestor, X on the file.
     *
     * @return the file's lock.
     */
    @Benchmark
    public MultiLock multiLock()
    {
        final MultiLock[] plan = plans[draw()];
        final int last = plan.length - 1;
        for (int d = 0; d < last; d++)
        {
            plan[d].intentionWriteLock();
        }
        plan[last].writeLock();
        plan[last].unlockWrite();
        for (int d = last - 1; d >= 0; d--)
        {
            plan[d].unlockIntentionWrite();
        }
        return plan[last];
    }

    /**
     * The draw and the read of the request alone.
     *
     * @return the request.
     */
    @Benchmark
    public LockRequest none()
    {
        return requests[draw()];
    }
}

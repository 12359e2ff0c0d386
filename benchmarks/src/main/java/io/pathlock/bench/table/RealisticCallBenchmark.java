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
import uk.ac.ic.doc.slurp.multilock.MultiLock;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Issue 11, the realistic call: what a caller writes to lock one file for one short critical section,
 * from a path {@code String}, at depth 6 ({@code /data/u1/proj/src/main/f}), beside the baselines a
 * user would pick instead, in one run:
 * <ul>
 *   <li>{@link #pathlock}: {@code open} + {@code tryAcquire(LockRequest.point(String))} + {@code close};</li>
 *   <li>{@link #multiLock}: java-multilocks as its users write a hierarchical lock: an IX
 *       ({@code intentionWriteLock}) on every ancestor, looked up by its prefix in a
 *       {@link ConcurrentHashMap}, then X ({@code writeLock}) on the target, then every unlock in
 *       reverse (target: pathlock at most 0.5x this);</li>
 *   <li>{@link #reentrantLock}: one JDK {@link ReentrantLock} lock+unlock, which knows nothing of paths
 *       (the floor of one mutex; pathlock's absolute target is 150 ns).</li>
 * </ul>
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar RealisticCallBenchmark -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class RealisticCallBenchmark
{
    /** The path of the issue, depth 6. */
    public static final String PATH = "/data/u1/proj/src/main/f";

    // Not final: the JIT must not fold the path into a constant a caller would not have.
    private String path = PATH;
    private LockManager manager;
    private final ReentrantLock jdkLock = new ReentrantLock();
    private final ConcurrentHashMap<String, MultiLock> multiLocks = new ConcurrentHashMap<>();

    /** Builds the manager. */
    @Setup(Level.Trial)
    public void setUp()
    {
        manager = LockManager.create();
    }

    /** Closes the manager. */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        manager.close();
    }

    /**
     * pathlock: open a handle, take POINT on the path, close the handle.
     *
     * @return the handle, to keep the work alive.
     */
    @Benchmark
    public LockHandle pathlock()
    {
        try (LockHandle h = manager.open("bench"))
        {
            h.tryAcquire(LockRequest.point(path));
            return h;
        }
    }

    /**
     * java-multilocks: IX on each ancestor found by prefix, X on the target, unlock all.
     *
     * @return the target's lock.
     */
    @Benchmark
    public MultiLock multiLock()
    {
        return MultiLockPaths.lockUnlockX(multiLocks, path);
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
}

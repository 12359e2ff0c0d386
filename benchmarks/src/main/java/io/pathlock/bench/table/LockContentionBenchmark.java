package io.pathlock.bench.table;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.baseline.NaiveHierarchicalLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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
import org.openjdk.jmh.infra.Blackhole;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Contended acquire + short critical section + release, two threads (one per core of the reference
 * machine) in each {@link Group}, blocking acquisition (waiters park and are woken by the release):
 * <ul>
 *   <li>{@code samePath*}: both threads take POINT on one path; engine vs naive map vs a JDK
 *       {@link ReentrantLock} (the floor for one contended mutex);</li>
 *   <li>{@code ancestorDescendant*}: one thread takes SUBTREE on {@code /data/hot}, the other POINT
 *       on {@code /data/hot/sub/file} below it; engine vs naive map.</li>
 * </ul>
 * Scores are group throughput (both threads' operations); the per-thread figures are JMH's
 * secondary results. The engine waits with a 10 s timeout so that a lost wake-up fails the run
 * instead of hanging it.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar LockContentionBenchmark}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LockContentionBenchmark
{
    static final LockRequest SAME = LockRequest.point("/data/hot/file");
    static final LockRequest ANCESTOR = LockRequest.subtree("/data/hot");
    static final LockRequest DESCENDANT = LockRequest.point("/data/hot/sub/file");
    static final Duration WAIT = Duration.ofSeconds(10);

    /** What the threads of one group share: the contenders. */
    @State(Scope.Group)
    public static class Shared
    {
        /** Blackhole.consumeCPU tokens inside each critical section. */
        @Param({"50"})
        public int work;

        LockManager manager;
        NaiveHierarchicalLock naive;
        final ReentrantLock reentrant = new ReentrantLock();
        final AtomicInteger ids = new AtomicInteger();

        /** Builds the manager and the naive map. */
        @Setup(Level.Trial)
        public void setUp()
        {
            manager = LockManager.builder().startAgent(false).build();
            naive = new NaiveHierarchicalLock();
        }

        /** Closes the manager. */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            manager.close();
        }
    }

    /** One handle per thread. */
    @State(Scope.Thread)
    public static class Mine
    {
        LockHandle handle;

        /**
         * Opens this thread's handle.
         *
         * @param s the group's contenders.
         */
        @Setup(Level.Trial)
        public void setUp(final Shared s)
        {
            handle = s.manager.open("contender-" + s.ids.getAndIncrement());
        }
    }

    private static LockHandle engine(final Shared s, final Mine m, final LockRequest r) throws InterruptedException
    {
        m.handle.acquire(r, WAIT);
        Blackhole.consumeCPU(s.work);
        m.handle.releaseAll();
        return m.handle;
    }

    private static int naive(final Shared s, final LockRequest r)
    {
        final List<Lock> taken = s.naive.lock(r);
        Blackhole.consumeCPU(s.work);
        s.naive.unlock(taken);
        return taken.size();
    }

    /**
     * Engine, both threads POINT on one path.
     *
     * @param s shared.
     * @param m this thread's handle.
     * @return the handle.
     * @throws InterruptedException never (JMH does not interrupt).
     */
    @Benchmark
    @Group("samePathEngine")
    @GroupThreads(2)
    public LockHandle samePathEngine(final Shared s, final Mine m) throws InterruptedException
    {
        return engine(s, m, SAME);
    }

    /**
     * Baseline: naive map, both threads POINT on one path.
     *
     * @param s shared.
     * @return the number of JDK locks taken.
     */
    @Benchmark
    @Group("samePathNaive")
    @GroupThreads(2)
    public int samePathNaive(final Shared s)
    {
        return naive(s, SAME);
    }

    /**
     * Baseline: one JDK ReentrantLock shared by both threads.
     *
     * @param s shared.
     * @return the hold count inside the lock.
     */
    @Benchmark
    @Group("samePathReentrant")
    @GroupThreads(2)
    public int samePathReentrant(final Shared s)
    {
        s.reentrant.lock();
        try
        {
            Blackhole.consumeCPU(s.work);
            return s.reentrant.getHoldCount();
        }
        finally
        {
            s.reentrant.unlock();
        }
    }

    /**
     * Engine, the SUBTREE side of the ancestor/descendant pair.
     *
     * @param s shared.
     * @param m this thread's handle.
     * @return the handle.
     * @throws InterruptedException never.
     */
    @Benchmark
    @Group("ancestorDescendantEngine")
    @GroupThreads(1)
    public LockHandle ancestorEngine(final Shared s, final Mine m) throws InterruptedException
    {
        return engine(s, m, ANCESTOR);
    }

    /**
     * Engine, the POINT side of the ancestor/descendant pair.
     *
     * @param s shared.
     * @param m this thread's handle.
     * @return the handle.
     * @throws InterruptedException never.
     */
    @Benchmark
    @Group("ancestorDescendantEngine")
    @GroupThreads(1)
    public LockHandle descendantEngine(final Shared s, final Mine m) throws InterruptedException
    {
        return engine(s, m, DESCENDANT);
    }

    /**
     * Baseline: naive map, the SUBTREE side.
     *
     * @param s shared.
     * @return the number of JDK locks taken.
     */
    @Benchmark
    @Group("ancestorDescendantNaive")
    @GroupThreads(1)
    public int ancestorNaive(final Shared s)
    {
        return naive(s, ANCESTOR);
    }

    /**
     * Baseline: naive map, the POINT side.
     *
     * @param s shared.
     * @return the number of JDK locks taken.
     */
    @Benchmark
    @Group("ancestorDescendantNaive")
    @GroupThreads(1)
    public int descendantNaive(final Shared s)
    {
        return naive(s, DESCENDANT);
    }
}

package io.pathlock.bench.zookeeper;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
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

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Throughput of acquire + release with 1, 4 and 16 clients (one session per thread) on disjoint
 * paths ({@code /tp/<i>/x} POINT; {@code /tp-mutex/<i>} for {@link InterProcessMutex}), same
 * embedded server. Run: {@code java -jar benchmarks/target/benchmarks.jar ZooKeeperThroughputBenchmark}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class ZooKeeperThroughputBenchmark
{
    private static final AtomicInteger NEXT = new AtomicInteger();

    /** One client per thread, each on its own path. */
    @State(Scope.Thread)
    public static class Client
    {
        LockManager manager;
        CuratorFramework curator;
        InterProcessMutex mutex;
        LockRequest request;
        String path;

        /** Opens this thread's clients. */
        @Setup(Level.Trial)
        public void open()
        {
            final int i = NEXT.incrementAndGet();
            path = "/tp/" + i + "/x";
            request = LockRequest.point(path);
            manager = LockManager.builder().store(EmbeddedEnsemble.store("/bench-tp")).build();
            curator = EmbeddedEnsemble.curator();
            mutex = new InterProcessMutex(curator, "/bench-tp-mutex/" + i);
        }

        /** Closes them. */
        @TearDown(Level.Trial)
        public void close()
        {
            manager.close();
            curator.close();
        }
    }

    private static long pathlock(final Client c) throws InterruptedException
    {
        try (LockHandle h = c.manager.lock(c.request))
        {
            return h.fencingToken(c.path);
        }
    }

    private static boolean mutex(final Client c) throws Exception
    {
        c.mutex.acquire();
        c.mutex.release();
        return true;
    }

    /**
     * @param c client.
     * @return token.
     * @throws InterruptedException if interrupted.
     */
    @Benchmark
    @Threads(1)
    public long pathlock1(final Client c) throws InterruptedException
    {
        return pathlock(c);
    }

    /**
     * @param c client.
     * @return token.
     * @throws InterruptedException if interrupted.
     */
    @Benchmark
    @Threads(4)
    public long pathlock4(final Client c) throws InterruptedException
    {
        return pathlock(c);
    }

    /**
     * @param c client.
     * @return token.
     * @throws InterruptedException if interrupted.
     */
    @Benchmark
    @Threads(16)
    public long pathlock16(final Client c) throws InterruptedException
    {
        return pathlock(c);
    }

    /**
     * @param c client.
     * @return true.
     * @throws Exception on a ZooKeeper failure.
     */
    @Benchmark
    @Threads(1)
    public boolean mutex1(final Client c) throws Exception
    {
        return mutex(c);
    }

    /**
     * @param c client.
     * @return true.
     * @throws Exception on a ZooKeeper failure.
     */
    @Benchmark
    @Threads(4)
    public boolean mutex4(final Client c) throws Exception
    {
        return mutex(c);
    }

    /**
     * @param c client.
     * @return true.
     * @throws Exception on a ZooKeeper failure.
     */
    @Benchmark
    @Threads(16)
    public boolean mutex16(final Client c) throws Exception
    {
        return mutex(c);
    }
}

package io.pathlock.bench.zookeeper;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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

/**
 * Contended hand-off between two clients (two sessions) on one lock: each thread loops acquire +
 * release; the sample time of one cycle includes the wait for the other client's release (JMH
 * {@code SampleTime}: p50, p99, p99.9). {@code pathlock}: POINT {@code /h/x} through two
 * {@link LockManager}s on the ZooKeeper store; {@code mutex}: Curator's {@link InterProcessMutex}
 * through two clients. Run: {@code java -jar benchmarks/target/benchmarks.jar ZooKeeperHandoffBenchmark}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 4, time = 3)
@Fork(1)
public class ZooKeeperHandoffBenchmark
{
    /** One client per thread. */
    @State(Scope.Thread)
    public static class Client
    {
        LockManager manager;
        CuratorFramework curator;
        InterProcessMutex mutex;
        final LockRequest request = LockRequest.point("/h/x");

        /** Opens this thread's clients. */
        @Setup(Level.Trial)
        public void open()
        {
            manager = LockManager.builder().store(EmbeddedEnsemble.store("/bench-handoff")).build();
            curator = EmbeddedEnsemble.curator();
            mutex = new InterProcessMutex(curator, "/bench-handoff-mutex/lock");
        }

        /** Closes them. */
        @TearDown(Level.Trial)
        public void close()
        {
            manager.close();
            curator.close();
        }
    }

    /**
     * One pathlock cycle.
     *
     * @param c this thread's client.
     * @return the token.
     * @throws InterruptedException if interrupted.
     */
    @Benchmark
    @Group("pathlock")
    @GroupThreads(2)
    public long pathlock(final Client c) throws InterruptedException
    {
        try (LockHandle h = c.manager.lock(c.request))
        {
            return h.fencingToken("/h/x");
        }
    }

    /**
     * One InterProcessMutex cycle.
     *
     * @param c this thread's client.
     * @return true.
     * @throws Exception on a ZooKeeper failure.
     */
    @Benchmark
    @Group("mutex")
    @GroupThreads(2)
    public boolean mutex(final Client c) throws Exception
    {
        c.mutex.acquire();
        c.mutex.release();
        return true;
    }
}

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
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Issue 11: a handle that already holds {@code held} locks (0, 1,000, 16,000 POINT locks on distinct
 * files) acquires one more POINT (depth 6, {@code /data/u1/proj/src/main/f<i>}). Target: the cost is
 * independent of how many the handle holds, at most 1.5x at 16,000 of the same call at 0.
 *
 * <p>The handle has no way to release one lock alone, so every invocation starts from exactly
 * {@code held} locks (set up outside the measurement) and acquires {@value #BATCH} more, one request
 * each; the score is per acquisition, so the handle holds between {@code held} and
 * {@code held + BATCH} locks while it is measured, at every value of {@code held} alike. Every trie
 * node is created before the measurement. Allocation figures of {@code -prof gc} include the set-up
 * and mean nothing here.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar HeldCountBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class HeldCountBenchmark
{
    /** Acquisitions measured per invocation. */
    public static final int BATCH = 256;

    /** Locks the handle holds before the measured acquisitions. */
    @Param({"0", "1000", "16000"})
    public int held;

    private LockManager manager;
    private LockHandle handle;
    private LockRequest[] heldRequests;
    private final LockRequest[] batch = new LockRequest[BATCH];

    /** Builds the manager, the requests and every trie node they need. */
    @Setup(Level.Trial)
    public void setUp()
    {
        // A reclaim minimum above every node the benchmark creates: nothing is swept meanwhile.
        manager = LockManager.builder().reclaimMinNodes(1 << 20).build();
        handle = manager.open("bench");
        heldRequests = new LockRequest[held];
        for (int i = 0; i < held; i++)
        {
            heldRequests[i] = LockRequest.point("/held/d" + (i % 128) + "/f" + i);
        }
        for (int i = 0; i < BATCH; i++)
        {
            batch[i] = LockRequest.point(RealisticCallBenchmark.PATH + i);
        }
        prepare();
        for (final LockRequest r : batch)
        {
            handle.tryAcquire(r);
        }
        handle.releaseAll();
    }

    /**
     * Releases everything and takes the {@code held} locks again; then reads the batch's requests,
     * as a caller about to lock them has them at hand (re-taking 16,000 locks would otherwise leave
     * them out of the cache at 16,000 only).
     */
    @Setup(Level.Invocation)
    public void prepare()
    {
        handle.releaseAll();
        for (final LockRequest r : heldRequests)
        {
            handle.tryAcquire(r);
        }
        int touched = 0;
        for (final LockRequest r : batch)
        {
            touched += r.entries().get(0).path().toString().length() + r.entries().get(0).path().parentHash();
        }
        sink = touched;
    }

    /** Keeps the warming reads alive. */
    public static volatile int sink;

    /** Closes the manager. */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        manager.close();
    }

    /**
     * {@value #BATCH} POINT acquisitions on a handle holding {@code held} locks.
     *
     * @return the handle.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public LockHandle acquireOneMore()
    {
        final LockHandle h = handle;
        for (final LockRequest r : batch)
        {
            h.tryAcquire(r);
        }
        return h;
    }
}

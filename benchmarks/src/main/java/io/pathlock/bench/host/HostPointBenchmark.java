package io.pathlock.bench.host;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.bench.posix.BenchDirs;
import io.pathlock.core.LockRequest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

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

/**
 * Issue 12's first target: a cross-process-capable POINT acquire+release at depth 4
 * ({@code /a/b/c/d}, an existing directory), one thread, through {@link LockManager} (a handle's
 * {@code tryAcquire} + {@code releaseAll}, fencing token included), on each store of
 * {@link HostStores} in the same run:
 *
 * <ul>
 *   <li>{@code table}: the host lock table, interop none (target 12.1: median at most 1 µs; 12.1r: at
 *       least 100x faster than {@code files});</li>
 *   <li>{@code table.ragfs}: the host table with OpenViking interop (grants also publish ragfs lock
 *       files): reported beside the others, no target;</li>
 *   <li>{@code files}: the lock-file store alone, dialect ragfs, the baseline.</li>
 * </ul>
 *
 * <p>Sample-time mode, so that the report has the median ({@code p50}) and the tail of single
 * operations, not only the mean (a sampled operation includes JMH's pair of {@code System.nanoTime}
 * calls, some 20-30 ns); the store is on {@code -Dpathlock.bench.dir} (put it on the disk to
 * measure: the lock files' cost depends on it, the table's does not). Uncontended: the process is the
 * only one attached to the table, which is what a cross-process-capable lock costs when nobody else
 * wants it.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar host.HostPointBenchmark}
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class HostPointBenchmark
{
    /** The lock path, depth 4. */
    static final String PATH = "/a/b/c/d";

    /** A manager on one store, over a scratch root. */
    @State(Scope.Thread)
    public static class Store
    {
        /** The store ({@link HostStores} names). */
        @Param({"table", "table.ragfs", "files"})
        String store;

        Path root;
        LockManager manager;
        LockHandle handle;
        final LockRequest request = LockRequest.point(PATH);

        /**
         * Creates the root with {@code a/b/c/d} and opens the store, a manager and a handle.
         *
         * @throws IOException if the root cannot be created.
         */
        @Setup(Level.Trial)
        public void open() throws IOException
        {
            root = BenchDirs.create("pathlock-host-point-");
            Files.createDirectories(root.resolve(PATH.substring(1)));
            manager = HostStores.manager(store, root);
            handle = manager.open("point");
        }

        /**
         * Closes everything and deletes the root.
         *
         * @throws IOException if the root cannot be deleted.
         */
        @TearDown(Level.Trial)
        public void close() throws IOException
        {
            handle.close();
            manager.close();
            BenchDirs.delete(root);
        }
    }

    /**
     * POINT acquire + release through the facade.
     *
     * @param s the store.
     * @return the handle.
     */
    @Benchmark
    public LockHandle point(final Store s)
    {
        s.handle.tryAcquire(s.request);
        s.handle.releaseAll();
        return s.handle;
    }
}

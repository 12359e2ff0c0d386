package io.pathlock.bench.posix;

import io.pathlock.nativeio.PathlockNative;
import io.pathlock.posix.Posix;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

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

/**
 * The POINT lock-file sequence at depth 4 ({@code root/a/b/c/d/.path.ovlock}): exclusive create
 * with a 60-byte token, close, unlink; on each backend, beside the same sequence done in a C loop
 * ({@link PathlockNative#pointFloor}, {@value #FLOOR_BATCH} iterations per JNI call, so the JNI
 * crossing is amortised away). No fsync: lock files need none for safety.
 *
 * <p>Single-threaded; each operation leaves the directory as it found it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PosixPointBenchmark
{
    /** C-loop iterations per call of the floor benchmark. */
    static final int FLOOR_BATCH = 1000;

    /** A 60-byte OpenViking-format token: {@code owner_id:time_ns:P} with the fencing token inside. */
    static final byte[] TOKEN =
        "pathlock-7f3a9c:h=bench:pid=4242:ft=000000000017:1732540000123456789:P"
            .substring(0, 60).getBytes(StandardCharsets.UTF_8);

    /** Directory holding the lock file, four levels below a scratch root. */
    @State(Scope.Thread)
    public static class LockDir
    {
        Path root;
        Path lockFile;
        byte[] lockFileBytes;

        @Setup(Level.Trial)
        public void create() throws IOException
        {
            NativeLoaderCheck.require();
            root = BenchDirs.create("pathlock-point-");
            final Path dir = Files.createDirectories(root.resolve("a/b/c/d"));
            lockFile = dir.resolve(".path.ovlock");
            lockFileBytes = lockFile.toString().getBytes(StandardCharsets.UTF_8);
        }

        @TearDown(Level.Trial)
        public void delete() throws IOException
        {
            BenchDirs.delete(root);
        }
    }

    /** The backend under test. */
    @State(Scope.Thread)
    public static class Backend
    {
        @Param({ "JNI", "JNR", "NIO" })
        BackendKind backend;

        Posix posix;

        @Setup(Level.Trial)
        public void create()
        {
            posix = backend.create();
        }
    }

    /**
     * Exclusive create + write of the token + close + unlink through a backend.
     *
     * @param dir     the lock directory.
     * @param backend the backend.
     * @return the unlink result (0).
     */
    @Benchmark
    public int pointLockFile(final LockDir dir, final Backend backend)
    {
        final Posix posix = backend.posix;
        final int fd = posix.createExclusive(dir.lockFile, TOKEN, TOKEN.length, 0644, 0);
        if (fd < 0)
        {
            throw new IllegalStateException("create failed: " + fd);
        }
        posix.close(fd);
        return posix.unlink(dir.lockFile);
    }

    /**
     * The floor: the same sequence in a C loop, {@value #FLOOR_BATCH} times per call.
     *
     * @param dir the lock directory.
     * @return the iteration count.
     */
    @Benchmark
    @OperationsPerInvocation(FLOOR_BATCH)
    public long pointFloorC(final LockDir dir)
    {
        final long n = PathlockNative.pointFloor(dir.lockFileBytes, TOKEN, TOKEN.length, 0644, 0, FLOOR_BATCH);
        if (n != FLOOR_BATCH)
        {
            throw new IllegalStateException("floor failed: " + n);
        }
        return n;
    }
}

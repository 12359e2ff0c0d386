package io.pathlock.bench.file;

import io.pathlock.LockRequest;
import io.pathlock.LockType;
import io.pathlock.bench.posix.BenchDirs;
import io.pathlock.bench.posix.NativeLoaderCheck;
import io.pathlock.file.FileLockStore;
import io.pathlock.nativeio.PathlockNative;
import io.pathlock.store.LockStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
 * POINT acquire + release at depth 4 ({@code /a/b/c/d}, a directory) through {@link FileLockStore}
 * ({@code tryPublish}, {@code nextFencingToken}, {@code unpublish}) on each backend, beside its floor:
 * the very same system calls in a C loop ({@link PathlockNative#lockSequenceFloor}, built from the
 * store's own {@link FileLockStore#plan}: 4 {@code lstat}, 7 pre-checks, exclusive create of a
 * flocked temporary file, {@code fstat}, {@code link}, {@code unlink}, 8 post-checks, then the guarded
 * release), {@value #FLOOR_BATCH} iterations per JNI call so that no JNI crossing is counted.
 *
 * <p>Single-threaded; uncontended; no fsync (durability none, the default).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 5, time = 1)
public class FileStoreBenchmark
{
    /** C-loop iterations per call of the floor benchmark. */
    static final int FLOOR_BATCH = 1000;

    /** The lock path. */
    static final String PATH = "/a/b/c/d";

    /** A store on a scratch root, per backend. */
    @State(Scope.Thread)
    public static class Store
    {
        @Param({"jni", "jnr", "nio"})
        String backend;

        Path root;
        FileLockStore store;
        List<LockRequest.Entry> entries;

        @Setup(Level.Trial)
        public void open() throws IOException
        {
            NativeLoaderCheck.require();
            root = BenchDirs.create("pathlock-file-point-");
            Files.createDirectories(root.resolve("a/b/c/d"));
            store = FileLockStore.builder(root).backend(backend).syncFence(false).build();
            entries = LockRequest.point(PATH).entries();
        }

        @TearDown(Level.Trial)
        public void close() throws IOException
        {
            store.close();
            BenchDirs.delete(root);
        }
    }

    /** The floor's arguments, from the plan of a JNI store on its own scratch root. */
    @State(Scope.Thread)
    public static class Floor
    {
        Path root;
        byte[][] lstats;
        byte[][] pre;
        byte[][] post;
        byte[] tmp;
        byte[] file;
        byte[] guard;
        byte[] token;

        @Setup(Level.Trial)
        public void open() throws IOException
        {
            NativeLoaderCheck.require();
            root = BenchDirs.create("pathlock-file-floor-");
            Files.createDirectories(root.resolve("a/b/c/d"));
            try (FileLockStore s = FileLockStore.builder(root).backend("jni").syncFence(false).build())
            {
                final FileLockStore.AcquisitionPlan plan = s.plan(PATH, LockType.POINT);
                lstats = bytes(plan.components());
                pre = bytes(plan.preChecks());
                post = bytes(plan.postChecks());
                tmp = bytes(plan.tmpDir().resolve("0123456789abcdef.1"));
                file = bytes(plan.lockFile());
                guard = bytes(plan.guardFile());
                token = (s.fileOwnerId("point@1.1.1") + ":" + System.nanoTime() + ":P").getBytes(StandardCharsets.UTF_8);
            }
        }

        @TearDown(Level.Trial)
        public void close() throws IOException
        {
            BenchDirs.delete(root);
        }
    }

    static byte[] bytes(final Path p)
    {
        return p.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[][] bytes(final List<Path> paths)
    {
        final byte[][] out = new byte[paths.size()][];
        for (int i = 0; i < out.length; i++)
        {
            out[i] = bytes(paths.get(i));
        }
        return out;
    }

    /**
     * POINT acquire + fencing token + release through the store.
     *
     * @param s the store.
     * @return the fencing token.
     */
    @Benchmark
    public long point(final Store s)
    {
        final LockStore.PublishResult r = s.store.tryPublish("point@1.1.1", s.entries);
        if (!r.isGranted())
        {
            throw new IllegalStateException("refused: " + r.conflict());
        }
        final long token = s.store.nextFencingToken();
        s.store.unpublish(r.publication());
        return token;
    }

    /**
     * The floor: the same system calls in C, {@value #FLOOR_BATCH} times per call.
     *
     * @param f the floor's arguments.
     * @return the iteration count.
     */
    @Benchmark
    @OperationsPerInvocation(FLOOR_BATCH)
    public long pointFloorC(final Floor f)
    {
        final long n = PathlockNative.lockSequenceFloor(f.lstats, f.pre, f.tmp, f.file, f.post, null, f.guard, f.token,
            f.token.length, 0600, FLOOR_BATCH);
        if (n != FLOOR_BATCH)
        {
            throw new IllegalStateException("floor failed: " + n);
        }
        return n;
    }
}

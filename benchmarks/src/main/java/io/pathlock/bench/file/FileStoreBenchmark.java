package io.pathlock.bench.file;

import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.bench.posix.BenchDirs;
import io.pathlock.bench.posix.NativeLoaderCheck;
import io.pathlock.file.Dialect;
import io.pathlock.file.FileLockStore;
import io.pathlock.nativeio.PathlockNative;
import io.pathlock.store.LockStore;

import java.io.IOException;
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
 * ({@code tryPublish}, {@code nextFencingToken}, {@code unpublish}) on each backend and in each write
 * dialect ({@code ragfs}, the default, and {@code ov431}), beside its floors in the same run:
 *
 * <ul>
 *   <li>{@code pointFloorC}: the very same system calls in a C loop
 *       ({@link PathlockNative#lockSequenceAtFloor}, built from the store's own {@link FileLockStore#plan}
 *       of the same dialect), {@value #FLOOR_BATCH} iterations per JNI call so that no JNI crossing is
 *       counted. This is the target (POINT store within 1.5x the C floor of its syscalls).</li>
 *   <li>{@code pointFloorPathC}: the path-based sequence of the store <em>before</em> it became
 *       descriptor-relative ({@link PathlockNative#lockSequenceFloor}: 4 {@code lstat}, 7 {@code open}
 *       pre-checks, exclusive create + {@code flock} + {@code write} + {@code fstat}, {@code link},
 *       {@code unlink}, 8 post-checks, guarded release: 30 calls), for the before/after comparison only.</li>
 * </ul>
 *
 * <p>What {@code pointFloorC} does, per iteration, is what {@code strace -f -e trace=%file,%desc,flock}
 * shows of one uncontended POINT of the JNI store at depth 4 (program {@link StraceProbe}; identical in
 * both dialects apart from the token's letter; R = the root descriptor, held by the store). The store
 * opens one RootedFs scope per request (R3): each directory below R is opened once per request by
 * {@code openat(O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_NONBLOCK)} from its parent's descriptor, reused by
 * every later call of the request, and closed when the request ends; "fresh" = a new descriptor from
 * the scope's parent, outside the scope:
 *
 * <pre>
 *   fstatat a, a/b, a/b/c, a/b/c/d (AT_SYMLINK_NOFOLLOW; scope opens a, a/b, a/b/c)          4 + 3 openat
 *   7 pre-checks: openat(O_RDONLY|O_NOCTTY|O_NONBLOCK|O_NOFOLLOW) = ENOENT                   7 openat
 *     (.path.ovlock, a/.path.ovlock, .exact.ovlock.a.H, a/b/.path.ovlock, a/.exact.ovlock.b.H,
 *      a/b/c/.path.ovlock, a/b/.exact.ovlock.c.H)
 *   scope opens .pathlock, .pathlock/tmp, .pathlock/tmp/UID; openat(NONCE.N,
 *     O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW, 0600); flock(LOCK_EX|LOCK_NB); write(token); fstat  4 openat, flock, write, fstat
 *   scope opens a/b/c/d; linkat(tmp/UID, NONCE.N, d, .path.ovlock, 0)                       openat, linkat
 *   unlinkat(tmp/UID, NONCE.N)                                                               unlinkat
 *   fresh openat of a/b/c/d (kept: the held file's directory)                                openat
 *   8 post-checks (the 7 again + a/b/c/.exact.ovlock.d.H)                                    8 openat
 *   the scope closes its 7 descriptors                                                       7 close
 *   release: flock(guard, LOCK_EX|LOCK_NB); fstatat(d, .path.ovlock, AT_SYMLINK_NOFOLLOW);
 *     unlinkat(d, .path.ovlock); flock(guard, LOCK_UN); close(file); close(d)                2 flock, fstatat, unlinkat, 2 close
 * </pre>
 *
 * 46 system calls (the old path-based store made 30; before the store's scopes, every check re-opened
 * its directory chain: 112); no fsync (durability none, the default), no read of any lock file (none
 * exists: the {@code openat+fstat+pread} of a found file is not on the
 * uncontended path). The floor opens R and the guard file once per JNI call, as the store holds them.
 *
 * <p>Single-threaded; uncontended.
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

        /** The store's write dialect. */
        @Param({"ragfs", "ov431"})
        String dialect;

        Path root;
        FileLockStore store;
        List<LockRequest.Entry> entries;

        @Setup(Level.Trial)
        public void open() throws IOException
        {
            NativeLoaderCheck.require();
            root = BenchDirs.create("pathlock-file-point-");
            Files.createDirectories(root.resolve("a/b/c/d"));
            store = FileLockStore.builder(root).backend(backend).dialect(Dialect.parse(dialect)).syncFence(false).build();
            entries = LockRequest.point(PATH).entries();
        }

        @TearDown(Level.Trial)
        public void close() throws IOException
        {
            store.close();
            BenchDirs.delete(root);
        }
    }

    /** The floors' arguments, from the plan of a JNI store of the same dialect on its own scratch root. */
    @State(Scope.Thread)
    public static class Floor
    {
        /** The dialect of the plan (the token's letter; the paths of a directory lock are the same). */
        @Param({"ragfs", "ov431"})
        String dialect;

        Path root;
        FloorPlan plan;

        @Setup(Level.Trial)
        public void open() throws IOException
        {
            NativeLoaderCheck.require();
            root = BenchDirs.create("pathlock-file-floor-");
            Files.createDirectories(root.resolve("a/b/c/d"));
            final Dialect d = Dialect.parse(dialect);
            try (FileLockStore s = FileLockStore.builder(root).backend("jni").dialect(d).syncFence(false).build())
            {
                plan = FloorPlan.of(s, PATH, LockType.POINT, d);
            }
        }

        @TearDown(Level.Trial)
        public void close() throws IOException
        {
            BenchDirs.delete(root);
        }
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
     * The floor: the store's system calls (descriptor-relative) in C, {@value #FLOOR_BATCH} times per call.
     *
     * @param f the floor's arguments.
     * @return the iteration count.
     */
    @Benchmark
    @OperationsPerInvocation(FLOOR_BATCH)
    public long pointFloorC(final Floor f)
    {
        return check(f.plan.sequence(FLOOR_BATCH));
    }

    /**
     * The pre-rework floor: the old path-based store's 30 system calls in C (same lock, same plan).
     *
     * @param f the floor's arguments.
     * @return the iteration count.
     */
    @Benchmark
    @OperationsPerInvocation(FLOOR_BATCH)
    public long pointFloorPathC(final Floor f)
    {
        return check(f.plan.pathSequence(FLOOR_BATCH));
    }

    private static long check(final long n)
    {
        if (n != FLOOR_BATCH)
        {
            throw new IllegalStateException("floor failed: " + n);
        }
        return n;
    }
}

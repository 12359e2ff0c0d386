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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SUBTREE acquire + release of {@code /tree} over a tree of {@code dirs} leaf directories (10 x 10 x
 * dirs/100, plus the 110 above them: 210, 1,110 and 10,110 directories; no lock file inside) through
 * {@link FileLockStore} on each backend and in each write dialect ({@code ragfs}, {@code ov431}),
 * beside two floors in C in the same run:
 *
 * <ul>
 *   <li>{@code walkFloorC}: the walk of the same tree as the store's {@code walkAt} does it
 *       ({@link PathlockNative#walkAtFloor}): {@code openat(R, "tree", O_DIRECTORY|O_NOFOLLOW|O_NONBLOCK)},
 *       {@code openat(fd, ".")} + {@code fdopendir} ({@code fstat}, 2 {@code fcntl}), then per
 *       directory {@code getdents64} until empty, each sub-directory entered by
 *       {@code openat(parent, name, O_DIRECTORY|O_NOFOLLOW|O_NONBLOCK)} + {@code fdopendir}, names matched
 *       against {@code *.path.ovlock} and {@code .exact.ovlock.*} ({@code .pathlock} never entered),
 *       {@code closedir}; then {@code close}. The target: SUBTREE within 1.5x of it. The walk
 *       is the same in both dialects, so this floor has no {@code dialect} parameter.</li>
 *   <li>{@code subtreeSequenceFloorC}: the store's whole SUBTREE sequence
 *       ({@link PathlockNative#lockSequenceAtFloor} with the walk), as {@code strace} shows it (program
 *       {@link StraceProbe}, R = the root descriptor; one directory scope per request, each directory
 *       opened once and reused): {@code fstatat(R, tree)}; pre-check {@code openat(R, .path.ovlock)} =
 *       ENOENT; the scope opens {@code .pathlock}, {@code .pathlock/tmp}, {@code .pathlock/tmp/UID};
 *       exclusive {@code openat} of the temporary file, {@code flock(LOCK_EX|LOCK_NB)}, {@code write},
 *       {@code fstat}; the scope opens {@code tree}, {@code linkat}; {@code unlinkat}; a fresh
 *       {@code openat(R, tree)} kept; a fresh {@code openat(R, tree)}, the walk above, its {@code close};
 *       post-checks {@code openat(R, .path.ovlock)}, {@code openat(R, .exact.ovlock.tree.H)} = ENOENT;
 *       the scope's 4 {@code close}; release {@code flock(guard, LOCK_EX|LOCK_NB)}, {@code fstatat},
 *       {@code unlinkat}, {@code flock(LOCK_UN)},
 *       2 {@code close}.</li>
 * </ul>
 *
 * <p>The tree is in the page cache after the first walk: these are system-call and CPU costs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class FileStoreSubtreeBenchmark
{
    /** The tree: 10 x 10 x (leaves / 100) directories below {@code /tree}. */
    static Path createTree(final String prefix, final int leaves) throws IOException
    {
        if (leaves < 100 || leaves % 100 != 0)
        {
            throw new IllegalArgumentException("dirs must be a multiple of 100, got " + leaves);
        }
        final Path root = BenchDirs.create(prefix);
        for (int i = 0; i < 10; i++)
        {
            for (int j = 0; j < 10; j++)
            {
                final Path d = root.resolve("tree/d" + i + "/e" + j);
                for (int k = 0; k < leaves / 100; k++)
                {
                    Files.createDirectories(d.resolve("f" + k));
                }
            }
        }
        return root;
    }

    /** A store per backend on its own tree. */
    @State(Scope.Benchmark)
    public static class Store
    {
        @Param({"jni", "jnr", "nio"})
        String backend;

        /** The store's write dialect. */
        @Param({"ragfs", "ov431"})
        String dialect;

        /** Leaf directories of the tree (110 more above them). */
        @Param({"100", "1000", "10000"})
        int dirs;

        Path root;
        FileLockStore store;
        List<LockRequest.Entry> entries;

        @Setup(Level.Trial)
        public void open() throws IOException
        {
            NativeLoaderCheck.require();
            root = createTree("pathlock-file-subtree-", dirs);
            store = FileLockStore.builder(root).backend(backend).dialect(Dialect.parse(dialect)).syncFence(false).build();
            entries = LockRequest.subtree("/tree").entries();
        }

        @TearDown(Level.Trial)
        public void close() throws IOException
        {
            store.close();
            BenchDirs.delete(root);
        }
    }

    /** The walk floor's arguments, on its own tree (the walk does not depend on the dialect). */
    @State(Scope.Benchmark)
    public static class WalkFloor
    {
        /** Leaf directories of the tree (110 more above them). */
        @Param({"100", "1000", "10000"})
        int dirs;

        Path root;
        FloorPlan plan;

        @Setup(Level.Trial)
        public void open() throws IOException
        {
            NativeLoaderCheck.require();
            root = createTree("pathlock-file-walk-", dirs);
            try (FileLockStore s = FileLockStore.builder(root).backend("jni").syncFence(false).build())
            {
                plan = FloorPlan.of(s, "/tree", LockType.SUBTREE, Dialect.DEFAULT);
            }
        }

        @TearDown(Level.Trial)
        public void close() throws IOException
        {
            BenchDirs.delete(root);
        }
    }

    /** The sequence floor's arguments, from the plan of a JNI store of the same dialect, on its own tree. */
    @State(Scope.Benchmark)
    public static class Floor
    {
        /** Leaf directories of the tree (110 more above them). */
        @Param({"100", "1000", "10000"})
        int dirs;

        /** The dialect of the plan (the token's letter). */
        @Param({"ragfs", "ov431"})
        String dialect;

        Path root;
        FloorPlan plan;

        @Setup(Level.Trial)
        public void open() throws IOException
        {
            NativeLoaderCheck.require();
            root = createTree("pathlock-file-seq-", dirs);
            final Dialect d = Dialect.parse(dialect);
            try (FileLockStore s = FileLockStore.builder(root).backend("jni").dialect(d).syncFence(false).build())
            {
                plan = FloorPlan.of(s, "/tree", LockType.SUBTREE, d);
            }
        }

        @TearDown(Level.Trial)
        public void close() throws IOException
        {
            BenchDirs.delete(root);
        }
    }

    /**
     * SUBTREE acquire + fencing token + release through the store.
     *
     * @param s the store.
     * @return the fencing token.
     */
    @Benchmark
    public long subtree(final Store s)
    {
        final LockStore.PublishResult r = s.store.tryPublish("subtree@1.1.1", s.entries);
        if (!r.isGranted())
        {
            throw new IllegalStateException("refused: " + r.conflict());
        }
        final long token = s.store.nextFencingToken();
        s.store.unpublish(r.publication());
        return token;
    }

    /**
     * The walk floor: the C walk of the same tree, descriptor-relative as the store's {@code walkAt}.
     *
     * @param f the floor's arguments.
     * @return matches (0).
     */
    @Benchmark
    public long walkFloorC(final WalkFloor f)
    {
        final long n = f.plan.walk(1);
        if (n != 0)
        {
            throw new IllegalStateException("walk floor failed: " + n);
        }
        return n;
    }

    /**
     * The store's whole SUBTREE sequence in C (checks, publish, walk, re-checks, guarded release).
     *
     * @param f the floor's arguments.
     * @return 1.
     */
    @Benchmark
    public long subtreeSequenceFloorC(final Floor f)
    {
        final long n = f.plan.sequence(1);
        if (n != 1)
        {
            throw new IllegalStateException("floor failed: " + n);
        }
        return n;
    }
}

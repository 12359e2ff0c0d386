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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SUBTREE acquire + release of {@code /tree} over a tree of {@code dirs} leaf directories (10 x 10 x
 * dirs/100, plus the 110 above them: 210, 1,110 and 10,110 directories; no lock file inside) through {@link FileLockStore} on each backend, beside two floors in C: the walk of the
 * same tree with the same pattern ({@code *.path.ovlock}, skipping {@code .pathlock}), which is the
 * target of issue 3, and the store's whole sequence ({@link PathlockNative#lockSequenceFloor} with the
 * walk).
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
            store = FileLockStore.builder(root).backend(backend).syncFence(false).build();
            entries = LockRequest.subtree("/tree").entries();
        }

        @TearDown(Level.Trial)
        public void close() throws IOException
        {
            store.close();
            BenchDirs.delete(root);
        }
    }

    /** The floors' arguments, on their own tree. */
    @State(Scope.Benchmark)
    public static class Floor
    {
        /** Leaf directories of the tree (110 more above them). */
        @Param({"100", "1000", "10000"})
        int dirs;

        Path root;
        byte[] treeDir;
        byte[] pattern;
        byte[] skip;
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
            root = createTree("pathlock-file-walk-", dirs);
            try (FileLockStore s = FileLockStore.builder(root).backend("jni").syncFence(false).build())
            {
                final FileLockStore.AcquisitionPlan plan = s.plan("/tree", LockType.SUBTREE);
                treeDir = FileStoreBenchmark.bytes(plan.scanDir());
                lstats = FileStoreBenchmark.bytes(plan.components());
                pre = FileStoreBenchmark.bytes(plan.preChecks());
                post = FileStoreBenchmark.bytes(plan.postChecks());
                tmp = FileStoreBenchmark.bytes(plan.tmpDir().resolve("0123456789abcdef.1"));
                file = FileStoreBenchmark.bytes(plan.lockFile());
                guard = FileStoreBenchmark.bytes(plan.guardFile());
                token = (s.fileOwnerId("subtree@1.1.1") + ":" + System.nanoTime() + ":S").getBytes(StandardCharsets.UTF_8);
            }
            pattern = "*.path.ovlock".getBytes(StandardCharsets.UTF_8);
            skip = ".pathlock".getBytes(StandardCharsets.UTF_8);
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
     * The walk floor: the C walk of the same tree with the same pattern.
     *
     * @param f the floor's arguments.
     * @return matches (0).
     */
    @Benchmark
    public long walkFloorC(final Floor f)
    {
        final long n = PathlockNative.walkFloor(f.treeDir, f.pattern, f.skip, 1);
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
        final long n = PathlockNative.lockSequenceFloor(f.lstats, f.pre, f.tmp, f.file, f.post, f.treeDir, f.guard,
            f.token, f.token.length, 0600, 1);
        if (n != 1)
        {
            throw new IllegalStateException("floor failed: " + n);
        }
        return n;
    }
}

package io.pathlock.bench.posix;

import io.pathlock.nativeio.PathlockNative;
import io.pathlock.posix.Posix;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * A scan for lock files below a tree of 10,000 leaf directories ({@value #FANOUT_1} x
 * {@value #FANOUT_2} x {@value #FANOUT_3}, 10,110 directories in all) holding
 * {@value #LOCK_FILES} lock files and a reserved {@code .pathlock} directory that must be skipped; on
 * each backend ({@link Posix#findFiles}), beside the same walk done in C without building a result
 * ({@link PathlockNative#walkFloor}). This is what a SUBTREE acquisition must do to find locks held
 * below it. The tree stays in the page cache: the figures are CPU and syscall cost, not disk reads.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class PosixWalkBenchmark
{
    static final int FANOUT_1 = 10;
    static final int FANOUT_2 = 10;
    static final int FANOUT_3 = 100;
    static final int LOCK_FILES = 100;
    static final String LOCK_NAME = ".path.ovlock";
    static final String RESERVED = ".pathlock";

    /** The tree, built once per trial. */
    @State(Scope.Benchmark)
    public static class Tree
    {
        Path root;
        byte[] rootBytes;
        final byte[] nameBytes = LOCK_NAME.getBytes(StandardCharsets.UTF_8);
        final byte[] reservedBytes = RESERVED.getBytes(StandardCharsets.UTF_8);

        @Setup(Level.Trial)
        public void create() throws IOException
        {
            NativeLoaderCheck.require();
            root = BenchDirs.create("pathlock-walk-");
            rootBytes = root.toString().getBytes(StandardCharsets.UTF_8);
            int leaf = 0;
            for (int i = 0; i < FANOUT_1; i++)
            {
                for (int j = 0; j < FANOUT_2; j++)
                {
                    for (int k = 0; k < FANOUT_3; k++)
                    {
                        final Path dir = Files.createDirectories(root.resolve("d" + i).resolve("e" + j).resolve("f" + k));
                        if (leaf++ % (FANOUT_1 * FANOUT_2 * FANOUT_3 / LOCK_FILES) == 0)
                        {
                            Files.write(dir.resolve(LOCK_NAME), PosixPointBenchmark.TOKEN);
                        }
                    }
                }
            }
            final Path reserved = Files.createDirectories(root.resolve(RESERVED));
            Files.write(reserved.resolve(LOCK_NAME), PosixPointBenchmark.TOKEN);
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
        final List<Path> found = new ArrayList<>(LOCK_FILES);

        @Setup(Level.Trial)
        public void create()
        {
            posix = backend.create();
        }
    }

    /**
     * The walk through a backend, collecting the matches.
     *
     * @param tree    the tree.
     * @param backend the backend.
     * @return the number of lock files found.
     */
    @Benchmark
    public int walk(final Tree tree, final Backend backend)
    {
        backend.found.clear();
        final int n = backend.posix.findFiles(tree.root, LOCK_NAME, RESERVED, backend.found);
        if (n != LOCK_FILES)
        {
            throw new IllegalStateException("walk found " + n);
        }
        return n;
    }

    /**
     * The floor: the same walk in C, counting matches only.
     *
     * @param tree the tree.
     * @return the number of lock files found.
     */
    @Benchmark
    public long walkFloorC(final Tree tree)
    {
        final long n = PathlockNative.walkFloor(tree.rootBytes, tree.nameBytes, tree.reservedBytes, 1);
        if (n != LOCK_FILES)
        {
            throw new IllegalStateException("floor walk found " + n);
        }
        return n;
    }
}

package io.pathlock.bench.tree;

import io.pathlock.LockManager;
import io.pathlock.bench.posix.BenchDirs;
import io.pathlock.tree.TreeDurability;
import io.pathlock.tree.TreeOps;
import io.pathlock.tree.TreeResult;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

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
 * Issue 14's price of safety: a tree operation through {@link TreeOps} (locks, redo-log bracket,
 * temporary file and rename) against the same change made by the JDK without locks and without redo,
 * in the same run, per lock store ({@link TreeStores}: {@code memory}, {@code files} with
 * {@code MissingDirectories.FAIL}, {@code host}) and durability ({@code NONE},
 * {@code DATA_AND_DIRECTORY}). One thread, uncontended: what safety costs when nobody else wants the
 * locks.
 *
 * <ul>
 *   <li>{@link #write}: {@code TreeOps.write("/w/f.bin", 4 KiB)} over an existing file (temporary file,
 *       fsync per policy, rename over the target, directory fsync per policy, under POINT /w);</li>
 *   <li>{@link #filesWrite}: {@code Files.write} of the same 4 KiB over the same file in place, with
 *       {@code SYNC} at {@code DATA_AND_DIRECTORY} (the data is on disk when it returns, as with
 *       {@code TreeOps}; the directory entry does not change, so no directory fsync): what a user
 *       writes without the library, not crash-atomic;</li>
 *   <li>{@link #safeWrite}: the same atomic write by hand: temporary file beside the target, write,
 *       fsync, rename over the target, fsync of the directory (the fsyncs only at
 *       {@code DATA_AND_DIRECTORY}): crash-atomic without locks or redo, so its ratio is the price of
 *       the locks and the redo log alone;</li>
 *   <li>{@link #move}: {@code TreeOps.move} of the directory {@code /in/batch} (10 files of 100 bytes)
 *       to {@code /done/batch}, and back on the next call, so the tree is the same after every two
 *       calls (SUBTREE /in/batch + POINT /in + SUBTREE /done, one file system, so one
 *       {@code rename(2)}; the lock files of the source never travel);</li>
 *   <li>{@link #filesMove}: {@code Files.move} of the same directory back and forth, with an fsync of
 *       both parent directories at {@code DATA_AND_DIRECTORY} (the entries that changed).</li>
 * </ul>
 *
 * <p>The JDK baselines take only the {@code durability} parameter: the report divides every
 * {@code TreeOps} row by the baseline row of the same durability (the price of safety per store).
 * Scratch roots are created under {@code -Dpathlock.bench.dir} (the disk measured: fsync on a tmpfs
 * costs nothing).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar tree.TreeOpsBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TreeOpsBenchmark
{
    /** Size of the written file. */
    static final int WRITE_BYTES = 4096;

    /** Files in the moved directory. */
    static final int MOVED_FILES = 10;

    /** Size of each file in the moved directory. */
    static final int MOVED_FILE_BYTES = 100;

    /** The written file's lock path. */
    static final String WRITE_PATH = "/w/f.bin";

    /** The moved directory's lock path at the start (and after every even number of moves). */
    static final String MOVE_A = "/in/batch";

    /** The moved directory's lock path after an odd number of moves. */
    static final String MOVE_B = "/done/batch";

    /** The durability a benchmark row applies ({@link TreeDurability} names). */
    @State(Scope.Thread)
    public abstract static class Durable
    {
        /** {@code NONE} or {@code DATA_AND_DIRECTORY}. */
        @Param({"NONE", "DATA_AND_DIRECTORY"})
        String durability;

        Path root;
        final byte[] data = content(WRITE_BYTES, 'w');
        boolean moved;

        /**
         * Whether the JDK baselines force data and directories.
         *
         * @return true at {@code DATA_AND_DIRECTORY}.
         */
        boolean forced()
        {
            return TreeDurability.valueOf(durability) != TreeDurability.NONE;
        }

        /**
         * Creates the scratch root with {@code /w/f.bin} (4 KiB), {@code /in/batch} (10 files),
         * {@code /done}.
         *
         * @throws IOException if the tree cannot be created.
         */
        void createTree() throws IOException
        {
            root = BenchDirs.create("pathlock-tree-ops-");
            Files.createDirectories(root.resolve("w"));
            Files.write(file(WRITE_PATH), data);
            final Path batch = Files.createDirectories(file(MOVE_A));
            for (int i = 0; i < MOVED_FILES; i++)
            {
                Files.write(batch.resolve("f" + i + ".dat"), content(MOVED_FILE_BYTES, (char)('a' + i)));
            }
            Files.createDirectories(file(MOVE_B).getParent());
            moved = false;
        }

        /**
         * The file of a lock path under the root.
         *
         * @param lockPath e.g. {@code /w/f.bin}.
         * @return the file.
         */
        Path file(final String lockPath)
        {
            return root.resolve(lockPath.substring(1));
        }

        /**
         * Checks that the tree is what the benchmark left it, then deletes the root: the moved
         * directory at one of its two places only, holding exactly its 10 files with their content (no
         * lock file travelled with it), the written file 4 KiB, and no temporary left in {@code /w},
         * {@code /in} or {@code /done}. A benchmark of a wrong operation measures nothing.
         *
         * @throws IOException if the tree cannot be read or deleted.
         * @throws IllegalStateException if the tree is wrong.
         */
        void checkAndDelete() throws IOException
        {
            try
            {
                final Path batch = file(moved ? MOVE_B : MOVE_A);
                final Path other = file(moved ? MOVE_A : MOVE_B);
                if (Files.exists(other) || !Files.isDirectory(batch))
                {
                    throw new IllegalStateException("after the moves: " + batch + " should be the only copy");
                }
                final Set<String> expected = new TreeSet<>();
                for (int i = 0; i < MOVED_FILES; i++)
                {
                    final Path f = batch.resolve("f" + i + ".dat");
                    expected.add(f.getFileName().toString());
                    if (!Arrays.equals(Files.readAllBytes(f), content(MOVED_FILE_BYTES, (char)('a' + i))))
                    {
                        throw new IllegalStateException("after the moves: " + f + " changed");
                    }
                }
                final Set<String> names = names(batch);
                if (!names.equals(expected))
                {
                    throw new IllegalStateException("after the moves: " + batch + " holds " + names + ", not "
                        + expected);
                }
                if (!Arrays.equals(Files.readAllBytes(file(WRITE_PATH)), data))
                {
                    throw new IllegalStateException("after the writes: " + file(WRITE_PATH)
                        + " is not the 4 KiB written");
                }
                for (final String dir : new String[] {"/w", "/in", "/done"})
                {
                    for (final String n : names(file(dir)))
                    {
                        if (n.startsWith(TreeOps.TEMP_PREFIX) || n.startsWith(".tmp."))
                        {
                            throw new IllegalStateException("a temporary was left behind: " + file(dir).resolve(n));
                        }
                    }
                }
            }
            finally
            {
                BenchDirs.delete(root);
            }
        }
    }

    /** A scratch tree and {@link TreeOps} on one store with one durability. */
    @State(Scope.Thread)
    public static class Tree extends Durable
    {
        /** The store ({@link TreeStores} names). */
        @Param({"memory", "files", "host"})
        String store;

        LockManager manager;
        TreeOps ops;

        /**
         * Creates the tree, opens the store, a manager with a redo log and {@link TreeOps}, and waits
         * for its (empty) recovery.
         *
         * @throws Exception if any of it fails.
         */
        @Setup(Level.Trial)
        public void open() throws Exception
        {
            createTree();
            try
            {
                manager = TreeStores.manager(store, root);
                ops = TreeOps.builder(manager, root).durability(TreeDurability.valueOf(durability)).build();
                ops.recovery().join();
            }
            catch (final Exception | Error e)
            {
                // a failed set-up leaves no manager open and no scratch tree behind
                if (ops != null)
                {
                    ops.close();
                }
                if (manager != null)
                {
                    manager.close();
                }
                BenchDirs.delete(root);
                throw e;
            }
        }

        /**
         * Closes everything, checks the tree and deletes the root.
         *
         * @throws IOException if the tree is wrong or cannot be deleted.
         */
        @TearDown(Level.Trial)
        public void close() throws IOException
        {
            try
            {
                ops.close();
                manager.close();
            }
            finally
            {
                checkAndDelete();
            }
        }
    }

    /** A scratch tree for the JDK baselines (no store, no redo log). */
    @State(Scope.Thread)
    public static class Plain extends Durable
    {
        /**
         * Creates the tree.
         *
         * @throws IOException if it cannot be created.
         */
        @Setup(Level.Trial)
        public void open() throws IOException
        {
            createTree();
        }

        /**
         * Checks the tree and deletes the root.
         *
         * @throws IOException if the tree is wrong or cannot be deleted.
         */
        @TearDown(Level.Trial)
        public void close() throws IOException
        {
            checkAndDelete();
        }
    }

    /**
     * {@code TreeOps.write} of 4 KiB over an existing file.
     *
     * @param t the tree.
     * @return the grant's result.
     * @throws IOException if the write fails.
     * @throws InterruptedException if interrupted.
     */
    @Benchmark
    public TreeResult write(final Tree t) throws IOException, InterruptedException
    {
        return t.ops.write(WRITE_PATH, t.data);
    }

    /**
     * {@code Files.write} of 4 KiB over the same file in place ({@code SYNC} when durable).
     *
     * @param p the tree.
     * @return the file.
     * @throws IOException if the write fails.
     */
    @Benchmark
    public Path filesWrite(final Plain p) throws IOException
    {
        final Path f = p.file(WRITE_PATH);
        if (p.forced())
        {
            return Files.write(f, p.data, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        }
        return Files.write(f, p.data);
    }

    /**
     * The atomic write by hand: temporary file, write, fsync, rename over the target, directory fsync
     * (fsyncs only when durable).
     *
     * @param p the tree.
     * @return the file.
     * @throws IOException if the write fails.
     */
    @Benchmark
    public Path safeWrite(final Plain p) throws IOException
    {
        final Path f = p.file(WRITE_PATH);
        final Path tmp = f.resolveSibling(".tmp." + f.getFileName());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
        {
            final ByteBuffer b = ByteBuffer.wrap(p.data);
            while (b.hasRemaining())
            {
                ch.write(b);
            }
            if (p.forced())
            {
                ch.force(true);
            }
        }
        Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (p.forced())
        {
            forceDirectory(f.getParent());
        }
        return f;
    }

    /**
     * {@code TreeOps.move} of the directory of 10 files, to the other place on each call.
     *
     * @param t the tree.
     * @return the grant's result.
     * @throws IOException if the move fails.
     * @throws InterruptedException if interrupted.
     */
    @Benchmark
    public TreeResult move(final Tree t) throws IOException, InterruptedException
    {
        final TreeResult r = t.moved ? t.ops.move(MOVE_B, MOVE_A) : t.ops.move(MOVE_A, MOVE_B);
        t.moved = !t.moved;
        return r;
    }

    /**
     * {@code Files.move} of the same directory, to the other place on each call (both parents forced
     * when durable).
     *
     * @param p the tree.
     * @return where it is now.
     * @throws IOException if the move fails.
     */
    @Benchmark
    public Path filesMove(final Plain p) throws IOException
    {
        final Path from = p.file(p.moved ? MOVE_B : MOVE_A);
        final Path to = p.file(p.moved ? MOVE_A : MOVE_B);
        final Path r = Files.move(from, to);
        p.moved = !p.moved;
        if (p.forced())
        {
            forceDirectory(from.getParent());
            forceDirectory(to.getParent());
        }
        return r;
    }

    /**
     * The names in a directory.
     *
     * @param dir the directory.
     * @return its entries' names, sorted.
     * @throws IOException if it cannot be listed.
     */
    static Set<String> names(final Path dir) throws IOException
    {
        try (Stream<Path> s = Files.list(dir))
        {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /**
     * fsync of a directory (its entries).
     *
     * @param dir the directory.
     * @throws IOException if it fails.
     */
    static void forceDirectory(final Path dir) throws IOException
    {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ))
        {
            ch.force(true);
        }
    }

    /**
     * Content of a test file: the letter repeated.
     *
     * @param size bytes.
     * @param letter the byte.
     * @return the content.
     */
    static byte[] content(final int size, final char letter)
    {
        final byte[] b = new byte[size];
        Arrays.fill(b, (byte)letter);
        return b;
    }
}

package io.pathlock.bench.host;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.bench.posix.BenchDirs;
import io.pathlock.bench.report.Catalogue;
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
 * Issue 12's second target: SUBTREE acquire+release through {@link LockManager} on the host table
 * (interop none) does not depend on what lies below the node. {@code subtreeAfterHistory} locks
 * {@code /data/big}, under which 100 x 100 = 10,000 leaf
 * directories exist on disk (10,100 with their parents) and 100,000 distinct paths
 * ({@code /data/big/dI/dJ/fK}) were each POINT-locked once and released before measuring (more than
 * the table's default capacity of 65,536 nodes: the table must have reclaimed idle nodes, and a
 * SUBTREE must not pay for them); {@code subtreeFresh} locks {@code /data/fresh}, an empty directory
 * at the same depth never locked below. Same manager, same handle, same run.
 *
 * <p>Targets: 12.2 (after history / fresh at most 1.2) and 12.2a (after history at most 2 µs). A smoke
 * run of the suite builds 100 directories and 1,000 paths of history instead (its set-up would
 * otherwise take most of the smoke pass; smoke figures are not judged).
 * {@code store} is a parameter so that {@code -p store=table.ragfs} shows the interop mode's cost (a
 * scan of the 10,000 directories for foreign lock files); the standard run measures {@code table}.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar host.HostSubtreeBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class HostSubtreeBenchmark
{
    /** Whether this is a smoke run ({@link Catalogue#SMOKE_PROP_NAME}): a tree and a history 100x smaller. */
    static final boolean SMOKE = Boolean.getBoolean(Catalogue.SMOKE_PROP_NAME);

    /** Directories per level below {@code /data/big} (two levels); 10 in a smoke run. */
    static final int DIRS_PER_LEVEL = SMOKE ? 10 : 100;

    /** Paths locked once below {@code /data/big} before measuring; 1,000 in a smoke run. */
    static final int HISTORY = SMOKE ? 1_000 : 100_000;

    /** A manager on the store with the tree and the history. */
    @State(Scope.Thread)
    public static class Tree
    {
        /** The store ({@link HostStores} names). */
        @Param({"table"})
        String store;

        Path root;
        LockManager manager;
        LockHandle handle;
        final LockRequest big = LockRequest.subtree("/data/big");
        final LockRequest fresh = LockRequest.subtree("/data/fresh");

        /**
         * Creates the directories, opens the store and locks the history paths once each.
         *
         * @throws IOException if the tree cannot be created.
         */
        @Setup(Level.Trial)
        public void open() throws IOException
        {
            root = BenchDirs.create("pathlock-host-subtree-");
            Files.createDirectories(root.resolve("data/fresh"));
            for (int i = 0; i < DIRS_PER_LEVEL; i++)
            {
                for (int j = 0; j < DIRS_PER_LEVEL; j++)
                {
                    Files.createDirectories(root.resolve("data/big/d" + i + "/d" + j));
                }
            }
            manager = HostStores.manager(store, root);
            handle = manager.open("subtree");
            final int perDir = HISTORY / (DIRS_PER_LEVEL * DIRS_PER_LEVEL);
            for (int i = 0; i < DIRS_PER_LEVEL; i++)
            {
                for (int j = 0; j < DIRS_PER_LEVEL; j++)
                {
                    for (int k = 0; k < perDir; k++)
                    {
                        handle.tryAcquire(LockRequest.point("/data/big/d" + i + "/d" + j + "/f" + k));
                        handle.releaseAll();
                    }
                }
            }
        }

        /**
         * Closes everything and deletes the tree.
         *
         * @throws IOException if it cannot be deleted.
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
     * SUBTREE on the node with 10,000 directories and 100,000 once-locked paths below.
     *
     * @param t the tree.
     * @return the handle.
     */
    @Benchmark
    public LockHandle subtreeAfterHistory(final Tree t)
    {
        t.handle.tryAcquire(t.big);
        t.handle.releaseAll();
        return t.handle;
    }

    /**
     * SUBTREE on a fresh node at the same depth (the baseline).
     *
     * @param t the tree.
     * @return the handle.
     */
    @Benchmark
    public LockHandle subtreeFresh(final Tree t)
    {
        t.handle.tryAcquire(t.fresh);
        t.handle.releaseAll();
        return t.handle;
    }
}

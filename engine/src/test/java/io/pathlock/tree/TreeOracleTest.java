package io.pathlock.tree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pathlock.LockManager;
import io.pathlock.redo.RedoLog;
import io.pathlock.redo.RedoLogConfig;
import io.pathlock.store.LockStore;
import io.pathlock.store.MemoryLockStore;
import io.pathlock.tree.TreeModel.Op;
import io.pathlock.tree.TreeOracle.Rec;
import io.pathlock.tree.TreeOracle.Verdict;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The concurrency oracle (issue 14, {@code docs/tree-ops.md} §2): threads and processes run random
 * writes, deletes, moves, createDirectories and batches over 3 levels x 3 names through
 * {@link TreeOps}; the successful operations replayed in grant-token order on a {@link TreeModel} must
 * give the real tree (paths, kinds, contents; no lock file or temporary left), every success must be a
 * success in the model at its token's place, and every failure must be what the model predicts in its
 * time window ({@link TreeOracle}). The seed is printed and given in every failure message; rerun one
 * with {@code -Dpathlock.oracle.seed=N} (same initial tree and random choices; the interleaving, and so
 * the tree each choice looks at, differ). A failure also writes every operation by start time to
 * {@code target/tree-oracle-SEED.txt}.
 */
class TreeOracleTest
{
    private static long seed()
    {
        return Long.getLong("pathlock.oracle.seed", new Random().nextLong());
    }

    /** Asserts the run consistent, printing the seed, the counts and the first problems otherwise. */
    private static void assertConsistent(final String what, final long seed, final List<Rec> recs, final Verdict v)
    {
        System.out.println("[tree-oracle] " + what + " seed=" + seed + ": " + v.summary() + " " + countsText(recs));
        if (!v.consistent())
        {
            final Path dump = Path.of("target", "tree-oracle-" + seed + ".txt").toAbsolutePath();
            try
            {
                final List<Rec> byStart = new ArrayList<>(recs);
                byStart.sort(java.util.Comparator.comparingLong(Rec::start));
                final List<String> lines = new ArrayList<>();
                final long t0 = byStart.isEmpty() ? 0 : byStart.get(0).start();
                for (final Rec r : byStart)
                {
                    lines.add((r.start() - t0) / 1000 + "us.." + (r.end() - t0) / 1000 + "us " + r);
                }
                lines.add("replay in token order: " + v.replayed());
                lines.addAll(v.problems());
                Files.createDirectories(dump.getParent());
                Files.write(dump, lines, StandardCharsets.UTF_8);
            }
            catch (final IOException e)
            {
                throw new java.io.UncheckedIOException(e);
            }
            final StringBuilder sb = new StringBuilder(what + " is not consistent with the token order (seed " + seed
                + ", -Dpathlock.oracle.seed=" + seed + "), " + v.problems().size() + " problems; " + v.summary()
                + "; every operation by start time: " + dump);
            for (final String p : v.problems().subList(0, Math.min(25, v.problems().size())))
            {
                sb.append("\n- ").append(p);
            }
            throw new AssertionError(sb.toString());
        }
    }

    private static String countsText(final List<Rec> recs)
    {
        final StringBuilder sb = new StringBuilder();
        TreeOracle.counts(recs)
            .forEach((k, c) -> sb.append(k).append(' ').append(c[0]).append('/').append(c[1]).append(' '));
        return "(ok/failed: " + sb.toString().trim() + ")";
    }

    /**
     * The run must be able to fail: every adjacent pair of the token order whose swap changes the replay
     * (up to 3 of them) makes the check fail, and there must be such a pair.
     */
    private static void assertSwapsAreCaught(final long seed, final TreeModel initial, final List<Rec> recs,
        final Verdict v, final Map<String, String> real)
    {
        final List<Rec> order = v.order();
        final List<Rec> unplaced = new ArrayList<>(recs);
        unplaced.removeAll(order);
        int caught = 0;
        for (int i = 0; i + 1 < order.size() && caught < 3; i++)
        {
            final List<Rec> swapped = new ArrayList<>(order);
            Collections.swap(swapped, i, i + 1);
            if (replay(initial, swapped).equals(replay(initial, order)))
            {
                continue;
            }
            final Verdict w = TreeOracle.check(initial, swapped, unplaced, real);
            assertFalse(w.consistent(), "seed " + seed + ": swapping " + order.get(i) + " and " + order.get(i + 1)
                + " changes the replay, yet the check passed");
            caught++;
        }
        assertTrue(caught > 0, "seed " + seed + ": no two neighbours in the token order change the replay when "
            + "swapped: the run did not make operations meet");
    }

    /** The final model and each operation's success, replaying in the given order. */
    private static List<Object> replay(final TreeModel initial, final List<Rec> order)
    {
        final TreeModel m = initial.copy();
        final List<Object> out = new ArrayList<>();
        for (final Rec r : order)
        {
            out.add(m.apply(r.op()).ok());
        }
        out.add(m.snapshot());
        return out;
    }

    private static List<Rec> runThreads(final TreeOracle.Executor ops, final Path root, final int threads,
        final int count, final long seed)
        throws InterruptedException
    {
        final CountDownLatch start = new CountDownLatch(1);
        final List<List<Rec>> results = new ArrayList<>();
        final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        final List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++)
        {
            final String worker = "t" + t;
            final long workerSeed = seed * 31 + t;
            final List<Rec> mine = Collections.synchronizedList(new ArrayList<>());
            results.add(mine);
            final Thread th = new Thread(() ->
            {
                try
                {
                    start.await();
                    mine.addAll(TreeOracle.runWorker(ops, root, worker, workerSeed, count));
                }
                catch (final Throwable e)
                {
                    errors.add(e);
                }
            }, "tree-oracle-" + worker);
            workers.add(th);
            th.start();
        }
        start.countDown();
        for (final Thread th : workers)
        {
            th.join(TimeUnit.MINUTES.toMillis(3));
            assertFalse(th.isAlive(), "seed " + seed + ": worker " + th.getName() + " still runs after 3 minutes");
        }
        if (!errors.isEmpty())
        {
            throw new AssertionError("seed " + seed + ": a worker failed", errors.get(0));
        }
        final List<Rec> all = new ArrayList<>();
        results.forEach(all::addAll);
        return all;
    }

    /** Threads on one manager through TreeOps; checks and self-checks. */
    private static void threadRun(final Path base, final LockStore store, final boolean globalTokens,
        final int threads, final int count) throws Exception
    {
        threadRun(base, store, globalTokens, threads, count, null);
    }

    /** Threads on one manager through TreeOps, or the reference with the given locking if not null. */
    private static void threadRun(final Path base, final LockStore store, final boolean globalTokens,
        final int threads, final int count, final TreeOracleReferenceOps.Locking reference) throws Exception
    {
        final long seed = seed();
        final Path root = Files.createDirectories(base.resolve("tree"));
        final TreeModel initial = TreeOracle.initialTree(seed);
        TreeOracle.materialize(initial, root);
        assertEquals(initial.snapshot(), TreeOracle.snapshot(root));
        final List<Rec> recs;
        final RedoLog redo = RedoLog.open(new RedoLogConfig().directory(base.resolve("redo")));
        try (LockManager locks = LockManager.builder().store(store).redoLog(redo).defaultTimeout(TreeOracle.TIMEOUT)
                 .build())
        {
            if (reference != null)
            {
                recs = runThreads(new TreeOracleReferenceOps(locks, root, reference, op -> { }), root, threads, count,
                    seed);
            }
            else
            {
                try (TreeOps ops = TreeOps.builder(locks, root).timeout(TreeOracle.TIMEOUT)
                         .durability(TreeDurability.NONE).build())
                {
                    ops.recovery().join();
                    recs = runThreads(TreeOracle.of(ops), root, threads, count, seed);
                }
            }
        }
        final Map<String, String> real = TreeOracle.snapshot(root);
        final Verdict v = globalTokens ? TreeOracle.check(initial, recs, real)
            : TreeOracle.checkSuccesses(initial, recs, real);
        assertConsistent(store.describe() + " x " + threads + " threads", seed, recs, v);
        assertSwapsAreCaught(seed, initial, recs, v, real);
    }

    /**
     * Threads on the memory store with one global token sequence ({@link TreeOracle.SequencedMemoryStore}):
     * the full check, failures included.
     */
    @Test
    void threadsOnTheMemoryStoreEndInTheTreeOfTheTokenOrder(@TempDir final Path base) throws Exception
    {
        threadRun(base, new TreeOracle.SequencedMemoryStore(), true, 4, 150);
    }

    /**
     * Threads on the plain memory store, whose tokens are the lock table's (ordered only between
     * conflicting grants): the successes replayed in token order give the real tree. Failures are not
     * placed (a time window does not bound a table token).
     */
    @Test
    void threadsOnTheMemoryStoreWithTableTokensEndInTheTreeOfTheTokenOrder(@TempDir final Path base) throws Exception
    {
        threadRun(base, new MemoryLockStore(), false, 4, 150);
    }

    // ---------------------------------------------------------------- processes

    /** A child JVM running {@link TreeOracleChild}, driven by lines (no sleeping). */
    private static final class Child
    {
        private static final String EOF = "\u0000EOF";
        private final Process process;
        private final PrintWriter in;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final StringBuffer transcript = new StringBuffer();

        Child(final List<String> args) throws IOException
        {
            final List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-XX:-UsePerfData");
            cmd.add("-XX:TieredStopAtLevel=1");
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(TreeOracleChild.class.getName());
            cmd.addAll(args);
            process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            in = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
            final Thread reader = new Thread(() ->
            {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8)))
                {
                    String line;
                    while ((line = r.readLine()) != null)
                    {
                        transcript.append(line).append('\n');
                        lines.add(line);
                    }
                }
                catch (final IOException ignore)
                {
                    // The child is gone: EOF tells the waiter.
                }
                lines.add(EOF);
            }, "tree-oracle-child-" + process.pid());
            reader.setDaemon(true);
            reader.start();
        }

        void expect(final String want, final long seed) throws InterruptedException
        {
            final long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            for (;;)
            {
                final String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null || EOF.equals(line))
                {
                    process.destroyForcibly();
                    throw new AssertionError("seed " + seed + ": child " + process.pid() + (line == null
                        ? " printed no '" + want + "' within 3 minutes" : " ended before '" + want + "'")
                        + "; output:\n" + transcript);
                }
                if (line.equals(want))
                {
                    return;
                }
            }
        }

        void send(final String line)
        {
            in.println(line);
        }

        void finish(final long seed) throws InterruptedException
        {
            if (!process.waitFor(1, TimeUnit.MINUTES))
            {
                process.destroyForcibly();
                throw new AssertionError("seed " + seed + ": child " + process.pid() + " did not exit");
            }
            assertEquals(0, process.exitValue(), () -> "seed " + seed + ": child output:\n" + transcript);
        }

        void kill()
        {
            process.destroyForcibly();
        }
    }

    private static void processRun(final Path base, final String store, final int procs, final int threads,
        final int count) throws Exception
    {
        final long seed = seed();
        final Path root = Files.createDirectories(base.resolve("tree"));
        final TreeModel initial = TreeOracle.initialTree(seed);
        TreeOracle.materialize(initial, root);
        final List<Child> children = new ArrayList<>();
        final List<Path> outs = new ArrayList<>();
        try
        {
            for (int p = 0; p < procs; p++)
            {
                final Path out = base.resolve("recs-" + p + ".txt");
                outs.add(out);
                children.add(new Child(List.of(store, root.toString(), "p" + p, Integer.toString(threads),
                    Integer.toString(count), Long.toString(seed * 1009 + p), out.toString(),
                    base.resolve("redo-" + p).toString())));
            }
            for (final Child c : children)
            {
                c.expect("ready", seed);
            }
            for (final Child c : children)
            {
                c.send("go");
            }
            for (final Child c : children)
            {
                c.expect("done", seed);
                c.finish(seed);
            }
        }
        finally
        {
            children.forEach(Child::kill);
        }
        final List<Rec> recs = new ArrayList<>();
        for (final Path out : outs)
        {
            for (final String line : Files.readAllLines(out, StandardCharsets.UTF_8))
            {
                recs.add(Rec.decode(line));
            }
        }
        assertEquals(procs * threads * count, recs.size(), "seed " + seed + ": records");
        final Map<String, String> real = TreeOracle.snapshot(root);
        final Verdict v = TreeOracle.check(initial, recs, real);
        assertConsistent(store + " store x " + procs + " processes x " + threads + " threads", seed, recs, v);
        assertSwapsAreCaught(seed, initial, recs, v, real);
    }

    /**
     * Processes on the lock-file store ({@code MissingDirectories.FAIL}): tokens from the root's fencing
     * counter, one sequence for every process.
     */
    @Test
    void processesOnTheLockFileStoreEndInTheTreeOfTheTokenOrder(@TempDir final Path base) throws Exception
    {
        processRun(base, "file", 3, 2, 80);
    }

    /**
     * Processes on the lock-file store with its default {@code MissingDirectories.CREATE}, which
     * {@code docs/tree-ops.md} says tree operations must work with too.
     */
    @Test
    void processesOnTheLockFileStoreCreatingMissingDirectoriesEndInTheTreeOfTheTokenOrder(@TempDir final Path base)
        throws Exception
    {
        processRun(base, "file-create", 3, 2, 80);
    }

    /**
     * Processes on the host-table store (interop {@code none}): tokens from the same fencing counter.
     */
    @Test
    void processesOnTheHostStoreEndInTheTreeOfTheTokenOrder(@TempDir final Path base) throws Exception
    {
        processRun(base, "host", 2, 2, 80);
    }

    // ---------------------------------------------------------------- the check itself

    /**
     * The harness on a known-right lock choice: the test-only reference implementation with the docs'
     * table (and decision 1) passes the full check.
     */
    @Test
    void theReferenceWithTheDocsLocksPasses(@TempDir final Path base) throws Exception
    {
        threadRun(base, new TreeOracle.SequencedMemoryStore(), true, 4, 150, TreeOracleReferenceOps.Locking.DOCS);
    }

    /**
     * The oracle catches decision 1's bug: with POINT(parent(x)) per created directory,
     * {@code createDirectories("/x/y/z")} (POINT /x, POINT /x/y) does not conflict with
     * {@code write("/x/y/z/f")} (POINT /x/y/z). The write is granted first (smaller token) and held
     * until createDirectories has finished, then succeeds: in token order it comes before the
     * directory exists, which the model refuses.
     */
    @Test
    void theOracleCatchesCreateDirectoriesWithPointLocks(@TempDir final Path base) throws Exception
    {
        final Path root = Files.createDirectories(base.resolve("tree"));
        final TreeModel initial = new TreeModel();
        initial.apply(Op.mkdirs("/x"));
        TreeOracle.materialize(initial, root);
        final Op write = Op.write("/x/y/z/f", "w");
        final CountDownLatch writeGranted = new CountDownLatch(1);
        final CountDownLatch mkdirsDone = new CountDownLatch(1);
        final List<Rec> recs = Collections.synchronizedList(new ArrayList<>());
        try (LockManager locks = LockManager.builder().store(new TreeOracle.SequencedMemoryStore()).build())
        {
            final TreeOracle.Executor ops = new TreeOracleReferenceOps(locks, root,
                TreeOracleReferenceOps.Locking.POINT_PER_CREATED_DIRECTORY, op ->
                {
                    if (op.equals(write))
                    {
                        writeGranted.countDown();
                        try
                        {
                            assertTrue(mkdirsDone.await(30, TimeUnit.SECONDS), "createDirectories did not finish");
                        }
                        catch (final InterruptedException e)
                        {
                            Thread.currentThread().interrupt();
                        }
                    }
                });
            final Thread writer = new Thread(() ->
            {
                try
                {
                    recs.add(TreeOracle.run(ops, "writer", 0, write));
                }
                catch (final InterruptedException e)
                {
                    Thread.currentThread().interrupt();
                }
            });
            writer.start();
            assertTrue(writeGranted.await(30, TimeUnit.SECONDS));
            recs.add(TreeOracle.run(ops, "mkdirs", 0, Op.mkdirs("/x/y/z")));
            mkdirsDone.countDown();
            writer.join();
        }
        assertEquals(2, recs.size());
        assertTrue(recs.get(0).ok() && recs.get(1).ok(), () -> "both succeed with the weak locks: " + recs);
        final Verdict v = TreeOracle.check(initial, recs, TreeOracle.snapshot(root));
        assertFalse(v.consistent(), () -> "the oracle missed the weak locks: " + recs);
        assertTrue(v.problems().get(0).contains("write /x/y/z/f"), () -> v.problems().toString());
    }

    private static Rec ok(final String worker, final Op op, final long token, final long start, final long end)
    {
        return new Rec(worker, 0, op, true, 1, token, "", "", start, end);
    }

    private static Rec failed(final Op op, final Class<?> error, final String message, final long start, final long end)
    {
        return new Rec("f", 0, op, false, 0, -1, error.getName(), message, start, end);
    }

    /**
     * The check fails when it must: a wrong order, a success the model refuses, a leftover temporary or
     * lock file, a failure the model does not predict in its window, a failure with a non-file-system
     * exception, a lock-free success that changes the tree.
     */
    @Test
    void theCheckRejectsWhatIsNotASerialHistory()
    {
        final TreeModel initial = new TreeModel();
        initial.apply(Op.mkdirs("/a"));
        final Rec w1 = ok("x", Op.write("/a/f", "1"), 10, 0, 10);
        final Rec w2 = ok("y", Op.write("/a/f", "2"), 20, 5, 30);
        final Rec mv = ok("z", Op.move("/a", "/b"), 30, 31, 40);
        final Map<String, String> real = Map.of("/b", "dir", "/b/f", "file:2");
        assertTrue(TreeOracle.check(initial, List.of(w2, mv, w1), real).consistent());

        // Tokens say w2 was last: a real tree with "1" is not that history.
        final Verdict wrongContent = TreeOracle.check(initial, List.of(w1, w2, mv),
            Map.of("/b", "dir", "/b/f", "file:1"));
        assertFalse(wrongContent.consistent());
        // The move before the writes: they fail in the model.
        assertFalse(TreeOracle.check(initial, List.of(mv, w1, w2), List.of(), real).consistent());
        // A leftover temporary or lock file is a difference.
        final Map<String, String> leftover = new java.util.TreeMap<>(real);
        leftover.put("/b/.path.ovlock", "file:");
        assertFalse(TreeOracle.check(initial, List.of(w1, w2, mv), leftover).consistent());

        // A write to /b/f failing with NoSuchFile is right before the move (t 25..28), wrong after it.
        final Op wb = Op.write("/b/g", "3");
        assertTrue(TreeOracle.check(initial, List.of(w1, w2, mv, failed(wb, java.nio.file.NoSuchFileException.class,
            "/b", 25, 28)), real).consistent());
        assertFalse(TreeOracle.check(initial, List.of(w1, w2, mv, failed(wb, java.nio.file.NoSuchFileException.class,
            "/b", 41, 50)), real).consistent());
        // The right failure, the wrong kind.
        assertFalse(TreeOracle.check(initial, List.of(w1, w2, mv, failed(wb,
            java.nio.file.FileAlreadyExistsException.class, "/b/g", 25, 28)), real).consistent());
        // A lock failure is never a consistent outcome.
        assertFalse(TreeOracle.check(initial, List.of(w1, w2, mv, failed(wb, io.pathlock.core.LockStoreException.class,
            "missing directory", 25, 28)), real).consistent());
        // A success without locks must be a no-op where it ran: createDirectories of an existing /a
        // before the move, not after it.
        final Rec mk = new Rec("m", 0, Op.mkdirs("/a"), true, 0, -1, "", "", 41, 45);
        assertTrue(TreeOracle.check(initial, List.of(w1, w2, mv, new Rec("m", 0, Op.mkdirs("/a"), true, 0, -1, "", "",
            1, 2)), real).consistent());
        assertFalse(TreeOracle.check(initial, List.of(w1, w2, mv, mk), real).consistent());
        // A batch refused as not recoverable is bad input the model cannot predict; other refusals are not.
        final Op twice = Op.batch(List.of(Op.delete("/b"), Op.mkdirs("/b/a")));
        assertTrue(TreeOracle.check(initial, List.of(w1, w2, mv, failed(twice, IllegalArgumentException.class,
            "batch x cannot be recovered after a crash: split it", 25, 28)), real).consistent());
        assertFalse(TreeOracle.check(initial, List.of(w1, w2, mv, failed(twice, IllegalArgumentException.class,
            "bad path", 25, 28)), real).consistent());
        assertFalse(TreeOracle.check(initial, List.of(w1, w2, mv, failed(wb, IllegalArgumentException.class,
            "cannot be recovered after a crash", 25, 28)), real).consistent());
        // Two grants with one token cannot be ordered.
        assertFalse(TreeOracle.check(initial, List.of(w1, ok("y", Op.write("/a/f", "2"), 10, 5, 30), mv), real)
            .consistent());
    }
}

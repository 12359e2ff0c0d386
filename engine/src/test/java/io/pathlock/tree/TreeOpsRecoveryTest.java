package io.pathlock.tree;

import io.pathlock.LockManager;
import io.pathlock.redo.RedoLog;
import io.pathlock.redo.RedoLogConfig;
import io.pathlock.tree.TreeOpsFixture.Store;
import io.pathlock.tree.TreeRecoveryReport.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import static io.pathlock.tree.TreeOpsFixture.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Recovery after a crash at every step of every operation (an in-process crash: the step listener
 * throws an Error that nothing catches, the manager and its redo log are closed, and a new manager and
 * TreeOps open the same redo directory), after a crash during recovery itself, and of payloads that
 * are not plans.
 */
class TreeOpsRecoveryTest
{
    @TempDir
    Path tmp;

    /** What a crash does in-process: an Error the operation does not catch (no undo, no done). */
    static final class SimulatedCrash extends Error
    {
        private static final long serialVersionUID = 1L;

        SimulatedCrash(final String what)
        {
            super("simulated crash before " + what);
        }
    }

    @FunctionalInterface
    interface Setup
    {
        void run(TreeOpsFixture f) throws IOException;
    }

    @FunctionalInterface
    interface Op
    {
        void run(TreeOps ops) throws Exception;
    }

    record Scenario(String name, MoveStrategy strategy, Setup setup, Op op)
    {
        @Override
        public String toString()
        {
            return name;
        }
    }

    static List<Scenario> scenarios()
    {
        return List.of(
            new Scenario("write over a file", MoveStrategy.AUTO, f -> f.put("/a/f", "old"),
                ops -> ops.write("/a/f", bytes("new"))),
            new Scenario("write a new file", MoveStrategy.AUTO, f -> f.mkdirs("/a"),
                ops -> ops.write("/a/g", bytes("g"))),
            new Scenario("delete a directory", MoveStrategy.AUTO, f ->
            {
                f.put("/d/x/y", "y");
                f.put("/d/z", "z");
            }, ops -> ops.delete("/d")),
            new Scenario("delete a file", MoveStrategy.AUTO, f -> f.put("/d/z", "z"), ops -> ops.delete("/d/z")),
            new Scenario("move a directory", MoveStrategy.AUTO, TreeOpsRecoveryTest::moveTree,
                ops -> ops.move("/s", "/t/s")),
            new Scenario("move a directory by copy", MoveStrategy.COPY, TreeOpsRecoveryTest::moveTree,
                ops -> ops.move("/s", "/t/s")),
            new Scenario("move a file by copy", MoveStrategy.COPY, TreeOpsRecoveryTest::moveTree,
                ops -> ops.move("/s/f", "/t/f")),
            new Scenario("create directories", MoveStrategy.AUTO, f -> f.mkdirs("/x"),
                ops -> ops.createDirectories("/x/y/z/w")),
            new Scenario("batch", MoveStrategy.AUTO, TreeOpsRecoveryTest::batchTree, TreeOpsRecoveryTest::batch),
            new Scenario("batch by copy", MoveStrategy.COPY, TreeOpsRecoveryTest::batchTree,
                TreeOpsRecoveryTest::batch));
    }

    private static void moveTree(final TreeOpsFixture f) throws IOException
    {
        f.put("/s/f", "f");
        f.put("/s/sub/g", "g");
        f.mkdirs("/t");
    }

    private static void batchTree(final TreeOpsFixture f) throws IOException
    {
        f.put("/a/f", "old");
        f.put("/old/x", "x");
        f.put("/m/z", "z");
    }

    private static void batch(final TreeOps ops) throws Exception
    {
        ops.batch(TreeOp.write("/a/f", bytes("new")), TreeOp.delete("/old"), TreeOp.createDirectories("/c/d"),
            TreeOp.move("/m", "/c/d/m"), TreeOp.write("/c/d/m/new", bytes("n")));
    }

    /** The trees before and after the operation run without a crash. */
    private record Ends(Map<String, String> before, Map<String, String> after)
    {
    }

    private Ends ends(final Scenario s, final Store store) throws Exception
    {
        final Path dir = Files.createDirectories(tmp.resolve("ends-" + dirs.incrementAndGet()));
        try (TreeOpsFixture f = new TreeOpsFixture(dir, store, b -> b.moveStrategy(s.strategy)))
        {
            s.setup.run(f);
            final Map<String, String> before = f.all();
            s.op.run(f.ops);
            final Map<String, String> after = f.all();
            assertFalse(before.equals(after), s + " changes the tree");
            return new Ends(before, after);
        }
    }

    private final AtomicInteger dirs = new AtomicInteger();

    /**
     * Runs the scenario with a crash before step {@code n} of its operation.
     *
     * @return the fixture's directory, or null if the operation completed (n is past its last step).
     */
    private Path crashAt(final Scenario s, final Store store, final int n) throws Exception
    {
        final Path dir = Files.createDirectories(tmp.resolve("run-" + dirs.incrementAndGet()));
        final StepListener crash = (op, step, what) ->
        {
            if (!op.equals("recover") && step == n)
            {
                throw new SimulatedCrash(what);
            }
        };
        try (TreeOpsFixture f = new TreeOpsFixture(dir, store, b -> b.moveStrategy(s.strategy).stepListener(crash)))
        {
            s.setup.run(f);
            try
            {
                s.op.run(f.ops);
                return null;
            }
            catch (final SimulatedCrash expected)
            {
                return dir;
            }
        }
    }

    private static TreeRecoveryReport reopen(final Path dir, final Store store, final UnaryOperator<TreeOps.Builder> b)
        throws Exception
    {
        final Path root = dir.resolve("root");
        try (LockManager m = TreeOpsFixture.manager(root, dir.resolve("redo"), store, new RedoLogConfig());
             TreeOps ops = b.apply(TreeOps.builder(m, root)).build())
        {
            return ops.recovery().get(60, TimeUnit.SECONDS);
        }
    }

    private static void checkRecovered(final String what, final Ends ends, final Map<String, String> tree,
        final TreeRecoveryReport report, final int n)
    {
        for (final String p : tree.keySet())
        {
            assertFalse(p.contains(TreeOps.TEMP_PREFIX), what + ": no temporary is left: " + tree);
            assertFalse(TreeFs.isLockFileName(Path.of(p).getFileName().toString()), what + ": no lock file: " + tree);
        }
        if (n == 1)
        {
            assertEquals(List.of(), report.operations(), what + ": nothing was begun");
            assertEquals(ends.before, tree, what);
            return;
        }
        assertEquals(1, report.operations().size(), what + ": " + report);
        final TreeRecoveryReport.Recovered r = report.operations().get(0);
        if (r.outcome() == Outcome.ROLLED_FORWARD)
        {
            assertEquals(ends.after, tree, what + ": rolled forward to complete: " + r);
        }
        else
        {
            assertEquals(Outcome.ROLLED_BACK, r.outcome(), what + ": " + r);
            assertEquals(ends.before, tree, what + ": rolled back to not begun: " + r);
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void aCrashAtEveryStepIsRecoveredToNotBegunOrComplete(final Store store) throws Exception
    {
        for (final Scenario s : scenarios())
        {
            final Ends ends = ends(s, store);
            int n = 1;
            for (; n < 50; n++)
            {
                final Path dir = crashAt(s, store, n);
                if (dir == null)
                {
                    break;
                }
                final TreeRecoveryReport report = reopen(dir, store, b -> b.moveStrategy(s.strategy));
                checkRecovered(s + ", crash before step " + n, ends, TreeOpsFixture.snapshot(dir.resolve("root"), true),
                    report, n);
            }
            assertTrue(n > 2, s + " has steps: " + n);
        }
    }

    @Test
    void aCrashDuringRecoveryIsRecoveredToTheSameTree() throws Exception
    {
        final Store store = Store.MEMORY;
        for (final Scenario s : scenarios())
        {
            final Ends ends = ends(s, store);
            for (int n = 2; n < 50; n++)
            {
                final Path first = crashAt(s, store, n);
                if (first == null)
                {
                    break;
                }
                // the tree one uninterrupted recovery leaves
                final Path copyOf = Files.createDirectories(tmp.resolve("copy-" + dirs.incrementAndGet()));
                copyTree(first, copyOf);
                reopen(copyOf, store, b -> b.moveStrategy(s.strategy));
                final Map<String, String> once = TreeOpsFixture.snapshot(copyOf.resolve("root"), true);
                for (int m = 1; m < 50; m++)
                {
                    final Path dir = Files.createDirectories(tmp.resolve("rec-" + dirs.incrementAndGet()));
                    copyTree(first, dir);
                    if (!crashRecoveryAt(dir, store, s.strategy, m))
                    {
                        break;
                    }
                    final TreeRecoveryReport report = reopen(dir, store, b -> b.moveStrategy(s.strategy));
                    final Map<String, String> tree = TreeOpsFixture.snapshot(dir.resolve("root"), true);
                    final String what = s + ", crash before step " + n + ", then before recovery step " + m;
                    assertEquals(once, tree, what + ": " + report);
                    assertTrue(tree.equals(ends.before) || tree.equals(ends.after),
                        what + ": " + tree + " is neither " + ends.before + " nor " + ends.after);
                }
            }
        }
    }

    /** Recovers with a crash before recovery step m; false if recovery finished before it. */
    private static boolean crashRecoveryAt(final Path dir, final Store store, final MoveStrategy strategy, final int m)
        throws Exception
    {
        final CountDownLatch reached = new CountDownLatch(1);
        final CountDownLatch never = new CountDownLatch(1);
        final StepListener crash = (op, step, what) ->
        {
            if (op.equals("recover") && step == m)
            {
                reached.countDown();
                try
                {
                    never.await();
                }
                catch (final InterruptedException e)
                {
                    Thread.currentThread().interrupt();
                }
                throw new SimulatedCrash(what);
            }
        };
        final Path root = dir.resolve("root");
        final LockManager locks = TreeOpsFixture.manager(root, dir.resolve("redo"), store, new RedoLogConfig());
        try (locks; TreeOps ops = TreeOps.builder(locks, root).moveStrategy(strategy).stepListener(crash).build())
        {
            final CompletableFuture<TreeRecoveryReport> done = ops.recovery();
            final CompletableFuture<Object> either = CompletableFuture.anyOf(done,
                CompletableFuture.runAsync(() -> awaitQuietly(reached)));
            either.get(60, TimeUnit.SECONDS);
            if (reached.getCount() == 0)
            {
                return true;
            }
            done.get();
            return false;
        }
    }

    private static void awaitQuietly(final CountDownLatch l)
    {
        try
        {
            l.await(60, TimeUnit.SECONDS);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static void copyTree(final Path from, final Path to) throws IOException
    {
        try (var s = Files.walk(from))
        {
            for (final Path p : (Iterable<Path>)s::iterator)
            {
                final Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                {
                    Files.createDirectories(t);
                }
                else if (!p.getFileName().toString().equals(RedoLog.LOCK_FILE_NAME))
                {
                    Files.copy(p, t, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                }
            }
        }
    }

    @Test
    void aPayloadThatIsNoPlanFailsClearlyInTheReport() throws Exception
    {
        final Path root = Files.createDirectories(tmp.resolve("root"));
        final Path redo = tmp.resolve("redo");
        final byte[] good;
        try (TreeOpsFixture f = new TreeOpsFixture(tmp.resolve("g"), Store.MEMORY))
        {
            f.mkdirs("/a");
            good = Planner.plan(f.ops.fs(), MoveStrategy.AUTO, List.of(TreeOp.write("/a/f", bytes("1"))), "x").encode();
        }
        try (RedoLog log = RedoLog.open(new RedoLogConfig().directory(redo)))
        {
            log.begin(TreeOps.PLAN_TASK_TYPE, bytes("garbage"));
            log.begin(TreeOps.PLAN_TASK_TYPE, Arrays.copyOf(good, good.length - 3));
            final byte[] future = good.clone();
            future[4] = 9;
            log.begin(TreeOps.PLAN_TASK_TYPE, future);
            log.begin(TreeOps.PLAN_TASK_TYPE, Arrays.copyOf(good, good.length + 1));
        }
        final RedoLogConfig config = new RedoLogConfig().replayAttempts(1);
        try (LockManager m = TreeOpsFixture.manager(root, redo, Store.MEMORY, config);
             TreeOps ops = TreeOps.of(m, root))
        {
            final TreeRecoveryReport report = ops.recovery().get(60, TimeUnit.SECONDS);
            assertEquals(4, report.operations().size(), report.toString());
            final List<String> expected = List.of("not a tree plan", "truncated tree plan",
                "unknown tree plan version 9", "1 bytes after the end of the plan");
            for (int i = 0; i < 4; i++)
            {
                final TreeRecoveryReport.Recovered r = report.operations().get(i);
                assertEquals(Outcome.FAILED, r.outcome(), r.toString());
                assertTrue(r.detail().contains("corrupt plan payload") && r.detail().contains(expected.get(i)),
                    r.detail());
            }
            // the operations of the TreeOps go on
            ops.createDirectories("/after");
        }
    }

    @Test
    void recoverAdoptsTheRedoLogOfAnotherProcess() throws Exception
    {
        final Scenario s = scenarios().get(2);
        final Ends ends = ends(s, Store.FILE);
        final Path dir = crashAt(s, Store.FILE, 3);
        if (dir == null)
        {
            fail("the delete has a third step");
        }
        final Path root = dir.resolve("root");
        try (LockManager m = TreeOpsFixture.manager(root, dir.resolve("redo-other"), Store.FILE, new RedoLogConfig());
             TreeOps ops = TreeOps.of(m, root);
             RedoLog dead = RedoLog.open(new RedoLogConfig().directory(dir.resolve("redo"))))
        {
            assertEquals(List.of(), ops.recovery().get(60, TimeUnit.SECONDS).operations());
            final TreeRecoveryReport report = TreeOps.recover(m, root, dead);
            assertEquals(1, report.operations().size(), report.toString());
            assertEquals(Outcome.ROLLED_FORWARD, report.operations().get(0).outcome());
            assertEquals(ends.after, TreeOpsFixture.snapshot(root, true));
        }
    }
}

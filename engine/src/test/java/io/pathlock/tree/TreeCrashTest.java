package io.pathlock.tree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash at every step (docs/tree-ops.md §4–§6): for each operation on the memory and lock-file stores
 * (and a directory move and a batch on the host store), a child JVM runs the
 * operation with {@code -Dpathlock.tree.crashAt=<op>:<n>} for n = 1, 2, … until it completes without
 * halting; after each crash recovery (in this JVM, through {@link TreeOps} on the same redo directory)
 * must leave exactly the tree before or the tree after (both computed without a crash), no temporary,
 * no lock file in moved data, and a report that says ROLLED_BACK for "before" and ROLLED_FORWARD for
 * "after". Recovery is crashed too ({@code recover:<m>}) and run again: the same end tree. Every loop
 * must have crashed at least once, so no case passes without testing anything. Crash points run two
 * at a time (each on its own copy of the fixture).
 */
final class TreeCrashTest
{
    private static final String REDO = ".pathlock/redo/crash";
    private static final int MAX_STEPS = 60;

    @TempDir
    Path dir;

    private ExecutorService pool;

    @BeforeEach
    void startPool()
    {
        pool = Executors.newFixedThreadPool(2);
    }

    @AfterEach
    void stopPool() throws InterruptedException
    {
        pool.shutdownNow();
        pool.awaitTermination(60, TimeUnit.SECONDS);
    }

    static Stream<Arguments> cases()
    {
        final List<Arguments> a = new ArrayList<>();
        for (final TreeCrashScenario s : TreeCrashScenario.values())
        {
            if (!s.crossFs() && s.inCrashLoop())
            {
                a.add(Arguments.of(s, "memory"));
                a.add(Arguments.of(s, "file"));
            }
        }
        for (final TreeCrashScenario s : List.of(TreeCrashScenario.MOVE_DIR, TreeCrashScenario.BATCH))
        {
            a.add(Arguments.of(s, "host"));
        }
        return a.stream();
    }

    /** Whether the recovery of a case is crashed too (at each step, for a rolled-back and a rolled-forward crash). */
    private static boolean crashRecoveryToo(final TreeCrashScenario scenario, final String store)
    {
        switch (scenario)
        {
            case MOVE_COPY:
                return store.equals("file");
            case BATCH:
            case WRITE_OVERWRITE:
                return store.equals("memory");
            default:
                return false;
        }
    }

    /** What one crash point showed. */
    private record Point(int n, boolean crashed, String output, TreeRecoveryReport report, TreeSnapshot tree)
    {
    }

    @ParameterizedTest(name = "{0} on the {1} store")
    @MethodSource("cases")
    void aCrashAtAnyStepEndsBeforeOrAfterTheOperation(final TreeCrashScenario scenario, final String store)
        throws Exception
    {
        final TreeSnapshot before = before(scenario);
        final TreeSnapshot after = after(scenario);
        final boolean crashRecovery = crashRecoveryToo(scenario, store);
        final List<Point> points = crashLoop(scenario, store, before, after, crashRecovery);
        assertTrue(points.stream().anyMatch(Point::crashed), "never crashed: the hook '" + scenario.hook()
            + "' was not reached\n" + points.get(0).output());
        if (crashRecovery)
        {
            aCrashDuringRecoveryEndsAsTheUndisturbedRecovery(scenario, store, points, before, after);
        }
    }

    /**
     * Recovery crashed at each of its steps ({@code recover:<m>}) and run again ends as the undisturbed
     * recovery did, for the last crash point that was rolled back and the first rolled forward.
     */
    private void aCrashDuringRecoveryEndsAsTheUndisturbedRecovery(final TreeCrashScenario scenario,
        final String store, final List<Point> points, final TreeSnapshot before, final TreeSnapshot after)
        throws Exception
    {
        final List<Point> chosen = new ArrayList<>();
        points.stream().filter(p -> p.crashed() && hasOutcome(p.report(), TreeRecoveryReport.Outcome.ROLLED_BACK))
            .reduce((x, y) -> y).ifPresent(chosen::add);
        points.stream().filter(p -> p.crashed() && hasOutcome(p.report(), TreeRecoveryReport.Outcome.ROLLED_FORWARD))
            .findFirst().ifPresent(chosen::add);
        assertFalse(chosen.isEmpty(), "no crash point left anything for recovery to do: " + points);
        int recoveryCrashes = 0;
        for (final Point p : chosen)
        {
            recoveryCrashes += crashRecovery(scenario, store, p, before, after);
        }
        assertTrue(recoveryCrashes > 0, "the recovery hook 'recover' was never reached");
    }

    /** Crashes the recovery of crash point {@code p} at every step m; returns how many times it crashed. */
    private int crashRecovery(final TreeCrashScenario scenario, final String store, final Point p,
        final TreeSnapshot before, final TreeSnapshot after) throws Exception
    {
        final Path template = dir.resolve("crashed-" + p.n());
        int crashes = 0;
        for (int m = 1; m <= MAX_STEPS; m++)
        {
            final Path root = dir.resolve("recover-" + p.n() + "-" + m);
            copyTree(template, root);
            final TreeCrashChild.Result r = TreeCrashChild.exec(TreeCrashChild.command(List.of(),
                List.of("-D" + TreeOps.CRASH_AT_PROP_NAME + "=recover:" + m), TreeCrashChild.class,
                "recover", store, root.toString(), root.resolve(REDO).toString(), scenario.name()));
            final String what = scenario + " " + store + ", op crashed at step " + p.n() + ", recovery at step " + m;
            if (r.exitCode() == TreeCrashChild.CRASH_EXIT)
            {
                crashes++;
                final TreeRecoveryReport again = TreeCrashChild.Stack.recover(store, root, root.resolve(REDO),
                    scenario.strategy());
                final TreeSnapshot tree = TreeSnapshot.of(root);
                assertTrue(tree.sameTree(p.tree()), what + ": the tree differs from the undisturbed recovery's\n"
                    + tree.diff(p.tree()) + "\nreport " + again + "\n" + r.output());
                tree.assertClean();
                checkReport(what, tree, again, before, after, false, r.output());
                assertEquals(outcomes(p.report()), outcomes(again), what + ": replay outcome\n" + r.output());
                noLockFiles(what, scenario, root);
                deleteTree(root);
            }
            else if (r.exitCode() == 0 && r.output().contains("RECOVERED"))
            {
                final TreeSnapshot tree = TreeSnapshot.parse(afterMarker(r.output(), "AFTER"));
                assertTrue(tree.sameTree(p.tree()), what + " (no crash): " + tree.diff(p.tree()));
                deleteTree(root);
                return crashes;
            }
            else
            {
                fail(what + ": the recovery child exited with " + r.exitCode() + "\n" + r.output());
            }
        }
        return fail(scenario + ": recovery still crashing at step " + MAX_STEPS);
    }

    @ParameterizedTest(name = "across file systems on the {0} store")
    @ValueSource(strings = {"memory", "file"})
    void aCrashAtAnyStepOfAMoveAcrossFileSystemsEndsBeforeOrAfterIt(final String store) throws Exception
    {
        assumeTrue(unshareMountWorks(), "unshare --user --map-root-user --mount cannot mount a tmpfs here");
        final TreeCrashScenario scenario = TreeCrashScenario.MOVE_CROSS_FS;
        final TreeSnapshot before = before(scenario);
        // The tree after: the same operation without a crash, in its own namespace.
        final TreeCrashChild.Result ref = namespaceRun(store, scenario, dir.resolve("xfs-after"), null);
        assertTrue(ref.output().contains("RUNEXIT 0") && ref.output().contains("OP ok"), ref.output());
        final TreeSnapshot after = TreeSnapshot.parse(afterMarker(ref.output(), "AFTER"));
        assertTrue(TreeSnapshot.parse(afterMarker(ref.output(), "BEFORE")).sameTree(before), ref.output());
        assertFalse(after.sameTree(before), "the move changed nothing:\n" + ref.output());
        assertTrue(after.entries().containsKey("mnt/tree/d1/d2/two") && !after.entries().containsKey("tree"),
            after.format());
        assertTrue(ref.output().contains("DEVICES true"), "mnt is another file system:\n" + ref.output());
        after.assertClean();
        boolean crashed = false;
        for (int n = 1; n <= MAX_STEPS; n += 2)
        {
            final List<Future<TreeCrashChild.Result>> pair = new ArrayList<>();
            for (int k = n; k <= n + 1; k++)
            {
                final int step = k;
                pair.add(pool.submit(() -> namespaceRun(store, scenario, dir.resolve("xfs-" + step), step)));
            }
            for (int i = 0; i < 2; i++)
            {
                final int step = n + i;
                final TreeCrashChild.Result r = pair.get(i).get(300, TimeUnit.SECONDS);
                final String what = scenario + " " + store + " crash at step " + step;
                final String out = r.output();
                assertTrue(out.contains("RECOVERED"), what + ": recovery did not run\n" + out);
                final TreeSnapshot tree = TreeSnapshot.parse(afterMarker(out, "AFTER"));
                tree.assertClean();
                assertFalse(out.contains("LOCKFILE "), what + ": a lock file travelled\n" + out);
                final TreeRecoveryReport report = parseReport(out);
                if (out.contains("RUNEXIT " + TreeCrashChild.CRASH_EXIT))
                {
                    crashed = true;
                    checkReport(what, tree, report, before, after, step == 1, out);
                }
                else if (out.contains("RUNEXIT 0") && out.contains("OP ok"))
                {
                    assertTrue(tree.sameTree(after), what + " (no crash): " + tree.diff(after));
                    assertTrue(report.operations().isEmpty(), what + ": nothing to recover " + report);
                    assertTrue(crashed, what + ": completed without ever crashing: the hook '" + scenario.hook()
                        + "' was not reached\n" + out);
                    return;
                }
                else
                {
                    fail(what + ": the child failed\n" + out);
                }
            }
        }
        fail(scenario + ": still crashing at step " + MAX_STEPS);
    }

    /**
     * A real {@code kill -9} in the middle of a step, which the crash hook (between steps) cannot
     * reach: the child copies a directory of 600 files ({@link MoveStrategy#COPY}) and is killed once
     * the temporary copy holds 20 of them (seen through inotify, no sleeping). The half-made copy must
     * not survive recovery: the tree is the one before, nothing of the temporary left.
     */
    @ParameterizedTest(name = "on the {0} store")
    @ValueSource(strings = {"memory", "file"})
    void aKillNineInTheMiddleOfACopyLeavesTheTreeBeforeIt(final String store) throws Exception
    {
        final TreeCrashScenario scenario = TreeCrashScenario.MOVE_COPY_BIG;
        final TreeSnapshot before = before(scenario);
        final TreeSnapshot after = after(scenario);
        final Path root = dir.resolve("kill");
        Files.createDirectories(root);
        scenario.fixture(root);
        final Path log = dir.resolve("kill.log");
        final Process child = new ProcessBuilder(TreeCrashChild.command(List.of(), List.of(), TreeCrashChild.class,
            "run", store, root.toString(), root.resolve(REDO).toString(), scenario.name(), "false"))
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        final Path temp;
        int copied;
        try (WatchService ws = root.getFileSystem().newWatchService())
        {
            root.resolve("out").register(ws, StandardWatchEventKinds.ENTRY_CREATE);
            temp = awaitCreated(ws, child, log, name -> name.startsWith(TreeSnapshot.TEMP_PREFIX), 1)
                .stream().findFirst().map(n -> root.resolve("out").resolve(n)).orElseThrow();
            temp.register(ws, StandardWatchEventKinds.ENTRY_CREATE);
            awaitCreated(ws, child, log, name -> name.startsWith("f"), 20);
            child.destroyForcibly();
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        }
        finally
        {
            child.destroyForcibly();
        }
        assertEquals(137, child.exitValue(), "killed by SIGKILL\n" + Files.readString(log));
        try (Stream<Path> s = Files.list(temp))
        {
            copied = (int) s.count();
        }
        assertTrue(copied >= 20 && copied < TreeCrashScenario.BIG_FILES,
            "killed in the middle of the copy: " + copied + " files in " + temp);
        final TreeRecoveryReport report = TreeCrashChild.Stack.recover(store, root, root.resolve(REDO),
            scenario.strategy());
        final TreeSnapshot tree = TreeSnapshot.of(root);
        final String what = "kill -9 after " + copied + " copied files";
        checkReport(what, tree, report, before, after, false, Files.readString(log));
        assertTrue(tree.sameTree(before), what + ": the copy was not committed, the tree is the one before\n"
            + tree.diff(before));
        tree.assertClean();
        assertEquals(List.of(TreeRecoveryReport.Outcome.ROLLED_BACK), outcomes(report), what + ": " + report);
    }

    /** The names of {@code count} new entries matching {@code match} (60 s at most; fails if the child ended). */
    private static List<String> awaitCreated(final WatchService ws, final Process child, final Path log,
        final Predicate<String> match, final int count) throws Exception
    {
        final List<String> seen = new ArrayList<>();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (seen.size() < count)
        {
            final WatchKey key = ws.poll(1, TimeUnit.SECONDS);
            if (key == null)
            {
                if (!child.isAlive() || System.nanoTime() > deadline)
                {
                    fail("the copy did not go on (child alive " + child.isAlive() + ", seen " + seen + ")\n"
                        + Files.readString(log));
                }
                continue;
            }
            for (final WatchEvent<?> e : key.pollEvents())
            {
                final Object ctx = e.context();
                if (ctx instanceof Path p && match.test(p.getFileName().toString()))
                {
                    seen.add(p.getFileName().toString());
                }
            }
            key.reset();
        }
        return seen;
    }

    /** Runs the op (crash hook at {@code step}, none if null) and then recovery in one private mount namespace. */
    private TreeCrashChild.Result namespaceRun(final String store, final TreeCrashScenario scenario, final Path root,
        final Integer step) throws IOException, InterruptedException
    {
        Files.createDirectories(root.resolve("mnt"));
        final List<String> runOpts = step == null ? List.of()
            : List.of("-D" + TreeOps.CRASH_AT_PROP_NAME + "=" + scenario.hook() + ":" + step);
        final String redo = root.resolve(REDO).toString();
        final String script = "mount -t tmpfs -o size=8m tmpfs " + q(root.resolve("mnt").toString()) + " || exit 99\n"
            + "d1=$(stat -c %d " + q(root.toString()) + "); d2=$(stat -c %d "
            + q(root.resolve("mnt").toString()) + ")\n"
            + "[ \"$d1\" != \"$d2\" ] && echo 'DEVICES true'\n"
            + join(TreeCrashChild.command(List.of(), runOpts, TreeCrashChild.class, "run", store, root.toString(),
                redo, scenario.name(), "true")) + "\n"
            + "echo \"RUNEXIT $?\"\n"
            + join(TreeCrashChild.command(List.of(), List.of(), TreeCrashChild.class, "recover", store,
                root.toString(), redo, scenario.name())) + "\n"
            + "echo \"RECEXIT $?\"\n";
        return TreeCrashChild.exec(List.of("unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script));
    }

    private static String join(final List<String> cmd)
    {
        final StringBuilder sb = new StringBuilder();
        for (final String c : cmd)
        {
            sb.append(q(c)).append(' ');
        }
        return sb.toString();
    }

    private static String q(final String s)
    {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * Crashes the operation at n = 1, 2, … (two at a time) until it completes; checks each recovery.
     *
     * @param keep whether to keep a copy of each crashed tree (before recovery) as {@code crashed-<n>}.
     * @return the crash points in order; the last one did not crash.
     */
    private List<Point> crashLoop(final TreeCrashScenario scenario, final String store, final TreeSnapshot before,
        final TreeSnapshot after, final boolean keep) throws Exception
    {
        final List<Point> points = new ArrayList<>();
        for (int n = 1; n <= MAX_STEPS; n += 2)
        {
            final List<Future<Point>> pair = new ArrayList<>();
            for (int k = n; k <= n + 1; k++)
            {
                final int step = k;
                pair.add(pool.submit(() -> crashPoint(scenario, store, step, before, after, keep)));
            }
            for (final Future<Point> f : pair)
            {
                final Point p = f.get(300, TimeUnit.SECONDS);
                points.add(p);
                if (!p.crashed())
                {
                    pair.get(1).get(300, TimeUnit.SECONDS);
                    assertTrue(points.size() > 1, scenario + " " + store + ": completed at step 1 without "
                        + "crashing: the hook '" + scenario.hook() + "' was not reached\n" + p.output());
                    return points;
                }
            }
        }
        return fail(scenario + " " + store + ": still crashing at step " + MAX_STEPS);
    }

    private Point crashPoint(final TreeCrashScenario scenario, final String store, final int n,
        final TreeSnapshot before, final TreeSnapshot after, final boolean keep) throws Exception
    {
        final Path root = dir.resolve("crash-" + n);
        Files.createDirectories(root);
        scenario.fixture(root);
        final TreeCrashChild.Result r = TreeCrashChild.exec(TreeCrashChild.command(List.of(),
            List.of("-D" + TreeOps.CRASH_AT_PROP_NAME + "=" + scenario.hook() + ":" + n), TreeCrashChild.class,
            "run", store, root.toString(), root.resolve(REDO).toString(), scenario.name(), "false"));
        final String what = scenario + " " + store + " crash at step " + n;
        if (r.exitCode() == TreeCrashChild.CRASH_EXIT)
        {
            if (keep)
            {
                copyTree(root, dir.resolve("crashed-" + n));
            }
            final TreeRecoveryReport report = TreeCrashChild.Stack.recover(store, root, root.resolve(REDO),
                scenario.strategy());
            final TreeSnapshot tree = TreeSnapshot.of(root);
            checkReport(what, tree, report, before, after, n == 1, r.output());
            tree.assertClean();
            noLockFiles(what, scenario, root);
            final TreeRecoveryReport second = TreeCrashChild.Stack.recover(store, root, root.resolve(REDO),
                scenario.strategy());
            assertTrue(second.operations().isEmpty(), what + ": a second recovery found work again: " + second);
            assertTrue(TreeSnapshot.of(root).sameTree(tree), what + ": a second recovery changed the tree");
            if (!keep)
            {
                deleteTree(root);
            }
            return new Point(n, true, r.output(), report, tree);
        }
        if (r.exitCode() != 0 || !r.output().contains("EXITING"))
        {
            fail(what + ": the child exited with " + r.exitCode() + "\n" + r.output());
        }
        final TreeSnapshot tree = TreeSnapshot.of(root);
        tree.assertClean();
        if (scenario.fails())
        {
            assertTrue(r.output().contains("OP failed"), what + ": the operation should fail\n" + r.output());
        }
        else
        {
            assertTrue(r.output().contains("OP ok"), what + "\n" + r.output());
        }
        assertTrue(tree.sameTree(after), what + " (no crash): " + tree.diff(after));
        noLockFiles(what, scenario, root);
        deleteTree(root);
        return new Point(n, false, r.output(), null, tree);
    }

    /**
     * The tree after recovery is the tree before (nothing, or ROLLED_BACK, in the report) or the tree
     * after (ROLLED_FORWARD), never anything else.
     */
    private static void checkReport(final String what, final TreeSnapshot tree, final TreeRecoveryReport report,
        final TreeSnapshot before, final TreeSnapshot after, final boolean firstStep, final String output)
    {
        final String ctx = "\nreport: " + report + "\nchild output:\n" + output;
        assertTrue(report.operations().size() <= 1, what + ": one plan at most" + ctx);
        for (final TreeRecoveryReport.Recovered r : report.operations())
        {
            assertTrue(r.outcome() != TreeRecoveryReport.Outcome.FAILED, what + ": recovery failed" + ctx);
        }
        final boolean isBefore = tree.sameTree(before);
        final boolean isAfter = tree.sameTree(after);
        if (!isBefore && !isAfter)
        {
            fail(what + ": the tree is neither the one before nor the one after the operation\nvs before:\n"
                + tree.diff(before) + "vs after:\n" + tree.diff(after) + ctx);
        }
        if (firstStep)
        {
            assertTrue(isBefore && report.operations().isEmpty(),
                what + ": a crash before the first step (begin) leaves nothing to recover" + ctx);
        }
        if (isAfter && !isBefore)
        {
            assertTrue(hasOutcome(report, TreeRecoveryReport.Outcome.ROLLED_FORWARD),
                what + ": the operation is complete, the report must say ROLLED_FORWARD" + ctx);
        }
        if (isBefore && !isAfter)
        {
            assertFalse(hasOutcome(report, TreeRecoveryReport.Outcome.ROLLED_FORWARD),
                what + ": the operation did not happen, the report must not say ROLLED_FORWARD" + ctx);
        }
        if (isBefore && isAfter)
        {
            // An operation that fails: whatever happened is undone.
            assertFalse(hasOutcome(report, TreeRecoveryReport.Outcome.ROLLED_FORWARD),
                what + ": a failing operation cannot be rolled forward" + ctx);
        }
    }

    private static boolean hasOutcome(final TreeRecoveryReport report, final TreeRecoveryReport.Outcome o)
    {
        return report != null && report.operations().stream().anyMatch(r -> r.outcome() == o);
    }

    private static List<TreeRecoveryReport.Outcome> outcomes(final TreeRecoveryReport report)
    {
        return report.operations().stream().map(TreeRecoveryReport.Recovered::outcome).toList();
    }

    private static void noLockFiles(final String what, final TreeCrashScenario scenario, final Path root)
        throws IOException
    {
        final List<String> found = TreeCrashChild.lockFilesIn(root, scenario.movedTrees());
        assertTrue(found.isEmpty(), what + ": lock files travelled into moved data: " + found);
    }

    private static TreeRecoveryReport parseReport(final String output)
    {
        final List<TreeRecoveryReport.Recovered> ops = new ArrayList<>();
        for (final String line : output.split("\n"))
        {
            if (line.startsWith("REPORT|"))
            {
                final String[] f = line.split("\\|", 5);
                ops.add(new TreeRecoveryReport.Recovered(Long.parseLong(f[1]), f[3],
                    TreeRecoveryReport.Outcome.valueOf(f[2]), f[4]));
            }
        }
        return new TreeRecoveryReport(ops);
    }

    private static String afterMarker(final String output, final String marker)
    {
        final int i = output.indexOf(marker + "\n");
        assertTrue(i >= 0, "no " + marker + " in:\n" + output);
        return output.substring(i + marker.length() + 1);
    }

    /** The fixture's tree. */
    private TreeSnapshot before(final TreeCrashScenario scenario) throws IOException
    {
        final Path root = dir.resolve("before");
        Files.createDirectories(root);
        scenario.fixture(root);
        final TreeSnapshot s = TreeSnapshot.of(root);
        s.assertClean();
        return s;
    }

    /** The tree after the operation, run in this JVM without a crash on a copy of the fixture. */
    private TreeSnapshot after(final TreeCrashScenario scenario) throws Exception
    {
        final Path root = dir.resolve("after");
        Files.createDirectories(root);
        scenario.fixture(root);
        final TreeSnapshot before = TreeSnapshot.of(root);
        try (TreeCrashChild.Stack s = TreeCrashChild.Stack.open("memory", root, root.resolve(REDO),
            scenario.strategy()))
        {
            assertTrue(s.ops.recovery().get(60, TimeUnit.SECONDS).operations().isEmpty());
            if (scenario.fails())
            {
                assertThrows(IOException.class, () -> scenario.run(s.ops));
            }
            else
            {
                scenario.run(s.ops);
            }
        }
        final TreeSnapshot after = TreeSnapshot.of(root);
        after.assertClean();
        assertEquals(scenario.fails(), after.sameTree(before), scenario + ": " + after.diff(before));
        return after;
    }

    private static void copyTree(final Path from, final Path to) throws IOException
    {
        Files.walkFileTree(from, new SimpleFileVisitor<>()
        {
            @Override
            public FileVisitResult preVisitDirectory(final Path d, final BasicFileAttributes attrs) throws IOException
            {
                Files.createDirectories(to.resolve(from.relativize(d).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(final Path f, final BasicFileAttributes attrs) throws IOException
            {
                Files.copy(f, to.resolve(from.relativize(f).toString()), StandardCopyOption.COPY_ATTRIBUTES,
                    LinkOption.NOFOLLOW_LINKS);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void deleteTree(final Path root) throws IOException
    {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS))
        {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>()
        {
            @Override
            public FileVisitResult visitFile(final Path f, final BasicFileAttributes attrs) throws IOException
            {
                Files.delete(f);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(final Path d, final IOException e) throws IOException
            {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    static boolean unshareMountWorks()
    {
        try
        {
            final Process p = new ProcessBuilder("unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                "d=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs \"$d\" && umount \"$d\"; r=$?; rmdir \"$d\"; "
                + "exit $r")
                .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        }
        catch (final IOException | InterruptedException e)
        {
            return false;
        }
    }
}

package io.pathlock.cli;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.file.FileLockStore;
import io.pathlock.store.LockStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import static io.pathlock.cli.FileCommandsTest.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code pathlock run -s/--shared} and {@code -x/--exclusive} (as flock(1) has them) and
 * {@code status} showing the mode and every shared holder, end to end with real processes.
 */
class SharedRunTest
{
    @TempDir
    Path dir;

    /** Whether the facade takes shared locks (the lock table's side of issue 15 is merged). */
    static boolean facadeTakesSharedLocks()
    {
        try (LockManager m = LockManager.builder().build();
            LockHandle h = m.open("probe"))
        {
            return h.tryLock(LockRequest.pointShared("/a"));
        }
        catch (final UnsupportedOperationException e)
        {
            return false;
        }
    }

    @Test
    void sharedAndExclusiveExcludeEachOther() throws Exception
    {
        final Path root = Files.createDirectories(dir.resolve("root"));
        final FileCommandsTest.Outcome o = exec("run", "--root", root.toString(), "-s", "-x", "--point", "/a", "--", "true");
        assertEquals(PathlockCommand.EXIT_USAGE, o.exit(), o.err());
        assertTrue(o.err().contains("-s/--shared and -x/--exclusive exclude each other"), o.err());
        final FileCommandsTest.Outcome help = exec("run", "--help");
        assertTrue(help.out().contains("-s, --shared") && help.out().contains("-x, --exclusive"), help.out());
    }

    @Test
    void exclusiveIsTheDefaultAndXSaysSoExplicitly() throws Exception
    {
        final Path root = Files.createDirectories(dir.resolve("root"));
        try (FileLockStore other = FileLockStore.open(root))
        {
            final LockStore.PublishResult r = other.tryPublish("reader", List.of(new LockRequest.Entry(LockPath.parse("/a"),
                LockType.POINT, LockMode.SHARED)));
            assertTrue(r.isGranted());
            for (final String[] args : new String[][] {{"run", "--root", root.toString(), "-n", "--point", "/a", "--", "true"},
                {"run", "--root", root.toString(), "-n", "-x", "--point", "/a", "--", "true"},
                {"run", "--root", root.toString(), "-n", "--exclusive", "--subtree", "/", "--", "true"}})
            {
                final FileCommandsTest.Outcome o = exec(args);
                assertEquals(RunCommand.EXIT_BUSY, o.exit(), String.join(" ", args) + ": " + o.err());
                assertTrue(o.err().contains("SHARED"), o.err());
            }
            other.unpublish(r.publication());
        }
    }

    /**
     * The keeper holds a shared run's member record like a lock file (H6): after {@code kill -9} of
     * {@code pathlock}, its command stays a live member until it ends; another shared run joins
     * meanwhile; then the dead member is reaped and the group taken over at once (M4).
     */
    @Test
    void aSharedRunKilledWithMinus9StaysAMemberUntilItsCommandEnds() throws Exception
    {
        assumeTrue(facadeTakesSharedLocks(), "the facade still refuses shared locks (LockHandle.checkModes): " +
            "this test runs once the lock table's side of issue 15 is merged");
        final Path root = Files.createDirectories(dir.resolve("root"));
        final Path started = dir.resolve("started");
        final Path go = dir.resolve("go");
        final Path done = dir.resolve("done");
        final String script = String.format(Locale.ROOT,
            "touch %1$s; while [ ! -f %2$s ]; do sleep 0.01; done; touch %3$s", started, go, done);
        final CliProcess run = CliProcess.start(dir, "run", "run", "--root", root.toString(), "-n", "-s",
            "--subtree", "/a", "--", "sh", "-c", script);
        run.await("the command to start", () -> Files.exists(started), true);
        run.process.destroyForcibly();
        run.waitFor(Duration.ofSeconds(60));
        final List<LockRequest.Entry> write = List.of(new LockRequest.Entry(LockPath.parse("/a/b"), LockType.POINT,
            LockMode.EXCLUSIVE));
        try (FileLockStore other = FileLockStore.open(root))
        {
            assertFalse(Files.exists(done), "the command ended with the wrapper");
            assertFalse(other.tryPublish("writer", write).isGranted(), "kill -9 of the wrapper freed the shared lock");
            assertEquals(0, CliProcess.run(dir, "reader", "run", "--root", root.toString(), "-n", "-s", "--point", "/a",
                "--", "true"), "another shared run could not join while the orphaned command ran");
            Files.writeString(go, "");
            run.await("the command to end", () -> Files.exists(done), false);
            final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            LockStore.PublishResult r;
            while (!(r = other.tryPublish("writer", write)).isGranted() && System.nanoTime() < deadline)
            {
                other.awaitChange(r.blocker(), deadline - System.nanoTime());
            }
            assertTrue(r.isGranted(), () -> "the shared lock stayed held after the command ended");
            assertTrue(other.reapedCount() >= 1, "the dead group's file was not taken over");
            other.unpublish(r.publication());
        }
    }

    /** Two shared runs hold /a together; an exclusive run is busy; status lists both holders. */
    @Test
    void twoSharedRunsHoldTogetherAndStatusShowsEachHolder() throws Exception
    {
        assumeTrue(facadeTakesSharedLocks(), "the facade still refuses shared locks (LockHandle.checkModes): " +
            "this test runs once the lock table's side of issue 15 is merged");
        final Path root = Files.createDirectories(dir.resolve("root"));
        final Path go = dir.resolve("go");
        final CliProcess[] runs = new CliProcess[2];
        for (int i = 0; i < 2; i++)
        {
            final Path started = dir.resolve("started" + i);
            final String script = String.format(Locale.ROOT, "touch %1$s; while [ ! -f %2$s ]; do sleep 0.01; done",
                started, go);
            runs[i] = CliProcess.start(dir, "reader" + i, "run", "--root", root.toString(), i == 0 ? "-s" : "--shared",
                "-n", "--point", "/a", "--", "sh", "-c", script);
            final CliProcess r = runs[i];
            r.await("reader " + i + " to start", () -> Files.exists(started), true);
        }
        assertEquals(RunCommand.EXIT_BUSY, CliProcess.run(dir, "writer", "run", "--root", root.toString(), "-n", "-x",
            "--point", "/a", "--", "true"), "an exclusive run entered while two shared ones held");
        final FileCommandsTest.Outcome table = exec("status", "--root", root.toString());
        assertEquals(0, table.exit(), table.err());
        assertTrue(table.out().contains(" shared "), table.out());
        assertEquals(2, table.out().lines().filter(l -> l.contains(" member ")).count(), table.out());
        final FileCommandsTest.Outcome json = exec("status", "--root", root.toString(), "--json");
        assertTrue(json.out().contains("\"mode\": \"shared\""), json.out());
        assertEquals(2, json.out().split("\"record\":", -1).length - 1, json.out());
        Files.writeString(go, "");
        for (final CliProcess r : runs)
        {
            assertEquals(0, r.waitFor(Duration.ofSeconds(60)), r.errText());
        }
        assertEquals(0, CliProcess.run(dir, "writer2", "run", "--root", root.toString(), "-n", "--point", "/a", "--", "true"));
        assertFalse(Files.exists(root.resolve("a/.path.ovlock")) || Files.exists(root.resolve(".exact.ovlock")));
    }
}

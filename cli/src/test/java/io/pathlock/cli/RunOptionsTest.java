package io.pathlock.cli;

import io.pathlock.core.LockRequest;
import io.pathlock.file.FileLockStore;
import io.pathlock.store.LockStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static io.pathlock.cli.FileCommandsTest.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code pathlock run}'s flock(1) options (issue 10 item 12), executed in the test's JVM with real
 * commands; a {@link FileLockStore} opened by the test stands for another process holding the lock.
 */
class RunOptionsTest
{
    @TempDir
    Path root;

    private LockStore.Publication hold(final FileLockStore other, final String path)
    {
        final LockStore.PublishResult r = other.tryPublish("holder", LockRequest.point(path).entries());
        assertTrue(r.isGranted());
        return r.publication();
    }

    @Test
    void waitsForeverByDefaultUntilTheHolderReleases() throws Exception
    {
        final Path marker = root.resolve("ran");
        try (FileLockStore other = FileLockStore.open(root))
        {
            final LockStore.Publication held = hold(other, "/a");
            final AtomicReference<FileCommandsTest.Outcome> outcome = new AtomicReference<>();
            final Thread t = new Thread(() -> outcome.set(exec("run", "--root", root.toString(), "--point", "/a",
                "touch", marker.toString())), "run");
            t.start();
            assertFalse(Files.exists(marker), "ran while the lock was held");
            other.unpublish(held);
            t.join(Duration.ofSeconds(60).toMillis());
            assertFalse(t.isAlive());
            assertEquals(0, outcome.get().exit(), outcome.get().err());
            assertTrue(Files.exists(marker));
        }
    }

    @Test
    void nonblockAndWaitFailWithTheConflictExitCode() throws Exception
    {
        try (FileLockStore other = FileLockStore.open(root))
        {
            hold(other, "/a");
            final FileCommandsTest.Outcome n = exec("run", "--root", root.toString(), "-n", "--point", "/a", "true");
            assertEquals(75, n.exit());
            assertTrue(n.err().contains("busy") && n.err().contains("holder"), n.err());
            assertEquals(75, exec("run", "--root", root.toString(), "--nonblock", "--point", "/a", "true").exit());
            assertEquals(3, exec("run", "--root", root.toString(), "-n", "-E", "3", "--point", "/a", "true").exit());
            assertEquals(0, exec("run", "--root", root.toString(), "--conflict-exit-code", "0", "-n", "--point", "/a",
                "false").exit(), "-E 0: busy exits 0 without running the command");
            final long t0 = System.nanoTime();
            final FileCommandsTest.Outcome w = exec("run", "--root", root.toString(), "-w", "0.3", "--point", "/a", "true");
            assertEquals(75, w.exit());
            assertTrue(w.err().contains("timed out"), w.err());
            assertTrue(System.nanoTime() - t0 >= Duration.ofMillis(300).toNanos(), "-w 0.3 means 0.3 seconds");
            assertEquals(75, exec("run", "--root", root.toString(), "--wait", "100ms", "--point", "/a", "true").exit());
            assertEquals(75, exec("run", "--root", root.toString(), "-w", "0", "--point", "/a", "true").exit());
        }
    }

    @Test
    void badOptionsAreUsageErrors()
    {
        final String r = root.toString();
        assertEquals(64, exec("run", "--root", r, "-n", "-w", "1", "--point", "/a", "true").exit());
        assertEquals(64, exec("run", "--root", r, "-E", "256", "--point", "/a", "true").exit());
        assertEquals(64, exec("run", "--root", r, "-w", "-1", "--point", "/a", "true").exit());
        assertEquals(64, exec("run", "--root", r, "-w", "soon", "--point", "/a", "true").exit());
        assertEquals(64, exec("run", "--root", r, "-c", "true", "--point", "/a", "echo").exit(), "-c and COMMAND");
        final FileCommandsTest.Outcome o = exec("run", "--root", r, "--point", "/a", "--bogus", "true");
        assertEquals(64, o.exit());
        assertTrue(o.err().contains("--bogus"), o.err());
    }

    @Test
    void commandStringAndArgumentsThatLookLikeOptions() throws Exception
    {
        final String r = root.toString();
        assertEquals(7, exec("run", "--root", r, "--point", "/a", "-c", "exit 7").exit());
        assertEquals(7, exec("run", "--root", r, "--point", "/a", "--command", "test -n \"$PATHLOCK_FENCING_TOKEN\" && exit 7").exit());
        // Everything from COMMAND on is the command's: sh's -c is not run's.
        assertEquals(4, exec("run", "--root", r, "--point", "/a", "sh", "-c", "exit 4").exit());
        assertEquals(4, exec("run", "--root", r, "--point", "/a", "--", "sh", "-c", "exit 4").exit());
        final Path out = root.resolve("args");
        assertEquals(0, exec("run", "--root", r, "--point", "/a", "sh", "-c", "printf '%s|' \"$@\" > " + out, "sh", "-n",
            "--point", "-w").exit());
        assertEquals("-n|--point|-w|", Files.readString(out));
    }

    @Test
    void exitStatusOfACommandKilledByASignalIs128PlusTheSignal()
    {
        assertEquals(128 + 15, exec("run", "--root", root.toString(), "--point", "/a", "sh", "-c", "kill -TERM $$").exit());
    }

    @Test
    void verboseSaysHowLongTheLocksTookAndWhatRunsAndWithoutItRunIsSilent(@TempDir final Path logs) throws Exception
    {
        final CliProcess verbose = CliProcess.start(logs, "verbose", "run", "--root", root.toString(), "--verbose",
            "--point", "/a", "true");
        assertEquals(0, verbose.waitFor(Duration.ofSeconds(60)), verbose.errText());
        assertTrue(verbose.errText().contains("got the locks in"), verbose.errText());
        assertTrue(verbose.errText().contains("executing true"), verbose.errText());
        assertTrue(verbose.errText().contains("lock-file store opened"), "--verbose shows the engine's INFO lines: " +
            verbose.errText());
        final CliProcess quiet = CliProcess.start(logs, "quiet", "run", "--root", root.toString(), "--point", "/a", "true");
        assertEquals(0, quiet.waitFor(Duration.ofSeconds(60)));
        assertEquals("", quiet.errText(), "run without --verbose is silent when it works");
    }
}

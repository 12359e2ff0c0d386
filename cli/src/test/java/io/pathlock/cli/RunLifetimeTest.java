package io.pathlock.cli;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockTimeoutException;
import io.pathlock.file.FileLockStore;
import io.pathlock.store.LockStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * How long {@code pathlock run} keeps its locks, with real processes: the wrapper JVM is started as
 * a process, signalled and killed; the command is {@code sh}. A {@link FileLockStore} opened by the
 * test stands for another process that wants the same lock. Steps are ordered by files the command
 * creates and the test awaits, never by sleeping.
 *
 * <p>Both tests failed before issue 10 items 10 and 11 were fixed: the signal test saw the lock free
 * while the command was still cleaning up after the forwarded signal (and the wrapper exited 143, not
 * the command's status); the kill test saw it free at once after {@code kill -9} of the wrapper.
 */
class RunLifetimeTest
{
    @TempDir
    Path dir;

    /** Ends every command a test started, also when it failed half-way (they wait for 'go'). */
    @org.junit.jupiter.api.AfterEach
    void releaseCommands() throws Exception
    {
        Files.writeString(dir.resolve("go"), "");
        for (final ProcessHandle p : ProcessHandle.current().descendants().toList())
        {
            p.destroyForcibly();
        }
    }

    /** A publication attempt of another "process"; released at once when it was granted. */
    private static boolean otherCanLock(final FileLockStore other, final String path)
    {
        final LockStore.PublishResult r = other.tryPublish("other", LockRequest.point(path).entries());
        if (r.isGranted())
        {
            other.unpublish(r.publication());
            return true;
        }
        return false;
    }

    private static boolean ignoredOnEntry(final String signal) throws Exception
    {
        final int number = switch (signal)
        {
            case "HUP" -> 1;
            case "INT" -> 2;
            case "TERM" -> 15;
            default -> throw new IllegalArgumentException(signal);
        };
        for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
        {
            if (line.startsWith("SigIgn:"))
            {
                final long mask = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                return (mask & (1L << (number - 1))) != 0;
            }
        }
        return false;
    }

    @ParameterizedTest
    @ValueSource(strings = {"TERM", "INT", "HUP"})
    void aSignalIsForwardedAndTheLockReleasedOnlyAfterTheCommandExited(final String signal) throws Exception
    {
        signalForwarded(signal, "auto");
    }

    /** Without the keeper (java.nio has no flock liveness) the JVM's child gets the same treatment (R3). */
    @Test
    void aSignalIsForwardedWithoutTheKeeperToo() throws Exception
    {
        signalForwarded("TERM", "nio");
    }

    private void signalForwarded(final String signal, final String backend) throws Exception
    {
        // A signal ignored by the test JVM is ignored by the processes it starts too (nohup, CI
        // runners): the command could not trap it.
        assumeFalse(ignoredOnEntry(signal), "SIG" + signal + " is ignored in this environment");
        final Path root = Files.createDirectories(dir.resolve("root"));
        final Path started = dir.resolve("started");
        final Path got = dir.resolve("got");
        final Path go = dir.resolve("go");
        final String script = String.format(Locale.ROOT,
            "trap 'touch %2$s; while [ ! -f %3$s ]; do sleep 0.01; done; exit 3' %4$s; touch %1$s; " +
            "while :; do sleep 0.01; done", started, got, go, signal);
        final CliProcess run = CliProcess.start(dir, "run", "run", "--root", root.toString(), "--backend", backend,
            "--timeout", "0", "--point", "/a", "--", "sh", "-c", script);
        run.await("the command to start", () -> Files.exists(started), true);
        try (FileLockStore other = FileLockStore.builder(root).backend(backend).build())
        {
            assertFalse(otherCanLock(other, "/a"), "the lock is not held while the command runs");
            run.signal(signal);
            run.await("the command to receive SIG" + signal, () -> Files.exists(got), true);
            // The command is cleaning up (it waits for 'go'): the lock must stay held all along.
            final long end = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            while (System.nanoTime() < end)
            {
                assertFalse(otherCanLock(other, "/a"), "the lock was released while the command was still running");
            }
            assertEquals(RunCommand.EXIT_BUSY, CliProcess.run(dir, "second", "run", "--root", root.toString(),
                "--backend", backend, "--timeout", "0", "--point", "/a", "--", "true"),
                "a second run entered while the first command ran");
            assertTrue(run.process.isAlive(), "the wrapper exited before its command");
            Files.writeString(go, "");
            assertEquals(3, run.waitFor(Duration.ofSeconds(60)), "the wrapper exits with the command's status: " +
                run.errText());
            assertTrue(otherCanLock(other, "/a"), "the lock is free after the wrapper ended");
            assertEquals(!backend.equals("auto"), run.errText().contains("held by this process only"), run.errText());
        }
    }

    @Test
    void theLockLivesWithTheCommandAfterKillMinus9OfTheWrapper() throws Exception
    {
        final Path root = Files.createDirectories(dir.resolve("root"));
        final Path started = dir.resolve("started");
        final Path go = dir.resolve("go");
        final Path done = dir.resolve("done");
        final String script = String.format(Locale.ROOT,
            "touch %1$s; while [ ! -f %2$s ]; do sleep 0.01; done; touch %3$s", started, go, done);
        final CliProcess run = CliProcess.start(dir, "run", "run", "--root", root.toString(), "--timeout", "0",
            "--subtree", "/a", "--", "sh", "-c", script);
        run.await("the command to start", () -> Files.exists(started), true);
        run.process.destroyForcibly();
        run.waitFor(Duration.ofSeconds(60));
        try (FileLockStore other = FileLockStore.open(root))
        {
            assertFalse(Files.exists(done), "the command ended with the wrapper");
            assertFalse(otherCanLock(other, "/a/b"), "kill -9 of the wrapper freed the lock while its command runs");
            assertEquals(RunCommand.EXIT_BUSY, CliProcess.run(dir, "second", "run", "--root", root.toString(),
                "--timeout", "0", "--point", "/a", "--", "true"), "a second run entered while the first command ran");
            Files.writeString(go, "");
            run.await("the command to end", () -> Files.exists(done), false);
            // Nobody released the lock file: once the keeper has exited behind its command, the next
            // acquirer finds a token whose flock is gone and takes it over (J1), without waiting for
            // lock_expire. The store's own wait (inotify and liveness probes) notices the keeper's end.
            try (LockManager m = LockManager.builder().store(other).startAgent(false).build();
                LockHandle h = m.open("other"))
            {
                h.acquire(LockRequest.point("/a/b"), Duration.ofSeconds(30));
                assertTrue(other.reapedCount() >= 1, "the dead holder's lock file was not taken over");
            }
            catch (final LockTimeoutException e)
            {
                throw new AssertionError("the lock stayed held after the command ended", e);
            }
        }
    }

    /**
     * H6 of the lock-file store: each heartbeat replaces the lock file by a new inode; the keeper is
     * handed the new descriptor before the rename, so after {@code kill -9} the file under the name is
     * still flocked by the keeper, not only an old inode it was given at the start.
     */
    @Test
    void theKeeperFollowsHeartbeatRefreshes() throws Exception
    {
        final Path root = Files.createDirectories(dir.resolve("root"));
        final Path started = dir.resolve("started");
        final Path go = dir.resolve("go");
        final Path done = dir.resolve("done");
        final String script = String.format(Locale.ROOT,
            "touch %1$s; while [ ! -f %2$s ]; do sleep 0.01; done; touch %3$s", started, go, done);
        // lock_expire 0.3 s: a heartbeat every 100 ms.
        final CliProcess run = CliProcess.start(dir, "run", java.util.List.of("-D" + FileLockStore.LOCK_EXPIRE_PROP_NAME + "=0.3s"),
            "run", "--root", root.toString(), "-n", "--subtree", "/a", "--", "sh", "-c", script);
        run.await("the command to start", () -> Files.exists(started), true);
        final Path lockFile = root.resolve("a").resolve(FileLockStore.LOCK_FILE_NAME);
        final Object first = Files.readAttributes(lockFile, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        run.await("a heartbeat to replace the lock file", () ->
        {
            try
            {
                return !first.equals(Files.readAttributes(lockFile, java.nio.file.attribute.BasicFileAttributes.class).fileKey());
            }
            catch (final java.io.IOException e)
            {
                return false;
            }
        }, true);
        run.process.destroyForcibly();
        run.waitFor(Duration.ofSeconds(60));
        try (FileLockStore other = FileLockStore.open(root))
        {
            assertFalse(otherCanLock(other, "/a/b"), "after a refresh, kill -9 of the wrapper freed the lock");
            Files.writeString(go, "");
            run.await("the command to end", () -> Files.exists(done), false);
        }
    }

    /** If the keeper itself is killed, the wrapper still keeps the locks until the orphaned command ended (R1). */
    @Test
    void aKilledKeeperDoesNotReleaseTheLocksBeforeTheCommandEnded() throws Exception
    {
        final Path root = Files.createDirectories(dir.resolve("root"));
        final Path started = dir.resolve("started");
        final Path go = dir.resolve("go");
        final String script = String.format(Locale.ROOT,
            "echo $PPID > %1$s.tmp && mv %1$s.tmp %1$s; while [ ! -f %2$s ]; do sleep 0.01; done", started, go);
        final CliProcess run = CliProcess.start(dir, "run", "run", "--root", root.toString(), "-n", "--point", "/a",
            "sh", "-c", script);
        run.await("the command to start", () -> Files.exists(started), true);
        final long keeper = Long.parseLong(Files.readString(started).trim());
        assertTrue(ProcessHandle.of(keeper).map(p -> p.info().command().orElse("").endsWith("pathlock-keeper")).orElse(false),
            "the command's parent is the keeper");
        ProcessHandle.of(keeper).orElseThrow().destroyForcibly();
        try (FileLockStore other = FileLockStore.open(root))
        {
            final long end = System.nanoTime() + Duration.ofMillis(500).toNanos();
            while (System.nanoTime() < end)
            {
                assertFalse(otherCanLock(other, "/a"), "the locks were released while the orphaned command ran");
            }
            assertTrue(run.process.isAlive());
            Files.writeString(go, "");
            assertEquals(70, run.waitFor(Duration.ofSeconds(60)), run.errText());
            assertTrue(run.errText().contains("keeper"), run.errText());
            assertTrue(otherCanLock(other, "/a"));
        }
    }
}

package io.pathlock.file;

import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A SUBTREE request refused by something below it that cannot be judged as a lock file (a FIFO named
 * like one, an unreadable directory: S1/S2, fail closed) has no file identity to watch. Its waiter
 * used to see "changed" at once and retry at once: a waiting thread (or the async poller) burned a
 * whole core until its timeout, for ever with the default timeout (found by the tree-crash tests with
 * an unreadable directory). It now waits like for any blocker of unknown kind: at most one longest
 * backoff ({@link LockWaiter#BACKOFF_MAX_NANOS}) between two attempts.
 */
final class OddBlockerWaitTest
{
    /** Attempts a waiter may make in {@link #WAIT}: one per at least half a longest backoff, plus slack. */
    private static final Duration WAIT = Duration.ofMillis(400);
    private static final long MAX_ATTEMPTS = 2 * WAIT.toNanos() / (LockWaiter.BACKOFF_MAX_NANOS / 2) + 5;

    @TempDir
    Path root;

    private static void mkfifo(final Path file) throws IOException, InterruptedException
    {
        final Process p = new ProcessBuilder("mkfifo", file.toString()).inheritIO().start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0)
        {
            throw new IOException("mkfifo failed: " + file);
        }
    }

    private LockManager manager(final FileLockStore store)
    {
        return LockManager.builder().store(store).startAgent(false).build();
    }

    @Test
    void aBlockingWaitForAFifoNamedLikeALockFileDoesNotSpin() throws Exception
    {
        Files.createDirectories(root.resolve("a/b"));
        mkfifo(root.resolve("a/b").resolve(LockLayout.LOCK_FILE_NAME));
        final FileLockStore store = FileLockStore.builder(root).build();
        try (LockManager m = manager(store))
        {
            assertThrows(LockTimeoutException.class, () -> m.lock(LockRequest.subtree("/a"), WAIT));
            final long attempts = store.backoffCount();
            assertTrue(attempts >= 1 && attempts <= MAX_ATTEMPTS,
                "refused attempts in " + WAIT + ": " + attempts + " (at most " + MAX_ATTEMPTS + " without a busy loop)");
        }
    }

    @Test
    void anAsyncWaitForAFifoNamedLikeALockFileDoesNotSpin() throws Exception
    {
        Files.createDirectories(root.resolve("a/b"));
        mkfifo(root.resolve("a/b").resolve(LockLayout.LOCK_FILE_NAME));
        final FileLockStore store = FileLockStore.builder(root).build();
        try (LockManager m = manager(store))
        {
            final CompletionException e = assertThrows(CompletionException.class,
                () -> m.acquireAsync(LockRequest.subtree("/a"), WAIT).join());
            assertInstanceOf(LockTimeoutException.class, e.getCause());
            final long attempts = store.backoffCount();
            assertTrue(attempts >= 1 && attempts <= MAX_ATTEMPTS,
                "refused attempts in " + WAIT + ": " + attempts + " (at most " + MAX_ATTEMPTS + " without a busy loop)");
        }
    }
}

package io.pathlock.host;

import io.pathlock.core.LockRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real second process: a child JVM attaches to the same table file, takes POINT(/shared/x) and
 * is killed with SIGKILL (destroyForcibly); the parent's waiter, refused while the child lives,
 * acquires once the child's slot has been found dead (its kernel lock is free) and recovered.
 */
class HostTableCrossProcessTest
{
    @TempDir
    Path dir;

    @Test
    void waiterAcquiresAfterTheHolderProcessIsKilled() throws Exception
    {
        final Path file = dir.resolve("table");
        try (HostTable table = HostTable.open(file, new HostTable.Config(256, 8, 64, "none", Duration.ofMillis(2)));
             HostSession parent = table.attach())
        {
            final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            final Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                HostTableChild.class.getName(), file.toString(), "/shared/x")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try
            {
                final BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                final String line = out.readLine();
                assertTrue(line != null && line.startsWith("HELD "), "child said " + line);
                final long childPid = Long.parseLong(line.split(" ")[2]);
                assertTrue(table.locks().stream().anyMatch(l -> l.path().equals("/shared/x") && l.pid() == childPid && l.alive()),
                    table.locks().toString());
                final HostSession.Result first = parent.tryAcquire(LockRequest.point("/shared/x").entries());
                assertFalse(first.isGranted(), "the child holds it");

                final CountDownLatch waiting = new CountDownLatch(1);
                final CompletableFuture<HostSession.Result> got = CompletableFuture.supplyAsync(() -> {
                    try
                    {
                        HostSession.Result r = parent.tryAcquire(LockRequest.point("/shared/x").entries());
                        waiting.countDown();
                        while (!r.isGranted())
                        {
                            parent.await(r.blocker(), TimeUnit.SECONDS.toNanos(1));
                            r = parent.tryAcquire(LockRequest.point("/shared/x").entries());
                        }
                        return r;
                    }
                    catch (final InterruptedException e)
                    {
                        throw new IllegalStateException(e);
                    }
                });
                assertTrue(waiting.await(30, TimeUnit.SECONDS));
                child.destroyForcibly();
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
                final HostSession.Result r = got.get(30, TimeUnit.SECONDS);
                assertTrue(r.isGranted());
                assertTrue(table.locks().stream().noneMatch(l -> l.pid() == childPid), table.locks().toString());
                parent.release(r.grant());
                assertEquals(List.of(), table.checkConsistency());
            }
            finally
            {
                child.destroyForcibly();
            }
        }
    }

    /**
     * The {@code pathlock.host.crashAt} property makes a child kill itself with SIGKILL inside a
     * critical section (here after writing the claim, before clearing its undo log); the parent
     * then finds the slot dead and recovers it, and the child's locks are free.
     */
    @Test
    void crashAtPropertyKillsTheChildInsideASectionAndTheParentRecovers() throws Exception
    {
        final Path file = dir.resolve("table");
        try (HostTable table = HostTable.open(file, new HostTable.Config(256, 8, 64, "none", Duration.ofMillis(2)));
             HostSession parent = table.attach())
        {
            assertTrue(parent.tryAcquire(LockRequest.pointShared("/p/q").entries()).isGranted());
            final java.util.Map<String, List<Long>> expected = HostTableConflictMatrixTest.counts(table);
            final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            final Process child = new ProcessBuilder(java, "-D" + HostSteps.CRASH_AT_PROP_NAME + "=claim.written",
                "-cp", System.getProperty("java.class.path"), HostTableChild.class.getName(), file.toString(), "/p/q/r")
                .redirectError(ProcessBuilder.Redirect.INHERIT).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try
            {
                assertTrue(child.waitFor(60, TimeUnit.SECONDS));
                assertEquals(137, child.exitValue(), "killed by SIGKILL");
            }
            finally
            {
                child.destroyForcibly();
            }
            assertEquals(1, table.recoverDead());
            assertEquals(expected, HostTableConflictMatrixTest.counts(table));
            assertEquals(List.of(), table.checkConsistency());
            assertTrue(parent.tryAcquire(LockRequest.point("/p/q/r").entries()).isGranted());
        }
    }

    /**
     * host-spec's finding 1: a holder on the NIO backend and a waiter on JNI (or the reverse) use the
     * same kind of kernel lock for slots, so neither takes the other's live slot for dead.
     */
    @Test
    void aHolderOnAnotherPosixBackendIsSeenAlive() throws Exception
    {
        final Path file = dir.resolve("table");
        try (HostTable table = HostTable.open(file, new HostTable.Config(256, 8, 64, "none", Duration.ofMillis(2)));
             HostSession parent = table.attach())
        {
            final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            final Process child = new ProcessBuilder(java, "-Dpathlock.posix.backend=nio", "-cp",
                System.getProperty("java.class.path"), HostTableChild.class.getName(), file.toString(), "/n")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try
            {
                final BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                final String line = out.readLine();
                assertTrue(line != null && line.startsWith("HELD "), "child said " + line);
                assertEquals(0, table.recoverDead(), "the child is alive");
                assertTrue(table.locks().stream().allMatch(HostTable.LockInfo::alive));
                final HostSession.Result r = parent.tryAcquire(LockRequest.point("/n").entries());
                assertFalse(r.isGranted());
                parent.await(r.blocker(), TimeUnit.MILLISECONDS.toNanos(20));
                assertFalse(parent.tryAcquire(LockRequest.point("/n").entries()).isGranted(), "still held after a wait");
            }
            finally
            {
                child.destroyForcibly();
                child.waitFor(30, TimeUnit.SECONDS);
            }
            assertEquals(1, table.recoverDead());
            assertTrue(parent.tryAcquire(LockRequest.point("/n").entries()).isGranted());
        }
    }
}

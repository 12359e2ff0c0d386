package io.pathlock.redo;

import static io.pathlock.redo.RedoTestSupport.bytes;
import static io.pathlock.redo.RedoTestSupport.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery ({@link RedoRecovery} invariants 1-4): replay in the background, retries, timeouts,
 * quarantine (durable and reported), missing handlers, and new tasks beginning while recovery runs.
 */
class RedoRecoveryTest
{
    @TempDir
    Path dir;

    private List<Long> seed(final String... typesAndPayloads) throws Exception
    {
        final List<Long> ids = new ArrayList<>();
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            for (int i = 0; i < typesAndPayloads.length; i += 2)
            {
                ids.add(log.begin(typesAndPayloads[i], bytes(typesAndPayloads[i + 1])).taskId());
            }
        }
        return ids;
    }

    @Test
    void replaysPendingTasksInOrderAndMarksThemDone() throws Exception
    {
        final List<Long> ids = seed("mv", "a", "rm", "b", "mv", "c");
        final List<String> seen = new CopyOnWriteArrayList<>();
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            log.registerHandler("mv", (task) -> seen.add("mv:" + string(task.payload())));
            log.registerHandler("rm", (task) -> seen.add("rm:" + string(task.payload())));
            final RecoveryReport report = log.startRecovery().get(30, TimeUnit.SECONDS);
            assertEquals(ids, report.replayed());
            assertEquals(List.of("mv:a", "rm:b", "mv:c"), seen);
            assertEquals(3, log.stats().replayed());
        }
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            assertEquals(0, log.recoveredTasks().size());
        }
    }

    @Test
    void aFailedAttemptIsRetried() throws Exception
    {
        seed("flaky", "x");
        final AtomicInteger calls = new AtomicInteger();
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir).replayAttempts(3)))
        {
            log.registerHandler("flaky", (task) ->
            {
                if (calls.incrementAndGet() == 1)
                {
                    throw new IllegalStateException("first attempt fails");
                }
                assertEquals(2, task.attempt());
            });
            final RecoveryReport report = log.startRecovery().get(30, TimeUnit.SECONDS);
            assertEquals(1, report.replayed().size());
            assertEquals(1, report.failedAttempts());
            assertEquals(1, log.stats().failedAttempts());
            assertEquals(0, log.stats().quarantined());
        }
    }

    @Test
    void aTaskThatKeepsFailingIsQuarantinedDurablyAndReported() throws Exception
    {
        final List<Long> ids = seed("poison", "p", "ok", "fine");
        final AtomicInteger calls = new AtomicInteger();
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir).replayAttempts(3)))
        {
            log.registerHandler("poison", (task) ->
            {
                calls.incrementAndGet();
                throw new IllegalStateException("cannot redo " + string(task.payload()));
            });
            log.registerHandler("ok", (task) -> { });
            final RecoveryReport report = log.startRecovery().get(30, TimeUnit.SECONDS);
            assertEquals(3, calls.get());
            assertEquals(List.of(ids.get(1)), report.replayed(), "the pass goes on past a poison task");
            assertEquals(1, report.quarantined().size());
            final RedoTaskInfo q = report.quarantined().get(0);
            assertEquals(ids.get(0), q.taskId());
            assertEquals(RedoTaskState.QUARANTINED, q.state());
            assertTrue(q.reason().contains("cannot redo p"), q.reason());
            assertEquals(1, log.stats().quarantined());
            assertEquals(1, log.stats().quarantinedTasks());
        }

        // After a restart the task is still there (quarantined, not dropped) and not replayed again.
        final RedoLogContents contents = RedoLogReader.read(dir);
        assertEquals(1, contents.quarantined().size());
        assertEquals(0, contents.pending().size());
        assertTrue(contents.quarantined().get(0).reason().contains("cannot redo p"));
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            log.registerHandler("poison", (task) -> { throw new AssertionError("replayed a quarantined task"); });
            assertEquals(0, log.recoveredTasks().size());
            final RecoveryReport report = log.startRecovery().get(30, TimeUnit.SECONDS);
            assertEquals(1, report.quarantined().size(), "still reported");
            assertEquals(0, report.replayed().size());
        }
    }

    @Test
    void anAttemptThatOutlivesTheTimeoutIsCancelledAndCounted() throws Exception
    {
        seed("slow", "s");
        final CountDownLatch never = new CountDownLatch(1);
        final AtomicInteger interrupted = new AtomicInteger();
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir).replayAttempts(2).replayTimeout(Duration.ofMillis(50))))
        {
            log.registerHandler("slow", (task) ->
            {
                try
                {
                    never.await(60, TimeUnit.SECONDS); // interrupted by the replay timeout long before
                }
                catch (final InterruptedException ex)
                {
                    interrupted.incrementAndGet();
                    throw ex;
                }
            });
            final RecoveryReport report = log.startRecovery().get(30, TimeUnit.SECONDS);
            assertEquals(1, report.quarantined().size());
            assertTrue(report.quarantined().get(0).reason().contains("timed out after 50 ms"));
            assertEquals(2, log.stats().timedOutAttempts());
            assertEquals(2, report.failedAttempts());
        }
        assertEquals(1, RedoLogReader.read(dir).quarantined().size());
    }

    @Test
    void aTaskWithoutHandlerStaysPendingAndIsReported() throws Exception
    {
        final List<Long> ids = seed("unknown", "u");
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            final RecoveryReport report = log.startRecovery().get(30, TimeUnit.SECONDS);
            assertEquals(1, report.unhandled().size());
            assertEquals(ids.get(0), report.unhandled().get(0).taskId());
            assertTrue(report.unhandled().get(0).reason().contains("no handler"));
            assertEquals(1, log.stats().unhandled());

            // Registering the handler later and starting another pass replays it.
            final List<Long> replayed = new CopyOnWriteArrayList<>();
            log.registerHandler("unknown", (task) -> replayed.add(task.taskId()));
            final RecoveryReport second = log.startRecovery().get(30, TimeUnit.SECONDS);
            assertEquals(ids, second.replayed());
            assertEquals(ids, replayed);
        }
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            assertEquals(0, log.recoveredTasks().size());
        }
    }

    @Test
    void missingHandlerTaskSurvivesARestart() throws Exception
    {
        seed("unknown", "u");
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            log.startRecovery().get(30, TimeUnit.SECONDS);
        }
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            assertEquals(1, log.recoveredTasks().size());
        }
    }

    @Test
    void newTasksBeginWhileRecoveryRuns() throws Exception
    {
        final List<Long> old = seed("old", "1", "old", "2");
        final CountDownLatch inHandler = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<Long> replayed = new CopyOnWriteArrayList<>();
        final List<Long> keptNew = new ArrayList<>();
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            log.registerHandler("old", (task) ->
            {
                inHandler.countDown();
                assertTrue(release.await(30, TimeUnit.SECONDS), "the test never released the handler");
                replayed.add(task.taskId());
            });
            final CompletableFuture<RecoveryReport> recovery = log.startRecovery();
            assertTrue(inHandler.await(30, TimeUnit.SECONDS));
            assertFalse(recovery.isDone(), "start-up did not wait for recovery");

            for (int i = 0; i < 10; i++)
            {
                final RedoTicket ticket = log.begin("new", bytes("n" + i));
                if (i % 2 == 0)
                {
                    ticket.done();
                }
                else
                {
                    keptNew.add(ticket.taskId());
                }
            }
            assertTrue(log.startRecovery() == recovery, "a running pass is returned, not doubled");
            release.countDown();
            final RecoveryReport report = recovery.get(30, TimeUnit.SECONDS);
            assertEquals(old, report.replayed());
            assertEquals(old, replayed);
        }
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            final List<Long> pending = new ArrayList<>();
            for (final RedoTask task : log.recoveredTasks())
            {
                pending.add(task.taskId());
                assertEquals("new", task.type());
            }
            assertEquals(keptNew, pending);
        }
    }

    @Test
    void closingStopsARunningPass() throws Exception
    {
        seed("old", "1");
        final CountDownLatch inHandler = new CountDownLatch(1);
        final RedoLog log = RedoLog.open(RedoTestSupport.config(dir));
        log.registerHandler("old", (task) ->
        {
            inHandler.countDown();
            new CountDownLatch(1).await(60, TimeUnit.SECONDS); // interrupted by close() long before
        });
        final CompletableFuture<RecoveryReport> recovery = log.startRecovery();
        assertTrue(inHandler.await(30, TimeUnit.SECONDS));
        log.close();
        assertTrue(recovery.handle((r, e) -> null != e).get(30, TimeUnit.SECONDS));
        try (RedoLog again = RedoLog.open(RedoTestSupport.config(dir)))
        {
            assertEquals(1, again.recoveredTasks().size(), "an interrupted replay leaves the task pending");
        }
    }
}

package io.pathlock.redo;

import static io.pathlock.redo.RedoTestSupport.bytes;
import static io.pathlock.redo.RedoTestSupport.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Injected faults ({@link RedoWriter} invariants 3-5) and back-pressure: a full disk fails the
 * affected begins and leaves the log readable; a failed sync is fatal, never retried, and fails
 * pending and later begins until the log is reopened; a full ring waits or fails, never drops.
 */
class RedoFaultInjectionTest
{
    @TempDir
    Path dir;

    @Test
    void fullDiskFailsTheBatchAndLeavesTheLogReadable() throws Exception
    {
        final RedoTestSupport.FaultyStorage storage = new RedoTestSupport.FaultyStorage();
        final long goodBefore;
        final long goodAfter;
        try (RedoLog log = RedoLog.open(RedoTestSupport.manualConfig(dir).storage(storage)))
        {
            final CompletableFuture<RedoTicket> first = log.beginAsync("t", bytes("before"));
            RedoTestSupport.drain(log);
            goodBefore = RedoTestSupport.joinWithin(first).taskId();

            storage.writeBudget = 10;
            final CompletableFuture<RedoTicket> a = log.beginAsync("t", bytes("lost-a"));
            final CompletableFuture<RedoTicket> b = log.beginAsync("t", bytes("lost-b"));
            RedoTestSupport.drain(log);
            for (final CompletableFuture<RedoTicket> f : List.of(a, b))
            {
                final CompletionException ex = assertThrows(CompletionException.class, () -> RedoTestSupport.joinWithin(f));
                assertInstanceOf(RedoAppendException.class, ex.getCause());
                assertTrue(ex.getCause().getMessage().contains("No space left on device"), ex.getCause().getMessage());
                assertTrue(ex.getCause().getMessage().contains(".seg"), ex.getCause().getMessage());
            }
            assertEquals(2, log.stats().failedAppends());
            assertEquals(null, log.fatalError(), "a failed write is not fatal");

            // The disk has room again: appends go on, and the log is still a clean sequence of records.
            storage.writeBudget = Long.MAX_VALUE;
            final CompletableFuture<RedoTicket> after = log.beginAsync("t", bytes("after"));
            RedoTestSupport.drain(log);
            goodAfter = RedoTestSupport.joinWithin(after).taskId();
        }

        final RedoLogContents contents = RedoLogReader.read(dir);
        assertEquals(-1, contents.tornOffset());
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            final List<Long> ids = new ArrayList<>();
            final List<String> payloads = new ArrayList<>();
            for (final RedoTask task : log.recoveredTasks())
            {
                ids.add(task.taskId());
                payloads.add(string(task.payload()));
            }
            assertEquals(List.of(goodBefore, goodAfter), ids);
            assertEquals(List.of("before", "after"), payloads);
        }
    }

    @Test
    void fullDiskWithABlockingBeginThrowsAClearError() throws Exception
    {
        final RedoTestSupport.FaultyStorage storage = new RedoTestSupport.FaultyStorage();
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir).storage(storage)))
        {
            storage.writeBudget = 0;
            final RedoAppendException ex = assertThrows(RedoAppendException.class, () -> log.begin("t", bytes("x")));
            assertTrue(ex.getMessage().contains("stays readable"), ex.getMessage());
            storage.writeBudget = Long.MAX_VALUE;
            log.begin("t", bytes("y"));
        }
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            assertEquals(1, log.recoveredTasks().size());
        }
    }

    @Test
    void failedSyncIsFatalAndNeverRetried() throws Exception
    {
        final RedoTestSupport.FaultyStorage storage = new RedoTestSupport.FaultyStorage();
        final long acknowledged;
        try (RedoLog log = RedoLog.open(RedoTestSupport.manualConfig(dir).storage(storage)))
        {
            final CompletableFuture<RedoTicket> ok = log.beginAsync("t", bytes("ok"));
            RedoTestSupport.drain(log);
            acknowledged = RedoTestSupport.joinWithin(ok).taskId();

            storage.failSync = true;
            final CompletableFuture<RedoTicket> a = log.beginAsync("t", bytes("a"));
            final CompletableFuture<RedoTicket> b = log.beginAsync("t", bytes("b"));
            RedoTestSupport.drain(log);
            for (final CompletableFuture<RedoTicket> f : List.of(a, b))
            {
                final CompletionException ex = assertThrows(CompletionException.class, () -> RedoTestSupport.joinWithin(f));
                assertInstanceOf(RedoLogFatalException.class, ex.getCause());
                assertTrue(ex.getCause().getMessage().contains("never retried"), ex.getCause().getMessage());
            }
            assertNotNull(log.fatalError());

            // Even once the device works again the log refuses records until it is reopened.
            storage.failSync = false;
            final CompletionException later = assertThrows(
                CompletionException.class, () -> RedoTestSupport.joinWithin(log.beginAsync("t", bytes("later"))));
            assertInstanceOf(RedoLogFatalException.class, later.getCause());
            assertThrows(RedoLogFatalException.class, () -> log.begin("t", bytes("later")));
            RedoTestSupport.drain(log);
            assertEquals(1, storage.syncFailures, "the failed sync was not retried");
        }

        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            final List<Long> ids = new ArrayList<>();
            for (final RedoTask task : log.recoveredTasks())
            {
                ids.add(task.taskId());
            }
            assertTrue(ids.contains(acknowledged), "acknowledged task recovered: " + ids);
            log.begin("t", bytes("works again"));
        }
    }

    @Test
    void failedSyncFailsBlockedBeginsOnTheWriterThread() throws Exception
    {
        final RedoTestSupport.FaultyStorage storage = new RedoTestSupport.FaultyStorage();
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir).storage(storage)))
        {
            log.begin("t", bytes("ok"));
            storage.failSync = true;
            assertThrows(RedoLogFatalException.class, () -> log.begin("t", bytes("x")));
            assertThrows(RedoLogFatalException.class, () -> log.begin("t", bytes("y")));
            assertEquals(1, storage.syncFailures);
        }
    }

    @Test
    void fullRingFailsWhenConfiguredToFailAndDropsNothing() throws Exception
    {
        final RedoLogConfig config = RedoTestSupport.manualConfig(dir)
            .ringCapacity(4096).maxPayload(200).backPressure(BackPressure.FAIL);
        try (RedoLog log = RedoLog.open(config))
        {
            final List<CompletableFuture<RedoTicket>> accepted = new ArrayList<>();
            RedoLogFullException full = null;
            for (int i = 0; i < 1000 && null == full; i++)
            {
                // beginAsync reports every failure through its future, a full ring included.
                final CompletableFuture<RedoTicket> f = log.beginAsync("t", new byte[100]);
                if (f.isCompletedExceptionally())
                {
                    final CompletionException ex = assertThrows(CompletionException.class, () -> RedoTestSupport.joinWithin(f));
                    full = assertInstanceOf(RedoLogFullException.class, ex.getCause());
                }
                else
                {
                    accepted.add(f);
                }
            }
            assertNotNull(full, "the ring filled up");
            assertTrue(full.getMessage().contains(RedoLogConfig.BACK_PRESSURE_PROP_NAME + "=FAIL"), full.getMessage());
            assertTrue(accepted.size() > 10);
            final RedoLogFullException blocking = assertThrows(
                RedoLogFullException.class, () -> log.begin("t", new byte[100]), "a blocking begin fails at once too");
            assertTrue(blocking.getMessage().contains("nothing was appended"), blocking.getMessage());

            RedoTestSupport.drain(log);
            for (final CompletableFuture<RedoTicket> f : accepted)
            {
                RedoTestSupport.joinWithin(f);
            }
            assertEquals(accepted.size(), log.stats().pending());
            log.beginAsync("t", new byte[100]);
            RedoTestSupport.drain(log);
            assertEquals(accepted.size() + 1, log.stats().pending());
        }
    }

    @Test
    void fullRingMakesTheProducerWaitWhenConfiguredToWait() throws Exception
    {
        final RedoLogConfig config = RedoTestSupport.manualConfig(dir)
            .ringCapacity(4096).maxPayload(200).backPressure(BackPressure.WAIT);
        final int count = 200;
        try (RedoLog log = RedoLog.open(config))
        {
            final List<CompletableFuture<RedoTicket>> futures = new ArrayList<>();
            final Thread producer = new Thread(() ->
            {
                for (int i = 0; i < count; i++)
                {
                    futures.add(log.beginAsync("t", new byte[100]));
                }
            });
            producer.start();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (log.stats().backPressureWaits() == 0)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    fail("the producer never waited for ring capacity within 30 s (" + futures.size() + " of " + count +
                        " appended, producer " + producer.getState() + ")");
                }
                Thread.onSpinWait();
            }
            while (producer.isAlive())
            {
                if (System.nanoTime() - deadline > 0)
                {
                    fail("the waiting producer did not finish within 30 s while the writer drained (" + futures.size() +
                        " of " + count + " appended, producer " + producer.getState() + ")");
                }
                log.doWriterWork();
            }
            producer.join(TimeUnit.SECONDS.toMillis(30));
            RedoTestSupport.drain(log);
            assertEquals(count, futures.size());
            for (final CompletableFuture<RedoTicket> f : futures)
            {
                f.get(30, TimeUnit.SECONDS);
            }
            assertEquals(count, log.stats().pending());
        }
    }
}

package io.pathlock.redo;

import static io.pathlock.redo.RedoTestSupport.bytes;
import static io.pathlock.redo.RedoTestSupport.string;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Basic behaviour of the facade: durable begin, done, reopen, ids, async begin, manual writer.
 */
class RedoLogTest
{
    @TempDir
    Path dir;

    @Test
    void beginIsDurableAndDoneRemovesTheTask() throws Exception
    {
        final long keptId;
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            final RedoTicket kept = log.begin("mv", bytes("a->b"));
            final RedoTicket finished = log.begin("rm", bytes("c"));
            finished.done();
            finished.done();
            assertTrue(finished.isDone());
            keptId = kept.taskId();
            assertTrue(finished.taskId() > kept.taskId());
        }

        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            final List<RedoTask> tasks = log.recoveredTasks();
            assertEquals(1, tasks.size());
            assertEquals(keptId, tasks.get(0).taskId());
            assertEquals("mv", tasks.get(0).type());
            assertEquals("a->b", string(tasks.get(0).payload()));
            assertEquals(1, log.stats().pending());

            final RedoTicket next = log.begin("mv", bytes("x"));
            assertTrue(next.taskId() > keptId + 1, "ids keep increasing across restarts");
        }
    }

    @Test
    void idsIncreaseEvenWhenEveryRecordWasCompactedAway() throws Exception
    {
        long last;
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            final RedoTicket t = log.begin("t", bytes("1"));
            t.done();
            last = t.taskId();
        }
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            assertTrue(log.begin("t", bytes("2")).taskId() > last);
        }
    }

    @Test
    void beginAsyncCompletesAfterTheWriterSyncs() throws Exception
    {
        try (RedoLog log = RedoLog.open(RedoTestSupport.manualConfig(dir)))
        {
            final CompletableFuture<RedoTicket> f1 = log.beginAsync("a", bytes("1"));
            final CompletableFuture<RedoTicket> f2 = log.beginAsync("a", bytes("2"));
            assertFalse(f1.isDone());
            assertFalse(f2.isDone());

            assertEquals(2, log.doWriterWork() - 2, "two records read, two waiters completed");
            assertTrue(f1.isDone() && f2.isDone());
            assertEquals(1, log.stats().batches(), "one batch");
            assertEquals(1, log.stats().syncs(), "one sync for both");
            assertEquals(2, log.stats().maxBatchRecords());
            RedoTestSupport.joinWithin(f1).done();
            RedoTestSupport.drain(log);
            assertEquals(1, log.stats().pending());
        }
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            assertEquals(1, log.recoveredTasks().size());
            assertEquals("2", string(log.recoveredTasks().get(0).payload()));
        }
    }

    @Test
    void doneOnlyBatchesAreNotSynced() throws Exception
    {
        try (RedoLog log = RedoLog.open(RedoTestSupport.manualConfig(dir)))
        {
            final CompletableFuture<RedoTicket> f = log.beginAsync("a", bytes("1"));
            RedoTestSupport.drain(log);
            RedoTestSupport.joinWithin(f).done();
            RedoTestSupport.drain(log);
            assertEquals(2, log.stats().batches());
            assertEquals(1, log.stats().syncs());
        }
    }

    @Test
    void rejectsBadTypesAndPayloadsNamingThem()
    {
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            final IllegalArgumentException space = assertThrows(
                IllegalArgumentException.class, () -> log.begin("has space", bytes("x")));
            assertTrue(space.getMessage().contains("has space"));
            assertThrows(IllegalArgumentException.class, () -> log.begin("", bytes("x")));
            final IllegalArgumentException big = assertThrows(
                IllegalArgumentException.class, () -> log.begin("t", new byte[2048]));
            assertTrue(big.getMessage().contains(RedoLogConfig.MAX_PAYLOAD_PROP_NAME));
        }
        catch (final java.io.IOException ex)
        {
            throw new AssertionError(ex);
        }
    }

    @Test
    void secondOpenOfTheSameDirectoryIsRefused() throws Exception
    {
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            final RedoLogException ex = assertThrows(
                RedoLogException.class, () -> RedoLog.open(RedoTestSupport.config(dir)));
            assertTrue(ex.getMessage().contains("already open"), ex.getMessage());
            assertFalse(log.isClosed());
        }
    }

    @Test
    void beginAfterCloseFails() throws Exception
    {
        final RedoLog log = RedoLog.open(RedoTestSupport.config(dir));
        log.close();
        final RedoLogException ex = assertThrows(RedoLogException.class, () -> log.begin("t", bytes("x")));
        assertTrue(ex.getMessage().contains("closed"));
    }

    @Test
    void everyFlushCommitsAJfrEvent() throws Exception
    {
        final Path recordingFile = dir.resolve("flush.jfr");
        try (jdk.jfr.Recording recording = new jdk.jfr.Recording())
        {
            recording.enable("io.pathlock.redo.Flush");
            recording.start();
            try (RedoLog log = RedoLog.open(RedoTestSupport.manualConfig(dir.resolve("log"))))
            {
                log.beginAsync("t", bytes("1"));
                log.beginAsync("t", bytes("2"));
                RedoTestSupport.drain(log);
                log.beginAsync("t", bytes("3"));
                RedoTestSupport.drain(log);
            }
            recording.stop();
            recording.dump(recordingFile);
        }

        final List<jdk.jfr.consumer.RecordedEvent> events = jdk.jfr.consumer.RecordingFile.readAllEvents(recordingFile);
        events.removeIf((e) -> !e.getEventType().getName().equals("io.pathlock.redo.Flush"));
        assertEquals(2, events.size(), events.toString());
        assertEquals(2, events.get(0).getInt("records") + events.get(1).getInt("records") - 1);
        assertTrue(events.get(0).getBoolean("synced"));
        assertTrue(events.get(0).getString("segment").endsWith(".seg"));
    }

    @Test
    void payloadRoundTripsExactly() throws Exception
    {
        final byte[] payload = new byte[1000];
        for (int i = 0; i < payload.length; i++)
        {
            payload[i] = (byte)(i * 31);
        }
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            log.begin("bin", payload);
            log.begin("empty", new byte[0]);
        }
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            assertArrayEquals(payload, log.recoveredTasks().get(0).payload());
            assertEquals(0, log.recoveredTasks().get(1).payloadLength());
        }
    }
}

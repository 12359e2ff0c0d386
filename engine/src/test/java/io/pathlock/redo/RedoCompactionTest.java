package io.pathlock.redo;

import static io.pathlock.redo.RedoTestSupport.bytes;
import static io.pathlock.redo.RedoTestSupport.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segment roll and compaction ({@link RedoWriter} invariants 6 and 7): segments whose tasks are all
 * done are deleted oldest first; a still-pending (or quarantined) task is carried forward into the
 * live segment so its old segment can go, and it survives a restart with its payload and state.
 * The writer is driven by the test through {@code doWork()}.
 */
class RedoCompactionTest
{
    private static final byte[] CHURN = new byte[200];

    @TempDir
    Path dir;

    private static RedoLogConfig smallSegments(final Path dir)
    {
        return RedoTestSupport.manualConfig(dir).segmentSize(1024).compactionLag(1);
    }

    private static RedoTicket begin(final RedoLog log, final String type, final byte[] payload) throws Exception
    {
        final var future = log.beginAsync(type, payload);
        RedoTestSupport.drain(log);
        return RedoTestSupport.joinWithin(future);
    }

    private static void churn(final RedoLog log, final int tasks) throws Exception
    {
        for (int i = 0; i < tasks; i++)
        {
            begin(log, "churn", CHURN).done();
            RedoTestSupport.drain(log);
        }
    }

    @Test
    void pendingTaskIsCarriedForwardAndEmptySegmentsAreDeleted() throws Exception
    {
        final long keptId;
        try (RedoLog log = RedoLog.open(smallSegments(dir)))
        {
            keptId = begin(log, "keep", bytes("still-pending")).taskId();
            final String firstSegment = RedoTestSupport.segmentFiles(dir).get(0).getFileName().toString();

            churn(log, 40);

            final RedoStats stats = log.stats();
            assertTrue(stats.segmentsCreated() >= 5, stats.toString());
            assertTrue(stats.carriedForward() >= 1, stats.toString());
            assertTrue(stats.segmentsDeleted() >= stats.segmentsCreated() - 3, stats.toString());
            assertTrue(RedoTestSupport.segmentFiles(dir).size() <= 3, RedoTestSupport.segmentFiles(dir).toString());
            assertEquals(1, stats.pending());

            final List<RedoTaskInfo> pending = RedoLogReader.read(dir).pending();
            assertEquals(1, pending.size());
            assertEquals(keptId, pending.get(0).taskId());
            assertNotEquals(firstSegment, pending.get(0).segment(), "moved out of the first segment");
        }

        try (RedoLog log = RedoLog.open(smallSegments(dir)))
        {
            assertEquals(1, log.recoveredTasks().size());
            assertEquals(keptId, log.recoveredTasks().get(0).taskId());
            assertEquals("still-pending", string(log.recoveredTasks().get(0).payload()));
        }
    }

    @Test
    void quarantinedTaskIsCarriedForwardStillQuarantined() throws Exception
    {
        try (RedoLog log = RedoLog.open(smallSegments(dir)))
        {
            begin(log, "poison", bytes("p"));
        }

        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir).segmentSize(1024).replayAttempts(1)))
        {
            log.registerHandler("poison", (task) -> { throw new IllegalStateException("no"); });
            assertEquals(1, log.startRecovery().get(30, TimeUnit.SECONDS).quarantined().size());
        }

        try (RedoLog log = RedoLog.open(smallSegments(dir)))
        {
            churn(log, 40);
            assertTrue(log.stats().carriedForward() >= 1, log.stats().toString());
            assertEquals(1, log.stats().quarantinedTasks());
        }

        final RedoLogContents contents = RedoLogReader.read(dir);
        assertEquals(0, contents.pending().size());
        assertEquals(1, contents.quarantined().size());
        assertTrue(contents.quarantined().get(0).reason().contains("no"));
        assertTrue(contents.segmentNames().size() <= 3, contents.segmentNames().toString());
    }

    @Test
    void aTaskDoneAfterItWasCarriedForwardIsNotReplayed() throws Exception
    {
        try (RedoLog log = RedoLog.open(smallSegments(dir)))
        {
            final RedoTicket kept = begin(log, "keep", bytes("k"));
            churn(log, 20);
            assertTrue(log.stats().carriedForward() >= 1);
            kept.done();
            RedoTestSupport.drain(log);
            churn(log, 20);
            assertEquals(0, log.stats().pending());
        }
        try (RedoLog log = RedoLog.open(smallSegments(dir)))
        {
            assertEquals(0, log.recoveredTasks().size());
        }
    }
}

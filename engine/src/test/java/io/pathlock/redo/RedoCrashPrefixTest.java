package io.pathlock.redo;

import static io.pathlock.redo.RedoTestSupport.bytes;
import static io.pathlock.redo.RedoTestSupport.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash-prefix test ({@link RedoLogReader} invariant 2): a log of N records cut at every byte offset
 * of its last records recovers exactly the complete records, no more and no fewer, and the torn
 * tail is truncated so that the next open finds a clean log.
 */
class RedoCrashPrefixTest
{
    private static final int TASKS = 12;
    private static final int RECORDS_CUT = 5;

    @TempDir
    Path dir;

    @Test
    void everyPrefixRecoversExactlyTheCompleteRecords() throws Exception
    {
        final Path source = dir.resolve("source");
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(source)))
        {
            final List<RedoTicket> tickets = new ArrayList<>();
            for (int i = 0; i < TASKS; i++)
            {
                tickets.add(log.begin("task" + (i % 3), bytes("payload-" + i + "-" + "x".repeat(i))));
            }
            // DONE records interleaved near the tail, so cuts fall inside DONE records too.
            tickets.get(TASKS - 3).done();
            log.begin("late", bytes("after-done"));
            tickets.get(1).done();
        }

        final List<Path> files = RedoTestSupport.segmentFiles(source);
        assertEquals(1, files.size());
        final byte[] image = Files.readAllBytes(files.get(0));
        final List<Integer> boundaries = RedoTestSupport.recordBoundaries(image);
        assertEquals(image.length, (int)boundaries.get(boundaries.size() - 1), "the source log ends cleanly");
        final int recordCount = boundaries.size() - 1;
        assertTrue(recordCount >= RECORDS_CUT + 2);

        final int firstCut = boundaries.get(recordCount - RECORDS_CUT);
        int cases = 0;
        for (int cut = firstCut; cut <= image.length; cut++)
        {
            final Path caseDir = dir.resolve("cut-" + cut);
            Files.createDirectories(caseDir);
            final Path segment = caseDir.resolve(files.get(0).getFileName());
            Files.write(segment, Arrays.copyOf(image, cut));

            final int complete = completeRecords(boundaries, cut);
            final Map<Long, String> expected = expectedPending(image, boundaries, complete);

            try (RedoLog log = RedoLog.open(RedoTestSupport.manualConfig(caseDir)))
            {
                final Map<Long, String> actual = new LinkedHashMap<>();
                for (final RedoTask task : log.recoveredTasks())
                {
                    actual.put(task.taskId(), task.type() + ":" + string(task.payload()));
                }
                assertEquals(expected, actual, "cut at " + cut);
            }

            assertEquals((long)boundaries.get(complete), Files.size(segment), "torn tail truncated, cut at " + cut);
            final RedoLogContents again = RedoLogReader.read(caseDir);
            assertEquals(-1, again.tornOffset(), "clean after repair, cut at " + cut);
            assertEquals(expected.keySet().size(), again.pending().size());
            cases++;
        }
        assertTrue(cases > 40, "cut at " + cases + " offsets");
    }

    @Test
    void aSegmentCutInsideItsHeaderIsReinitialised() throws Exception
    {
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            log.begin("t", bytes("x"));
        }
        final Path segment = RedoTestSupport.segmentFiles(dir).get(0);
        final byte[] image = Files.readAllBytes(segment);
        Files.write(segment, Arrays.copyOf(image, 17));
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            assertEquals(0, log.recoveredTasks().size());
            log.begin("t", bytes("y"));
        }
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            assertEquals(1, log.recoveredTasks().size());
            assertEquals("y", string(log.recoveredTasks().get(0).payload()));
        }
    }

    @Test
    void aZeroFilledTailIsTorn() throws Exception
    {
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            log.begin("t", bytes("x"));
        }
        final Path segment = RedoTestSupport.segmentFiles(dir).get(0);
        final byte[] image = Files.readAllBytes(segment);
        final byte[] padded = Arrays.copyOf(image, image.length + 100);
        Files.write(segment, padded);
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            assertEquals(1, log.recoveredTasks().size());
        }
        assertEquals(image.length, Files.size(segment));
    }

    private static int completeRecords(final List<Integer> boundaries, final int cut)
    {
        int complete = 0;
        while (complete + 1 < boundaries.size() && boundaries.get(complete + 1) <= cut)
        {
            complete++;
        }
        return complete;
    }

    /** Applies the first {@code complete} records independently of the code under test. */
    private static Map<Long, String> expectedPending(
        final byte[] image, final List<Integer> boundaries, final int complete)
    {
        final Map<Long, String> pending = new LinkedHashMap<>();
        for (int i = 0; i < complete; i++)
        {
            final RedoRecordFlyweight record = RedoTestSupport.recordAt(image, boundaries.get(i));
            if (record.kind() == RedoRecordDescriptor.KIND_BEGIN)
            {
                pending.put(record.taskId(), record.type() + ":" + string(record.payload()));
            }
            else if (record.kind() == RedoRecordDescriptor.KIND_DONE)
            {
                pending.remove(record.taskId());
            }
        }
        return pending;
    }
}

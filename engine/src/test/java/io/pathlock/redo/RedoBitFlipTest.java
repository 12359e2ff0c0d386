package io.pathlock.redo;

import static io.pathlock.redo.RedoTestSupport.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bit flips in every field of a record (length, kind, type length, reserved, task id, both
 * checksums, type, payload) and of the segment header are detected ({@link RedoLogReader}
 * invariant 2): open fails with an error naming the segment file and the byte offset, nothing is
 * replayed, and the file is left byte-for-byte untouched.
 */
class RedoBitFlipTest
{
    @TempDir
    Path dir;

    @Test
    void everyBitOfAMiddleRecordAndOfTheLastRecord() throws Exception
    {
        final Path source = dir.resolve("source");
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(source)))
        {
            final RedoTicket a = log.begin("alpha", bytes("first"));
            log.begin("beta", bytes("middle-payload"));
            a.done();
            log.begin("gamma", bytes("last"));
        }

        final Path file = RedoTestSupport.segmentFiles(source).get(0);
        final byte[] image = Files.readAllBytes(file);
        final List<Integer> boundaries = RedoTestSupport.recordBoundaries(image);
        assertEquals(5, boundaries.size(), "four records");

        int cases = 0;
        // record 1 is the middle BEGIN, record 3 the last record of the file
        for (final int recordIndex : new int[]{ 1, 2, 3 })
        {
            final int start = boundaries.get(recordIndex);
            final int end = boundaries.get(recordIndex + 1);
            for (int offset = start; offset < end; offset++)
            {
                for (int bit = 0; bit < 8; bit++)
                {
                    assertDetected(image, file.getFileName().toString(), offset, bit, start);
                    cases++;
                }
            }
        }
        assertTrue(cases > 600);
    }

    @Test
    void everyBitOfTheSegmentHeader() throws Exception
    {
        final Path source = dir.resolve("source");
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(source)))
        {
            log.begin("alpha", bytes("first"));
        }
        final Path file = RedoTestSupport.segmentFiles(source).get(0);
        final byte[] image = Files.readAllBytes(file);
        for (int offset = 0; offset < SegmentDescriptor.HEADER_LENGTH; offset++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                final RedoCorruptionException ex =
                    assertDetected(image, file.getFileName().toString(), offset, bit, -1);
                assertTrue(ex.offset() < SegmentDescriptor.HEADER_LENGTH, ex.getMessage());
            }
        }
    }

    private int caseNumber;

    private RedoCorruptionException assertDetected(
        final byte[] image, final String name, final int offset, final int bit, final int expectedOffset)
        throws Exception
    {
        final Path caseDir = dir.resolve("flip-" + caseNumber++);
        Files.createDirectories(caseDir);
        final Path file = caseDir.resolve(name);
        final byte[] flipped = image.clone();
        flipped[offset] ^= (byte)(1 << bit);
        Files.write(file, flipped);

        final RedoCorruptionException ex = assertThrows(
            RedoCorruptionException.class,
            () -> RedoLog.open(RedoTestSupport.manualConfig(caseDir)).close(),
            "flip of bit " + bit + " at offset " + offset);
        assertEquals(file.toString(), ex.segment());
        if (expectedOffset >= 0)
        {
            assertEquals(expectedOffset, ex.offset(), "flip at " + offset + ": " + ex.getMessage());
        }
        assertTrue(ex.getMessage().contains(file.toString()) && ex.getMessage().contains("offset " + ex.offset()));
        assertArrayEquals(flipped, Files.readAllBytes(file), "file left untouched");

        // The directory is usable again once the operator restores the file.
        Files.write(file, image);
        RedoLog.open(RedoTestSupport.manualConfig(caseDir)).close();
        return ex;
    }
}

package io.pathlock.redo;

import static io.pathlock.redo.RedoTestSupport.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Details of the reader, the descriptors and recovery that the mutation-test review found
 * unchecked: the segment header's fields, the next task id derived from headers, segment lengths
 * after a torn tail, reads through a storage that returns short reads, file names that are not
 * segments, record kinds, and recovery's retry pause, report order and task locations.
 */
class RedoReaderDetailTest
{
    @TempDir
    Path dir;

    @Test
    void segmentHeaderRoundTripsEveryField() throws Exception
    {
        final ByteBuffer header = ByteBuffer.allocate(SegmentDescriptor.HEADER_LENGTH);
        java.util.Arrays.fill(header.array(), (byte)0xff);
        RedoLogReader.encodeSegmentHeader(new UnsafeBuffer(header), 7, 42);
        header.order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(SegmentDescriptor.MAGIC, header.getLong(SegmentDescriptor.MAGIC_OFFSET));
        assertEquals(SegmentDescriptor.VERSION, header.getInt(SegmentDescriptor.VERSION_OFFSET));
        assertEquals(SegmentDescriptor.HEADER_LENGTH, header.getInt(SegmentDescriptor.HEADER_LENGTH_OFFSET));
        assertEquals(7, header.getLong(SegmentDescriptor.SEGMENT_INDEX_OFFSET));
        assertEquals(42, header.getLong(SegmentDescriptor.FIRST_TASK_ID_OFFSET));
        assertEquals(0, header.getInt(SegmentDescriptor.RESERVED_OFFSET));

        // A log whose only segment is an empty one that starts at task 42 issues 42 next.
        Files.write(dir.resolve(SegmentDescriptor.fileName(7)), header.array());
        final RedoLogContents contents = RedoLogReader.read(dir);
        assertEquals(42, contents.nextTaskId(), "next task id comes from the header's first task id");
        assertEquals(List.of(SegmentDescriptor.fileName(7)), contents.segmentNames());
        assertEquals(-1, contents.tornOffset());
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            assertEquals(42, log.begin("t", bytes("x")).taskId());
        }
    }

    @Test
    void filesThatAreNotSegmentsAreIgnored() throws Exception
    {
        assertEquals(-1, SegmentDescriptor.segmentIndex(Path.of("redo-000000000000000g.seg")));
        assertEquals(-1, SegmentDescriptor.segmentIndex(Path.of("redo-00000000000000001.seg")));
        assertEquals(-1, SegmentDescriptor.segmentIndex(Path.of("redo-0000000000000001.tmp")));
        assertEquals(-1, SegmentDescriptor.segmentIndex(Path.of("xedo-0000000000000001.seg")));
        assertEquals(0x1fL, SegmentDescriptor.segmentIndex(Path.of("/a/redo-000000000000001f.seg")));
        assertEquals("redo-000000000000001f.seg", SegmentDescriptor.fileName(0x1f));
        Files.write(dir.resolve(SegmentDescriptor.fileName(0)), new byte[] {1, 2, 3});
        Files.write(dir.resolve("notes.txt"), new byte[] {1, 2, 3});
        final RedoLogContents contents = RedoLogReader.read(dir);
        assertTrue(contents.segmentNames().isEmpty(), "segment index 0 is not a segment: " + contents.segmentNames());
        assertEquals(1, contents.nextTaskId());
    }

    @Test
    void segmentLengthsAfterATornTail() throws Exception
    {
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            log.begin("t", bytes("one"));
            log.begin("t", bytes("two"));
        }
        final Path segment = RedoTestSupport.segmentFiles(dir).get(0);
        final byte[] whole = Files.readAllBytes(segment);
        final List<Integer> boundaries = RedoTestSupport.recordBoundaries(whole);
        final int second = boundaries.get(1);
        final int cut = second + 5;
        Files.write(segment, java.util.Arrays.copyOf(whole, cut));

        final RedoLogContents contents = RedoLogReader.scan(dir, FileSegmentStorage.INSTANCE, false);
        assertEquals(second, contents.tornOffset());
        final Segment s = contents.segments.get(0);
        assertEquals(second, s.validLength, "valid up to the last whole record");
        assertEquals(second - SegmentDescriptor.HEADER_LENGTH, s.userBytes);
        assertEquals(1, contents.pending().size());
        assertEquals(2, contents.nextTaskId(), "the torn record was never acknowledged: its id may be issued again");

        final RedoLogContents intact;
        Files.write(segment, whole);
        intact = RedoLogReader.scan(dir, FileSegmentStorage.INSTANCE, false);
        assertEquals(whole.length, intact.segments.get(0).validLength);
        assertEquals(whole.length - SegmentDescriptor.HEADER_LENGTH, intact.segments.get(0).userBytes);
    }

    /** Per-segment counts that compaction trusts: pending BEGINs (minus DONEs) and records. */
    @Test
    void segmentCountsAfterDoneRecords() throws Exception
    {
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            log.begin("t", bytes("a")).done();
            log.begin("t", bytes("b"));
            log.begin("t", bytes("c")).done();
            log.begin("t", bytes("d"));
        }
        final RedoLogContents contents = RedoLogReader.read(dir);
        final Segment s = contents.segments.get(0);
        assertEquals(2, s.pending, "two BEGINs without their DONE");
        assertEquals(6, s.records);
        assertEquals(2, contents.pending().size());
    }

    /** Done tasks are listed only when asked for (the CLI's redo list), with their type. */
    @Test
    void doneTasksAreCollectedOnlyWhenAsked() throws Exception
    {
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            log.begin("mv", bytes("a")).done();
            log.begin("rm", bytes("b"));
        }
        final RedoLogContents all = RedoLogReader.scan(dir, FileSegmentStorage.INSTANCE, true);
        assertEquals(1, all.done().size());
        assertEquals("mv", all.done().get(0).type());
        assertEquals(RedoTaskState.DONE, all.done().get(0).state());
        assertEquals(1, all.pending().size());
        final RedoLogContents lean = RedoLogReader.scan(dir, FileSegmentStorage.INSTANCE, false);
        assertTrue(lean.done().isEmpty(), "done tasks listed although not asked for: " + lean.done());
        assertEquals(1, lean.pending().size());
    }

    /** A file that reads shorter than its reported size (it shrank meanwhile) yields what was read, not zeros. */
    @Test
    void aFileShorterThanItsSizeIsReadAsIs() throws Exception
    {
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            log.begin("t", bytes("a"));
        }
        final Path segment = RedoTestSupport.segmentFiles(dir).get(0);
        final byte[] expected = Files.readAllBytes(segment);
        final SegmentStorage shrinking = new TrickleStorage(1 << 20, 64);
        final byte[] read = RedoLogReader.readFully(shrinking, segment);
        assertEquals(expected.length, read.length, "no padding for bytes that were not there");
        assertEquals(-1, RedoLogReader.scan(dir, shrinking, false).tornOffset());
    }

    /**
     * A pending task whose BEGIN was copied forward into a newer segment (compaction interrupted
     * before the old segment was deleted) is pending once, in the newer segment; the older segment
     * no longer counts it, so compaction may delete it.
     */
    @Test
    void aBeginCopiedForwardMovesTheTaskToTheNewerSegment() throws Exception
    {
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            log.begin("t", bytes("carried"));
        }
        final Path first = RedoTestSupport.segmentFiles(dir).get(0);
        final byte[] image = Files.readAllBytes(first);
        final ByteBuffer second = ByteBuffer.allocate(image.length);
        RedoLogReader.encodeSegmentHeader(new UnsafeBuffer(second), SegmentDescriptor.segmentIndex(first) + 1, 2);
        second.position(SegmentDescriptor.HEADER_LENGTH);
        second.put(image, SegmentDescriptor.HEADER_LENGTH, image.length - SegmentDescriptor.HEADER_LENGTH);
        Files.write(dir.resolve(SegmentDescriptor.fileName(SegmentDescriptor.segmentIndex(first) + 1)), second.array());

        final RedoLogContents contents = RedoLogReader.read(dir);
        assertEquals(1, contents.pending().size());
        assertEquals(0, contents.segments.get(0).pending, "the old copy no longer pins the older segment");
        assertEquals(1, contents.segments.get(1).pending);
        assertEquals(contents.segmentNames().get(1), contents.pending().get(0).segment());
    }

    @Test
    void readsThroughShortReadsAreComplete() throws Exception
    {
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            for (int i = 0; i < 5; i++)
            {
                log.begin("t", bytes("payload " + i));
            }
        }
        final Path segment = RedoTestSupport.segmentFiles(dir).get(0);
        final byte[] expected = Files.readAllBytes(segment);
        final SegmentStorage trickle = new TrickleStorage(7);
        assertTrue(java.util.Arrays.equals(expected, RedoLogReader.readFully(trickle, segment)));
        final RedoLogContents contents = RedoLogReader.scan(dir, trickle, false);
        assertEquals(5, contents.pending().size());
        assertEquals(5, contents.segments.get(0).pending);
        assertEquals(5, contents.segments.get(0).records);
        assertEquals(-1, contents.tornOffset());
    }

    @Test
    void recordKinds()
    {
        assertTrue(RedoRecordDescriptor.isValidKind(RedoRecordDescriptor.KIND_BEGIN));
        assertTrue(RedoRecordDescriptor.isValidKind(RedoRecordDescriptor.KIND_DONE));
        assertTrue(RedoRecordDescriptor.isValidKind(RedoRecordDescriptor.KIND_QUARANTINE));
        assertFalse(RedoRecordDescriptor.isValidKind(0));
        assertFalse(RedoRecordDescriptor.isValidKind(4));
        assertFalse(RedoRecordDescriptor.isValidKind(-1));
        assertEquals("BEGIN", RedoRecordDescriptor.kindName(RedoRecordDescriptor.KIND_BEGIN));
        assertEquals("DONE", RedoRecordDescriptor.kindName(RedoRecordDescriptor.KIND_DONE));
        assertEquals("QUARANTINE", RedoRecordDescriptor.kindName(RedoRecordDescriptor.KIND_QUARANTINE));
        assertTrue(RedoRecordDescriptor.kindName(9).contains("9"), RedoRecordDescriptor.kindName(9));
    }

    @Test
    void flyweightEncodesWhatItReads()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final byte[] type = RedoRecordFlyweight.encodeType("mv");
        final byte[] payload = bytes("hello");
        final RedoRecordFlyweight f = new RedoRecordFlyweight();
        final int length = f.encode(buffer, 16, RedoRecordDescriptor.KIND_BEGIN, 99, type, payload, 0, payload.length);
        assertEquals(RedoRecordDescriptor.recordLength(type.length, payload.length), length);
        f.wrap(buffer, 16);
        assertEquals(16, f.offset());
        assertEquals(length, f.length());
        assertEquals(RedoRecordDescriptor.KIND_BEGIN, f.kind());
        assertEquals(99, f.taskId());
        assertEquals("mv", f.type());
        assertEquals(0, f.reserved());
        assertEquals("hello", RedoTestSupport.string(f.payload()));
        assertEquals(f.computeHeaderCrc(), f.headerCrc());
        assertEquals(f.computeBodyCrc(), f.bodyCrc());
        buffer.putShort(16 + RedoRecordDescriptor.RESERVED_OFFSET, (short)5);
        assertEquals(5, f.reserved());
        assertThrows(IllegalArgumentException.class, () -> RedoRecordFlyweight.encodeType(""));
        assertThrows(IllegalArgumentException.class, () -> RedoRecordFlyweight.encodeType(null));
        assertThrows(IllegalArgumentException.class, () -> RedoRecordFlyweight.encodeType("t\u0001"));
        assertThrows(IllegalArgumentException.class, () -> RedoRecordFlyweight.encodeType("x".repeat(256)));
        assertEquals(255, RedoRecordFlyweight.encodeType("x".repeat(255)).length);
        assertEquals(2, RedoRecordFlyweight.encodeType("!~").length, "the printable range is inclusive");
        assertThrows(IllegalArgumentException.class, () -> RedoRecordFlyweight.encodeType("a b"));
        assertThrows(IllegalArgumentException.class, () -> RedoRecordFlyweight.encodeType("a\u007f"));
    }

    /** Recovery pauses between attempts for the configured delay, and not after the last attempt. */
    @Test
    void recoveryPausesBetweenAttemptsOnly() throws Exception
    {
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            log.begin("flaky", bytes("1"));
        }
        final List<Long> attemptsAt = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir).replayAttempts(2).replayRetryDelay(Duration.ofMillis(300))))
        {
            log.registerHandler("flaky", (task) ->
            {
                attemptsAt.add(System.nanoTime());
                threads.add(Thread.currentThread().getName());
                throw new IllegalStateException("attempt " + task.attempt());
            });
            final RecoveryReport report = log.startRecovery().get(30, TimeUnit.SECONDS);
            assertEquals(1, report.quarantined().size());
            assertEquals(2, attemptsAt.size());
            assertTrue(attemptsAt.get(1) - attemptsAt.get(0) >= TimeUnit.MILLISECONDS.toNanos(300),
                "second attempt came " + (attemptsAt.get(1) - attemptsAt.get(0)) / 1_000_000 + " ms after the first");
            assertTrue(threads.get(0).startsWith("pathlock-redo-replay-"), threads.get(0));
            final RedoTaskInfo info = report.quarantined().get(0);
            assertEquals(RedoTestSupport.segmentFiles(dir).get(0).getFileName().toString(), info.segment());
            assertEquals(SegmentDescriptor.HEADER_LENGTH, info.offset(), "the task's BEGIN is the first record");
        }
    }

    /** A single attempt never waits for the retry delay, however long it is. */
    @Test
    void noPauseAfterTheLastAttempt() throws Exception
    {
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            log.begin("bad", bytes("1"));
            log.begin("none", bytes("2"));
        }
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir).replayAttempts(1).replayRetryDelay(Duration.ofMillis(600_000))))
        {
            log.registerHandler("bad", (task) ->
            {
                throw new IllegalStateException("always");
            });
            final RecoveryReport report = log.startRecovery().get(30, TimeUnit.SECONDS);
            assertEquals(1, report.quarantined().size());
            assertEquals(1, report.unhandled().size());
            final RedoTaskInfo unhandled = report.unhandled().get(0);
            assertNotNull(unhandled.segment());
            assertTrue(unhandled.offset() > SegmentDescriptor.HEADER_LENGTH, "second record: " + unhandled.offset());
        }
    }

    /** Quarantined tasks are reported by task id, those quarantined earlier and now together. */
    @Test
    void quarantinedTasksAreReportedInTaskIdOrder() throws Exception
    {
        final List<Long> ids = new ArrayList<>();
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            ids.add(log.begin("later", bytes("1")).taskId());
            ids.add(log.begin("now", bytes("2")).taskId());
        }
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir).replayAttempts(1)))
        {
            log.registerHandler("now", (task) ->
            {
                throw new IllegalStateException("now");
            });
            final RecoveryReport first = log.startRecovery().get(30, TimeUnit.SECONDS);
            assertEquals(List.of(ids.get(1)), taskIds(first.quarantined()));
        }
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir).replayAttempts(1)))
        {
            log.registerHandler("later", (task) ->
            {
                throw new IllegalStateException("later");
            });
            final RecoveryReport second = log.startRecovery().get(30, TimeUnit.SECONDS);
            assertEquals(ids, taskIds(second.quarantined()), "sorted by task id: " + second.quarantined());
        }
    }

    private static List<Long> taskIds(final List<RedoTaskInfo> infos)
    {
        final List<Long> ids = new ArrayList<>();
        for (final RedoTaskInfo i : infos)
        {
            ids.add(i.taskId());
        }
        return ids;
    }

    /** Reads through the real files at most {@code chunk} bytes at a time. */
    private static final class TrickleStorage implements SegmentStorage
    {
        private final int chunk;
        private final long sizeSurplus;

        TrickleStorage(final int chunk)
        {
            this(chunk, 0);
        }

        /** Reads at most {@code chunk} bytes a call; reports the size {@code sizeSurplus} bytes larger. */
        TrickleStorage(final int chunk, final long sizeSurplus)
        {
            this.chunk = chunk;
            this.sizeSurplus = sizeSurplus;
        }

        public SegmentChannel openReadWrite(final Path file, final boolean createNew) throws IOException
        {
            return FileSegmentStorage.INSTANCE.openReadWrite(file, createNew);
        }

        public SegmentChannel openReadOnly(final Path file) throws IOException
        {
            final SegmentChannel d = FileSegmentStorage.INSTANCE.openReadOnly(file);
            return new SegmentChannel()
            {
                public int write(final ByteBuffer src, final long position) throws IOException
                {
                    return d.write(src, position);
                }

                public int read(final ByteBuffer dst, final long position) throws IOException
                {
                    final ByteBuffer part = dst.duplicate();
                    part.limit(Math.min(dst.limit(), dst.position() + chunk));
                    final int n = d.read(part, position);
                    if (n > 0)
                    {
                        dst.position(dst.position() + n);
                    }
                    return n;
                }

                public void force() throws IOException
                {
                    d.force();
                }

                public long size() throws IOException
                {
                    return d.size() + sizeSurplus;
                }

                public void truncate(final long size) throws IOException
                {
                    fail("read-only");
                }

                public void close() throws IOException
                {
                    d.close();
                }
            };
        }

        public void syncDirectory(final Path directory) throws IOException
        {
            FileSegmentStorage.INSTANCE.syncDirectory(directory);
        }

        public void delete(final Path file) throws IOException
        {
            FileSegmentStorage.INSTANCE.delete(file);
        }
    }
}

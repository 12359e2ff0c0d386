package io.pathlock.redo;

import static io.pathlock.redo.RedoRecordDescriptor.HEADER_LENGTH;
import static io.pathlock.redo.RedoRecordDescriptor.KIND_BEGIN;
import static io.pathlock.redo.RedoRecordDescriptor.KIND_DONE;
import static io.pathlock.redo.RedoRecordDescriptor.KIND_QUARANTINE;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.zip.CRC32C;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Reads and verifies a redo directory without changing it. {@link RedoLog#open(RedoLogConfig)} uses it
 * before repairing a torn tail; the CLI uses it to list tasks.
 * <p>
 * Invariants the scan relies on, referred to by the tests:
 * <ol>
 * <li>Segments other than the newest were synced completely before the next one was created, so only
 *     the newest segment may end in a torn record; a short or damaged record elsewhere is corruption.
 * </li>
 * <li>A torn tail is what a crash leaves: the file ends inside a record whose header is intact (or
 *     inside the header itself), or the rest of the file is zeros. A header whose checksum fails
 *     while non-zero bytes follow, or a body whose checksum fails, is corruption, wherever it is.</li>
 * <li>Records apply in file order: BEGIN makes a task pending (a later copy of the same BEGIN, written
 *     by compaction, moves it), QUARANTINE marks it quarantined, DONE removes it.</li>
 * </ol>
 * Stateless and thread-safe.
 */
public final class RedoLogReader
{
    private RedoLogReader()
    {
    }

    /**
     * Scans a redo directory with the real file system, collecting done tasks too.
     *
     * @param directory the redo directory.
     * @return what the log holds.
     * @throws IOException             if a segment cannot be read.
     * @throws RedoCorruptionException if a segment is corrupt before its tail.
     */
    public static RedoLogContents read(final Path directory) throws IOException
    {
        return scan(directory, FileSegmentStorage.INSTANCE, true);
    }

    /**
     * Scans a redo directory.
     *
     * @param directory   the redo directory.
     * @param storage     file-system seam.
     * @param collectDone whether to list done tasks (costs memory for each).
     * @return what the log holds.
     * @throws IOException             if a segment cannot be read.
     * @throws RedoCorruptionException if a segment is corrupt before its tail.
     */
    static RedoLogContents scan(final Path directory, final SegmentStorage storage, final boolean collectDone)
        throws IOException
    {
        final TreeMap<Long, Path> files = new TreeMap<>();
        if (Files.isDirectory(directory))
        {
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory))
            {
                for (final Path file : stream)
                {
                    final long index = SegmentDescriptor.segmentIndex(file);
                    if (index > 0)
                    {
                        files.put(index, file);
                    }
                }
            }
        }

        final List<Segment> segments = new ArrayList<>();
        final TreeMap<Long, TaskEntry> tasks = new TreeMap<>();
        final TreeMap<Long, String> doneTypes = new TreeMap<>();
        final List<RedoTaskInfo> done = new ArrayList<>();
        final RedoRecordFlyweight record = new RedoRecordFlyweight();
        final CRC32C crc = new CRC32C();
        long maxTaskId = 0;
        Segment torn = null;
        long tornOffset = -1;
        String tornDetail = null;

        final long lastIndex = files.isEmpty() ? -1 : files.lastKey();
        for (final var file : files.entrySet())
        {
            final boolean last = file.getKey() == lastIndex;
            final Path path = file.getValue();
            final byte[] bytes = readFully(storage, path);
            final UnsafeBuffer buffer = new UnsafeBuffer(bytes);

            if (bytes.length < SegmentDescriptor.HEADER_LENGTH || allZero(bytes, 0))
            {
                if (last)
                {
                    final Segment segment = new Segment(file.getKey(), path, 0);
                    segment.validLength = 0;
                    segments.add(segment);
                    torn = segment;
                    tornOffset = 0;
                    tornDetail = "segment header incomplete (" + bytes.length + " bytes)";
                    break;
                }
                throw new RedoCorruptionException(path.toString(), 0, "segment header incomplete (" + bytes.length +
                    " bytes) in a segment that is not the newest");
            }

            final long firstTaskId = verifySegmentHeader(path, buffer, file.getKey(), crc);
            maxTaskId = Math.max(maxTaskId, firstTaskId - 1);
            final Segment segment = new Segment(file.getKey(), path, firstTaskId);
            segments.add(segment);

            int offset = SegmentDescriptor.HEADER_LENGTH;
            while (offset < bytes.length)
            {
                final int remaining = bytes.length - offset;
                if (remaining < HEADER_LENGTH)
                {
                    if (last)
                    {
                        torn = segment;
                        tornOffset = offset;
                        tornDetail = "record header cut after " + remaining + " bytes";
                        break;
                    }
                    throw new RedoCorruptionException(path.toString(), offset,
                        "record cut after " + remaining + " bytes at the end of a segment that is not the newest");
                }

                record.wrap(buffer, offset);
                if (record.computeHeaderCrc() != record.headerCrc())
                {
                    if (last && allZero(bytes, offset))
                    {
                        torn = segment;
                        tornOffset = offset;
                        tornDetail = "zeros from here to the end of the file";
                        break;
                    }
                    throw new RedoCorruptionException(path.toString(), offset, String.format(
                        "record header checksum mismatch (stored 0x%08x, computed 0x%08x)",
                        record.headerCrc(), record.computeHeaderCrc()));
                }

                final int length = record.length();
                final byte kind = record.kind();
                final int typeLength = record.typeLength();
                if (!RedoRecordDescriptor.isValidKind(kind) || record.reserved() != 0 ||
                    length < RedoRecordDescriptor.recordLength(typeLength, 0) ||
                    (kind != KIND_DONE && typeLength == 0))
                {
                    throw new RedoCorruptionException(path.toString(), offset, "record header has impossible fields" +
                        " (length " + length + ", kind " + kind + ", type length " + typeLength + ") under a valid" +
                        " checksum");
                }

                if (length > remaining)
                {
                    if (last)
                    {
                        torn = segment;
                        tornOffset = offset;
                        tornDetail = "record of " + length + " bytes cut after " + remaining + " bytes";
                        break;
                    }
                    throw new RedoCorruptionException(path.toString(), offset, "record of " + length +
                        " bytes cut after " + remaining + " bytes in a segment that is not the newest");
                }

                if (record.computeBodyCrc() != record.bodyCrc())
                {
                    throw new RedoCorruptionException(path.toString(), offset, String.format(
                        "record body checksum mismatch (stored 0x%08x, computed 0x%08x) in a %s record of task %d",
                        record.bodyCrc(), record.computeBodyCrc(), RedoRecordDescriptor.kindName(kind),
                        record.taskId()));
                }

                final long taskId = record.taskId();
                maxTaskId = Math.max(maxTaskId, taskId);
                apply(record, segment, offset, tasks, collectDone ? doneTypes : null, done);
                segment.records++;
                offset += length;
            }

            segment.validLength = null != torn && torn == segment ? tornOffset : bytes.length;
            segment.userBytes = segment.validLength - SegmentDescriptor.HEADER_LENGTH;
        }

        return new RedoLogContents(segments, tasks, done, torn, tornOffset, tornDetail, maxTaskId + 1);
    }

    private static void apply(
        final RedoRecordFlyweight record,
        final Segment segment,
        final int offset,
        final TreeMap<Long, TaskEntry> tasks,
        final TreeMap<Long, String> doneTypes,
        final List<RedoTaskInfo> done)
    {
        final long taskId = record.taskId();
        switch (record.kind())
        {
            case KIND_BEGIN:
            {
                TaskEntry entry = tasks.get(taskId);
                if (null == entry)
                {
                    entry = new TaskEntry(taskId);
                    tasks.put(taskId, entry);
                }
                else
                {
                    entry.segment.pending--;
                }
                entry.state = RedoTaskState.PENDING;
                entry.reason = null;
                entry.segment = segment;
                entry.offset = offset;
                entry.length = record.length();
                entry.type = record.type();
                entry.payload = record.payload();
                segment.pending++;
                break;
            }

            case KIND_QUARANTINE:
            {
                final TaskEntry entry = tasks.get(taskId);
                if (null != entry)
                {
                    entry.state = RedoTaskState.QUARANTINED;
                    entry.quarantineSegment = segment;
                    entry.quarantineOffset = offset;
                    entry.quarantineLength = record.length();
                    entry.reason = new String(record.payload(), StandardCharsets.UTF_8);
                }
                break;
            }

            case KIND_DONE:
            {
                final TaskEntry entry = tasks.remove(taskId);
                if (null != entry)
                {
                    entry.segment.pending--;
                    if (null != doneTypes)
                    {
                        done.add(new RedoTaskInfo(taskId, entry.type, RedoTaskState.DONE, segment.name(), offset,
                            entry.payload.length, null));
                    }
                }
                break;
            }

            default:
                break;
        }
    }

    private static long verifySegmentHeader(
        final Path path, final UnsafeBuffer buffer, final long expectedIndex, final CRC32C crc)
    {
        final long magic = buffer.getLong(SegmentDescriptor.MAGIC_OFFSET, LITTLE_ENDIAN);
        if (magic != SegmentDescriptor.MAGIC)
        {
            throw new RedoCorruptionException(path.toString(), SegmentDescriptor.MAGIC_OFFSET,
                String.format("bad segment magic 0x%016x", magic));
        }

        crc.reset();
        crc.update(buffer.byteArray(), 0, SegmentDescriptor.HEADER_CRC_OFFSET);
        final int stored = buffer.getInt(SegmentDescriptor.HEADER_CRC_OFFSET, LITTLE_ENDIAN);
        if ((int)crc.getValue() != stored)
        {
            throw new RedoCorruptionException(path.toString(), 0, String.format(
                "segment header checksum mismatch (stored 0x%08x, computed 0x%08x)", stored, (int)crc.getValue()));
        }

        final int version = buffer.getInt(SegmentDescriptor.VERSION_OFFSET, LITTLE_ENDIAN);
        if (version != SegmentDescriptor.VERSION)
        {
            throw new RedoCorruptionException(path.toString(), SegmentDescriptor.VERSION_OFFSET,
                "unsupported segment version " + version + " (this code reads version " + SegmentDescriptor.VERSION + ")");
        }

        final int headerLength = buffer.getInt(SegmentDescriptor.HEADER_LENGTH_OFFSET, LITTLE_ENDIAN);
        final long index = buffer.getLong(SegmentDescriptor.SEGMENT_INDEX_OFFSET, LITTLE_ENDIAN);
        if (headerLength != SegmentDescriptor.HEADER_LENGTH || index != expectedIndex ||
            buffer.getInt(SegmentDescriptor.RESERVED_OFFSET, LITTLE_ENDIAN) != 0)
        {
            throw new RedoCorruptionException(path.toString(), 0, "segment header fields do not match (header length " +
                headerLength + ", segment index " + index + " in a file named for index " + expectedIndex + ")");
        }

        return buffer.getLong(SegmentDescriptor.FIRST_TASK_ID_OFFSET, LITTLE_ENDIAN);
    }

    /**
     * Encodes a segment header.
     *
     * @param buffer       to write into at offset 0.
     * @param segmentIndex index of the segment.
     * @param firstTaskId  lower bound of ids not yet issued.
     */
    static void encodeSegmentHeader(final UnsafeBuffer buffer, final long segmentIndex, final long firstTaskId)
    {
        buffer.setMemory(0, SegmentDescriptor.HEADER_LENGTH, (byte)0);
        buffer.putLong(SegmentDescriptor.MAGIC_OFFSET, SegmentDescriptor.MAGIC, LITTLE_ENDIAN);
        buffer.putInt(SegmentDescriptor.VERSION_OFFSET, SegmentDescriptor.VERSION, LITTLE_ENDIAN);
        buffer.putInt(SegmentDescriptor.HEADER_LENGTH_OFFSET, SegmentDescriptor.HEADER_LENGTH, LITTLE_ENDIAN);
        buffer.putLong(SegmentDescriptor.SEGMENT_INDEX_OFFSET, segmentIndex, LITTLE_ENDIAN);
        buffer.putLong(SegmentDescriptor.FIRST_TASK_ID_OFFSET, firstTaskId, LITTLE_ENDIAN);
        final byte[] bytes = new byte[SegmentDescriptor.HEADER_CRC_OFFSET];
        buffer.getBytes(0, bytes);
        final CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length);
        buffer.putInt(SegmentDescriptor.HEADER_CRC_OFFSET, (int)crc.getValue(), LITTLE_ENDIAN);
    }

    static byte[] readFully(final SegmentStorage storage, final Path path) throws IOException
    {
        try (SegmentChannel channel = storage.openReadOnly(path))
        {
            final long size = channel.size();
            if (size > Integer.MAX_VALUE - 16)
            {
                throw new IOException("redo segment " + path + " is too large to read: " + size + " bytes");
            }
            final ByteBuffer dst = ByteBuffer.allocate((int)size);
            while (dst.hasRemaining())
            {
                if (channel.read(dst, dst.position()) < 0)
                {
                    break;
                }
            }
            if (dst.position() != size)
            {
                final byte[] partial = new byte[dst.position()];
                System.arraycopy(dst.array(), 0, partial, 0, partial.length);
                return partial;
            }
            return dst.array();
        }
    }

    private static boolean allZero(final byte[] bytes, final int from)
    {
        for (int i = from; i < bytes.length; i++)
        {
            if (bytes[i] != 0)
            {
                return false;
            }
        }
        return true;
    }
}

package io.pathlock.redo;

import java.nio.file.Path;

/**
 * Layout and naming of a redo segment file.
 * <p>
 * A segment is a header followed by records laid out as in {@link RedoRecordDescriptor}. All
 * integers are little-endian.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                  Magic "PLREDOLG" (8 bytes)                   |  0
 *  |                                                               |  4
 *  +---------------------------------------------------------------+
 *  |                        Version (int32)                        |  8
 *  +---------------------------------------------------------------+
 *  |                    Header Length (int32 = 40)                 | 12
 *  +---------------------------------------------------------------+
 *  |                     Segment Index (int64)                     | 16
 *  |                                                               | 20
 *  +---------------------------------------------------------------+
 *  |   First Task Id (int64): lower bound of ids not yet issued    | 24
 *  |                     when the segment was created              | 28
 *  +---------------------------------------------------------------+
 *  |                      Reserved (int32 = 0)                     | 32
 *  +---------------------------------------------------------------+
 *  |             Header CRC32C of bytes 0..35 (int32)              | 36
 *  +---------------------------------------------------------------+
 *  |                     Records ...                             ...  40
 * </pre>
 * Files are named {@code redo-<segment index as 16 hex digits>.seg}, so that lexical order is
 * segment order. The First Task Id keeps task ids increasing across restarts even when every record
 * that carried a high id has been compacted away.
 * <p>
 * This class only holds constants and pure functions; it is thread-safe.
 */
final class SegmentDescriptor
{
    /** The magic number: the ASCII bytes "PLREDOLG" read as a little-endian int64. */
    static final long MAGIC = 0x474C4F444552_4C50L;

    /** Format version written by this code. */
    static final int VERSION = 1;

    /** Offset of the magic number. */
    static final int MAGIC_OFFSET = 0;

    /** Offset of the format version. */
    static final int VERSION_OFFSET = 8;

    /** Offset of the header length. */
    static final int HEADER_LENGTH_OFFSET = 12;

    /** Offset of the segment index. */
    static final int SEGMENT_INDEX_OFFSET = 16;

    /** Offset of the first task id. */
    static final int FIRST_TASK_ID_OFFSET = 24;

    /** Offset of the reserved int32. */
    static final int RESERVED_OFFSET = 32;

    /** Offset of the header CRC32C. */
    static final int HEADER_CRC_OFFSET = 36;

    /** Length of the segment header; the first record starts here. */
    static final int HEADER_LENGTH = 40;

    /** File name prefix of a segment. */
    static final String FILE_PREFIX = "redo-";

    /** File name suffix of a segment. */
    static final String FILE_SUFFIX = ".seg";

    private SegmentDescriptor()
    {
    }

    /**
     * File name of a segment.
     *
     * @param segmentIndex index of the segment, from 1.
     * @return the file name.
     */
    static String fileName(final long segmentIndex)
    {
        return FILE_PREFIX + String.format("%016x", segmentIndex) + FILE_SUFFIX;
    }

    /**
     * Segment index encoded in a file name.
     *
     * @param file a path whose file name may be a segment name.
     * @return the index, or -1 if the name is not a segment name.
     */
    static long segmentIndex(final Path file)
    {
        final String name = file.getFileName().toString();
        if (!name.startsWith(FILE_PREFIX) || !name.endsWith(FILE_SUFFIX) ||
            name.length() != FILE_PREFIX.length() + 16 + FILE_SUFFIX.length())
        {
            return -1;
        }

        try
        {
            return Long.parseUnsignedLong(name.substring(FILE_PREFIX.length(), FILE_PREFIX.length() + 16), 16);
        }
        catch (final NumberFormatException ex)
        {
            return -1;
        }
    }
}

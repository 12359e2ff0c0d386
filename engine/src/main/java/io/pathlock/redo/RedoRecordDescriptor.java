package io.pathlock.redo;

/**
 * Layout of one redo record on disk (and in the ring buffer, where producers encode it whole).
 * <p>
 * All integers are little-endian. A record is not padded: the next record starts at
 * {@code offset + length}.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                     Record Length (int32)                     |  0
 *  +---------------+---------------+-------------------------------+
 *  |  Kind (int8)  | Type Length   |        Reserved (int16 = 0)   |  4
 *  +---------------+---------------+-------------------------------+
 *  |                        Task Id (int64)                        |  8
 *  |                                                               | 12
 *  +---------------------------------------------------------------+
 *  |              Header CRC32C of bytes 0..15 (int32)             | 16
 *  +---------------------------------------------------------------+
 *  |           Body CRC32C of bytes 24..length-1 (int32)           | 20
 *  +---------------------------------------------------------------+
 *  |            Task Type (US-ASCII, Type Length bytes)          ...  24
 *  +---------------------------------------------------------------+
 *  |                           Payload                           ...  24 + Type Length
 *  +---------------------------------------------------------------+
 * </pre>
 * <ul>
 * <li>Kind is {@link #KIND_BEGIN}, {@link #KIND_DONE} or {@link #KIND_QUARANTINE}.</li>
 * <li>A BEGIN carries the task type (1..255 printable ASCII characters) and the caller's payload.</li>
 * <li>A DONE carries neither (type length 0, empty payload).</li>
 * <li>A QUARANTINE carries the task type and, as payload, the UTF-8 reason the task was quarantined.</li>
 * </ul>
 * The header has its own checksum so that a damaged length is detected before it is trusted: this
 * is what lets recovery tell a torn tail (the file ends inside a record whose header is intact) from
 * corruption (a header or body whose checksum fails).
 * <p>
 * This class only holds constants and pure functions; it is thread-safe.
 */
final class RedoRecordDescriptor
{
    /** Offset of the int32 total record length, header included. */
    static final int LENGTH_OFFSET = 0;

    /** Offset of the int8 record kind. */
    static final int KIND_OFFSET = 4;

    /** Offset of the uint8 task type length. */
    static final int TYPE_LENGTH_OFFSET = 5;

    /** Offset of the int16 reserved field, always zero. */
    static final int RESERVED_OFFSET = 6;

    /** Offset of the int64 task id. */
    static final int TASK_ID_OFFSET = 8;

    /** Offset of the int32 CRC32C of bytes {@code [0, HEADER_CRC_OFFSET)}. */
    static final int HEADER_CRC_OFFSET = 16;

    /** Offset of the int32 CRC32C of bytes {@code [HEADER_LENGTH, length)}. */
    static final int BODY_CRC_OFFSET = 20;

    /** Length of the fixed header; the task type starts here. */
    static final int HEADER_LENGTH = 24;

    /** Kind of a record that begins a task; it must be durable before {@code begin} returns. */
    static final byte KIND_BEGIN = 1;

    /** Kind of a record that completes a task. */
    static final byte KIND_DONE = 2;

    /** Kind of a record that quarantines a task after its replay kept failing. */
    static final byte KIND_QUARANTINE = 3;

    /** Longest task type, in bytes. */
    static final int MAX_TYPE_LENGTH = 255;

    private RedoRecordDescriptor()
    {
    }

    /**
     * Length of a record.
     *
     * @param typeLength    bytes of the task type.
     * @param payloadLength bytes of the payload.
     * @return total record length, header included.
     */
    static int recordLength(final int typeLength, final int payloadLength)
    {
        return HEADER_LENGTH + typeLength + payloadLength;
    }

    /**
     * Whether a kind byte is one this version writes.
     *
     * @param kind the kind byte.
     * @return true for BEGIN, DONE and QUARANTINE.
     */
    static boolean isValidKind(final int kind)
    {
        return kind == KIND_BEGIN || kind == KIND_DONE || kind == KIND_QUARANTINE;
    }

    /**
     * Human-readable name of a record kind.
     *
     * @param kind the kind byte.
     * @return "BEGIN", "DONE", "QUARANTINE" or "UNKNOWN(n)".
     */
    static String kindName(final int kind)
    {
        switch (kind)
        {
            case KIND_BEGIN:
                return "BEGIN";
            case KIND_DONE:
                return "DONE";
            case KIND_QUARANTINE:
                return "QUARANTINE";
            default:
                return "UNKNOWN(" + kind + ")";
        }
    }
}

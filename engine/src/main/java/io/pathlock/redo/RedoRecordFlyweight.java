package io.pathlock.redo;

import static io.pathlock.redo.RedoRecordDescriptor.BODY_CRC_OFFSET;
import static io.pathlock.redo.RedoRecordDescriptor.HEADER_CRC_OFFSET;
import static io.pathlock.redo.RedoRecordDescriptor.HEADER_LENGTH;
import static io.pathlock.redo.RedoRecordDescriptor.KIND_OFFSET;
import static io.pathlock.redo.RedoRecordDescriptor.LENGTH_OFFSET;
import static io.pathlock.redo.RedoRecordDescriptor.RESERVED_OFFSET;
import static io.pathlock.redo.RedoRecordDescriptor.TASK_ID_OFFSET;
import static io.pathlock.redo.RedoRecordDescriptor.TYPE_LENGTH_OFFSET;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Flyweight over one redo record laid out as in {@link RedoRecordDescriptor}: reads its fields,
 * verifies its checksums and encodes new records.
 * <p>
 * Not thread-safe: each thread uses its own instance (it holds a {@link CRC32C} and a scratch
 * header). It allocates nothing when encoding or verifying records held in heap or direct buffers.
 */
final class RedoRecordFlyweight
{
    private final CRC32C crc = new CRC32C();
    private final byte[] scratch = new byte[HEADER_LENGTH];
    private final UnsafeBuffer scratchBuffer = new UnsafeBuffer(scratch);
    private DirectBuffer buffer;
    private int offset;

    /**
     * Creates an unwrapped flyweight.
     */
    RedoRecordFlyweight()
    {
    }

    /**
     * Points the flyweight at a record.
     *
     * @param buffer holding the record.
     * @param offset of the record's first byte.
     * @return this.
     */
    RedoRecordFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /**
     * @return offset of the wrapped record in its buffer.
     */
    int offset()
    {
        return offset;
    }

    /**
     * @return the stored record length (not verified).
     */
    int length()
    {
        return buffer.getInt(offset + LENGTH_OFFSET, LITTLE_ENDIAN);
    }

    /**
     * @return the stored kind byte.
     */
    byte kind()
    {
        return buffer.getByte(offset + KIND_OFFSET);
    }

    /**
     * @return the stored task type length.
     */
    int typeLength()
    {
        return buffer.getByte(offset + TYPE_LENGTH_OFFSET) & 0xFF;
    }

    /**
     * @return the stored reserved field.
     */
    short reserved()
    {
        return buffer.getShort(offset + RESERVED_OFFSET, LITTLE_ENDIAN);
    }

    /**
     * @return the stored task id.
     */
    long taskId()
    {
        return buffer.getLong(offset + TASK_ID_OFFSET, LITTLE_ENDIAN);
    }

    /**
     * @return the stored header checksum.
     */
    int headerCrc()
    {
        return buffer.getInt(offset + HEADER_CRC_OFFSET, LITTLE_ENDIAN);
    }

    /**
     * @return the stored body checksum.
     */
    int bodyCrc()
    {
        return buffer.getInt(offset + BODY_CRC_OFFSET, LITTLE_ENDIAN);
    }

    /**
     * @return the task type decoded as US-ASCII (allocates).
     */
    String type()
    {
        return buffer.getStringWithoutLengthAscii(offset + HEADER_LENGTH, typeLength());
    }

    /**
     * @return length of the payload, derived from the stored lengths.
     */
    int payloadLength()
    {
        return length() - HEADER_LENGTH - typeLength();
    }

    /**
     * @return offset of the payload in the wrapped buffer.
     */
    int payloadOffset()
    {
        return offset + HEADER_LENGTH + typeLength();
    }

    /**
     * @return a copy of the payload (allocates).
     */
    byte[] payload()
    {
        final byte[] payload = new byte[payloadLength()];
        buffer.getBytes(payloadOffset(), payload);
        return payload;
    }

    /**
     * Computes the checksum of the wrapped record's header (bytes 0..15).
     *
     * @return the CRC32C as an int.
     */
    int computeHeaderCrc()
    {
        crc.reset();
        update(crc, buffer, offset, HEADER_CRC_OFFSET);
        return (int)crc.getValue();
    }

    /**
     * Computes the checksum of the wrapped record's body. Trusts {@link #length()}: verify the
     * header first.
     *
     * @return the CRC32C as an int.
     */
    int computeBodyCrc()
    {
        crc.reset();
        update(crc, buffer, offset + HEADER_LENGTH, length() - HEADER_LENGTH);
        return (int)crc.getValue();
    }

    /**
     * Encodes a record into a buffer.
     *
     * @param dst           buffer to write into; must have room for the whole record.
     * @param dstOffset     where the record starts.
     * @param kind          record kind.
     * @param taskId        task id.
     * @param type          task type bytes (US-ASCII), may be empty for DONE.
     * @param payload       payload source.
     * @param payloadOffset first payload byte in {@code payload}.
     * @param payloadLength number of payload bytes.
     * @return the record length.
     */
    int encode(
        final MutableDirectBuffer dst,
        final int dstOffset,
        final byte kind,
        final long taskId,
        final byte[] type,
        final byte[] payload,
        final int payloadOffset,
        final int payloadLength)
    {
        final int length = RedoRecordDescriptor.recordLength(type.length, payloadLength);
        final UnsafeBuffer header = scratchBuffer;
        header.putInt(LENGTH_OFFSET, length, LITTLE_ENDIAN);
        header.putByte(KIND_OFFSET, kind);
        header.putByte(TYPE_LENGTH_OFFSET, (byte)type.length);
        header.putShort(RESERVED_OFFSET, (short)0, LITTLE_ENDIAN);
        header.putLong(TASK_ID_OFFSET, taskId, LITTLE_ENDIAN);

        crc.reset();
        crc.update(scratch, 0, HEADER_CRC_OFFSET);
        header.putInt(HEADER_CRC_OFFSET, (int)crc.getValue(), LITTLE_ENDIAN);

        crc.reset();
        crc.update(type, 0, type.length);
        crc.update(payload, payloadOffset, payloadLength);
        header.putInt(BODY_CRC_OFFSET, (int)crc.getValue(), LITTLE_ENDIAN);

        dst.putBytes(dstOffset, scratch, 0, HEADER_LENGTH);
        dst.putBytes(dstOffset + HEADER_LENGTH, type);
        dst.putBytes(dstOffset + HEADER_LENGTH + type.length, payload, payloadOffset, payloadLength);

        return length;
    }

    /**
     * Encodes a task type into US-ASCII bytes after checking it.
     *
     * @param type the task type.
     * @return its bytes.
     * @throws IllegalArgumentException if the type is empty, longer than 255 characters, or has a
     *                                  character outside printable ASCII.
     */
    static byte[] encodeType(final String type)
    {
        if (null == type || type.isEmpty() || type.length() > RedoRecordDescriptor.MAX_TYPE_LENGTH)
        {
            throw new IllegalArgumentException(
                "redo task type must have 1.." + RedoRecordDescriptor.MAX_TYPE_LENGTH + " characters: " +
                (null == type ? "null" : "\"" + type + "\""));
        }

        for (int i = 0; i < type.length(); i++)
        {
            final char c = type.charAt(i);
            if (c < 0x21 || c > 0x7E)
            {
                throw new IllegalArgumentException(
                    "redo task type must be printable ASCII without spaces, bad character at index " + i +
                    ": \"" + type + "\"");
            }
        }

        return type.getBytes(StandardCharsets.US_ASCII);
    }

    private static void update(final CRC32C crc, final DirectBuffer buffer, final int index, final int length)
    {
        final byte[] array = buffer.byteArray();
        if (null != array)
        {
            crc.update(array, buffer.wrapAdjustment() + index, length);
        }
        else
        {
            final byte[] copy = new byte[length];
            buffer.getBytes(index, copy);
            crc.update(copy, 0, length);
        }
    }
}

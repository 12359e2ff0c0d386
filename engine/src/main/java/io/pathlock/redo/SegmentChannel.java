package io.pathlock.redo;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The few file operations the redo log performs on one segment file. The default implementation is
 * a {@link java.nio.channels.FileChannel}; tests wrap it to inject a full disk or a failing sync.
 * <p>
 * An instance is used by one thread at a time.
 */
interface SegmentChannel extends Closeable
{
    /**
     * Writes bytes at an absolute position; may write fewer than remain.
     *
     * @param src      bytes between position and limit.
     * @param position file offset.
     * @return bytes written.
     * @throws IOException on an I/O error, e.g. no space left on the device.
     */
    int write(ByteBuffer src, long position) throws IOException;

    /**
     * Reads bytes from an absolute position.
     *
     * @param dst      room between position and limit.
     * @param position file offset.
     * @return bytes read, or -1 at end of file.
     * @throws IOException on an I/O error.
     */
    int read(ByteBuffer dst, long position) throws IOException;

    /**
     * Makes every written byte durable, with the metadata needed to read them back (fdatasync; the
     * default is {@code FileChannel.force(false)}). The redo log never retries a failed sync.
     *
     * @throws IOException if the sync failed: the log must then be treated as lost until reopened.
     */
    void force() throws IOException;

    /**
     * @return current file size.
     * @throws IOException on an I/O error.
     */
    long size() throws IOException;

    /**
     * Truncates the file.
     *
     * @param size new size.
     * @throws IOException on an I/O error.
     */
    void truncate(long size) throws IOException;
}

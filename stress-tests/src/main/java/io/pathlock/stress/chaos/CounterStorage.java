package io.pathlock.stress.chaos;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The "protected store" of the Jepsen read-modify-write workloads: a file holding
 * {@code value highestToken}. Each operation is atomic on its own (an exclusive POSIX record lock
 * on the file plus a JVM-wide monitor, as a storage server serialises its requests); the lock being
 * tested only has to make the read and the write of one increment atomic together.
 * <p>
 * Fenced ({@code fenced == true}): every read and write carries the caller's fencing token, raises
 * {@code highestToken} to it, and is rejected if the token is lower than {@code highestToken}
 * (Kleppmann's fencing; registering the token on the read too is what makes it sufficient: a write
 * can be accepted only if no operation with a higher token happened since its own read). Unfenced:
 * tokens are ignored.
 */
final class CounterStorage
{
    static final String FILE_NAME = "counter";
    private static final int SIZE = 48;
    private static final Object JVM_LOCK = new Object();

    private final Path file;
    private final boolean fenced;

    CounterStorage(final Path file, final boolean fenced)
    {
        this.file = file;
        this.fenced = fenced;
    }

    /** Reads the value; -1 if rejected. */
    long read(final long token) throws IOException
    {
        return op(token, -1);
    }

    /** Writes the value; false if rejected. */
    boolean write(final long token, final long value) throws IOException
    {
        return op(token, value) >= 0;
    }

    private long op(final long token, final long newValue) throws IOException
    {
        synchronized (JVM_LOCK)
        {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
            {
                final FileLock lock = ch.lock();
                final long[] state = parse(ch);
                if (fenced && token < state[1])
                {
                    lock.release();
                    return -1;
                }
                final long value = newValue >= 0 ? newValue : state[0];
                final long highest = fenced ? Math.max(token, state[1]) : state[1];
                final String s = String.format("%-20d %-20d", value, highest);
                ch.write(ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII)), 0);
                lock.release();
                return newValue >= 0 ? newValue : state[0];
            }
        }
    }

    private static long[] parse(final FileChannel ch) throws IOException
    {
        final ByteBuffer b = ByteBuffer.allocate(SIZE);
        ch.read(b, 0);
        final String[] f = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim().split("\\s+");
        return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
    }

    /** Creates the file with value 0. */
    static void init(final Path file) throws IOException
    {
        java.nio.file.Files.writeString(file, String.format("%-20d %-20d", 0, 0));
    }

    /** The current value (no lock: read after every writer is gone). */
    static long value(final Path file) throws IOException
    {
        return Long.parseLong(java.nio.file.Files.readString(file).trim().split("\\s+")[0]);
    }
}

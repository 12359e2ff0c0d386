package io.pathlock.redo;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * An in-memory {@link SegmentStorage} for jcstress states (thousands of redo logs a second, no disk):
 * each segment is a byte array with the length it had at its last {@code force()}, so a test can
 * ask what was durable at any instant ({@link #durableBegins()}). Thread-safe (synchronized).
 * <p>
 * It sits in the engine's package {@code io.pathlock.redo} (this jar is only ever on the class
 * path) because the storage seam and the record format are package-private: not pathlock's API.
 */
public final class MemorySegmentStorage implements SegmentStorage
{
    private final Map<Path, File> files = new HashMap<>();

    /**
     * Makes a redo configuration use this storage.
     *
     * @param config the configuration.
     * @return the same configuration.
     */
    public RedoLogConfig installIn(final RedoLogConfig config)
    {
        return config.storage(this);
    }

    private static final class File
    {
        byte[] data = new byte[256];
        int length;
        int syncedLength;
    }

    /** Number of BEGIN records in the synced part of every segment. */
    public synchronized int durableBegins()
    {
        int n = 0;
        for (final File f : files.values())
        {
            n += begins(f.data, f.syncedLength);
        }
        return n;
    }

    /** Number of BEGIN records written to every segment, synced or not. */
    public synchronized int writtenBegins()
    {
        int n = 0;
        for (final File f : files.values())
        {
            n += begins(f.data, f.length);
        }
        return n;
    }

    private static int begins(final byte[] data, final int length)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(data, 0, Math.max(length, 1));
        final RedoRecordFlyweight record = new RedoRecordFlyweight();
        int offset = SegmentDescriptor.HEADER_LENGTH;
        int n = 0;
        while (offset + RedoRecordDescriptor.HEADER_LENGTH <= length)
        {
            record.wrap(buffer, offset);
            final int recordLength = record.length();
            if (recordLength < RedoRecordDescriptor.HEADER_LENGTH || offset + recordLength > length)
            {
                break;
            }
            if (record.kind() == RedoRecordDescriptor.KIND_BEGIN && record.computeBodyCrc() == record.bodyCrc())
            {
                n++;
            }
            offset += recordLength;
        }
        return n;
    }

    @Override
    public synchronized SegmentChannel openReadWrite(final Path file, final boolean createNew) throws IOException
    {
        File f = files.get(file);
        if (createNew)
        {
            if (f != null)
            {
                throw new FileAlreadyExistsException(file.toString());
            }
            f = new File();
            files.put(file, f);
        }
        else if (f == null)
        {
            throw new NoSuchFileException(file.toString());
        }
        return new Channel(f);
    }

    @Override
    public synchronized SegmentChannel openReadOnly(final Path file) throws IOException
    {
        final File f = files.get(file);
        if (f == null)
        {
            throw new NoSuchFileException(file.toString());
        }
        return new Channel(f);
    }

    @Override
    public void syncDirectory(final Path directory)
    {
    }

    @Override
    public synchronized void delete(final Path file)
    {
        files.remove(file);
    }

    private final class Channel implements SegmentChannel
    {
        private final File f;

        Channel(final File f)
        {
            this.f = f;
        }

        @Override
        public int write(final ByteBuffer src, final long position)
        {
            synchronized (MemorySegmentStorage.this)
            {
                final int n = src.remaining();
                final int end = (int)position + n;
                if (end > f.data.length)
                {
                    f.data = Arrays.copyOf(f.data, Math.max(end, 2 * f.data.length));
                }
                src.get(f.data, (int)position, n);
                f.length = Math.max(f.length, end);
                return n;
            }
        }

        @Override
        public int read(final ByteBuffer dst, final long position)
        {
            synchronized (MemorySegmentStorage.this)
            {
                if (position >= f.length)
                {
                    return -1;
                }
                final int n = (int)Math.min(dst.remaining(), f.length - position);
                dst.put(f.data, (int)position, n);
                return n;
            }
        }

        @Override
        public void force()
        {
            synchronized (MemorySegmentStorage.this)
            {
                f.syncedLength = f.length;
            }
        }

        @Override
        public long size()
        {
            synchronized (MemorySegmentStorage.this)
            {
                return f.length;
            }
        }

        @Override
        public void truncate(final long size)
        {
            synchronized (MemorySegmentStorage.this)
            {
                f.length = (int)Math.min(f.length, size);
                f.syncedLength = Math.min(f.syncedLength, f.length);
            }
        }

        @Override
        public void close()
        {
        }
    }
}

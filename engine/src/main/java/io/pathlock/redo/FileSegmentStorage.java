package io.pathlock.redo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@link SegmentStorage} over {@link FileChannel}: {@code force()} is {@code FileChannel.force(false)}
 * (fdatasync on Linux) and a directory sync is {@code force(true)} on the directory opened for reading
 * (fsync of the directory on Linux).
 * <p>
 * Thread-safe and stateless.
 */
public final class FileSegmentStorage implements SegmentStorage
{
    /** The shared instance. */
    public static final FileSegmentStorage INSTANCE = new FileSegmentStorage();

    private FileSegmentStorage()
    {
    }

    /**
     * {@inheritDoc}
     */
    public SegmentChannel openReadWrite(final Path file, final boolean createNew) throws IOException
    {
        final FileChannel channel = createNew ?
            FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE) :
            FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new FileSegmentChannel(channel);
    }

    /**
     * {@inheritDoc}
     */
    public SegmentChannel openReadOnly(final Path file) throws IOException
    {
        return new FileSegmentChannel(FileChannel.open(file, StandardOpenOption.READ));
    }

    /**
     * {@inheritDoc}
     */
    public void syncDirectory(final Path directory) throws IOException
    {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ))
        {
            channel.force(true);
        }
    }

    /**
     * {@inheritDoc}
     */
    public void delete(final Path file) throws IOException
    {
        Files.deleteIfExists(file);
    }

    static final class FileSegmentChannel implements SegmentChannel
    {
        private final FileChannel channel;

        FileSegmentChannel(final FileChannel channel)
        {
            this.channel = channel;
        }

        public int write(final ByteBuffer src, final long position) throws IOException
        {
            return channel.write(src, position);
        }

        public int read(final ByteBuffer dst, final long position) throws IOException
        {
            return channel.read(dst, position);
        }

        public void force() throws IOException
        {
            channel.force(false);
        }

        public long size() throws IOException
        {
            return channel.size();
        }

        public void truncate(final long size) throws IOException
        {
            channel.truncate(size);
        }

        public void close() throws IOException
        {
            channel.close();
        }
    }
}

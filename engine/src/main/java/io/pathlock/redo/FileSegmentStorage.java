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
final class FileSegmentStorage implements SegmentStorage
{
    /** The shared instance. */
    static final FileSegmentStorage INSTANCE = new FileSegmentStorage();

    private FileSegmentStorage()
    {
    }

    /**
     * {@inheritDoc}
     */
    public SegmentChannel openReadWrite(final Path file, final boolean createNew) throws IOException
    {
        if (!createNew)
        {
            requireRegularFile(file, "redo segment");
        }
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
        requireRegularFile(file, "redo segment");
        return new FileSegmentChannel(FileChannel.open(file, StandardOpenOption.READ));
    }

    /**
     * Refuses to open anything but a regular file (a symlink is not followed): opening a FIFO named
     * like a segment or lock file would block the caller forever, and java.nio has no
     * {@code O_NONBLOCK}. The redo directory belongs to the application, so the window between this
     * check and the open is not a boundary against another user; it stops accidents and planted
     * FIFOs that are already there.
     *
     * @param file the file.
     * @param what what it is, for the message.
     * @throws IOException naming the file and its type if it exists and is not a regular file.
     */
    static void requireRegularFile(final Path file, final String what) throws IOException
    {
        final java.nio.file.attribute.BasicFileAttributes a;
        try
        {
            a = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class,
                java.nio.file.LinkOption.NOFOLLOW_LINKS);
        }
        catch (final java.nio.file.NoSuchFileException e)
        {
            return;
        }
        if (!a.isRegularFile())
        {
            throw new RedoLogException(what + " " + file + " is not a regular file (" +
                (a.isDirectory() ? "a directory" : a.isSymbolicLink() ? "a symbolic link" : "a FIFO, socket or device") +
                "): refusing to open it; move it away");
        }
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

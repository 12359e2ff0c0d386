package io.pathlock.file.interop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * What {@code stat} (following symbolic links, as both dialects do) and a read see at one path,
 * without ever opening a FIFO or a device.
 */
final class LockFileProbe
{
    /** The kinds of thing a lock-file name can hold. */
    enum Kind
    {
        ABSENT, DIRECTORY, REGULAR, UNREADABLE, FIFO, SOCKET, DEVICE
    }

    /** Reads a regular file; a seam so tests can inject read errors (tests run as root). */
    @FunctionalInterface
    interface Reader
    {
        byte[] read(Path file) throws IOException;
    }

    static final Reader NIO = Files::readAllBytes;

    /**
     * @param kind   what is there
     * @param bytes  the content when {@code REGULAR}
     * @param detail the error or the file type, for the judgement's {@code why}
     */
    record Seen(Kind kind, byte[] bytes, String detail)
    {
    }

    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;
    private static final int S_IFSOCK = 0140000;

    private LockFileProbe()
    {
    }

    static Seen look(final Path file, final Reader reader)
    {
        final BasicFileAttributes attributes;
        try
        {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        }
        catch (final IOException e)
        {
            return new Seen(Kind.ABSENT, null, e.getClass().getSimpleName());
        }
        if (attributes.isDirectory())
        {
            return new Seen(Kind.DIRECTORY, null, "directory");
        }
        if (attributes.isOther())
        {
            final int format = unixMode(file) & S_IFMT;
            if (format == S_IFIFO)
            {
                return new Seen(Kind.FIFO, null, "FIFO");
            }
            if (format == S_IFSOCK)
            {
                return new Seen(Kind.SOCKET, null, "socket");
            }
            return new Seen(Kind.DEVICE, null, "device");
        }
        try
        {
            return new Seen(Kind.REGULAR, reader.read(file), "regular file");
        }
        catch (final IOException e)
        {
            return new Seen(Kind.UNREADABLE, null, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** @return true if anything, even a dangling symbolic link, has this name */
    static boolean entryExists(final Path file)
    {
        return file != null && Files.exists(file, LinkOption.NOFOLLOW_LINKS);
    }

    private static int unixMode(final Path file)
    {
        try
        {
            return (Integer)Files.getAttribute(file, "unix:mode");
        }
        catch (final IOException | UnsupportedOperationException e)
        {
            return 0;
        }
    }
}

package io.pathlock.posix;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A failed system call: the errno, the call's name and the path it was given.
 *
 * <p>{@link #check(int, String, Path)} is the one place where a {@code -errno} result code of a
 * {@link Posix} call becomes an exception. The errors a caller must tell apart each get a subclass,
 * so that they can be caught separately: {@link AlreadyExists} ({@code EEXIST}),
 * {@link NoSuchFile} ({@code ENOENT}), {@link AccessDenied} ({@code EACCES}, {@code EPERM}),
 * {@link NoSpace} ({@code ENOSPC}, {@code EDQUOT}) and {@link WouldBlock} ({@code EWOULDBLOCK}).
 * Every other errno is a plain {@code PosixException}.
 *
 * <p>Thread-safety: immutable.
 */
public class PosixException extends IOException
{
    private static final long serialVersionUID = 1L;

    /** Errno value, positive. */
    private final int errno;

    /** Name of the failed call, such as {@code "open"}. */
    private final String syscall;

    /** Path the call was given, or null for calls on a file descriptor. */
    private final String path;

    /**
     * Creates an exception for a failed call; prefer {@link #of(int, String, Object)}, which picks
     * the subclass.
     *
     * @param errno   errno value (a negative result code is accepted and negated).
     * @param syscall name of the failed call.
     * @param path    path the call was given, or null.
     */
    public PosixException(final int errno, final String syscall, final String path)
    {
        super(message(Math.abs(errno), syscall, path));
        this.errno = Math.abs(errno);
        this.syscall = syscall;
        this.path = path;
    }

    /**
     * Returns {@code result} when it is not negative, otherwise throws the exception for
     * {@code -result}.
     *
     * @param result  a result code of a {@link Posix} call.
     * @param syscall name of the call, for the message.
     * @param path    path the call was given, or null.
     * @return {@code result}, when it is {@code >= 0}.
     * @throws PosixException when {@code result < 0}.
     */
    public static int check(final int result, final String syscall, final Path path) throws PosixException
    {
        if (result < 0)
        {
            throw of(-result, syscall, path);
        }
        return result;
    }

    /**
     * Returns {@code result} when it is not negative, otherwise throws the exception for
     * {@code -result}; for calls on a file descriptor.
     *
     * @param result  a result code of a {@link Posix} call.
     * @param syscall name of the call, for the message.
     * @param fd      descriptor the call was given, named in the message.
     * @return {@code result}, when it is {@code >= 0}.
     * @throws PosixException when {@code result < 0}.
     */
    public static int check(final int result, final String syscall, final int fd) throws PosixException
    {
        if (result < 0)
        {
            throw of(-result, syscall, "fd " + fd);
        }
        return result;
    }

    /**
     * Creates the exception for an errno value, choosing the subclass.
     *
     * @param errno   errno value (a negative result code is accepted and negated).
     * @param syscall name of the failed call.
     * @param path    the path (or anything whose {@code toString} names the target), or null.
     * @return the exception; never null.
     */
    public static PosixException of(final int errno, final String syscall, final Object path)
    {
        final int e = Math.abs(errno);
        final String p = path == null ? null : path.toString();
        switch (e)
        {
            case Errno.EEXIST:
                return new AlreadyExists(syscall, p);
            case Errno.ENOENT:
                return new NoSuchFile(syscall, p);
            case Errno.EACCES:
            case Errno.EPERM:
                return new AccessDenied(e, syscall, p);
            case Errno.ENOSPC:
            case Errno.EDQUOT:
                return new NoSpace(e, syscall, p);
            case Errno.EWOULDBLOCK:
                return new WouldBlock(syscall, p);
            default:
                return new PosixException(e, syscall, p);
        }
    }

    /**
     * The errno value.
     *
     * @return positive errno value (Linux numbering, see {@link Errno}).
     */
    public int errno()
    {
        return errno;
    }

    /**
     * Symbolic name of the errno value.
     *
     * @return such as {@code "EEXIST"}.
     */
    public String errnoName()
    {
        return Errno.name(errno);
    }

    /**
     * Name of the failed call.
     *
     * @return such as {@code "open"} or {@code "flock"}.
     */
    public String syscall()
    {
        return syscall;
    }

    /**
     * The path the call was given.
     *
     * @return the path, {@code "fd N"} for calls on a descriptor, or null.
     */
    public String path()
    {
        return path;
    }

    private static String message(final int errno, final String syscall, final String path)
    {
        return syscall + (path == null ? "" : "(" + path + ")") + ": " + Errno.name(errno) +
            " (" + Errno.describe(errno) + ")";
    }

    /** {@code EEXIST}: the path already exists (exclusive create, {@code link}, {@code mkdir}). */
    public static final class AlreadyExists extends PosixException
    {
        private static final long serialVersionUID = 1L;

        /**
         * Creates the exception.
         *
         * @param syscall name of the failed call.
         * @param path    the path, or null.
         */
        public AlreadyExists(final String syscall, final String path)
        {
            super(Errno.EEXIST, syscall, path);
        }
    }

    /** {@code ENOENT}: the path, or a directory on the way to it, does not exist. */
    public static final class NoSuchFile extends PosixException
    {
        private static final long serialVersionUID = 1L;

        /**
         * Creates the exception.
         *
         * @param syscall name of the failed call.
         * @param path    the path, or null.
         */
        public NoSuchFile(final String syscall, final String path)
        {
            super(Errno.ENOENT, syscall, path);
        }
    }

    /**
     * {@code EACCES} (permission bits deny it) or {@code EPERM} (the operation is forbidden
     * whatever the permissions, for example in an immutable directory).
     */
    public static final class AccessDenied extends PosixException
    {
        private static final long serialVersionUID = 1L;

        /**
         * Creates the exception.
         *
         * @param errno   {@link Errno#EACCES} or {@link Errno#EPERM}.
         * @param syscall name of the failed call.
         * @param path    the path, or null.
         */
        public AccessDenied(final int errno, final String syscall, final String path)
        {
            super(errno, syscall, path);
        }
    }

    /** {@code ENOSPC} or {@code EDQUOT}: no room left on the device or in the quota. */
    public static final class NoSpace extends PosixException
    {
        private static final long serialVersionUID = 1L;

        /**
         * Creates the exception.
         *
         * @param errno   {@link Errno#ENOSPC} or {@link Errno#EDQUOT}.
         * @param syscall name of the failed call.
         * @param path    the path, or null.
         */
        public NoSpace(final int errno, final String syscall, final String path)
        {
            super(errno, syscall, path);
        }
    }

    /** {@code EWOULDBLOCK}: a non-blocking {@code flock} found the lock held by someone else. */
    public static final class WouldBlock extends PosixException
    {
        private static final long serialVersionUID = 1L;

        /**
         * Creates the exception.
         *
         * @param syscall name of the failed call.
         * @param path    the path, or null.
         */
        public WouldBlock(final String syscall, final String path)
        {
            super(Errno.EWOULDBLOCK, syscall, path);
        }
    }
}

package io.pathlock.posix;

/**
 * The {@code errno} values that the {@link Posix} backends report, with their Linux numbers.
 *
 * <p>All backends use these numbers whatever the platform: the JNI library only exists for Linux,
 * {@link JnrPosix} translates other platforms' numbers by name, and {@link NioPosix} derives them
 * from the JDK's exceptions.
 *
 * <p>Thread-safety: constants and pure functions only.
 */
public final class Errno
{
    /** Operation not permitted. */
    public static final int EPERM = 1;

    /** No such file or directory. */
    public static final int ENOENT = 2;

    /** Interrupted system call. */
    public static final int EINTR = 4;

    /** Input/output error. */
    public static final int EIO = 5;

    /** No such device or address ({@code open} of a socket, or of a FIFO for writing without a reader). */
    public static final int ENXIO = 6;

    /** Bad file descriptor. */
    public static final int EBADF = 9;

    /** Resource temporarily unavailable; the same number as {@link #EWOULDBLOCK} on Linux. */
    public static final int EAGAIN = 11;

    /** Operation would block (a non-blocking {@code flock} found the lock held). */
    public static final int EWOULDBLOCK = EAGAIN;

    /** Cannot allocate memory. */
    public static final int ENOMEM = 12;

    /** Permission denied. */
    public static final int EACCES = 13;

    /** Bad address. */
    public static final int EFAULT = 14;

    /** File exists. */
    public static final int EEXIST = 17;

    /** Invalid cross-device link. */
    public static final int EXDEV = 18;

    /** Not a directory. */
    public static final int ENOTDIR = 20;

    /** Is a directory. */
    public static final int EISDIR = 21;

    /** Invalid argument. */
    public static final int EINVAL = 22;

    /** Too many open files in the system. */
    public static final int ENFILE = 23;

    /** Too many open files. */
    public static final int EMFILE = 24;

    /** File too large (also: a file larger than the caller's read buffer). */
    public static final int EFBIG = 27;

    /** No space left on device. */
    public static final int ENOSPC = 28;

    /** Read-only file system. */
    public static final int EROFS = 30;

    /** Too many links. */
    public static final int EMLINK = 31;

    /** File name too long. */
    public static final int ENAMETOOLONG = 36;

    /** Function not implemented. */
    public static final int ENOSYS = 38;

    /** Directory not empty. */
    public static final int ENOTEMPTY = 39;

    /** Too many levels of symbolic links. */
    public static final int ELOOP = 40;

    /** Value too large for defined data type. */
    public static final int EOVERFLOW = 75;

    /** Operation not supported. */
    public static final int EOPNOTSUPP = 95;

    /** Stale file handle. */
    public static final int ESTALE = 116;

    /** Disk quota exceeded. */
    public static final int EDQUOT = 122;

    private static final String[] NAMES = new String[128];
    private static final String[] DESCRIPTIONS = new String[128];

    static
    {
        define(EPERM, "EPERM", "Operation not permitted");
        define(ENOENT, "ENOENT", "No such file or directory");
        define(EINTR, "EINTR", "Interrupted system call");
        define(EIO, "EIO", "Input/output error");
        define(ENXIO, "ENXIO", "No such device or address");
        define(EBADF, "EBADF", "Bad file descriptor");
        define(EWOULDBLOCK, "EWOULDBLOCK", "Resource temporarily unavailable");
        define(ENOMEM, "ENOMEM", "Cannot allocate memory");
        define(EACCES, "EACCES", "Permission denied");
        define(EFAULT, "EFAULT", "Bad address");
        define(EEXIST, "EEXIST", "File exists");
        define(EXDEV, "EXDEV", "Invalid cross-device link");
        define(ENOTDIR, "ENOTDIR", "Not a directory");
        define(EISDIR, "EISDIR", "Is a directory");
        define(EINVAL, "EINVAL", "Invalid argument");
        define(ENFILE, "ENFILE", "Too many open files in system");
        define(EMFILE, "EMFILE", "Too many open files");
        define(EFBIG, "EFBIG", "File too large");
        define(ENOSPC, "ENOSPC", "No space left on device");
        define(EROFS, "EROFS", "Read-only file system");
        define(EMLINK, "EMLINK", "Too many links");
        define(ENAMETOOLONG, "ENAMETOOLONG", "File name too long");
        define(ENOSYS, "ENOSYS", "Function not implemented");
        define(ENOTEMPTY, "ENOTEMPTY", "Directory not empty");
        define(ELOOP, "ELOOP", "Too many levels of symbolic links");
        define(EOVERFLOW, "EOVERFLOW", "Value too large for defined data type");
        define(EOPNOTSUPP, "EOPNOTSUPP", "Operation not supported");
        define(ESTALE, "ESTALE", "Stale file handle");
        define(EDQUOT, "EDQUOT", "Disk quota exceeded");
    }

    private Errno()
    {
    }

    private static void define(final int errno, final String name, final String description)
    {
        NAMES[errno] = name;
        DESCRIPTIONS[errno] = description;
    }

    /**
     * Symbolic name of an errno value.
     *
     * @param errno positive errno value (a negative result code is accepted and negated).
     * @return the name, such as {@code "EEXIST"}, or {@code "errno 123"} for a value not listed here.
     */
    public static String name(final int errno)
    {
        final int e = Math.abs(errno);
        return e < NAMES.length && NAMES[e] != null ? NAMES[e] : "errno " + e;
    }

    /**
     * The {@code strerror(3)} text of an errno value (as glibc prints it in the C locale).
     *
     * @param errno positive errno value (a negative result code is accepted and negated).
     * @return the description, or {@code "Unknown error N"}.
     */
    public static String describe(final int errno)
    {
        final int e = Math.abs(errno);
        return e < DESCRIPTIONS.length && DESCRIPTIONS[e] != null ? DESCRIPTIONS[e] : "Unknown error " + e;
    }

    /**
     * Looks an errno value up by its symbolic name.
     *
     * @param name such as {@code "EEXIST"}; {@code "EAGAIN"} and {@code "EWOULDBLOCK"} are the same.
     * @return the positive value, or 0 when the name is not listed here.
     */
    public static int fromName(final String name)
    {
        if ("EAGAIN".equals(name))
        {
            return EAGAIN;
        }
        for (int i = 0; i < NAMES.length; i++)
        {
            if (name.equals(NAMES[i]))
            {
                return i;
            }
        }
        return 0;
    }

    /**
     * Looks an errno value up by its {@code strerror(3)} text, which is what the JDK puts in
     * {@link java.nio.file.FileSystemException#getReason()} and in many {@link java.io.IOException}
     * messages.
     *
     * @param description such as {@code "No space left on device"}; may be null.
     * @return the positive value, or 0 when the text is not recognised.
     */
    public static int fromDescription(final String description)
    {
        if (description == null)
        {
            return 0;
        }
        for (int i = 0; i < DESCRIPTIONS.length; i++)
        {
            if (DESCRIPTIONS[i] != null && description.contains(DESCRIPTIONS[i]))
            {
                return i;
            }
        }
        return 0;
    }
}

package io.pathlock.posix;

/**
 * The result of {@link Posix#stat}, {@link Posix#lstat} and {@link Posix#fstat}: the fields of
 * {@code struct stat} the lock-file store needs.
 *
 * <p>Meant to be reused: a caller keeps one instance and passes it to every call, which overwrites
 * all fields on success and leaves them untouched on failure.
 *
 * <p>Thread-safety: not thread-safe; confine an instance to one thread.
 */
public final class PosixStat
{
    /** Mask of the file-type bits of {@link #mode()}. */
    public static final int S_IFMT = 0170000;

    /** File type: regular file. */
    public static final int S_IFREG = 0100000;

    /** File type: directory. */
    public static final int S_IFDIR = 0040000;

    /** File type: symbolic link. */
    public static final int S_IFLNK = 0120000;

    /** File type: FIFO (named pipe). */
    public static final int S_IFIFO = 0010000;

    /** File type: socket. */
    public static final int S_IFSOCK = 0140000;

    /** File type: character device. */
    public static final int S_IFCHR = 0020000;

    /** File type: block device. */
    public static final int S_IFBLK = 0060000;

    private long ino;
    private long dev;
    private long size;
    private int mode;
    private long mtimeNanos;
    private long nlink;
    private int uid;

    /**
     * Creates an empty instance, all fields zero.
     */
    public PosixStat()
    {
    }

    /**
     * Overwrites every field; used by the backends.
     *
     * @param ino        inode number.
     * @param dev        device id.
     * @param size       size in bytes.
     * @param mode       {@code st_mode}.
     * @param mtimeNanos modification time, nanoseconds since the epoch.
     * @param nlink      hard-link count.
     * @param uid        owner.
     * @return this.
     */
    public PosixStat set(
        final long ino,
        final long dev,
        final long size,
        final int mode,
        final long mtimeNanos,
        final long nlink,
        final int uid)
    {
        this.ino = ino;
        this.dev = dev;
        this.size = size;
        this.mode = mode;
        this.mtimeNanos = mtimeNanos;
        this.nlink = nlink;
        this.uid = uid;
        return this;
    }

    /**
     * Inode number.
     *
     * @return {@code st_ino}.
     */
    public long ino()
    {
        return ino;
    }

    /**
     * Device id of the file system holding the file.
     *
     * @return {@code st_dev}.
     */
    public long dev()
    {
        return dev;
    }

    /**
     * Size in bytes.
     *
     * @return {@code st_size}.
     */
    public long size()
    {
        return size;
    }

    /**
     * File type and permission bits.
     *
     * @return {@code st_mode}.
     */
    public int mode()
    {
        return mode;
    }

    /**
     * Modification time.
     *
     * @return {@code st_mtim} in nanoseconds since the epoch.
     */
    public long mtimeNanos()
    {
        return mtimeNanos;
    }

    /**
     * Hard-link count; 0 for an open file that has been unlinked.
     *
     * @return {@code st_nlink}.
     */
    public long nlink()
    {
        return nlink;
    }

    /**
     * Owner.
     *
     * @return {@code st_uid}.
     */
    public int uid()
    {
        return uid;
    }

    /**
     * Whether this describes a regular file.
     *
     * @return true for {@code S_IFREG}.
     */
    public boolean isRegularFile()
    {
        return (mode & S_IFMT) == S_IFREG;
    }

    /**
     * Whether this describes a directory.
     *
     * @return true for {@code S_IFDIR}.
     */
    public boolean isDirectory()
    {
        return (mode & S_IFMT) == S_IFDIR;
    }

    /**
     * Whether this describes a symbolic link (only {@link Posix#lstat} can say so).
     *
     * @return true for {@code S_IFLNK}.
     */
    public boolean isSymbolicLink()
    {
        return (mode & S_IFMT) == S_IFLNK;
    }

    /**
     * Whether both describe the same file: same device and inode. This is the identity the lock-file
     * store compares to tell its own lock file from one re-created at the same path.
     *
     * @param other another result.
     * @return true when device and inode are equal.
     */
    public boolean sameFile(final PosixStat other)
    {
        return ino == other.ino && dev == other.dev;
    }

    /**
     * Copies every field of {@code other} into this.
     *
     * @param other the source.
     * @return this.
     */
    public PosixStat copyFrom(final PosixStat other)
    {
        return set(other.ino, other.dev, other.size, other.mode, other.mtimeNanos, other.nlink, other.uid);
    }

    /** {@inheritDoc} */
    @Override
    public String toString()
    {
        return "PosixStat{ino=" + ino + ", dev=" + dev + ", size=" + size + ", mode=0" +
            Integer.toOctalString(mode) + ", mtimeNanos=" + mtimeNanos + ", nlink=" + nlink + ", uid=" + uid + '}';
    }
}

package io.pathlock.posix;

import io.pathlock.nativeio.NativeLoader;
import io.pathlock.nativeio.PathlockNative;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * {@link Posix} over {@code libpathlock.so} through JNI ({@link PathlockNative}): one JNI crossing
 * per call, the C library does the syscalls, including the whole exclusive create + write and the
 * whole directory walk.
 *
 * <p>Costs per call, beyond the syscalls: the path's conversion to bytes (one allocation), and for
 * the stat family a reused thread-local {@code long[]}.
 *
 * <p>Thread-safety: thread-safe and stateless apart from the thread-local stat buffer.
 */
public final class JniPosix implements Posix
{
    private static final ThreadLocal<long[]> STAT_BUFFER =
        ThreadLocal.withInitial(() -> new long[PathlockNative.STAT_LENGTH]);

    /**
     * Creates the backend.
     *
     * @throws IllegalStateException when the native library is not loaded; the cause is
     *                               {@link NativeLoader#unavailabilityCause()}.
     */
    public JniPosix()
    {
        if (!NativeLoader.isAvailable())
        {
            throw new IllegalStateException(
                "native library unavailable: " + NativeLoader.unavailabilityCause(), NativeLoader.unavailabilityCause());
        }
    }

    /** {@inheritDoc} */
    @Override
    public PosixBackend backend()
    {
        return PosixBackend.JNI;
    }

    /** {@inheritDoc} */
    @Override
    public boolean supportsFlock()
    {
        return true;
    }

    /** {@inheritDoc} */
    @Override
    public boolean supportsFutex()
    {
        return true;
    }

    /** {@inheritDoc} */
    @Override
    public int futexWait(final long address, final int expected, final long timeoutNanos)
    {
        return PathlockNative.futexWait(address, expected, timeoutNanos);
    }

    /** {@inheritDoc} */
    @Override
    public int futexWake(final long address, final int count)
    {
        return PathlockNative.futexWake(address, count);
    }

    /** {@inheritDoc} */
    @Override
    public boolean hasRealFileDescriptors()
    {
        return true;
    }

    /** {@inheritDoc} */
    @Override
    public int createExclusive(final Path path, final byte[] content, final int length, final int mode, final int flags)
    {
        Objects.requireNonNull(content, "content");
        return PathlockNative.createExclusive(PosixPaths.bytes(path), content, length, mode, flags);
    }

    /** {@inheritDoc} */
    @Override
    public int openRead(final Path path)
    {
        return PathlockNative.openRead(PosixPaths.bytes(path));
    }

    /** {@inheritDoc} */
    @Override
    public int readFile(final Path path, final byte[] dst)
    {
        return PathlockNative.readFile(PosixPaths.bytes(path), Objects.requireNonNull(dst, "dst"));
    }

    /** {@inheritDoc} */
    @Override
    public int preadAll(final int fd, final byte[] dst)
    {
        return PathlockNative.preadAll(fd, Objects.requireNonNull(dst, "dst"));
    }

    /** {@inheritDoc} */
    @Override
    public int stat(final Path path, final PosixStat out)
    {
        final long[] buffer = STAT_BUFFER.get();
        return fill(PathlockNative.stat(PosixPaths.bytes(path), buffer), buffer, out);
    }

    /** {@inheritDoc} */
    @Override
    public int lstat(final Path path, final PosixStat out)
    {
        final long[] buffer = STAT_BUFFER.get();
        return fill(PathlockNative.lstat(PosixPaths.bytes(path), buffer), buffer, out);
    }

    /** {@inheritDoc} */
    @Override
    public int fstat(final int fd, final PosixStat out)
    {
        final long[] buffer = STAT_BUFFER.get();
        return fill(PathlockNative.fstat(fd, buffer), buffer, out);
    }

    /** {@inheritDoc} */
    @Override
    public int link(final Path existing, final Path newPath)
    {
        return PathlockNative.link(PosixPaths.bytes(existing), PosixPaths.bytes(newPath));
    }

    /** {@inheritDoc} */
    @Override
    public int rename(final Path from, final Path to)
    {
        return PathlockNative.rename(PosixPaths.bytes(from), PosixPaths.bytes(to));
    }

    /** {@inheritDoc} */
    @Override
    public int unlink(final Path path)
    {
        return PathlockNative.unlink(PosixPaths.bytes(path));
    }

    /** {@inheritDoc} */
    @Override
    public int mkdir(final Path path, final int mode)
    {
        return PathlockNative.mkdir(PosixPaths.bytes(path), mode);
    }

    /** {@inheritDoc} */
    @Override
    public int flock(final int fd, final int operation)
    {
        return PathlockNative.flock(fd, operation);
    }

    /** {@inheritDoc} */
    @Override
    public int fsync(final int fd)
    {
        return PathlockNative.fsync(fd);
    }

    /** {@inheritDoc} */
    @Override
    public int fdatasync(final int fd)
    {
        return PathlockNative.fdatasync(fd);
    }

    /** {@inheritDoc} */
    @Override
    public int fsyncDirectory(final Path dir)
    {
        return PathlockNative.fsyncDirectory(PosixPaths.bytes(dir));
    }

    /** {@inheritDoc} */
    @Override
    public int close(final int fd)
    {
        return PathlockNative.close(fd);
    }

    /** {@inheritDoc} */
    @Override
    public int getpid()
    {
        return PathlockNative.getpid();
    }

    /** {@inheritDoc} */
    @Override
    public int findFiles(final Path start, final String fileName, final String skipDirName, final List<Path> out)
    {
        Objects.requireNonNull(out, "out");
        final byte[] startBytes = PosixPaths.bytes(start);
        if (!PosixPaths.isValidName(fileName, false) || !PosixPaths.isValidName(skipDirName, true))
        {
            return -Errno.EINVAL;
        }
        final byte[][] result = new byte[1][];
        final int rc = PathlockNative.findFiles(
            startBytes, PosixPaths.nameBytes(fileName), PosixPaths.nameBytes(skipDirName), result);
        if (rc < 0)
        {
            return rc;
        }
        return PosixPaths.splitNulTerminated(result[0], out);
    }

    /** {@inheritDoc} */
    @Override
    public int openDirectory(final Path dir)
    {
        return PathlockNative.openDirectory(PosixPaths.bytes(dir));
    }

    /** {@inheritDoc} */
    @Override
    public int openDirAt(final int dirFd, final byte[] name)
    {
        return PathlockNative.openDirAt(dirFd, Objects.requireNonNull(name, "name"));
    }

    /** {@inheritDoc} */
    @Override
    public int fstatAt(final int dirFd, final byte[] name, final PosixStat out)
    {
        Objects.requireNonNull(out, "out");
        final long[] buffer = STAT_BUFFER.get();
        return fill(PathlockNative.fstatAt(dirFd, Objects.requireNonNull(name, "name"), buffer), buffer, out);
    }

    /** {@inheritDoc} */
    @Override
    public int openReadAt(final int dirFd, final byte[] name, final PosixStat out)
    {
        Objects.requireNonNull(out, "out");
        final long[] buffer = STAT_BUFFER.get();
        final int fd = PathlockNative.openReadAt(dirFd, Objects.requireNonNull(name, "name"), buffer);
        fill(fd < 0 ? fd : 0, buffer, out);
        return fd;
    }

    /** {@inheritDoc} */
    @Override
    public int createExclusiveAt(final int dirFd, final byte[] name, final byte[] content, final int length,
        final int mode, final int flags)
    {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(content, "content");
        return PathlockNative.createExclusiveAt(dirFd, name, content, length, mode, flags);
    }

    /** {@inheritDoc} */
    @Override
    public int linkAt(final int oldDirFd, final byte[] oldName, final int newDirFd, final byte[] newName)
    {
        return PathlockNative.linkAt(
            oldDirFd, Objects.requireNonNull(oldName, "oldName"), newDirFd, Objects.requireNonNull(newName, "newName"));
    }

    /** {@inheritDoc} */
    @Override
    public int renameAt(final int oldDirFd, final byte[] oldName, final int newDirFd, final byte[] newName)
    {
        return PathlockNative.renameAt(
            oldDirFd, Objects.requireNonNull(oldName, "oldName"), newDirFd, Objects.requireNonNull(newName, "newName"));
    }

    /** {@inheritDoc} */
    @Override
    public int unlinkAt(final int dirFd, final byte[] name)
    {
        return PathlockNative.unlinkAt(dirFd, Objects.requireNonNull(name, "name"));
    }

    /** {@inheritDoc} */
    @Override
    public int mkdirAt(final int dirFd, final byte[] name, final int mode)
    {
        return PathlockNative.mkdirAt(dirFd, Objects.requireNonNull(name, "name"), mode);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The walk runs in C ({@link PathlockNative#walkAt}); each match and error is one JNI
     * up-call with a new {@code byte[]} of the relative path. An exception thrown by the visitor
     * stops the walk and propagates to the caller.
     */
    @Override
    public int walkAt(final int dirFd, final byte[][] suffixes, final byte[][] prefixes, final byte[] skipDirName,
        final WalkVisitor visitor)
    {
        Objects.requireNonNull(visitor, "visitor");
        return PathlockNative.walkAt(dirFd, suffixes, prefixes, skipDirName, new VisitorBridge(visitor));
    }

    /** Hands the native walk's up-calls to a {@link Posix.WalkVisitor}. */
    private static final class VisitorBridge implements PathlockNative.WalkCallback
    {
        private final WalkVisitor visitor;

        VisitorBridge(final WalkVisitor visitor)
        {
            this.visitor = visitor;
        }

        @Override
        public boolean match(final byte[] relativePath, final int fileType)
        {
            return visitor.match(relativePath, fileType);
        }

        @Override
        public boolean error(final byte[] relativePath, final int errno)
        {
            return visitor.error(relativePath, errno);
        }
    }

    private static int fill(final int rc, final long[] buffer, final PosixStat out)
    {
        if (rc == 0)
        {
            out.set(
                buffer[PathlockNative.STAT_INO],
                buffer[PathlockNative.STAT_DEV],
                buffer[PathlockNative.STAT_SIZE],
                (int)buffer[PathlockNative.STAT_MODE],
                buffer[PathlockNative.STAT_MTIME_NANOS],
                buffer[PathlockNative.STAT_NLINK],
                (int)buffer[PathlockNative.STAT_UID]);
        }
        return rc;
    }
}

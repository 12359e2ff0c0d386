package io.pathlock.posix;

import jnr.constants.platform.OpenFlags;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Platform;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.posix.FileStat;
import jnr.posix.NanosecondFileStat;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * {@link Posix} over jnr-posix's native binding to libc ({@link POSIXFactory#getNativePOSIX()}).
 *
 * <p>The native binding, not {@link POSIXFactory#getPOSIX()}: that one wraps the binding in a
 * checked wrapper that throws instead of returning codes and whose {@code fdatasync} calls
 * {@code fsync}. Each call here is one or a few foreign calls; the exclusive create + write, the
 * read loops and the walk are done in Java over single syscalls, so they cost a few foreign-call
 * crossings where {@link JniPosix} costs one.
 *
 * <p>jnr-posix has no {@code readdir}, so {@link #findFiles} binds {@code openat}, {@code fdopendir},
 * {@code readdir} and {@code closedir} itself through jnr-ffi and reads {@code struct dirent} with
 * the layout of x86-64 and aarch64 Linux. On any other platform, or if that binding cannot load, it walks
 * with java.nio instead ({@link #hasNativeWalk()}).
 *
 * <p>Errno values are translated to Linux numbers by name when the platform is not Linux.
 *
 * <p>Thread-safety: thread-safe; per-thread scratch buffers are thread-local.
 */
public final class JnrPosix implements Posix
{
    /** Offset of {@code d_type} in glibc's {@code struct dirent} on 64-bit Linux. */
    private static final int DIRENT_D_TYPE_OFFSET = 18;

    /** Offset of {@code d_name} in glibc's {@code struct dirent} on 64-bit Linux. */
    private static final int DIRENT_D_NAME_OFFSET = 19;

    private static final byte DT_UNKNOWN = 0;
    private static final byte DT_DIR = 4;
    private static final byte DT_REG = 8;

    private static final int SCRATCH_INITIAL = 8192;

    private final POSIX posix;
    private final boolean linux;
    private final DirLib dirLib;
    private final Runtime dirRuntime;
    private final int createFlags;
    private final int readFlags;
    private final int dirFlags;
    private final int subDirFlags;
    private final ThreadLocal<byte[]> scratch = ThreadLocal.withInitial(() -> new byte[SCRATCH_INITIAL]);
    private final ThreadLocal<FileStat> statBuffer;

    /**
     * The libc functions that jnr-posix does not bind, for {@link #findFiles}. Paths are
     * NUL-terminated byte arrays.
     */
    public interface DirLib
    {
        /**
         * {@code openat(2)}.
         *
         * @param dirfd directory descriptor.
         * @param path  NUL-terminated name.
         * @param flags open flags.
         * @return descriptor or -1.
         */
        int openat(int dirfd, @In byte[] path, int flags);

        /**
         * {@code fdopendir(3)}.
         *
         * @param fd directory descriptor, owned by the stream afterwards.
         * @return the stream or null.
         */
        Pointer fdopendir(int fd);

        /**
         * {@code readdir(3)}.
         *
         * @param dir the stream.
         * @return the next entry, or null at the end or on error.
         */
        Pointer readdir(Pointer dir);

        /**
         * {@code dirfd(3)}.
         *
         * @param dir the stream.
         * @return its descriptor.
         */
        int dirfd(Pointer dir);

        /**
         * {@code closedir(3)}; closes the descriptor too.
         *
         * @param dir the stream.
         * @return 0 or -1.
         */
        int closedir(Pointer dir);
    }

    /**
     * Creates the backend.
     *
     * @throws IllegalStateException when jnr-posix cannot bind libc natively on this platform.
     */
    public JnrPosix()
    {
        final POSIX p;
        try
        {
            p = POSIXFactory.getNativePOSIX();
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("jnr-posix native binding failed to load: " + t, t);
        }
        if (p == null || !p.isNative())
        {
            throw new IllegalStateException("jnr-posix has no native binding for this platform");
        }
        posix = p;
        statBuffer = ThreadLocal.withInitial(posix::allocateStat);
        final Platform platform = Platform.getNativePlatform();
        linux = platform.getOS() == Platform.OS.LINUX;

        final int cloexec = OpenFlags.O_CLOEXEC.defined() ? OpenFlags.O_CLOEXEC.intValue() : 0;
        createFlags = OpenFlags.O_CREAT.intValue() | OpenFlags.O_EXCL.intValue() | OpenFlags.O_WRONLY.intValue() | cloexec;
        readFlags = OpenFlags.O_RDONLY.intValue() | cloexec;
        dirFlags = readFlags | OpenFlags.O_DIRECTORY.intValue();
        subDirFlags = dirFlags | OpenFlags.O_NOFOLLOW.intValue();

        DirLib lib = null;
        Runtime runtime = null;
        if (linux && (platform.getCPU() == Platform.CPU.X86_64 || platform.getCPU() == Platform.CPU.AARCH64))
        {
            try
            {
                lib = LibraryLoader.create(DirLib.class)
                    .option(LibraryOption.SaveError, Boolean.TRUE)
                    .load(POSIXFactory.STANDARD_C_LIBRARY_NAME);
                runtime = Runtime.getRuntime(lib);
            }
            catch (final Throwable t)
            {
                lib = null;
                runtime = null;
            }
        }
        dirLib = lib;
        dirRuntime = runtime;
    }

    /**
     * Whether {@link #findFiles} walks with libc's {@code readdir} (true) or with java.nio (false).
     *
     * @return true for the native walk.
     */
    public boolean hasNativeWalk()
    {
        return dirLib != null;
    }

    /** {@inheritDoc} */
    @Override
    public PosixBackend backend()
    {
        return PosixBackend.JNR;
    }

    /** {@inheritDoc} */
    @Override
    public boolean supportsFlock()
    {
        return true;
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
        if (length < 0 || length > content.length)
        {
            return -Errno.EINVAL;
        }
        final String p = path.toString();
        final int fd = open(p, createFlags, mode & 07777);
        if (fd < 0)
        {
            return fd;
        }
        int rc = 0;
        if ((flags & CREATE_LOCK_EXCLUSIVE) != 0)
        {
            rc = flock(fd, LOCK_EX | LOCK_NB);
        }
        if (rc == 0)
        {
            rc = writeAll(fd, content, length);
        }
        if (rc == 0 && (flags & CREATE_SYNC_DATA) != 0)
        {
            rc = fdatasync(fd);
        }
        if (rc != 0)
        {
            unlinkIfSame(p, fd);
            close(fd);
            return rc;
        }
        return fd;
    }

    /** {@inheritDoc} */
    @Override
    public int openRead(final Path path)
    {
        return open(path.toString(), readFlags, 0);
    }

    /** {@inheritDoc} */
    @Override
    public int readFile(final Path path, final byte[] dst)
    {
        Objects.requireNonNull(dst, "dst");
        final int fd = open(path.toString(), readFlags, 0);
        if (fd < 0)
        {
            return fd;
        }
        final int n = readAll(fd, dst, false);
        close(fd);
        return n;
    }

    /** {@inheritDoc} */
    @Override
    public int preadAll(final int fd, final byte[] dst)
    {
        return readAll(fd, Objects.requireNonNull(dst, "dst"), true);
    }

    /** {@inheritDoc} */
    @Override
    public int stat(final Path path, final PosixStat out)
    {
        final FileStat st = statBuffer.get();
        return fill(posix.stat(path.toString(), st), st, out);
    }

    /** {@inheritDoc} */
    @Override
    public int lstat(final Path path, final PosixStat out)
    {
        final FileStat st = statBuffer.get();
        return fill(posix.lstat(path.toString(), st), st, out);
    }

    /** {@inheritDoc} */
    @Override
    public int fstat(final int fd, final PosixStat out)
    {
        final FileStat st = statBuffer.get();
        return fill(posix.fstat(fd, st), st, out);
    }

    /** {@inheritDoc} */
    @Override
    public int link(final Path existing, final Path newPath)
    {
        return result(posix.link(existing.toString(), newPath.toString()));
    }

    /** {@inheritDoc} */
    @Override
    public int rename(final Path from, final Path to)
    {
        return result(posix.rename(from.toString(), to.toString()));
    }

    /** {@inheritDoc} */
    @Override
    public int unlink(final Path path)
    {
        return result(posix.unlink(path.toString()));
    }

    /** {@inheritDoc} */
    @Override
    public int mkdir(final Path path, final int mode)
    {
        // through libc(): POSIX.mkdir reports a failure to its handler, which throws
        return result(posix.libc().mkdir(path.toString(), mode & 07777));
    }

    /** {@inheritDoc} */
    @Override
    public int flock(final int fd, final int operation)
    {
        for (;;)
        {
            final int rc = result(posix.flock(fd, operation));
            if (rc != -Errno.EINTR)
            {
                return rc;
            }
        }
    }

    /** {@inheritDoc} */
    @Override
    public int fsync(final int fd)
    {
        for (;;)
        {
            final int rc = result(posix.fsync(fd));
            if (rc != -Errno.EINTR)
            {
                return rc;
            }
        }
    }

    /** {@inheritDoc} */
    @Override
    public int fdatasync(final int fd)
    {
        for (;;)
        {
            final int rc = result(posix.fdatasync(fd));
            if (rc != -Errno.EINTR)
            {
                return rc;
            }
        }
    }

    /** {@inheritDoc} */
    @Override
    public int fsyncDirectory(final Path dir)
    {
        final int fd = open(dir.toString(), dirFlags, 0);
        if (fd < 0)
        {
            return fd;
        }
        final int rc = fsync(fd);
        final int closed = close(fd);
        return rc != 0 ? rc : closed;
    }

    /** {@inheritDoc} */
    @Override
    public int close(final int fd)
    {
        // EINTR counts as success: Linux has released the descriptor before it reports EINTR, and
        // retrying could close a descriptor number that another thread has just been given.
        final int rc = result(posix.close(fd));
        return rc == -Errno.EINTR ? 0 : rc;
    }

    /** {@inheritDoc} */
    @Override
    public int getpid()
    {
        return posix.getpid();
    }

    /** {@inheritDoc} */
    @Override
    public int findFiles(final Path start, final String fileName, final String skipDirName, final List<Path> out)
    {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(out, "out");
        if (!PosixPaths.isValidName(fileName, false) || !PosixPaths.isValidName(skipDirName, true))
        {
            return -Errno.EINVAL;
        }
        if (dirLib == null)
        {
            return NioPosix.walk(start, fileName, skipDirName, out);
        }
        final int fd = open(start.toString(), dirFlags, 0);
        if (fd < 0)
        {
            return fd;
        }
        final List<Path> found = new ArrayList<>();
        final byte[] name = fileName.getBytes(PosixPaths.CHARSET);
        final byte[] skip = skipDirName == null ? null : skipDirName.getBytes(PosixPaths.CHARSET);
        final int rc = walkDir(fd, "", new WalkSpec(start.toString(), name, skip, found));
        if (rc < 0)
        {
            return rc;
        }
        out.addAll(found);
        return found.size();
    }

    /*
     * Same rules as pl_walk_dir in pathlock_native.c: only real directories are entered (opened
     * with O_NOFOLLOW | O_DIRECTORY relative to the parent), vanished entries are skipped, any other
     * error fails the walk. Takes ownership of fd.
     */
    private int walkDir(final int fd, final String rel, final WalkSpec spec)
    {
        final Pointer dir = dirLib.fdopendir(fd);
        if (dir == null)
        {
            final int e = lastDirError();
            close(fd);
            return -e;
        }
        int rc = 0;
        final int dirFd = dirLib.dirfd(dir);
        byte[] entryName = scratch.get();
        while (true)
        {
            LastError.setLastError(dirRuntime, 0);
            final Pointer entry = dirLib.readdir(dir);
            if (entry == null)
            {
                final int e = lastDirError();
                if (e != 0)
                {
                    rc = -e;
                }
                break;
            }
            final int length = entry.indexOf(DIRENT_D_NAME_OFFSET, (byte)0);
            if (length <= 0)
            {
                continue;
            }
            if (entryName.length < length + 1)
            {
                entryName = new byte[length + 1];
            }
            entry.get(DIRENT_D_NAME_OFFSET, entryName, 0, length);
            if (entryName[0] == '.' && (length == 1 || (length == 2 && entryName[1] == '.')))
            {
                continue;
            }
            byte type = entry.getByte(DIRENT_D_TYPE_OFFSET);
            if (type == DT_UNKNOWN)
            {
                type = typeByLstat(spec.start, rel, entryName, length);
            }
            if (type == DT_REG)
            {
                if (matches(entryName, length, spec.name))
                {
                    spec.found.add(Path.of(child(rel, entryName, length)));
                }
            }
            else if (type == DT_DIR)
            {
                if (spec.skip != null && equals(entryName, length, spec.skip))
                {
                    continue;
                }
                entryName[length] = 0;
                final int childFd = dirLib.openat(dirFd, Arrays.copyOf(entryName, length + 1), subDirFlags);
                if (childFd < 0)
                {
                    final int e = lastDirError();
                    if (e == Errno.ENOENT || e == Errno.ENOTDIR || e == Errno.ELOOP)
                    {
                        continue;
                    }
                    rc = -e;
                    break;
                }
                rc = walkDir(childFd, child(rel, entryName, length), spec);
                if (rc < 0)
                {
                    break;
                }
            }
        }
        dirLib.closedir(dir);
        return rc;
    }

    private byte typeByLstat(final String start, final String rel, final byte[] entryName, final int length)
    {
        // A file system that does not fill d_type. lstat by path is good enough here: it only decides
        // whether to descend, and descending re-checks with O_NOFOLLOW | O_DIRECTORY.
        final FileStat st = statBuffer.get();
        if (posix.lstat(start + '/' + child(rel, entryName, length), st) != 0)
        {
            return DT_UNKNOWN;
        }
        if (st.isDirectory())
        {
            return DT_DIR;
        }
        return st.isFile() ? DT_REG : DT_UNKNOWN;
    }

    private static final class WalkSpec
    {
        final String start;
        final byte[] name;
        final byte[] skip;
        final List<Path> found;

        WalkSpec(final String start, final byte[] name, final byte[] skip, final List<Path> found)
        {
            this.start = start;
            this.name = name;
            this.skip = skip;
            this.found = found;
        }
    }

    private static String child(final String rel, final byte[] entryName, final int length)
    {
        final String n = new String(entryName, 0, length, PosixPaths.CHARSET);
        return rel.isEmpty() ? n : rel + '/' + n;
    }

    private static boolean equals(final byte[] a, final int length, final byte[] b)
    {
        return length == b.length && Arrays.equals(a, 0, length, b, 0, length);
    }

    /** {@code pattern} is a name, or {@code *SUFFIX} for every name ending in SUFFIX. */
    private static boolean matches(final byte[] a, final int length, final byte[] pattern)
    {
        if (pattern.length == 0 || pattern[0] != '*')
        {
            return equals(a, length, pattern);
        }
        final int sl = pattern.length - 1;
        return length >= sl && Arrays.equals(a, length - sl, length, pattern, 1, pattern.length);
    }

    private int lastDirError()
    {
        return toLinuxErrno(LastError.getLastError(dirRuntime));
    }

    private int open(final String path, final int flags, final int mode)
    {
        for (;;)
        {
            final int fd = posix.open(path, flags, mode);
            if (fd >= 0)
            {
                return fd;
            }
            final int e = errno();
            if (e != Errno.EINTR)
            {
                return -e;
            }
        }
    }

    private int writeAll(final int fd, final byte[] content, final int length)
    {
        int done = 0;
        while (done < length)
        {
            final byte[] src = done == 0 ? content : Arrays.copyOfRange(content, done, length);
            final int n = posix.write(fd, src, length - done);
            if (n < 0)
            {
                final int e = errno();
                if (e == Errno.EINTR)
                {
                    continue;
                }
                return -e;
            }
            if (n == 0)
            {
                return -Errno.EIO;
            }
            done += n;
        }
        return 0;
    }

    private int readAll(final int fd, final byte[] dst, final boolean positional)
    {
        byte[] buf = scratch.get();
        if (buf.length < dst.length + 1)
        {
            buf = new byte[dst.length + 1];
            scratch.set(buf);
        }
        int done = 0;
        while (true)
        {
            final int want = done < dst.length ? dst.length - done : 1;
            final int n = positional ? posix.pread(fd, buf, want, done) : posix.read(fd, buf, want);
            if (n < 0)
            {
                final int e = errno();
                if (e == Errno.EINTR)
                {
                    continue;
                }
                return -e;
            }
            if (n == 0)
            {
                return done;
            }
            if (done >= dst.length)
            {
                return -Errno.EFBIG;
            }
            System.arraycopy(buf, 0, dst, done, n);
            done += n;
        }
    }

    private void unlinkIfSame(final String path, final int fd)
    {
        final FileStat byFd = posix.allocateStat();
        final FileStat byPath = posix.allocateStat();
        if (posix.fstat(fd, byFd) == 0 && posix.lstat(path, byPath) == 0 &&
            byFd.dev() == byPath.dev() && byFd.ino() == byPath.ino())
        {
            posix.unlink(path);
        }
    }

    private int fill(final int rc, final FileStat st, final PosixStat out)
    {
        if (rc != 0)
        {
            return -errno();
        }
        final long mtimeNanos = st instanceof NanosecondFileStat ?
            st.mtime() * 1_000_000_000L + ((NanosecondFileStat)st).mTimeNanoSecs() :
            st.mtime() * 1_000_000_000L;
        out.set(st.ino(), st.dev(), st.st_size(), st.mode(), mtimeNanos, st.nlink(), st.uid());
        return 0;
    }

    private int result(final int rc)
    {
        return rc >= 0 ? rc : -errno();
    }

    private int errno()
    {
        return toLinuxErrno(posix.errno());
    }

    private int toLinuxErrno(final int platformErrno)
    {
        if (linux || platformErrno == 0)
        {
            return platformErrno;
        }
        final jnr.constants.platform.Errno e = jnr.constants.platform.Errno.valueOf(platformErrno);
        final int mapped = e == null ? 0 : Errno.fromName(e.name());
        return mapped != 0 ? mapped : Errno.EIO;
    }
}

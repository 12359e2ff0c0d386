package io.pathlock.posix;

import jnr.constants.platform.OpenFlags;
import jnr.ffi.LastError;
import jnr.ffi.Memory;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Platform;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
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
 * <h2>Descriptor-relative calls</h2>
 * jnr-posix 3.1.20 binds none of the {@code *at} calls that {@link Posix#openDirAt} and its siblings
 * need, so this class binds {@code openat}, {@code linkat}, {@code renameat}, {@code unlinkat} and
 * {@code mkdirat} itself ({@link AtLib}), and {@code fstatat} in one of two ways: glibc 2.33 and later
 * export {@code fstatat} ({@link FstatatLib}); older ones only export {@code __fxstatat} with a
 * version argument ({@link LegacyFstatatLib}), which is tried when the first is missing. The
 * {@code struct stat} that either fills is decoded with {@link StatLayout} (x86-64 and aarch64
 * Linux). {@link #walkAt} runs in Java over {@link DirLib}, iteratively, with the rules of the C walk
 * ({@code pl_walk_dir} / {@code walkAt} in {@code pathlock_native.c}, invariants W1 to W5 there).
 * On any other platform, or when a binding cannot load, every descriptor-relative call returns
 * {@code -ENOSYS} ({@link #hasAtCalls()}).
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

    /** Linux {@code AT_SYMLINK_NOFOLLOW}. */
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;

    /** Linux {@code AT_FDCWD}. */
    private static final int AT_FDCWD = -100;

    /** A {@code struct stat} buffer large enough for every layout of {@link StatLayout}. */
    private static final int STAT_BUFFER_SIZE = 256;

    private static final byte[] DOT = { '.', 0 };

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
    private final AtLib atLib;
    private final String atCallsMissing;
    private final Runtime atRuntime;
    private final FstatatLib fstatatLib;
    private final LegacyFstatatLib legacyFstatatLib;
    private final StatLayout statLayout;
    private final ThreadLocal<Pointer> rawStat;
    private final int openDirAtFlags;
    private final int openReadAtFlags;
    private final int createAtFlags;

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
     * The descriptor-relative libc calls that jnr-posix does not bind. Names are NUL-terminated
     * byte arrays.
     */
    public interface AtLib
    {
        /**
         * {@code openat(2)} with a mode.
         *
         * @param dirfd directory descriptor.
         * @param path  NUL-terminated name.
         * @param flags open flags.
         * @param mode  permission bits for {@code O_CREAT}.
         * @return descriptor or -1.
         */
        int openat(int dirfd, @In byte[] path, int flags, int mode);

        /**
         * {@code linkat(2)}.
         *
         * @param olddirfd directory descriptor of the existing name.
         * @param oldpath  NUL-terminated existing name.
         * @param newdirfd directory descriptor of the new name.
         * @param newpath  NUL-terminated new name.
         * @param flags    0 or {@code AT_SYMLINK_FOLLOW}.
         * @return 0 or -1.
         */
        int linkat(int olddirfd, @In byte[] oldpath, int newdirfd, @In byte[] newpath, int flags);

        /**
         * {@code renameat(2)}.
         *
         * @param olddirfd directory descriptor of the current name.
         * @param oldpath  NUL-terminated current name.
         * @param newdirfd directory descriptor of the new name.
         * @param newpath  NUL-terminated new name.
         * @return 0 or -1.
         */
        int renameat(int olddirfd, @In byte[] oldpath, int newdirfd, @In byte[] newpath);

        /**
         * {@code unlinkat(2)}.
         *
         * @param dirfd directory descriptor.
         * @param path  NUL-terminated name.
         * @param flags 0 or {@code AT_REMOVEDIR}.
         * @return 0 or -1.
         */
        int unlinkat(int dirfd, @In byte[] path, int flags);

        /**
         * {@code mkdirat(2)}.
         *
         * @param dirfd directory descriptor.
         * @param path  NUL-terminated name.
         * @param mode  permission bits.
         * @return 0 or -1.
         */
        int mkdirat(int dirfd, @In byte[] path, int mode);
    }

    /** {@code fstatat} as glibc 2.33 and later export it. */
    public interface FstatatLib
    {
        /**
         * {@code fstatat(2)}.
         *
         * @param dirfd directory descriptor.
         * @param path  NUL-terminated name.
         * @param buf   receives {@code struct stat}.
         * @param flags {@code AT_SYMLINK_NOFOLLOW} or 0.
         * @return 0 or -1.
         */
        int fstatat(int dirfd, @In byte[] path, @Out Pointer buf, int flags);
    }

    /** {@code fstatat} as glibc before 2.33 exports it: {@code __fxstatat(_STAT_VER, ...)}. */
    public interface LegacyFstatatLib
    {
        /**
         * {@code __fxstatat}.
         *
         * @param ver   {@code _STAT_VER} of the layout ({@link StatLayout#statVersion}).
         * @param dirfd directory descriptor.
         * @param path  NUL-terminated name.
         * @param buf   receives {@code struct stat}.
         * @param flags {@code AT_SYMLINK_NOFOLLOW} or 0.
         * @return 0 or -1.
         */
        int __fxstatat(int ver, int dirfd, @In byte[] path, @Out Pointer buf, int flags);
    }

    /**
     * Offsets of the fields of glibc's {@code struct stat} that {@link PosixStat} needs, per
     * architecture (all 64-bit fields unless noted).
     *
     * <pre>
     *  x86-64 (144 bytes)                     aarch64 (128 bytes, asm-generic)
     *    0 st_dev                               0 st_dev
     *    8 st_ino                               8 st_ino
     *   16 st_nlink                            16 st_mode  (32-bit)
     *   24 st_mode  (32-bit)                   20 st_nlink (32-bit)
     *   28 st_uid   (32-bit)                   24 st_uid   (32-bit)
     *   48 st_size                             48 st_size
     *   88 st_mtim.tv_sec, 96 tv_nsec          88 st_mtim.tv_sec, 96 tv_nsec
     * </pre>
     */
    enum StatLayout
    {
        /** x86-64 Linux; {@code _STAT_VER_LINUX} is 1. */
        X86_64(0, 8, 16, true, 24, 28, 48, 88, 1),
        /** aarch64 Linux; {@code _STAT_VER} is 0. */
        AARCH64(0, 8, 20, false, 16, 24, 48, 88, 0);

        final int dev;
        final int ino;
        final int nlink;
        final boolean nlinkIs64;
        final int mode;
        final int uid;
        final int size;
        final int mtime;
        final int statVersion;

        StatLayout(final int dev, final int ino, final int nlink, final boolean nlinkIs64, final int mode, final int uid,
            final int size, final int mtime, final int statVersion)
        {
            this.dev = dev;
            this.ino = ino;
            this.nlink = nlink;
            this.nlinkIs64 = nlinkIs64;
            this.mode = mode;
            this.uid = uid;
            this.size = size;
            this.mtime = mtime;
            this.statVersion = statVersion;
        }

        void decode(final Pointer buf, final PosixStat out)
        {
            final long nanos = buf.getLong(mtime) * 1_000_000_000L + buf.getLong(mtime + 8);
            out.set(buf.getLong(ino), buf.getLong(dev), buf.getLong(size), buf.getInt(mode), nanos,
                nlinkIs64 ? buf.getLong(nlink) : Integer.toUnsignedLong(buf.getInt(nlink)), buf.getInt(uid));
        }
    }

    /**
     * Creates the backend.
     *
     * @throws IllegalStateException when jnr-posix cannot bind libc natively on this platform.
     */
    public JnrPosix()
    {
        this(false);
    }

    /**
     * Creates the backend, for tests choosing which {@code fstatat} binding to try first.
     *
     * @param preferLegacyFstatat try {@code __fxstatat} before {@code fstatat}, so that a test on a
     *                            new glibc (which exports both) covers the old binding too.
     * @throws IllegalStateException when jnr-posix cannot bind libc natively on this platform.
     */
    JnrPosix(final boolean preferLegacyFstatat)
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
        String missing = "not Linux on x86-64 or aarch64 (" + platform.getOS() + ", " + platform.getCPU() + ")";
        if (linux && (platform.getCPU() == Platform.CPU.X86_64 || platform.getCPU() == Platform.CPU.AARCH64))
        {
            missing = null;
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
                missing = "cannot bind the directory calls: " + t;
            }
        }
        dirLib = lib;
        dirRuntime = runtime;

        final int nofollow = OpenFlags.O_NOFOLLOW.intValue();
        final int nonblock = OpenFlags.O_NONBLOCK.intValue();
        final int noctty = OpenFlags.O_NOCTTY.defined() ? OpenFlags.O_NOCTTY.intValue() : 0;
        openDirAtFlags = subDirFlags | nonblock;
        openReadAtFlags = readFlags | nofollow | nonblock | noctty;
        createAtFlags = createFlags | nofollow;

        AtLib at = null;
        Runtime atRt = null;
        FstatatLib modern = null;
        LegacyFstatatLib legacy = null;
        StatLayout layout = null;
        if (lib != null)
        {
            layout = platform.getCPU() == Platform.CPU.X86_64 ? StatLayout.X86_64 : StatLayout.AARCH64;
            try
            {
                at = LibraryLoader.create(AtLib.class)
                    .option(LibraryOption.SaveError, Boolean.TRUE)
                    .load(POSIXFactory.STANDARD_C_LIBRARY_NAME);
                atRt = Runtime.getRuntime(at);
                final Pointer probe = Memory.allocateDirect(atRt, STAT_BUFFER_SIZE);
                final byte[] slash = { '/', 0 };
                if (preferLegacyFstatat)
                {
                    legacy = loadLegacyFstatat(probe, slash, layout);
                }
                if (legacy == null)
                {
                    modern = loadFstatat(probe, slash);
                }
                if (modern == null && legacy == null)
                {
                    legacy = loadLegacyFstatat(probe, slash, layout);
                }
                if (modern == null && legacy == null)
                {
                    at = null;
                    missing = "libc exports neither fstatat nor __fxstatat";
                }
            }
            catch (final Throwable t)
            {
                at = null;
                missing = "cannot bind the descriptor-relative calls: " + t;
            }
        }
        atLib = at;
        atCallsMissing = at == null ? missing : null;
        atRuntime = at == null ? null : atRt;
        fstatatLib = at == null ? null : modern;
        legacyFstatatLib = at == null ? null : legacy;
        statLayout = layout;
        final Runtime statRuntime = atRt;
        rawStat = at == null ? null : ThreadLocal.withInitial(() -> Memory.allocateDirect(statRuntime, STAT_BUFFER_SIZE));
    }

    /** Binds {@code fstatat} and proves it with a call; null when this libc does not export it. */
    private static FstatatLib loadFstatat(final Pointer probe, final byte[] slash)
    {
        try
        {
            final FstatatLib lib = LibraryLoader.create(FstatatLib.class)
                .option(LibraryOption.SaveError, Boolean.TRUE)
                .load(POSIXFactory.STANDARD_C_LIBRARY_NAME);
            return lib.fstatat(AT_FDCWD, slash, probe, 0) == 0 ? lib : null;
        }
        catch (final Throwable t)
        {
            return null;
        }
    }

    /** Binds {@code __fxstatat} (glibc before 2.33) and proves it with a call; null when missing. */
    private static LegacyFstatatLib loadLegacyFstatat(final Pointer probe, final byte[] slash, final StatLayout layout)
    {
        try
        {
            final LegacyFstatatLib lib = LibraryLoader.create(LegacyFstatatLib.class)
                .option(LibraryOption.SaveError, Boolean.TRUE)
                .load(POSIXFactory.STANDARD_C_LIBRARY_NAME);
            return lib.__fxstatat(layout.statVersion, AT_FDCWD, slash, probe, 0) == 0 ? lib : null;
        }
        catch (final Throwable t)
        {
            return null;
        }
    }

    /**
     * Whether the descriptor-relative calls ({@link #openDirAt} and its siblings) are bound; when
     * false they return {@code -ENOSYS}.
     *
     * @return true on x86-64 and aarch64 Linux when libc provides every call.
     */
    public boolean hasAtCalls()
    {
        return atLib != null;
    }

    /**
     * Why the descriptor-relative calls are unavailable.
     *
     * @return the reason, or null when {@link #hasAtCalls()}.
     */
    String atCallsMissing()
    {
        return atCallsMissing;
    }

    /**
     * Which {@code fstatat} binding is used.
     *
     * @return {@code "fstatat"}, {@code "__fxstatat"}, or {@code "none"}.
     */
    public String fstatatBinding()
    {
        return fstatatLib != null ? "fstatat" : (legacyFstatatLib != null ? "__fxstatat" : "none");
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
        final int rc = lockWriteSync(fd, content, length, flags);
        if (rc != 0)
        {
            unlinkIfSame(p, fd);
            close(fd);
            return rc;
        }
        return fd;
    }

    /** The steps of an exclusive create after the open: optional lock, the write, optional sync. */
    private int lockWriteSync(final int fd, final byte[] content, final int length, final int flags)
    {
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
        return rc;
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

    // ---- descriptor-relative calls ----

    /** {@inheritDoc} */
    @Override
    public int openDirectory(final Path dir)
    {
        return open(dir.toString(), dirFlags, 0);
    }

    /** {@inheritDoc} */
    @Override
    public int openDirAt(final int dirFd, final byte[] name)
    {
        final int rc = checkAt(name);
        if (rc != 0)
        {
            return rc;
        }
        final byte[] n = cName(name);
        final int fd = openat(dirFd, n, openDirAtFlags, 0);
        if (fd == -Errno.ENOTDIR)
        {
            // Linux reports a symlink as ENOTDIR under O_DIRECTORY | O_NOFOLLOW (R3 in pathlock_native.c)
            final Pointer buf = rawStat.get();
            if (fstatat(dirFd, n, buf, AT_SYMLINK_NOFOLLOW) == 0 && isLink(buf))
            {
                return -Errno.ELOOP;
            }
        }
        return fd;
    }

    /** {@inheritDoc} */
    @Override
    public int fstatAt(final int dirFd, final byte[] name, final PosixStat out)
    {
        Objects.requireNonNull(out, "out");
        final int rc = checkAt(name);
        if (rc != 0)
        {
            return rc;
        }
        final Pointer buf = rawStat.get();
        final int st = fstatat(dirFd, cName(name), buf, AT_SYMLINK_NOFOLLOW);
        if (st == 0)
        {
            statLayout.decode(buf, out);
        }
        return st;
    }

    /** {@inheritDoc} */
    @Override
    public int openReadAt(final int dirFd, final byte[] name, final PosixStat out)
    {
        Objects.requireNonNull(out, "out");
        final int rc = checkAt(name);
        if (rc != 0)
        {
            return rc;
        }
        final int fd = openat(dirFd, cName(name), openReadAtFlags, 0);
        if (fd < 0)
        {
            return fd;
        }
        final int st = fstat(fd, out);
        if (st != 0)
        {
            close(fd);
            return st;
        }
        return fd;
    }

    /** {@inheritDoc} */
    @Override
    public int createExclusiveAt(final int dirFd, final byte[] name, final byte[] content, final int length,
        final int mode, final int flags)
    {
        Objects.requireNonNull(content, "content");
        final int rc = checkAt(name);
        if (rc != 0)
        {
            return rc;
        }
        if (length < 0 || length > content.length)
        {
            return -Errno.EINVAL;
        }
        final byte[] n = cName(name);
        final int fd = openat(dirFd, n, createAtFlags, mode & 07777);
        if (fd < 0)
        {
            return fd;
        }
        final int step = lockWriteSync(fd, content, length, flags);
        if (step != 0)
        {
            unlinkAtIfSame(dirFd, n, fd);
            close(fd);
            return step;
        }
        return fd;
    }

    /** {@inheritDoc} */
    @Override
    public int linkAt(final int oldDirFd, final byte[] oldName, final int newDirFd, final byte[] newName)
    {
        int rc = checkAt(oldName);
        if (rc == 0)
        {
            rc = checkAt(newName);
        }
        if (rc != 0)
        {
            return rc;
        }
        return atResult(atLib.linkat(oldDirFd, cName(oldName), newDirFd, cName(newName), 0));
    }

    /** {@inheritDoc} */
    @Override
    public int renameAt(final int oldDirFd, final byte[] oldName, final int newDirFd, final byte[] newName)
    {
        int rc = checkAt(oldName);
        if (rc == 0)
        {
            rc = checkAt(newName);
        }
        if (rc != 0)
        {
            return rc;
        }
        return atResult(atLib.renameat(oldDirFd, cName(oldName), newDirFd, cName(newName)));
    }

    /** {@inheritDoc} */
    @Override
    public int unlinkAt(final int dirFd, final byte[] name)
    {
        final int rc = checkAt(name);
        return rc != 0 ? rc : atResult(atLib.unlinkat(dirFd, cName(name), 0));
    }

    /** {@inheritDoc} */
    @Override
    public int mkdirAt(final int dirFd, final byte[] name, final int mode)
    {
        final int rc = checkAt(name);
        return rc != 0 ? rc : atResult(atLib.mkdirat(dirFd, cName(name), mode & 07777));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Runs in Java over {@code readdir} (one foreign call per entry, plus one per directory
     * entered), iteratively with one open directory stream per level (W1 to W5 of
     * {@code pathlock_native.c}). An exception thrown by the visitor closes every stream and
     * propagates.
     */
    @Override
    public int walkAt(final int dirFd, final byte[][] suffixes, final byte[][] prefixes, final byte[] skipDirName,
        final WalkVisitor visitor)
    {
        Objects.requireNonNull(visitor, "visitor");
        if (atLib == null)
        {
            return -Errno.ENOSYS;
        }
        if ((skipDirName != null && PosixPaths.checkComponent(skipDirName) != 0) ||
            !PosixPaths.validPatterns(suffixes) || !PosixPaths.validPatterns(prefixes))
        {
            return -Errno.EINVAL;
        }
        final int startFd = openat(dirFd, DOT, dirFlags, 0);
        if (startFd < 0)
        {
            return startFd;
        }
        final Pointer startDir = dirLib.fdopendir(startFd);
        if (startDir == null)
        {
            final int e = lastDirError();
            close(startFd);
            return -e;
        }
        final ArrayList<Pointer> dirs = new ArrayList<>();
        final ArrayList<Integer> relLens = new ArrayList<>();
        dirs.add(startDir);
        relLens.add(0);
        byte[] rel = new byte[256];
        byte[] entryName = new byte[PosixPaths.NAME_MAX + 2];
        int count = 0;
        try
        {
            while (!dirs.isEmpty())
            {
                final int top = dirs.size() - 1;
                final Pointer dir = dirs.get(top);
                final int relLen = relLens.get(top);
                LastError.setLastError(dirRuntime, 0);
                final Pointer entry = dirLib.readdir(dir);
                if (entry == null)
                {
                    final int e = lastDirError();
                    dirs.remove(top);
                    relLens.remove(top);
                    dirLib.closedir(dir);
                    if (e != 0 && !visitor.error(Arrays.copyOf(rel, relLen), e))
                    {
                        break;
                    }
                    continue;
                }
                final int length = entry.indexOf(DIRENT_D_NAME_OFFSET, (byte)0);
                if (length <= 0 || length > PosixPaths.NAME_MAX)
                {
                    continue;
                }
                entry.get(DIRENT_D_NAME_OFFSET, entryName, 0, length);
                if (entryName[0] == '.' && (length == 1 || (length == 2 && entryName[1] == '.')))
                {
                    continue;
                }
                final int childLen = relLen + (relLen > 0 ? 1 : 0) + length;
                if (childLen > rel.length)
                {
                    rel = Arrays.copyOf(rel, Math.max(childLen, rel.length * 2));
                }
                if (relLen > 0)
                {
                    rel[relLen] = '/';
                }
                System.arraycopy(entryName, 0, rel, childLen - length, length);
                entryName[length] = 0;
                final byte[] cEntry = Arrays.copyOf(entryName, length + 1);
                final int parentFd = dirLib.dirfd(dir);

                int type = (entry.getByte(DIRENT_D_TYPE_OFFSET) & 0xff) << 12;
                boolean vanished = false;
                if (type == 0)
                {
                    // DT_UNKNOWN: a file system that does not fill d_type
                    final Pointer buf = rawStat.get();
                    final int st = fstatat(parentFd, cEntry, buf, AT_SYMLINK_NOFOLLOW);
                    if (st == 0)
                    {
                        type = buf.getInt(statLayout.mode) & PosixStat.S_IFMT;
                    }
                    else if (st == -Errno.ENOENT)
                    {
                        vanished = true;
                    }
                    else
                    {
                        if (!visitor.error(Arrays.copyOf(rel, childLen), -st))
                        {
                            break;
                        }
                        continue;
                    }
                }
                if (PosixPaths.matchesAny(entryName, length, suffixes, prefixes))
                {
                    count++;
                    if (!visitor.match(Arrays.copyOf(rel, childLen), vanished ? 0 : type))
                    {
                        break;
                    }
                }
                if (type != PosixStat.S_IFDIR || (skipDirName != null && equals(entryName, length, skipDirName)))
                {
                    continue;
                }
                final int childFd = openat(parentFd, cEntry, openDirAtFlags, 0);
                if (childFd < 0)
                {
                    if (childFd != -Errno.ENOENT && childFd != -Errno.ENOTDIR && childFd != -Errno.ELOOP &&
                        !visitor.error(Arrays.copyOf(rel, childLen), -childFd))
                    {
                        break;
                    }
                    continue;
                }
                final Pointer child = dirLib.fdopendir(childFd);
                if (child == null)
                {
                    final int e = lastDirError();
                    close(childFd);
                    if (!visitor.error(Arrays.copyOf(rel, childLen), e))
                    {
                        break;
                    }
                    continue;
                }
                dirs.add(child);
                relLens.add(childLen);
            }
        }
        finally
        {
            for (final Pointer dir : dirs)
            {
                dirLib.closedir(dir);
            }
        }
        return count;
    }

    /** Validates a name for an at-call: -ENOSYS without the binding, else the component check. */
    private int checkAt(final byte[] name)
    {
        Objects.requireNonNull(name, "name");
        return atLib == null ? -Errno.ENOSYS : PosixPaths.checkComponent(name);
    }

    private static byte[] cName(final byte[] name)
    {
        return Arrays.copyOf(name, name.length + 1);
    }

    private boolean isLink(final Pointer statBuf)
    {
        return (statBuf.getInt(statLayout.mode) & PosixStat.S_IFMT) == PosixStat.S_IFLNK;
    }

    private int openat(final int dirFd, final byte[] cName, final int flags, final int mode)
    {
        for (;;)
        {
            final int fd = atLib.openat(dirFd, cName, flags, mode);
            if (fd >= 0)
            {
                return fd;
            }
            final int e = atErrno();
            if (e != Errno.EINTR)
            {
                return -e;
            }
        }
    }

    private int fstatat(final int dirFd, final byte[] cName, final Pointer buf, final int flags)
    {
        final int rc = fstatatLib != null ?
            fstatatLib.fstatat(dirFd, cName, buf, flags) :
            legacyFstatatLib.__fxstatat(statLayout.statVersion, dirFd, cName, buf, flags);
        return rc == 0 ? 0 : -atErrno();
    }

    private void unlinkAtIfSame(final int dirFd, final byte[] cName, final int fd)
    {
        final PosixStat byFd = new PosixStat();
        final Pointer buf = rawStat.get();
        if (fstat(fd, byFd) == 0 && fstatat(dirFd, cName, buf, AT_SYMLINK_NOFOLLOW) == 0)
        {
            final PosixStat byName = new PosixStat();
            statLayout.decode(buf, byName);
            if (byName.sameFile(byFd))
            {
                atLib.unlinkat(dirFd, cName, 0);
            }
        }
    }

    private int atResult(final int rc)
    {
        return rc >= 0 ? rc : -atErrno();
    }

    private int atErrno()
    {
        return toLinuxErrno(LastError.getLastError(atRuntime));
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

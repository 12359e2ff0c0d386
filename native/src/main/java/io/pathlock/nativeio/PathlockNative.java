package io.pathlock.nativeio;

/**
 * JNI entry points of {@code libpathlock.so}: the few syscalls on the lock-file hot path.
 *
 * <p>Conventions:
 * <ul>
 *   <li>Every function returns a non-negative result on success and {@code -errno} (Linux numbers)
 *   on failure; callers turn codes into exceptions in one place. Nothing here throws on purpose,
 *   except that an {@link OutOfMemoryError} raised by the JVM inside a call is rethrown.</li>
 *   <li>Paths are {@code byte[]} holding the path's bytes (UTF-8) <em>without</em> a terminating NUL,
 *   because JNI's modified UTF-8 differs from the bytes the file system stores. An empty path is
 *   {@code -ENOENT}, an embedded NUL {@code -EINVAL}, one of {@code PATH_MAX} bytes or more
 *   {@code -ENAMETOOLONG}. Relative paths resolve against the process's working directory.</li>
 *   <li>File descriptors are plain {@code int}s opened with {@code O_CLOEXEC}; the caller closes them
 *   with {@link #close(int)}.</li>
 *   <li>Calls interrupted by a signal are retried, except {@code close}.</li>
 * </ul>
 *
 * <p>Call {@link NativeLoader#isAvailable()} before using any method here: when the library could
 * not be loaded, every call throws {@link UnsatisfiedLinkError}.
 *
 * <p>Thread-safety: all methods are stateless and safe to call from any thread. Blocking calls
 * (a {@code flock} without {@link #LOCK_NB}, {@code fsync}) block only the calling thread.
 */
public final class PathlockNative
{
    /** {@code flock(2)} operation: shared lock. */
    public static final int LOCK_SH = 1;

    /** {@code flock(2)} operation: exclusive lock. */
    public static final int LOCK_EX = 2;

    /** {@code flock(2)} flag: fail with {@code -EWOULDBLOCK} instead of waiting. */
    public static final int LOCK_NB = 4;

    /** {@code flock(2)} operation: release. */
    public static final int LOCK_UN = 8;

    /** {@link #createExclusive} flag: {@code fdatasync} the new file before returning. */
    public static final int CREATE_SYNC_DATA = 1;

    /**
     * {@link #createExclusive} flag: take {@code flock(LOCK_EX | LOCK_NB)} on the new descriptor
     * right after the open, before writing the content.
     */
    public static final int CREATE_LOCK_EXCLUSIVE = 2;

    /** Slot of the stat array: inode number. */
    public static final int STAT_INO = 0;

    /** Slot of the stat array: device id. */
    public static final int STAT_DEV = 1;

    /** Slot of the stat array: size in bytes. */
    public static final int STAT_SIZE = 2;

    /** Slot of the stat array: {@code st_mode} (file type and permission bits). */
    public static final int STAT_MODE = 3;

    /** Slot of the stat array: modification time in nanoseconds since the epoch. */
    public static final int STAT_MTIME_NANOS = 4;

    /** Slot of the stat array: number of hard links. */
    public static final int STAT_NLINK = 5;

    /** Slot of the stat array: owner user id. */
    public static final int STAT_UID = 6;

    /** Minimum length of the array passed to the stat family. */
    public static final int STAT_LENGTH = 7;

    private PathlockNative()
    {
    }

    /**
     * Version of the native ABI, compared by the loader with {@link NativeLoader#ABI_VERSION}.
     *
     * @return the ABI version compiled into the library.
     */
    public static native int abiVersion();

    /**
     * {@code open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode)}, then optionally
     * {@code flock(LOCK_EX | LOCK_NB)}, then writes all {@code length} bytes, then optionally
     * {@code fdatasync}. When anything after the open fails, the new file is unlinked (only while the
     * path still names the inode this call created) and the descriptor closed.
     *
     * @param path    file to create.
     * @param content bytes to write from offset 0.
     * @param length  how many bytes of {@code content} to write.
     * @param mode    permission bits (masked by the umask).
     * @param flags   {@link #CREATE_SYNC_DATA} and/or {@link #CREATE_LOCK_EXCLUSIVE}.
     * @return the open, write-only descriptor, or {@code -errno} ({@code -EEXIST} when the path exists).
     */
    public static native int createExclusive(byte[] path, byte[] content, int length, int mode, int flags);

    /**
     * {@code open(path, O_RDONLY | O_CLOEXEC)}; also opens directories.
     *
     * @param path file to open.
     * @return the descriptor, or {@code -errno}.
     */
    public static native int openRead(byte[] path);

    /**
     * Reads a whole small file into {@code dst} from offset 0.
     *
     * @param path file to read.
     * @param dst  destination; its length is the maximum accepted size.
     * @return the number of bytes read, {@code -EFBIG} when the file holds more than
     *         {@code dst.length} bytes, or {@code -errno}.
     */
    public static native int readFile(byte[] path, byte[] dst);

    /**
     * Reads the whole file open on {@code fd} into {@code dst} with {@code pread} from offset 0 (the
     * descriptor's offset is not moved).
     *
     * @param fd  open readable descriptor.
     * @param dst destination; its length is the maximum accepted size.
     * @return the number of bytes read, {@code -EFBIG} when the file holds more than
     *         {@code dst.length} bytes, or {@code -errno}.
     */
    public static native int preadAll(int fd, byte[] dst);

    /**
     * {@code stat(2)}, following symlinks.
     *
     * @param path file to examine.
     * @param out  at least {@link #STAT_LENGTH} slots, filled at the {@code STAT_*} indices.
     * @return 0 or {@code -errno}.
     */
    public static native int stat(byte[] path, long[] out);

    /**
     * {@code lstat(2)}: a symlink describes itself.
     *
     * @param path file to examine.
     * @param out  at least {@link #STAT_LENGTH} slots, filled at the {@code STAT_*} indices.
     * @return 0 or {@code -errno}.
     */
    public static native int lstat(byte[] path, long[] out);

    /**
     * {@code fstat(2)}.
     *
     * @param fd  open descriptor.
     * @param out at least {@link #STAT_LENGTH} slots, filled at the {@code STAT_*} indices.
     * @return 0 or {@code -errno}.
     */
    public static native int fstat(int fd, long[] out);

    /**
     * {@code link(2)}: a new name for an existing file; fails with {@code -EEXIST} if it exists.
     *
     * @param existing current name.
     * @param newPath  new name.
     * @return 0 or {@code -errno}.
     */
    public static native int link(byte[] existing, byte[] newPath);

    /**
     * {@code rename(2)}: atomically replaces {@code to} if it exists.
     *
     * @param from current name.
     * @param to   new name.
     * @return 0 or {@code -errno}.
     */
    public static native int rename(byte[] from, byte[] to);

    /**
     * {@code unlink(2)}; a directory is {@code -EISDIR}.
     *
     * @param path name to remove.
     * @return 0 or {@code -errno}.
     */
    public static native int unlink(byte[] path);

    /**
     * {@code mkdir(2)}.
     *
     * @param path directory to create.
     * @param mode permission bits (masked by the umask).
     * @return 0 or {@code -errno} ({@code -EEXIST} when the path exists).
     */
    public static native int mkdir(byte[] path, int mode);

    /**
     * {@code flock(2)}: locks the open file description of {@code fd}.
     *
     * @param fd        open descriptor.
     * @param operation {@link #LOCK_SH}, {@link #LOCK_EX} or {@link #LOCK_UN}, optionally with
     *                  {@link #LOCK_NB}.
     * @return 0 or {@code -errno} ({@code -EWOULDBLOCK} when {@link #LOCK_NB} is set and the lock is
     *         held elsewhere).
     */
    public static native int flock(int fd, int operation);

    /**
     * {@code fsync(2)}.
     *
     * @param fd open descriptor.
     * @return 0 or {@code -errno}.
     */
    public static native int fsync(int fd);

    /**
     * {@code fdatasync(2)}.
     *
     * @param fd open descriptor.
     * @return 0 or {@code -errno}.
     */
    public static native int fdatasync(int fd);

    /**
     * Opens a directory read-only, {@code fsync}s it (making entries created or removed in it
     * durable) and closes it.
     *
     * @param path directory.
     * @return 0 or {@code -errno}.
     */
    public static native int fsyncDirectory(byte[] path);

    /**
     * {@code close(2)}; {@code EINTR} counts as success because Linux has released the descriptor
     * by then.
     *
     * @param fd descriptor to close.
     * @return 0 or {@code -errno}.
     */
    public static native int close(int fd);

    /**
     * {@code getpid(2)}.
     *
     * @return the process id.
     */
    public static native int getpid();

    /**
     * Finds every regular file called {@code name} below {@code start}, using
     * {@code openat}/{@code fdopendir}/{@code d_type}. Symlinks are never followed (nor reported);
     * directories called {@code skipDir} are not entered; entries that vanish during the walk are
     * skipped; any other error (for example {@code -EACCES} on a sub-directory) fails the whole walk.
     * One descriptor is open per level of depth.
     *
     * @param start   directory to walk (a symlink here is followed).
     * @param name    file name to find, without {@code /}; {@code *SUFFIX} finds every name ending in
     *                SUFFIX (SUFFIX itself included).
     * @param skipDir directory name never entered, or null.
     * @param out     {@code out[0]} receives the NUL-terminated paths of the matches relative to
     *                {@code start}, concatenated.
     * @return the number of matches, or {@code -errno}.
     */
    public static native int findFiles(byte[] start, byte[] name, byte[] skipDir, byte[][] out);

    /**
     * Benchmark floor: {@code iterations} times, the POINT lock-file sequence done in C:
     * {@link #createExclusive} then {@code close} then {@code unlink}.
     *
     * @param path       lock file to create and remove each time.
     * @param content    token bytes.
     * @param length     how many bytes of {@code content} to write (at most 8192).
     * @param mode       permission bits.
     * @param flags      {@link #createExclusive} flags.
     * @param iterations how many times.
     * @return {@code iterations}, or {@code -errno} of the first failure.
     */
    public static native long pointFloor(byte[] path, byte[] content, int length, int mode, int flags, int iterations);

    /**
     * Benchmark floor: {@code iterations} times, the walk of {@link #findFiles} without building a
     * result.
     *
     * @param start      directory to walk.
     * @param name       file name to find, or {@code *SUFFIX}.
     * @param skipDir    directory name never entered, or null.
     * @param iterations how many times.
     * @return the total number of matches over all iterations, or {@code -errno}.
     */
    public static native long walkFloor(byte[] start, byte[] name, byte[] skipDir, int iterations);

    /**
     * Benchmark floor of the lock-file store's whole acquire + release, {@code iterations} times in
     * C: {@code lstat} of each of {@code lstats}; {@code open} of each of {@code preChecks}
     * (expecting {@code ENOENT}); exclusive create of {@code tmp} with {@code flock(LOCK_EX)} and the
     * token; {@code fstat}; {@code link(tmp, file)}; {@code unlink(tmp)}; when {@code scanDir} is
     * not null, the walk of {@link #findFiles} with the pattern {@code *.path.ovlock} skipping
     * {@code .pathlock} (expecting exactly the file just linked); {@code open} of each of
     * {@code postChecks}; then the release: {@code flock(LOCK_EX)} of the guard file (opened once),
     * {@code lstat(file)}, {@code unlink(file)}, {@code flock(LOCK_UN)}, {@code close}.
     *
     * @param lstats     path components checked with {@code lstat}.
     * @param preChecks  lock files checked before publishing.
     * @param tmp        the temporary file.
     * @param file       the lock file.
     * @param postChecks lock files checked after publishing.
     * @param scanDir    directory walked for a SUBTREE, or null.
     * @param guard      the guard file.
     * @param content    token bytes.
     * @param length     token length (at most 8192).
     * @param mode       permission bits.
     * @param iterations how many times.
     * @return {@code iterations}, or {@code -errno} of the first failure ({@code -EEXIST} when a
     *         check found a file).
     */
    public static native long lockSequenceFloor(byte[][] lstats, byte[][] preChecks, byte[] tmp, byte[] file,
        byte[][] postChecks, byte[] scanDir, byte[] guard, byte[] content, int length, int mode, int iterations);
}

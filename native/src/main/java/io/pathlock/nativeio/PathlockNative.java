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

    // ---- descriptor-relative benchmark floors (ABI 5; one scope per request since ABI 6) ----
    // Paths are relative to the root, components joined by '/', no leading or trailing '/'. A name is
    // reached the way the lock-file store's RootedFs reaches it: openat(O_RDONLY | O_DIRECTORY |
    // O_NOFOLLOW | O_NONBLOCK) of each directory from its parent's descriptor (the root's, opened once
    // per call). lockSequenceAtFloor keeps one scope per iteration (RootedFs R3): each directory is
    // opened once per iteration, its descriptor reused by every later call, and all of them closed when
    // the iteration's request ends (before the release). walkAtFloor reaches its directory by an openat
    // chain from the root, each descriptor closed once the next is open.

    /**
     * Benchmark floor: {@code iterations} times, the walk of {@link #walkAt} without a visitor, below
     * {@code scanDir}: the openat chain of {@code scanDir} from the root, {@code openat(fd, ".")} +
     * {@code fdopendir}, {@code getdents64} per directory, each sub-directory entered through
     * {@code openat(O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK)} + {@code fdopendir} ({@code skipDir}
     * never), names ending in one of {@code suffixes} or starting with one of {@code prefixes} counted;
     * then {@code close} of the chain's descriptor.
     *
     * @param root       the root directory (absolute, opened once).
     * @param scanDir    the walked directory relative to the root ({@code ""}: the root).
     * @param suffixes   name suffixes that match, or null.
     * @param prefixes   name prefixes that match, or null.
     * @param skipDir    directory name never entered, or null.
     * @param iterations how many times.
     * @return the total number of matches over all iterations, or {@code -errno}.
     */
    public static native long walkAtFloor(byte[] root, byte[] scanDir, byte[][] suffixes, byte[][] prefixes,
        byte[] skipDir, int iterations);

    /**
     * Benchmark floor of the descriptor-relative lock-file store's uncontended acquire + release,
     * {@code iterations} times in C, each iteration one request with one scope: each directory opened
     * once (from its parent's descriptor) and reused for every call of the iteration:
     * <ol>
     *   <li>{@code fstatat(AT_SYMLINK_NOFOLLOW)} of each of {@code components};</li>
     *   <li>{@code openat(O_RDONLY | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW)} of each of {@code preChecks},
     *       expecting {@code ENOENT};</li>
     *   <li>in {@code tmpDir}: {@code openat(tmpName, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW)},
     *       {@code flock(LOCK_EX | LOCK_NB)}, {@code write} of the token, {@code fstat};</li>
     *   <li>{@code linkat(tmpDir, tmpName, dir of lockFile, name of lockFile, 0)};</li>
     *   <li>{@code unlinkat(tmpDir, tmpName)};</li>
     *   <li>a fresh {@code openat} of the lock file's directory from the scope's parent, kept (the
     *       held file's directory);</li>
     *   <li>when {@code scanDir} is not null, a fresh {@code openat} of it from the scope's parent and
     *       the walk of {@link #walkAtFloor} below it (expecting exactly the file just linked), then its
     *       {@code close};</li>
     *   <li>the checks of {@code postChecks}, as the pre-checks;</li>
     *   <li>{@code close} of every descriptor of the scope;</li>
     *   <li>the release: {@code flock(guard, LOCK_EX | LOCK_NB)} (guard opened once),
     *       {@code fstatat} and {@code unlinkat} of the lock file from the held directory,
     *       {@code flock(LOCK_UN)}, {@code close} of the file and of its directory.</li>
     * </ol>
     *
     * @param root       the root directory (absolute, opened once).
     * @param components path components checked with {@code fstatat}, relative.
     * @param preChecks  lock files checked before publishing, relative.
     * @param tmpDir     the temporary directory, relative.
     * @param tmpName    the temporary file's name.
     * @param lockFile   the lock file, relative.
     * @param postChecks lock files checked after publishing, relative.
     * @param scanDir    directory walked for a SUBTREE (relative), or null.
     * @param suffixes   walk suffixes, or null.
     * @param prefixes   walk prefixes, or null.
     * @param skipDir    directory name the walk never enters, or null.
     * @param guard      the guard file (absolute).
     * @param content    token bytes.
     * @param length     token length (at most 8192).
     * @param mode       permission bits.
     * @param iterations how many times.
     * @return {@code iterations}, or {@code -errno} of the first failure ({@code -EEXIST} when a
     *         check found a file).
     */
    public static native long lockSequenceAtFloor(byte[] root, byte[][] components, byte[][] preChecks, byte[] tmpDir,
        byte[] tmpName, byte[] lockFile, byte[][] postChecks, byte[] scanDir, byte[][] suffixes, byte[][] prefixes,
        byte[] skipDir, byte[] guard, byte[] content, int length, int mode, int iterations);

    // ---- descriptor-relative calls (ABI 4) ----
    // A name is one component as raw bytes: 1..NAME_MAX bytes, no '/', no NUL, not "." or "..";
    // anything else is -EINVAL (-ENAMETOOLONG beyond NAME_MAX) before any syscall.

    /**
     * What {@link #walkAt} calls back, from the walking thread, while the walk runs.
     */
    public interface WalkCallback
    {
        /**
         * An entry whose name matched.
         *
         * @param relativePath the entry's path relative to the start, raw bytes joined by {@code '/'}.
         * @param fileType     the {@code S_IFMT} bits of the entry (not following a symlink), or 0 if
         *                     it vanished before its type could be read.
         * @return true to go on, false to stop the walk.
         */
        boolean match(byte[] relativePath, int fileType);

        /**
         * A directory that could not be opened or read; the walk did not descend below it.
         *
         * @param relativePath the directory relative to the start (empty for the start).
         * @param errno        the positive error number.
         * @return true to go on, false to stop the walk.
         */
        boolean error(byte[] relativePath, int errno);
    }

    /**
     * {@code open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)}; symlinks in the path are followed.
     *
     * @param path directory.
     * @return the descriptor, or {@code -errno} ({@code -ENOTDIR} for a non-directory).
     */
    public static native int openDirectory(byte[] path);

    /**
     * {@code openat(dirFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)}. Linux
     * reports a symlink as {@code ENOTDIR} here; this call reports it as {@code -ELOOP}.
     *
     * @param dirFd directory descriptor.
     * @param name  one name component.
     * @return the descriptor, or {@code -errno}.
     */
    public static native int openDirAt(int dirFd, byte[] name);

    /**
     * {@code fstatat(dirFd, name, AT_SYMLINK_NOFOLLOW)}.
     *
     * @param dirFd directory descriptor.
     * @param name  one name component.
     * @param out   at least {@link #STAT_LENGTH} slots, filled at the {@code STAT_*} indices.
     * @return 0 or {@code -errno}.
     */
    public static native int fstatAt(int dirFd, byte[] name, long[] out);

    /**
     * {@code openat(dirFd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)} then
     * {@code fstat} of the new descriptor. The descriptor keeps {@code O_NONBLOCK} (no effect on a
     * regular file; a FIFO read returns {@code EAGAIN} instead of waiting).
     *
     * @param dirFd directory descriptor.
     * @param name  one name component.
     * @param out   at least {@link #STAT_LENGTH} slots, filled with the opened file's {@code fstat}.
     * @return the descriptor, or {@code -errno} ({@code -ELOOP} for a symlink).
     */
    public static native int openReadAt(int dirFd, byte[] name, long[] out);

    /**
     * {@link #createExclusive} relative to a directory descriptor, with
     * {@code O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC}; a failure after the open
     * {@code unlinkat}s the new name while it still names the created inode.
     *
     * @param dirFd   directory descriptor.
     * @param name    one name component.
     * @param content bytes to write from offset 0.
     * @param length  how many bytes of {@code content} to write.
     * @param mode    permission bits (masked by the umask).
     * @param flags   {@link #CREATE_SYNC_DATA} and/or {@link #CREATE_LOCK_EXCLUSIVE}.
     * @return the write-only descriptor, or {@code -errno} ({@code -EEXIST} when the name exists,
     *         a dangling symlink included).
     */
    public static native int createExclusiveAt(int dirFd, byte[] name, byte[] content, int length, int mode, int flags);

    /**
     * {@code linkat(oldDirFd, oldName, newDirFd, newName, 0)}: does not follow a symlink, never
     * replaces.
     *
     * @param oldDirFd directory descriptor of the existing name.
     * @param oldName  existing name component.
     * @param newDirFd directory descriptor of the new name.
     * @param newName  new name component.
     * @return 0 or {@code -errno} ({@code -EEXIST} when the new name exists).
     */
    public static native int linkAt(int oldDirFd, byte[] oldName, int newDirFd, byte[] newName);

    /**
     * {@code renameat(oldDirFd, oldName, newDirFd, newName)}.
     *
     * @param oldDirFd directory descriptor of the current name.
     * @param oldName  current name component.
     * @param newDirFd directory descriptor of the new name.
     * @param newName  new name component.
     * @return 0 or {@code -errno}.
     */
    public static native int renameAt(int oldDirFd, byte[] oldName, int newDirFd, byte[] newName);

    /**
     * {@code unlinkat(dirFd, name, 0)}; a directory is {@code -EISDIR}.
     *
     * @param dirFd directory descriptor.
     * @param name  one name component.
     * @return 0 or {@code -errno}.
     */
    public static native int unlinkAt(int dirFd, byte[] name);

    /**
     * {@code mkdirat(dirFd, name, mode)}.
     *
     * @param dirFd directory descriptor.
     * @param name  one name component.
     * @param mode  permission bits (masked by the umask).
     * @return 0 or {@code -errno}.
     */
    public static native int mkdirAt(int dirFd, byte[] name, int mode);

    /**
     * Walks the tree below {@code dirFd} in C, iteratively (one open directory stream per level,
     * depth not limited by {@code PATH_MAX}), entering sub-directories only with
     * {@code openat(O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK)} from the parent's descriptor. Every entry
     * whose name ends with one of {@code suffixes} or starts with one of {@code prefixes} goes to
     * {@code callback.match}; directories called {@code skipDir} are not entered; a directory that
     * vanished or was replaced is skipped; any other failure to open or read a directory goes to
     * {@code callback.error}. An exception thrown by the callback stops the walk and propagates.
     *
     * @param dirFd    the start (not closed, its offset not moved: the walk reopens it as ".").
     * @param suffixes name suffixes, or null for none.
     * @param prefixes name prefixes, or null for none.
     * @param skipDir  a directory name never entered, or null.
     * @param callback receives matches and errors.
     * @return the number of matches reported, or {@code -errno} when the start cannot be read.
     */
    public static native int walkAt(int dirFd, byte[][] suffixes, byte[][] prefixes, byte[] skipDir,
        WalkCallback callback);

    // ---- processes: the keeper of `pathlock run` and the signal relay (ABI 7) ----

    /**
     * {@code socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC)}.
     *
     * @param out receives the two descriptors (length at least 2).
     * @return 0 or {@code -errno}.
     */
    public static native int socketPair(int[] out);

    /**
     * Starts the keeper executable with {@code posix_spawn}: {@code argv[1]} is replaced by the number
     * of the one descriptor it inherits, a copy of {@code ctlFd} without {@code FD_CLOEXEC}; the
     * signal mask is cleared, ignored signals stay ignored. The caller reaps it with {@link #waitPid}.
     *
     * @param exe   the executable's path bytes.
     * @param argv  the arguments, {@code argv[0]} first; {@code argv[1]} is a placeholder.
     * @param envp  the environment, {@code NAME=value} each.
     * @param ctlFd the descriptor to hand down.
     * @return the pid, or {@code -errno}.
     */
    public static native int spawnKeeper(byte[] exe, byte[][] argv, byte[][] envp, int ctlFd);

    /**
     * Sends one message on a {@code SOCK_SEQPACKET} socket, with one descriptor attached
     * ({@code SCM_RIGHTS}) when {@code fd >= 0}. Never blocks ({@code MSG_DONTWAIT}) and never raises
     * {@code SIGPIPE}.
     *
     * @param sock    the socket.
     * @param message 1 to 256 bytes.
     * @param fd      a descriptor to pass, or -1.
     * @return the bytes sent, or {@code -errno} ({@code -EAGAIN} when the socket buffer is full,
     *         {@code -EPIPE} when the peer is gone).
     */
    public static native int sendMessage(int sock, byte[] message, int fd);

    /**
     * {@code read(2)} of at most 256 bytes (one message of a {@code SOCK_SEQPACKET} socket, or
     * records of the signal relay); blocks; retried on {@code EINTR}.
     *
     * @param fd  the descriptor.
     * @param dst receives the bytes.
     * @return the count, 0 at end of file, or {@code -errno}.
     */
    public static native int read(int fd, byte[] dst);

    /**
     * {@code waitpid(pid, &status, 0)}, retried on {@code EINTR}.
     *
     * @param pid a child of this process.
     * @return the raw wait status, or {@code -errno}.
     */
    public static native int waitPid(int pid);

    /**
     * {@code kill(2)} of one process.
     *
     * @param pid a process id, positive (never a group).
     * @param sig the signal number.
     * @return 0 or {@code -errno}.
     */
    public static native int kill(int pid, int sig);

    /**
     * Installs the signal relay for the given signals (at most 8): while installed they do not end
     * the JVM; each delivery writes three native-order ints {signal, si_code, si_pid} to a pipe whose
     * read end is returned. A signal that is ignored now stays ignored. One relay per process.
     *
     * @param signals   signal numbers.
     * @param installed receives 1 for each signal whose handler was installed, else 0.
     * @return the pipe's read end (the reader closes it after end of file), or {@code -errno}
     *         ({@code -EBUSY} when a relay is installed).
     */
    public static native int signalRelayInstall(int[] signals, int[] installed);

    /**
     * Restores the handlers the relay replaced and closes the pipe's write end, so the reader sees
     * end of file.
     *
     * @return 0.
     */
    public static native int signalRelayRemove();

    // ---- futex on a shared mapping: the host lock table's wake stripes (ABI 8) ----

    /**
     * {@code futex(FUTEX_WAIT)} on a 32-bit word of a {@code MAP_SHARED} mapping (a shared futex,
     * not {@code FUTEX_PRIVATE_FLAG}, so that another process mapping the same file can wake it).
     *
     * @param address      the word's address, 4-byte aligned.
     * @param expected     sleep only while the word holds this value.
     * @param timeoutNanos most time to sleep; negative for no limit.
     * @return 0 when woken (possibly spuriously), {@code -EAGAIN} when the word differs from
     *         {@code expected}, {@code -ETIMEDOUT}, {@code -EINTR}, or another {@code -errno}.
     */
    public static native int futexWait(long address, int expected, long timeoutNanos);

    /**
     * {@code futex(FUTEX_WAKE)} on a 32-bit word of a {@code MAP_SHARED} mapping.
     *
     * @param address the word's address, 4-byte aligned.
     * @param count   most waiters to wake.
     * @return how many were woken, or {@code -errno}.
     */
    public static native int futexWake(long address, int count);
}

package io.pathlock.posix;

import java.nio.file.Path;
import java.util.List;

/**
 * The system calls the lock-file store needs, behind one interface with three implementations:
 * {@link JniPosix}, {@link JnrPosix} and {@link NioPosix}; {@link PosixBackends} picks one.
 *
 * <h2>Conventions</h2>
 * <ol>
 *   <li><b>Result codes.</b> Every call returns a non-negative value on success and {@code -errno}
 *   (Linux numbers, {@link Errno}) on failure; none throws for a failed call. Turn a code into an
 *   exception with {@link PosixException#check(int, String, Path)}. Programming errors (a null
 *   argument) throw {@link NullPointerException}.</li>
 *   <li><b>Paths</b> are {@link Path}s of the default file system. A relative path resolves against
 *   the process's working directory, as in the C library. The path's bytes are the ones the JDK
 *   would use ({@code sun.jnu.encoding}, UTF-8 here), so that every backend names the same file as
 *   {@link java.nio.file.Files} does. A path is never resolved or normalised here: a symlink in it is
 *   followed exactly as the named call follows it.</li>
 *   <li><b>File descriptors</b> are {@code int}s that only the backend that returned them accepts.
 *   For {@link JniPosix} and {@link JnrPosix} they are real kernel descriptors opened with
 *   {@code O_CLOEXEC}; for {@link NioPosix} they are handles into a table of channels
 *   ({@link #hasRealFileDescriptors()}). Every descriptor returned must be passed to
 *   {@link #close(int)} exactly once.</li>
 *   <li><b>Interrupted calls</b> ({@code EINTR}) are retried inside the backend, except
 *   {@code close}, which never reports {@code EINTR}.</li>
 *   <li><b>Locks.</b> With {@link #supportsFlock()}, {@link #flock(int, int)} is {@code flock(2)}:
 *   the lock belongs to the open file description, so two descriptors from two
 *   {@link #openRead(Path)} calls exclude each other even in one process, and the lock is released
 *   when its description is closed or its process dies. Without it, see {@link NioPosix}.</li>
 * </ol>
 *
 * <p>Thread-safety: implementations are thread-safe; a descriptor may be used from any thread, but
 * closing a descriptor while another thread uses it is a caller error, as in C.
 */
public interface Posix
{
    /** {@link #flock(int, int)} operation: shared lock. */
    int LOCK_SH = 1;

    /** {@link #flock(int, int)} operation: exclusive lock. */
    int LOCK_EX = 2;

    /** {@link #flock(int, int)} flag: return {@code -EWOULDBLOCK} instead of waiting. */
    int LOCK_NB = 4;

    /** {@link #flock(int, int)} operation: release. */
    int LOCK_UN = 8;

    /** {@link #createExclusive} flag: {@code fdatasync} the new file before returning. */
    int CREATE_SYNC_DATA = 1;

    /**
     * {@link #createExclusive} flag: take an exclusive non-blocking {@link #flock} on the new
     * descriptor right after creating the file, before writing the content, so that the file is
     * locked from (almost) the moment it becomes visible. A creator that needs it locked from the
     * very first moment creates a temporary file with this flag and publishes it with
     * {@link #link}.
     */
    int CREATE_LOCK_EXCLUSIVE = 2;

    /**
     * Whether {@link #futexWait} and {@link #futexWake} are real {@code futex(2)} calls on shared
     * mappings (the JNI backend); false on jnr-posix and java.nio, whose callers back off instead.
     *
     * @return true when futexes are available.
     */
    default boolean supportsFutex()
    {
        return false;
    }

    /**
     * {@code futex(FUTEX_WAIT)} on a 32-bit word of a {@code MAP_SHARED} mapping (shared futex).
     *
     * @param address      the word's address, 4-byte aligned.
     * @param expected     sleep only while the word holds this value.
     * @param timeoutNanos most time to sleep; negative for no limit.
     * @return 0 when woken (possibly spuriously), {@code -EAGAIN} when the word differs,
     *         {@code -ETIMEDOUT}, {@code -EINTR}, or {@code -ENOSYS} without {@link #supportsFutex()}.
     */
    default int futexWait(final long address, final int expected, final long timeoutNanos)
    {
        return -Errno.ENOSYS;
    }

    /**
     * {@code futex(FUTEX_WAKE)} on a 32-bit word of a {@code MAP_SHARED} mapping.
     *
     * @param address the word's address, 4-byte aligned.
     * @param count   most waiters to wake.
     * @return how many were woken, or {@code -ENOSYS} without {@link #supportsFutex()}.
     */
    default int futexWake(final long address, final int count)
    {
        return -Errno.ENOSYS;
    }

    /**
     * Which implementation this is.
     *
     * @return the backend.
     */
    PosixBackend backend();

    /**
     * Whether {@link #flock(int, int)} is real {@code flock(2)}: owned by the open file description,
     * shared locks compatible, released by the kernel when the holder dies, and seen by every other
     * process that uses {@code flock(2)} on the file (other engines on JNI or jnr-posix,
     * util-linux {@code flock(1)}). False for {@link NioPosix}, which emulates it with
     * {@code fcntl} record locks that {@code flock(2)} users do not see.
     *
     * @return true for real {@code flock(2)}.
     */
    boolean supportsFlock();

    /**
     * Whether descriptors are kernel file descriptors (which other code in this process could use
     * with other native calls). False for {@link NioPosix}, whose descriptors are table handles.
     *
     * @return true for kernel descriptors.
     */
    boolean hasRealFileDescriptors();

    /**
     * Creates a file that must not exist yet and writes its whole content, in one call:
     * {@code open(O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode)}, then {@code flock(LOCK_EX | LOCK_NB)}
     * with {@link #CREATE_LOCK_EXCLUSIVE}, then a write loop, then {@code fdatasync} with
     * {@link #CREATE_SYNC_DATA}. If anything after the create fails, the new file is unlinked (only
     * while the path still names the file this call created) and nothing stays open. The descriptor
     * returned is open for writing (and for reading on {@link NioPosix}).
     *
     * <p>Two concurrent calls on one path never both succeed. The file is visible (empty) between the
     * create and the end of the write: a reader must treat an empty or partial file as held, or the
     * creator must publish through a temporary file and {@link #link}.
     *
     * @param path    the file to create; a symlink at the path counts as existing.
     * @param content bytes to write, from index 0.
     * @param length  how many bytes of {@code content} to write.
     * @param mode    permission bits, such as {@code 0644} (masked by the umask).
     * @param flags   {@link #CREATE_SYNC_DATA} and/or {@link #CREATE_LOCK_EXCLUSIVE}, or 0.
     * @return the descriptor, or {@code -EEXIST} when the path exists, or another {@code -errno}.
     */
    int createExclusive(Path path, byte[] content, int length, int mode, int flags);

    /**
     * Opens a file (or directory) for reading: {@code open(O_RDONLY | O_CLOEXEC)}; follows symlinks.
     * The descriptor can be locked with {@link #flock(int, int)} in either mode.
     *
     * @param path the file.
     * @return the descriptor, or {@code -errno}.
     */
    int openRead(Path path);

    /**
     * Reads a whole small file (open, read to the end, close).
     *
     * @param path the file; symlinks are followed.
     * @param dst  receives the content from index 0; its length is the largest size accepted.
     * @return the number of bytes read (0 for an empty file), {@code -EFBIG} when the file holds more
     *         than {@code dst.length} bytes, or {@code -errno}.
     */
    int readFile(Path path, byte[] dst);

    /**
     * Reads the whole file open on {@code fd} from offset 0 ({@code pread}; the descriptor's own
     * offset is not used). Reading the lock file through the descriptor that holds its
     * {@code flock} guarantees the content belongs to the locked inode.
     *
     * @param fd  a readable descriptor of this backend.
     * @param dst receives the content from index 0; its length is the largest size accepted.
     * @return the number of bytes read, {@code -EFBIG} when the file holds more than
     *         {@code dst.length} bytes, or {@code -errno} ({@code -EBADF} for a write-only
     *         descriptor on the native backends).
     */
    int preadAll(int fd, byte[] dst);

    /**
     * {@code stat(2)}: follows symlinks.
     *
     * @param path the file.
     * @param out  filled on success.
     * @return 0 or {@code -errno}.
     */
    int stat(Path path, PosixStat out);

    /**
     * {@code lstat(2)}: a symlink describes itself.
     *
     * @param path the file.
     * @param out  filled on success.
     * @return 0 or {@code -errno}.
     */
    int lstat(Path path, PosixStat out);

    /**
     * {@code fstat(2)}: the file the descriptor is open on, even if it has been unlinked or replaced
     * since ({@link PosixStat#nlink()} is 0 once unlinked). See {@link NioPosix} for how it
     * approximates this.
     *
     * @param fd  a descriptor of this backend.
     * @param out filled on success.
     * @return 0 or {@code -errno}.
     */
    int fstat(int fd, PosixStat out);

    /**
     * {@code link(2)}: gives an existing file a second name, atomically and only if that name is free.
     *
     * @param existing the file.
     * @param newPath  the new name.
     * @return 0, {@code -EEXIST} when {@code newPath} exists, or another {@code -errno}.
     */
    int link(Path existing, Path newPath);

    /**
     * {@code rename(2)}: atomically replaces {@code to} if it exists.
     *
     * @param from current name.
     * @param to   new name.
     * @return 0 or {@code -errno}.
     */
    int rename(Path from, Path to);

    /**
     * {@code unlink(2)}: removes a name (never a directory).
     *
     * @param path the name.
     * @return 0, {@code -ENOENT} when it does not exist, {@code -EISDIR} for a directory, or another
     *         {@code -errno}.
     */
    int unlink(Path path);

    /**
     * {@code mkdir(2)}: one directory (not its parents).
     *
     * @param path the directory.
     * @param mode permission bits, such as {@code 0755} (masked by the umask).
     * @return 0, {@code -EEXIST} when the path exists, or another {@code -errno}.
     */
    int mkdir(Path path, int mode);

    /**
     * {@code flock(2)}, or its emulation when {@link #supportsFlock()} is false. Converting a held
     * lock to the other mode is not atomic (as in {@code flock(2)}).
     *
     * @param fd        a descriptor of this backend.
     * @param operation {@link #LOCK_SH}, {@link #LOCK_EX} or {@link #LOCK_UN}, optionally or-ed with
     *                  {@link #LOCK_NB}.
     * @return 0, {@code -EWOULDBLOCK} when {@link #LOCK_NB} is set and another holder conflicts, or
     *         another {@code -errno}.
     */
    int flock(int fd, int operation);

    /**
     * {@code fsync(2)}: makes the file's data and metadata durable.
     *
     * @param fd a descriptor of this backend.
     * @return 0 or {@code -errno}.
     */
    int fsync(int fd);

    /**
     * {@code fdatasync(2)}: makes the file's data (and the metadata needed to read it) durable.
     *
     * @param fd a descriptor of this backend.
     * @return 0 or {@code -errno}.
     */
    int fdatasync(int fd);

    /**
     * Opens a directory, {@code fsync}s it and closes it: makes the creation, removal or renaming of
     * entries in it durable.
     *
     * @param dir the directory.
     * @return 0 or {@code -errno}.
     */
    int fsyncDirectory(Path dir);

    /**
     * {@code close(2)}: releases the descriptor and any {@link #flock} held through it.
     * {@code EINTR} counts as success, because Linux has released the descriptor by then.
     *
     * @param fd a descriptor of this backend.
     * @return 0 or {@code -errno} ({@code -EBADF} for a descriptor that is not open).
     */
    int close(int fd);

    /**
     * The id of this process.
     *
     * @return {@code getpid()}.
     */
    int getpid();

    /**
     * Finds every regular file called {@code fileName} at any depth below {@code start}; a
     * {@code fileName} of the form {@code *SUFFIX} finds every regular file whose name ends in SUFFIX
     * (SUFFIX itself included), so that one walk finds both {@code .path.ovlock} and the sidecars
     * {@code .NAME.path.ovlock} with the pattern {@code *.path.ovlock}.
     *
     * <ul>
     *   <li>Symlinks below {@code start} are neither followed nor reported ({@code start} itself is
     *   followed).</li>
     *   <li>Directories called {@code skipDirName}, at any depth, are not entered.</li>
     *   <li>An entry removed or replaced during the walk is skipped; any other error (for example
     *   {@code EACCES} on a sub-directory) fails the whole walk, so that a scan for locks never
     *   misses one silently. On failure nothing is added to {@code out}.</li>
     * </ul>
     *
     * @param start       the directory to walk.
     * @param fileName    the name to find, or {@code *SUFFIX}; no {@code /}, not empty, {@code .} or
     *                    {@code ..}.
     * @param skipDirName a directory name never entered, or null.
     * @param out         receives each match as a path relative to {@code start}, such as
     *                    {@code a/b/.path.ovlock}, in no particular order.
     * @return the number of matches added, {@code -EINVAL} for a bad name, or {@code -errno}.
     */
    int findFiles(Path start, String fileName, String skipDirName, List<Path> out);

    // ---- descriptor-relative calls (DESIGN §3.2 property 7: nothing escapes the root, nothing blocks) ----
    // Every backend implements these; the defaults answer -ENOSYS only so that a Posix written
    // against an older version of this interface (a test double) still compiles.

    /** {@link WalkVisitor} answer: go on. */
    boolean WALK_CONTINUE = true;

    /**
     * Opens a directory given by path, to anchor descriptor-relative calls:
     * {@code open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)}. Symlinks in {@code path} are followed
     * (the root itself may be reached through a link); everything below it is then reached with
     * {@link #openDirAt} and never follows one.
     *
     * @param dir the directory.
     * @return the descriptor, {@code -ENOTDIR} if it is not a directory, or another {@code -errno}.
     */
    default int openDirectory(final Path dir)
    {
        return -Errno.ENOSYS;
    }

    /**
     * Opens a sub-directory relative to a directory descriptor without following a symlink:
     * {@code openat(dirFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)}.
     *
     * @param dirFd a directory descriptor of this backend.
     * @param name  one name component (no {@code '/'}, not empty, not {@code "."} or {@code ".."}),
     *              as raw bytes; anything else is refused with {@code -EINVAL}.
     * @return the descriptor; {@code -ENOENT}; {@code -ELOOP} for a symlink; {@code -ENOTDIR} for any
     *         other non-directory; or another {@code -errno}.
     */
    default int openDirAt(final int dirFd, final byte[] name)
    {
        return -Errno.ENOSYS;
    }

    /**
     * {@code fstatat(dirFd, name, out, AT_SYMLINK_NOFOLLOW)}: a symlink describes itself.
     *
     * @param dirFd a directory descriptor of this backend.
     * @param name  one name component, raw bytes.
     * @param out   filled on success.
     * @return 0 or {@code -errno}.
     */
    default int fstatAt(final int dirFd, final byte[] name, final PosixStat out)
    {
        return -Errno.ENOSYS;
    }

    /**
     * Opens an entry for reading in a way that can never block and never follows a symlink:
     * {@code openat(dirFd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)}, then
     * {@code fstat} of the descriptor into {@code out}. A FIFO or device opens without blocking and
     * is reported by its type in {@code out}; the caller must check {@link PosixStat#isRegularFile()}
     * before reading. A directory opens too (its type in {@code out}).
     *
     * @param dirFd a directory descriptor of this backend.
     * @param name  one name component, raw bytes.
     * @param out   filled with the opened file's {@code fstat} on success.
     * @return the descriptor, {@code -ELOOP} for a symlink, {@code -ENOENT}, or another {@code -errno}
     *         ({@code -ENXIO} for a socket, as Linux reports it).
     */
    default int openReadAt(final int dirFd, final byte[] name, final PosixStat out)
    {
        return -Errno.ENOSYS;
    }

    /**
     * {@link #createExclusive} relative to a directory descriptor:
     * {@code openat(dirFd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode)}, with
     * the same flags and clean-up rules ({@code unlinkat} of what it created if a later step fails).
     *
     * @param dirFd   a directory descriptor of this backend.
     * @param name    one name component, raw bytes.
     * @param content bytes to write, from index 0.
     * @param length  how many bytes of {@code content} to write.
     * @param mode    permission bits (masked by the umask).
     * @param flags   {@link #CREATE_SYNC_DATA} and/or {@link #CREATE_LOCK_EXCLUSIVE}, or 0.
     * @return the descriptor, {@code -EEXIST}, or another {@code -errno}.
     */
    default int createExclusiveAt(final int dirFd, final byte[] name, final byte[] content, final int length,
        final int mode, final int flags)
    {
        return -Errno.ENOSYS;
    }

    /**
     * {@code linkat(oldDirFd, oldName, newDirFd, newName, 0)}: never follows a symlink, never
     * replaces an existing name.
     *
     * @param oldDirFd directory descriptor of the existing name.
     * @param oldName  the existing name component.
     * @param newDirFd directory descriptor of the new name.
     * @param newName  the new name component.
     * @return 0, {@code -EEXIST}, or another {@code -errno}.
     */
    default int linkAt(final int oldDirFd, final byte[] oldName, final int newDirFd, final byte[] newName)
    {
        return -Errno.ENOSYS;
    }

    /**
     * {@code renameat(oldDirFd, oldName, newDirFd, newName)}: atomically replaces {@code newName}.
     *
     * @param oldDirFd directory descriptor of the current name.
     * @param oldName  current name component.
     * @param newDirFd directory descriptor of the new name.
     * @param newName  new name component.
     * @return 0 or {@code -errno}.
     */
    default int renameAt(final int oldDirFd, final byte[] oldName, final int newDirFd, final byte[] newName)
    {
        return -Errno.ENOSYS;
    }

    /**
     * {@code unlinkat(dirFd, name, 0)}: removes a name that is not a directory (a symlink itself,
     * never its target).
     *
     * @param dirFd a directory descriptor of this backend.
     * @param name  one name component.
     * @return 0, {@code -ENOENT}, {@code -EISDIR}, or another {@code -errno}.
     */
    default int unlinkAt(final int dirFd, final byte[] name)
    {
        return -Errno.ENOSYS;
    }

    /**
     * {@code mkdirat(dirFd, name, mode)}.
     *
     * @param dirFd a directory descriptor of this backend.
     * @param name  one name component.
     * @param mode  permission bits (masked by the umask).
     * @return 0, {@code -EEXIST}, or another {@code -errno}.
     */
    default int mkdirAt(final int dirFd, final byte[] name, final int mode)
    {
        return -Errno.ENOSYS;
    }

    /**
     * What {@link #walkAt} reports.
     */
    interface WalkVisitor
    {
        /**
         * An entry whose name matched, whatever its type.
         *
         * @param relativePath the entry's path relative to the walk's start, components joined by
         *                     {@code '/'}, raw bytes (names need not be valid UTF-8).
         * @param fileType     the {@link PosixStat#S_IFMT} bits of the entry ({@code lstat} sense:
         *                     a symlink is {@link PosixStat#S_IFLNK}), or 0 if it vanished.
         * @return {@link Posix#WALK_CONTINUE} to go on, false to stop the walk.
         */
        boolean match(byte[] relativePath, int fileType);

        /**
         * A sub-directory (or its entries) could not be read; the walk did not descend below it.
         *
         * @param relativePath the sub-directory, relative to the start (empty for the start).
         * @param errno        the positive error number.
         * @return {@link Posix#WALK_CONTINUE} to go on with the rest of the tree, false to stop.
         */
        boolean error(byte[] relativePath, int errno);
    }

    /**
     * Walks the whole tree below a directory descriptor, descriptor-relative: each sub-directory is
     * entered with {@code openat(O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK)} from its parent's
     * descriptor, so no symlink is ever followed and no rename elsewhere can lead the walk outside
     * the start. Every entry (any type) whose name ends with one of {@code suffixes} or starts with
     * one of {@code prefixes} is reported to {@code visitor.match}; directories called
     * {@code skipDirName} are not entered (a matching name is still reported). An entry that
     * vanishes during the walk is skipped. A sub-directory that cannot be opened or read (for example
     * {@code EACCES}, or {@code EMFILE} in a very deep tree) is reported to {@code visitor.error}.
     * Depth is not limited by {@code PATH_MAX}.
     *
     * @param dirFd       the start (not closed by the walk).
     * @param suffixes    name suffixes to match (raw bytes; a name equal to a suffix matches), or null
     *                    for none; an empty suffix matches every name.
     * @param prefixes    name prefixes to match (raw bytes), or null for none.
     * @param skipDirName a directory name never entered, or null.
     * @param visitor     receives matches and errors.
     * @return the number of matches reported, or {@code -errno} when the start itself cannot be read;
     *         a walk stopped by the visitor returns the matches reported so far.
     */
    default int walkAt(final int dirFd, final byte[][] suffixes, final byte[][] prefixes, final byte[] skipDirName,
        final WalkVisitor visitor)
    {
        return -Errno.ENOSYS;
    }
}

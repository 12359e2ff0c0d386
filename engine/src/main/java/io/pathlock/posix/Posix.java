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
}

package io.pathlock.posix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.file.AccessDeniedException;
import java.nio.file.ClosedDirectoryStreamException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link Posix} over java.nio only: the fallback that works wherever the JDK does, with weaker
 * locking. Errno codes are derived from the JDK's exceptions (their type, else the
 * {@code strerror} text the JDK puts in them, else {@code EIO}).
 *
 * <h2>Descriptors</h2>
 * NIO exposes no kernel descriptors, so a descriptor here is a synthetic number (starting at
 * {@value #FIRST_FD}) naming an entry of a JVM-wide table of {@link FileChannel}s
 * ({@link #hasRealFileDescriptors()} is false). {@link #openRead(Path)} opens the file read-write
 * when the permissions allow it (so that it can carry an exclusive lock) and read-only otherwise;
 * {@link #createExclusive} opens the new file read-write.
 *
 * <h2>{@code fstat}</h2>
 * NIO cannot stat an open channel. The identity of the file (device, inode, mode, owner) is taken
 * with a {@code stat} of the path right after opening it. {@link #fstat(int, PosixStat)} stats the
 * path again: while the path still names the same inode that result is returned; once it does not
 * (unlinked, renamed or replaced), the identity from the open is returned with the channel's
 * current size and {@code nlink} 0, meaning "no longer at its path". A file replaced in the
 * microseconds between the open and its first {@code stat} is misidentified.
 *
 * <h2>Locks: weaker than {@code flock(2)}, so {@link #supportsFlock()} is false</h2>
 * <ol>
 *   <li>Across processes, a lock is a {@code fcntl} record lock over the whole file
 *   ({@link FileChannel#tryLock}). {@code fcntl} and {@code flock(2)} locks do not see each other on
 *   Linux: a process using this backend and one using {@link JniPosix} or {@link JnrPosix} (or
 *   util-linux {@code flock(1)}) do <em>not</em> exclude each other. All processes sharing a lock
 *   root must use flock-capable backends, or all this one.</li>
 *   <li>{@code fcntl} locks belong to the process, so inside the JVM this class arbitrates itself:
 *   per file (device, inode) it keeps the handles that hold it shared or exclusive, with
 *   {@code flock} semantics between handles (shared locks compatible, exclusive exclusive), and
 *   holds one kernel lock for all of them.</li>
 *   <li>Closing <em>any</em> descriptor of a file drops the process's {@code fcntl} locks on it. This
 *   class therefore defers closing a channel (its own, or one opened by {@link #readFile}) while the
 *   file is locked through another handle, and closes it when the last lock on the file goes. A
 *   channel on the same file opened by other code in the JVM still drops the lock when closed.</li>
 *   <li>An exclusive lock needs a channel open for writing: on a read-only handle it is
 *   {@code -EBADF} (as {@code fcntl(F_WRLCK)} would be).</li>
 *   <li>A blocking lock waits by notification for holders in this JVM, and by polling with a backoff
 *   from 1 to 50 ms for holders in other processes. An interrupted waiter returns {@code -EINTR}
 *   with its interrupt status set.</li>
 *   <li>A lock held by another part of this JVM outside this class ({@link OverlappingFileLockException})
 *   counts as held ({@code -EWOULDBLOCK}).</li>
 * </ol>
 *
 * <h2>Other differences</h2>
 * {@link #unlink(Path)} checks for a directory first (NIO would {@code rmdir} it), so a directory
 * that replaces the file between the check and the delete is removed if empty. {@link #findFiles}
 * walks with {@link Files#walkFileTree} without following links, over the real path of the start.
 *
 * <h2>Descriptor-relative calls</h2>
 * A directory descriptor ({@link #openDirectory}, {@link #openDirAt}) is a handle on a
 * {@link SecureDirectoryStream} (on Linux the JDK's stream holds a kernel directory descriptor and
 * its methods are the {@code *at} calls), together with the absolute path the directory was reached
 * by. What each call becomes:
 * <ul>
 *   <li>{@code openDirAt}: a {@code NOFOLLOW} attribute read ({@code fstatat}) that refuses a symlink
 *   ({@code -ELOOP}) or a non-directory ({@code -ENOTDIR}), then
 *   {@code newDirectoryStream(name, NOFOLLOW_LINKS)} ({@code openat(O_NOFOLLOW)}): a directory
 *   replaced by a symlink in between is refused by the kernel.</li>
 *   <li>{@code openReadAt}: the same type check; a regular file or a directory is opened with
 *   {@code newByteChannel(name, READ[, WRITE], NOFOLLOW_LINKS)}, anything else (FIFO, socket,
 *   device) is refused with {@code -ENXIO} and its type reported in {@code out}, because NIO has no
 *   {@code O_NONBLOCK} and opening a FIFO would block until a writer comes. As for
 *   {@link #openRead}, the file is opened read-write when permissions allow, so that it can carry an
 *   exclusive lock.</li>
 *   <li>{@code createExclusiveAt}: {@code newByteChannel(name, CREATE_NEW, READ, WRITE,
 *   NOFOLLOW_LINKS)} ({@code openat(O_CREAT | O_EXCL | O_NOFOLLOW)}).</li>
 *   <li>{@code renameAt}: {@link SecureDirectoryStream#move} ({@code renameat}); {@code unlinkAt}:
 *   {@link SecureDirectoryStream#deleteFile} ({@code unlinkat(0)}); {@code fstatAt}: a
 *   {@code NOFOLLOW} {@link PosixFileAttributeView} of the stream ({@code fstatat}).</li>
 *   <li>{@code walkAt}: iterative over streams opened with {@code newDirectoryStream(name,
 *   NOFOLLOW_LINKS)} from the parent's stream, never by path.</li>
 * </ul>
 *
 * <p>Remaining gaps, each because NIO has no call for it:
 * <ol>
 *   <li><b>No {@code linkat}, no {@code mkdirat}.</b> {@code linkAt} and {@code mkdirAt} check that
 *   each directory handle's path still names the directory its stream is open on ({@code -ESTALE}
 *   if not), then call {@link Files#createLink} / {@link Files#createDirectory} on
 *   {@code path/name}. Between the check and the call (microseconds) a rename of an ancestor of that
 *   path into a symlink can redirect the new link or directory outside the root; nothing is ever
 *   removed or replaced through it (link(2) and mkdir(2) never replace), and the last component is
 *   never followed. Paths longer than {@code PATH_MAX} fail with {@code -ENAMETOOLONG}.</li>
 *   <li><b>No {@code O_NONBLOCK}, no {@code O_DIRECTORY}.</b> The type checks before
 *   {@code openDirectory}, {@code openDirAt}, {@code openReadAt} and the walk's descents are one
 *   attribute read apart from the open: an entry replaced by a FIFO in that window blocks the
 *   opening thread until a writer opens the FIFO.</li>
 *   <li><b>Stat fields.</b> NIO's {@code fstatat} ({@link PosixFileAttributes}) gives no link count,
 *   no numeric owner and no file type beyond regular / directory / symlink / other; device and inode
 *   come from its {@code fileKey()} text {@code (dev=HEX,ino=DEC)}. The full {@code unix:*}
 *   attributes of {@code path/name} are read too and used whenever they describe the same device
 *   and inode; when they do not (path swapped, or longer than {@code PATH_MAX}) the result has
 *   {@code nlink} 1, {@code uid} -1 and, for a special file, no type bits (0).</li>
 *   <li><b>Names that are not valid UTF-8</b> (more precisely, not decodable in
 *   {@code sun.jnu.encoding}) cannot become a {@link Path}: every call given such a name returns
 *   {@code -EINVAL}. {@code walkAt} handles them: it keeps the {@link Path}s its streams return
 *   (which carry the raw bytes) to descend, and recovers the raw bytes it reports from
 *   {@link Path#toUri()}.</li>
 *   <li>A directory descriptor supports {@link #fstat}, {@link #fsync} (through its path, when that
 *   still names it, else {@code -ESTALE}) and {@link #close}; {@link #flock} and {@link #preadAll}
 *   on it are {@code -EBADF}. Each directory descriptor holds two kernel descriptors (the JDK
 *   duplicates it).</li>
 * </ol>
 *
 * <p>Thread-safety: thread-safe. The handle table is concurrent; lock bookkeeping is guarded by one
 * JVM-wide monitor, which no call holds while doing I/O other than a non-blocking lock attempt.
 */
public final class NioPosix implements Posix
{
    /** First synthetic descriptor number; chosen far above real descriptors to make misuse visible. */
    public static final int FIRST_FD = 1 << 20;

    private static final long MIN_BACKOFF_MILLIS = 1;
    private static final long MAX_BACKOFF_MILLIS = 50;

    private static final String STAT_ATTRIBUTES = "unix:ino,dev,size,mode,lastModifiedTime,nlink,uid";
    private static final LinkOption[] FOLLOW = new LinkOption[0];
    private static final LinkOption[] NOFOLLOW = { LinkOption.NOFOLLOW_LINKS };

    private static final Set<OpenOption> CREATE_OPTIONS =
        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    private static final Set<OpenOption> READ_WRITE_OPTIONS = Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE);
    private static final Set<OpenOption> READ_OPTIONS = Set.of(StandardOpenOption.READ);

    private static final AtomicInteger NEXT_FD = new AtomicInteger(FIRST_FD);
    private static final ConcurrentHashMap<Integer, Handle> HANDLES = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Integer, DirHandle> DIRS = new ConcurrentHashMap<>();

    private static final Set<OpenOption> CREATE_AT_OPTIONS = Set.of(
        StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    private static final Set<OpenOption> READ_WRITE_AT_OPTIONS =
        Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    private static final Set<OpenOption> READ_AT_OPTIONS = Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    private static final Path DOT = Path.of(".");
    private static final Pattern FILE_KEY = Pattern.compile("\\(dev=([0-9a-f]+),ino=([0-9]+)\\)");

    /** Guards {@link #LOCKS}, {@link Handle#lockMode} and {@link Handle#closed}. */
    private static final Object LOCK_MONITOR = new Object();
    private static final Map<FileId, LockEntry> LOCKS = new HashMap<>();
    private static volatile int lockedFiles;

    private static final int PID = (int)ProcessHandle.current().pid();

    /**
     * Creates the backend. All instances share one JVM-wide table of descriptors and locks.
     */
    public NioPosix()
    {
    }

    /** {@inheritDoc} */
    @Override
    public PosixBackend backend()
    {
        return PosixBackend.NIO;
    }

    /** {@inheritDoc} */
    @Override
    public boolean supportsFlock()
    {
        return false;
    }

    /** {@inheritDoc} */
    @Override
    public boolean hasRealFileDescriptors()
    {
        return false;
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
        final FileChannel channel;
        try
        {
            channel = FileChannel.open(path, CREATE_OPTIONS, permissions(mode));
        }
        catch (final IOException | RuntimeException ex)
        {
            return -errno(ex);
        }
        final Handle handle = register(path, channel, true);
        final int fd = handle.fd;
        final int rc = lockWriteSync(handle, content, length, flags);
        if (rc != 0)
        {
            unlinkIfSame(handle);
            close(fd);
            return rc;
        }
        return fd;
    }

    /** The steps of an exclusive create after the open: optional lock, the write, optional sync. */
    private int lockWriteSync(final Handle handle, final byte[] content, final int length, final int flags)
    {
        int rc = 0;
        if ((flags & CREATE_LOCK_EXCLUSIVE) != 0)
        {
            rc = flock(handle.fd, LOCK_EX | LOCK_NB);
        }
        if (rc == 0)
        {
            try
            {
                final ByteBuffer buffer = ByteBuffer.wrap(content, 0, length);
                while (buffer.hasRemaining())
                {
                    handle.channel.write(buffer);
                }
                if ((flags & CREATE_SYNC_DATA) != 0)
                {
                    handle.channel.force(false);
                }
            }
            catch (final IOException | RuntimeException ex)
            {
                rc = -errno(ex);
            }
        }
        return rc;
    }

    /** {@inheritDoc} */
    @Override
    public int openRead(final Path path)
    {
        FileChannel channel;
        boolean writable = true;
        try
        {
            channel = FileChannel.open(path, READ_WRITE_OPTIONS);
        }
        catch (final IOException | RuntimeException rwFailure)
        {
            writable = false;
            try
            {
                channel = FileChannel.open(path, READ_OPTIONS);
            }
            catch (final IOException | RuntimeException ex)
            {
                return -errno(ex);
            }
        }
        return register(path, channel, writable).fd;
    }

    /** {@inheritDoc} */
    @Override
    public int readFile(final Path path, final byte[] dst)
    {
        Objects.requireNonNull(dst, "dst");
        final FileChannel channel;
        try
        {
            channel = FileChannel.open(path, READ_OPTIONS);
        }
        catch (final IOException | RuntimeException ex)
        {
            return -errno(ex);
        }
        final int n = readAll(channel, dst);
        FileId id = null;
        if (lockedFiles > 0)
        {
            final Map<String, Object> attributes = attributesOrNull(path, FOLLOW);
            id = attributes == null ? null : new FileId(attributes);
        }
        final int closed = closeOrPark(channel, id);
        return n < 0 ? n : (closed < 0 ? closed : n);
    }

    /** {@inheritDoc} */
    @Override
    public int preadAll(final int fd, final byte[] dst)
    {
        Objects.requireNonNull(dst, "dst");
        final Handle handle = HANDLES.get(fd);
        return handle == null ? -Errno.EBADF : readAll(handle.channel, dst);
    }

    /** {@inheritDoc} */
    @Override
    public int stat(final Path path, final PosixStat out)
    {
        return stat(path, out, FOLLOW);
    }

    /** {@inheritDoc} */
    @Override
    public int lstat(final Path path, final PosixStat out)
    {
        return stat(path, out, NOFOLLOW);
    }

    /** {@inheritDoc} */
    @Override
    public int fstat(final int fd, final PosixStat out)
    {
        final DirHandle dirHandle = DIRS.get(fd);
        if (dirHandle != null)
        {
            return statThrough(dirHandle.stream, null, dirHandle.path, out);
        }
        final Handle handle = HANDLES.get(fd);
        if (handle == null)
        {
            return -Errno.EBADF;
        }
        final PosixStat atOpen = handle.atOpen;
        if (atOpen == null)
        {
            return -Errno.ESTALE;
        }
        final Map<String, Object> attributes = attributesOrNull(handle.path, FOLLOW);
        if (attributes != null && (Long)attributes.get("ino") == atOpen.ino() && (Long)attributes.get("dev") == atOpen.dev())
        {
            fill(attributes, out);
            return 0;
        }
        long size;
        try
        {
            size = handle.channel.size();
        }
        catch (final IOException ex)
        {
            size = atOpen.size();
        }
        out.set(atOpen.ino(), atOpen.dev(), size, atOpen.mode(), atOpen.mtimeNanos(), 0, atOpen.uid());
        return 0;
    }

    /** {@inheritDoc} */
    @Override
    public int link(final Path existing, final Path newPath)
    {
        try
        {
            Files.createLink(newPath, existing);
            return 0;
        }
        catch (final IOException | RuntimeException ex)
        {
            return -errno(ex);
        }
    }

    /** {@inheritDoc} */
    @Override
    public int rename(final Path from, final Path to)
    {
        try
        {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            return 0;
        }
        catch (final IOException | RuntimeException ex)
        {
            return -errno(ex);
        }
    }

    /** {@inheritDoc} */
    @Override
    public int unlink(final Path path)
    {
        try
        {
            if (Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW).isDirectory())
            {
                return -Errno.EISDIR;
            }
            Files.delete(path);
            return 0;
        }
        catch (final IOException | RuntimeException ex)
        {
            return -errno(ex);
        }
    }

    /** {@inheritDoc} */
    @Override
    public int mkdir(final Path path, final int mode)
    {
        try
        {
            Files.createDirectory(path, permissions(mode));
            return 0;
        }
        catch (final IOException | RuntimeException ex)
        {
            return -errno(ex);
        }
    }

    /** {@inheritDoc} */
    @Override
    public int flock(final int fd, final int operation)
    {
        final Handle handle = HANDLES.get(fd);
        if (handle == null)
        {
            return -Errno.EBADF;
        }
        final int mode = operation & ~LOCK_NB;
        final boolean nonBlocking = (operation & LOCK_NB) != 0;
        if (mode != LOCK_SH && mode != LOCK_EX && mode != LOCK_UN)
        {
            return -Errno.EINVAL;
        }
        final List<FileChannel> toClose = new ArrayList<>();
        try
        {
            synchronized (LOCK_MONITOR)
            {
                if (handle.closed)
                {
                    return -Errno.EBADF;
                }
                if (mode == LOCK_UN)
                {
                    releaseLocked(handle, toClose);
                    return 0;
                }
                long backoffMillis = MIN_BACKOFF_MILLIS;
                while (true)
                {
                    final int rc = tryAcquireLocked(handle, mode, toClose);
                    if (rc != -Errno.EWOULDBLOCK || nonBlocking)
                    {
                        return rc;
                    }
                    try
                    {
                        LOCK_MONITOR.wait(backoffMillis);
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                        return -Errno.EINTR;
                    }
                    if (handle.closed)
                    {
                        return -Errno.EBADF;
                    }
                    backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF_MILLIS);
                }
            }
        }
        finally
        {
            closeQuietly(toClose);
        }
    }

    /** {@inheritDoc} */
    @Override
    public int fsync(final int fd)
    {
        return force(fd, true);
    }

    /** {@inheritDoc} */
    @Override
    public int fdatasync(final int fd)
    {
        return force(fd, false);
    }

    /** {@inheritDoc} */
    @Override
    public int fsyncDirectory(final Path dir)
    {
        try
        {
            if (!Files.readAttributes(dir, BasicFileAttributes.class).isDirectory())
            {
                return -Errno.ENOTDIR;
            }
            try (FileChannel channel = FileChannel.open(dir, READ_OPTIONS))
            {
                channel.force(true);
            }
            return 0;
        }
        catch (final IOException | RuntimeException ex)
        {
            return -errno(ex);
        }
    }

    /** {@inheritDoc} */
    @Override
    public int close(final int fd)
    {
        final DirHandle dirHandle = DIRS.remove(fd);
        if (dirHandle != null)
        {
            try
            {
                dirHandle.stream.close();
                return 0;
            }
            catch (final IOException ex)
            {
                return -errno(ex);
            }
        }
        final Handle handle = HANDLES.remove(fd);
        if (handle == null)
        {
            return -Errno.EBADF;
        }
        final List<FileChannel> toClose = new ArrayList<>();
        boolean parked = false;
        synchronized (LOCK_MONITOR)
        {
            handle.closed = true;
            releaseLocked(handle, toClose);
            final LockEntry entry = handle.atOpen == null ? null : LOCKS.get(handle.id());
            if (entry != null)
            {
                entry.parked.add(handle.channel);
                parked = true;
            }
            LOCK_MONITOR.notifyAll();
        }
        closeQuietly(toClose);
        if (parked)
        {
            return 0;
        }
        try
        {
            handle.channel.close();
            return 0;
        }
        catch (final IOException ex)
        {
            return -errno(ex);
        }
    }

    /** {@inheritDoc} */
    @Override
    public int getpid()
    {
        return PID;
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
        return walk(start, fileName, skipDirName, out);
    }

    // ---- descriptor-relative calls (see "Descriptor-relative calls" in the class comment) ----

    /** {@inheritDoc} */
    @Override
    public int openDirectory(final Path dir)
    {
        try
        {
            // no O_DIRECTORY in NIO: a FIFO at the path would block the open (gap 2)
            if (!Files.readAttributes(dir, BasicFileAttributes.class).isDirectory())
            {
                return -Errno.ENOTDIR;
            }
            final DirectoryStream<Path> stream = Files.newDirectoryStream(dir);
            if (!(stream instanceof SecureDirectoryStream))
            {
                stream.close();
                return -Errno.ENOSYS;
            }
            return registerDirectory(dir.toAbsolutePath(), (SecureDirectoryStream<Path>)stream);
        }
        catch (final IOException | RuntimeException ex)
        {
            return -errno(ex);
        }
    }

    /** {@inheritDoc} */
    @Override
    public int openDirAt(final int dirFd, final byte[] name)
    {
        final DirHandle parent = DIRS.get(dirFd);
        final Path n = namePath(name);
        if (parent == null || n == null)
        {
            return parent == null ? -Errno.EBADF : -PosixPaths.checkComponentOrInvalid(name);
        }
        return openChildDirectory(parent.stream, parent.path, n);
    }

    /** {@inheritDoc} */
    @Override
    public int fstatAt(final int dirFd, final byte[] name, final PosixStat out)
    {
        Objects.requireNonNull(out, "out");
        final DirHandle parent = DIRS.get(dirFd);
        final Path n = namePath(name);
        if (parent == null || n == null)
        {
            return parent == null ? -Errno.EBADF : -PosixPaths.checkComponentOrInvalid(name);
        }
        return statThrough(parent.stream, n, parent.path.resolve(n), out);
    }

    /** {@inheritDoc} */
    @Override
    public int openReadAt(final int dirFd, final byte[] name, final PosixStat out)
    {
        Objects.requireNonNull(out, "out");
        final DirHandle parent = DIRS.get(dirFd);
        final Path n = namePath(name);
        if (parent == null || n == null)
        {
            return parent == null ? -Errno.EBADF : -PosixPaths.checkComponentOrInvalid(name);
        }
        final int rc = statThrough(parent.stream, n, parent.path.resolve(n), out);
        if (rc != 0)
        {
            return rc;
        }
        if (out.isSymbolicLink())
        {
            return -Errno.ELOOP;
        }
        if (!out.isRegularFile() && !out.isDirectory())
        {
            return -Errno.ENXIO; // no O_NONBLOCK: a FIFO or device is refused, not opened (gap 2)
        }
        FileChannel channel;
        boolean writable = true;
        try
        {
            channel = (FileChannel)parent.stream.newByteChannel(n, READ_WRITE_AT_OPTIONS);
        }
        catch (final IOException | RuntimeException rwFailure)
        {
            writable = false;
            try
            {
                channel = (FileChannel)parent.stream.newByteChannel(n, READ_AT_OPTIONS);
            }
            catch (final IOException | RuntimeException ex)
            {
                return -errno(ex);
            }
        }
        return register(parent.path.resolve(n), channel, writable, new PosixStat().copyFrom(out)).fd;
    }

    /** {@inheritDoc} */
    @Override
    public int createExclusiveAt(final int dirFd, final byte[] name, final byte[] content, final int length,
        final int mode, final int flags)
    {
        Objects.requireNonNull(content, "content");
        final DirHandle parent = DIRS.get(dirFd);
        final Path n = namePath(name);
        if (parent == null || n == null)
        {
            return parent == null ? -Errno.EBADF : -PosixPaths.checkComponentOrInvalid(name);
        }
        if (length < 0 || length > content.length)
        {
            return -Errno.EINVAL;
        }
        final FileChannel channel;
        try
        {
            channel = (FileChannel)parent.stream.newByteChannel(n, CREATE_AT_OPTIONS, permissions(mode));
        }
        catch (final IOException | RuntimeException ex)
        {
            return -errno(ex);
        }
        final PosixStat atOpen = new PosixStat();
        final Handle handle = register(parent.path.resolve(n), channel, true,
            statThrough(parent.stream, n, parent.path.resolve(n), atOpen) == 0 ? atOpen : null);
        final int rc = lockWriteSync(handle, content, length, flags);
        if (rc != 0)
        {
            final PosixStat now = new PosixStat();
            if (handle.atOpen != null && statThrough(parent.stream, n, parent.path.resolve(n), now) == 0 &&
                now.sameFile(handle.atOpen))
            {
                try
                {
                    parent.stream.deleteFile(n);
                }
                catch (final IOException | RuntimeException ex)
                {
                    // best effort, as in the C library: the create has already failed
                }
            }
            close(handle.fd);
            return rc;
        }
        return handle.fd;
    }

    /**
     * {@inheritDoc}
     *
     * <p>NIO has no {@code linkat}: see gap 1 in the class comment.
     */
    @Override
    public int linkAt(final int oldDirFd, final byte[] oldName, final int newDirFd, final byte[] newName)
    {
        final DirHandle from = DIRS.get(oldDirFd);
        final DirHandle to = DIRS.get(newDirFd);
        final Path o = namePath(oldName);
        final Path n = namePath(newName);
        if (from == null || to == null)
        {
            return -Errno.EBADF;
        }
        if (o == null || n == null)
        {
            return -(o == null ? PosixPaths.checkComponentOrInvalid(oldName) : PosixPaths.checkComponentOrInvalid(newName));
        }
        if (!pathStillNames(from) || !pathStillNames(to))
        {
            return -Errno.ESTALE;
        }
        try
        {
            Files.createLink(to.path.resolve(n), from.path.resolve(o));
            return 0;
        }
        catch (final IOException | RuntimeException ex)
        {
            return -errno(ex);
        }
    }

    /** {@inheritDoc} */
    @Override
    public int renameAt(final int oldDirFd, final byte[] oldName, final int newDirFd, final byte[] newName)
    {
        final DirHandle from = DIRS.get(oldDirFd);
        final DirHandle to = DIRS.get(newDirFd);
        final Path o = namePath(oldName);
        final Path n = namePath(newName);
        if (from == null || to == null)
        {
            return -Errno.EBADF;
        }
        if (o == null || n == null)
        {
            return -(o == null ? PosixPaths.checkComponentOrInvalid(oldName) : PosixPaths.checkComponentOrInvalid(newName));
        }
        try
        {
            from.stream.move(o, to.stream, n);
            return 0;
        }
        catch (final IOException | RuntimeException ex)
        {
            return -errno(ex);
        }
    }

    /** {@inheritDoc} */
    @Override
    public int unlinkAt(final int dirFd, final byte[] name)
    {
        final DirHandle parent = DIRS.get(dirFd);
        final Path n = namePath(name);
        if (parent == null || n == null)
        {
            return parent == null ? -Errno.EBADF : -PosixPaths.checkComponentOrInvalid(name);
        }
        try
        {
            parent.stream.deleteFile(n);
            return 0;
        }
        catch (final IOException | RuntimeException ex)
        {
            return -errno(ex);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>NIO has no {@code mkdirat}: see gap 1 in the class comment.
     */
    @Override
    public int mkdirAt(final int dirFd, final byte[] name, final int mode)
    {
        final DirHandle parent = DIRS.get(dirFd);
        final Path n = namePath(name);
        if (parent == null || n == null)
        {
            return parent == null ? -Errno.EBADF : -PosixPaths.checkComponentOrInvalid(name);
        }
        if (!pathStillNames(parent))
        {
            return -Errno.ESTALE;
        }
        try
        {
            Files.createDirectory(parent.path.resolve(n), permissions(mode));
            return 0;
        }
        catch (final IOException | RuntimeException ex)
        {
            return -errno(ex);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Iterative over {@link SecureDirectoryStream}s, one per level (two kernel descriptors each);
     * the start is re-opened as {@code "."} so that the caller's handle is not consumed. Names that
     * are not valid UTF-8 are reported with their raw bytes (gap 4). The type of a special file is
     * 0 when it cannot be told (gap 3). An exception thrown by the visitor closes every stream and
     * propagates.
     */
    @Override
    public int walkAt(final int dirFd, final byte[][] suffixes, final byte[][] prefixes, final byte[] skipDirName,
        final WalkVisitor visitor)
    {
        Objects.requireNonNull(visitor, "visitor");
        final DirHandle start = DIRS.get(dirFd);
        if (start == null)
        {
            return -Errno.EBADF;
        }
        if ((skipDirName != null && PosixPaths.checkComponent(skipDirName) != 0) ||
            !PosixPaths.validPatterns(suffixes) || !PosixPaths.validPatterns(prefixes))
        {
            return -Errno.EINVAL;
        }
        final List<WalkFrame> stack = new ArrayList<>();
        try
        {
            final SecureDirectoryStream<Path> startStream;
            try
            {
                startStream = start.stream.newDirectoryStream(DOT, LinkOption.NOFOLLOW_LINKS);
            }
            catch (final IOException | RuntimeException ex)
            {
                return -errno(ex);
            }
            stack.add(new WalkFrame(startStream, start.path, new byte[0]));
            int count = 0;
            while (!stack.isEmpty())
            {
                final WalkFrame frame = stack.get(stack.size() - 1);
                final Path entry;
                try
                {
                    entry = frame.iterator.hasNext() ? frame.iterator.next() : null;
                }
                catch (final DirectoryIteratorException ex)
                {
                    stack.remove(stack.size() - 1);
                    closeQuietly(frame.stream);
                    if (!visitor.error(frame.rel, errno(ex)))
                    {
                        break;
                    }
                    continue;
                }
                if (entry == null)
                {
                    stack.remove(stack.size() - 1);
                    closeQuietly(frame.stream);
                    continue;
                }
                final Path n = entry.getFileName();
                final byte[] raw = rawName(n);
                final byte[] rel = child(frame.rel, raw);
                final Path abs = frame.path.resolve(n);
                BasicFileAttributes attributes = null;
                try
                {
                    attributes = frame.stream.getFileAttributeView(n, BasicFileAttributeView.class, NOFOLLOW)
                        .readAttributes();
                }
                catch (final NoSuchFileException ex)
                {
                    // vanished: reported with type 0 if it matches, never entered
                }
                catch (final IOException | RuntimeException ex)
                {
                    if (!visitor.error(rel, errno(ex)))
                    {
                        break;
                    }
                    continue;
                }
                if (PosixPaths.matchesAny(raw, raw.length, suffixes, prefixes))
                {
                    count++;
                    if (!visitor.match(rel, attributes == null ? 0 : typeBits(attributes, frame.stream, n, abs)))
                    {
                        break;
                    }
                }
                if (attributes == null || !attributes.isDirectory() ||
                    (skipDirName != null && Arrays.equals(raw, skipDirName)))
                {
                    continue;
                }
                try
                {
                    // a directory replaced by a FIFO since the attribute read would block here (gap 2)
                    stack.add(new WalkFrame(frame.stream.newDirectoryStream(n, LinkOption.NOFOLLOW_LINKS), abs, rel));
                }
                catch (final IOException | RuntimeException ex)
                {
                    final int e = errno(ex);
                    if (e != Errno.ENOENT && e != Errno.ENOTDIR && e != Errno.ELOOP && !visitor.error(rel, e))
                    {
                        break;
                    }
                }
            }
            return count;
        }
        finally
        {
            for (final WalkFrame frame : stack)
            {
                closeQuietly(frame.stream);
            }
        }
    }

    /** One open directory of {@link #walkAt}. */
    private static final class WalkFrame
    {
        final SecureDirectoryStream<Path> stream;
        final Iterator<Path> iterator;
        final Path path;
        final byte[] rel;

        WalkFrame(final SecureDirectoryStream<Path> stream, final Path path, final byte[] rel)
        {
            this.stream = stream;
            this.iterator = stream.iterator();
            this.path = path;
            this.rel = rel;
        }
    }

    private static byte[] child(final byte[] rel, final byte[] name)
    {
        if (rel.length == 0)
        {
            return name;
        }
        final byte[] out = Arrays.copyOf(rel, rel.length + 1 + name.length);
        out[rel.length] = '/';
        System.arraycopy(name, 0, out, rel.length + 1, name.length);
        return out;
    }

    /** {@code S_IFMT} bits of an entry; for a special file from the path's attributes when they describe it. */
    private static int typeBits(final BasicFileAttributes a, final SecureDirectoryStream<Path> stream, final Path name,
        final Path abs)
    {
        if (a.isRegularFile())
        {
            return PosixStat.S_IFREG;
        }
        if (a.isDirectory())
        {
            return PosixStat.S_IFDIR;
        }
        if (a.isSymbolicLink())
        {
            return PosixStat.S_IFLNK;
        }
        final PosixStat st = new PosixStat();
        return statThrough(stream, name, abs, st) == 0 ? st.mode() & PosixStat.S_IFMT : 0;
    }

    private static void closeQuietly(final DirectoryStream<Path> stream)
    {
        try
        {
            stream.close();
        }
        catch (final IOException ex)
        {
            // a directory stream holds no state worth reporting on close
        }
    }

    private static int openChildDirectory(final SecureDirectoryStream<Path> parent, final Path parentPath, final Path n)
    {
        try
        {
            final BasicFileAttributes a = parent.getFileAttributeView(n, BasicFileAttributeView.class, NOFOLLOW)
                .readAttributes();
            if (a.isSymbolicLink())
            {
                return -Errno.ELOOP;
            }
            if (!a.isDirectory())
            {
                return -Errno.ENOTDIR;
            }
            // openat(O_NOFOLLOW): a symlink swapped in since the check is refused with ELOOP
            return registerDirectory(parentPath.resolve(n), parent.newDirectoryStream(n, LinkOption.NOFOLLOW_LINKS));
        }
        catch (final IOException | RuntimeException ex)
        {
            return -errno(ex);
        }
    }

    private static int registerDirectory(final Path path, final SecureDirectoryStream<Path> stream)
    {
        while (true)
        {
            final int fd = NEXT_FD.getAndIncrement();
            if (fd < FIRST_FD)
            {
                NEXT_FD.compareAndSet(fd + 1, FIRST_FD);
                continue;
            }
            if (!HANDLES.containsKey(fd) && DIRS.putIfAbsent(fd, new DirHandle(path, stream)) == null)
            {
                return fd;
            }
        }
    }

    /**
     * A name as a {@link Path} of one component, or null when it is not a valid component or not
     * decodable in the file-name charset without loss (gap 4).
     */
    static Path namePath(final byte[] name)
    {
        Objects.requireNonNull(name, "name");
        if (PosixPaths.checkComponent(name) != 0)
        {
            return null;
        }
        final String s;
        try
        {
            s = PosixPaths.CHARSET.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(name))
                .toString();
        }
        catch (final CharacterCodingException ex)
        {
            return null;
        }
        if (!Arrays.equals(s.getBytes(PosixPaths.CHARSET), name))
        {
            return null;
        }
        final Path p = Path.of(s);
        return p.getNameCount() == 1 && !p.isAbsolute() ? p : null;
    }

    /**
     * The raw bytes of a one-component {@link Path} that a directory stream returned. The JDK keeps
     * the bytes inside the path but decodes them lossily in {@code toString()}; when that shows a
     * replacement character, the bytes are recovered from {@link Path#toUri()}, which
     * percent-encodes every byte outside printable ASCII.
     */
    static byte[] rawName(final Path name)
    {
        final String s = name.toString();
        if (s.indexOf('\uFFFD') < 0)
        {
            return s.getBytes(PosixPaths.CHARSET);
        }
        String raw = name.toUri().getRawPath();
        if (raw.endsWith("/"))
        {
            raw = raw.substring(0, raw.length() - 1);
        }
        raw = raw.substring(raw.lastIndexOf('/') + 1);
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++)
        {
            final char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length())
            {
                out.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
                i += 2;
            }
            else
            {
                out.write(c);
            }
        }
        return out.toByteArray();
    }

    /** Whether a directory handle's path still names the directory its stream is open on. */
    private static boolean pathStillNames(final DirHandle d)
    {
        try
        {
            final long[] own = fileKey(d.stream.getFileAttributeView(PosixFileAttributeView.class).readAttributes());
            final Map<String, Object> byPath = attributesOrNull(d.path, FOLLOW);
            return own != null && byPath != null && (Long)byPath.get("dev") == own[0] && (Long)byPath.get("ino") == own[1];
        }
        catch (final IOException | RuntimeException ex)
        {
            return false;
        }
    }

    /**
     * {@code fstatat(NOFOLLOW)} of {@code name} in {@code stream} (or {@code fstat} of the stream's
     * directory when {@code name} is null), completed from the {@code unix:*} attributes of
     * {@code path} when they describe the same device and inode (gap 3).
     */
    private static int statThrough(final SecureDirectoryStream<Path> stream, final Path name, final Path path,
        final PosixStat out)
    {
        final PosixFileAttributes a;
        try
        {
            a = name == null ?
                stream.getFileAttributeView(PosixFileAttributeView.class).readAttributes() :
                stream.getFileAttributeView(name, PosixFileAttributeView.class, NOFOLLOW).readAttributes();
        }
        catch (final IOException | RuntimeException ex)
        {
            return -errno(ex);
        }
        final long[] key = fileKey(a);
        final Map<String, Object> detail = attributesOrNull(path, name == null ? FOLLOW : NOFOLLOW);
        if (key != null && detail != null && (Long)detail.get("dev") == key[0] && (Long)detail.get("ino") == key[1])
        {
            fill(detail, out);
            return 0;
        }
        int mode = 0;
        for (final PosixFilePermission p : a.permissions())
        {
            mode |= 1 << (8 - p.ordinal());
        }
        if (a.isRegularFile())
        {
            mode |= PosixStat.S_IFREG;
        }
        else if (a.isDirectory())
        {
            mode |= PosixStat.S_IFDIR;
        }
        else if (a.isSymbolicLink())
        {
            mode |= PosixStat.S_IFLNK;
        }
        final java.time.Instant mtime = a.lastModifiedTime().toInstant();
        out.set(key == null ? 0 : key[1], key == null ? 0 : key[0], a.size(), mode,
            TimeUnit.SECONDS.toNanos(mtime.getEpochSecond()) + mtime.getNano(), 1, -1);
        return 0;
    }

    /**
     * Device and inode from {@link BasicFileAttributes#fileKey()}, whose text on Linux is
     * {@code (dev=HEX,ino=DEC)}.
     *
     * @return {@code {dev, ino}}, or null when the key is missing or has another form.
     */
    static long[] fileKey(final BasicFileAttributes a)
    {
        final Object key = a.fileKey();
        if (key == null)
        {
            return null;
        }
        final Matcher m = FILE_KEY.matcher(key.toString());
        return m.matches() ? new long[] { Long.parseUnsignedLong(m.group(1), 16), Long.parseUnsignedLong(m.group(2)) } : null;
    }

    /** A directory descriptor: its stream and the absolute path it was reached by. */
    private static final class DirHandle
    {
        final Path path;
        final SecureDirectoryStream<Path> stream;

        DirHandle(final Path path, final SecureDirectoryStream<Path> stream)
        {
            this.path = path;
            this.stream = stream;
        }
    }

    /**
     * The number of descriptors open in this JVM's table (for tests and leak checks).
     *
     * @return how many descriptors are open (files and directories).
     */
    public static int openDescriptorCount()
    {
        return HANDLES.size() + DIRS.size();
    }

    /**
     * The walk of {@link #findFiles}, also used by {@link JnrPosix} where it cannot walk natively.
     * Names must have been validated.
     */
    static int walk(final Path start, final String fileName, final String skipDirName, final List<Path> out)
    {
        final List<Path> found = new ArrayList<>();
        try
        {
            if (!Files.isDirectory(start))
            {
                return Files.exists(start) ? -Errno.ENOTDIR : -Errno.ENOENT;
            }
            final Path root = start.toRealPath();
            Files.walkFileTree(root, EnumSet.noneOf(java.nio.file.FileVisitOption.class), Integer.MAX_VALUE,
                new SimpleFileVisitor<>()
                {
                    @Override
                    public FileVisitResult preVisitDirectory(final Path dir, final BasicFileAttributes attrs)
                    {
                        if (skipDirName != null && !dir.equals(root) && skipDirName.equals(dir.getFileName().toString()))
                        {
                            return FileVisitResult.SKIP_SUBTREE;
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs)
                    {
                        if (attrs.isRegularFile() && PosixPaths.nameMatches(file.getFileName().toString(), fileName))
                        {
                            found.add(root.relativize(file));
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(final Path file, final IOException ex) throws IOException
                    {
                        if (ex instanceof NoSuchFileException)
                        {
                            return FileVisitResult.CONTINUE;
                        }
                        throw ex;
                    }
                });
        }
        catch (final IOException | RuntimeException ex)
        {
            return -errno(ex);
        }
        out.addAll(found);
        return found.size();
    }

    /**
     * Maps an exception from java.nio to a positive errno value: by type where the type says it,
     * else by the {@code strerror} text in the message, else {@link Errno#EIO}.
     *
     * @param t the exception.
     * @return a positive errno value.
     */
    static int errno(final Throwable t)
    {
        if (t instanceof FileAlreadyExistsException)
        {
            return Errno.EEXIST;
        }
        if (t instanceof NoSuchFileException)
        {
            final int e = Errno.fromDescription(((NoSuchFileException)t).getReason());
            return e != 0 ? e : Errno.ENOENT;
        }
        if (t instanceof AccessDeniedException)
        {
            final int e = Errno.fromDescription(((AccessDeniedException)t).getReason());
            return e != 0 ? e : Errno.EACCES;
        }
        if (t instanceof DirectoryNotEmptyException)
        {
            return Errno.ENOTEMPTY;
        }
        if (t instanceof NotDirectoryException)
        {
            return Errno.ENOTDIR;
        }
        if (t instanceof FileSystemLoopException)
        {
            return Errno.ELOOP;
        }
        if (t instanceof FileSystemException)
        {
            final int e = Errno.fromDescription(((FileSystemException)t).getReason());
            return e != 0 ? e : Errno.EIO;
        }
        if (t instanceof ClosedChannelException || t instanceof NonWritableChannelException ||
            t instanceof NonReadableChannelException)
        {
            return Errno.EBADF;
        }
        if (t instanceof ClosedDirectoryStreamException)
        {
            return Errno.EBADF;
        }
        if (t instanceof DirectoryIteratorException && t.getCause() != null)
        {
            return errno(t.getCause());
        }
        if (t instanceof InvalidPathException || t instanceof IllegalArgumentException)
        {
            return Errno.EINVAL;
        }
        if (t instanceof UncheckedIOException && t.getCause() != null)
        {
            return errno(t.getCause());
        }
        final int e = Errno.fromDescription(t.getMessage());
        return e != 0 ? e : Errno.EIO;
    }

    private static Handle register(final Path path, final FileChannel channel, final boolean writable)
    {
        final Map<String, Object> attributes = attributesOrNull(path, FOLLOW);
        return register(path, channel, writable, attributes == null ? null : fill(attributes, new PosixStat()));
    }

    private static Handle register(final Path path, final FileChannel channel, final boolean writable,
        final PosixStat atOpen)
    {
        while (true)
        {
            final int fd = NEXT_FD.getAndIncrement();
            if (fd < FIRST_FD)
            {
                NEXT_FD.compareAndSet(fd + 1, FIRST_FD);
                continue;
            }
            final Handle handle = new Handle(fd, path, channel, writable, atOpen);
            if (!DIRS.containsKey(fd) && HANDLES.putIfAbsent(fd, handle) == null)
            {
                return handle;
            }
        }
    }

    /** Takes a lock for {@code handle}; the caller holds {@link #LOCK_MONITOR}. */
    private static int tryAcquireLocked(final Handle handle, final int mode, final List<FileChannel> toClose)
    {
        if (handle.lockMode == mode)
        {
            return 0;
        }
        if (handle.atOpen == null)
        {
            return -Errno.ESTALE;
        }
        if (handle.lockMode != 0)
        {
            // flock(2) converts by removing the old lock first; so does this.
            releaseLocked(handle, toClose);
        }
        final FileId id = handle.id();
        LockEntry entry = LOCKS.get(id);
        if (entry != null)
        {
            if (entry.exclusive != null || (mode == LOCK_EX && !entry.shared.isEmpty()))
            {
                return -Errno.EWOULDBLOCK;
            }
        }
        else
        {
            final boolean shared = mode == LOCK_SH;
            if (!shared && !handle.writable)
            {
                return -Errno.EBADF;
            }
            final FileLock kernelLock;
            try
            {
                kernelLock = handle.channel.tryLock(0, Long.MAX_VALUE, shared);
            }
            catch (final OverlappingFileLockException ex)
            {
                return -Errno.EWOULDBLOCK;
            }
            catch (final IOException | RuntimeException ex)
            {
                return -errno(ex);
            }
            if (kernelLock == null)
            {
                return -Errno.EWOULDBLOCK;
            }
            entry = new LockEntry(kernelLock);
            LOCKS.put(id, entry);
            lockedFiles = LOCKS.size();
        }
        if (mode == LOCK_SH)
        {
            entry.shared.add(handle);
        }
        else
        {
            entry.exclusive = handle;
        }
        handle.lockMode = mode;
        return 0;
    }

    /**
     * Drops {@code handle}'s lock; when the file has no holder left, releases the kernel lock and
     * hands the parked channels to {@code toClose}. The caller holds {@link #LOCK_MONITOR}.
     */
    private static void releaseLocked(final Handle handle, final List<FileChannel> toClose)
    {
        if (handle.lockMode == 0)
        {
            return;
        }
        final FileId id = handle.id();
        final LockEntry entry = LOCKS.get(id);
        handle.lockMode = 0;
        if (entry == null)
        {
            return;
        }
        if (entry.exclusive == handle)
        {
            entry.exclusive = null;
        }
        entry.shared.remove(handle);
        if (entry.exclusive == null && entry.shared.isEmpty())
        {
            try
            {
                entry.kernelLock.release();
            }
            catch (final IOException ex)
            {
                // the channel is gone, and with it the kernel lock
            }
            LOCKS.remove(id);
            lockedFiles = LOCKS.size();
            toClose.addAll(entry.parked);
        }
        LOCK_MONITOR.notifyAll();
    }

    /** Closes a channel now, or parks it while its file is locked through another handle. */
    private static int closeOrPark(final FileChannel channel, final FileId id)
    {
        if (id != null)
        {
            synchronized (LOCK_MONITOR)
            {
                final LockEntry entry = LOCKS.get(id);
                if (entry != null)
                {
                    entry.parked.add(channel);
                    return 0;
                }
            }
        }
        try
        {
            channel.close();
            return 0;
        }
        catch (final IOException ex)
        {
            return -errno(ex);
        }
    }

    private static void closeQuietly(final List<FileChannel> channels)
    {
        for (final FileChannel channel : channels)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ex)
            {
                // nothing is left to release: the lock was released before the channel was parked
            }
        }
    }

    private static int force(final int fd, final boolean metadata)
    {
        final DirHandle dirHandle = DIRS.get(fd);
        if (dirHandle != null)
        {
            if (!pathStillNames(dirHandle))
            {
                return -Errno.ESTALE;
            }
            try (FileChannel channel = FileChannel.open(dirHandle.path, READ_OPTIONS))
            {
                channel.force(metadata);
                return 0;
            }
            catch (final IOException | RuntimeException ex)
            {
                return -errno(ex);
            }
        }
        final Handle handle = HANDLES.get(fd);
        if (handle == null)
        {
            return -Errno.EBADF;
        }
        try
        {
            handle.channel.force(metadata);
            return 0;
        }
        catch (final IOException | RuntimeException ex)
        {
            return -errno(ex);
        }
    }

    private static int readAll(final FileChannel channel, final byte[] dst)
    {
        try
        {
            final ByteBuffer buffer = ByteBuffer.wrap(dst);
            long position = 0;
            while (buffer.hasRemaining())
            {
                final int n = channel.read(buffer, position);
                if (n < 0)
                {
                    return buffer.position();
                }
                position += n;
            }
            final int probe = channel.read(ByteBuffer.allocate(1), position);
            return probe > 0 ? -Errno.EFBIG : dst.length;
        }
        catch (final IOException | RuntimeException ex)
        {
            return -errno(ex);
        }
    }

    private static int stat(final Path path, final PosixStat out, final LinkOption[] options)
    {
        try
        {
            fill(Files.readAttributes(path, STAT_ATTRIBUTES, options), out);
            return 0;
        }
        catch (final IOException | RuntimeException ex)
        {
            return -errno(ex);
        }
    }

    private static Map<String, Object> attributesOrNull(final Path path, final LinkOption[] options)
    {
        try
        {
            return Files.readAttributes(path, STAT_ATTRIBUTES, options);
        }
        catch (final IOException | RuntimeException ex)
        {
            return null;
        }
    }

    private static PosixStat fill(final Map<String, Object> attributes, final PosixStat out)
    {
        final FileTime mtime = (FileTime)attributes.get("lastModifiedTime");
        final java.time.Instant instant = mtime.toInstant();
        final long mtimeNanos = TimeUnit.SECONDS.toNanos(instant.getEpochSecond()) + instant.getNano();
        return out.set(
            (Long)attributes.get("ino"),
            (Long)attributes.get("dev"),
            (Long)attributes.get("size"),
            (Integer)attributes.get("mode"),
            mtimeNanos,
            (Integer)attributes.get("nlink"),
            (Integer)attributes.get("uid"));
    }

    private static void unlinkIfSame(final Handle handle)
    {
        final Map<String, Object> attributes = attributesOrNull(handle.path, NOFOLLOW);
        if (attributes != null && handle.atOpen != null &&
            (Long)attributes.get("ino") == handle.atOpen.ino() && (Long)attributes.get("dev") == handle.atOpen.dev())
        {
            try
            {
                Files.delete(handle.path);
            }
            catch (final IOException ex)
            {
                // best effort, as in the C library: the create has already failed
            }
        }
    }

    private static FileAttribute<Set<PosixFilePermission>> permissions(final int mode)
    {
        final Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        final PosixFilePermission[] byBit = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ };
        for (int bit = 0; bit < byBit.length; bit++)
        {
            if ((mode & (1 << bit)) != 0)
            {
                set.add(byBit[bit]);
            }
        }
        return PosixFilePermissions.asFileAttribute(set);
    }

    /** Identity of a file: device and inode. */
    private record FileId(long dev, long ino)
    {
        FileId(final Map<String, Object> attributes)
        {
            this((Long)attributes.get("dev"), (Long)attributes.get("ino"));
        }
    }

    /** One open channel behind a synthetic descriptor. */
    private static final class Handle
    {
        final int fd;
        final Path path;
        final FileChannel channel;
        final boolean writable;
        final PosixStat atOpen;
        int lockMode;
        boolean closed;

        Handle(final int fd, final Path path, final FileChannel channel, final boolean writable, final PosixStat atOpen)
        {
            this.fd = fd;
            this.path = path;
            this.channel = channel;
            this.writable = writable;
            this.atOpen = atOpen;
        }

        FileId id()
        {
            return new FileId(atOpen.dev(), atOpen.ino());
        }
    }

    /** Holders of one locked file in this JVM, and the one kernel lock taken for all of them. */
    private static final class LockEntry
    {
        final FileLock kernelLock;
        final Set<Handle> shared = new HashSet<>();
        final List<FileChannel> parked = new ArrayList<>();
        Handle exclusive;

        LockEntry(final FileLock kernelLock)
        {
            this.kernelLock = kernelLock;
        }
    }
}

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
import java.nio.file.AccessDeniedException;
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
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
        int rc = 0;
        if ((flags & CREATE_LOCK_EXCLUSIVE) != 0)
        {
            rc = flock(fd, LOCK_EX | LOCK_NB);
        }
        if (rc == 0)
        {
            try
            {
                final ByteBuffer buffer = ByteBuffer.wrap(content, 0, length);
                while (buffer.hasRemaining())
                {
                    channel.write(buffer);
                }
                if ((flags & CREATE_SYNC_DATA) != 0)
                {
                    channel.force(false);
                }
            }
            catch (final IOException | RuntimeException ex)
            {
                rc = -errno(ex);
            }
        }
        if (rc != 0)
        {
            unlinkIfSame(handle);
            close(fd);
            return rc;
        }
        return fd;
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

    /**
     * The number of descriptors open in this JVM's table (for tests and leak checks).
     *
     * @return how many descriptors are open.
     */
    public static int openDescriptorCount()
    {
        return HANDLES.size();
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
        final PosixStat atOpen = attributes == null ? null : fill(attributes, new PosixStat());
        while (true)
        {
            final int fd = NEXT_FD.getAndIncrement();
            if (fd < FIRST_FD)
            {
                NEXT_FD.compareAndSet(fd + 1, FIRST_FD);
                continue;
            }
            final Handle handle = new Handle(fd, path, channel, writable, atOpen);
            if (HANDLES.putIfAbsent(fd, handle) == null)
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

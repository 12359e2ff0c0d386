package io.pathlock.file;

import io.pathlock.posix.Errno;
import io.pathlock.posix.Posix;
import io.pathlock.posix.PosixStat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Every file operation of the lock-file store, confined to the root: each path is resolved from a
 * descriptor of the root opened once, one component at a time with {@link Posix#openDirAt}
 * ({@code O_NOFOLLOW}), and the operation is done relative to the descriptor of the file's parent
 * ({@code openat}, {@code linkat}, {@code unlinkat}, {@code renameat}, {@code fstatat},
 * {@code mkdirat}). The methods take the same arguments and return the same codes as their
 * path-based counterparts in {@link Posix}.
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li><b>R1 — nothing escapes the root.</b> No symlink below the root is ever followed (a
 *   symlinked component fails with {@code -ELOOP}); a path that does not lie below the root fails
 *   with {@code -EXDEV}. A rename or symlink swap elsewhere in the tree can therefore not lead an
 *   operation outside the root, whatever the timing (DESIGN §3.2 property 7).</li>
 *   <li><b>R2 — nothing blocks.</b> {@link #openRead} opens with {@code O_NONBLOCK} and returns
 *   {@link #NOT_REGULAR} (closing what it opened) for anything but a regular file: a FIFO, device,
 *   socket or directory named like a lock file can never hang a reader.</li>
 *   <li><b>R3 — scopes.</b> Inside a {@link #scope()} the directory descriptors resolved on this
 *   thread are kept and reused until the scope closes (one request resolves each directory once);
 *   outside a scope every call resolves afresh. Within a request a directory is therefore the one it
 *   was when first resolved, even if it is renamed meanwhile (the descriptor follows it): the
 *   request's checks all look at one consistent set of directories.</li>
 * </ol>
 *
 * <p>Thread-safety: thread-safe; scopes are per thread.
 */
final class RootedFs implements AutoCloseable
{
    /** {@link #openRead}: the name is not a regular file (FIFO, device, socket, directory). */
    static final int NOT_REGULAR = -1_000_001;

    private final Posix posix;
    private final Path root;
    private final int rootFd;
    private final ThreadLocal<Scope> scopes = new ThreadLocal<>();

    /** Directory descriptors kept for one thread's request. */
    final class Scope implements AutoCloseable
    {
        private final Map<Path, Integer> fds = new HashMap<>();
        private final Scope outer;

        private Scope(final Scope outer)
        {
            this.outer = outer;
        }

        @Override
        public void close()
        {
            for (final int fd : fds.values())
            {
                posix.close(fd);
            }
            fds.clear();
            if (outer == null)
            {
                scopes.remove();
            }
            else
            {
                scopes.set(outer);
            }
        }
    }

    RootedFs(final Posix posix, final Path root)
    {
        this.posix = posix;
        this.root = root;
        final int fd = posix.openDirectory(root);
        if (fd < 0)
        {
            throw new io.pathlock.core.LockStoreException("cannot open the lock root " + root + ": " + Errno.name(fd) +
                " (" + Errno.describe(fd) + ")", null);
        }
        this.rootFd = fd;
    }

    /**
     * Opens a scope (R3); close it in a {@code finally}/try-with-resources.
     *
     * @return the scope.
     */
    Scope scope()
    {
        final Scope s = new Scope(scopes.get());
        scopes.set(s);
        return s;
    }

    /**
     * The descriptor of the root.
     *
     * @return the descriptor (owned by this object).
     */
    int rootFd()
    {
        return rootFd;
    }

    static byte[] bytes(final Path name)
    {
        return name.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A new descriptor of a directory below the root (the caller closes it).
     *
     * @param dir the directory (the root itself included).
     * @return the descriptor or {@code -errno}.
     */
    int openDir(final Path dir)
    {
        if (dir.equals(root))
        {
            return reopenRoot();
        }
        final Path parent = dir.getParent();
        final int pfd = dirFd(parent);
        if (pfd < 0)
        {
            return pfd;
        }
        try
        {
            return posix.openDirAt(pfd, bytes(dir.getFileName()));
        }
        finally
        {
            release(parent, pfd);
        }
    }

    private int reopenRoot()
    {
        return posix.openDirectory(root);
    }

    /**
     * Descriptor of a directory, from the scope's cache or resolved now; pair with
     * {@link #release(Path, int)}.
     */
    private int dirFd(final Path dir)
    {
        if (dir == null || !dir.startsWith(root))
        {
            return -Errno.EXDEV;
        }
        if (dir.equals(root))
        {
            return rootFd;
        }
        final Scope s = scopes.get();
        if (s != null)
        {
            final Integer cached = s.fds.get(dir);
            if (cached != null)
            {
                return cached;
            }
        }
        final int pfd = dirFd(dir.getParent());
        if (pfd < 0)
        {
            return pfd;
        }
        final int fd;
        try
        {
            fd = posix.openDirAt(pfd, bytes(dir.getFileName()));
        }
        finally
        {
            release(dir.getParent(), pfd);
        }
        if (fd >= 0 && s != null)
        {
            s.fds.put(dir, fd);
        }
        return fd;
    }

    private void release(final Path dir, final int fd)
    {
        if (fd < 0 || fd == rootFd)
        {
            return;
        }
        final Scope s = scopes.get();
        if (s != null)
        {
            final Integer cached = s.fds.get(dir);
            if (cached != null && cached == fd)
            {
                return;
            }
        }
        posix.close(fd);
    }

    /**
     * Opens a lock file for reading (R2).
     *
     * @param file the file.
     * @param st   receives its {@code fstat}.
     * @return the descriptor, {@link #NOT_REGULAR}, or {@code -errno}.
     */
    int openRead(final Path file, final PosixStat st)
    {
        final Path parent = file.getParent();
        final int pfd = dirFd(parent);
        if (pfd < 0)
        {
            return pfd == -Errno.ELOOP ? -Errno.ELOOP : pfd;
        }
        try
        {
            final int fd = posix.openReadAt(pfd, bytes(file.getFileName()), st);
            if (fd >= 0 && !st.isRegularFile())
            {
                posix.close(fd);
                return NOT_REGULAR;
            }
            return fd;
        }
        finally
        {
            release(parent, pfd);
        }
    }

    /**
     * {@code fstatat(AT_SYMLINK_NOFOLLOW)} of a path below the root.
     *
     * @param file the path.
     * @param st   filled on success.
     * @return 0 or {@code -errno}.
     */
    int lstat(final Path file, final PosixStat st)
    {
        if (file.equals(root))
        {
            return posix.fstat(rootFd, st);
        }
        final Path parent = file.getParent();
        final int pfd = dirFd(parent);
        if (pfd < 0)
        {
            return pfd;
        }
        try
        {
            return posix.fstatAt(pfd, bytes(file.getFileName()), st);
        }
        finally
        {
            release(parent, pfd);
        }
    }

    int unlink(final Path file)
    {
        final Path parent = file.getParent();
        final int pfd = dirFd(parent);
        if (pfd < 0)
        {
            return pfd;
        }
        try
        {
            return posix.unlinkAt(pfd, bytes(file.getFileName()));
        }
        finally
        {
            release(parent, pfd);
        }
    }

    int mkdir(final Path dir, final int mode)
    {
        final Path parent = dir.getParent();
        final int pfd = dirFd(parent);
        if (pfd < 0)
        {
            return pfd;
        }
        try
        {
            return posix.mkdirAt(pfd, bytes(dir.getFileName()), mode);
        }
        finally
        {
            release(parent, pfd);
        }
    }

    int link(final Path existing, final Path newPath)
    {
        return betweenParents(existing, newPath, (a, b) ->
            posix.linkAt(a, bytes(existing.getFileName()), b, bytes(newPath.getFileName())));
    }

    int rename(final Path from, final Path to)
    {
        return betweenParents(from, to, (a, b) -> posix.renameAt(a, bytes(from.getFileName()), b, bytes(to.getFileName())));
    }

    /** Runs a two-directory call with the descriptors of both names' parents. */
    private int betweenParents(final Path first, final Path second, final java.util.function.IntBinaryOperator call)
    {
        final int a = dirFd(first.getParent());
        if (a < 0)
        {
            return a;
        }
        try
        {
            final int b = dirFd(second.getParent());
            if (b < 0)
            {
                return b;
            }
            try
            {
                return call.applyAsInt(a, b);
            }
            finally
            {
                release(second.getParent(), b);
            }
        }
        finally
        {
            release(first.getParent(), a);
        }
    }

    int createExclusive(final Path file, final byte[] content, final int length, final int mode, final int flags)
    {
        final Path parent = file.getParent();
        final int pfd = dirFd(parent);
        if (pfd < 0)
        {
            return pfd;
        }
        try
        {
            return posix.createExclusiveAt(pfd, bytes(file.getFileName()), content, length, mode, flags);
        }
        finally
        {
            release(parent, pfd);
        }
    }

    int fsyncDirectory(final Path dir)
    {
        final int fd = dirFd(dir);
        if (fd < 0)
        {
            return fd;
        }
        try
        {
            return posix.fsync(fd);
        }
        finally
        {
            release(dir, fd);
        }
    }

    /**
     * Whether a path lies below (or is) the root.
     *
     * @param p a path.
     * @return true when below.
     */
    boolean contains(final Path p)
    {
        return p.startsWith(root);
    }

    @Override
    public void close()
    {
        posix.close(rootFd);
    }
}

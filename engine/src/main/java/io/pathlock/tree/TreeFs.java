package io.pathlock.tree;

import io.pathlock.core.InvalidLockPathException;
import io.pathlock.core.LockPath;
import io.pathlock.file.FileLockStore;
import io.pathlock.file.SidecarNames;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The file-system side of tree operations: lock paths resolved under the root without following a
 * symbolic link, kinds, reserved names, recursive copy and removal, fsync. Thread-safe (stateless but
 * for the root).
 */
final class TreeFs
{
    /** Name of a directory's own lock file in the lock-file store. */
    static final String LOCK_FILE_NAME = FileLockStore.LOCK_FILE_NAME;
    /** Prefix of the lock-file store's sidecar lock files. */
    static final String SIDECAR_PREFIX = SidecarNames.PREFIX;
    /** The lock-file store's reserved directory under the root. */
    static final String RESERVED_DIR_NAME = FileLockStore.RESERVED_DIR_NAME;

    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

    /** What a path is. */
    enum Kind
    {
        MISSING, FILE, DIRECTORY
    }

    private final Path root;

    TreeFs(final Path root)
    {
        this.root = root;
    }

    Path root()
    {
        return root;
    }

    /**
     * The file of a lock path (no check).
     */
    Path file(final LockPath p)
    {
        Path f = root;
        for (int i = 0; i < p.depth(); i++)
        {
            f = f.resolve(p.segment(i));
        }
        return f;
    }

    /**
     * Parses an operation's path and refuses reserved names.
     *
     * @throws InvalidLockPathException naming the input.
     */
    static LockPath parse(final String text)
    {
        final LockPath p = LockPath.parse(text);
        for (int i = 0; i < p.depth(); i++)
        {
            final String s = p.segment(i);
            if (isReservedName(s))
            {
                throw new InvalidLockPathException(text, "segment '" + s + "' is reserved (" + RESERVED_DIR_NAME +
                    ", names ending in " + LOCK_FILE_NAME + ", names starting with " + SIDECAR_PREFIX + " or " +
                    TreeOps.TEMP_PREFIX + ")");
            }
        }
        return p;
    }

    static boolean isReservedName(final String s)
    {
        return s.equals(RESERVED_DIR_NAME) || isLockFileName(s) || s.startsWith(TreeOps.TEMP_PREFIX);
    }

    /**
     * Whether a file name is one of the lock-file store's lock files (never data).
     */
    static boolean isLockFileName(final String s)
    {
        return s.endsWith(LOCK_FILE_NAME) || s.startsWith(SIDECAR_PREFIX);
    }

    /**
     * What a path is now, refusing a symbolic link on the way (the path itself included).
     *
     * @throws FileSystemException naming the link.
     */
    Kind kind(final LockPath p) throws IOException
    {
        Path f = root;
        for (int i = 0; i < p.depth(); i++)
        {
            f = f.resolve(p.segment(i));
            final BasicFileAttributes a;
            try
            {
                a = Files.readAttributes(f, BasicFileAttributes.class, NOFOLLOW);
            }
            catch (final NoSuchFileException e)
            {
                return Kind.MISSING;
            }
            catch (final FileSystemException e)
            {
                if (e.getReason() != null && e.getReason().contains("Not a directory"))
                {
                    return Kind.MISSING;
                }
                throw e;
            }
            if (a.isSymbolicLink())
            {
                throw new FileSystemException(f.toString(), null,
                    "is a symbolic link; tree operations do not follow links below the root " + root);
            }
            if (i < p.depth() - 1 && !a.isDirectory())
            {
                return Kind.MISSING;
            }
            if (i == p.depth() - 1)
            {
                return a.isDirectory() ? Kind.DIRECTORY : Kind.FILE;
            }
        }
        return Kind.DIRECTORY;
    }

    /**
     * Whether something (anything, a link included) is at the path, without following links.
     */
    boolean exists(final LockPath p)
    {
        return Files.exists(file(p), NOFOLLOW);
    }

    /** The file-system device of an existing path. */
    Object device(final LockPath p) throws IOException
    {
        return Files.getAttribute(file(p), "unix:dev", NOFOLLOW);
    }

    /**
     * Writes the bytes or the stream to a new file, forcing it if asked. An I/O failure without a
     * path (a full disk) is rethrown naming the file.
     */
    void writeNew(final Path f, final byte[] data, final InputStream in, final boolean force) throws IOException
    {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
        {
            if (data != null)
            {
                write(f, ch, java.nio.ByteBuffer.wrap(data));
            }
            else
            {
                final byte[] buf = new byte[64 * 1024];
                int n;
                // a failure of the caller's stream is rethrown as it is; a failure to write names the file
                while ((n = in.read(buf)) >= 0)
                {
                    write(f, ch, java.nio.ByteBuffer.wrap(buf, 0, n));
                }
            }
            if (force)
            {
                try
                {
                    ch.force(true);
                }
                catch (final IOException e)
                {
                    throw named(f, e);
                }
            }
        }
    }

    private static void write(final Path f, final FileChannel ch, final java.nio.ByteBuffer b) throws IOException
    {
        try
        {
            while (b.hasRemaining())
            {
                ch.write(b);
            }
        }
        catch (final IOException e)
        {
            throw named(f, e);
        }
    }

    static FileSystemException named(final Path f, final IOException e)
    {
        if (e instanceof FileSystemException)
        {
            return (FileSystemException)e;
        }
        final FileSystemException n = new FileSystemException(f.toString(), null, e.getMessage());
        n.initCause(e);
        return n;
    }

    /**
     * Copies a tree (a file or a directory) without following links and skipping every lock file and
     * every temporary name. Forces copied files (and directories) if asked.
     */
    void copyTree(final Path src, final Path dst, final boolean forceFiles, final boolean forceDirs) throws IOException
    {
        final BasicFileAttributes a = Files.readAttributes(src, BasicFileAttributes.class, NOFOLLOW);
        if (a.isDirectory())
        {
            // created writable; its mode and time are copied after its entries (a read-only directory
            // could not be filled otherwise without the capabilities that bypass permissions)
            Files.createDirectory(dst);
            final List<Path> children = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(src))
            {
                for (final Path c : ds)
                {
                    children.add(c);
                }
            }
            children.sort(null);
            for (final Path c : children)
            {
                final String name = c.getFileName().toString();
                if (isLockFileName(name) || name.startsWith(TreeOps.TEMP_PREFIX) || name.equals(RESERVED_DIR_NAME))
                {
                    continue;
                }
                copyTree(c, dst.resolve(name), forceFiles, forceDirs);
            }
            Files.setPosixFilePermissions(dst, Files.getPosixFilePermissions(src, LinkOption.NOFOLLOW_LINKS));
            Files.setLastModifiedTime(dst, a.lastModifiedTime());
            if (forceDirs)
            {
                forceDirectory(dst);
            }
        }
        else
        {
            try
            {
                Files.copy(src, dst, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            }
            catch (final FileSystemException e)
            {
                throw e;
            }
            catch (final IOException e)
            {
                throw named(dst, e);
            }
            if (forceFiles && a.isRegularFile())
            {
                try (FileChannel ch = FileChannel.open(dst, StandardOpenOption.WRITE))
                {
                    ch.force(true);
                }
            }
        }
    }

    /**
     * Removes a tree if it exists (idempotent), keeping the files {@code keep} accepts (and the
     * directories holding them).
     *
     * @return whether everything was removed.
     */
    static boolean removeTree(final Path p, final Predicate<Path> keep) throws IOException
    {
        final BasicFileAttributes a;
        try
        {
            a = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
        }
        catch (final NoSuchFileException e)
        {
            return true;
        }
        boolean all = true;
        if (a.isDirectory())
        {
            if (!Files.isWritable(p))
            {
                // a read-only directory of this process's user in a tree that goes (checkRemovable)
                ownerMayChange(p);
            }
            final List<Path> children = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(p))
            {
                for (final Path c : ds)
                {
                    children.add(c);
                }
            }
            catch (final NoSuchFileException e)
            {
                return true;
            }
            for (final Path c : children)
            {
                all &= removeTree(c, keep);
            }
        }
        else if (keep.test(p))
        {
            return false;
        }
        if (all)
        {
            Files.deleteIfExists(p);
        }
        return all;
    }

    /**
     * Removes a temporary this process made (idempotent), giving its own directories the permissions
     * their removal needs (a copied read-only directory).
     */
    static void removeOwnTree(final Path p) throws IOException
    {
        final BasicFileAttributes a;
        try
        {
            a = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
        }
        catch (final NoSuchFileException e)
        {
            return;
        }
        if (a.isDirectory())
        {
            ownerMayChange(p);
            final List<Path> children = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(p))
            {
                for (final Path c : ds)
                {
                    children.add(c);
                }
            }
            for (final Path c : children)
            {
                removeOwnTree(c);
            }
        }
        Files.deleteIfExists(p);
    }

    /** Gives a directory its owner's read, write and search permissions if it lacks one (best effort). */
    private static void ownerMayChange(final Path dir)
    {
        try
        {
            final Set<java.nio.file.attribute.PosixFilePermission> perms = Files.getPosixFilePermissions(dir, NOFOLLOW);
            if (perms.addAll(Set.of(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                java.nio.file.attribute.PosixFilePermission.OWNER_WRITE,
                java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE)))
            {
                Files.setPosixFilePermissions(dir, perms);
            }
        }
        catch (final IOException | UnsupportedOperationException e)
        {
            // the removal that follows fails naming the directory
        }
    }

    /**
     * Checks that a tree can be removed by this process: every directory in it readable, searchable and
     * writable or owned by this user (checked before anything changes, so that a delete fails whole instead of leaving
     * what it could not remove as trash).
     *
     * @throws java.nio.file.AccessDeniedException naming the first directory that cannot be emptied.
     */
    static void checkRemovable(final Path p) throws IOException
    {
        final BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
        if (!a.isDirectory())
        {
            return;
        }
        if (!Files.isReadable(p) || !Files.isExecutable(p))
        {
            throw new java.nio.file.AccessDeniedException(p.toString(), null,
                "cannot be removed: this process may not read or search it");
        }
        if (!Files.isWritable(p) && !Files.getOwner(p, NOFOLLOW).getName().equals(System.getProperty("user.name")))
        {
            // a read-only directory of this user is made writable when it goes; another user's is not
            throw new java.nio.file.AccessDeniedException(p.toString(), null,
                "cannot be removed: read-only and owned by another user");
        }
        final List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p))
        {
            for (final Path c : ds)
            {
                if (Files.isDirectory(c, NOFOLLOW))
                {
                    dirs.add(c);
                }
            }
        }
        for (final Path d : dirs)
        {
            checkRemovable(d);
        }
    }

    /**
     * Removes every lock file in a tree (not following links) but those {@code keep} accepts.
     *
     * @return the removed files.
     */
    static List<Path> removeLockFiles(final Path dir, final Set<Path> keep) throws IOException
    {
        final List<Path> removed = new ArrayList<>();
        removeLockFiles(dir, keep, removed);
        return removed;
    }

    private static void removeLockFiles(final Path dir, final Set<Path> keep, final List<Path> removed)
        throws IOException
    {
        final List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir))
        {
            for (final Path c : ds)
            {
                children.add(c);
            }
        }
        catch (final NoSuchFileException | java.nio.file.NotDirectoryException e)
        {
            return;
        }
        for (final Path c : children)
        {
            final String name = c.getFileName().toString();
            if (Files.isDirectory(c, NOFOLLOW))
            {
                removeLockFiles(c, keep, removed);
            }
            else if (isLockFileName(name) && !keep.contains(c))
            {
                if (Files.deleteIfExists(c))
                {
                    removed.add(c);
                }
            }
        }
    }

    static void forceDirectory(final Path dir) throws IOException
    {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ))
        {
            ch.force(true);
        }
    }
}

package io.pathlock.file;

import io.pathlock.core.LockPath;
import io.pathlock.core.LockStoreException;
import io.pathlock.core.LockType;
import io.pathlock.posix.Errno;
import io.pathlock.posix.PosixStat;

import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the lock files of a lock path are, in the dialects' on-disk layout, and what the tree there
 * is now (directory, file, missing, symbolic link).
 *
 * <h2>Layout</h2>
 * A lock path {@code /a/b} names {@code R/a/b} under the root R. Its lock file is, in
 * <em>directory form</em>, {@code R/a/b/.path.ovlock} when {@code R/a/b} is a directory (always for
 * the root: {@code R/.path.ovlock}), else, in <em>sidecar form</em>, the ragfs sidecar
 * {@code R/a/.exact.ovlock.<safe_name>.<hash>} in the parent directory ({@link SidecarNames}), so that
 * writers of different files of one directory lock different files and do not block each other.
 * {@code R/.pathlock/} is reserved ({@code fence}: fencing counter, {@code guard/}: guard files,
 * {@code tmp/}: temporary files) and skipped by every scan. Missing parent directories are created or
 * refused ({@link MissingDirectories}).
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li><b>L1 — two places, both always checked.</b> A lock on p lives in its directory form or its
 *   sidecar form, chosen by what {@code R/p} is when it is published; {@code R/p} may become a
 *   directory later (its holder may create it). So every check of p, or of an ancestor of p, looks at
 *   both forms ({@link Target#ancestorFiles} holds both, {@link Target#otherFile()} is the form not
 *   published), and a SUBTREE scan of p walks {@code R/p} as it is at scan time, matching both
 *   {@code .path.ovlock} and sidecar names.</li>
 *   <li><b>L2 — SUBTREE on a missing path is in directory form.</b> ragfs puts a tree lock on a
 *   missing path in {@code {path}/.path.ovlock}, and checks only that form on ancestors: a SUBTREE must
 *   be there too, or a ragfs process locking below p once p exists would not see it. So p is created
 *   (policy permitting) and locked as a directory ({@link #resolveForPublish}).</li>
 *   <li><b>L3 — reserved names.</b> Lock paths with a {@code .pathlock} segment, a segment ending in
 *   {@code .path.ovlock} or one starting with the sidecar prefix are refused
 *   ({@link #validateLockPath}), so no lock path can name a lock file or the reserved directory.</li>
 *   <li><b>L4 — no symbolic links.</b> {@link RootedFs} never follows a link below the root (R1), so a
 *   lock path through one would name files the store cannot reach: resolution refuses it, naming the
 *   link.</li>
 *   <li><b>L5 — checking creates nothing.</b> {@code resolve(p, false)} only looks; missing parent
 *   directories are created (or refused per policy) only by a resolution for publication, which the
 *   protocol asks for after its pre-check (P5).</li>
 * </ol>
 *
 * <p>Thread-safety: thread-safe; the layout cache is a concurrent map that is cleared when full.
 */
final class LockLayout
{
    /** Name of a directory's lock file (OpenViking's). */
    static final String LOCK_FILE_NAME = ".path.ovlock";

    /** Reserved directory under the root, skipped by scans. */
    static final String RESERVED_DIR_NAME = ".pathlock";

    private static final int LAYOUT_CACHE_MAX = 4096;

    private static final int KIND_DIRECTORY = 0;
    private static final int KIND_OTHER = 1;
    private static final int KIND_PARENT_MISSING = 2;
    private static final int KIND_MISSING = 3;

    private final StoreContext ctx;
    private final RootedFs fs;
    private final ConcurrentHashMap<LockPath, Layout> layouts = new ConcurrentHashMap<>();

    /** Where the files of one lock path are, at the time of one resolution. */
    static final class Target
    {
        final LockPath path;
        /** {@code R/p}. */
        final Path dir;
        /** {@code R/p/.path.ovlock}. */
        final Path dirForm;
        /** {@code R/parent/.name.path.ovlock}, null for the root. */
        final Path sidecar;
        /** Whether {@code R/p} is a directory now (publish in directory form). */
        final boolean isDirectory;
        /** Whether a parent directory of the lock file is missing (not created by this resolution). */
        final boolean parentMissing;
        /** Whether {@code R/p} itself does not exist. */
        final boolean missing;
        /** Files of the ancestors, both forms, root first. */
        final Path[] ancestorFiles;
        /** The lock path of each entry of {@link #ancestorFiles}. */
        final LockPath[] ancestorPaths;

        Target(final LockPath path, final Path dir, final Path dirForm, final Path sidecar, final boolean isDirectory,
            final boolean parentMissing, final boolean missing, final Path[] ancestorFiles, final LockPath[] ancestorPaths)
        {
            this.missing = missing;
            this.parentMissing = parentMissing;
            this.path = path;
            this.dir = dir;
            this.dirForm = dirForm;
            this.sidecar = sidecar;
            this.isDirectory = isDirectory;
            this.ancestorFiles = ancestorFiles;
            this.ancestorPaths = ancestorPaths;
        }

        Path publishFile()
        {
            return isDirectory || sidecar == null ? dirForm : sidecar;
        }

        Path otherFile()
        {
            return isDirectory || sidecar == null ? sidecar : dirForm;
        }
    }

    /** The paths of one lock path's files: pure layout, cached (the file system is consulted per request). */
    private static final class Layout
    {
        final Path[] components;
        final Path dir;
        final Path dirForm;
        final Path sidecar;
        final Path[] ancestorFiles;
        final LockPath[] ancestorPaths;

        Layout(final Path[] components, final Path dir, final Path dirForm, final Path sidecar, final Path[] ancestorFiles,
            final LockPath[] ancestorPaths)
        {
            this.components = components;
            this.dir = dir;
            this.dirForm = dirForm;
            this.sidecar = sidecar;
            this.ancestorFiles = ancestorFiles;
            this.ancestorPaths = ancestorPaths;
        }
    }

    LockLayout(final StoreContext ctx)
    {
        this.ctx = ctx;
        this.fs = ctx.fs;
    }

    /**
     * Resolves where the files of {@code p} are, checking that no existing component is a symbolic
     * link (L4) and, when {@code forPublish}, creating missing parent directories per policy (L5).
     *
     * @throws LockStoreException for a symbolic link, a component that is not a directory, a missing
     *                            directory under the {@code fail} policy, or an I/O error.
     */
    Target resolve(final LockPath p, final boolean forPublish)
    {
        final Layout l = layout(p);
        int kind = KIND_DIRECTORY;
        if (p.depth() > 0)
        {
            kind = classify(p, l.components, forPublish);
        }
        return new Target(p, l.dir, l.dirForm, l.sidecar, kind == KIND_DIRECTORY, kind == KIND_PARENT_MISSING,
            kind == KIND_MISSING, l.ancestorFiles, l.ancestorPaths);
    }

    /**
     * The resolution to publish {@code type} on {@code t.path} with, after the pre-check: creates
     * missing parent directories (L5) and, for a SUBTREE on a missing path, the path itself (L2).
     *
     * @param t    the resolution the pre-check used.
     * @param type the type to publish.
     * @return {@code t}, or a fresh resolution when something was created.
     * @throws LockStoreException when a directory is missing under the {@code fail} policy or cannot be made.
     */
    Target resolveForPublish(final Target t, final LockType type)
    {
        final LockPath p = t.path;
        Target r = t;
        if (r.parentMissing)
        {
            r = resolve(p, true);
        }
        if (r.missing && type == LockType.SUBTREE)
        {
            if (ctx.missingDirectories == MissingDirectories.FAIL)
            {
                throw new LockStoreException("cannot lock SUBTREE " + p + ": " + r.dir + " does not exist (missing " +
                    "directories: fail)", null);
            }
            final int m = fs.mkdir(r.dir, ctx.dirMode);
            if (m < 0 && m != -Errno.EEXIST)
            {
                throw ctx.ioFailure("cannot create the directory of SUBTREE lock path " + p, r.dir, m);
            }
            r = resolve(p, true);
        }
        return r;
    }

    private Layout layout(final LockPath p)
    {
        Layout l = layouts.get(p);
        if (l == null)
        {
            if (layouts.size() >= LAYOUT_CACHE_MAX)
            {
                layouts.clear();
            }
            l = newLayout(p);
            layouts.put(p, l);
        }
        return l;
    }

    private Layout newLayout(final LockPath p)
    {
        final String rootString = ctx.rootString;
        final int depth = p.depth();
        final String[] dirs = new String[depth + 1];
        final StringBuilder sb = new StringBuilder(rootString.length() + p.toString().length() + 32).append(rootString);
        dirs[0] = rootString.isEmpty() ? "/" : rootString;
        for (int i = 0; i < depth; i++)
        {
            sb.append('/').append(p.segment(i));
            dirs[i + 1] = sb.toString();
        }
        final Path[] components = new Path[depth + 1];
        for (int i = 0; i <= depth; i++)
        {
            components[i] = Path.of(dirs[i]);
        }
        final int ancestors = depth == 0 ? 0 : 2 * depth - 1;
        final Path[] files = new Path[ancestors];
        final LockPath[] paths = new LockPath[ancestors];
        int k = 0;
        for (int i = 0; i < depth; i++)
        {
            final LockPath a = p.prefix(i);
            files[k] = Path.of(dirFormOf(dirs[i]));
            paths[k++] = a;
            if (i > 0)
            {
                files[k] = Path.of(sidecarOf(dirs[i - 1], a));
                paths[k++] = a;
            }
        }
        final Path dirForm = Path.of(dirFormOf(dirs[depth]));
        final Path sidecar = depth == 0 ? null : Path.of(sidecarOf(dirs[depth - 1], p));
        return new Layout(components, components[depth], dirForm, sidecar, files, paths);
    }

    private static String dirFormOf(final String dir)
    {
        return dir.equals("/") ? "/" + LOCK_FILE_NAME : dir + "/" + LOCK_FILE_NAME;
    }

    private String sidecarOf(final String parentDir, final LockPath lockPath)
    {
        return (parentDir.equals("/") ? "" : parentDir) + "/" + SidecarNames.sidecarName(ctx.ovPrefix + lockPath);
    }

    /**
     * lstat of each component: symlink containment, parents are directories. Returns whether R/p is
     * a directory, something else (a file, or missing), or has a missing parent (only when not
     * {@code forPublish}; with it, missing parents are created or refused per policy).
     */
    private int classify(final LockPath p, final Path[] components, final boolean forPublish)
    {
        final PosixStat st = new PosixStat();
        final int depth = p.depth();
        for (int i = 1; i <= depth; i++)
        {
            final Path path = components[i];
            int rc = fs.lstat(path, st);
            if (rc == -Errno.ENOENT)
            {
                if (i == depth)
                {
                    return KIND_MISSING;
                }
                if (!forPublish)
                {
                    return KIND_PARENT_MISSING;
                }
                if (ctx.missingDirectories == MissingDirectories.FAIL)
                {
                    throw new LockStoreException("cannot lock " + p + ": directory " + path +
                        " does not exist (missing directories: fail)", null);
                }
                final int m = fs.mkdir(path, ctx.dirMode);
                if (m < 0 && m != -Errno.EEXIST)
                {
                    throw ctx.ioFailure("cannot create directory for lock path " + p, path, m);
                }
                rc = fs.lstat(path, st);
            }
            if (rc < 0)
            {
                throw ctx.ioFailure("cannot stat a component of lock path " + p, path, rc);
            }
            if ((st.mode() & PosixStat.S_IFMT) == PosixStat.S_IFLNK)
            {
                // RootedFs never follows a link below the root (invariant R1), so a lock path through
                // one would name files the store cannot reach: refuse, naming the link.
                throw new LockStoreException("cannot lock " + p + ": " + path + " is a symbolic link; lock paths " +
                    "below the root never go through symbolic links (lock the link's target path instead)", null);
            }
            final boolean dir = (st.mode() & PosixStat.S_IFMT) == PosixStat.S_IFDIR;
            if (i < depth && !dir)
            {
                throw new LockStoreException("cannot lock " + p + ": " + path + " is not a directory", null);
            }
            if (i == depth)
            {
                return dir ? KIND_DIRECTORY : KIND_OTHER;
            }
        }
        return KIND_DIRECTORY;
    }

    /**
     * The lock path a found file stands for: {@code base + rel} minus the lock file name, or null
     * for a name that is not a lock file of this protocol.
     *
     * @param base the lock path of the directory the scan started in.
     * @param rel  the file's path relative to that directory, or null.
     * @return the lock path, or null.
     */
    static LockPath lockPathOf(final LockPath base, final Path rel)
    {
        if (rel == null)
        {
            return null;
        }
        try
        {
            return lockPathOfUnchecked(base, rel);
        }
        catch (final RuntimeException e)
        {
            // A directory name that cannot be a lock path (a control character, too long): the lock
            // file still counts, as held by the deepest ancestor that is a lock path.
            LockPath lp = base;
            final Path parent = rel.getParent();
            if (parent != null)
            {
                for (final Path seg : parent)
                {
                    try
                    {
                        lp = lp.child(seg.toString());
                    }
                    catch (final RuntimeException stop)
                    {
                        return lp;
                    }
                }
            }
            return lp;
        }
    }

    /**
     * Whether every directory name of a found lock file's relative path can be a lock path segment.
     *
     * @param rel the relative path of the lock file.
     * @return false when {@link #lockPathOf} had to fall back to an ancestor.
     */
    static boolean isLockPathName(final Path rel)
    {
        try
        {
            lockPathOfUnchecked(LockPath.root(), rel);
            return true;
        }
        catch (final RuntimeException e)
        {
            return false;
        }
    }

    private static LockPath lockPathOfUnchecked(final LockPath base, final Path rel)
    {
        final String name = rel.getFileName().toString();
        final Path parent = rel.getParent();
        LockPath lp = base;
        if (parent != null)
        {
            for (final Path seg : parent)
            {
                lp = lp.child(seg.toString());
            }
        }
        if (name.equals(LOCK_FILE_NAME))
        {
            return lp;
        }
        if (SidecarNames.isSidecar(name))
        {
            final String shown = SidecarNames.displayName(name);
            try
            {
                return lp.child(shown);
            }
            catch (final RuntimeException e)
            {
                return lp;
            }
        }
        if (name.length() > LOCK_FILE_NAME.length() + 1 && name.charAt(0) == '.' && name.endsWith(LOCK_FILE_NAME))
        {
            return lp.child(name.substring(1, name.length() - LOCK_FILE_NAME.length()));
        }
        return null;
    }

    /**
     * Refuses a lock path with a reserved segment (L3).
     *
     * @param p the lock path.
     * @throws LockStoreException naming the reserved segment.
     */
    static void validateLockPath(final LockPath p)
    {
        for (int i = 0; i < p.depth(); i++)
        {
            final String s = p.segment(i);
            if (s.equals(RESERVED_DIR_NAME) || s.endsWith(LOCK_FILE_NAME) || s.startsWith(SidecarNames.PREFIX))
            {
                throw new LockStoreException("cannot lock " + p + ": segment '" + s + "' is reserved by the lock-file " +
                    "store (" + RESERVED_DIR_NAME + ", names ending in " + LOCK_FILE_NAME + " and names starting with " +
                    SidecarNames.PREFIX + ")", null);
            }
        }
    }
}

package io.pathlock.tree;

import io.pathlock.core.LockPath;
import io.pathlock.tree.Plan.Step;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Does and undoes the steps of a plan on the file system. Every apply step, cleanup step and
 * temporary removal is idempotent as recovery uses it. Thread-safe (stateless but for its settings).
 */
final class StepRunner
{
    private final TreeFs fs;
    private final TreeDurability durability;

    StepRunner(final TreeFs fs, final TreeDurability durability)
    {
        this.fs = fs;
        this.durability = durability;
    }

    boolean forceData()
    {
        return durability != TreeDurability.NONE;
    }

    boolean forceDirs()
    {
        return durability == TreeDurability.DATA_AND_DIRECTORY;
    }

    /** Runs a prepare step; {@code op} is the batch operation a write step reads its content from. */
    void prepare(final Step s, final TreeOp op) throws IOException
    {
        switch (s.kind())
        {
            case WRITE_TEMP:
                fs.writeNew(fs.file(s.a()), op.data(), op.stream(), forceData());
                break;
            case COPY_TEMP:
                fs.copyTree(fs.file(s.a()), fs.file(s.b()), forceData(), forceDirs());
                break;
            case LINK_TEMP:
                Files.createLink(fs.file(s.b()), fs.file(s.a()));
                break;
            default:
                throw new IllegalStateException("not a prepare step: " + s);
        }
    }

    /** Forces the directories holding the temporaries (policy permitting), so a commit finds them after a crash. */
    void forcePrepared(final List<LockPath> temps) throws IOException
    {
        if (!forceDirs())
        {
            return;
        }
        final Set<LockPath> dirs = new LinkedHashSet<>();
        for (final LockPath t : temps)
        {
            dirs.add(t.parent());
        }
        for (final LockPath d : dirs)
        {
            TreeFs.forceDirectory(fs.file(d));
        }
    }

    /** Runs an apply step. */
    void apply(final Step s) throws IOException
    {
        switch (s.kind())
        {
            case RENAME:
                Files.move(fs.file(s.a()), fs.file(s.b()), StandardCopyOption.ATOMIC_MOVE);
                break;
            case MKDIR:
                Files.createDirectory(fs.file(s.a()));
                break;
            default:
                throw new IllegalStateException("not an apply step: " + s);
        }
    }

    /** Undoes an apply step that was done (in reverse order of the apply phase). */
    void undo(final Step s) throws IOException
    {
        switch (s.kind())
        {
            case RENAME:
                if (s.c() != null)
                {
                    Files.move(fs.file(s.c()), fs.file(s.b()), StandardCopyOption.ATOMIC_MOVE);
                }
                else
                {
                    Files.move(fs.file(s.b()), fs.file(s.a()), StandardCopyOption.ATOMIC_MOVE);
                }
                break;
            case MKDIR:
                Files.deleteIfExists(fs.file(s.a()));
                break;
            default:
                throw new IllegalStateException("not an apply step: " + s);
        }
    }

    /** Forces the directories whose entries the apply steps changed (policy permitting). */
    void forceApplied(final List<Step> applied) throws IOException
    {
        if (!forceDirs())
        {
            return;
        }
        final Set<LockPath> dirs = new LinkedHashSet<>();
        for (final Step s : applied)
        {
            dirs.add(s.a().parent());
            if (s.b() != null)
            {
                dirs.add(s.b().parent());
            }
        }
        for (final LockPath d : dirs)
        {
            final Path f = fs.file(d);
            if (Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS))
            {
                TreeFs.forceDirectory(f);
            }
        }
    }

    /**
     * Runs a cleanup step, keeping the lock files in {@code keep} (held by this process: the store
     * removes them at release).
     *
     * @return what it did, for the recovery report.
     */
    String cleanup(final Step s, final Set<Path> keep) throws IOException
    {
        switch (s.kind())
        {
            case REMOVE:
                TreeFs.removeTree(fs.file(s.a()), keep::contains);
                return "removed " + s.a();
            case SWEEP:
                final List<Path> removed = TreeFs.removeLockFiles(fs.file(s.a()), keep);
                return "removed " + removed.size() + " lock file(s) in " + s.a();
            default:
                throw new IllegalStateException("not a cleanup step: " + s);
        }
    }

    /** Removes a temporary (idempotent). */
    void removeTemporary(final LockPath p) throws IOException
    {
        TreeFs.removeOwnTree(fs.file(p));
    }

    /** Checks, before anything changes, that a tree the plan will remove can be removed. */
    void checkRemovable(final LockPath p) throws IOException
    {
        TreeFs.checkRemovable(fs.file(p));
    }
}

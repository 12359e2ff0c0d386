package io.pathlock.file;

import io.pathlock.core.LockStoreException;
import io.pathlock.posix.Errno;
import io.pathlock.posix.Posix;
import io.pathlock.posix.PosixStat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Removes lock files that are not this store's: a file judged stale (by {@link LockJudge}) during a
 * publication, or one {@code break} was asked to remove. The rule every removal or replacement of a
 * lock file follows is stated here; {@link HeldFiles} follows it for the files this store holds.
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li><b>G1 — guarded, ABA-safe removal.</b> Every removal or replacement of a lock file (release,
 *   stale takeover, refresh, upgrade, {@code break}) happens under the file's guard stripe
 *   ({@link GuardStripes}: an in-process lock plus {@code flock} of {@code R/.pathlock/guard/NN}),
 *   and only after checking, under the guard, that the name still denotes the very inode that was
 *   judged (stale) or published (release), and, for a takeover, that the bytes read through the
 *   judging descriptor are still the judged token. The remover holds a descriptor on that inode
 *   during the check, so the inode number cannot have been recycled: "same inode" means "same
 *   file".</li>
 *   <li><b>G2 — racing reapers remove at most one lock, and never a live one.</b> After the first
 *   unlink the name is gone or names another inode, so a second reaper's G1 check fails; a live FLOCK
 *   holder's file cannot be judged dead (J1), and a foreign file rewritten in place no longer has the
 *   judged bytes.</li>
 *   <li><b>G3 — creation needs no guard.</b> Between a remover's check and its unlink the name cannot
 *   come to denote another file: creation is {@code link}, which fails on an existing name (H1), and
 *   every operation that removes or replaces a name holds the same guard.</li>
 * </ol>
 *
 * <p>Thread-safety: thread-safe (the guard stripes serialise removals of one file).
 */
final class Reaper
{
    /** What a guarded removal did. */
    enum ReapOutcome
    {
        /** The judged file was removed. */
        REMOVED,
        /** The name is gone or no longer denotes the judged file: nothing was removed. */
        CHANGED,
        /** An I/O error: nothing was removed. */
        FAILED
    }

    private final StoreContext ctx;
    private final RootedFs fs;
    private final Posix posix;
    private final AtomicLong reaped = new AtomicLong();
    private final SharedGroups groups;

    Reaper(final StoreContext ctx, final SharedGroups groups)
    {
        this.groups = groups;
        this.ctx = ctx;
        this.fs = ctx.fs;
        this.posix = ctx.posix;
    }

    /**
     * Removes a judged file under its guard if the name still denotes the judged inode and that
     * inode still holds the judged bytes (G1).
     *
     * @param file   the lock file.
     * @param fd     a descriptor open on the judged inode.
     * @param judged the judged inode's stat.
     * @param bytes  the judged bytes (at least {@code n}).
     * @param n      how many bytes were read, or the negative read result.
     * @return what was done.
     * @throws LockStoreException if the directory cannot be synced after the removal.
     */
    ReapOutcome reap(final Path file, final int fd, final PosixStat judged, final byte[] bytes, final int n)
    {
        return reap(file, fd, judged, bytes, n, false);
    }

    /**
     * {@link #reap(Path, int, PosixStat, byte[], int)}; for a shared group's file the live members are
     * counted again under the guard and nothing is removed while one lives (M3), unless {@code force}
     * ({@code break --force}); after the removal the group's dead member records go too.
     *
     * @param file   the lock file.
     * @param fd     a descriptor open on the judged inode.
     * @param judged the judged inode's stat.
     * @param bytes  the judged bytes.
     * @param n      how many bytes were read, or the negative read result.
     * @param force  whether to remove a live shared group too.
     * @return what was done.
     */
    ReapOutcome reap(final Path file, final int fd, final PosixStat judged, final byte[] bytes, final int n,
        final boolean force)
    {
        final LockTokenDescriptor.Token token = n < 0 ? null : LockTokenDescriptor.parse(bytes, n);
        final String gid = token == null ? null : token.groupId();
        final GuardStripes guard = ctx.guard();
        final int stripe = guard.stripeOf(file.toString());
        final PosixStat cur = new PosixStat();
        final byte[] again = new byte[bytes.length];
        guard.lock(stripe);
        try
        {
            final int rc = fs.lstat(file, cur);
            if (rc == -Errno.ENOENT || rc == -Errno.ENOTDIR)
            {
                return ReapOutcome.CHANGED;
            }
            if (rc < 0)
            {
                return ReapOutcome.FAILED;
            }
            if (!cur.sameFile(judged))
            {
                return ReapOutcome.CHANGED;
            }
            final int m = posix.preadAll(fd, again);
            if (m != n || (n > 0 && !Arrays.equals(bytes, 0, n, again, 0, m)))
            {
                return ReapOutcome.CHANGED;
            }
            if (gid != null && !force && groups.census(gid, null, true).alive())
            {
                // A member joined (or was judged wrongly dead) since: the group lives (M3).
                return ReapOutcome.CHANGED;
            }
            final int u = fs.unlink(file);
            if (u == -Errno.ENOENT)
            {
                return ReapOutcome.CHANGED;
            }
            if (u < 0)
            {
                return ReapOutcome.FAILED;
            }
            if (gid != null && !force)
            {
                groups.cleanUp(gid);
            }
        }
        finally
        {
            guard.unlock(stripe);
        }
        reaped.incrementAndGet();
        syncDirectory(file);
        return ReapOutcome.REMOVED;
    }

    /**
     * Removes a non-regular entry named like a lock file ({@code break --force}), under its guard.
     *
     * @param file the entry.
     * @return whether it was removed (false when it was already gone).
     * @throws LockStoreException for a directory, or an I/O error.
     */
    boolean removeOddEntry(final Path file)
    {
        final GuardStripes guard = ctx.guard();
        final int stripe = guard.stripeOf(file.toString());
        guard.lock(stripe);
        try
        {
            final int u = fs.unlink(file);
            if (u == -Errno.EISDIR)
            {
                throw new LockStoreException("cannot remove " + file + ": it is a directory named like a lock file; " +
                    "remove it by hand", null);
            }
            if (u < 0 && u != -Errno.ENOENT)
            {
                throw ctx.ioFailure("cannot remove", file, u);
            }
            return u == 0;
        }
        finally
        {
            guard.unlock(stripe);
        }
    }

    /**
     * How many stale lock files were removed.
     *
     * @return the count.
     */
    long reapedCount()
    {
        return reaped.get();
    }

    private void syncDirectory(final Path file)
    {
        if (ctx.durability == Durability.DATA_AND_DIRECTORY)
        {
            final int rc = fs.fsyncDirectory(file.getParent());
            if (rc < 0)
            {
                throw ctx.ioFailure("cannot fsync the directory of lock file", file, rc);
            }
        }
    }
}

package io.pathlock.file;

import io.pathlock.core.LockPath;
import io.pathlock.core.LockStoreException;
import io.pathlock.core.LockType;
import io.pathlock.posix.Errno;
import io.pathlock.posix.Posix;
import io.pathlock.posix.PosixStat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The administrative side of the store that the CLI uses: {@code status} (every lock file under the
 * root, judged), {@code break} (remove a lock path's files) and the acquisition plan benchmarks
 * compare with. The public result records stay in {@link FileLockStore}, which hands their
 * constructors in, so that this class does not depend on the facade.
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li><b>A1 — one rule.</b> Every report judges a file by {@link LockJudge} (a file this store holds
 *   is reported alive as such), exactly as a publication would, but never takes it over.</li>
 *   <li><b>A2 — status changes nothing.</b> {@link #status} only reads; an administrative store
 *   creates nothing under the root (F2).</li>
 *   <li><b>A3 — break is guarded.</b> {@link #breakLock} removes a stale file always and a live,
 *   foreign or unparseable one only with force, through {@link Reaper} (G1): a file replaced while it
 *   was judged is kept. A non-regular entry named like a lock file is removed only with force, and a
 *   directory never.</li>
 * </ol>
 *
 * <p>Thread-safety: thread-safe.
 */
final class LockAdmin
{
    /**
     * Makes the public plan record.
     *
     * @param <T> the record type.
     */
    @FunctionalInterface
    interface PlanFactory<T>
    {
        /**
         * The plan.
         *
         * @param components path components checked with {@code lstat}.
         * @param preChecks  lock files checked before publishing.
         * @param tmpDir     where temporary files are created.
         * @param lockFile   the file published.
         * @param scanDir    the directory walked for a SUBTREE, else null.
         * @param postChecks lock files checked after publishing.
         * @param guardFile  the guard file of {@code lockFile}.
         * @return the record.
         */
        T of(List<Path> components, List<Path> preChecks, Path tmpDir, Path lockFile, Path scanDir, List<Path> postChecks,
            Path guardFile);
    }

    private final StoreContext ctx;
    private final LockFileScanner scanner;
    private final RootedFs fs;
    private final Posix posix;
    private final LockLayout layout;
    private final HeldFiles held;
    private final Reaper reaper;
    private final SharedGroups groups;

    LockAdmin(final StoreContext ctx, final LockLayout layout, final HeldFiles held, final Reaper reaper,
        final SharedGroups groups)
    {
        this.groups = groups;
        this.ctx = ctx;
        this.scanner = new LockFileScanner(ctx.posix);
        this.fs = ctx.fs;
        this.posix = ctx.posix;
        this.layout = layout;
        this.held = held;
        this.reaper = reaper;
    }

    /**
     * Every lock file under the root, judged without changing anything (A1, A2).
     *
     * @return the lock files, sorted by lock path.
     * @throws LockStoreException if the tree cannot be walked.
     */
    List<LockFileInfo> status()
    {
        final RootedFs.Scope scope = ctx.fs.scope();
        try
        {
            final List<LockFileScanner.Hit> hits = scanner.scan(fs.rootFd());
            final List<LockFileInfo> out = new ArrayList<>(hits.size());
            final PosixStat st = new PosixStat();
            for (final LockFileScanner.Hit h : hits)
            {
                if (h.relative().length == 0 && h.errno() != 0)
                {
                    throw ctx.ioFailure("cannot scan the lock root", ctx.root, -h.errno());
                }
                final LockFileInfo odd = LockFileScanner.oddHit(LockPath.root(), ctx.root, h);
                if (odd != null)
                {
                    out.add(odd);
                    continue;
                }
                final LockPath lp = LockLayout.lockPathOf(LockPath.root(), h.path());
                if (lp == null)
                {
                    continue;
                }
                LockFileInfo info = inspect(ctx.root.resolve(h.path()), lp, st);
                if (info != null && !LockLayout.isLockPathName(h.path()))
                {
                    // A directory name no lock path can have (a control character, an overlong name):
                    // name the entry as it is, not the ancestor it counts for.
                    final byte[] rel = h.relative();
                    int cut = rel.length;
                    while (cut > 0 && rel[cut - 1] != '/')
                    {
                        cut--;
                    }
                    final String dir = LockFileScanner.escape(java.util.Arrays.copyOf(rel, Math.max(0, cut - 1)));
                    info = new LockFileInfo("/" + dir, info.file(), info.type(), info.ownerId(), info.ageNanos(),
                        info.state(), info.pid(), info.detail() + "; '/" + dir + "' is not a valid lock path, the lock " +
                        "counts as held by " + lp + " and everything above it");
                }
                if (info != null)
                {
                    out.add(info);
                }
            }
            out.sort(Comparator.comparing(LockFileInfo::lockPath).thenComparing(i -> i.file().toString()));
            return out;
        }
        finally
        {
            scope.close();
        }
    }

    /**
     * Removes the lock file(s) of a lock path (A3).
     *
     * @param lockPath the lock path, such as {@code /a/b}.
     * @param force    whether to remove live locks too.
     * @param result   makes the result from the removed and the kept files.
     * @param <T>      the result type.
     * @return the result.
     * @throws LockStoreException on an I/O failure or a path outside the root.
     */
    <T> T breakLock(final CharSequence lockPath, final boolean force,
        final BiFunction<List<LockFileInfo>, List<LockFileInfo>, T> result)
    {
        final RootedFs.Scope scope = ctx.fs.scope();
        try
        {
            final LockPath p = LockPath.parse(lockPath);
            LockLayout.validateLockPath(p);
            final LockLayout.Target t = layout.resolve(p, false);
            final List<LockFileInfo> removed = new ArrayList<>();
            final List<LockFileInfo> kept = new ArrayList<>();
            final PosixStat st = new PosixStat();
            // The legacy sidecar ({@code .NAME.path.ovlock}, pathlock before the ragfs layout) is found by
            // scans and status, so break must be able to remove it too.
            final Path legacy = p.isRoot() ? null : t.dir.resolveSibling("." + p.name() + LockLayout.LOCK_FILE_NAME);
            for (final Path file : new Path[] {t.dirForm, t.sidecar, legacy})
            {
                if (file == null)
                {
                    continue;
                }
                final int fd = fs.openRead(file, st);
                if (fd == -Errno.ENOENT || fd == -Errno.ENOTDIR)
                {
                    continue;
                }
                if (fd == RootedFs.NOT_REGULAR || fd == -Errno.ELOOP)
                {
                    final LockFileInfo info = new LockFileInfo(p.toString(), file, null, null, -1, LockFileState.UNPARSEABLE, -1,
                        fd == -Errno.ELOOP ? "a symbolic link named like a lock file" :
                        "not a regular file (" + LockFileScanner.fileTypeName(st) + ") named like a lock file");
                    if (force && reaper.removeOddEntry(file))
                    {
                        removed.add(info);
                    }
                    else
                    {
                        kept.add(info);
                    }
                    continue;
                }
                if (fd < 0)
                {
                    throw ctx.ioFailure("cannot open lock file", file, fd);
                }
                try
                {
                    final byte[] buf = new byte[LockTokenDescriptor.MAX_TOKEN_LENGTH + 1];
                    final int n = posix.preadAll(fd, buf);
                    final int fst = posix.fstat(fd, st);
                    if (fst < 0)
                    {
                        throw ctx.ioFailure("cannot stat lock file", file, fst);
                    }
                    final LockFileInfo info = judgeForReport(file, p, fd, buf, n, st);
                    if (info.state() == LockFileState.STALE || force)
                    {
                        final Reaper.ReapOutcome o = reaper.reap(file, fd, st, buf, n, force);
                        if (o == Reaper.ReapOutcome.REMOVED)
                        {
                            removed.add(info);
                            continue;
                        }
                        if (o == Reaper.ReapOutcome.FAILED)
                        {
                            throw new LockStoreException("cannot remove lock file " + file, null);
                        }
                    }
                    kept.add(info);
                }
                finally
                {
                    posix.close(fd);
                }
            }
            return result.apply(removed, kept);
        }
        finally
        {
            scope.close();
        }
    }

    /**
     * The plan of an uncontended acquisition of one lock as the tree is now.
     *
     * @param lockPath the lock path.
     * @param type     the lock type.
     * @param plan     makes the result.
     * @param <T>      the result type.
     * @return the plan.
     */
    <T> T plan(final CharSequence lockPath, final LockType type, final PlanFactory<T> plan)
    {
        final LockPath p = LockPath.parse(lockPath);
        LockLayout.validateLockPath(p);
        final LockLayout.Target t = layout.resolve(p, false);
        final List<Path> components = new ArrayList<>();
        for (int i = 1; i <= p.depth(); i++)
        {
            components.add(ctx.root.resolve(p.prefix(i).toString().substring(1)));
        }
        final List<Path> pre = List.of(t.ancestorFiles);
        final List<Path> post = new ArrayList<>();
        post.addAll(pre);
        if (t.otherFile() != null)
        {
            post.add(t.otherFile());
        }
        final GuardStripes guard = ctx.guard();
        return plan.of(components, pre, ctx.tmpDir, t.publishFile(), type == LockType.SUBTREE ? t.dir : null,
            post, guard.file(guard.stripeOf(t.publishFile().toString())));
    }

    /** Reports a file without taking it over (A1). The descriptor is open on it. */
    private LockFileInfo judgeForReport(final Path file, final LockPath lockPath, final int fd, final byte[] buf,
        final int n, final PosixStat st)
    {
        if (n < 0 && n != -Errno.EFBIG)
        {
            return new LockFileInfo(lockPath.toString(), file, null, null, -1, LockFileState.UNPARSEABLE, -1,
                "cannot read: " + Errno.name(n));
        }
        final LockTokenDescriptor.Token token = n < 0 ? null : LockTokenDescriptor.parse(buf, n);
        if (token == null)
        {
            return new LockFileInfo(lockPath.toString(), file, null, null, -1, LockFileState.UNPARSEABLE, -1,
                n == 0 ? "empty" : "not owner:time:P|S");
        }
        final LockFileState state;
        final String detail;
        final long age;
        if (held.isHeldHere(file, st))
        {
            state = LockFileState.ALIVE;
            detail = "held by this process";
            age = Math.max(0, ctx.judge.ageNanos(token, st));
        }
        else
        {
            final LockJudge.Verdict v = ctx.judge.judge(token, st, posix, fd, false);
            state = v.state();
            detail = v.detail();
            age = v.ageNanos();
        }
        final String gid = token.groupId();
        return new LockFileInfo(lockPath.toString(), file, token.type(), token.ownerId(), age, state, token.pid(), detail,
            token.mode(), gid == null ? List.of() : groups.census(gid, null, false).members());
    }

    private LockFileInfo inspect(final Path file, final LockPath lockPath, final PosixStat st)
    {
        final int fd = fs.openRead(file, st);
        if (fd == -Errno.ENOENT || fd == -Errno.ENOTDIR)
        {
            return null;
        }
        if (fd == RootedFs.NOT_REGULAR)
        {
            return new LockFileInfo(lockPath.toString(), file, null, null, -1, LockFileState.UNPARSEABLE, -1,
                "not a regular file (" + LockFileScanner.fileTypeName(st) + ") named like a lock file: held");
        }
        if (fd < 0)
        {
            return new LockFileInfo(lockPath.toString(), file, null, null, -1, LockFileState.UNPARSEABLE, -1,
                (fd == -Errno.ELOOP ? "a symbolic link named like a lock file" : "cannot open") + ": " + Errno.name(fd));
        }
        try
        {
            final byte[] buf = new byte[LockTokenDescriptor.MAX_TOKEN_LENGTH + 1];
            final int n = posix.preadAll(fd, buf);
            if (posix.fstat(fd, st) < 0)
            {
                return new LockFileInfo(lockPath.toString(), file, null, null, -1, LockFileState.UNPARSEABLE, -1,
                    "cannot fstat");
            }
            return judgeForReport(file, lockPath, fd, buf, n, st);
        }
        finally
        {
            posix.close(fd);
        }
    }
}

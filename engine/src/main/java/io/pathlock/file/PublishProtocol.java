package io.pathlock.file;

import io.pathlock.core.LockConflict;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockStoreException;
import io.pathlock.core.LockType;
import io.pathlock.posix.Errno;
import io.pathlock.posix.Posix;
import io.pathlock.posix.PosixStat;
import io.pathlock.store.LockStore.Publication;
import io.pathlock.store.LockStore.PublishResult;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cross-process publication protocol of DESIGN §3.2: check, publish, re-check, back off, and
 * take over stale files on the way. Where the files are is {@link LockLayout}'s; how a file is
 * created, replaced and released is {@link HeldFiles}'; whether a holder is alive is
 * {@link LockJudge}'s; removing someone else's file is {@link Reaper}'s; waiting for a racer is
 * {@link LockWaiter}'s. This class decides, in that vocabulary, whether a request is granted.
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li><b>P1 — check, publish, re-check.</b> POINT(p): check the ancestors' files for S tokens;
 *   publish p's file; re-check the ancestors and p's other form. SUBTREE(p): check the ancestors;
 *   publish p's file with S; scan p's subtree for any other lock file; re-check the ancestors and p's
 *   other form. An entry is granted only if a complete check that <em>started after its own file was
 *   published</em> found no conflicting live file. <em>Two conflicting racers never both
 *   proceed</em>: say A and B conflict, publish at tA and tB and start their final checks at
 *   cA &gt; tA and cB &gt; tB, and A found nothing. A's check covers the place of B's file (L1 and the
 *   conflict matrix), so B's file did not exist at cA: B published after cA (tB &gt; cA), or B had
 *   already removed its file and backed off. In the first case cB &gt; tB &gt; cA &gt; tA, and A's
 *   file, which A keeps while it holds (H2), exists during B's check, so B finds it and does not
 *   proceed.</li>
 *   <li><b>P2 — deterministic back-off.</b> Tokens are ordered by {@code (time_ns, owner_id)}. A racer
 *   that finds a conflicting file after publishing backs off at once (removes its files, reports the
 *   conflict) if the other token is older or unknown. If the other is younger, it does not proceed
 *   while that file exists: it waits for it to go (notification plus polling) for at most
 *   {@code raceWait} (20 ms), re-checks, and backs off only when the bound passes. <em>Two racers
 *   never both back off forever</em>: the younger one backs off at once on seeing the older one, which
 *   meanwhile waits for exactly that removal; the older backs off only if the younger keeps its file
 *   longer than the bound (a stalled process), and waits cannot form a cycle because each waits only
 *   for a strictly younger token of a total order.</li>
 *   <li><b>P3 — own locks.</b> Files this store published for the same {@code ownerId} (same inode,
 *   found in its registry) never conflict with that owner's requests: SUBTREE above the owner's own
 *   locks succeeds, and SUBTREE on the owner's own POINT replaces the file by {@code rename} under the
 *   guard (H2, G1). Other owners of this process are kept apart by the manager's lock table before the
 *   store is asked; the store would still see their files as held.</li>
 *   <li><b>P4 — fail closed.</b> A read, stat or {@code flock} error other than
 *   {@code ENOENT}/{@code ENOTDIR} on a lock file counts as held, never as free (J6); what a scan
 *   cannot judge below p blocks SUBTREE(p) (S1, S2). An I/O error while publishing throws
 *   {@link LockStoreException} naming the path, after removing what the attempt published (H4).</li>
 *   <li><b>P5 — directories only after the pre-check.</b> Missing parent directories are created only
 *   after the pre-check (L5), so that a request refused by a SUBTREE holder does not create
 *   directories inside the holder's subtree (a request that passes the pre-check and then loses the
 *   race may still leave an empty directory behind).</li>
 * </ol>
 *
 * <p>A refresh gives a held token a new, younger time; a racer that meets it after publishing waits
 * {@code raceWait} before it backs off (P2), which only costs that racer time.
 *
 * <p>Thread-safety: thread-safe. The manager's lock table guarantees that at most one publication per
 * conflicting path of this process is in flight; the protocol relies on that only for its own owners.
 */
final class PublishProtocol
{
    private static final int MAX_PUBLISH_TRIES = 8;
    private static final int MAX_JUDGE_TRIES = 4;

    private final StoreContext ctx;
    private final LockFileScanner scanner;
    private final RootedFs fs;
    private final Posix posix;
    private final LockLayout layout;
    private final HeldFiles held;
    private final Reaper reaper;
    private final LockWaiter waiter;
    private final SharedGroups groups;
    private final AtomicLong backoffs = new AtomicLong();

    /** The files of one granted publication. */
    static final class Pub implements Publication
    {
        private final List<LockRequest.Entry> entries;
        private final HeldFiles.HeldFile[] files;
        private final SharedGroups.Member[] members;

        Pub(final List<LockRequest.Entry> entries, final HeldFiles.HeldFile[] files, final SharedGroups.Member[] members)
        {
            this.entries = entries;
            this.files = files;
            this.members = members;
        }

        @Override
        public List<LockRequest.Entry> entries()
        {
            return entries;
        }

        /** The held files, in request order. */
        HeldFiles.HeldFile[] files()
        {
            return files;
        }

        /** The shared groups' memberships, in request order. */
        SharedGroups.Member[] members()
        {
            return members;
        }
    }

    /** A lock file found in the way, with what was judged about it. */
    static final class Found
    {
        final Path file;
        final LockPath lockPath;
        final LockTokenDescriptor.Token token;
        final LockFileState state;
        final long ageNanos;
        final String detail;
        final long dev;
        final long ino;
        final long size;
        final long mtimeNanos;

        Found(final Path file, final LockPath lockPath, final LockTokenDescriptor.Token token, final LockFileState state,
            final long ageNanos, final String detail, final PosixStat st)
        {
            this.file = file;
            this.lockPath = lockPath;
            this.token = token;
            this.state = state;
            this.ageNanos = ageNanos;
            this.detail = detail;
            this.dev = st == null ? 0 : st.dev();
            this.ino = st == null ? 0 : st.ino();
            this.size = st == null ? -1 : st.size();
            this.mtimeNanos = st == null ? 0 : st.mtimeNanos();
        }

        /** What a waiter watches for this file: the file as it was when judged. */
        LockWaiter.Blocker blocker()
        {
            return new LockWaiter.Blocker(file, dev, ino, size, mtimeNanos, token);
        }
    }

    private static final class Refusal
    {
        final Found found;
        final LockWaiter.Blocker blocker;

        Refusal(final Found found)
        {
            this(found, found.blocker());
        }

        Refusal(final Found found, final LockWaiter.Blocker blocker)
        {
            this.found = found;
            this.blocker = blocker;
        }
    }

    PublishProtocol(final StoreContext ctx, final LockLayout layout, final HeldFiles held, final Reaper reaper,
        final LockWaiter waiter, final SharedGroups groups)
    {
        this.groups = groups;
        this.ctx = ctx;
        this.scanner = new LockFileScanner(ctx.posix);
        this.fs = ctx.fs;
        this.posix = ctx.posix;
        this.layout = layout;
        this.held = held;
        this.reaper = reaper;
        this.waiter = waiter;
    }

    /**
     * P6 — ov431 processes never read the lock file of their namespace's root {@code /} when they
     * check ancestors, so a SUBTREE on the root would not stop them from locking anything below it.
     * With an empty OpenViking prefix our root is theirs: refuse rather than grant a lock they ignore.
     */
    private void refuseWhatOv431CannotSee(final List<LockRequest.Entry> entries)
    {
        if (ctx.dialect != Dialect.OV431 || !ctx.ovPrefix.isEmpty())
        {
            return;
        }
        for (final LockRequest.Entry e : entries)
        {
            if (e.path().isRoot() && e.type() == LockType.SUBTREE)
            {
                throw new LockStoreException("cannot lock SUBTREE / in the ov431 dialect: ov431 processes never check " +
                    "the root's lock file, so they would not respect it; lock the top-level directories instead, or " +
                    "set the OpenViking path prefix if this root is below their namespace's root", null);
            }
        }
    }

    /**
     * Publishes every entry or none (P1–P4).
     *
     * @param ownerId the handle's owner id.
     * @param entries the request's entries.
     * @return granted with a {@link Pub}, or refused with the conflict and a {@link LockWaiter.Blocker}.
     * @throws IllegalArgumentException for an owner id that cannot be written to a lock file.
     * @throws LockStoreException on an I/O error, after removing what was published.
     */
    PublishResult tryPublish(final String ownerId, final List<LockRequest.Entry> entries)
    {
        validateOwner(ownerId);
        refuseWhatOv431CannotSee(entries);
        final List<HeldFiles.HeldFile> files = new ArrayList<>(entries.size());
        // Exclusive-only requests (the common case) allocate no list of memberships.
        final List<SharedGroups.Member> members = hasShared(entries) ? new ArrayList<>(entries.size()) : List.of();
        // One request resolves each directory once (R3): the chain from the root is opened once and
        // the pre-check, publication and re-check of every entry reuse its descriptors.
        final RootedFs.Scope scope = ctx.fs.scope();
        LockRequest.Entry current = null;
        try
        {
            for (final LockRequest.Entry e : entries)
            {
                current = e;
                final Refusal r = e.isShared() ? publishShared(ownerId, e, members) : publishEntry(ownerId, e, files);
                if (r != null)
                {
                    backoffs.incrementAndGet();
                    rollback(files, members, null);
                    return PublishResult.refused(toConflict(r.found), r.blocker);
                }
            }
            if (groups.size() > 0)
            {
                // Upgrades in this request (M7): the exclusive files hold now; the memberships go.
                for (int i = 0; i < files.size(); i++)
                {
                    groups.commitConversion(files.get(i));
                }
            }
            return PublishResult.granted(new Pub(entries, files.toArray(new HeldFiles.HeldFile[0]),
                members.isEmpty() ? NO_MEMBERS : members.toArray(new SharedGroups.Member[0])));
        }
        catch (final RuntimeException | Error ex)
        {
            rollback(files, members, ex);
            if (ex instanceof Error)
            {
                throw ex;
            }
            // The failure names a file (a temporary, a lock file, a directory); the caller needs the
            // lock too, in its own terms.
            final String lock = current == null ? String.valueOf(entries) : current.toString();
            if (ex instanceof LockStoreException)
            {
                throw new LockStoreException("cannot take " + lock + ": " + ex.getMessage(), ex);
            }
            throw new LockStoreException("lock store " + ctx.description + " failed to publish " + lock + ": " + ex, ex);
        }
        finally
        {
            scope.close();
        }
    }

    /**
     * How many publications backed off after finding a conflict.
     *
     * @return the count.
     */
    long backoffCount()
    {
        return backoffs.get();
    }

    private Refusal publishEntry(final String ownerId, final LockRequest.Entry e, final List<HeldFiles.HeldFile> files)
    {
        final LockPath p = e.path();
        LockLayout.validateLockPath(p);
        LockLayout.Target t = layout.resolve(p, false);
        final PosixStat st = new PosixStat();
        final byte[] buf = new byte[LockTokenDescriptor.MAX_TOKEN_LENGTH + 1];

        Found c = checkAncestors(ownerId, t, false, st, buf);
        if (c != null)
        {
            return new Refusal(c);
        }
        // Only after the pre-check (P5): a refused request should not create directories inside
        // someone else's SUBTREE.
        t = layout.resolveForPublish(t, e.type());

        final Path file = t.publishFile();
        final SharedGroups.Member member = groups.memberAt(file, ownerId);
        if (member != null)
        {
            return upgradeShared(ownerId, e, t, member, files, st, buf);
        }
        final HeldFiles.HeldFile own = held.ownAt(file, ownerId, st);
        final HeldFiles.HeldFile hf;
        if (own != null)
        {
            if (own.type == LockType.SUBTREE || e.type() == LockType.POINT)
            {
                return null;
            }
            hf = held.upgrade(own, st);
            files.add(hf);
        }
        else
        {
            HeldFiles.HeldFile created = null;
            for (int tries = 0; created == null; tries++)
            {
                created = held.createAndLink(ownerId, p, e.type(), file, null, st);
                if (created != null)
                {
                    break;
                }
                final Found f = judge(file, p, ownerId, false, false, st, buf);
                if (f != null)
                {
                    return new Refusal(f);
                }
                if (tries + 1 >= MAX_PUBLISH_TRIES)
                {
                    throw new LockStoreException("cannot publish lock file " + file + ": it was replaced " +
                        MAX_PUBLISH_TRIES + " times in a row while this store tried to create it", null);
                }
            }
            hf = created;
            files.add(hf);
        }

        return raceCheck(ownerId, t, e.type(), false, hf.file, hf.token, st, buf);
    }

    /**
     * Shared to exclusive on the same file (M7): convert the owner's membership if it is the group's
     * only live member, then re-check like any entry (P1): for SUBTREE the subtree, where shared
     * groups below now conflict, and for both the ancestors' SUBTREE-SHARED groups. A refusal undoes
     * the conversion in {@link #rollback}; a grant commits it in {@link #tryPublish}.
     */
    private Refusal upgradeShared(final String ownerId, final LockRequest.Entry e, final LockLayout.Target t,
        final SharedGroups.Member member, final List<HeldFiles.HeldFile> files, final PosixStat st, final byte[] buf)
    {
        final Path dir = groups.directoryOf(member);
        final PosixStat ds = new PosixStat();
        for (int tries = 0; ; tries++)
        {
            // The group's file does not change when another member leaves; its directory does. Its
            // identity is taken before the members are counted, so that no leave between goes unseen.
            final boolean dirKnown = fs.lstat(dir, ds) == 0;
            final HeldFiles.HeldFile hf = groups.convert(member, e.type(), st);
            if (hf != null)
            {
                files.add(hf);
                return raceCheck(ownerId, t, e.type(), false, hf.file, hf.token, st, buf);
            }
            final Found f = judge(member.groupFile, e.path(), ownerId, false, false, st, buf);
            if (f != null)
            {
                return dirKnown ? new Refusal(f, new LockWaiter.Blocker(dir, ds.dev(), ds.ino(), ds.size(),
                    ds.mtimeNanos(), null)) : new Refusal(f);
            }
            if (tries + 1 >= MAX_PUBLISH_TRIES)
            {
                throw new LockStoreException("cannot upgrade the shared lock on " + e.path() + ": its group changed " +
                    MAX_PUBLISH_TRIES + " times in a row while this store tried", null);
            }
        }
    }

    /**
     * A shared entry (DESIGN §3.2, "Shared locks in lock files"; {@link SharedGroups}): pre-check the
     * ancestors for exclusive SUBTREE files, then create the group at p's file or join the live group
     * there, then re-check like any entry (P1), where only exclusive files conflict.
     */
    private Refusal publishShared(final String ownerId, final LockRequest.Entry e, final List<SharedGroups.Member> members)
    {
        final LockPath p = e.path();
        LockLayout.validateLockPath(p);
        LockLayout.Target t = layout.resolve(p, false);
        final PosixStat st = new PosixStat();
        final byte[] buf = new byte[LockTokenDescriptor.MAX_TOKEN_LENGTH + 1];

        final Found c = checkAncestors(ownerId, t, true, st, buf);
        if (c != null)
        {
            return new Refusal(c);
        }
        t = layout.resolveForPublish(t, e.type());
        final Path file = t.publishFile();
        if (held.ownAt(file, ownerId, st) != null)
        {
            throw new LockStoreException("owner " + ownerId + " holds an exclusive lock on " + p + " (" + file + "): the " +
                "lock-file store cannot add a shared lock of the same owner beside it; the exclusive lock covers reads", null);
        }
        SharedGroups.Member m = null;
        for (int tries = 0; m == null; tries++)
        {
            m = groups.create(ownerId, p, e.type(), file);
            if (m != null)
            {
                break;
            }
            final String gid = groups.groupIdAt(file);
            if (gid != null)
            {
                m = groups.join(ownerId, p, e.type(), file, gid);
                if (m != null)
                {
                    break;
                }
            }
            // Judged as an exclusive requester would: a stale file (a group with no live member too)
            // is taken over; a live group found now is joined on the next round.
            final Found f = judge(file, p, ownerId, false, false, st, buf);
            if (f != null && (f.token == null || f.token.groupId() == null || f.state != LockFileState.ALIVE))
            {
                return new Refusal(f);
            }
            if (tries + 1 >= MAX_PUBLISH_TRIES)
            {
                throw new LockStoreException("cannot publish or join the shared lock file " + file + ": it changed " +
                    MAX_PUBLISH_TRIES + " times in a row while this store tried", null);
            }
        }
        members.add(m);
        return raceCheck(ownerId, t, e.type(), true, file, m.groupToken, st, buf);
    }

    /** The re-check of P1 with the back-off of P2, for an entry whose file is {@code own}. */
    private Refusal raceCheck(final String ownerId, final LockLayout.Target t, final LockType type, final boolean shared,
        final Path own, final LockTokenDescriptor.Token ownToken, final PosixStat st, final byte[] buf)
    {
        final long raceDeadline = System.nanoTime() + ctx.raceWaitNanos;
        for (;;)
        {
            final Found c = postCheck(ownerId, t, type, shared, own, st, buf);
            if (c == null)
            {
                return null;
            }
            if (c.token == null || c.token.compareAge(ownToken) < 0)
            {
                return new Refusal(c);
            }
            final long remaining = raceDeadline - System.nanoTime();
            if (remaining <= 0)
            {
                return new Refusal(c);
            }
            try
            {
                waiter.awaitChange(c.blocker(), remaining);
            }
            catch (final InterruptedException ie)
            {
                Thread.currentThread().interrupt();
                return new Refusal(c);
            }
        }
    }

    private Found checkAncestors(final String ownerId, final LockLayout.Target t, final boolean shared, final PosixStat st,
        final byte[] buf)
    {
        final Path[] files = t.ancestorFiles;
        for (int i = 0; i < files.length; i++)
        {
            final Found f = judge(files[i], t.ancestorPaths[i], ownerId, true, shared, st, buf);
            if (f != null)
            {
                return f;
            }
        }
        return null;
    }

    private Found postCheck(final String ownerId, final LockLayout.Target t, final LockType type, final boolean shared,
        final Path own, final PosixStat st, final byte[] buf)
    {
        if (type == LockType.SUBTREE)
        {
            final Found f = scan(ownerId, t, shared, own, st, buf);
            if (f != null)
            {
                return f;
            }
        }
        final Found f = checkAncestors(ownerId, t, shared, st, buf);
        if (f != null)
        {
            return f;
        }
        final Path other = t.otherFile();
        return other == null ? null : judge(other, t.path, ownerId, false, shared, st, buf);
    }

    private Found scan(final String ownerId, final LockLayout.Target t, final boolean shared, final Path own,
        final PosixStat st, final byte[] buf)
    {
        final int dfd = fs.openDir(t.dir);
        if (dfd == -Errno.ENOENT || dfd == -Errno.ENOTDIR)
        {
            return null;
        }
        if (dfd < 0)
        {
            throw ctx.ioFailure("cannot scan the subtree of " + t.path + " for lock files", t.dir, dfd);
        }
        final List<LockFileScanner.Hit> hits;
        try
        {
            hits = scanner.scan(dfd);
        }
        finally
        {
            posix.close(dfd);
        }
        for (final LockFileScanner.Hit h : hits)
        {
            final LockFileInfo odd = LockFileScanner.oddHit(t.path, t.dir, h);
            if (odd != null)
            {
                // Fail closed (invariant S1/S2): what cannot be judged below p blocks SUBTREE(p).
                final LockPath at = LockLayout.lockPathOf(t.path, h.path());
                return new Found(odd.file(), at == null ? t.path : at, null, LockFileState.UNPARSEABLE, -1, odd.detail(),
                    null);
            }
            final LockPath lp = LockLayout.lockPathOf(t.path, h.path());
            if (lp == null)
            {
                continue;
            }
            final Path file = t.dir.resolve(h.path());
            if (file.equals(own))
            {
                continue;
            }
            final Found f = judge(file, lp, ownerId, false, shared, st, buf);
            if (f != null)
            {
                return f;
            }
        }
        return null;
    }

    /**
     * Judges one lock file for a requester: null when absent, own (P3), not conflicting, or stale
     * (then reclaimed through the {@link Reaper}); else what blocks. Never throws for a file it cannot
     * read (P4). A shared requester ({@code shared}) never conflicts with a shared group's file; an
     * exclusive one conflicts with it while it has a live member other than the requester's own
     * (P3 for shared groups; J7).
     */
    private Found judge(final Path file, final LockPath lockPath, final String ownerId, final boolean subtreeOnly,
        final boolean shared, final PosixStat st, final byte[] buf)
    {
        for (int attempt = 0; attempt < MAX_JUDGE_TRIES; attempt++)
        {
            final int fd = fs.openRead(file, st);
            if (fd == -Errno.ENOENT || fd == -Errno.ENOTDIR)
            {
                return null;
            }
            if (fd == RootedFs.NOT_REGULAR)
            {
                return new Found(file, lockPath, null, LockFileState.UNPARSEABLE, -1,
                    "not a regular file (" + LockFileScanner.fileTypeName(st) + ") named like a lock file: held", null);
            }
            if (fd < 0)
            {
                return new Found(file, lockPath, null, LockFileState.UNPARSEABLE, -1,
                    (fd == -Errno.ELOOP ? "a symbolic link named like a lock file" : "cannot open") + ": " +
                    Errno.name(fd) + " (" + Errno.describe(fd) + ")", null);
            }
            try
            {
                final int n = posix.preadAll(fd, buf);
                final int s = posix.fstat(fd, st);
                if (s < 0)
                {
                    return new Found(file, lockPath, null, LockFileState.UNPARSEABLE, -1, "cannot fstat: " + Errno.name(s), null);
                }
                if (held.isOwn(file, ownerId, st))
                {
                    return null;
                }
                if (n < 0 && n != -Errno.EFBIG)
                {
                    return new Found(file, lockPath, null, LockFileState.UNPARSEABLE, -1, "cannot read: " + Errno.name(n), st);
                }
                final LockTokenDescriptor.Token token = n < 0 ? null : LockTokenDescriptor.parse(buf, n);
                if (token == null)
                {
                    return new Found(file, lockPath, null, LockFileState.UNPARSEABLE, -1,
                        n == 0 ? "empty" : n < 0 ? "longer than " + LockTokenDescriptor.MAX_TOKEN_LENGTH + " bytes" :
                        "not owner:time:P|S", st);
                }
                if (subtreeOnly && token.type() != LockType.SUBTREE)
                {
                    return null;
                }
                final String gid = token.groupId();
                if (gid != null && shared)
                {
                    return null;
                }
                if (gid != null && groups.isMemberAt(file, ownerId))
                {
                    final SharedGroups.Census census = groups.census(gid, ownerId, false);
                    if (census.others() == 0)
                    {
                        return null;
                    }
                    return new Found(file, lockPath, token, LockFileState.ALIVE, Math.max(0, ctx.judge.ageNanos(token, st)),
                        "shared group with " + census.others() + " other live member(s)", st);
                }
                final LockJudge.Verdict v = ctx.judge.judge(token, st, posix, fd, true);
                final long age = v.ageNanos();
                if (!v.stale())
                {
                    return new Found(file, lockPath, token, v.state(), age, v.detail(), st);
                }
                final Reaper.ReapOutcome o = reaper.reap(file, fd, st, buf, n);
                if (o == Reaper.ReapOutcome.FAILED)
                {
                    return new Found(file, lockPath, token, LockFileState.STALE, age, "stale but could not be removed", st);
                }
            }
            finally
            {
                posix.close(fd);
            }
        }
        return new Found(file, lockPath, null, LockFileState.UNPARSEABLE, -1,
            "replaced " + MAX_JUDGE_TRIES + " times while being judged", null);
    }

    private static final SharedGroups.Member[] NO_MEMBERS = new SharedGroups.Member[0];

    private static boolean hasShared(final List<LockRequest.Entry> entries)
    {
        for (int i = 0; i < entries.size(); i++)
        {
            if (entries.get(i).isShared())
            {
                return true;
            }
        }
        return false;
    }

    private void rollback(final List<HeldFiles.HeldFile> files, final List<SharedGroups.Member> members,
        final Throwable cause)
    {
        for (int i = members.size() - 1; i >= 0; i--)
        {
            try
            {
                groups.leave(members.get(i));
            }
            catch (final RuntimeException e)
            {
                if (cause != null)
                {
                    cause.addSuppressed(e);
                }
            }
        }
        if (!members.isEmpty())
        {
            members.clear();
        }
        for (int i = files.size() - 1; i >= 0; i--)
        {
            final HeldFiles.HeldFile hf = files.get(i);
            try
            {
                if (hf.fromMember != null)
                {
                    groups.revertConversion(hf);
                }
                else if (hf.replaced != null)
                {
                    held.restore(hf);
                }
                else
                {
                    held.release(hf);
                }
            }
            catch (final RuntimeException e)
            {
                if (cause != null)
                {
                    cause.addSuppressed(e);
                }
            }
        }
        files.clear();
    }

    private LockConflict toConflict(final Found f)
    {
        final LockConflict.Reason reason;
        switch (f.state)
        {
            case ALIVE:
                reason = LockConflict.Reason.HELD;
                break;
            case FOREIGN:
                reason = LockConflict.Reason.FOREIGN;
                break;
            case STALE:
                reason = LockConflict.Reason.STALE;
                break;
            default:
                reason = LockConflict.Reason.UNPARSEABLE;
                break;
        }
        final String owner = f.token != null ? f.token.ownerId() : "<" + f.detail + ": " + f.file + ">";
        return new LockConflict(f.lockPath.toString(), reason, owner, f.token == null ? null : f.token.type(),
            f.ageNanos, ctx.source, f.token == null ? null : f.token.mode());
    }

    private static void validateOwner(final String ownerId)
    {
        if (ownerId == null || ownerId.isEmpty())
        {
            throw new IllegalArgumentException("owner id must not be empty");
        }
        for (int i = 0; i < ownerId.length(); i++)
        {
            final char c = ownerId.charAt(i);
            if (c < 0x20 || c == 0x7f || c == ':')
            {
                throw new IllegalArgumentException("owner id '" + ownerId + "' has a forbidden character at " + i +
                    " (no ':' or control characters in lock files)");
            }
        }
    }
}

package io.pathlock.file;

import io.pathlock.core.LockPath;
import io.pathlock.core.LockStoreException;
import io.pathlock.core.LockType;
import io.pathlock.posix.Errno;
import io.pathlock.posix.Posix;
import io.pathlock.posix.PosixStat;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shared (read) locks in lock files: how several holders, in one or several processes, own one
 * ordinary lock file together (DESIGN §3.2, "Shared locks in lock files").
 *
 * <h2>Layout</h2>
 * <pre>
 *   R/a/b/.path.ovlock                       the group's lock file: an ordinary token that OpenViking
 *     pl1g|pid|host|gid|shared:time_ns:T     reads as held (P/S in ov431, E/T in ragfs, per lock type)
 *   R/.pathlock/shared/&lt;gid&gt;/                one directory per group (gid: 16 random hex digits)
 *     &lt;nonce&gt;.&lt;seq&gt;.member                     one member record per shared holder, content an
 *       pl1|pid|host|nonce|owner:time_ns:E   ordinary pathlock token, flock(LOCK_EX)ed by its member
 *     &lt;nonce&gt;.&lt;seq&gt;.upgrade                    a member's upgrade mark while it waits to upgrade (M8)
 * </pre>
 * The group's file is created, joined, refreshed and removed only under the guard stripe of the
 * group's lock file ({@link GuardStripes}); member records live in the reserved directory, which no
 * scan of pathlock or OpenViking treats as locks, and carry the liveness.
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li><b>M1 — a group is alive exactly while it has a live member.</b> A member record is judged
 *   by the one rule ({@link LockJudge}: its {@code flock} on flock backends, its age on java.nio); a
 *   record that cannot be judged (garbage, a FIFO, unreadable, a record of another kind) counts as
 *   live (fail closed, J6) and is reported, never removed automatically. A group token whose gid
 *   field is malformed is unparseable: held, never taken over automatically.</li>
 *   <li><b>M2 — the group's file exists before anyone can judge it, and its member exists first.</b>
 *   A creator makes the member directory and its own flocked member record (temporary file +
 *   {@code link}, H1) before it links the group's file (H1): a group file is never observable with
 *   no member of its creator.</li>
 *   <li><b>M3 — join, leave and takeover are serialised by the group file's guard stripe.</b> A
 *   joiner, under the stripe, re-reads the file (it must still carry the same gid), counts live
 *   members (there must be one) and links its record before it unlocks. A leaver, under the stripe,
 *   unlinks its record, reaps dead records, and removes the group's file only if no live member
 *   remains. A taker-over ({@link Reaper}), under the stripe, counts live members again and removes
 *   nothing if one exists. Hence the live-member set of a group, once empty under the stripe, stays
 *   empty: "last member leaves" and "a new member joins" cannot both succeed, and a file is never
 *   removed while a live member remains.</li>
 *   <li><b>M4 — a killed member leaves nothing that blocks.</b> Its record's {@code flock} drops with
 *   the process; any process that holds the stripe (a live member's heartbeat, a joiner, a leaver,
 *   a taker-over) reaps the dead record. When the last member dies the group is stale (M1) and any
 *   process takes its file over like any stale lock (G1). A member directory that no group file
 *   names any more (a creator killed before it linked the group's file) is removed by the next store
 *   that opens on the root once it is older than a minute and holds no live or unjudgeable record
 *   ({@link #removeOrphans}).</li>
 *   <li><b>M5 — the group file's time is kept young for OpenViking.</b> Each member's heartbeat, under
 *   the stripe, replaces the group's file by {@code rename} of a new token with a fresh time, if the
 *   file still carries its gid; otherwise the member learns it lost the lock (H5). The type letter is
 *   the strongest among live members: a SUBTREE-SHARED joiner turns a POINT group's file into a
 *   SUBTREE one, and the last SUBTREE member's leave turns it back.</li>
 *   <li><b>M6 — status changes nothing.</b> {@link #census} with {@code reap == false} only reads.</li>
 *   <li><b>M7 — an upgrade never leaves the path unlocked, nor held twice.</b> Shared to exclusive on
 *   the member's file ({@link #convert}): under the stripe, only if the upgrader is the group's only
 *   live member (no other live or unjudgeable record, M1), the group's file is replaced by
 *   {@code rename} of the owner's ordinary flocked exclusive token; the member record stays until
 *   the request is granted ({@link #commitConversion}: record, mark and directory go) or backs off
 *   ({@link #revertConversion}: under the stripe, if the name still denotes the converted file, a
 *   group token with the same gid is renamed back; the record never went, so M2 holds). Joiners
 *   re-read the file under the stripe (M3) and find no gid after the rename. The name is never
 *   absent; a crash before the rename leaves a group with a dead member (stale, M4), after it an
 *   exclusive file with a dead flock (stale, G1) and an orphan record ({@link #removeOrphans}).</li>
 *   <li><b>M8 — of two upgraders of one group, the second to wait fails.</b> An upgrade about to wait
 *   ({@link #enterUpgradeWait}) lists the group's {@code *.upgrade} marks under the stripe: a live one
 *   of another member (its flock; its age on java.nio) makes it return that owner (the facade throws
 *   {@code LockUpgradeException}, the shared lock stays); else it links its own flocked mark. Marks
 *   are created and checked under the stripe, so of two upgraders exactly one sees the other's. A
 *   mark goes when the wait ends ({@link #exitUpgradeWait}), with the membership, or with its process
 *   (dead marks are ignored and reaped under the stripe). Marks are no members: {@link #census} skips
 *   them.</li>
 * </ol>
 *
 * <p>Thread-safety: thread-safe; a {@link Member}'s mutable fields are guarded by its monitor.
 */
final class SharedGroups
{
    /** Name of the directory of the groups' member directories under {@code R/.pathlock}. */
    static final String DIR_NAME = "shared";

    /** Suffix of a member record's name. */
    static final String MEMBER_SUFFIX = ".member";

    /** Suffix of an upgrade mark's name (M8): a member that waits to become the exclusive holder. */
    static final String UPGRADE_SUFFIX = ".upgrade";

    private final StoreContext ctx;
    private final HeldFiles held;
    private final RootedFs fs;
    private final Posix posix;
    private final SecureRandom random = new SecureRandom();
    private final AtomicLong seq = new AtomicLong();
    private final ConcurrentHashMap<String, Member> registry = new ConcurrentHashMap<>();

    /** One shared holder's membership of a group, as this store holds it. */
    static final class Member
    {
        final String ownerId;
        final LockPath path;
        final LockType type;
        final Path groupFile;
        final byte[] groupName;
        final String gid;
        final Path record;
        final int stripe;
        int fd = -1;
        int dirFd = -1;
        long dev;
        long ino;
        LockTokenDescriptor.Token groupToken;
        boolean released;
        String lost;
        /** The exclusive file this membership is being converted into (M7), until committed or reverted. */
        HeldFiles.HeldFile convertedTo;
        /** Whether this membership ended by becoming its owner's exclusive lock (M7). */
        boolean upgraded;
        /** This member's upgrade mark (M8), while it waits to upgrade. */
        Path mark;
        int markFd = -1;
        long markDev;
        long markIno;

        Member(final String ownerId, final LockPath path, final LockType type, final Path groupFile, final String gid,
            final Path record, final int stripe)
        {
            this.ownerId = ownerId;
            this.path = path;
            this.type = type;
            this.groupFile = groupFile;
            this.groupName = RootedFs.bytes(groupFile.getFileName());
            this.gid = gid;
            this.record = record;
            this.stripe = stripe;
        }
    }

    /**
     * The members of a group as counted once.
     *
     * @param live     members judged alive.
     * @param unknown  records that cannot be judged (held, M1).
     * @param others   live or unknown members not of the excluded owner.
     * @param subtree  whether a live or unknown member holds SUBTREE (or cannot be told).
     * @param members  every record, for reports.
     */
    record Census(int live, int unknown, int others, boolean subtree, List<LockFileInfo.Member> members)
    {
        boolean alive()
        {
            return live + unknown > 0;
        }
    }

    SharedGroups(final StoreContext ctx, final HeldFiles held)
    {
        this.ctx = ctx;
        this.held = held;
        this.fs = ctx.fs;
        this.posix = ctx.posix;
    }

    private Path groupDir(final String gid)
    {
        return ctx.sharedDir.resolve(gid);
    }

    /**
     * The directory of a membership's group (its records and marks).
     *
     * @param m the membership.
     * @return the directory.
     */
    Path directoryOf(final Member m)
    {
        return groupDir(m.gid);
    }

    // ---- judging ----------------------------------------------------------------------------------

    /**
     * Judges a group's token by its members (M1); changes nothing.
     *
     * @param token a token of {@link LockTokenDescriptor.Origin#GROUP}.
     * @param age   its age (for the report).
     * @return the verdict.
     */
    LockJudge.Verdict judge(final LockTokenDescriptor.Token token, final long age)
    {
        final String gid = token.groupId();
        if (gid == null)
        {
            return new LockJudge.Verdict(LockFileState.UNPARSEABLE, age,
                "shared group token with a malformed group id: held");
        }
        final Census c = census(gid, null, false);
        if (c.alive())
        {
            return new LockJudge.Verdict(LockFileState.ALIVE, age, "shared group of " + c.live + " live member(s)" +
                (c.unknown > 0 ? " and " + c.unknown + " member record(s) that cannot be judged (held)" : ""));
        }
        return new LockJudge.Verdict(LockFileState.STALE, age, "shared group with no live member" +
            (c.members.isEmpty() ? "" : " (" + c.members.size() + " dead)"));
    }

    /**
     * Counts a group's members. With {@code reap}, the caller holds the group file's stripe and dead
     * records are removed (M3, M4); without, nothing is changed (M6).
     *
     * @param gid          the group id (validated).
     * @param excludeOwner an owner id whose own records (of this store) do not count in
     *                     {@link Census#others}, or null.
     * @param reap         whether to remove dead records.
     * @return the census.
     */
    Census census(final String gid, final String excludeOwner, final boolean reap)
    {
        final Path dir = groupDir(gid);
        final List<Path> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir))
        {
            for (final Path f : ds)
            {
                names.add(f);
            }
        }
        catch (final java.nio.file.NoSuchFileException | java.nio.file.NotDirectoryException e)
        {
            return new Census(0, 0, 0, false, List.of());
        }
        catch (final IOException | RuntimeException e)
        {
            // Fail closed (M1): a group whose members cannot be listed is held.
            return new Census(0, 1, 1, true, List.of(new LockFileInfo.Member(null, null, -1, -1,
                LockFileState.UNPARSEABLE, dir, "cannot list the member records: " + e)));
        }
        names.sort(null);
        int live = 0;
        int unknown = 0;
        int others = 0;
        boolean subtree = false;
        final List<LockFileInfo.Member> out = new ArrayList<>(names.size());
        final PosixStat st = new PosixStat();
        final byte[] buf = new byte[LockTokenDescriptor.MAX_TOKEN_LENGTH + 1];
        for (final Path f : names)
        {
            if (f.getFileName().toString().endsWith(UPGRADE_SUFFIX))
            {
                // An upgrade mark (M8) is no member: it never keeps a group alive. Dead ones go with a reap.
                if (reap)
                {
                    judgeMark(f, st, buf, true);
                }
                continue;
            }
            final LockFileInfo.Member m = judgeRecord(f, st, buf, reap);
            if (m == null)
            {
                continue;
            }
            out.add(m);
            if (m.state() == LockFileState.STALE)
            {
                continue;
            }
            if (m.state() == LockFileState.UNPARSEABLE)
            {
                unknown++;
                subtree = true;
            }
            else
            {
                live++;
                subtree |= m.type() == LockType.SUBTREE;
            }
            final Member own = registry.get(f.toString());
            if (excludeOwner == null || own == null || !own.ownerId.equals(excludeOwner))
            {
                others++;
            }
        }
        return new Census(live, unknown, others, subtree, out);
    }

    /** Judges one member record; removes it when dead and {@code reap}. Null when it vanished. */
    private LockFileInfo.Member judgeRecord(final Path f, final PosixStat st, final byte[] buf, final boolean reap)
    {
        final String name = f.getFileName().toString();
        final int fd = fs.openRead(f, st);
        if (fd == -Errno.ENOENT)
        {
            return null;
        }
        if (fd == RootedFs.NOT_REGULAR || fd < 0)
        {
            return new LockFileInfo.Member(null, null, -1, -1, LockFileState.UNPARSEABLE, f,
                fd == RootedFs.NOT_REGULAR ? "member record is not a regular file (" + LockFileScanner.fileTypeName(st) +
                    "): held" : "cannot open member record: " + Errno.name(fd) + ": held");
        }
        try
        {
            final int n = posix.preadAll(fd, buf);
            final LockTokenDescriptor.Token t = n < 0 ? null : LockTokenDescriptor.parse(buf, n);
            if (!name.endsWith(MEMBER_SUFFIX) || t == null || (t.origin() != LockTokenDescriptor.Origin.FLOCK &&
                t.origin() != LockTokenDescriptor.Origin.AGED))
            {
                return new LockFileInfo.Member(t == null ? null : t.ownerId(), t == null ? null : t.type(), -1, -1,
                    LockFileState.UNPARSEABLE, f, !name.endsWith(MEMBER_SUFFIX) ? "not a member record name: held" :
                    n < 0 ? "cannot read member record: " + Errno.name(n) + ": held" :
                    t == null ? (n == 0 ? "empty member record: held" : "member record is not owner:time:type: held") :
                    "member record is not a pathlock holder's token: held");
            }
            if (posix.fstat(fd, st) < 0)
            {
                return new LockFileInfo.Member(t.ownerId(), t.type(), t.pid(), -1, LockFileState.UNPARSEABLE, f,
                    "cannot fstat member record: held");
            }
            final LockJudge.Verdict v = ctx.judge.judge(t, st, posix, fd, reap);
            if (v.stale() && reap)
            {
                // Dead (its flock is ours now, or it expired): remove it if the name still denotes it.
                final PosixStat cur = new PosixStat();
                if (fs.lstat(f, cur) == 0 && cur.sameFile(st))
                {
                    fs.unlink(f);
                }
            }
            return new LockFileInfo.Member(t.ownerId(), t.type(), t.pid(), v.ageNanos(), v.state(), f, v.detail());
        }
        finally
        {
            posix.close(fd);
        }
    }

    /**
     * Whether this store holds a live membership of {@code ownerId} in the group at {@code file}.
     *
     * @param file    a group's lock file.
     * @param ownerId the handle owner id.
     * @return true if so.
     */
    boolean isMemberAt(final Path file, final String ownerId)
    {
        return memberAt(file, ownerId) != null;
    }

    /**
     * This store's live membership of {@code ownerId} in the group at {@code file}, or null.
     *
     * @param file    a group's lock file.
     * @param ownerId the handle owner id.
     * @return the membership, or null.
     */
    Member memberAt(final Path file, final String ownerId)
    {
        // O(memberships held by this store); free for a store that holds none (exclusive-only use).
        if (registry.isEmpty())
        {
            return null;
        }
        for (final Member m : registry.values())
        {
            if (m.ownerId.equals(ownerId) && m.groupFile.equals(file))
            {
                synchronized (m)
                {
                    if (!m.released)
                    {
                        return m;
                    }
                }
            }
        }
        return null;
    }

    /**
     * Closes a membership's descriptors and drops it from the registry, after its record was unlinked
     * (or is not ours any more): closing the record's descriptor drops its flock.
     */
    private void forget(final Member m)
    {
        held.closeHeld(m.ownerId, m.fd);
        m.fd = -1;
        if (m.dirFd >= 0)
        {
            posix.close(m.dirFd);
            m.dirFd = -1;
        }
        registry.remove(m.record.toString(), m);
    }

    // ---- upgrade: shared to exclusive (M7, M8) ----------------------------------------------------

    /**
     * First step of an upgrade (M7): under the stripe, if {@code m} is the group's only live member,
     * replaces the group's file by {@code rename} of an ordinary exclusive token of its owner. The
     * member record stays (flocked) until {@link #commitConversion} or {@link #revertConversion}.
     *
     * @param m    the membership to convert.
     * @param type the exclusive lock type.
     * @param st   receives the new file's identity.
     * @return the held exclusive file, or null when another member is alive (or cannot be judged).
     * @throws LockStoreException if the membership was lost, or on an I/O error (nothing changed).
     */
    HeldFiles.HeldFile convert(final Member m, final LockType type, final PosixStat st)
    {
        synchronized (m)
        {
            if (m.released || m.convertedTo != null)
            {
                throw new LockStoreException("the shared lock on " + m.path + " of " + m.ownerId +
                    " is not held any more; it cannot be upgraded", null);
            }
            final GuardStripes guard = ctx.guard();
            guard.lock(m.stripe);
            try
            {
                final String why = lostReason(m);
                if (why != null)
                {
                    m.lost = why;
                    throw new LockStoreException("cannot upgrade: " + why, null);
                }
                final Census c = census(m.gid, m.ownerId, true);
                if (c.others() > 0)
                {
                    return null;
                }
                final HeldFiles.HeldFile hf = held.replaceUnderGuard(m.ownerId, m.path, type, m.groupFile, m.stripe, st);
                hf.fromMember = m;
                m.convertedTo = hf;
                return hf;
            }
            finally
            {
                guard.unlock(m.stripe);
            }
        }
    }

    /**
     * Last step of a granted upgrade (M7): the member's record, its upgrade mark and the group's
     * directory go; the membership is released (its publication's leave does nothing).
     *
     * @param hf the held file {@link #convert} returned.
     */
    void commitConversion(final HeldFiles.HeldFile hf)
    {
        final Member m = hf.fromMember;
        if (m == null)
        {
            return;
        }
        boolean empty;
        synchronized (m)
        {
            hf.fromMember = null;
            m.convertedTo = null;
            m.released = true;
            m.upgraded = true;
            final GuardStripes guard = ctx.guard();
            guard.lock(m.stripe);
            try
            {
                dropMark(m);
                final PosixStat st = new PosixStat();
                if (fs.lstat(m.record, st) == 0 && st.dev() == m.dev && st.ino() == m.ino)
                {
                    fs.unlink(m.record);
                }
                empty = census(m.gid, null, true).members().isEmpty();
            }
            finally
            {
                guard.unlock(m.stripe);
                forget(m);
            }
        }
        if (empty)
        {
            deleteGroupDir(m.gid);
        }
    }

    /**
     * Undoes an upgrade whose request backed off (M7): under the stripe, if the file is still the
     * converted one, puts a group token with the member's gid back by {@code rename} (its record never
     * went, so M2 holds), and drops the exclusive file without removing it. Otherwise the lock was
     * lost and the member learns it (H5).
     *
     * @param hf the held file {@link #convert} returned.
     */
    void revertConversion(final HeldFiles.HeldFile hf)
    {
        final Member m = hf.fromMember;
        if (m == null)
        {
            return;
        }
        synchronized (m)
        {
            hf.fromMember = null;
            m.convertedTo = null;
            final GuardStripes guard = ctx.guard();
            guard.lock(m.stripe);
            try
            {
                final PosixStat st = new PosixStat();
                final int rc = posix.fstatAt(m.dirFd, m.groupName, st);
                if (rc == 0 && hf.sameFile(st))
                {
                    final long now = ctx.wallClock.getAsLong();
                    final LockType type = census(m.gid, null, true).subtree() ? LockType.SUBTREE : LockType.POINT;
                    final Path tmp = held.tempFor(m.groupFile);
                    final int tfd = held.createTemp(tmp, LockTokenDescriptor.encode(m.groupToken.ownerId(), now, type,
                        ctx.dialect), m.groupFile);
                    try
                    {
                        final int r = posix.renameAt(held.tempDirFd(tmp, m.dirFd), RootedFs.bytes(tmp.getFileName()), m.dirFd, m.groupName);
                        if (r < 0)
                        {
                            fs.unlink(tmp);
                            // The exclusive file stays ours until it is closed below, then it is stale (H4).
                            m.lost = "cannot put the shared group's lock file " + m.groupFile + " back: " + Errno.name(r);
                        }
                        else
                        {
                            m.groupToken = new LockTokenDescriptor.Token(m.groupToken.ownerId(), now, type,
                                LockTokenDescriptor.Origin.GROUP, ctx.dialect);
                        }
                    }
                    finally
                    {
                        posix.close(tfd);
                    }
                }
                else
                {
                    m.lost = "lock file " + m.groupFile + " of the shared lock on " + m.path +
                        " was removed or replaced by someone else during an upgrade";
                }
            }
            finally
            {
                guard.unlock(m.stripe);
                held.forget(hf);
            }
        }
    }

    /**
     * Enters the wait of an upgrade of {@code m} (M8): under the stripe, if another live member of the
     * group has an upgrade mark, returns its owner (this upgrader fails fast); else leaves this
     * member's own flocked mark, if it has none, and returns null.
     *
     * @param m the membership being upgraded.
     * @return the owner of the other waiting upgrader, or null.
     */
    String enterUpgradeWait(final Member m)
    {
        synchronized (m)
        {
            if (m.released || m.markFd >= 0)
            {
                return null;
            }
            final GuardStripes guard = ctx.guard();
            guard.lock(m.stripe);
            try
            {
                final PosixStat st = new PosixStat();
                final byte[] buf = new byte[LockTokenDescriptor.MAX_TOKEN_LENGTH + 1];
                final List<Path> marks = new ArrayList<>();
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(groupDir(m.gid), "*" + UPGRADE_SUFFIX))
                {
                    for (final Path f : ds)
                    {
                        marks.add(f);
                    }
                }
                catch (final IOException | RuntimeException e)
                {
                    throw new LockStoreException("cannot list the upgrade marks of the shared lock on " + m.path, e);
                }
                for (final Path f : marks)
                {
                    final String owner = judgeMark(f, st, buf, true);
                    if (owner != null)
                    {
                        return owner;
                    }
                }
                createMark(m);
                return null;
            }
            finally
            {
                guard.unlock(m.stripe);
            }
        }
    }

    /**
     * Enters the upgrade wait of every membership of {@code ownerId} on a path of {@code exclusive}
     * (M8); if one finds another upgrader, leaves the others' and returns that upgrader's owner.
     *
     * @param ownerId   the owner id.
     * @param exclusive the exclusive entries.
     * @return the other upgrader's owner, or null.
     */
    String enterUpgradeWait(final String ownerId, final List<io.pathlock.core.LockRequest.Entry> exclusive)
    {
        if (registry.isEmpty())
        {
            return null;
        }
        for (final Member m : registry.values())
        {
            if (!m.ownerId.equals(ownerId))
            {
                continue;
            }
            for (final io.pathlock.core.LockRequest.Entry e : exclusive)
            {
                if (e.path().equals(m.path))
                {
                    final String other = enterUpgradeWait(m);
                    if (other != null)
                    {
                        exitUpgradeWait(ownerId);
                        return other;
                    }
                }
            }
        }
        return null;
    }

    /**
     * Leaves the upgrade waits of every membership of {@code ownerId} (M8).
     *
     * @param ownerId the owner id.
     */
    void exitUpgradeWait(final String ownerId)
    {
        if (registry.isEmpty())
        {
            return;
        }
        for (final Member m : registry.values())
        {
            if (m.ownerId.equals(ownerId))
            {
                exitUpgradeWait(m);
            }
        }
    }

    /**
     * Leaves the wait of an upgrade (M8): removes the member's mark. Idempotent.
     *
     * @param m the membership.
     */
    void exitUpgradeWait(final Member m)
    {
        synchronized (m)
        {
            if (m.markFd < 0)
            {
                return;
            }
            final GuardStripes guard = ctx.guard();
            guard.lock(m.stripe);
            try
            {
                dropMark(m);
            }
            finally
            {
                guard.unlock(m.stripe);
            }
        }
    }

    /**
     * The owner of a live upgrade mark, or null when it is dead (then removed if {@code reap}), vanished
     * or cannot be judged (a mark only makes an upgrader fail fast; one that cannot be read is ignored).
     */
    private String judgeMark(final Path f, final PosixStat st, final byte[] buf, final boolean reap)
    {
        final int fd = fs.openRead(f, st);
        if (fd < 0)
        {
            return null;
        }
        try
        {
            final int n = posix.preadAll(fd, buf);
            final LockTokenDescriptor.Token t = n < 0 ? null : LockTokenDescriptor.parse(buf, n);
            if (t == null || posix.fstat(fd, st) < 0 || (t.origin() != LockTokenDescriptor.Origin.FLOCK &&
                t.origin() != LockTokenDescriptor.Origin.AGED))
            {
                return null;
            }
            final LockJudge.Verdict v = ctx.judge.judge(t, st, posix, fd, reap);
            if (!v.stale())
            {
                return t.ownerId();
            }
            if (reap)
            {
                final PosixStat cur = new PosixStat();
                if (fs.lstat(f, cur) == 0 && cur.sameFile(st))
                {
                    fs.unlink(f);
                }
            }
            return null;
        }
        finally
        {
            posix.close(fd);
        }
    }

    /** Creates the member's flocked upgrade mark by {@code link} of a complete temporary file. */
    private void createMark(final Member m)
    {
        final Path mark = groupDir(m.gid).resolve(ctx.nonce + "." + seq.incrementAndGet() + UPGRADE_SUFFIX);
        final long now = ctx.wallClock.getAsLong();
        final Path tmp = held.tempFor(mark);
        final int fd = held.createTemp(tmp, LockTokenDescriptor.encode(ctx.ownerPrefix, m.ownerId, now, m.type, ctx.dialect),
            mark);
        final PosixStat st = new PosixStat();
        final int s = posix.fstat(fd, st);
        final int rc = s < 0 ? s : fs.link(tmp, mark);
        fs.unlink(tmp);
        if (rc < 0)
        {
            posix.close(fd);
            throw ctx.ioFailure("cannot create the upgrade mark (link)", mark, rc);
        }
        m.mark = mark;
        m.markFd = fd;
        m.markDev = st.dev();
        m.markIno = st.ino();
    }

    /** Removes the member's upgrade mark if it is still its own; the caller holds the stripe. */
    private void dropMark(final Member m)
    {
        if (m.markFd < 0)
        {
            return;
        }
        final PosixStat st = new PosixStat();
        if (fs.lstat(m.mark, st) == 0 && st.dev() == m.markDev && st.ino() == m.markIno)
        {
            fs.unlink(m.mark);
        }
        posix.close(m.markFd);
        m.markFd = -1;
        m.mark = null;
    }

    /**
     * The group id of the group file at {@code file}, if it is one.
     *
     * @param file the lock file.
     * @return the gid, or null when absent, unreadable or not a group's file.
     */
    String groupIdAt(final Path file)
    {
        final LockTokenDescriptor.Token t = readToken(file);
        return t == null ? null : t.groupId();
    }

    private LockTokenDescriptor.Token readToken(final Path file)
    {
        final PosixStat st = new PosixStat();
        final int fd = fs.openRead(file, st);
        if (fd < 0)
        {
            return null;
        }
        try
        {
            final byte[] buf = new byte[LockTokenDescriptor.MAX_TOKEN_LENGTH + 1];
            final int n = posix.preadAll(fd, buf);
            return n < 0 ? null : LockTokenDescriptor.parse(buf, n);
        }
        finally
        {
            posix.close(fd);
        }
    }

    // ---- create, join, leave ----------------------------------------------------------------------

    /**
     * Creates a new group at {@code file} with one member (M2).
     *
     * @return the membership, or null when {@code file} exists.
     * @throws LockStoreException on an I/O error (nothing is left behind).
     */
    Member create(final String ownerId, final LockPath p, final LockType type, final Path file)
    {
        final String gid = newGroupId();
        final Path dir = groupDir(gid);
        ctx.mkdirReserved(dir, StoreContext.sharedDirModeOf(ctx.fileMode));
        final Member m = new Member(ownerId, p, type, file, gid, dir.resolve(ctx.nonce + "." + seq.incrementAndGet() +
            MEMBER_SUFFIX), ctx.guard().stripeOf(file.toString()));
        boolean done = false;
        try
        {
            createRecord(m);
            final long now = ctx.wallClock.getAsLong();
            final LockTokenDescriptor.Token token = groupToken(gid, now, type);
            final Path tmp = held.tempFor(file);
            final int tfd = held.createTemp(tmp, LockTokenDescriptor.encode(token.ownerId(), now, type, ctx.dialect), file);
            final int rc;
            try
            {
                rc = fs.link(tmp, file);
            }
            finally
            {
                fs.unlink(tmp);
                posix.close(tfd);
            }
            if (rc == -Errno.EEXIST)
            {
                return null;
            }
            if (rc < 0)
            {
                throw ctx.ioFailure("cannot publish the shared group's lock file (link)", file, rc);
            }
            m.groupToken = token;
            m.dirFd = fs.openDir(file.getParent());
            if (m.dirFd < 0)
            {
                final int err = m.dirFd;
                fs.unlink(file);
                throw ctx.ioFailure("cannot open the directory of the shared group's lock file", file, err);
            }
            syncDirectory(file);
            registry.put(m.record.toString(), m);
            done = true;
            return m;
        }
        finally
        {
            if (!done)
            {
                dropRecord(m);
                deleteGroupDir(gid);
            }
        }
    }

    /**
     * Joins the live group {@code gid} at {@code file} (M3).
     *
     * @return the membership, or null when the file no longer is that group's or the group has no
     *         live member (the caller judges the file again).
     * @throws LockStoreException on an I/O error.
     */
    Member join(final String ownerId, final LockPath p, final LockType type, final Path file, final String gid)
    {
        final GuardStripes guard = ctx.guard();
        final int stripe = guard.stripeOf(file.toString());
        final Member m = new Member(ownerId, p, type, file, gid, groupDir(gid).resolve(ctx.nonce + "." +
            seq.incrementAndGet() + MEMBER_SUFFIX), stripe);
        guard.lock(stripe);
        boolean done = false;
        try
        {
            final LockTokenDescriptor.Token t = readToken(file);
            if (t == null || !gid.equals(t.groupId()))
            {
                return null;
            }
            final Census c = census(gid, null, true);
            if (!c.alive())
            {
                return null;
            }
            createRecord(m);
            m.dirFd = fs.openDir(file.getParent());
            if (m.dirFd < 0)
            {
                throw ctx.ioFailure("cannot open the directory of the shared group's lock file", file, m.dirFd);
            }
            m.groupToken = t;
            if (type == LockType.SUBTREE && t.type() == LockType.POINT)
            {
                // M5: the group's file must stop OpenViking (and exclusive pathlock requests) below p now.
                m.groupToken = rewriteGroupFile(m, LockType.SUBTREE);
                if (m.groupToken == null)
                {
                    return null;
                }
            }
            registry.put(m.record.toString(), m);
            done = true;
            return m;
        }
        finally
        {
            if (!done)
            {
                dropRecord(m);
            }
            guard.unlock(stripe);
        }
    }

    /**
     * Leaves a group (M3): removes the member's record, and the group's file if no live member
     * remains. Idempotent.
     *
     * @param m the membership.
     * @throws LockStoreException if the group's file could not be removed (the record is gone).
     */
    void leave(final Member m)
    {
        synchronized (m)
        {
            if (m.released)
            {
                return;
            }
            m.released = true;
            final GuardStripes guard = ctx.guard();
            int failure = 0;
            boolean empty = false;
            guard.lock(m.stripe);
            try
            {
                dropMark(m);
                final PosixStat st = new PosixStat();
                if (fs.lstat(m.record, st) == 0 && st.dev() == m.dev && st.ino() == m.ino)
                {
                    fs.unlink(m.record);
                }
                final LockTokenDescriptor.Token t = readTokenAt(m, st);
                if (t != null && m.gid.equals(t.groupId()))
                {
                    final Census c = census(m.gid, null, true);
                    if (!c.alive())
                    {
                        final int u = posix.unlinkAt(m.dirFd, m.groupName);
                        if (u < 0 && u != -Errno.ENOENT)
                        {
                            failure = u;
                        }
                        empty = true;
                    }
                    else if (!c.subtree() && t.type() == LockType.SUBTREE)
                    {
                        rewriteGroupFile(m, LockType.POINT);
                    }
                }
                else
                {
                    empty = census(m.gid, null, true).members().isEmpty();
                }
            }
            finally
            {
                guard.unlock(m.stripe);
                forget(m);
            }
            if (empty)
            {
                deleteGroupDir(m.gid);
            }
            if (failure != 0)
            {
                throw ctx.ioFailure("cannot remove the shared group's lock file", m.groupFile, failure);
            }
        }
    }

    /**
     * Leaves every group, all of them even when one fails.
     *
     * @param members the memberships.
     * @throws LockStoreException the first failure.
     */
    void leaveAll(final Member[] members)
    {
        LockStoreException failure = null;
        for (final Member m : members)
        {
            try
            {
                leave(m);
            }
            catch (final LockStoreException e)
            {
                if (failure == null)
                {
                    failure = e;
                }
            }
        }
        if (failure != null)
        {
            throw failure;
        }
    }

    /** Leaves every group this store is a member of, ignoring failures (F3). */
    void leaveEverything()
    {
        for (final Member m : registry.values())
        {
            try
            {
                leave(m);
            }
            catch (final RuntimeException ignore)
            {
                // The record's flock is dropped by leave in every case: the group does not outlive us.
            }
        }
    }

    /**
     * The heartbeat of memberships (M4, M5): reaps dead members and refreshes the group's file.
     *
     * @param members the memberships.
     * @return false if any was found lost (H5).
     */
    boolean refresh(final Member[] members)
    {
        boolean intact = true;
        for (final Member m : members)
        {
            synchronized (m)
            {
                if (m.released)
                {
                    // An upgraded membership lives on as its exclusive file, refreshed with it (M7).
                    intact &= m.upgraded;
                    continue;
                }
                if (m.convertedTo != null)
                {
                    continue;
                }
                final GuardStripes guard = ctx.guard();
                guard.lock(m.stripe);
                try
                {
                    final String why = lostReason(m);
                    if (why != null)
                    {
                        m.lost = why;
                        intact = false;
                        continue;
                    }
                    final Census c = census(m.gid, null, true);
                    final LockTokenDescriptor.Token t = rewriteGroupFile(m, c.subtree() ? LockType.SUBTREE : LockType.POINT);
                    if (t == null)
                    {
                        m.lost = lostReason(m);
                        intact = false;
                        continue;
                    }
                    m.groupToken = t;
                    if (!ctx.flock)
                    {
                        refreshRecord(m);
                    }
                }
                finally
                {
                    guard.unlock(m.stripe);
                }
            }
        }
        return intact;
    }

    /**
     * Checks memberships without changing anything (H5).
     *
     * @param members the memberships.
     * @return null when intact, else why the lock was lost.
     */
    String check(final Member[] members)
    {
        for (final Member m : members)
        {
            synchronized (m)
            {
                if (m.upgraded || m.convertedTo != null)
                {
                    // Upgraded (M7): the exclusive file is checked with its own publication.
                    continue;
                }
                if (m.released)
                {
                    return m.lost != null ? m.lost : "shared lock on " + m.path + " is no longer held by this store";
                }
                if (m.lost != null)
                {
                    return m.lost;
                }
                final String why = lostReason(m);
                if (why != null)
                {
                    return why;
                }
            }
        }
        return null;
    }

    private String lostReason(final Member m)
    {
        final PosixStat st = new PosixStat();
        final int rc = fs.lstat(m.record, st);
        if (rc < 0 || st.dev() != m.dev || st.ino() != m.ino)
        {
            return "member record " + m.record + " of the shared lock on " + m.path + " (" + m.type + ") was " +
                (rc == -Errno.ENOENT ? "removed by someone else" : "replaced");
        }
        final LockTokenDescriptor.Token t = readTokenAt(m, st);
        if (t == null || !m.gid.equals(t.groupId()))
        {
            return "lock file " + m.groupFile + " of the shared lock on " + m.path + " (" + m.type + ") was " +
                (t == null ? "removed or made unreadable by someone else" :
                "replaced: now held by '" + t.ownerId() + "' (" + t.type() + ")");
        }
        return null;
    }

    private LockTokenDescriptor.Token readTokenAt(final Member m, final PosixStat st)
    {
        if (m.dirFd < 0)
        {
            return null;
        }
        final int fd = posix.openReadAt(m.dirFd, m.groupName, st);
        if (fd < 0)
        {
            return null;
        }
        try
        {
            if (!st.isRegularFile())
            {
                return null;
            }
            final byte[] buf = new byte[LockTokenDescriptor.MAX_TOKEN_LENGTH + 1];
            final int n = posix.preadAll(fd, buf);
            return n < 0 ? null : LockTokenDescriptor.parse(buf, n);
        }
        finally
        {
            posix.close(fd);
        }
    }

    /**
     * Replaces the group's file by a fresh token of {@code type}, under the stripe the caller holds,
     * if it still carries the member's gid (M5).
     *
     * @return the new token, or null when the file is not the group's any more.
     */
    private LockTokenDescriptor.Token rewriteGroupFile(final Member m, final LockType type)
    {
        final PosixStat st = new PosixStat();
        final LockTokenDescriptor.Token cur = readTokenAt(m, st);
        if (cur == null || !m.gid.equals(cur.groupId()))
        {
            return null;
        }
        final long now = ctx.wallClock.getAsLong();
        final LockTokenDescriptor.Token token = new LockTokenDescriptor.Token(cur.ownerId(), now, type,
            LockTokenDescriptor.Origin.GROUP, ctx.dialect);
        final Path tmp = held.tempFor(m.groupFile);
        final int tfd = held.createTemp(tmp, LockTokenDescriptor.encode(cur.ownerId(), now, type, ctx.dialect), m.groupFile);
        try
        {
            final int r = posix.renameAt(held.tempDirFd(tmp, m.dirFd), RootedFs.bytes(tmp.getFileName()), m.dirFd, m.groupName);
            if (r < 0)
            {
                fs.unlink(tmp);
                throw ctx.ioFailure("cannot replace the shared group's lock file (rename)", m.groupFile, r);
            }
        }
        finally
        {
            posix.close(tfd);
        }
        if (ctx.durability == Durability.DATA_AND_DIRECTORY)
        {
            posix.fsync(m.dirFd);
        }
        return token;
    }

    /** Creates the member's flocked record by {@code link} of a complete temporary file (H1, M2). */
    private void createRecord(final Member m)
    {
        final long now = ctx.wallClock.getAsLong();
        final Path tmp = held.tempFor(m.record);
        final int fd = held.createTemp(tmp, LockTokenDescriptor.encode(ctx.ownerPrefix, m.ownerId, now, m.type, ctx.dialect),
            m.record);
        final PosixStat st = new PosixStat();
        final int s = posix.fstat(fd, st);
        if (s < 0)
        {
            fs.unlink(tmp);
            posix.close(fd);
            throw ctx.ioFailure("cannot fstat the temporary member record", tmp, s);
        }
        // H6: a keeper that shares the owner's descriptors keeps the membership alive too.
        held.shareDescriptor(m.ownerId, fd);
        final int rc = fs.link(tmp, m.record);
        fs.unlink(tmp);
        if (rc < 0)
        {
            held.closeHeld(m.ownerId, fd);
            throw ctx.ioFailure("cannot create the member record (link)", m.record, rc);
        }
        m.fd = fd;
        m.dev = st.dev();
        m.ino = st.ino();
    }

    /** On java.nio (no flock) a record is judged by age: give it a fresh time (M4). */
    private void refreshRecord(final Member m)
    {
        final long now = ctx.wallClock.getAsLong();
        final Path tmp = held.tempFor(m.record);
        final int fd = held.createTemp(tmp, LockTokenDescriptor.encode(ctx.ownerPrefix, m.ownerId, now, m.type, ctx.dialect),
            m.record);
        final PosixStat st = new PosixStat();
        if (posix.fstat(fd, st) < 0 || fs.rename(tmp, m.record) < 0)
        {
            fs.unlink(tmp);
            posix.close(fd);
            return;
        }
        held.closeHeld(m.ownerId, m.fd);
        m.fd = fd;
        m.dev = st.dev();
        m.ino = st.ino();
    }

    /** Removes a record this attempt created (not yet visible through a group file of ours). */
    private void dropRecord(final Member m)
    {
        if (m.fd >= 0)
        {
            final PosixStat st = new PosixStat();
            if (fs.lstat(m.record, st) == 0 && st.dev() == m.dev && st.ino() == m.ino)
            {
                fs.unlink(m.record);
            }
            held.closeHeld(m.ownerId, m.fd);
            m.fd = -1;
        }
        if (m.dirFd >= 0)
        {
            posix.close(m.dirFd);
            m.dirFd = -1;
        }
    }

    /**
     * After a group's file was taken over (stale, M4) or broken: removes its dead records and its
     * directory. The caller holds the stripe.
     *
     * @param gid the group id.
     */
    void cleanUp(final String gid)
    {
        census(gid, null, true);
        deleteGroupDir(gid);
    }

    /**
     * Removes member directories left behind by dead processes: older than {@code minAgeMillis}
     * (by modification time, which every record added or removed updates), holding no record that
     * is alive or cannot be judged. Such a directory belongs to no live group (a group is alive only
     * through a live member, M1; a joiner needs a live member, M3; a new group gets a new random gid),
     * so its dead records may go without the group file's stripe, which cannot be found from the gid.
     * Failures are ignored: orphans only cost disk space.
     *
     * @param minAgeMillis how old a directory must be.
     * @return how many directories were removed.
     */
    int removeOrphans(final long minAgeMillis)
    {
        int removed = 0;
        final long cutoff = System.currentTimeMillis() - minAgeMillis;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(ctx.sharedDir))
        {
            for (final Path dir : ds)
            {
                final String gid = dir.getFileName().toString();
                if (gid.length() != LockTokenDescriptor.GROUP_ID_LENGTH || !gid.chars().allMatch(
                    c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f'))
                {
                    continue;
                }
                final java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(dir,
                    java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                if (!a.isDirectory() || a.lastModifiedTime().toMillis() >= cutoff)
                {
                    continue;
                }
                if (!census(gid, null, false).alive())
                {
                    census(gid, null, true);
                    deleteGroupDir(gid);
                    removed += Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? 0 : 1;
                }
            }
        }
        catch (final IOException | RuntimeException ignore)
        {
            // Orphans only cost disk space; never fail the store for them.
        }
        return removed;
    }

    private void deleteGroupDir(final String gid)
    {
        try
        {
            Files.deleteIfExists(groupDir(gid));
        }
        catch (final IOException | RuntimeException ignore)
        {
            // Not empty (a record that cannot be judged stays, M1) or already gone: nothing to do.
        }
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

    private LockTokenDescriptor.Token groupToken(final String gid, final long now, final LockType type)
    {
        return new LockTokenDescriptor.Token(LockTokenDescriptor.groupOwnerId(ProcessHandle.current().pid(), ctx.host, gid),
            now, type, LockTokenDescriptor.Origin.GROUP, ctx.dialect);
    }

    private String newGroupId()
    {
        final byte[] b = new byte[LockTokenDescriptor.GROUP_ID_LENGTH / 2];
        random.nextBytes(b);
        final StringBuilder sb = new StringBuilder(LockTokenDescriptor.GROUP_ID_LENGTH);
        for (final byte x : b)
        {
            sb.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
        }
        return sb.toString();
    }

    /**
     * Hands the descriptors of {@code ownerId}'s member records held now to {@code share} (H6 for
     * shared locks: a keeper that holds them keeps the memberships alive after this process died);
     * records created later are handed over by {@link HeldFiles#shareDescriptor} before they are
     * linked.
     *
     * @param ownerId the handle owner id.
     * @param share   the share.
     */
    void shareHeld(final String ownerId, final FileLockStore.DescriptorShare share)
    {
        for (final Member m : registry.values())
        {
            if (m.ownerId.equals(ownerId))
            {
                synchronized (m)
                {
                    if (!m.released && m.fd >= 0)
                    {
                        share.add(m.fd);
                    }
                }
            }
        }
    }

    /**
     * How many memberships this store holds.
     *
     * @return the count.
     */
    int size()
    {
        return registry.size();
    }
}

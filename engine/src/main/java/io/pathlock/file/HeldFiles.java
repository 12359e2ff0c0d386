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
import java.nio.file.attribute.FileTime;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * The lock files this store published and holds: how one comes into existence, is kept, refreshed,
 * replaced (upgrade), checked for loss and removed again, and the registry that finds them by file
 * name. The publication protocol decides <em>whether</em> to publish; this class does it.
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li><b>H1 — atomic publication.</b> A lock file comes into existence only by {@code link(2)} of a
 *   complete temporary file in {@code R/.pathlock/tmp/} (same file system) created with
 *   {@code O_EXCL} and {@code flock(LOCK_EX)}ed before its content was written. It is therefore never
 *   observable empty or partial, {@code link} never replaces an existing name (two creators never
 *   both succeed), and the file is {@code flock}ed from the first instant it is visible.</li>
 *   <li><b>H2 — flocked while held.</b> The holder keeps the descriptor (and so the {@code flock}) until
 *   after its file is unlinked. Refresh and upgrade replace the file by {@code rename(2)} of another
 *   flocked temporary file and close the old descriptor only after the rename. Hence, for a token of
 *   this engine ({@link LockTokenDescriptor.Origin#FLOCK}), "someone can take {@code flock(LOCK_EX |
 *   LOCK_NB)} on the file" implies "its holder has died or released it": death is detected at once,
 *   without waiting for {@code lock_expire} (J1). Tokens without {@code flock} liveness (foreign, or
 *   ours on the java.nio backend) are held until older than {@code lock_expire} (J2).</li>
 *   <li><b>H3 — the held directory follows the file.</b> A held file keeps a descriptor of the
 *   directory that holds it, and release, refresh and check work relative to it: if a holder moves
 *   that directory (say {@code run --mv ... -- mv in/b7 done/}), they still find the file where it
 *   went.</li>
 *   <li><b>H4 — release removes only its own inode.</b> Release, refresh and upgrade follow G1: under
 *   the guard they check that the name still denotes the published inode and leave anything else in
 *   place. A file that cannot be unlinked is at least closed, so its {@code flock} drops and others
 *   reclaim it at once.</li>
 *   <li><b>H5 — a holder knows when it lost a lock.</b> {@link #check} and the heartbeat's refresh
 *   report a file that was removed or replaced by someone else (DESIGN §3.2 property 8), naming the
 *   new occupant when it holds a token.</li>
 *   <li><b>H6 — shared descriptors are shared first.</b> When an owner's descriptors are shared
 *   ({@link FileLockStore#shareDescriptors}, the keeper of {@code pathlock run}), every descriptor that
 *   will keep one of its lock files flocked is handed to the share <em>before</em> its file becomes
 *   visible under the lock's name (before the {@code link} of H1, before the {@code rename} of a refresh
 *   or upgrade), and withdrawn before it is closed. So at every instant the file under the name is
 *   flocked by a descriptor the share holds too, and the lock outlives this process while the share's
 *   holder lives.</li>
 *   <li><b>H7 — a mount below the root.</b> {@code link} and {@code rename} work within one mount:
 *   when a lock file's directory is on another one than {@code R/.pathlock/tmp} (another file system
 *   mounted below the root, by its {@code st_dev}; or a bind mount of the same file system, by an
 *   EXDEV from a probing {@code rename} of a name that does not exist, see {@link #otherMount}), its
 *   temporary file is made in that directory itself, named
 *   {@code .pathlock-tmp.lock.<nonce>.<n>} (no dialect reads it as a lock file; tree operations treat
 *   it as a temporary), with the guarantees of H1/H2; a crash between its creation and its
 *   {@code link} leaves it behind. Which directories are on another file system is cached per
 *   directory path.</li>
 * </ol>
 *
 * <p>Thread-safety: thread-safe; the mutable fields of a {@link HeldFile} are guarded by its monitor.
 */
final class HeldFiles
{
    /** Age after which a temporary file left by a dead process is removed at open. */
    static final long TEMP_ORPHAN_AGE_MILLIS = 60_000L;
    private static final Pattern TEMP_NAME = Pattern.compile("[0-9a-f]{16}\\.[0-9]+");

    private final StoreContext ctx;
    private final Posix posix;
    private final RootedFs fs;
    /** Prefix of a temporary lock file made beside its lock file (H7). */
    static final String BESIDE_TEMP_PREFIX = ".pathlock-tmp.lock.";

    private static final int CROSS_DEVICE_CACHE_MAX = 1024;

    private final AtomicLong tmpSeq = new AtomicLong();
    /** Directory -> whether it is on another file system than {@code R/.pathlock/tmp} (H7). */
    private final java.util.concurrent.ConcurrentHashMap<Path, Boolean> crossDevice = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile long tmpDev = Long.MIN_VALUE;
    private final ConcurrentHashMap<String, HeldFile> registry = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, FileLockStore.DescriptorShare> shares = new ConcurrentHashMap<>();

    /** One lock file this store published and holds open. Mutable fields guarded by its monitor. */
    static final class HeldFile
    {
        final String ownerId;
        final LockPath path;
        final LockType type;
        final Path file;
        final String key;
        final int stripe;
        final HeldFile replaced;
        /** The lock file's name in {@link #dirFd}. */
        final byte[] name;
        int fd;
        /** A descriptor of the directory that holds the file, kept while held (H3). */
        int dirFd = -1;
        /** Why the file was found lost by a refresh, or null. */
        String lost;
        long dev;
        long ino;
        LockTokenDescriptor.Token token;
        HeldFile supersededBy;
        boolean released;
        /** The shared membership this file is converting (M7), until the upgrade commits or reverts. */
        SharedGroups.Member fromMember;

        HeldFile(final String ownerId, final LockPath path, final LockType type, final Path file, final int stripe,
            final HeldFile replaced)
        {
            this.ownerId = ownerId;
            this.path = path;
            this.type = type;
            this.file = file;
            this.key = file.toString();
            this.stripe = stripe;
            this.replaced = replaced;
            this.name = RootedFs.bytes(file.getFileName());
        }

        void identity(final int fd, final PosixStat st, final LockTokenDescriptor.Token token)
        {
            this.fd = fd;
            this.dev = st.dev();
            this.ino = st.ino();
            this.token = token;
        }

        boolean sameFile(final PosixStat st)
        {
            return st.dev() == dev && st.ino() == ino;
        }
    }

    HeldFiles(final StoreContext ctx)
    {
        this.ctx = ctx;
        this.posix = ctx.posix;
        this.fs = ctx.fs;
    }

    /**
     * Creates a flocked temporary file with the token and links it to {@code file} (H1).
     *
     * @return the held file, or null when {@code file} exists.
     * @throws LockStoreException on an I/O error (nothing is left published).
     */
    HeldFile createAndLink(final String ownerId, final LockPath p, final LockType type, final Path file,
        final HeldFile replaced, final PosixStat st)
    {
        final long now = ctx.wallClock.getAsLong();
        final byte[] token = encode(ownerId, now, type);
        final Path tmp = tempFor(file);
        final int fd = createTemp(tmp, token, file);
        final int s = posix.fstat(fd, st);
        if (s < 0)
        {
            fs.unlink(tmp);
            posix.close(fd);
            throw ctx.ioFailure("cannot fstat the temporary lock file", tmp, s);
        }
        share(ownerId, fd);
        final int rc = fs.link(tmp, file);
        fs.unlink(tmp);
        if (rc == -Errno.EEXIST)
        {
            closeHeld(ownerId, fd);
            return null;
        }
        if (rc < 0)
        {
            closeHeld(ownerId, fd);
            throw ctx.ioFailure("cannot publish lock file (link)", file, rc);
        }
        final HeldFile hf = new HeldFile(ownerId, p, type, file, ctx.guard().stripeOf(file.toString()), replaced);
        hf.dirFd = fs.openDir(file.getParent());
        if (hf.dirFd < 0)
        {
            final int err = hf.dirFd;
            fs.unlink(file);
            closeHeld(ownerId, fd);
            throw ctx.ioFailure("cannot open the directory of the published lock file", file, err);
        }
        hf.identity(fd, st, heldToken(ownerId, now, type));
        registry.put(hf.key, hf);
        if (ctx.durability == Durability.DATA_AND_DIRECTORY)
        {
            final int d = fs.fsyncDirectory(file.getParent());
            if (d < 0)
            {
                release(hf);
                throw ctx.ioFailure("cannot fsync the directory of lock file", file, d);
            }
        }
        return hf;
    }

    /** A flocked temporary file with {@code token} (H1); the descriptor, or throws. */
    int createTemp(final Path tmp, final byte[] token, final Path forFile)
    {
        final int flags = Posix.CREATE_LOCK_EXCLUSIVE | (ctx.durability == Durability.NONE ? 0 : Posix.CREATE_SYNC_DATA);
        final int fd = fs.createExclusive(tmp, token, token.length, ctx.fileMode, flags);
        if (fd < 0)
        {
            throw ctx.ioFailure("cannot create the temporary file " + tmp + " for lock file", forFile, fd);
        }
        return fd;
    }

    /**
     * Where to make the temporary file that will become {@code target} by {@code link} or
     * {@code rename} (H7): in {@code R/.pathlock/tmp} when {@code target}'s directory is on its file
     * system, else beside {@code target}.
     */
    Path tempFor(final Path target)
    {
        final Path dir = target.getParent();
        Boolean other = crossDevice.get(dir);
        if (other == null)
        {
            final PosixStat st = new PosixStat();
            final int rc = fs.lstat(dir, st);
            if (rc < 0)
            {
                return nextTemp();     // the link or rename will report the missing directory
            }
            other = st.dev() != tmpDev() || otherMount(dir);
            if (crossDevice.size() >= CROSS_DEVICE_CACHE_MAX)
            {
                crossDevice.clear();
            }
            crossDevice.put(dir, other);
        }
        return other ? dir.resolve(BESIDE_TEMP_PREFIX + ctx.tmpPrefix + tmpSeq.incrementAndGet()) : nextTemp();
    }

    /**
     * Whether {@code dir} is on another mount than {@code R/.pathlock/tmp} although on the same file
     * system (a bind mount: the same {@code st_dev}, and still EXDEV for {@code link} and
     * {@code rename} between them, H7). Probed without side effects: {@code rename(2)} of a name that
     * does not exist in {@code R/.pathlock/tmp} (this store's prefix and a suffix it never makes)
     * fails with EXDEV when the two directories are on different mounts, which the kernel checks
     * before it looks the name up, and with ENOENT otherwise. Any other answer (the directory is
     * missing, not searchable) keeps the decision by device: the link or rename reports it.
     */
    private boolean otherMount(final Path dir)
    {
        final String absent = ctx.tmpPrefix + "absent";
        return fs.rename(ctx.tmpDir.resolve(absent), dir.resolve(BESIDE_TEMP_PREFIX + absent)) == -Errno.EXDEV;
    }

    /** The directory descriptor to rename {@code tmp} from: {@code R/.pathlock/tmp}'s, or the target's. */
    int tempDirFd(final Path tmp, final int targetDirFd)
    {
        return ctx.tmpDir.equals(tmp.getParent()) ? ctx.tmpDirFd : targetDirFd;
    }

    private long tmpDev()
    {
        long d = tmpDev;
        if (d == Long.MIN_VALUE)
        {
            final PosixStat st = new PosixStat();
            final int rc = fs.lstat(ctx.tmpDir, st);
            d = rc < 0 ? Long.MIN_VALUE + 1 : st.dev();
            tmpDev = d;
        }
        return d;
    }

    /** A new temporary file name of this store in {@code R/.pathlock/tmp}. */
    Path nextTemp()
    {
        return ctx.tmpDir.resolve(ctx.tmpPrefix + tmpSeq.incrementAndGet());
    }

    private byte[] encode(final String ownerId, final long now, final LockType type)
    {
        return LockTokenDescriptor.encode(ctx.ownerPrefix, ownerId, now, type, ctx.dialect);
    }

    /** The token a held file carries, as its judge would parse it. */
    private LockTokenDescriptor.Token heldToken(final String ownerId, final long now, final LockType type)
    {
        return new LockTokenDescriptor.Token(ctx.ownerPrefix + ownerId, now, type,
            ctx.flock ? LockTokenDescriptor.Origin.FLOCK : LockTokenDescriptor.Origin.AGED, ctx.dialect);
    }

    /**
     * Replaces the owner's POINT file by a SUBTREE one by {@code rename} under the guard (H2, H4).
     *
     * @param own the owner's held POINT file.
     * @param st  receives the new file's identity.
     * @return the held SUBTREE file; {@code own} is superseded by it.
     * @throws LockStoreException if the file was removed or replaced by someone else, or on an I/O error.
     */
    HeldFile upgrade(final HeldFile own, final PosixStat st)
    {
        synchronized (own)
        {
            final long now = ctx.wallClock.getAsLong();
            final byte[] token = encode(own.ownerId, now, LockType.SUBTREE);
            final int fd = replaceLocked(own, token, st);
            if (fd < 0)
            {
                throw new LockStoreException("lock file " + own.file + " of " + own.ownerId +
                    " was removed or replaced by someone else; the POINT lock on " + own.path + " is lost", null);
            }
            final HeldFile hf = new HeldFile(own.ownerId, own.path, LockType.SUBTREE, own.file, own.stripe, own);
            hf.identity(fd, st, heldToken(own.ownerId, now, LockType.SUBTREE));
            closeHeld(own.ownerId, own.fd);
            own.fd = -1;
            hf.dirFd = own.dirFd;
            own.dirFd = -1;
            own.supersededBy = hf;
            registry.put(hf.key, hf);
            return hf;
        }
    }

    /**
     * Puts a new flocked exclusive file of {@code ownerId} in place of whatever {@code file} is, by
     * {@code rename} (the path is never unlocked: M7). The caller holds the file's stripe and has
     * checked what it replaces.
     *
     * @return the held file.
     * @throws LockStoreException on an I/O error (nothing was replaced).
     */
    HeldFile replaceUnderGuard(final String ownerId, final LockPath p, final LockType type, final Path file,
        final int stripe, final PosixStat st)
    {
        final long now = ctx.wallClock.getAsLong();
        final Path tmp = tempFor(file);
        final int fd = createTemp(tmp, encode(ownerId, now, type), file);
        boolean done = false;
        int dirFd = -1;
        try
        {
            final int s = posix.fstat(fd, st);
            if (s < 0)
            {
                throw ctx.ioFailure("cannot fstat the temporary lock file", tmp, s);
            }
            share(ownerId, fd);
            dirFd = fs.openDir(file.getParent());
            if (dirFd < 0)
            {
                throw ctx.ioFailure("cannot open the directory of lock file", file, dirFd);
            }
            final HeldFile hf = new HeldFile(ownerId, p, type, file, stripe, null);
            final int r = posix.renameAt(tempDirFd(tmp, dirFd), RootedFs.bytes(tmp.getFileName()), dirFd, hf.name);
            if (r < 0)
            {
                throw ctx.ioFailure("cannot replace lock file (rename)", file, r);
            }
            hf.dirFd = dirFd;
            hf.identity(fd, st, heldToken(ownerId, now, type));
            registry.put(hf.key, hf);
            done = true;
            if (ctx.durability == Durability.DATA_AND_DIRECTORY)
            {
                posix.fsync(dirFd);
            }
            return hf;
        }
        finally
        {
            if (!done)
            {
                fs.unlink(tmp);
                closeHeld(ownerId, fd);
                if (dirFd >= 0)
                {
                    posix.close(dirFd);
                }
            }
        }
    }

    /**
     * Drops a held file without removing it (its name was given back to someone else under the
     * guard, M7): closes it and forgets it. Idempotent.
     *
     * @param hf the held file.
     */
    void forget(final HeldFile hf)
    {
        synchronized (hf)
        {
            if (hf.released)
            {
                return;
            }
            hf.released = true;
            closeHeld(hf.ownerId, hf.fd);
            hf.fd = -1;
            closeDir(hf);
            registry.remove(hf.key, hf);
        }
    }

    /**
     * Undoes an upgrade that backed off: puts a POINT token back in place of {@code hf}'s.
     *
     * @param hf the held file {@link #upgrade} returned.
     */
    void restore(final HeldFile hf)
    {
        final HeldFile own = hf.replaced;
        synchronized (hf)
        {
            synchronized (own)
            {
                final PosixStat st = new PosixStat();
                final long now = ctx.wallClock.getAsLong();
                final byte[] token = encode(own.ownerId, now, own.type);
                final int fd = hf.released ? -1 : replaceLocked(hf, token, st);
                closeHeld(hf.ownerId, hf.fd);
                hf.released = true;
                own.dirFd = hf.dirFd;
                hf.dirFd = -1;
                if (fd < 0)
                {
                    own.released = true;
                    closeDir(own);
                    registry.remove(hf.key, hf);
                    return;
                }
                own.identity(fd, st, heldToken(own.ownerId, now, own.type));
                own.supersededBy = null;
                registry.put(own.key, own);
            }
        }
    }

    /**
     * Puts a new flocked file with {@code token} in place of {@code hf}'s by {@code rename}, under
     * the guard, if the name still denotes {@code hf}'s inode. Returns the new descriptor (its identity
     * in {@code st}), or -1 when the file is no longer {@code hf}'s. The caller holds {@code hf}'s
     * monitor and closes the old descriptor.
     */
    private int replaceLocked(final HeldFile hf, final byte[] token, final PosixStat st)
    {
        final Path tmp = tempFor(hf.file);
        final int fd = createTemp(tmp, token, hf.file);
        final PosixStat cur = new PosixStat();
        boolean renamed = false;
        share(hf.ownerId, fd);
        try
        {
            final int s = posix.fstat(fd, st);
            if (s < 0)
            {
                throw ctx.ioFailure("cannot fstat the temporary lock file", tmp, s);
            }
            final GuardStripes guard = ctx.guard();
            guard.lock(hf.stripe);
            try
            {
                final int rc = posix.fstatAt(hf.dirFd, hf.name, cur);
                if (rc < 0 && rc != -Errno.ENOENT)
                {
                    throw ctx.ioFailure("cannot stat lock file", hf.file, rc);
                }
                if (rc < 0 || !hf.sameFile(cur))
                {
                    return -1;
                }
                final int r = posix.renameAt(tempDirFd(tmp, hf.dirFd), RootedFs.bytes(tmp.getFileName()), hf.dirFd, hf.name);
                if (r < 0)
                {
                    throw ctx.ioFailure("cannot replace lock file (rename)", hf.file, r);
                }
                renamed = true;
            }
            finally
            {
                guard.unlock(hf.stripe);
            }
            if (ctx.durability == Durability.DATA_AND_DIRECTORY)
            {
                final int d = posix.fsync(hf.dirFd);
                if (d < 0)
                {
                    throw ctx.ioFailure("cannot fsync the directory of lock file", hf.file, d);
                }
            }
            return fd;
        }
        finally
        {
            if (!renamed)
            {
                fs.unlink(tmp);
                closeHeld(hf.ownerId, fd);
            }
        }
    }

    /**
     * Rewrites each file of a publication with a fresh token time (the heartbeat).
     *
     * @param files the publication's files.
     * @return false if any was found lost (H5).
     */
    boolean refresh(final HeldFile[] files)
    {
        boolean intact = true;
        for (final HeldFile hf : files)
        {
            synchronized (hf)
            {
                if (hf.released)
                {
                    intact &= hf.supersededBy != null;
                    continue;
                }
                if (hf.supersededBy != null)
                {
                    continue;
                }
                if (!refreshLocked(hf))
                {
                    intact = false;
                }
            }
        }
        return intact;
    }

    private boolean refreshLocked(final HeldFile hf)
    {
        final PosixStat st = new PosixStat();
        final long now = ctx.wallClock.getAsLong();
        final byte[] token = encode(hf.ownerId, now, hf.type);
        final int fd = replaceLocked(hf, token, st);
        if (fd < 0)
        {
            final int rc = posix.fstatAt(hf.dirFd, hf.name, st);
            hf.lost = "lock file " + hf.file + " of " + hf.path + " (" + hf.type + ") was " +
                (rc == -Errno.ENOENT ? "removed by someone else" : "replaced by another file" + describeOccupant(hf.file));
            hf.released = true;
            closeHeld(hf.ownerId, hf.fd);
            hf.fd = -1;
            closeDir(hf);
            registry.remove(hf.key, hf);
            return false;
        }
        closeHeld(hf.ownerId, hf.fd);
        hf.identity(fd, st, heldToken(hf.ownerId, now, hf.type));
        return true;
    }

    /**
     * Checks that every file of a publication is still the one this store published (same inode in
     * the same directory, even if that directory was moved since: H3, H5).
     *
     * @param files the publication's files.
     * @return null when intact, else why the lock was lost.
     * @throws LockStoreException if a file cannot be checked.
     */
    String check(final HeldFile[] files)
    {
        final PosixStat st = new PosixStat();
        for (HeldFile hf : files)
        {
            synchronized (hf)
            {
                while (hf.supersededBy != null)
                {
                    hf = hf.supersededBy;
                }
            }
            synchronized (hf)
            {
                if (hf.released)
                {
                    return hf.lost != null ? hf.lost : "lock file " + hf.file + " of " + hf.path +
                        " is no longer held by this store";
                }
                final int rc = posix.fstatAt(hf.dirFd, hf.name, st);
                if (rc == -Errno.ENOENT)
                {
                    return "lock file " + hf.file + " of " + hf.path + " (" + hf.type + ") was removed by someone else";
                }
                if (rc < 0)
                {
                    throw ctx.ioFailure("cannot check lock file", hf.file, rc);
                }
                if (!hf.sameFile(st))
                {
                    return "lock file " + hf.file + " of " + hf.path + " (" + hf.type + ") was replaced by another file" +
                        describeOccupant(hf.file);
                }
            }
        }
        return null;
    }

    private String describeOccupant(final Path file)
    {
        final PosixStat st = new PosixStat();
        final int fd = fs.openRead(file, st);
        if (fd < 0)
        {
            return "";
        }
        try
        {
            final byte[] buf = new byte[LockTokenDescriptor.MAX_TOKEN_LENGTH + 1];
            final int n = posix.preadAll(fd, buf);
            final LockTokenDescriptor.Token t = n < 0 ? null : LockTokenDescriptor.parse(buf, n);
            return t == null ? " (content not a token)" : " now held by '" + t.ownerId() + "' (" + t.type() + ")";
        }
        finally
        {
            posix.close(fd);
        }
    }

    /**
     * Releases every file of a publication, all of them even when one fails.
     *
     * @param files the publication's files.
     * @throws LockStoreException the first failure.
     */
    void releaseAll(final HeldFile[] files)
    {
        LockStoreException failure = null;
        for (final HeldFile hf : files)
        {
            try
            {
                release(hf);
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

    /** Releases every file still held, ignoring failures (closing the descriptor frees the lock anyway). */
    void releaseEverything()
    {
        for (final HeldFile hf : registry.values())
        {
            try
            {
                release(hf);
            }
            catch (final RuntimeException ignore)
            {
                // Closing the descriptor (done by release in every case) already frees the lock.
            }
        }
    }

    /**
     * Removes a held file if it is still ours (H4), then closes it. Idempotent.
     *
     * @param hf the held file.
     * @throws LockStoreException if it could not be removed (it is closed all the same).
     */
    void release(final HeldFile hf)
    {
        synchronized (hf)
        {
            if (hf.released)
            {
                return;
            }
            hf.released = true;
            if (hf.supersededBy != null)
            {
                return;
            }
            int failure = 0;
            final PosixStat st = new PosixStat();
            final GuardStripes guard = ctx.guard();
            guard.lock(hf.stripe);
            try
            {
                final int rc = posix.fstatAt(hf.dirFd, hf.name, st);
                if (rc == 0 && hf.sameFile(st))
                {
                    final int u = posix.unlinkAt(hf.dirFd, hf.name);
                    if (u < 0 && u != -Errno.ENOENT)
                    {
                        failure = u;
                    }
                }
                else if (rc < 0 && rc != -Errno.ENOENT && rc != -Errno.ENOTDIR)
                {
                    failure = rc;
                }
            }
            finally
            {
                guard.unlock(hf.stripe);
                // Closing drops the flock: even a file that could not be unlinked is then reclaimed
                // at once by the next process that finds it (H4).
                closeHeld(hf.ownerId, hf.fd);
                hf.fd = -1;
                if (failure == 0 && ctx.durability == Durability.DATA_AND_DIRECTORY && hf.dirFd >= 0)
                {
                    failure = Math.min(0, posix.fsync(hf.dirFd));
                }
                closeDir(hf);
                registry.remove(hf.key, hf);
            }
            if (failure != 0)
            {
                throw ctx.ioFailure("cannot remove lock file", hf.file, failure);
            }
        }
    }

    /**
     * Shares the descriptors of {@code ownerId}'s held files with {@code share} from now on (H6):
     * first those held now, then each new one before it is published.
     *
     * @return a registration that stops sharing when closed.
     */
    AutoCloseable share(final String ownerId, final FileLockStore.DescriptorShare share)
    {
        if (shares.putIfAbsent(ownerId, share) != null)
        {
            throw new IllegalStateException("the descriptors of " + ownerId + " are shared already");
        }
        for (final HeldFile hf : registry.values())
        {
            if (hf.ownerId.equals(ownerId))
            {
                synchronized (hf)
                {
                    if (!hf.released && hf.supersededBy == null && hf.fd >= 0)
                    {
                        share.add(hf.fd);
                    }
                }
            }
        }
        return () -> shares.remove(ownerId, share);
    }

    /** Hands {@code fd} to the owner's share, if any, before its file becomes visible (H6). */
    void shareDescriptor(final String ownerId, final int fd)
    {
        share(ownerId, fd);
    }

    private void share(final String ownerId, final int fd)
    {
        if (!shares.isEmpty())
        {
            final FileLockStore.DescriptorShare s = shares.get(ownerId);
            if (s != null)
            {
                s.add(fd);
            }
        }
    }

    /** Withdraws {@code fd} from the owner's share, if any (H6), then closes it. */
    void closeHeld(final String ownerId, final int fd)
    {
        if (fd >= 0 && !shares.isEmpty())
        {
            final FileLockStore.DescriptorShare s = shares.get(ownerId);
            if (s != null)
            {
                s.remove(fd);
            }
        }
        posix.close(fd);
    }

    private void closeDir(final HeldFile hf)
    {
        if (hf.dirFd >= 0)
        {
            posix.close(hf.dirFd);
            hf.dirFd = -1;
        }
    }

    /**
     * Whether {@code st} (read through a descriptor of {@code file}) is a file {@code ownerId} holds
     * through this store.
     */
    boolean isOwn(final Path file, final String ownerId, final PosixStat st)
    {
        final HeldFile hf = registry.get(file.toString());
        return hf != null && hf.ownerId.equals(ownerId) && hf.sameFile(st);
    }

    /**
     * Whether {@code st} is a file this store holds, for any owner (status reports it as ours).
     */
    boolean isHeldHere(final Path file, final PosixStat st)
    {
        final HeldFile mine = registry.get(file.toString());
        return mine != null && mine.sameFile(st);
    }

    /**
     * The file {@code ownerId} holds at {@code file}, if the name still denotes it and it is neither
     * released nor superseded.
     *
     * @return the held file, or null.
     */
    HeldFile ownAt(final Path file, final String ownerId, final PosixStat st)
    {
        final HeldFile hf = registry.get(file.toString());
        if (hf == null || !hf.ownerId.equals(ownerId))
        {
            return null;
        }
        synchronized (hf)
        {
            if (hf.released || hf.supersededBy != null)
            {
                return null;
            }
            final int rc = fs.lstat(file, st);
            return rc == 0 && hf.sameFile(st) ? hf : null;
        }
    }

    /**
     * How many lock files are held now.
     *
     * @return the count.
     */
    int size()
    {
        return registry.size();
    }

    /** Removes temporary files older than {@link #TEMP_ORPHAN_AGE_MILLIS} left by dead processes. */
    void removeOrphanTemporaries()
    {
        final long cutoff = System.currentTimeMillis() - TEMP_ORPHAN_AGE_MILLIS;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(ctx.tmpDir))
        {
            for (final Path f : ds)
            {
                if (!TEMP_NAME.matcher(f.getFileName().toString()).matches())
                {
                    continue;
                }
                final FileTime mtime = Files.getLastModifiedTime(f, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                if (mtime.toMillis() < cutoff)
                {
                    fs.unlink(f);
                }
            }
        }
        catch (final IOException | RuntimeException ignore)
        {
            // Orphans only cost disk space; never fail the store for them.
        }
    }
}

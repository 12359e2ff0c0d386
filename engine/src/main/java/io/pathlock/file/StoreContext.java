package io.pathlock.file;

import io.pathlock.core.LockStoreException;
import io.pathlock.posix.Errno;
import io.pathlock.posix.Posix;
import io.pathlock.posix.PosixStat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.function.LongSupplier;

/**
 * The configuration and shared services of one {@link FileLockStore}, validated by its builder and
 * handed to each part ({@link LockLayout}, {@link HeldFiles}, {@link Reaper}, {@link LockWaiter},
 * {@link PublishProtocol}, {@link LockAdmin}) so that their constructors stay short. It opens what
 * every part needs (the root descriptor, the temporary directory, the guard stripes) and nothing
 * else; it knows none of the parts.
 *
 * <p>Thread-safety: immutable after construction, apart from the guard stripes made on first use by
 * an administrative store ({@link #guard()}) and the closed flag.
 */
final class StoreContext
{
    /** The real path of the root. */
    final Path root;
    /** The root as a string prefix of lock file paths: empty for {@code /}. */
    final String rootString;
    final Posix posix;
    /** Whether the backend has {@code flock(2)} (fast death detection). */
    final boolean flock;
    /** Every file operation, confined to the root. */
    final RootedFs fs;
    /** The one liveness rule. */
    final LockJudge judge;
    /** The dialect this store writes. */
    final Dialect dialect;
    /** The OpenViking path prefix of the root, hashed into ragfs sidecar names. */
    final String ovPrefix;
    /** Wall-clock nanoseconds since the Unix epoch, for token times. */
    final LongSupplier wallClock;
    final Durability durability;
    final MissingDirectories missingDirectories;
    final int fileMode;
    /** Mode of the directories the store creates, derived from {@link #fileMode}. */
    final int dirMode;
    final long raceWaitNanos;
    /** {@code file:ROOT}, named in every error. */
    final String source;
    /** The store's short description ({@link FileLockStore#describe()}). */
    final String description;
    /** Whether the store was opened for administration only (status, break). */
    final boolean admin;
    /** {@code R/.pathlock/tmp}. */
    final Path tmpDir;
    /** A descriptor of {@link #tmpDir}, -1 for an administrative store. */
    final int tmpDirFd;
    /** The random prefix of this store's temporary file names. */
    final String tmpPrefix;
    /** The prefix of the owner ids this store writes ({@code pl1|pid|host|nonce|}). */
    final String ownerPrefix;
    /** The shared groups' member directories, {@code R/.pathlock/shared} ({@link SharedGroups}). */
    final Path sharedDir;
    /** This store instance's nonce (16 hex digits). */
    final String nonce;
    /** This host's name. */
    final String host;

    private final Path guardDir;
    private final int guardStripes;
    private volatile GuardStripes guard;
    private volatile boolean closed;

    /**
     * Opens the root and, unless {@code admin}, creates the reserved directories and the guard files.
     *
     * @param reserved the reserved directory {@code R/.pathlock} (its name is {@link LockLayout}'s).
     * @throws LockStoreException if the reserved directories cannot be made or opened.
     */
    StoreContext(final Path realRoot, final Path reserved, final Posix posix, final LockJudge judge,
        final Dialect dialect, final String ovPrefix, final LongSupplier wallClock, final Durability durability,
        final MissingDirectories missingDirectories, final int fileMode, final long raceWaitNanos,
        final String description, final boolean admin, final int guardStripes)
    {
        this.root = realRoot;
        this.rootString = realRoot.toString().equals("/") ? "" : realRoot.toString();
        this.posix = posix;
        this.flock = posix.supportsFlock();
        this.judge = judge;
        this.dialect = dialect;
        this.ovPrefix = ovPrefix;
        this.wallClock = wallClock;
        this.durability = durability;
        this.missingDirectories = missingDirectories;
        this.fileMode = fileMode;
        this.dirMode = dirModeOf(fileMode);
        this.raceWaitNanos = raceWaitNanos;
        this.source = "file:" + realRoot;
        this.description = description;
        this.admin = admin;
        this.guardStripes = guardStripes;

        this.fs = new RootedFs(posix, realRoot);
        // Shared by every user of the root: .pathlock/ and tmp/ are writable by whoever may read the
        // lock files (mode 0644: everyone, 0640: the group), each user has its own tmp/<uid>/, the
        // guard files only need to be readable (flock works on a read-only descriptor).
        this.tmpDir = reserved.resolve("tmp").resolve(Long.toString(currentUid()));
        this.guardDir = reserved.resolve("guard");
        this.sharedDir = reserved.resolve(SharedGroups.DIR_NAME);
        if (!admin)
        {
            mkdirIfMissing(reserved, sharedDirModeOf(fileMode));
            mkdirIfMissing(tmpDir.getParent(), sharedDirModeOf(fileMode));
            mkdirIfMissing(tmpDir, 0700);
            mkdirIfMissing(guardDir, dirMode);
            mkdirIfMissing(sharedDir, sharedDirModeOf(fileMode));
            this.tmpDirFd = fs.openDir(tmpDir);
            if (tmpDirFd < 0)
            {
                fs.close();
                throw ioFailure("cannot open the temporary directory", tmpDir, tmpDirFd);
            }
        }
        else
        {
            this.tmpDirFd = -1;
        }

        final byte[] nonceBytes = new byte[8];
        new SecureRandom().nextBytes(nonceBytes);
        final StringBuilder nonce = new StringBuilder(16);
        for (final byte x : nonceBytes)
        {
            nonce.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
        }
        this.tmpPrefix = nonce + ".";
        this.nonce = nonce.toString();
        this.host = hostName();
        this.ownerPrefix = LockTokenDescriptor.ownerPrefix(flock, ProcessHandle.current().pid(), hostName(), nonce.toString());

        if (!admin)
        {
            // status and break: write nothing; the guard is made if break needs it.
            this.guard = new GuardStripes(posix, guardDir, guardStripes, fileMode);
        }
    }

    /**
     * How many guard stripes the root uses, if the guard is open.
     *
     * @return the recorded stripe count, or 0 before the guard is opened.
     */
    int guardStripesInUse()
    {
        final GuardStripes g = guard;
        return g == null ? 0 : g.stripes();
    }

    /**
     * The guard stripes, made on first use by an administrative store (break).
     *
     * @return the guard stripes.
     */
    GuardStripes guard()
    {
        GuardStripes g = guard;
        if (g == null)
        {
            synchronized (this)
            {
                g = guard;
                if (g == null)
                {
                    mkdirIfMissing(guardDir.getParent());
                    mkdirIfMissing(guardDir);
                    g = new GuardStripes(posix, guardDir, guardStripes, fileMode);
                    guard = g;
                }
            }
        }
        return g;
    }

    /** Marks the store closed: waits in progress end, new publications are refused. */
    void markClosed()
    {
        closed = true;
    }

    /**
     * Whether {@link #markClosed()} was called.
     *
     * @return true once the store is closing.
     */
    boolean isClosed()
    {
        return closed;
    }

    /**
     * The exception for a failed system call on {@code path}, naming the errno and the store.
     *
     * @param what what failed.
     * @param path the file.
     * @param rc   the negative errno.
     * @return the exception to throw.
     */
    LockStoreException ioFailure(final String what, final Path path, final int rc)
    {
        return new LockStoreException(what + " " + path + ": " + Errno.name(rc) + " (" + Errno.describe(rc) + ") [" +
            source + "]", null);
    }

    /** Closes the guard stripes, the temporary directory and the root descriptor. */
    void close()
    {
        final GuardStripes g = guard;
        if (g != null)
        {
            g.close();
        }
        if (tmpDirFd >= 0)
        {
            posix.close(tmpDirFd);
        }
        fs.close();
    }

    private void mkdirIfMissing(final Path dir)
    {
        mkdirIfMissing(dir, dirMode);
    }

    /**
     * Creates a reserved directory with exactly {@code mode} (not masked by the umask: other users
     * must be able to use what the first user created), or checks that it is a directory.
     */
    /**
     * Creates a directory under {@code R/.pathlock} with exactly {@code mode}, or checks that it is a
     * directory.
     *
     * @throws LockStoreException if it cannot be created or is not a directory.
     */
    void mkdirReserved(final Path dir, final int mode)
    {
        mkdirIfMissing(dir, mode);
    }

    private void mkdirIfMissing(final Path dir, final int mode)
    {
        final int rc = fs.mkdir(dir, mode);
        if (rc < 0 && rc != -Errno.EEXIST)
        {
            throw ioFailure("cannot create the reserved directory", dir, rc);
        }
        if (rc == 0 && mode != 0700)
        {
            try
            {
                java.nio.file.Files.setPosixFilePermissions(dir, permissions(mode));
            }
            catch (final java.io.IOException | UnsupportedOperationException e)
            {
                throw new LockStoreException("cannot set mode 0" + Integer.toOctalString(mode) + " on " + dir + ": " + e, e);
            }
        }
        final PosixStat st = new PosixStat();
        final int s = fs.lstat(dir, st);
        if (s < 0 || (st.mode() & PosixStat.S_IFMT) != PosixStat.S_IFDIR)
        {
            throw new LockStoreException("reserved path " + dir + " is not a directory", null);
        }
    }

    /**
     * Mode of the directories every user of the root writes into: writable by whoever may read the
     * lock files ({@code 0644}: everyone, {@code 0640}: the group).
     */
    static int sharedDirModeOf(final int fileMode)
    {
        return 0700 | ((fileMode & 0040) != 0 ? 0070 : 0) | ((fileMode & 0004) != 0 ? 0007 : 0);
    }

    /**
     * Mode of files every user of the root writes (the fencing counter): read-write for whoever may
     * read the lock files.
     */
    static int sharedFileModeOf(final int fileMode)
    {
        return 0600 | ((fileMode & 0040) != 0 ? 0060 : 0) | ((fileMode & 0004) != 0 ? 0006 : 0);
    }

    static java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions(final int mode)
    {
        final java.util.Set<java.nio.file.attribute.PosixFilePermission> out =
            java.util.EnumSet.noneOf(java.nio.file.attribute.PosixFilePermission.class);
        final java.nio.file.attribute.PosixFilePermission[] bits = java.nio.file.attribute.PosixFilePermission.values();
        // OWNER_READ .. OTHERS_EXECUTE in the order of the octal bits 0400 .. 0001.
        for (int i = 0; i < 9; i++)
        {
            if ((mode & (0400 >> i)) != 0)
            {
                out.add(bits[i]);
            }
        }
        return out;
    }

    /** The real uid of this process (the owner of {@code /proc/self}). */
    private static long currentUid()
    {
        try
        {
            return ((Number)java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid")).longValue();
        }
        catch (final java.io.IOException | RuntimeException e)
        {
            return ProcessHandle.current().pid() == 1 ? 0 : -1;
        }
    }

    private static int dirModeOf(final int fileMode)
    {
        int m = fileMode | 0700;
        if ((fileMode & 0040) != 0)
        {
            m |= 0010;
        }
        if ((fileMode & 0004) != 0)
        {
            m |= 0001;
        }
        return m;
    }

    private static String hostName()
    {
        try
        {
            final String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            if (!h.isEmpty())
            {
                return h;
            }
        }
        catch (final IOException | RuntimeException ignore)
        {
            // Not Linux, or no procfs.
        }
        final String env = System.getenv("HOSTNAME");
        return env == null || env.isBlank() ? "localhost" : env;
    }
}

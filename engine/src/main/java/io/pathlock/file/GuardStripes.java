package io.pathlock.file;

import io.pathlock.core.LockStoreException;
import io.pathlock.posix.Errno;
import io.pathlock.posix.Posix;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The short cross-process guard under which every lock file is removed or replaced
 * ({@link Reaper} invariant G1): a fixed set of guard files {@code R/.pathlock/guard/00..NN},
 * one per stripe, each opened once and {@code flock(LOCK_EX)}ed only around a check-and-unlink.
 * A lock file's stripe is a hash of its path that every process computes the same way
 * ({@link String#hashCode()} is specified), so two removers of one file always meet on one guard.
 *
 * <p>A guard held by another process is polled for (it is held for microseconds); after
 * {@link #MAX_WAIT_NANOS} the operation fails instead of hanging behind a stopped process.
 *
 * <p>{@code flock} belongs to the open file description, which the threads of this process share,
 * so each stripe also has an in-process lock taken first. Guard files are never deleted.
 *
 * <p>The number of stripes is recorded on disk ({@code guard/stripes}, written once, atomically by
 * {@code link}): the first process that opens a root decides it and every later one uses the recorded
 * number whatever it was configured with, so two processes configured differently still meet on one
 * guard per lock file. Guard files are opened descriptor-relative and non-blocking; a guard name that
 * is not a regular file (a planted FIFO) fails the open with a clear error instead of hanging it.
 *
 * <p>Thread-safety: thread-safe.
 */
final class GuardStripes implements AutoCloseable
{
    /** Longest wait for a guard held by another process. */
    static final long MAX_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Posix posix;
    private final Path dir;
    private final int mask;
    private final int[] fds;
    private final ReentrantLock[] locks;

    /**
     * Opens (creating where needed) the guard files.
     *
     * @param posix   the backend.
     * @param dir     the guard directory (exists).
     * @param configuredStripes a power of two, used if the root has no recorded count yet.
     * @param mode    permission bits of new guard files.
     * @throws LockStoreException if a guard file cannot be created or opened.
     */
    GuardStripes(final Posix posix, final Path dir, final int configuredStripes, final int mode)
    {
        if (Integer.bitCount(configuredStripes) != 1)
        {
            throw new IllegalArgumentException("guard stripes must be a power of two, got " + configuredStripes);
        }
        this.posix = posix;
        this.dir = dir;
        final int dirFd = posix.openDirectory(dir);
        if (dirFd < 0)
        {
            throw new LockStoreException("cannot open the guard directory " + dir + ": " + Errno.name(dirFd) + " (" +
                Errno.describe(dirFd) + ")", null);
        }
        final int stripes;
        try
        {
            stripes = recordedStripes(posix, dirFd, dir, configuredStripes, mode);
        }
        catch (final RuntimeException e)
        {
            posix.close(dirFd);
            throw e;
        }
        this.mask = stripes - 1;
        this.fds = new int[stripes];
        this.locks = new ReentrantLock[stripes];
        final byte[] empty = new byte[0];
        int opened = 0;
        try
        {
            for (int i = 0; i < stripes; i++)
            {
                final Path f = file(i);
                final byte[] name = f.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                final int c = posix.createExclusiveAt(dirFd, name, empty, 0, mode, 0);
                if (c >= 0)
                {
                    posix.close(c);
                }
                else if (c != -Errno.EEXIST)
                {
                    throw new LockStoreException("cannot create guard file " + f + ": " + Errno.name(c) +
                        " (" + Errno.describe(c) + ")", null);
                }
                final io.pathlock.posix.PosixStat st = new io.pathlock.posix.PosixStat();
                final int fd = posix.openReadAt(dirFd, name, st);
                if (fd < 0)
                {
                    throw new LockStoreException("cannot open guard file " + f + ": " + Errno.name(fd) +
                        " (" + Errno.describe(fd) + ")", null);
                }
                if (!st.isRegularFile())
                {
                    posix.close(fd);
                    throw new LockStoreException("guard file " + f + " is not a regular file (mode 0" +
                        Integer.toOctalString(st.mode()) + "): move it away", null);
                }
                fds[i] = fd;
                locks[i] = new ReentrantLock();
                opened++;
            }
        }
        catch (final RuntimeException e)
        {
            for (int i = 0; i < opened; i++)
            {
                posix.close(fds[i]);
            }
            throw e;
        }
        finally
        {
            posix.close(dirFd);
        }
    }

    /** Name of the file that records the stripe count. */
    static final String STRIPES_FILE = "stripes";

    /**
     * The stripe count recorded for this root, recording {@code configured} if none is yet: the
     * count is written to a temporary name and published with {@code link}, so that racing first
     * openers agree on one value and nobody reads a partial file.
     */
    private static int recordedStripes(final Posix posix, final int dirFd, final Path dir, final int configured,
        final int mode)
    {
        final byte[] name = STRIPES_FILE.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        final io.pathlock.posix.PosixStat probe = new io.pathlock.posix.PosixStat();
        if (posix.fstatAt(dirFd, name, probe) == 0)
        {
            // Recorded already (perhaps by another user, in a directory we may not write).
            return readStripes(posix, dirFd, dir, name);
        }
        final byte[] content = Integer.toString(configured).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        final byte[] tmp = (STRIPES_FILE + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime())
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        final int c = posix.createExclusiveAt(dirFd, tmp, content, content.length, mode, 0);
        if (c < 0)
        {
            throw new LockStoreException("cannot record the guard stripe count in " + dir + ": " + Errno.name(c) +
                " (" + Errno.describe(c) + ")", null);
        }
        posix.close(c);
        final int l = posix.linkAt(dirFd, tmp, dirFd, name);
        posix.unlinkAt(dirFd, tmp);
        if (l == 0)
        {
            return configured;
        }
        if (l != -Errno.EEXIST)
        {
            throw new LockStoreException("cannot record the guard stripe count in " + dir + ": " + Errno.name(l) +
                " (" + Errno.describe(l) + ")", null);
        }
        return readStripes(posix, dirFd, dir, name);
    }

    private static int readStripes(final Posix posix, final int dirFd, final Path dir, final byte[] name)
    {
        final io.pathlock.posix.PosixStat st = new io.pathlock.posix.PosixStat();
        final int fd = posix.openReadAt(dirFd, name, st);
        if (fd < 0 || !st.isRegularFile())
        {
            if (fd >= 0)
            {
                posix.close(fd);
            }
            throw new LockStoreException("cannot read the guard stripe count " + dir.resolve(STRIPES_FILE) + ": " +
                (fd < 0 ? Errno.name(fd) : "not a regular file"), null);
        }
        final byte[] buf = new byte[16];
        final int n;
        try
        {
            n = posix.preadAll(fd, buf);
        }
        finally
        {
            posix.close(fd);
        }
        int v = -1;
        try
        {
            v = n > 0 ? Integer.parseInt(new String(buf, 0, n, java.nio.charset.StandardCharsets.US_ASCII).trim()) : -1;
        }
        catch (final NumberFormatException ignore)
        {
            // Reported below.
        }
        if (v < 1 || v > 4096 || Integer.bitCount(v) != 1)
        {
            throw new LockStoreException("guard stripe count file " + dir.resolve(STRIPES_FILE) + " holds '" +
                (n > 0 ? new String(buf, 0, n, java.nio.charset.StandardCharsets.US_ASCII).trim() : "") +
                "', not a power of two up to 4096: the root's guard is damaged; with no pathlock process running, " +
                "remove " + dir + " to reset it", null);
        }
        return v;
    }

    /**
     * How many stripes this root uses (as recorded on disk).
     *
     * @return a power of two.
     */
    int stripes()
    {
        return mask + 1;
    }

    Path file(final int stripe)
    {
        return dir.resolve(String.format("%02x", stripe));
    }

    /**
     * The stripe of a lock file.
     *
     * @param lockFile the lock file's path text.
     * @return the stripe index.
     */
    int stripeOf(final String lockFile)
    {
        return ((lockFile.hashCode() * 0x9E3779B9) >>> 16) & mask;
    }

    /**
     * Takes a stripe: the in-process lock, then the guard file's {@code flock(LOCK_EX)}.
     *
     * @param stripe the stripe.
     * @throws LockStoreException if the {@code flock} fails (the in-process lock is released).
     */
    void lock(final int stripe)
    {
        final ReentrantLock l = locks[stripe];
        l.lock();
        int rc = posix.flock(fds[stripe], Posix.LOCK_EX | Posix.LOCK_NB);
        if (rc == -Errno.EWOULDBLOCK)
        {
            rc = lockSlow(stripe);
        }
        if (rc != 0)
        {
            l.unlock();
            throw new LockStoreException(rc == -Errno.EWOULDBLOCK ?
                "guard file " + file(stripe) + " has been held by another process for more than " +
                    TimeUnit.NANOSECONDS.toSeconds(MAX_WAIT_NANOS) + " s (is it stopped?)" :
                "cannot lock guard file " + file(stripe) + ": " + Errno.name(rc), null);
        }
    }

    /**
     * Another process holds the guard (for microseconds, normally). Polls with a backoff instead of a
     * blocking {@code flock}, so that a holder stopped with {@code SIGSTOP} inside its guard turns into
     * an error after {@link #MAX_WAIT_NANOS} instead of a hang.
     */
    private int lockSlow(final int stripe)
    {
        final long deadline = System.nanoTime() + MAX_WAIT_NANOS;
        long backoff = 10_000;
        for (;;)
        {
            LockSupport.parkNanos(backoff);
            final int rc = posix.flock(fds[stripe], Posix.LOCK_EX | Posix.LOCK_NB);
            if (rc != -Errno.EWOULDBLOCK || System.nanoTime() - deadline > 0)
            {
                return rc;
            }
            backoff = Math.min(backoff * 2, 1_000_000);
        }
    }

    /**
     * Releases a stripe taken by {@link #lock}.
     *
     * @param stripe the stripe.
     */
    void unlock(final int stripe)
    {
        try
        {
            posix.flock(fds[stripe], Posix.LOCK_UN);
        }
        finally
        {
            locks[stripe].unlock();
        }
    }

    @Override
    public void close()
    {
        for (final int fd : fds)
        {
            posix.close(fd);
        }
    }
}

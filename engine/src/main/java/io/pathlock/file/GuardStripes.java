package io.pathlock.file;

import io.pathlock.LockStoreException;
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
     * @param stripes a power of two.
     * @param mode    permission bits of new guard files.
     * @throws LockStoreException if a guard file cannot be created or opened.
     */
    GuardStripes(final Posix posix, final Path dir, final int stripes, final int mode)
    {
        if (Integer.bitCount(stripes) != 1)
        {
            throw new IllegalArgumentException("guard stripes must be a power of two, got " + stripes);
        }
        this.posix = posix;
        this.dir = dir;
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
                final int c = posix.createExclusive(f, empty, 0, mode, 0);
                if (c >= 0)
                {
                    posix.close(c);
                }
                else if (c != -Errno.EEXIST)
                {
                    throw new LockStoreException("cannot create guard file " + f + ": " + Errno.name(c) +
                        " (" + Errno.describe(c) + ")", null);
                }
                final int fd = posix.openRead(f);
                if (fd < 0)
                {
                    throw new LockStoreException("cannot open guard file " + f + ": " + Errno.name(fd) +
                        " (" + Errno.describe(fd) + ")", null);
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

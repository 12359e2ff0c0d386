package io.pathlock.file;

import io.pathlock.posix.Errno;
import io.pathlock.posix.Posix;
import io.pathlock.posix.PosixStat;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits for the lock file that refused a publication to change: {@link #awaitChange} parks the
 * caller, {@link #onChange} parks no thread. Both use one shared {@link ChangeWatcher} (inotify) plus
 * a bounded exponential backoff with jitter that also probes the blocker's liveness, since a killed
 * holder leaves its file behind without any event.
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li><b>B1 — a change is judged by the one rule.</b> A wait ends when the blocker's file is gone,
 *   is another inode, was rewritten (size or modification time), or its holder is dead: a FLOCK token
 *   by taking its {@code flock} (J1), any other by {@link LockJudge} (J2–J5). The waiter has no
 *   liveness rule of its own.</li>
 *   <li><b>B2 — bounded polling.</b> Between notifications the blocker is polled every
 *   {@value #BACKOFF_MIN_NANOS} ns, doubling to {@value #BACKOFF_MAX_NANOS} ns, each wait jittered to
 *   between half and all of it, and never beyond the caller's deadline.</li>
 *   <li><b>B3 — one wait, driven two ways.</b> The blocking and the asynchronous wait run the same
 *   step ({@link #step}): poll, then wait at most the returned time; they differ only in how they
 *   wait.</li>
 *   <li><b>B4 — closing ends waits.</b> An asynchronous wait completes once the store is closing; a
 *   watcher made after that is closed at once.</li>
 * </ol>
 *
 * <p>Thread-safety: thread-safe. The watcher and the poller thread are made on first use.
 */
final class LockWaiter
{
    /** Shortest poll interval while waiting for a blocker. */
    static final long BACKOFF_MIN_NANOS = 500_000L;
    /** Longest poll interval while waiting for a blocker. */
    static final long BACKOFF_MAX_NANOS = 20_000_000L;

    /** {@link #step}: the wait is over. */
    private static final long DONE = -1;

    private final StoreContext ctx;
    private final RootedFs fs;
    private final Posix posix;
    private volatile ChangeWatcher watcher;
    private volatile ScheduledThreadPoolExecutor scheduler;

    /**
     * What a refused publication waits for: one lock file, as it was when judged. Opaque to the
     * manager; {@link #toString()} names the file.
     */
    static final class Blocker
    {
        final Path file;
        final Path dir;
        final long dev;
        final long ino;
        final long size;
        final long mtimeNanos;
        final LockTokenDescriptor.Token token;

        Blocker(final Path file, final long dev, final long ino, final long size, final long mtimeNanos,
            final LockTokenDescriptor.Token token)
        {
            this.file = file;
            this.dir = file.getParent();
            this.dev = dev;
            this.ino = ino;
            this.size = size;
            this.mtimeNanos = mtimeNanos;
            this.token = token;
        }

        /**
         * Whether the file's identity was known when it was judged. It is not for what cannot be
         * judged as a lock file (an unreadable directory, a FIFO or directory named like a lock file:
         * S1/S2), and a change cannot be told from no change: such a blocker is waited for blindly,
         * at most one longest backoff per wait, never in a busy loop.
         */
        boolean identityKnown()
        {
            return ino != 0 || size >= 0;
        }

        @Override
        public String toString()
        {
            return "lock file " + file;
        }
    }

    LockWaiter(final StoreContext ctx)
    {
        this.ctx = ctx;
        this.fs = ctx.fs;
        this.posix = ctx.posix;
    }

    /**
     * Parks until {@code blocker} changes or the timeout passes; a blocker of another kind is
     * waited for blindly, at most one longest backoff.
     *
     * @throws InterruptedException if interrupted while parked without a watcher.
     */
    void awaitChange(final Object blocker, final long timeoutNanos) throws InterruptedException
    {
        final long start = System.nanoTime();
        final long deadline = saturatedAdd(start, Math.max(0, timeoutNanos));
        if (!(blocker instanceof Blocker) || !((Blocker)blocker).identityKnown())
        {
            LockSupport.parkNanos(this, blindWait(timeoutNanos));
            if (Thread.interrupted())
            {
                throw new InterruptedException("interrupted while waiting for the lock store");
            }
            return;
        }
        final Blocker b = (Blocker)blocker;
        final ChangeWatcher w = watcher();
        final CompletableFuture<Void> f = w.subscribe(b.dir);
        final PosixStat st = new PosixStat();
        try
        {
            long backoff = BACKOFF_MIN_NANOS;
            for (;;)
            {
                final long wait = step(b, st, deadline, backoff);
                if (wait == DONE)
                {
                    return;
                }
                if (f != null)
                {
                    try
                    {
                        f.get(wait, TimeUnit.NANOSECONDS);
                        return;
                    }
                    catch (final TimeoutException e)
                    {
                        // Poll the blocker (a killed holder makes no event).
                    }
                    catch (final ExecutionException e)
                    {
                        return;
                    }
                }
                else
                {
                    LockSupport.parkNanos(this, wait);
                    if (Thread.interrupted())
                    {
                        throw new InterruptedException("interrupted while waiting for " + b);
                    }
                }
                backoff = nextBackoff(backoff);
            }
        }
        finally
        {
            w.unsubscribe(b.dir, f);
        }
    }

    /**
     * A future completed when {@code blocker} changes or the timeout passes; parks no thread (B4).
     */
    CompletableFuture<Void> onChange(final Object blocker, final long timeoutNanos)
    {
        final CompletableFuture<Void> result = new CompletableFuture<>();
        final long deadline = saturatedAdd(System.nanoTime(), Math.max(0, timeoutNanos));
        if (!(blocker instanceof Blocker) || !((Blocker)blocker).identityKnown())
        {
            scheduler().schedule(() -> result.complete(null), blindWait(timeoutNanos), TimeUnit.NANOSECONDS);
            return result;
        }
        new AsyncWait((Blocker)blocker, deadline, result).start();
        return result;
    }

    /**
     * Why file-system notification is unavailable, or null when it is (or has not been tried yet).
     *
     * @return the reason, or null.
     */
    String unavailableReason()
    {
        final ChangeWatcher w = watcher;
        return w != null && !w.isAvailable() ? w.unavailableReason() : null;
    }

    /** Stops the watcher and the poller thread. */
    void close()
    {
        final ChangeWatcher w = watcher;
        if (w != null)
        {
            w.close();
        }
        final ScheduledThreadPoolExecutor s = scheduler;
        if (s != null)
        {
            s.shutdownNow();
        }
    }

    /**
     * One step of a wait (B3): {@link #DONE} when the blocker changed (B1) or the deadline passed,
     * else how long to wait for a notification before the next step (B2).
     */
    private long step(final Blocker b, final PosixStat st, final long deadline, final long backoff)
    {
        if (blockerChanged(b, st))
        {
            return DONE;
        }
        final long remaining = deadline - System.nanoTime();
        if (remaining <= 0)
        {
            return DONE;
        }
        return Math.min(remaining, jitter(backoff));
    }

    private boolean blockerChanged(final Blocker b, final PosixStat st)
    {
        final int rc = fs.lstat(b.file, st);
        if (rc == -Errno.ENOENT || rc == -Errno.ENOTDIR)
        {
            return true;
        }
        if (rc < 0)
        {
            return false;
        }
        if (st.dev() != b.dev || st.ino() != b.ino || st.size() != b.size || st.mtimeNanos() != b.mtimeNanos)
        {
            return true;
        }
        if (b.token == null)
        {
            return false;
        }
        if (b.token.origin() == LockTokenDescriptor.Origin.FLOCK && ctx.flock)
        {
            final int fd = fs.openRead(b.file, new PosixStat());
            if (fd < 0)
            {
                return fd == -Errno.ENOENT;
            }
            try
            {
                return posix.flock(fd, Posix.LOCK_EX | Posix.LOCK_NB) == 0;
            }
            finally
            {
                posix.close(fd);
            }
        }
        return ctx.judge.judge(b.token, st, posix, -1, false).stale();
    }

    /** An {@link #onChange} wait: no thread parked; polls run on the poller thread. */
    private final class AsyncWait implements Runnable
    {
        private final Blocker blocker;
        private final long deadline;
        private final CompletableFuture<Void> result;
        private final PosixStat st = new PosixStat();
        private CompletableFuture<Void> watch;
        private ScheduledFuture<?> next;
        private long backoff = BACKOFF_MIN_NANOS;

        AsyncWait(final Blocker blocker, final long deadline, final CompletableFuture<Void> result)
        {
            this.blocker = blocker;
            this.deadline = deadline;
            this.result = result;
        }

        void start()
        {
            final ChangeWatcher w = watcher();
            watch = w.subscribe(blocker.dir);
            if (watch != null)
            {
                watch.thenRun(() -> result.complete(null));
            }
            result.whenComplete((v, ex) ->
            {
                w.unsubscribe(blocker.dir, watch);
                synchronized (this)
                {
                    if (next != null)
                    {
                        next.cancel(false);
                    }
                }
            });
            run();
        }

        @Override
        public void run()
        {
            if (result.isDone())
            {
                return;
            }
            final long wait;
            try
            {
                wait = ctx.isClosed() ? DONE : step(blocker, st, deadline, backoff);
            }
            catch (final RuntimeException e)
            {
                result.complete(null);
                return;
            }
            if (wait == DONE)
            {
                result.complete(null);
                return;
            }
            backoff = nextBackoff(backoff);
            synchronized (this)
            {
                if (!result.isDone())
                {
                    next = scheduler().schedule(this, wait, TimeUnit.NANOSECONDS);
                }
            }
        }
    }

    private ChangeWatcher watcher()
    {
        ChangeWatcher w = watcher;
        if (w == null)
        {
            synchronized (this)
            {
                w = watcher;
                if (w == null)
                {
                    w = new ChangeWatcher("pathlock-file-watcher");
                    watcher = w;
                    if (ctx.isClosed())
                    {
                        w.close();
                    }
                }
            }
        }
        return w;
    }

    private ScheduledThreadPoolExecutor scheduler()
    {
        ScheduledThreadPoolExecutor s = scheduler;
        if (s == null)
        {
            synchronized (this)
            {
                s = scheduler;
                if (s == null)
                {
                    s = new ScheduledThreadPoolExecutor(1, r ->
                    {
                        final Thread t = new Thread(r, "pathlock-file-poller");
                        t.setDaemon(true);
                        return t;
                    });
                    s.setRemoveOnCancelPolicy(true);
                    scheduler = s;
                }
            }
        }
        return s;
    }

    /** How long to wait for a blocker this store cannot watch (not a {@link Blocker}). */
    private static long blindWait(final long timeoutNanos)
    {
        return Math.min(Math.max(0, timeoutNanos), jitter(BACKOFF_MAX_NANOS));
    }

    private static long nextBackoff(final long backoff)
    {
        return Math.min(backoff * 2, BACKOFF_MAX_NANOS);
    }

    private static long jitter(final long nanos)
    {
        return nanos / 2 + ThreadLocalRandom.current().nextLong(nanos / 2 + 1);
    }

    private static long saturatedAdd(final long a, final long b)
    {
        final long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}

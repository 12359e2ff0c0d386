package io.pathlock.host;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The asynchronous waits of a {@link HostLockStore} on host-table blockers ({@code LockStore#onChange}),
 * served by one daemon thread per store, started at the first wait, so that no thread is parked per
 * waiter.
 *
 * <p>The host table can only wait on one blocker at a time ({@link HostSession#await}), so the thread:
 * <ol>
 *   <li><b>HW1 — the oldest wait is woken by the table.</b> It waits on the blocker of the oldest
 *   pending wait (a futex on its wake stripe where the native library is loaded), bounded by the
 *   earliest due time below; an early return (a release on its node, or a dead session recovered)
 *   completes every pending wait, since waiters on the same node are likely free now too (the
 *   others retry once: spurious returns are allowed).</li>
 *   <li><b>HW2 — every other wait is checked periodically.</b> Each wait is due at its deadline or one
 *   poll interval (the table's liveness-check interval) after it was registered, whichever is first;
 *   a due wait is completed (normally: the SPI allows spurious returns, the manager retries, and a
 *   refused retry registers a new wait). So a waiter other than the oldest learns of a release within
 *   one poll interval.</li>
 *   <li><b>HW3 — nothing is lost at close.</b> Closing completes every pending wait (the retry then
 *   fails on the closed store, which the caller sees); a failure of the table's wait is counted and
 *   completes the waits instead of stopping the thread.</li>
 * </ol>
 *
 * <p>Thread-safety: thread-safe.
 */
final class HostStoreWaiter implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger("io.pathlock.host");

    private static final class Wait
    {
        final HostSession.Blocker blocker;
        final long due;
        final CompletableFuture<Void> future = new CompletableFuture<>();

        Wait(final HostSession.Blocker blocker, final long due)
        {
            this.blocker = blocker;
            this.due = due;
        }
    }

    private final HostSession session;
    private final long pollNanos;
    private final String name;
    private final List<Wait> waits = new ArrayList<>();
    private final AtomicLong errors = new AtomicLong();
    private Thread thread;
    private boolean closed;

    HostStoreWaiter(final HostSession session, final long pollNanos, final String name)
    {
        this.session = session;
        this.pollNanos = Math.max(1, pollNanos);
        this.name = name;
    }

    /**
     * A future completed when the blocker may have changed or the timeout passed (HW1, HW2).
     *
     * @param blocker      a table blocker of this store's session.
     * @param timeoutNanos most time to wait.
     * @return the future; completed at once for a timeout of zero or less, or a closed waiter.
     */
    CompletableFuture<Void> onChange(final HostSession.Blocker blocker, final long timeoutNanos)
    {
        if (timeoutNanos <= 0)
        {
            return CompletableFuture.completedFuture(null);
        }
        final long now = System.nanoTime();
        final Wait w = new Wait(blocker, now + Math.min(timeoutNanos, pollNanos));
        synchronized (this)
        {
            if (closed)
            {
                return CompletableFuture.completedFuture(null);
            }
            waits.add(w);
            if (thread == null)
            {
                thread = new Thread(this::run, "pathlock-host-waiter " + name);
                thread.setDaemon(true);
                thread.start();
            }
            notifyAll();
        }
        return w.future;
    }

    /**
     * How many waits are pending now.
     *
     * @return the count.
     */
    synchronized int pending()
    {
        return waits.size();
    }

    /**
     * How many times the table's wait failed (each completed the pending waits).
     *
     * @return the count.
     */
    long errorCount()
    {
        return errors.get();
    }

    private void run()
    {
        final List<Wait> ready = new ArrayList<>();
        for (;;)
        {
            final Wait oldest;
            final long waitNanos;
            synchronized (this)
            {
                while (waits.isEmpty() && !closed)
                {
                    try
                    {
                        wait();
                    }
                    catch (final InterruptedException e)
                    {
                        // Only close() interrupts this thread; the loop sees closed.
                    }
                }
                if (closed)
                {
                    ready.addAll(waits);
                    waits.clear();
                    completeAll(ready);
                    return;
                }
                final long now = System.nanoTime();
                long next = Long.MAX_VALUE;
                for (int i = waits.size() - 1; i >= 0; i--)
                {
                    final Wait w = waits.get(i);
                    if (w.future.isDone() || now - w.due >= 0)
                    {
                        ready.add(waits.remove(i));
                    }
                    else
                    {
                        next = Math.min(next, w.due - now);
                    }
                }
                oldest = waits.isEmpty() ? null : waits.get(0);
                waitNanos = next;
            }
            completeAll(ready);
            if (oldest == null)
            {
                continue;
            }
            boolean early = false;
            try
            {
                final long t0 = System.nanoTime();
                session.await(oldest.blocker, waitNanos);
                early = System.nanoTime() - t0 < waitNanos;
            }
            catch (final InterruptedException e)
            {
                // close() interrupts: the loop sees closed and completes everything (HW3).
            }
            catch (final RuntimeException e)
            {
                // HW3: count and report, complete the waits (the retries see the failure), keep going.
                errors.incrementAndGet();
                LOG.log(System.Logger.Level.WARNING, "pathlock: waiting on the host table failed: " + e, e);
                synchronized (this)
                {
                    ready.addAll(waits);
                    waits.clear();
                }
                completeAll(ready);
                continue;
            }
            if (early)
            {
                synchronized (this)
                {
                    ready.addAll(waits);
                    waits.clear();
                }
                completeAll(ready);
            }
        }
    }

    private static void completeAll(final List<Wait> ready)
    {
        for (final Wait w : ready)
        {
            w.future.complete(null);
        }
        ready.clear();
    }

    /** Completes every pending wait and stops the thread (HW3). Idempotent. */
    @Override
    public void close()
    {
        final Thread t;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            t = thread;
            notifyAll();
            if (t == null)
            {
                final List<Wait> ready = new ArrayList<>(waits);
                waits.clear();
                completeAll(ready);
            }
        }
        if (t != null)
        {
            t.interrupt();
            try
            {
                t.join(5_000);
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
        }
    }
}

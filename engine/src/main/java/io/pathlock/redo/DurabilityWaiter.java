package io.pathlock.redo;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits for one record to become durable. The producer sets {@link #position} (the record's absolute
 * position in the ring) before committing the record; the writer completes the waiter once its batch
 * has been written and synced, or has failed. Completion is a compare-and-set, so the writer and a
 * producer that finds the writer terminated may both try: the first wins.
 */
abstract class DurabilityWaiter
{
    static final Object SUCCESS = new Object();

    private static final AtomicReferenceFieldUpdater<DurabilityWaiter, Object> RESULT_UPDATER =
        AtomicReferenceFieldUpdater.newUpdater(DurabilityWaiter.class, Object.class, "result");

    long position;
    volatile Object result;

    final boolean complete(final RedoLogException error)
    {
        if (RESULT_UPDATER.compareAndSet(this, null, null == error ? SUCCESS : error))
        {
            onComplete();
            return true;
        }
        return false;
    }

    abstract void onComplete();

    /**
     * A producer thread parked until its record is durable; reused for every append of that thread.
     */
    static final class Blocking extends DurabilityWaiter
    {
        final Thread thread = Thread.currentThread();

        void reset()
        {
            result = null;
        }

        void onComplete()
        {
            LockSupport.unpark(thread);
        }
    }

    /**
     * A future completed on an executor, so that dependent stages never run on the writer thread.
     */
    static final class Async extends DurabilityWaiter implements Runnable
    {
        final CompletableFuture<RedoTicket> future = new CompletableFuture<>();
        private final Executor executor;
        private final RedoTicket ticket;

        Async(final Executor executor, final RedoTicket ticket)
        {
            this.executor = executor;
            this.ticket = ticket;
        }

        void onComplete()
        {
            try
            {
                executor.execute(this);
            }
            catch (final RuntimeException ex)
            {
                run();
            }
        }

        public void run()
        {
            final Object value = result;
            if (value == SUCCESS)
            {
                future.complete(ticket);
            }
            else
            {
                future.completeExceptionally(RedoLog.copyForCaller((RedoLogException)value));
            }
        }
    }
}

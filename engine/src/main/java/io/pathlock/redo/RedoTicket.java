package io.pathlock.redo;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * Proof that a task's BEGIN record is durable. Call {@link #done()} when the task's work has
 * finished; until then, a crash makes recovery replay the task.
 * <p>
 * Thread-safe and not bound to the thread that began the task: {@code done()} may be called from
 * any thread, and only its first call has an effect.
 */
public final class RedoTicket
{
    private static final AtomicIntegerFieldUpdater<RedoTicket> DONE_UPDATER =
        AtomicIntegerFieldUpdater.newUpdater(RedoTicket.class, "done");

    private final RedoLog log;
    private final long taskId;
    private final String type;
    private volatile int done;

    RedoTicket(final RedoLog log, final long taskId, final String type)
    {
        this.log = log;
        this.taskId = taskId;
        this.type = type;
    }

    /**
     * @return id of the task, unique within the redo directory.
     */
    public long taskId()
    {
        return taskId;
    }

    /**
     * @return task type.
     */
    public String type()
    {
        return type;
    }

    /**
     * @return whether {@link #done()} has been called.
     */
    public boolean isDone()
    {
        return done != 0;
    }

    /**
     * Records that the task is complete. Does not wait for the DONE record to be durable: if it is
     * lost in a crash the task is replayed, which its handler must tolerate. Later calls do nothing.
     *
     * @throws RedoLogFullException if the ring is full and the log is configured to fail.
     * @throws RedoLogException     if the log is closed or has stopped after a sync failure (the task
     *                              then stays pending and is replayed after the log is reopened).
     */
    public void done()
    {
        if (DONE_UPDATER.compareAndSet(this, 0, 1))
        {
            try
            {
                log.appendDone(taskId);
            }
            catch (final RuntimeException ex)
            {
                done = 0;
                throw ex;
            }
        }
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "RedoTicket{taskId=" + taskId + ", type=" + type + ", done=" + isDone() + "}";
    }
}

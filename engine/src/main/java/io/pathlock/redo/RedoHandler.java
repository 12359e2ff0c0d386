package io.pathlock.redo;

/**
 * Replays a task of one type after a crash. Registered with
 * {@link RedoLog#registerHandler(String, RedoHandler)}.
 * <p>
 * A handler must be idempotent: a task may be replayed although its work had finished (its DONE
 * record need not be durable), and a task whose {@code begin} failed may still be replayed. It runs
 * on a replay thread; it should respond to interruption, which is how a timed-out attempt is
 * cancelled.
 */
@FunctionalInterface
public interface RedoHandler
{
    /**
     * Redoes the task.
     *
     * @param task the task to redo.
     * @throws Exception if the attempt failed; it is retried until the attempt limit, then the task is
     *                   quarantined.
     */
    void replay(RedoTask task) throws Exception;
}

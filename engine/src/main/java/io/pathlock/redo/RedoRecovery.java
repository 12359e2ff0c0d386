package io.pathlock.redo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One recovery pass, run on its own thread: replays tasks one at a time in task-id order.
 * <ol>
 * <li>A task is marked done (DONE record) only after its handler returned normally.</li>
 * <li>An attempt that throws or outlives the timeout counts as failed; a timed-out attempt is
 *     cancelled by interrupting its replay thread.</li>
 * <li>After the last failed attempt the task is quarantined with a durable QUARANTINE record before
 *     the pass moves on, so it is never silently dropped and not retried on the next open.</li>
 * <li>A task without a handler is left pending and reported.</li>
 * </ol>
 */
final class RedoRecovery implements Runnable
{
    private static final AtomicInteger REPLAY_THREAD_IDS = new AtomicInteger();

    private final RedoLog log;
    private final RedoLogConfig config;
    private final RedoStats stats;
    private final Map<String, RedoHandler> handlers;
    private final List<RedoTask> tasks;
    private final List<RedoTaskInfo> quarantined;
    private final CompletableFuture<RecoveryReport> result;
    private volatile boolean stopped;
    private volatile Thread thread;

    RedoRecovery(
        final RedoLog log,
        final RedoLogConfig config,
        final RedoStats stats,
        final Map<String, RedoHandler> handlers,
        final List<RedoTask> tasks,
        final List<RedoTaskInfo> alreadyQuarantined,
        final CompletableFuture<RecoveryReport> result)
    {
        this.log = log;
        this.config = config;
        this.stats = stats;
        this.handlers = handlers;
        this.tasks = tasks;
        this.quarantined = new ArrayList<>(alreadyQuarantined);
        this.result = result;
    }

    void stop()
    {
        stopped = true;
        final Thread t = thread;
        if (null != t)
        {
            t.interrupt();
        }
    }

    public void run()
    {
        thread = Thread.currentThread();
        final ThreadFactory factory = config.threadFactory();
        final ExecutorService replayPool = Executors.newCachedThreadPool((runnable) ->
        {
            final Thread t = factory.newThread(runnable);
            t.setName("pathlock-redo-replay-" + REPLAY_THREAD_IDS.incrementAndGet());
            return t;
        });

        final List<Long> replayed = new ArrayList<>();
        final List<RedoTaskInfo> unhandled = new ArrayList<>();
        long failedAttempts = 0;
        try
        {
            for (final RedoTask task : tasks)
            {
                if (stopped)
                {
                    throw new RedoLogException("redo log " + config.directory() + " was closed during recovery");
                }

                final RedoHandler handler = handlers.get(task.type());
                if (null == handler)
                {
                    unhandled.add(info(task, RedoTaskState.PENDING, "no handler registered for type " + task.type()));
                    continue;
                }

                String lastError = null;
                boolean succeeded = false;
                final int attempts = config.replayAttempts();
                for (int attempt = 1; attempt <= attempts && !succeeded; attempt++)
                {
                    final RedoTask attemptTask = task.withAttempt(attempt);
                    final Future<?> future = replayPool.submit(() ->
                    {
                        handler.replay(attemptTask);
                        return null;
                    });
                    try
                    {
                        future.get(config.replayTimeout().toNanos(), TimeUnit.NANOSECONDS);
                        succeeded = true;
                    }
                    catch (final TimeoutException ex)
                    {
                        future.cancel(true);
                        lastError = "attempt " + attempt + " timed out after " + config.replayTimeout().toMillis() + " ms";
                        stats.timedOutAttempts.incrementAndGet();
                    }
                    catch (final ExecutionException ex)
                    {
                        lastError = "attempt " + attempt + " failed: " + ex.getCause();
                    }
                    catch (final InterruptedException ex)
                    {
                        future.cancel(true);
                        throw new RedoLogException("redo recovery of " + config.directory() + " was interrupted");
                    }

                    if (!succeeded)
                    {
                        failedAttempts++;
                        stats.failedAttempts.incrementAndGet();
                        if (attempt < attempts)
                        {
                            pause(config.replayRetryDelay().toMillis());
                        }
                    }
                }

                if (succeeded)
                {
                    log.appendDone(task.taskId());
                    replayed.add(task.taskId());
                    stats.replayed.incrementAndGet();
                }
                else
                {
                    final String reason = "quarantined after " + attempts + " attempts; last: " + lastError;
                    RedoLog.LOG.log(System.Logger.Level.WARNING, "pathlock: redo task {0} of type {1} in {2} {3}",
                        task.taskId(), task.type(), config.directory(), reason);
                    log.appendQuarantine(task.taskId(), task.type(), reason);
                    quarantined.add(info(task, RedoTaskState.QUARANTINED, reason));
                    stats.quarantined.incrementAndGet();
                }
            }

            stats.unhandled.set(unhandled.size());
            quarantined.sort((a, b) -> Long.compare(a.taskId(), b.taskId()));
            final RecoveryReport report = new RecoveryReport(replayed, quarantined, unhandled, failedAttempts);
            if (!unhandled.isEmpty())
            {
                RedoLog.LOG.log(System.Logger.Level.WARNING, "pathlock: {0} redo task(s) in {1} stay pending: no"
                    + " handler is registered for their type ({2}); register one and call startRecovery() again",
                    unhandled.size(), config.directory(), unhandledTypes(unhandled));
            }
            if (!tasks.isEmpty() || !quarantined.isEmpty())
            {
                RedoLog.LOG.log(System.Logger.Level.INFO, "pathlock redo recovery of {0} finished: {1}",
                    config.directory(), report);
            }
            result.complete(report);
        }
        catch (final Throwable ex)
        {
            if (!stopped)
            {
                RedoLog.LOG.log(System.Logger.Level.WARNING, "pathlock: redo recovery of " + config.directory() +
                    " failed; the tasks not yet replayed stay pending", ex);
            }
            result.completeExceptionally(ex);
        }
        finally
        {
            replayPool.shutdownNow();
        }
    }

    private static String unhandledTypes(final List<RedoTaskInfo> unhandled)
    {
        final java.util.Set<String> types = new java.util.TreeSet<>();
        for (final RedoTaskInfo info : unhandled)
        {
            types.add(info.type());
        }
        return String.join(", ", types);
    }

    private void pause(final long millis)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        long remaining;
        while (!stopped && (remaining = deadline - System.nanoTime()) > 0)
        {
            java.util.concurrent.locks.LockSupport.parkNanos(this, remaining);
        }
    }

    private RedoTaskInfo info(final RedoTask task, final RedoTaskState state, final String reason)
    {
        final RedoTaskInfo recovered = log.recoveredInfo(task.taskId());
        return new RedoTaskInfo(task.taskId(), task.type(), state, null == recovered ? null : recovered.segment(),
            null == recovered ? -1 : recovered.offset(), task.payloadLength(), reason);
    }
}

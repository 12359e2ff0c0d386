package io.pathlock.redo;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Child JVM of {@link RedoWithoutJvmFlagsTest}: started with no {@code --add-exports} or
 * {@code --add-opens}; opens a redo log, begins three tasks and completes two, closes it, opens it
 * again and replays the pending task through recovery. Prints {@code NOFLAG-OK <taskId>} on success;
 * any failure (such as Agrona 2.x's {@code IllegalAccessError} from {@code UnsafeApi}) escapes main
 * and makes the exit code non-zero, with the stack trace on stderr.
 */
public final class RedoNoFlagChild
{
    private RedoNoFlagChild()
    {
    }

    /**
     * @param args redo directory.
     * @throws Exception on any failure.
     */
    public static void main(final String[] args) throws Exception
    {
        final List<String> jvmArgs = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (final String a : jvmArgs)
        {
            if (a.startsWith("--add-exports") || a.startsWith("--add-opens") || a.startsWith("--illegal-access"))
            {
                throw new IllegalStateException("the child must run without JVM flags, got " + jvmArgs);
            }
        }
        if (Object.class.getModule().isExported("jdk.internal.misc", RedoNoFlagChild.class.getModule()))
        {
            throw new IllegalStateException("jdk.internal.misc is exported to this class: the test proves nothing");
        }

        final Path dir = Path.of(args[0]);
        final long pending;
        try (RedoLog log = RedoLog.open(new RedoLogConfig().directory(dir)))
        {
            log.begin("t", "done-1".getBytes(StandardCharsets.UTF_8)).done();
            pending = log.begin("t", "pending".getBytes(StandardCharsets.UTF_8)).taskId();
            log.begin("t", "done-2".getBytes(StandardCharsets.UTF_8)).done();
        }

        try (RedoLog log = RedoLog.open(new RedoLogConfig().directory(dir)))
        {
            final StringBuilder replayed = new StringBuilder();
            log.registerHandler("t", task ->
            {
                synchronized (replayed)
                {
                    replayed.append(task.taskId()).append('=')
                        .append(new String(task.payload(), StandardCharsets.UTF_8)).append(';');
                }
            });
            final RecoveryReport report = log.startRecovery().get(30, TimeUnit.SECONDS);
            final String expected = pending + "=pending;";
            synchronized (replayed)
            {
                if (!replayed.toString().equals(expected) || !report.replayed().equals(List.of(pending)))
                {
                    throw new IllegalStateException("expected to replay " + expected + " got " + replayed + ", " + report);
                }
            }
        }
        System.out.println("NOFLAG-OK " + pending);
    }
}

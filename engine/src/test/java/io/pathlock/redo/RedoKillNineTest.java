package io.pathlock.redo;

import static io.pathlock.redo.RedoTestSupport.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a child JVM in the middle of concurrent appends (with segments rolling and being
 * compacted): every {@code begin} the child acknowledged, and did not mark done, is recovered and
 * replayed exactly once, with its payload.
 */
class RedoKillNineTest
{
    private static final Pattern ACK = Pattern.compile("ACK (\\d+) (\\S+) END");
    private static final Pattern DONE = Pattern.compile("DONE (\\d+) END");

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedBeginIsReplayedAfterSigkill() throws Exception
    {
        for (int round = 0; round < 2; round++)
        {
            runRound(dir.resolve("round-" + round), 400 + round * 300);
        }
    }

    private void runRound(final Path redoDir, final int acksBeforeKill) throws Exception
    {
        final String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        final Process child = new ProcessBuilder(
            java,
            "-cp", System.getProperty("java.class.path"),
            RedoKillChild.class.getName(),
            redoDir.toString(),
            "8")
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();

        final Map<Long, String> acked = new HashMap<>();
        final Set<Long> done = new HashSet<>();
        try (BufferedReader reader = new BufferedReader(
            new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while (acked.size() < acksBeforeKill && null != (line = reader.readLine()))
            {
                record(line, acked, done);
            }
            // SIGKILL in the middle of the appends. The JDK closes our end of the pipe, so
            // acknowledgements still in it are not read: only those read so far are checked.
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        finally
        {
            child.destroyForcibly();
        }
        assertTrue(acked.size() >= acksBeforeKill, "child acknowledged " + acked.size());

        final Map<Long, String> replayed = new ConcurrentHashMap<>();
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(redoDir)))
        {
            log.registerHandler("kill", (task) ->
            {
                if (null != replayed.put(task.taskId(), string(task.payload())))
                {
                    throw new AssertionError("replayed twice: " + task);
                }
            });
            final RecoveryReport report = log.startRecovery().get(60, TimeUnit.SECONDS);
            assertEquals(0, report.quarantined().size());
            assertEquals(0, report.unhandled().size());
        }

        int mustReplay = 0;
        for (final Map.Entry<Long, String> ack : acked.entrySet())
        {
            // The child calls done() on every third task (sequence % 3 == 0) right after printing its
            // ACK, so such a task may be done although its DONE line was not read before the kill.
            final int seq = Integer.parseInt(ack.getValue().split(":")[1]);
            final boolean mayBeDone = seq % 3 == 0;
            if (!mayBeDone)
            {
                mustReplay++;
                assertEquals(ack.getValue(), replayed.get(ack.getKey()), "acknowledged task " + ack.getKey());
            }
            else if (replayed.containsKey(ack.getKey()))
            {
                assertEquals(ack.getValue(), replayed.get(ack.getKey()), "payload of task " + ack.getKey());
            }
        }
        for (final Long id : replayed.keySet())
        {
            assertTrue(!acked.containsKey(id) || acked.get(id).equals(replayed.get(id)), "payload of " + id);
        }
        assertTrue(mustReplay > acksBeforeKill / 2);

        // Replayed tasks are done now: a second open finds nothing to replay.
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(redoDir)))
        {
            assertEquals(0, log.recoveredTasks().size());
        }
    }

    private static void record(final String line, final Map<Long, String> acked, final Set<Long> done)
    {
        final Matcher ack = ACK.matcher(line);
        if (ack.matches())
        {
            acked.put(Long.parseLong(ack.group(1)), ack.group(2));
            return;
        }
        final Matcher d = DONE.matcher(line);
        if (d.matches())
        {
            done.add(Long.parseLong(d.group(1)));
        }
    }
}

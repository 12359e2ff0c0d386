package io.pathlock.redo;

import io.pathlock.LogCapture;
import static io.pathlock.redo.RedoTestSupport.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, item 6 for the redo log: one INFO line when a log opens, a WARNING for a repaired torn
 * tail, a quarantined task and a type without handler, an INFO line when recovery replayed something,
 * and an ERROR when a failed sync stops the log. The lines are captured through
 * {@code java.util.logging}, the JDK's default {@code System.Logger} backend.
 */
class RedoLoggingTest
{
    @TempDir
    Path dir;

    static List<String> capture(final Callable<?> action) throws Exception
    {
        return LogCapture.capture(Level.ALL, action);
    }

    private static List<String> matching(final List<String> lines, final String prefix)
    {
        return lines.stream().filter(l -> l.startsWith(prefix)).toList();
    }

    @Test
    void openLogsOneLineWithWhatItFound() throws Exception
    {
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            log.begin("t", bytes("pending"));
            log.begin("t", bytes("done")).done();
        }
        final List<String> lines = capture(() ->
        {
            RedoLog.open(RedoTestSupport.config(dir)).close();
            return null;
        });
        final List<String> open = matching(lines, "INFO io.pathlock.redo pathlock redo log opened: " + dir);
        assertEquals(1, open.size(), lines::toString);
        assertTrue(open.get(0).contains("1 pending and 0 quarantined task(s) from before"), open::toString);
        assertEquals(List.of(), matching(lines, "WARNING"), "a clean open warns about nothing");
    }

    @Test
    void aRepairedTornTailIsAWarning() throws Exception
    {
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            log.begin("t", bytes("one"));
            log.begin("t", bytes("two"));
        }
        final Path segment = RedoTestSupport.segmentFiles(dir).get(0);
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE))
        {
            ch.truncate(ch.size() - 3);
        }
        final List<String> lines = capture(() ->
        {
            RedoLog.open(RedoTestSupport.config(dir)).close();
            return null;
        });
        final List<String> warn = matching(lines, "WARNING io.pathlock.redo pathlock: redo segment " + segment);
        assertEquals(1, warn.size(), lines::toString);
        assertTrue(warn.get(0).contains("torn tail at offset"), warn::toString);
    }

    @Test
    void recoveryLogsQuarantinedAndUnhandledTasks() throws Exception
    {
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            log.begin("poison", bytes("p"));
            log.begin("orphan", bytes("o"));
            log.begin("ok", bytes("k"));
        }
        final List<String> lines = capture(() ->
        {
            try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir).replayAttempts(1)))
            {
                log.registerHandler("poison", task ->
                {
                    throw new IllegalStateException("cannot redo");
                });
                log.registerHandler("ok", task -> { });
                return log.startRecovery().get(30, TimeUnit.SECONDS);
            }
        });
        assertEquals(1, matching(lines, "WARNING io.pathlock.redo pathlock: redo task 1 of type poison").size(),
            lines::toString);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("WARNING io.pathlock.redo pathlock: 1 redo task(s)")
            && l.contains("no handler is registered for their type (orphan)")), lines::toString);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("INFO io.pathlock.redo pathlock redo recovery of")
            && l.contains("replayed=1, quarantined=1, unhandled=1")), lines::toString);
    }

    @Test
    void aFailedSyncThatStopsTheLogIsAnError() throws Exception
    {
        final RedoTestSupport.FaultyStorage storage = new RedoTestSupport.FaultyStorage();
        final List<String> lines = capture(() ->
        {
            try (RedoLog log = RedoLog.open(RedoTestSupport.manualConfig(dir).storage(storage)))
            {
                storage.failSync = true;
                final CompletableFuture<RedoTicket> a = log.beginAsync("t", bytes("a"));
                RedoTestSupport.drain(log);
                assertTrue(a.isCompletedExceptionally());
            }
            return null;
        });
        final List<String> errors = matching(lines, "ERROR");
        assertEquals(List.of(), errors, "JUL has no ERROR level: System.Logger ERROR is SEVERE");
        final List<String> severe = matching(lines, "SEVERE io.pathlock.redo pathlock: data sync of redo segment");
        assertEquals(1, severe.size(), lines::toString);
        assertTrue(severe.get(0).contains("stopped accepting records"), severe::toString);
    }

}

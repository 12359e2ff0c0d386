package io.pathlock;

import io.pathlock.core.LockRequest;
import io.pathlock.redo.RecoveryReport;
import io.pathlock.redo.RedoLog;
import io.pathlock.redo.RedoLogConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The manager starts redo recovery in the background when it is built, and closes the log. */
class LockManagerRedoTest
{
    @Test
    void pendingTasksAreReplayedWhenTheManagerStarts(@TempDir final Path dir) throws Exception
    {
        try (RedoLog log = RedoLog.open(new RedoLogConfig().directory(dir)))
        {
            log.begin("mv", "/a/x->/b".getBytes(StandardCharsets.UTF_8));
            log.begin("mv", "/c->/d".getBytes(StandardCharsets.UTF_8)).done();
        }

        final List<String> replayed = new CopyOnWriteArrayList<>();
        final RedoLog log = RedoLog.open(new RedoLogConfig().directory(dir));
        log.registerHandler("mv", task -> replayed.add(new String(task.payload(), StandardCharsets.UTF_8)));
        try (LockManager manager = LockManager.builder().startAgent(false).redoLog(log).build())
        {
            final RecoveryReport report = manager.redoRecovery().get(60, TimeUnit.SECONDS);
            assertEquals(1, report.replayed().size(), report.toString());
            assertEquals(List.of("/a/x->/b"), replayed);
            try (LockHandle h = manager.open("after"))
            {
                h.tryAcquire(LockRequest.mv("/a/x", "/b", true));
            }
        }
        assertThrows(RuntimeException.class, () -> log.begin("mv", new byte[1]), "the manager closed the log");
    }

    @Test
    void managerWithoutRedoLogSaysSo()
    {
        try (LockManager manager = LockManager.builder().startAgent(false).build())
        {
            final IllegalStateException e = assertThrows(IllegalStateException.class, manager::redoRecovery);
            assertEquals("this lock manager was built without a redo log (Builder.redoLog)", e.getMessage());
        }
    }
}

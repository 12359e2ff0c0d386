package io.pathlock.redo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A FIFO where the redo log expects a segment or its lock file must be refused by name, never
 * opened (java.nio would block forever in {@code open}): the file-store issue's fault 1 for
 * {@code redo list|recover}.
 */
class RedoFifoTest
{
    @TempDir
    Path dir;

    private void mkfifo(final Path p) throws Exception
    {
        final Process proc = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        assertTrue(proc.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, proc.exitValue());
    }

    @Test
    void aFifoNamedLikeASegmentIsRefusedByNameWithoutBlocking() throws Exception
    {
        mkfifo(dir.resolve(SegmentDescriptor.fileName(1)));
        final RedoLogException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
            () -> assertThrows(RedoLogException.class, () -> RedoLogReader.read(dir)));
        assertTrue(e.getMessage().contains(SegmentDescriptor.fileName(1)), e.getMessage());
        assertTrue(e.getMessage().contains("FIFO"), e.getMessage());
        assertTimeoutPreemptively(Duration.ofSeconds(20),
            () -> assertThrows(RedoLogException.class, () -> RedoLog.open(new RedoLogConfig().directory(dir))));
    }

    @Test
    void aFifoAsTheLockFileIsRefusedByNameWithoutBlocking() throws Exception
    {
        mkfifo(dir.resolve(RedoLog.LOCK_FILE_NAME));
        final RedoLogException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
            () -> assertThrows(RedoLogException.class, () -> RedoLog.open(new RedoLogConfig().directory(dir))));
        assertTrue(e.getMessage().contains(RedoLog.LOCK_FILE_NAME), e.getMessage());
    }
}

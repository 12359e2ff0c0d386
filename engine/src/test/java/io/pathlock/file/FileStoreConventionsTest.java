package io.pathlock.file;

import io.pathlock.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 10 items 6 and 7 for the lock-file store: its start line, the nio warning, durations in seconds. */
class FileStoreConventionsTest
{
    private static List<String> capture(final Level level, final Runnable action)
    {
        try
        {
            return LogCapture.capture(level, () ->
            {
                action.run();
                return null;
            });
        }
        catch (final RuntimeException e)
        {
            throw e;
        }
        catch (final Exception e)
        {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void storeLogsOneStartLineNamingRootBackendAndDialect(@TempDir final Path root)
    {
        final List<String> lines = capture(Level.INFO, () -> FileLockStore.builder(root).build().close());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("INFO io.pathlock.file pathlock lock-file store opened: file:")
            && l.contains("dialect ragfs")), lines::toString);
    }

    @Test
    void nioBackendWarnsThatDeathDetectionDegrades(@TempDir final Path root)
    {
        final List<String> lines = capture(Level.WARNING, () -> FileLockStore.builder(root).backend("nio").build().close());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("WARNING") && l.contains("no flock")
            && l.contains("holder's locks stay until they expire")), lines::toString);
    }

    /** A bare number meant milliseconds here and seconds on the CLI; it is seconds everywhere now. */
    @Test
    void durationPropertiesFollowTheConvention(@TempDir final Path root)
    {
        System.setProperty(FileLockStore.LOCK_EXPIRE_PROP_NAME, "7");
        try
        {
            try (FileLockStore s = FileLockStore.builder(root).build())
            {
                org.junit.jupiter.api.Assertions.assertEquals(java.time.Duration.ofSeconds(7), s.lockExpire(),
                    "lockExpire=7 is seven seconds");
            }
        }
        finally
        {
            System.clearProperty(FileLockStore.LOCK_EXPIRE_PROP_NAME);
        }
        System.setProperty(FileLockStore.LOCK_EXPIRE_PROP_NAME, "seven");
        try
        {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FileLockStore.builder(root));
            assertTrue(e.getMessage().contains(FileLockStore.LOCK_EXPIRE_PROP_NAME) && e.getMessage().contains("seven"),
                e.getMessage());
        }
        finally
        {
            System.clearProperty(FileLockStore.LOCK_EXPIRE_PROP_NAME);
        }
    }
}

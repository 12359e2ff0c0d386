package io.pathlock.redo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Configuration is validated once, before start, and each bad value is named with its key.
 */
class RedoLogConfigTest
{
    @TempDir
    Path dir;

    @Test
    void defaultsAreValid()
    {
        final RedoLogConfig config = new RedoLogConfig().directory(dir).conclude();
        assertEquals(RedoLogConfig.SEGMENT_SIZE_DEFAULT, config.segmentSize());
        assertEquals(RedoLogConfig.BACK_PRESSURE_DEFAULT, config.backPressure());
    }

    @Test
    void badValuesAreNamedWithTheirKeys()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> new RedoLogConfig()
            .directory(dir)
            .segmentSize(12)
            .ringCapacity(5000)
            .replayAttempts(0)
            .conclude());
        assertTrue(ex.getMessage().contains(RedoLogConfig.SEGMENT_SIZE_PROP_NAME + "=12"), ex.getMessage());
        assertTrue(ex.getMessage().contains(RedoLogConfig.RING_CAPACITY_PROP_NAME + "=5000: must be a power of two"),
            ex.getMessage());
        assertTrue(ex.getMessage().contains(RedoLogConfig.REPLAY_ATTEMPTS_PROP_NAME + "=0"), ex.getMessage());
    }

    @Test
    void missingDirectoryIsNamed()
    {
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> new RedoLogConfig().conclude());
        assertTrue(ex.getMessage().contains(RedoLogConfig.DIR_PROP_NAME), ex.getMessage());
    }

    @Test
    void payloadMustFitTheRing()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> new RedoLogConfig().directory(dir).ringCapacity(4096).maxPayload(4096).conclude());
        assertTrue(ex.getMessage().contains(RedoLogConfig.MAX_PAYLOAD_PROP_NAME + "=4096"), ex.getMessage());
    }

    @Test
    void systemPropertiesAreReadAndUnparseableOnesReported()
    {
        System.setProperty(RedoLogConfig.SEGMENT_SIZE_PROP_NAME, "lots");
        System.setProperty(RedoLogConfig.BACK_PRESSURE_PROP_NAME, "fail");
        try
        {
            final IllegalArgumentException ex = assertThrows(
                IllegalArgumentException.class, () -> new RedoLogConfig().directory(dir).conclude());
            assertTrue(ex.getMessage().contains(RedoLogConfig.SEGMENT_SIZE_PROP_NAME + ": 'lots' is not a size"),
                ex.getMessage());
            System.clearProperty(RedoLogConfig.SEGMENT_SIZE_PROP_NAME);
            assertEquals(BackPressure.FAIL, new RedoLogConfig().directory(dir).conclude().backPressure());
        }
        finally
        {
            System.clearProperty(RedoLogConfig.SEGMENT_SIZE_PROP_NAME);
            System.clearProperty(RedoLogConfig.BACK_PRESSURE_PROP_NAME);
        }
    }

    @Test
    void propertiesFollowTheConvention()
    {
        System.setProperty(RedoLogConfig.SEGMENT_SIZE_PROP_NAME, "2m");
        System.setProperty(RedoLogConfig.REPLAY_TIMEOUT_PROP_NAME, "5");
        System.setProperty(RedoLogConfig.REPLAY_RETRY_DELAY_PROP_NAME, "250ms");
        System.setProperty(RedoLogConfig.WRITER_PARK_MAX_PROP_NAME, "PT0.0005S");
        System.setProperty(RedoLogConfig.WRITER_THREAD_PROP_NAME, "FALSE");
        try
        {
            final RedoLogConfig config = new RedoLogConfig().directory(dir).conclude();
            assertEquals(2 << 20, config.segmentSize());
            assertEquals(Duration.ofSeconds(5), config.replayTimeout(), "a bare number is seconds");
            assertEquals(Duration.ofMillis(250), config.replayRetryDelay());
            assertEquals(Duration.ofNanos(500_000), config.writerParkMax());
            assertEquals(false, config.writerThread());
        }
        finally
        {
            System.clearProperty(RedoLogConfig.SEGMENT_SIZE_PROP_NAME);
            System.clearProperty(RedoLogConfig.REPLAY_TIMEOUT_PROP_NAME);
            System.clearProperty(RedoLogConfig.REPLAY_RETRY_DELAY_PROP_NAME);
            System.clearProperty(RedoLogConfig.WRITER_PARK_MAX_PROP_NAME);
            System.clearProperty(RedoLogConfig.WRITER_THREAD_PROP_NAME);
        }
    }

    @Test
    void aBooleanOtherThanTrueOrFalseIsRefused()
    {
        System.setProperty(RedoLogConfig.WRITER_THREAD_PROP_NAME, "yes");
        try
        {
            final IllegalArgumentException ex = assertThrows(
                IllegalArgumentException.class, () -> new RedoLogConfig().directory(dir).conclude());
            assertTrue(ex.getMessage().contains(RedoLogConfig.WRITER_THREAD_PROP_NAME), ex.getMessage());
        }
        finally
        {
            System.clearProperty(RedoLogConfig.WRITER_THREAD_PROP_NAME);
        }
    }

    @Test
    void anOldKeyIsRefusedNamingItsNewSpelling()
    {
        System.setProperty("pathlock.redo.replay.timeout.ms", "50");
        try
        {
            final IllegalArgumentException ex = assertThrows(
                IllegalArgumentException.class, () -> new RedoLogConfig().directory(dir).conclude());
            assertTrue(ex.getMessage().contains("pathlock.redo.replay.timeout.ms was renamed " +
                RedoLogConfig.REPLAY_TIMEOUT_PROP_NAME), ex.getMessage());
        }
        finally
        {
            System.clearProperty("pathlock.redo.replay.timeout.ms");
        }
    }

    @Test
    void durationsOutOfRangeAreNamed()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> new RedoLogConfig()
            .directory(dir)
            .replayTimeout(Duration.ZERO)
            .replayRetryDelay(Duration.ofHours(2))
            .writerParkMax(Duration.ofNanos(10))
            .conclude());
        assertTrue(ex.getMessage().contains(RedoLogConfig.REPLAY_TIMEOUT_PROP_NAME + "=PT0S"), ex.getMessage());
        assertTrue(ex.getMessage().contains(RedoLogConfig.REPLAY_RETRY_DELAY_PROP_NAME + "=PT2H"), ex.getMessage());
        assertTrue(ex.getMessage().contains(RedoLogConfig.WRITER_PARK_MAX_PROP_NAME + "=PT0.00000001S"), ex.getMessage());
    }
}

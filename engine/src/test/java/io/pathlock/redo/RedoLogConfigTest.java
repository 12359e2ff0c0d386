package io.pathlock.redo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

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
            assertTrue(ex.getMessage().contains(RedoLogConfig.SEGMENT_SIZE_PROP_NAME + "=lots: not an integer"),
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
}

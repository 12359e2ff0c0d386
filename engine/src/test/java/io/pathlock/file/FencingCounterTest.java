package io.pathlock.file;

import io.pathlock.core.LockStoreException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link FencingCounter}: epochs and tokens never wrap into negative values silently. */
class FencingCounterTest
{
    @TempDir
    Path dir;

    private Path fenceWithWord(final long word) throws Exception
    {
        final ByteBuffer b = ByteBuffer.allocate(FencingCounter.FILE_SIZE).order(ByteOrder.nativeOrder());
        b.putLong(FencingCounter.WORD_OFFSET, word);
        b.putLong(FencingCounter.MAGIC_OFFSET, FencingCounter.MAGIC);
        final Path f = dir.resolve("fence");
        Files.write(f, b.array());
        return f;
    }

    @Test
    void theLastEpochStillGivesPositiveIncreasingTokens() throws Exception
    {
        final long lastEpoch = (1L << (63 - FencingCounter.EPOCH_SHIFT)) - 1;
        try (FencingCounter c = FencingCounter.open(fenceWithWord((lastEpoch - 1) << FencingCounter.EPOCH_SHIFT), false))
        {
            assertEquals(lastEpoch, c.openedEpoch());
            final long t1 = c.next();
            final long t2 = c.next();
            assertTrue(t1 > 0 && t2 > t1, t1 + ", " + t2);
        }
    }

    @Test
    void anExhaustedEpochFailsLoudlyInsteadOfGoingNegative() throws Exception
    {
        final long lastEpoch = (1L << (63 - FencingCounter.EPOCH_SHIFT)) - 1;
        final Path f = fenceWithWord(lastEpoch << FencingCounter.EPOCH_SHIFT);
        final LockStoreException e = assertThrows(LockStoreException.class, () -> FencingCounter.open(f, false));
        assertTrue(e.getMessage().contains("exhausted"), e.getMessage());
    }
}

package io.pathlock.file;

import io.pathlock.posix.PosixBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link GuardStripes}: the stripe count lives on disk, so differently configured processes meet. */
class GuardStripesTest
{
    @TempDir
    Path dir;

    @Test
    void theFirstOpenerRecordsTheCountAndLaterOnesUseIt()
    {
        try (GuardStripes a = new GuardStripes(PosixBackends.select(null).posix(), dir, 16, 0600);
            GuardStripes b = new GuardStripes(PosixBackends.select(null).posix(), dir, 256, 0600))
        {
            assertEquals(16, a.stripes());
            assertEquals(16, b.stripes(), "a second process configured with 256 stripes must use the recorded 16");
            for (final String f : new String[] {"/r/a/.path.ovlock", "/r/b/.exact.ovlock.x.0123456789abcdef", "/r/.path.ovlock"})
            {
                assertEquals(a.stripeOf(f), b.stripeOf(f), f);
            }
        }
    }

    @Test
    void aDamagedCountFileIsAClearError() throws Exception
    {
        Files.writeString(dir.resolve(GuardStripes.STRIPES_FILE), "seven");
        final io.pathlock.core.LockStoreException e = assertThrows(io.pathlock.core.LockStoreException.class,
            () -> new GuardStripes(PosixBackends.select(null).posix(), dir, 16, 0600));
        assertTrue(e.getMessage().contains("seven"), e.getMessage());
    }

    @Test
    void storesOnOneRootConfiguredDifferentlyShareTheGuard(@TempDir final Path root)
    {
        try (FileLockStore a = FileLockStore.builder(root).guardStripes(8).build();
            FileLockStore b = FileLockStore.builder(root).guardStripes(1024).build())
        {
            assertTrue(b.describeDetail().contains("8 guard stripes"), b.describeDetail());
        }
    }
}

package io.pathlock.bench.tree;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockStoreException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stores the tree benchmark measures are the ones it names, each with a redo log below the root. */
class TreeStoresTest
{
    @Test
    void everyStoreLocksWithARedoLogBelowTheRoot(@TempDir final Path tmp) throws Exception
    {
        for (final String name : TreeStores.NAMES)
        {
            final Path root = Files.createDirectories(tmp.resolve(name));
            Files.createDirectories(root.resolve("w"));
            try (LockManager m = TreeStores.manager(name, root))
            {
                assertNotNull(m.redoLog(), name);
                assertTrue(Files.isDirectory(root.resolve(TreeStores.REDO_DIR)), name);
                try (LockHandle h = m.lock(LockRequest.point("/w/f.bin")))
                {
                    assertEquals(1, h.locks().size(), name);
                }
            }
        }
    }

    /** docs/tree-ops.md: tree operations on the lock-file store are measured as recommended, with FAIL. */
    @Test
    void theFileStoreNeverCreatesMissingDirectories(@TempDir final Path root) throws Exception
    {
        try (LockManager m = TreeStores.manager("files", root))
        {
            final LockStoreException e = assertThrows(LockStoreException.class,
                () -> m.lock(LockRequest.point("/q/r/s")));
            assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
            assertFalse(Files.exists(root.resolve("q")), "no directory created behind the tree operations' back");
        }
    }

    @Test
    void anUnknownStoreIsRefusedByName(@TempDir final Path root)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> TreeStores.manager("disk", root));
        assertTrue(e.getMessage().contains("'disk'") && e.getMessage().contains("memory, files, host"), e.getMessage());
        assertFalse(Files.exists(root.resolve(TreeStores.REDO_DIR)), "a refused name opens nothing");
    }
}

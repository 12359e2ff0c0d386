package io.pathlock.tree;

import io.pathlock.ForwardingMemoryStore;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockStoreException;
import io.pathlock.redo.RedoLog;
import io.pathlock.redo.RedoLogConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A store that refuses a request with {@link LockStoreException} while the tree, planned again, still
 * asks for the same locks: the lock-file store does so when a directory is trashed while it publishes
 * the lock file in it and made again before the operation plans again (the concurrency oracle's F4,
 * about one run in ten on the lock-file store with MissingDirectories.FAIL). The operation asks again,
 * {@link TreeOps#STORE_REFUSAL_ATTEMPTS} times at most; a store that keeps refusing fails it with its
 * exception and nothing changed.
 */
final class TreeOpsStoreRefusalTest
{
    @TempDir
    Path dir;

    /** The memory store, refusing its first {@code refusals} publications as the lock-file store does. */
    private static final class RefusingStore extends ForwardingMemoryStore
    {
        final AtomicInteger calls = new AtomicInteger();
        private final int refusals;

        RefusingStore(final int refusals)
        {
            this.refusals = refusals;
        }

        @Override
        public boolean needsPublication()
        {
            return true;
        }

        @Override
        public PublishResult tryPublish(final String ownerId, final List<LockRequest.Entry> entries)
        {
            if (calls.incrementAndGet() <= refusals)
            {
                throw new LockStoreException("cannot publish lock file (link) /d/.path.ovlock: ENOENT (refusal "
                    + calls.get() + ")", null);
            }
            return super.tryPublish(ownerId, entries);
        }
    }

    private LockManager manager(final RefusingStore store) throws Exception
    {
        final RedoLog log = RedoLog.open(new RedoLogConfig().directory(dir.resolve("redo")));
        return LockManager.builder().store(store).startAgent(false).redoLog(log).build();
    }

    @Test
    void aRefusalOfLocksThePlanStillNeedsIsAskedAgain() throws Exception
    {
        final Path root = Files.createDirectories(dir.resolve("root/d"));
        final RefusingStore store = new RefusingStore(TreeOps.STORE_REFUSAL_ATTEMPTS - 1);
        try (LockManager locks = manager(store); TreeOps ops = TreeOps.of(locks, root.getParent()))
        {
            ops.recovery().join();
            final int before = store.calls.get();
            ops.write("/d/f", "x".getBytes(StandardCharsets.UTF_8));
            assertArrayEquals("x".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(root.resolve("f")));
            assertEquals(TreeOps.STORE_REFUSAL_ATTEMPTS, store.calls.get() - before);
        }
    }

    @Test
    void aStoreThatKeepsRefusingFailsTheOperationWithItsExceptionAndNothingChanges() throws Exception
    {
        final Path root = Files.createDirectories(dir.resolve("root/d"));
        final RefusingStore store = new RefusingStore(Integer.MAX_VALUE);
        try (LockManager locks = manager(store); TreeOps ops = TreeOps.of(locks, root.getParent()))
        {
            ops.recovery().join();
            final int before = store.calls.get();
            final LockStoreException e = assertThrows(LockStoreException.class,
                () -> ops.write("/d/f", "x".getBytes(StandardCharsets.UTF_8)));
            assertTrue(e.getMessage().contains("/d/.path.ovlock"), e.getMessage());
            assertEquals(TreeOps.STORE_REFUSAL_ATTEMPTS, store.calls.get() - before);
            try (var s = Files.list(root))
            {
                assertEquals(List.of(), s.toList());
            }
        }
    }
}

package io.pathlock;

import io.pathlock.core.LockType;
import io.pathlock.core.LockRequest;
import io.pathlock.core.HeldLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11: store I/O ran under the handle's monitor, so close(), releaseAll() and snapshots from
 * other threads waited for a publication (up to the lock-file store's race wait). With a store
 * whose publication blocks at a gate, they now return while it is in flight, and the attempt in
 * flight undoes itself (closed) or decides again (released).
 */
class HandleMonitorTest
{
    private final GatedStore store = new GatedStore();
    private final LockManager m = LockManager.builder().store(store).startAgent(false).build();

    @AfterEach
    void close()
    {
        store.open();
        m.close();
    }

    @Test
    void closeIsNotHeldUpByAPublicationInFlight() throws Exception
    {
        final LockHandle h = m.open("h");
        store.arm();
        final CompletableFuture<Void> acquiring = CompletableFuture.runAsync(() -> h.tryAcquire(LockRequest.point("/x")));
        store.awaitEntered();
        final CompletableFuture<Void> closing = CompletableFuture.runAsync(h::close);
        closing.get(30, TimeUnit.SECONDS);   // before the fix: blocked on the monitor until the gate opens
        assertFalse(acquiring.isDone());
        assertEquals(1, m.snapshot().waiters().size() + 1, "snapshot() is not blocked either");
        store.open();
        final ExecutionException e = assertThrows(ExecutionException.class, () -> acquiring.get(30, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("closed"), e.getCause().getMessage());
        assertEquals(store.published.get(), store.unpublished.get(), "the publication granted after close was removed");
        try (LockHandle other = m.open("other"))
        {
            assertTrue(other.tryLock(LockRequest.subtree("/")), "nothing was left claimed in the table");
        }
    }

    @Test
    void releaseDuringAnUpgradeInFlightDecidesAgain() throws Exception
    {
        final LockHandle h = m.open("h");
        h.tryAcquire(LockRequest.point("/u"));
        store.arm();
        final CompletableFuture<Void> upgrading = CompletableFuture.runAsync(() -> h.tryAcquire(LockRequest.subtree("/u")));
        store.awaitEntered();
        CompletableFuture.runAsync(h::releaseAll).get(30, TimeUnit.SECONDS);
        store.open();
        upgrading.get(30, TimeUnit.SECONDS);
        final List<HeldLock> locks = h.locks();
        assertEquals(1, locks.size(), locks::toString);
        assertEquals(LockType.SUBTREE, locks.get(0).type());
        try (LockHandle other = m.open("other"))
        {
            assertFalse(other.tryLock(LockRequest.point("/u/v")), "the SUBTREE is really held");
            h.close();
            assertTrue(other.tryLock(LockRequest.subtree("/")), "and really released: no claim or intent left behind");
        }
    }
}

package io.pathlock.host.spec;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.file.interop.OvKind;
import io.pathlock.file.interop.RagfsModel;
import io.pathlock.host.HostLockStore;
import io.pathlock.host.HostTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Facade behaviour (LockHandle javadoc) when the other owner is another session of the host table:
 * upgrades that wait for another session's readers, handles released from another thread, the
 * default interop mode of a new root and the capacity of an existing table, and a waiter blocked by
 * a foreign OpenViking lock file woken when that file goes.
 */
class HostFacadeSpecTest
{
    @TempDir
    Path root;

    private final HostSpec.Managers managers = new HostSpec.Managers();

    @AfterEach
    void close()
    {
        managers.close();
    }

    @Test
    void upgradeWaitsForTheOtherSessionsReaderAndIsWokenByItsRelease() throws Exception
    {
        final LockManager a = managers.open(root, "none");
        final LockManager b = managers.open(root, "none");
        final LockHandle reader = b.open("reader");
        reader.tryAcquire(LockRequest.pointShared("/u"));
        try (LockHandle h = a.open("upgrader"))
        {
            h.tryAcquire(LockRequest.pointShared("/u"));
            final CompletableFuture<Void> upgraded = CompletableFuture.runAsync(() ->
            {
                try
                {
                    h.acquire(LockRequest.point("/u"), HostSpec.GUARD);
                }
                catch (final InterruptedException e)
                {
                    throw new IllegalStateException(e);
                }
            });
            HostSpec.awaitWaiter(a);
            assertTrue(!upgraded.isDone(), "upgraded while the other session still reads");
            reader.close();
            upgraded.get(HostSpec.GUARD.toSeconds(), TimeUnit.SECONDS);
            assertNull(b.tryLock(LockRequest.pointShared("/u")), "the upgraded lock is exclusive");
        }
        try (LockHandle h = b.tryLock(LockRequest.point("/u")))
        {
            assertNotNull(h);
        }
    }

    @Test
    void aHandleReleasedOnAnotherThreadWakesTheOtherSessionsWaiter() throws Exception
    {
        final LockManager a = managers.open(root, "none");
        final LockManager b = managers.open(root, "none");
        final LockHandle h = a.open("moved");
        h.tryAcquire(LockRequest.subtree("/t"));
        final CountDownLatch granted = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread w = new Thread(() ->
        {
            try (LockHandle x = b.open("w"))
            {
                x.acquire(LockRequest.point("/t/x"), HostSpec.GUARD);
            }
            catch (final Throwable e)
            {
                failure.set(e);
            }
            granted.countDown();
        });
        w.start();
        HostSpec.awaitWaiter(b);
        final Thread closer = new Thread(h::close);
        closer.start();
        closer.join();
        assertTrue(granted.await(HostSpec.GUARD.toSeconds(), TimeUnit.SECONDS));
        w.join();
        assertNull(failure.get());
    }

    @Test
    void newRootDefaultsToRagfsAndAnExistingTableKeepsItsCapacity() throws Exception
    {
        try (HostLockStore s = HostLockStore.open(root))
        {
            assertTrue(s.describe().contains("ragfs"), s.describe());
        }
        try (HostTable t = HostLockStore.openTable(root))
        {
            assertEquals("ragfs", t.interop());
            assertEquals(HostTable.CAPACITY_DEFAULT, t.capacity());
        }
        final Path other = Files.createDirectories(root.resolve("other"));
        HostLockStore.builder(other).interop("none").capacity(128).build().close();
        try (HostLockStore s = HostLockStore.builder(other).capacity(4096).build())
        {
            assertTrue(s.describe().contains("none"), "an existing table's mode wins when none is given: " + s.describe());
        }
        try (HostTable t = HostLockStore.openTable(other))
        {
            assertEquals(128, t.capacity(), "an existing table keeps its own capacity");
        }
    }

    @Test
    void waiterBlockedByAForeignLockFileIsGrantedWhenTheFileGoes() throws Exception
    {
        Files.createDirectories(root.resolve("d/t/c"));
        final RagfsModel ov = new RagfsModel(root, "/local");
        final LockManager a = managers.add(HostLockStore.builder(root).interop("ragfs").fileStore(b -> b.ovPathPrefix("/local")).build());
        final Path planted = ov.plant("/d/t/c", OvKind.POINT, "ov-owner", HostSpec.wallNanos());
        final CountDownLatch granted = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread w = new Thread(() ->
        {
            try (LockHandle x = a.open("w"))
            {
                x.acquire(LockRequest.subtree("/d"), HostSpec.GUARD);
            }
            catch (final Throwable e)
            {
                failure.set(e);
            }
            granted.countDown();
        });
        w.start();
        HostSpec.awaitWaiter(a);
        assertEquals(1, granted.getCount(), "granted over OpenViking's live lock");
        Files.delete(planted);
        assertTrue(granted.await(HostSpec.GUARD.toSeconds(), TimeUnit.SECONDS), "never woken after the foreign file went");
        w.join();
        assertNull(failure.get(), () -> String.valueOf(failure.get()));
    }
}

package io.pathlock.file;

import io.pathlock.core.LockBusyException;
import io.pathlock.core.LockConflict;
import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockTimeoutException;
import io.pathlock.core.LockType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The facade's behaviour (DESIGN §2) through {@link LockManager}s built on {@link FileLockStore}:
 * two managers on one root stand for two processes, each with its own lock table and store.
 */
class FileStoreFacadeTest
{
    @TempDir
    Path root;

    private Path sidecar(final String lockPath)
    {
        return Layouts.sidecar(root, lockPath);
    }

    private final List<LockManager> managers = new ArrayList<>();

    @AfterEach
    void close()
    {
        for (final LockManager m : managers)
        {
            m.close();
        }
    }

    private LockManager manager()
    {
        return manager(FileLockStore.builder(root));
    }

    private LockManager manager(final FileLockStore.Builder b)
    {
        final LockManager m = LockManager.builder().store(b.build()).startAgent(false).build();
        managers.add(m);
        return m;
    }

    @Test
    void busyAcrossManagersNamesTheHolderAndTheFileStore()
    {
        final LockManager a = manager();
        final LockManager b = manager();
        final LockHandle h = a.open("alpha");
        h.tryAcquire(LockRequest.subtree("/x"));
        final LockBusyException e = assertThrows(LockBusyException.class,
            () -> b.open("beta").tryAcquire(LockRequest.point("/x/y")));
        final LockConflict c = e.conflict();
        assertEquals("/x", c.path());
        assertEquals(LockConflict.Reason.HELD, c.reason());
        assertEquals(LockType.SUBTREE, c.holderType());
        assertTrue(c.holderOwnerId().endsWith("|" + h.ownerId()), c.holderOwnerId());
        assertTrue(c.source().startsWith("file:"), c.source());
        assertTrue(e.getMessage().contains(h.ownerId()), e.getMessage());
        h.close();
        b.open("beta").tryAcquire(LockRequest.point("/x/y"));
    }

    @Test
    void timeoutAcrossManagersIsALockTimeoutException() throws Exception
    {
        final LockManager a = manager();
        final LockManager b = manager();
        a.open("alpha").tryAcquire(LockRequest.point("/t"));
        final long t0 = System.nanoTime();
        final LockTimeoutException e = assertThrows(LockTimeoutException.class,
            () -> b.open("beta").acquire(LockRequest.point("/t"), Duration.ofMillis(150)));
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(150));
        assertEquals("/t", e.conflict().path());
    }

    @Test
    void blockedAcquireIsWokenByTheOtherManagersRelease() throws Exception
    {
        final LockManager a = manager();
        final LockManager b = manager();
        final LockHandle holder = a.open("holder");
        holder.tryAcquire(LockRequest.point("/w"));
        final CountDownLatch granted = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread waiter = new Thread(() ->
        {
            try (LockHandle w = b.open("waiter"))
            {
                w.acquire(LockRequest.subtree("/"), Duration.ofSeconds(60));
                granted.countDown();
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        });
        waiter.start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (b.snapshot().waiters().isEmpty())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("the blocked acquire never registered as a waiter within 60 s (granted="
                    + (granted.getCount() == 0) + ", failure=" + failure.get() + ", waiter " + waiter.getState() + ")");
            }
            Thread.onSpinWait();
        }
        holder.close();
        assertTrue(granted.await(60, TimeUnit.SECONDS));
        waiter.join();
        assertNull(failure.get());
    }

    @Test
    void asyncAcquireCompletesWhenTheOtherManagerReleases() throws Exception
    {
        final LockManager a = manager();
        final LockManager b = manager();
        final LockHandle holder = a.open("holder");
        holder.tryAcquire(LockRequest.point("/as/x"));
        final CompletableFuture<LockHandle> f = b.acquireAsync(LockRequest.subtree("/as"), Duration.ofSeconds(60));
        assertFalse(f.isDone());
        holder.close();
        try (LockHandle h = f.get(60, TimeUnit.SECONDS))
        {
            assertEquals(LockType.SUBTREE, h.locks().get(0).type());
            assertTrue(Files.exists(root.resolve("as/.path.ovlock")));
        }
        assertFalse(Files.exists(root.resolve("as/.path.ovlock")));
    }

    @Test
    void reentrancyUpgradeAndOwnLocksBelow() throws Exception
    {
        Files.createDirectories(root.resolve("o/b"));
        final LockManager a = manager();
        final LockManager b = manager();
        try (LockHandle h = a.open("own"))
        {
            h.tryAcquire(LockRequest.point("/o/a", "/o/b"));
            h.tryAcquire(LockRequest.point("/o/a"));
            h.tryAcquire(LockRequest.subtree("/o/b"));
            assertTrue(Files.readString(root.resolve("o/b/.path.ovlock")).endsWith(":T"));
            h.tryAcquire(LockRequest.subtree("/o"));
            assertEquals(3, h.locks().size());
            assertThrows(LockBusyException.class, () -> b.open("other").tryAcquire(LockRequest.point("/o/c")));
        }
        try (var files = Files.walk(root.resolve("o")))
        {
            assertEquals(0, files.filter(p -> p.toString().endsWith(".path.ovlock")).count());
        }
        b.open("after").tryAcquire(LockRequest.subtree("/"));
    }

    @Test
    void oppositeMovesAcrossManagersNeverDeadlock() throws Exception
    {
        Files.createDirectories(root.resolve("a/x"));
        Files.createDirectories(root.resolve("b/y"));
        final LockManager m1 = manager();
        final LockManager m2 = manager();
        final int rounds = 100;
        final CyclicBarrier start = new CyclicBarrier(2);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread t1 = new Thread(() -> moves(m1, LockRequest.mv("/a/x", "/b", true), rounds, start, failure));
        final Thread t2 = new Thread(() -> moves(m2, LockRequest.mv("/b/y", "/a", true), rounds, start, failure));
        t1.start();
        t2.start();
        t1.join(120_000);
        t2.join(120_000);
        assertFalse(t1.isAlive() || t2.isAlive(), "deadlock");
        assertNull(failure.get());
    }

    private static void moves(final LockManager m, final LockRequest req, final int rounds, final CyclicBarrier start,
        final AtomicReference<Throwable> failure)
    {
        try (LockHandle h = m.open("mover"))
        {
            start.await();
            for (int i = 0; i < rounds; i++)
            {
                h.acquire(req, Duration.ofSeconds(60));
                h.releaseAll();
            }
        }
        catch (final Throwable t)
        {
            failure.set(t);
        }
    }

    @Test
    void heartbeatTellsTheHandleItLostItsLockAfterATakeover()
    {
        final LockManager a = manager();
        final LockManager b = manager();
        final LockHandle h = a.open("victim");
        h.tryAcquire(LockRequest.point("/v"));
        final FileLockStore bs = (FileLockStore)b.store();
        assertEquals(1, bs.breakLock("/v", true).removed().size());
        b.open("thief").tryAcquire(LockRequest.point("/v"));
        assertTrue(a.runMaintenance() > 0);
        assertFalse(h.isValid());
        assertTrue(h.lostReason().contains("replaced by another file"), h.lostReason());
        assertTrue(Files.exists(sidecar("/v")), "the thief's file is still there");
    }

    @Test
    void fencingTokensIncreaseAcrossManagersOfOneRoot()
    {
        final LockManager a = manager();
        final LockManager b = manager();
        long last = 0;
        for (int i = 0; i < 20; i++)
        {
            final LockManager m = i % 2 == 0 ? a : b;
            try (LockHandle h = m.open("f"))
            {
                h.tryAcquire(LockRequest.point("/f"));
                final long t = h.fencingToken("/f");
                assertTrue(t > last, last + " then " + t);
                last = t;
            }
        }
    }

    @Test
    void snapshotNamesTheFileStore()
    {
        final LockManager a = manager();
        assertTrue(a.snapshot().toString().contains("file:"), a.snapshot().toString());
    }
}

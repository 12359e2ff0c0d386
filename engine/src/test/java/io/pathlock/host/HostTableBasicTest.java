package io.pathlock.host;

import io.pathlock.core.LockConflict;
import io.pathlock.core.LockRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simple cases of the host table: two sessions, grant, refuse, release, wait. */
class HostTableBasicTest
{
    @TempDir
    Path dir;

    static HostTable.Config small()
    {
        return new HostTable.Config(1024, 8, 256, "none", HostTable.LIVENESS_CHECK_DEFAULT);
    }

    @Test
    void pointConflictsBetweenSessionsAndReleaseFreesIt() throws Exception
    {
        try (HostTable table = HostTable.open(dir.resolve("table"), small());
             HostSession a = table.attach();
             HostSession b = table.attach())
        {
            final HostSession.Result ra = a.tryAcquire(LockRequest.point("/x/y").entries());
            assertTrue(ra.isGranted());
            final HostSession.Result rb = b.tryAcquire(LockRequest.point("/x/y").entries());
            assertFalse(rb.isGranted());
            assertEquals("/x/y", rb.conflict().path());
            assertEquals(LockConflict.Reason.HELD, rb.conflict().reason());
            assertEquals("pid " + ProcessHandle.current().pid() + " (host slot " + a.slot() + ")", rb.conflict().holderOwnerId());
            assertTrue(rb.conflict().heldForNanos() >= 0 && rb.conflict().heldForNanos() < TimeUnit.MINUTES.toNanos(10),
                "held for " + rb.conflict().heldForNanos());
            assertEquals("host", rb.conflict().source());
            assertNotNull(rb.blocker());
            assertEquals(1, table.locks().size());
            assertEquals("POINT-X", table.locks().get(0).kind());
            a.release(ra.grant());
            a.release(ra.grant());
            assertTrue(b.tryAcquire(LockRequest.point("/x/y").entries()).isGranted());
            assertEquals(List.of(), table.checkConsistency());
        }
    }

    @Test
    void waiterInAnotherSessionIsWokenByRelease() throws Exception
    {
        try (HostTable table = HostTable.open(dir.resolve("table"), small());
             HostSession a = table.attach();
             HostSession b = table.attach())
        {
            final HostSession.Result ra = a.tryAcquire(LockRequest.subtree("/x").entries());
            assertTrue(ra.isGranted());
            final CountDownLatch refused = new CountDownLatch(1);
            final AtomicReference<HostSession.Result> got = new AtomicReference<>();
            final Thread waiter = new Thread(() -> {
                try
                {
                    HostSession.Result r = b.tryAcquire(LockRequest.point("/x/y").entries());
                    refused.countDown();
                    while (!r.isGranted())
                    {
                        b.await(r.blocker(), TimeUnit.SECONDS.toNanos(10));
                        r = b.tryAcquire(LockRequest.point("/x/y").entries());
                    }
                    got.set(r);
                }
                catch (final InterruptedException e)
                {
                    Thread.currentThread().interrupt();
                }
            });
            waiter.start();
            assertTrue(refused.await(10, TimeUnit.SECONDS));
            a.release(ra.grant());
            waiter.join(TimeUnit.SECONDS.toMillis(20));
            assertFalse(waiter.isAlive());
            assertNotNull(got.get());
            b.release(got.get().grant());
            assertEquals(List.of(), table.checkConsistency());
            assertTrue(table.nodeCounts().isEmpty());
        }
    }

    @Test
    void ownSessionNeverConflictsAndUpgrades() throws Exception
    {
        try (HostTable table = HostTable.open(dir.resolve("table"), small());
             HostSession a = table.attach();
             HostSession b = table.attach())
        {
            final HostSession.Result p = a.tryAcquire(LockRequest.point("/x").entries());
            final HostSession.Result s = a.tryAcquire(LockRequest.subtree("/x").entries());
            final HostSession.Result below = a.tryAcquire(LockRequest.point("/x/y/z").entries());
            assertTrue(p.isGranted() && s.isGranted() && below.isGranted());
            assertFalse(b.tryAcquire(LockRequest.pointShared("/x/q").entries()).isGranted());
            a.release(s.grant());
            a.release(p.grant());
            assertTrue(b.tryAcquire(LockRequest.pointShared("/x/q").entries()).isGranted());
            assertNull(null);
            assertEquals(List.of(), table.checkConsistency());
        }
    }
}

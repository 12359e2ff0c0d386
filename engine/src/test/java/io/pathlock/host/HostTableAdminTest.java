package io.pathlock.host;

import io.pathlock.core.LockRequest;
import io.pathlock.core.LockStoreException;
import io.pathlock.nativeio.NativeLoader;
import io.pathlock.posix.PosixBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Status (locks, slots), recoverDead, breakSlot (dead, live, forced), self-recovery, wake-ups. */
class HostTableAdminTest
{
    @TempDir
    Path dir;

    @Test
    void statusListsHoldsAndSlots() throws Exception
    {
        try (HostTable table = HostTable.open(dir.resolve("table"), HostTableBasicTest.small());
             HostSession a = table.attach())
        {
            a.tryAcquire(LockRequest.point("/a/b").entries());
            a.tryAcquire(LockRequest.point("/a/b").entries());
            a.tryAcquire(LockRequest.subtreeShared("/c").entries());
            final List<HostTable.LockInfo> locks = table.locks();
            assertEquals(2, locks.size(), locks.toString());
            final HostTable.LockInfo ab = locks.get(0);
            assertEquals("/a/b", ab.path());
            assertEquals("POINT-X", ab.kind());
            assertEquals(2, ab.count());
            assertEquals(a.slot(), ab.slot());
            assertEquals(ProcessHandle.current().pid(), ab.pid());
            assertTrue(ab.alive());
            assertTrue(ab.ageNanos() >= 0);
            assertEquals("SUBTREE-S", locks.get(1).kind());
            final List<HostTable.SlotInfo> slots = table.slots();
            assertEquals(1, slots.size());
            assertEquals("LIVE", slots.get(0).state());
            assertEquals(4, slots.get(0).records(), "records at /, /a, /a/b and /c: " + slots);
        }
    }

    /** H10: failed before it (the dead session's lock refused every tryAcquire until someone waited). */
    @Test
    void refusedTryAcquireRecoversADeadHolderWithoutAnyWaiter() throws Exception
    {
        try (HostTable table = HostTable.open(dir.resolve("table"), HostTableBasicTest.small());
             HostSession a = table.attach();
             HostSession b = table.attach())
        {
            assertTrue(a.tryAcquire(LockRequest.subtree("/x").entries()).isGranted());
            assertFalse(b.tryAcquire(LockRequest.point("/x/y").entries()).isGranted(), "held by a live session");
            a.abandon();
            // the refusal above looked for dead sessions already: the next look is due one liveness
            // interval later; a tryLock loop (no await, no sleep) gets the lock once it is
            HostSession.Result r;
            long tries = 0;
            do
            {
                r = b.tryAcquire(LockRequest.point("/x/y").entries());
                tries++;
            }
            while (!r.isGranted() && tries < 50_000_000L);
            assertTrue(r.isGranted(), "a dead session's lock still refuses a tryAcquire loop after " + tries + " tries");
            assertTrue(table.slots().stream().noneMatch(s -> s.slot() == a.slot()), "the dead slot was recovered");
            assertEquals(List.of(), table.checkConsistency());
        }
    }

    @Test
    void deadSessionIsListedDeadAndBrokenOrRecovered() throws Exception
    {
        try (HostTable table = HostTable.open(dir.resolve("table"), HostTableBasicTest.small());
             HostSession a = table.attach();
             HostSession b = table.attach())
        {
            assertTrue(a.tryAcquire(LockRequest.subtree("/x").entries()).isGranted());
            a.abandon();
            assertEquals("DEAD", table.slots().stream().filter(s -> s.slot() == a.slot()).findFirst().orElseThrow().state());
            assertFalse(table.locks().get(0).alive());
            assertTrue(table.breakSlot(a.slot(), false));
            assertFalse(table.breakSlot(a.slot(), false), "already free");
            // (after the dead one: breaking through a temporary session recovers the dead slots it meets)
            assertFalse(table.breakSlot(b.slot(), false), "a live slot is not broken without force");
            assertTrue(table.locks().isEmpty());
            assertTrue(b.tryAcquire(LockRequest.point("/x/y").entries()).isGranted());
            assertThrows(IllegalArgumentException.class, () -> table.breakSlot(99, true));
            assertEquals(List.of(), table.checkConsistency());
        }
    }

    @Test
    void recoverDeadCountsTheSlots() throws Exception
    {
        try (HostTable table = HostTable.open(dir.resolve("table"), HostTableBasicTest.small()))
        {
            final HostSession a = table.attach();
            final HostSession b = table.attach();
            final HostSession c = table.attach();
            a.tryAcquire(LockRequest.point("/a").entries());
            b.tryAcquire(LockRequest.point("/b").entries());
            a.abandon();
            b.abandon();
            assertEquals(2, table.recoverDead());
            assertEquals(0, table.recoverDead());
            assertTrue(c.tryAcquire(LockRequest.subtree("/").entries()).isGranted());
            assertEquals(List.of(), table.checkConsistency());
        }
    }

    @Test
    void forcedBreakOfALiveSessionTakesItsLocksAndItNoticesIt() throws Exception
    {
        try (HostTable table = HostTable.open(dir.resolve("table"), HostTableBasicTest.small());
             HostSession a = table.attach();
             HostSession b = table.attach())
        {
            final HostSession.Result g = a.tryAcquire(LockRequest.subtree("/x").entries());
            assertTrue(a.isIntact(g.grant()));
            assertTrue(table.breakSlot(a.slot(), true));
            assertFalse(a.isIntact(g.grant()));
            assertTrue(table.locks().isEmpty());
            assertTrue(b.tryAcquire(LockRequest.subtree("/x").entries()).isGranted());
            a.release(g.grant()); // nothing to release any more: must not lower b's counts
            final LockStoreException e = assertThrows(LockStoreException.class,
                () -> a.tryAcquire(LockRequest.point("/y").entries()));
            assertTrue(e.getMessage().contains("broken"), e.getMessage());
            assertEquals(List.of(), table.checkConsistency());
            assertEquals(1, table.locks().size());
            a.close();
            table.recoverDead();
            assertEquals(1, table.slots().size(), table.slots().toString());
            assertEquals(List.of(), table.checkConsistency());
        }
    }

    @Test
    void attachRecoversItsOwnSlotWhenEverySlotIsDead() throws Exception
    {
        try (HostTable table = HostTable.open(dir.resolve("table"),
            new HostTable.Config(64, 2, 32, "none", HostTable.LIVENESS_CHECK_DEFAULT)))
        {
            final HostSession v1 = table.attach();
            final HostSession v2 = table.attach();
            assertTrue(v1.tryAcquire(LockRequest.subtree("/a/b").entries()).isGranted());
            assertTrue(v2.tryAcquire(LockRequest.pointShared("/a/c").entries()).isGranted());
            // v2 dies inside an insertion (progress words set, intents raised)
            final Thread me = Thread.currentThread();
            HostSteps.hook = step -> {
                if (Thread.currentThread() == me && step == HostSteps.INSERT_PARENT * 10 + HostSteps.RELEASED)
                {
                    throw new HostSteps.SimulatedCrash(step);
                }
            };
            try
            {
                v2.tryAcquire(LockRequest.point("/a/new").entries());
            }
            catch (final HostSteps.SimulatedCrash expected)
            {
                // died
            }
            finally
            {
                HostSteps.hook = null;
            }
            v1.abandon();
            v2.abandon();
            try (HostSession s = table.attach())
            {
                assertTrue(s.tryAcquire(LockRequest.subtree("/").entries()).isGranted());
                assertEquals(List.of(), table.checkConsistency());
            }
        }
    }

    @Test
    void futexWhenTheNativeLibraryIsLoadedAndBackoffOnNio() throws Exception
    {
        try (HostTable table = HostTable.open(dir.resolve("table"), HostTableBasicTest.small()))
        {
            assertEquals(NativeLoader.isAvailable() && System.getProperty(PosixBackends.BACKEND_PROP_NAME) == null,
                table.usesFutex());
        }
        final String before = System.getProperty(PosixBackends.BACKEND_PROP_NAME);
        System.setProperty(PosixBackends.BACKEND_PROP_NAME, "nio");
        final HostTable nio;
        try
        {
            nio = HostTable.open(dir.resolve("table-nio"), HostTableBasicTest.small());
        }
        finally
        {
            if (before == null)
            {
                System.clearProperty(PosixBackends.BACKEND_PROP_NAME);
            }
            else
            {
                System.setProperty(PosixBackends.BACKEND_PROP_NAME, before);
            }
        }
        try (nio; HostSession a = nio.attach(); HostSession b = nio.attach())
        {
            assertFalse(nio.usesFutex());
            final HostSession.Result held = a.tryAcquire(LockRequest.point("/w").entries());
            final CountDownLatch refused = new CountDownLatch(1);
            final CompletableFuture<HostSession.Result> got = CompletableFuture.supplyAsync(() -> {
                try
                {
                    HostSession.Result r = b.tryAcquire(LockRequest.point("/w").entries());
                    refused.countDown();
                    while (!r.isGranted())
                    {
                        b.await(r.blocker(), TimeUnit.SECONDS.toNanos(5));
                        r = b.tryAcquire(LockRequest.point("/w").entries());
                    }
                    return r;
                }
                catch (final InterruptedException e)
                {
                    throw new IllegalStateException(e);
                }
            });
            assertTrue(refused.await(10, TimeUnit.SECONDS));
            a.release(held.grant());
            assertTrue(got.get(20, TimeUnit.SECONDS).isGranted());
            // a dead holder on the fcntl (nio) slot locks is detected too
            final HostSession c = nio.attach();
            assertTrue(c.tryAcquire(LockRequest.point("/z").entries()).isGranted());
            c.abandon();
            assertEquals(1, nio.recoverDead());
            assertEquals(List.of(), nio.checkConsistency());
        }
    }

    /**
     * host-spec's finding 6: uses of a closed table or session fail clearly or do nothing, and never
     * read the unmapped file (a SIGSEGV would end this JVM).
     */
    @Test
    void usesAfterCloseFailClearlyOrDoNothing() throws Exception
    {
        final HostTable table = HostTable.open(dir.resolve("table"), HostTableBasicTest.small());
        final HostSession a = table.attach();
        final HostSession b = table.attach();
        final HostSession.Result g = a.tryAcquire(LockRequest.point("/x").entries());
        final HostSession.Result refused = b.tryAcquire(LockRequest.point("/x").entries());
        table.close();
        assertThrows(IllegalStateException.class, () -> a.tryAcquire(LockRequest.point("/y").entries()));
        assertThrows(IllegalStateException.class, () -> b.markPending(refused.blocker()));
        assertThrows(IllegalStateException.class, table::attach);
        assertThrows(IllegalStateException.class, table::nodesInUse);
        assertThrows(IllegalStateException.class, table::locks);
        assertThrows(IllegalStateException.class, table::slots);
        assertThrows(IllegalStateException.class, table::recoverDead);
        assertThrows(IllegalStateException.class, () -> table.breakSlot(0, true));
        a.release(g.grant());
        assertFalse(a.isIntact(g.grant()));
        b.await(refused.blocker(), TimeUnit.MILLISECONDS.toNanos(10));
        b.clearMarks();
        b.clearMark(refused.blocker());
        a.close();
        table.close();
    }

    /**
     * host-spec's finding 2: a second view of the table in the holder's own process (as
     * {@code pathlock status} in-process would open) never takes the holder's live slot for dead,
     * on the NIO backend too (fcntl slot locks are per process: the registry answers).
     */
    @Test
    void aSecondViewInTheHoldersProcessSeesItAlive() throws Exception
    {
        final String before = System.getProperty(PosixBackends.BACKEND_PROP_NAME);
        System.setProperty(PosixBackends.BACKEND_PROP_NAME, "nio");
        try (HostTable first = HostTable.open(dir.resolve("table"), HostTableBasicTest.small());
             HostSession a = first.attach())
        {
            assertTrue(a.tryAcquire(LockRequest.subtree("/x").entries()).isGranted());
            try (HostTable view = HostTable.open(dir.resolve("table"), HostTableBasicTest.small()))
            {
                assertEquals(0, view.recoverDead());
                assertTrue(view.locks().get(0).alive());
                assertEquals("LIVE", view.slots().stream().filter(s -> s.slot() == a.slot()).findFirst().orElseThrow().state());
            }
            assertTrue(a.isIntact(a.tryAcquire(LockRequest.point("/x/y").entries()).grant()));
        }
        finally
        {
            if (before == null)
            {
                System.clearProperty(PosixBackends.BACKEND_PROP_NAME);
            }
            else
            {
                System.setProperty(PosixBackends.BACKEND_PROP_NAME, before);
            }
        }
    }
}

package io.pathlock;

import io.pathlock.core.HeldLock;
import io.pathlock.core.LockBusyException;
import io.pathlock.core.LockMode;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockTimeoutException;
import io.pathlock.core.LockType;
import io.pathlock.core.LockUpgradeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15 through the facade on the memory store: shared entries, reentrancy across modes (no
 * downgrade), upgrades in place (kept shared lock on failure), the upgrade deadlock rule
 * (UpgradeWaits U1/U2, {@link LockUpgradeException}), snapshots and conflict reports with modes.
 * Threads are ordered by the manager's waiter list and futures, never by sleeping.
 */
class SharedLocksTest
{
    private final LockManager m = LockManager.builder().startAgent(false).build();

    @AfterEach
    void close()
    {
        m.close();
    }

    private void awaitWaiters(final int n)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (m.snapshot().waiters().size() < n)
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("the expected waiters never appeared (" + n + " wanted)");
            }
            Thread.onSpinWait();
        }
    }

    private static LockRequest ps(final String p)
    {
        return LockRequest.pointShared(p);
    }

    private static LockRequest ss(final String p)
    {
        return LockRequest.subtreeShared(p);
    }

    private static HeldLock only(final LockHandle h)
    {
        final List<HeldLock> l = h.locks();
        assertEquals(1, l.size(), l.toString());
        return l.get(0);
    }

    @Test
    void sharedLocksAreGrantedTogetherAndReported() throws Exception
    {
        final LockHandle a = m.open("a");
        final LockHandle b = m.open("b");
        a.tryAcquire(ps("/f"));
        b.tryAcquire(ss("/f"));
        assertEquals(LockMode.SHARED, only(a).mode());
        assertEquals(LockType.SUBTREE, only(b).type());
        final LockHandle w = m.open("w");
        final LockBusyException e = assertThrows(LockBusyException.class, () -> w.tryAcquire(LockRequest.point("/f/g")));
        assertEquals(LockMode.SHARED, e.conflict().holderMode());
        assertEquals("/f", e.conflict().path());
        assertTrue(m.snapshot().handles().stream().flatMap(h -> h.locks().stream())
            .anyMatch(l -> l.mode() == LockMode.SHARED && l.type() == LockType.SUBTREE));
        b.close();
        w.tryAcquire(LockRequest.point("/f/g"));
        final LockBusyException x = assertThrows(LockBusyException.class, () -> a.tryAcquire(ps("/f/g")));
        assertEquals(LockMode.EXCLUSIVE, x.conflict().holderMode());
        a.close();
        w.close();
    }

    @Test
    void reentrancyAcrossModesNeverDowngrades()
    {
        final LockHandle h = m.open("h");
        h.tryAcquire(LockRequest.point("/r"));
        final long token = h.fencingToken("/r");
        h.tryAcquire(ps("/r"));
        assertEquals(LockMode.EXCLUSIVE, only(h).mode(), "X covers S: no downgrade");
        assertEquals(token, h.fencingToken("/r"), "covered: no new grant");
        h.releaseAll();

        h.tryAcquire(ss("/s"));
        h.tryAcquire(ps("/s/a"));
        h.tryAcquire(ss("/s/b"));
        assertEquals(1, h.locks().size(), "SUBTREE-SHARED covers shared locks below");
        // An exclusive lock below its own SUBTREE-SHARED: not covered, granted (its own shared
        // SUBTREE does not block it) while nobody else holds /s shared.
        h.tryAcquire(LockRequest.point("/s/c"));
        assertEquals(2, h.locks().size());
        final LockHandle o = m.open("o");
        assertFalse(o.tryLock(ps("/s/c")));
        assertTrue(o.tryLock(ss("/s/d")), "/s is shared; /s/d is free");
        assertFalse(h.tryLock(LockRequest.point("/s/d/e")), "o's SUBTREE-SHARED on /s/d blocks it");
        o.close();
        h.close();
    }

    @Test
    void mergingOnOnePathTakesTheStrongerTypeAndMode()
    {
        final LockHandle h = m.open("h");
        h.tryAcquire(LockRequest.point("/p"));
        h.tryAcquire(ss("/p"));
        final HeldLock l = only(h);
        assertEquals(LockType.SUBTREE, l.type());
        assertEquals(LockMode.EXCLUSIVE, l.mode());
        h.releaseAll();
        h.tryAcquire(ss("/q"));
        h.tryAcquire(LockRequest.point("/q"));
        assertEquals(LockType.SUBTREE, only(h).type());
        assertEquals(LockMode.EXCLUSIVE, only(h).mode());
        final LockHandle o = m.open("o");
        assertFalse(o.tryLock(ps("/q/x")));
        o.close();
        h.close();
    }

    @Test
    void upgradeInPlaceAndTheSharedLockStaysOnFailure() throws Exception
    {
        final LockHandle h = m.open("h");
        final LockHandle o = m.open("o");
        h.tryAcquire(ps("/u"));
        o.tryAcquire(ps("/u"));
        assertThrows(LockBusyException.class, () -> h.tryAcquire(LockRequest.point("/u")));
        assertEquals(LockMode.SHARED, only(h).mode());
        assertThrows(LockTimeoutException.class, () -> h.acquire(LockRequest.point("/u"), Duration.ofMillis(50)));
        assertEquals(LockMode.SHARED, only(h).mode(), "a timed-out upgrade keeps the shared lock");
        // The shared lock was held throughout: a writer still cannot get in.
        final LockHandle w = m.open("w");
        assertFalse(w.tryLock(LockRequest.point("/u")));

        final CompletableFuture<Void> up = CompletableFuture.runAsync(() -> acquire(h, LockRequest.point("/u")));
        awaitWaiters(1);
        // The waiter is listed before it registers in the table and places its mark: wait for the mark.
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (m.table().pendingMarksAt(io.pathlock.core.LockPath.parse("/u")) == 0 && System.nanoTime() < deadline)
        {
            Thread.onSpinWait();
        }
        assertFalse(up.isDone());
        assertFalse(w.tryLock(ps("/u")), "the waiting upgrade's mark refuses new readers");
        o.close();
        up.get(30, TimeUnit.SECONDS);
        assertEquals(LockMode.EXCLUSIVE, only(h).mode());
        assertEquals(LockType.POINT, only(h).type());
        assertFalse(w.tryLock(ps("/u")));
        h.releaseAll();
        assertTrue(w.tryLock(ps("/u")), "released: nothing of the shared lock is left behind");
        w.close();
        h.close();
    }

    @Test
    void twoUpgradersOfOneSharedLockOneFailsFastTheOtherProceeds() throws Exception
    {
        final LockHandle a = m.open("a");
        final LockHandle b = m.open("b");
        a.tryAcquire(ps("/d"));
        b.tryAcquire(ps("/d"));
        final CompletableFuture<Void> ua = CompletableFuture.runAsync(() -> acquire(a, LockRequest.point("/d")));
        awaitWaiters(1);
        final LockUpgradeException e = assertThrows(LockUpgradeException.class,
            () -> b.acquire(LockRequest.point("/d"), Duration.ofSeconds(30)));
        assertTrue(e.getMessage().contains(a.ownerId()), e.getMessage());
        assertEquals(LockMode.SHARED, only(b).mode(), "the loser keeps its shared lock");
        assertFalse(ua.isDone());
        b.releaseAll();
        ua.get(30, TimeUnit.SECONDS);
        assertEquals(LockMode.EXCLUSIVE, only(a).mode());
        assertEquals(0, m.upgradeWaits.size());
        a.close();
        b.close();
    }

    @Test
    void upgradersAcrossAncestorAndDescendantDoNotDeadlock() throws Exception
    {
        final LockHandle a = m.open("a");
        final LockHandle b = m.open("b");
        a.tryAcquire(ss("/v"));
        b.tryAcquire(ps("/v/w"));
        final CompletableFuture<Void> ua = CompletableFuture.runAsync(() -> acquire(a, LockRequest.subtree("/v")));
        awaitWaiters(1);
        assertThrows(LockUpgradeException.class, () -> b.acquire(LockRequest.point("/v/w")));
        assertEquals(LockMode.SHARED, only(b).mode());
        b.close();
        ua.get(30, TimeUnit.SECONDS);
        assertEquals(LockType.SUBTREE, only(a).type());
        assertEquals(LockMode.EXCLUSIVE, only(a).mode());
        a.close();
    }

    @Test
    void anUpgradeThatClosesNoCycleWaits() throws Exception
    {
        // a waits to upgrade /x (blocked by b's shared lock); b waits to upgrade /y, blocked by c,
        // who waits for nothing: no cycle, both wait and are granted in turn.
        final LockHandle a = m.open("a");
        final LockHandle b = m.open("b");
        final LockHandle c = m.open("c");
        a.tryAcquire(ps("/x"));
        b.tryAcquire(ps("/x"));
        b.tryAcquire(ps("/y"));
        c.tryAcquire(ps("/y"));
        final CompletableFuture<Void> ua = CompletableFuture.runAsync(() -> acquire(a, LockRequest.point("/x")));
        awaitWaiters(1);
        final CompletableFuture<Void> ub = CompletableFuture.runAsync(() -> acquire(b, LockRequest.point("/y")));
        awaitWaiters(2);
        c.close();
        ub.get(30, TimeUnit.SECONDS);
        b.close();
        ua.get(30, TimeUnit.SECONDS);
        a.close();
    }

    @Test
    void sharedAsyncAcquisition() throws Exception
    {
        final LockHandle w = m.open("w");
        w.tryAcquire(LockRequest.subtree("/z"));
        final CompletableFuture<LockHandle> r = m.acquireAsync(ps("/z/a"));
        awaitWaiters(1);
        w.close();
        try (LockHandle h = r.get(30, TimeUnit.SECONDS))
        {
            assertEquals(LockMode.SHARED, only(h).mode());
        }
    }

    @Test
    void nullRequestIsStillRefused()
    {
        final LockHandle h = m.open("h");
        assertThrows(NullPointerException.class, () -> h.tryAcquire(null));
        assertThrows(NullPointerException.class, () -> h.acquire(null));
        h.close();
    }

    private static void acquire(final LockHandle h, final LockRequest r)
    {
        try
        {
            h.acquire(r);
        }
        catch (final InterruptedException e)
        {
            throw new AssertionError(e);
        }
    }
}

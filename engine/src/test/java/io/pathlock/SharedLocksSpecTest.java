package io.pathlock;

import io.pathlock.core.HeldLock;
import io.pathlock.core.LockBusyException;
import io.pathlock.core.LockConflict;
import io.pathlock.core.LockMode;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockTimeoutException;
import io.pathlock.core.LockType;
import io.pathlock.observe.ConflictRecord;
import io.pathlock.observe.LockSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 15's behaviour through the facade, from the contract in docs/design.md ("Shared locks: the
 * conflict matrix"): no starvation in both directions, upgrade shared → exclusive in place (alone,
 * waiting, timing out without losing the shared lock), two upgraders (one fails fast, no deadlock),
 * fencing order between shared and exclusive grants, and the mode in snapshots and conflicts.
 *
 * <p>Deterministic in the sense of the project's tests: threads are ordered by latches, barriers
 * and the manager's waiter list, never by sleeping; only a waiter under test gets a (generous)
 * timeout, and every loop of a helper thread ends when that waiter is done.
 */
class SharedLocksSpecTest
{
    /** Generous bound on a wait that must end: far above any correct run, far below the build's patience. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final LockManager m = LockManager.builder().startAgent(false).build();
    private final ExecutorService threads = Executors.newCachedThreadPool(r ->
    {
        final Thread t = new Thread(r, "shared-locks-spec");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean stop = new AtomicBoolean();

    @AfterEach
    void close()
    {
        stop.set(true);
        threads.shutdownNow();
        m.close();
    }

    // ---- no starvation ------------------------------------------------------------------------

    /**
     * Readers do not starve a writer: two threads keep POINT-SHARED(/n) held without a gap (each
     * takes a new shared lock on a second handle before it releases the first), so without an
     * anti-starvation mark /n is never free. The exclusive waiter must get /n within the bound.
     */
    @Test
    void exclusiveWaiterWinsAgainstOverlappingSharedHolders() throws Exception
    {
        final CountDownLatch holding = new CountDownLatch(2);
        final CompletableFuture<?> r0 = rotate(holding, "reader0", LockRequest.pointShared("/n"), LockRequest.pointShared("/n"));
        final CompletableFuture<?> r1 = rotate(holding, "reader1", LockRequest.pointShared("/n"), LockRequest.pointShared("/n"));
        await(holding, r0, r1);

        try (LockHandle writer = m.open("writer");
             LockHandle probe = m.open("probe"))
        {
            try
            {
                writer.acquire(LockRequest.point("/n"), WAIT);
            }
            catch (final LockTimeoutException e)
            {
                fail("the exclusive waiter was starved by the stream of shared holders: " + e.getMessage());
            }
            assertFalse(probe.tryLock(LockRequest.pointShared("/n")), "the writer holds /n exclusively");
            assertEquals(LockMode.EXCLUSIVE, writer.locks().get(0).mode());
        }
        finally
        {
            stop.set(true);
        }
        r0.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        r1.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /**
     * Writers below do not starve a tree reader: two threads keep POINT-EXCLUSIVE locks below /a
     * held without a gap (alternating between two paths each), so without a mark /a always has
     * exclusive locks below it. The SUBTREE-SHARED(/a) waiter must get /a within the bound.
     */
    @Test
    void subtreeSharedWaiterWinsAgainstAStreamOfPointExclusiveBelow() throws Exception
    {
        final CountDownLatch holding = new CountDownLatch(2);
        final CompletableFuture<?> w0 = rotate(holding, "writer0", LockRequest.point("/a/w0/x"), LockRequest.point("/a/w0/y"));
        final CompletableFuture<?> w1 = rotate(holding, "writer1", LockRequest.point("/a/w1/x"), LockRequest.point("/a/w1/y"));
        await(holding, w0, w1);

        try (LockHandle reader = m.open("tree-reader");
             LockHandle probe = m.open("probe"))
        {
            try
            {
                reader.acquire(LockRequest.subtreeShared("/a"), WAIT);
            }
            catch (final LockTimeoutException e)
            {
                fail("the SUBTREE-SHARED waiter was starved by POINT-EXCLUSIVE locks below it: " + e.getMessage());
            }
            assertFalse(probe.tryLock(LockRequest.point("/a/w0/x")), "no writer below a tree being read");
            assertTrue(probe.tryLock(LockRequest.pointShared("/a/w0/x")), "readers below are welcome");
        }
        finally
        {
            stop.set(true);
        }
        w0.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        w1.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /**
     * Writers do not starve a reader: two threads take POINT-EXCLUSIVE(/n) in turn, each retrying
     * with {@code tryLock} without pause, and a holder releases only after the other has been
     * refused once (so /n is free only for an instant, when a spinning writer is ready to take it).
     * The POINT-SHARED waiter must get /n within the bound.
     */
    @Test
    void sharedWaiterWinsAgainstAStreamOfExclusiveHolders() throws Exception
    {
        final AtomicLong refusals = new AtomicLong();
        final CountDownLatch started = new CountDownLatch(1);
        final CompletableFuture<?> w0 = exclusiveTurns("writer0", refusals, started);
        final CompletableFuture<?> w1 = exclusiveTurns("writer1", refusals, started);
        await(started, w0, w1);

        try (LockHandle reader = m.open("reader");
             LockHandle probe = m.open("probe"))
        {
            try
            {
                reader.acquire(LockRequest.pointShared("/n"), WAIT);
            }
            catch (final LockTimeoutException e)
            {
                fail("the shared waiter was starved by the stream of exclusive holders: " + e.getMessage());
            }
            assertFalse(probe.tryLock(LockRequest.point("/n")));
            assertEquals(LockMode.SHARED, reader.locks().get(0).mode());
        }
        finally
        {
            stop.set(true);
        }
        w0.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        w1.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /**
     * A thread that keeps {@code a} or {@code b} held through two handles: it takes the next one on
     * the spare handle before releasing the current one, so that while its {@code tryLock}s succeed
     * it always holds a lock. When refused it releases and holds nothing (and the spare handle it
     * tries next holds nothing, so no exemption from a pending mark applies). Ends when {@link #stop}.
     */
    private CompletableFuture<?> rotate(final CountDownLatch holding, final String label, final LockRequest a,
        final LockRequest b)
    {
        return CompletableFuture.runAsync(() ->
        {
            final LockHandle[] hs = {m.open(label + "-0"), m.open(label + "-1")};
            final LockRequest[] rs = {a, b};
            try
            {
                hs[0].tryAcquire(rs[0]);
                int current = 0;
                holding.countDown();
                while (!stop.get())
                {
                    final int spare = current < 0 ? 0 : 1 - current;
                    final boolean got = hs[spare].tryLock(rs[spare]);
                    if (current >= 0)
                    {
                        hs[current].releaseAll();
                    }
                    current = got ? spare : -1;
                }
            }
            finally
            {
                hs[0].close();
                hs[1].close();
            }
        }, threads);
    }

    /** One of two writers taking POINT-EXCLUSIVE(/n) in turn; see the test using it. */
    private CompletableFuture<?> exclusiveTurns(final String label, final AtomicLong refusals, final CountDownLatch started)
    {
        return CompletableFuture.runAsync(() ->
        {
            try (LockHandle h = m.open(label))
            {
                final LockRequest x = LockRequest.point("/n");
                while (!stop.get())
                {
                    if (h.tryLock(x))
                    {
                        started.countDown();
                        final long seen = refusals.get();
                        while (refusals.get() == seen && !stop.get())
                        {
                            Thread.onSpinWait();
                        }
                        h.releaseAll();
                    }
                    else
                    {
                        refusals.incrementAndGet();
                    }
                }
            }
        }, threads);
    }

    // ---- wake-ups ----------------------------------------------------------------------------

    /**
     * Releasing an exclusive lock wakes every shared waiter it blocked, not just one (no lost
     * wake-ups with several readers): a blocking and an asynchronous POINT-SHARED waiter, and a
     * SUBTREE-SHARED waiter above, all wait for one POINT-EXCLUSIVE and are all granted, together,
     * when it is released.
     */
    @Test
    void releasingAnExclusiveLockWakesEverySharedWaiter() throws Exception
    {
        final LockHandle writer = m.open("writer");
        writer.tryAcquire(LockRequest.point("/w/f"));
        final LockHandle blocking = m.open("blocking-reader");
        final CompletableFuture<Void> r1 = CompletableFuture.runAsync(() -> acquire(blocking, LockRequest.pointShared("/w/f"), WAIT), threads);
        awaitWaiters(1, r1);
        final CompletableFuture<LockHandle> r2 = m.acquireAsync(LockRequest.pointShared("/w/f"), WAIT);
        awaitWaiters(2, r2);
        final CompletableFuture<LockHandle> r3 = m.acquireAsync(LockRequest.subtreeShared("/w"), WAIT);
        awaitWaiters(3, r3);
        assertFalse(r1.isDone() || r2.isDone() || r3.isDone(), "the writer still holds /w/f");

        writer.releaseAll();
        r1.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        final LockHandle h2 = r2.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        final LockHandle h3 = r3.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertHolds(blocking, "/w/f", LockType.POINT, LockMode.SHARED);
        assertHolds(h2, "/w/f", LockType.POINT, LockMode.SHARED);
        assertHolds(h3, "/w", LockType.SUBTREE, LockMode.SHARED);
        assertFalse(writer.tryLock(LockRequest.point("/w/f")), "three readers hold /w/f now");
    }

    // ---- upgrade ------------------------------------------------------------------------------

    /** Shared → exclusive in place, POINT and SUBTREE, when nobody else holds a lock that meets it. */
    @Test
    void upgradeAloneIsGrantedInPlace()
    {
        try (LockHandle h = m.open("h");
             LockHandle other = m.open("other"))
        {
            h.tryAcquire(LockRequest.pointShared("/u"));
            h.tryAcquire(LockRequest.point("/u"));
            assertHolds(h, "/u", LockType.POINT, LockMode.EXCLUSIVE);
            final LockBusyException e = assertThrows(LockBusyException.class,
                () -> other.tryAcquire(LockRequest.pointShared("/u")));
            assertEquals(LockMode.EXCLUSIVE, e.conflict().holderMode());

            h.tryAcquire(LockRequest.subtreeShared("/t"));
            h.tryAcquire(LockRequest.subtree("/t"));
            assertEquals(2, h.locks().size(), h.locks().toString());
            assertHolds(h, "/t", LockType.SUBTREE, LockMode.EXCLUSIVE);
            assertFalse(other.tryLock(LockRequest.pointShared("/t/below")), "SUBTREE-EXCLUSIVE excludes readers below");
        }
    }

    /** An upgrade waits while another shared holder exists, and is granted when it releases. */
    @Test
    void upgradeWaitsForTheOtherSharedHolderAndIsGrantedWhenItReleases() throws Exception
    {
        final LockHandle a = m.open("upgrader");
        final LockHandle b = m.open("reader");
        final LockHandle c = m.open("probe");
        a.tryAcquire(LockRequest.pointShared("/u"));
        b.tryAcquire(LockRequest.pointShared("/u"));

        final CompletableFuture<Void> upgrade = CompletableFuture.runAsync(() -> acquire(a, LockRequest.point("/u"), WAIT), threads);
        awaitWaiters(1, upgrade);
        assertFalse(upgrade.isDone(), "another handle still holds /u shared");
        assertFalse(c.tryLock(LockRequest.point("/u")), "the upgrader keeps its shared lock while it waits");

        b.releaseAll();
        upgrade.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertHolds(a, "/u", LockType.POINT, LockMode.EXCLUSIVE);
        assertFalse(c.tryLock(LockRequest.pointShared("/u")));
    }

    /** An upgrade that times out (or is refused at once) leaves the handle its shared lock. */
    @Test
    void upgradeThatTimesOutKeepsTheSharedLock() throws Exception
    {
        try (LockHandle a = m.open("upgrader");
             LockHandle b = m.open("reader");
             LockHandle c = m.open("probe"))
        {
            a.tryAcquire(LockRequest.pointShared("/u"));
            b.tryAcquire(LockRequest.pointShared("/u"));

            final LockBusyException refused = assertThrows(LockBusyException.class, () -> a.tryAcquire(LockRequest.point("/u")));
            assertEquals(LockMode.SHARED, refused.conflict().holderMode());
            assertHolds(a, "/u", LockType.POINT, LockMode.SHARED);

            final LockTimeoutException timedOut = assertThrows(LockTimeoutException.class,
                () -> a.acquire(LockRequest.point("/u"), Duration.ofMillis(200)));
            if (timedOut.conflict() != null)
            {
                assertEquals(LockMode.SHARED, timedOut.conflict().holderMode(), timedOut.getMessage());
            }
            assertHolds(a, "/u", LockType.POINT, LockMode.SHARED);
            assertFalse(c.tryLock(LockRequest.point("/u")), "exclusive still refused: the upgrader is still a reader");
            assertTrue(c.tryLock(LockRequest.pointShared("/u")), "shared still granted: the upgrade left nothing behind");

            b.releaseAll();
            c.releaseAll();
            final LockBusyException stillShared = assertThrows(LockBusyException.class, () -> c.tryAcquire(LockRequest.point("/u")));
            assertTrue(stillShared.conflict().holderOwnerId().startsWith("upgrader@"), stillShared.getMessage());
            assertEquals(LockMode.SHARED, stillShared.conflict().holderMode());
        }
    }

    /**
     * Two shared holders both upgrade at once: exactly one fails fast with LockUpgradeException (a
     * LockBusyException; checked by name, as the class does not exist yet), keeping its shared lock;
     * the other completes once the loser releases. No deadlock: every wait is bounded below the
     * upgrades' own timeout, so a failure by timeout cannot pass for the fast failure.
     */
    @Test
    void twoUpgradersOneFailsFastTheOtherCompletesAfterTheLoserReleases() throws Exception
    {
        final LockHandle a = m.open("a");
        final LockHandle b = m.open("b");
        a.tryAcquire(LockRequest.pointShared("/u"));
        b.tryAcquire(LockRequest.pointShared("/u"));
        final CyclicBarrier together = new CyclicBarrier(2);
        final Duration upgradeTimeout = Duration.ofSeconds(60);
        final CompletableFuture<Void> ua = CompletableFuture.runAsync(() ->
        {
            await(together);
            acquire(a, LockRequest.point("/u"), upgradeTimeout);
        }, threads);
        final CompletableFuture<Void> ub = CompletableFuture.runAsync(() ->
        {
            await(together);
            acquire(b, LockRequest.point("/u"), upgradeTimeout);
        }, threads);

        exactlyOneFailsFastThenTheOtherCompletes(a, ua, "/u", LockType.POINT, b, ub, "/u", LockType.POINT);
    }

    /**
     * Two upgrades across each other's shared lock on different paths: a holds SUBTREE-SHARED(/d)
     * and waits for SUBTREE-EXCLUSIVE(/d), which b's POINT-SHARED(/d/e) blocks; then b asks
     * POINT-EXCLUSIVE(/d/e), which a's SUBTREE-SHARED(/d) blocks. A wait cycle: exactly one fails
     * fast, keeping its shared lock, and the other completes once the loser releases.
     */
    @Test
    void twoUpgradersAcrossEachOthersSharedLockOnDifferentPathsDoNotDeadlock() throws Exception
    {
        final LockHandle a = m.open("a");
        final LockHandle b = m.open("b");
        a.tryAcquire(LockRequest.subtreeShared("/d"));
        b.tryAcquire(LockRequest.pointShared("/d/e"));
        final Duration upgradeTimeout = Duration.ofSeconds(60);
        final CompletableFuture<Void> ua = CompletableFuture.runAsync(() -> acquire(a, LockRequest.subtree("/d"), upgradeTimeout), threads);
        awaitWaiters(1, ua);
        final CompletableFuture<Void> ub = CompletableFuture.runAsync(() -> acquire(b, LockRequest.point("/d/e"), upgradeTimeout), threads);
        exactlyOneFailsFastThenTheOtherCompletes(a, ua, "/d", LockType.SUBTREE, b, ub, "/d/e", LockType.POINT);
    }

    /**
     * The two-upgrader contract, once both upgrades were started: exactly one fails with
     * LockUpgradeException (a LockBusyException; checked by name, as the class does not exist yet)
     * well before the upgrades' own timeout, keeping its shared lock; the other cannot complete while
     * the loser holds it, and completes once the loser releases.
     */
    private static void exactlyOneFailsFastThenTheOtherCompletes(final LockHandle a, final CompletableFuture<Void> ua,
        final String aPath, final LockType aType, final LockHandle b, final CompletableFuture<Void> ub, final String bPath,
        final LockType bType) throws Exception
    {
        try
        {
            CompletableFuture.anyOf(ua, ub).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            fail("an upgrade succeeded while the other handle still held its shared lock");
        }
        catch (final ExecutionException expected)
        {
            // the loser
        }
        catch (final TimeoutException e)
        {
            fail("neither upgrader failed fast: both still wait after " + WAIT + " (a deadlock)");
        }
        final boolean aLost = ua.isCompletedExceptionally();
        final boolean bLost = ub.isCompletedExceptionally();
        assertTrue(aLost != bLost, "exactly one upgrader fails: a " + ua + ", b " + ub);
        final CompletableFuture<Void> winner = aLost ? ub : ua;
        final LockHandle loser = aLost ? a : b;
        final LockHandle winnerHandle = aLost ? b : a;

        final Throwable cause = causeOf(aLost ? ua : ub);
        assertTrue(cause instanceof LockBusyException, "the loser fails with a LockBusyException: " + cause);
        assertEquals("LockUpgradeException", cause.getClass().getSimpleName(), cause.toString());
        assertEquals("io.pathlock.core", cause.getClass().getPackageName());
        assertFalse(winner.isDone(), "the winner cannot be granted while the loser holds its shared lock");
        assertHolds(loser, aLost ? aPath : bPath, aLost ? aType : bType, LockMode.SHARED);

        loser.releaseAll();
        winner.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertHolds(winnerHandle, aLost ? bPath : aPath, aLost ? bType : aType, LockMode.EXCLUSIVE);
        assertTrue(loser.locks().isEmpty());
    }

    // ---- fencing ------------------------------------------------------------------------------

    /** Exclusive after shared: larger than each shared grant before it; shared after exclusive: larger. */
    @Test
    void fencingTokensOrderSharedAndExclusiveGrants()
    {
        try (LockHandle r1 = m.open("r1");
             LockHandle r2 = m.open("r2");
             LockHandle w = m.open("w");
             LockHandle r3 = m.open("r3"))
        {
            r1.tryAcquire(LockRequest.pointShared("/f"));
            r2.tryAcquire(LockRequest.pointShared("/f"));
            final long t1 = r1.fencingToken("/f");
            final long t2 = r2.fencingToken("/f");
            assertTrue(t1 > 0 && t2 > 0, "shared grants carry tokens too: " + t1 + ", " + t2);
            r1.releaseAll();
            r2.releaseAll();

            w.tryAcquire(LockRequest.point("/f"));
            final long tw = w.fencingToken("/f");
            assertTrue(tw > t1 && tw > t2, "exclusive " + tw + " after shared " + t1 + ", " + t2);
            w.releaseAll();

            r3.tryAcquire(LockRequest.pointShared("/f"));
            final long t3 = r3.fencingToken("/f");
            assertTrue(t3 > tw, "shared " + t3 + " after exclusive " + tw);
            r3.releaseAll();

            // Through the hierarchy: SUBTREE-SHARED above, then an exclusive POINT below, then a reader of all.
            r1.tryAcquire(LockRequest.subtreeShared("/d"));
            final long ts = r1.fencingToken("/d");
            r1.releaseAll();
            w.tryAcquire(LockRequest.point("/d/e"));
            final long te = w.fencingToken("/d/e");
            assertTrue(te > ts, "POINT-EXCLUSIVE /d/e " + te + " after SUBTREE-SHARED /d " + ts);
            w.releaseAll();
            r2.tryAcquire(LockRequest.subtreeShared("/"));
            final long tr = r2.fencingToken("/");
            assertTrue(tr > te, "SUBTREE-SHARED / " + tr + " after POINT-EXCLUSIVE /d/e " + te);
        }
    }

    /** An upgrade is a new grant: its token exceeds every shared grant on the path before it, its own included. */
    @Test
    void upgradeTakesATokenAboveEverySharedGrantBeforeIt()
    {
        try (LockHandle a = m.open("a");
             LockHandle b = m.open("b"))
        {
            a.tryAcquire(LockRequest.pointShared("/f"));
            b.tryAcquire(LockRequest.pointShared("/f"));
            final long ta = a.fencingToken("/f");
            final long tb = b.fencingToken("/f");
            b.releaseAll();
            a.tryAcquire(LockRequest.point("/f"));
            final long tx = a.fencingToken("/f");
            assertTrue(tx > ta && tx > tb, "upgrade " + tx + " after shared " + ta + " (own) and " + tb);
        }
    }

    // ---- reports ------------------------------------------------------------------------------

    /** Snapshots, waiters, conflicts and messages name the mode of the holder's lock. */
    @Test
    void snapshotsWaitersAndConflictsShowTheMode() throws Exception
    {
        final LockHandle tree = m.open("tree");
        final LockHandle file = m.open("file");
        final LockHandle other = m.open("other");
        tree.tryAcquire(LockRequest.subtreeShared("/s"));
        file.tryAcquire(LockRequest.pointShared("/s/x"));
        other.tryAcquire(LockRequest.point("/t"));

        final LockSnapshot s = m.snapshot();
        assertEquals(List.of("SUBTREE SHARED /s"), locksOf(s, "tree@"));
        assertEquals(List.of("POINT SHARED /s/x"), locksOf(s, "file@"));
        assertEquals(List.of("POINT EXCLUSIVE /t"), locksOf(s, "other@"));

        final LockBusyException busy = assertThrows(LockBusyException.class,
            () -> other.tryAcquire(LockRequest.point("/s/x")));
        assertEquals(LockMode.SHARED, busy.conflict().holderMode());
        assertTrue(busy.getMessage().contains("-SHARED"), busy.getMessage());
        final List<ConflictRecord> recent = m.snapshot().recentConflicts();
        assertFalse(recent.isEmpty());
        assertEquals(LockMode.SHARED, recent.get(recent.size() - 1).conflict().holderMode());

        final CompletableFuture<LockHandle> waiting = m.acquireAsync(LockRequest.subtree("/s"));
        awaitWaiters(1, waiting);
        final LockSnapshot.WaiterInfo w = m.snapshot().waiters().get(0);
        final LockConflict blockedBy = w.blockedBy();
        assertNotNull(blockedBy, "a waiter says what blocks it");
        assertEquals(LockMode.SHARED, blockedBy.holderMode(), blockedBy.toString());
        tree.close();
        file.close();
        try (LockHandle granted = waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS))
        {
            assertHolds(granted, "/s", LockType.SUBTREE, LockMode.EXCLUSIVE);
        }
        other.close();
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static List<String> locksOf(final LockSnapshot s, final String ownerPrefix)
    {
        return s.handles().stream()
            .filter(h -> h.ownerId().startsWith(ownerPrefix))
            .flatMap(h -> h.locks().stream())
            .map(l -> l.type() + " " + l.mode() + " " + l.path())
            .toList();
    }

    private static void assertHolds(final LockHandle h, final String path, final LockType type, final LockMode mode)
    {
        final List<HeldLock> locks = h.locks();
        final HeldLock l = locks.stream().filter(x -> x.path().toString().equals(path)).findFirst().orElse(null);
        assertNotNull(l, h.ownerId() + " holds nothing on " + path + ": " + locks);
        assertEquals(type + " " + mode, l.type() + " " + l.mode(), h.ownerId() + " on " + path + ": " + locks);
    }

    private static void acquire(final LockHandle h, final LockRequest r, final Duration timeout)
    {
        try
        {
            h.acquire(r, timeout);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new CompletionException(e);
        }
    }

    private static void await(final CyclicBarrier barrier)
    {
        try
        {
            barrier.await(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        catch (final Exception e)
        {
            throw new CompletionException(e);
        }
    }

    /** Waits for a latch, failing at once with a helper thread's exception if one ends first. */
    private static void await(final CountDownLatch latch, final CompletableFuture<?>... helpers) throws Exception
    {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (!latch.await(10, TimeUnit.MILLISECONDS))
        {
            rethrowIfFailed(helpers);
            if (System.nanoTime() > deadline)
            {
                fail("helper threads never got going");
            }
        }
        rethrowIfFailed(helpers);
    }

    /** Waits until the manager lists {@code n} waiters, failing with the waiter's exception if it ends first. */
    private void awaitWaiters(final int n, final CompletableFuture<?> waiter) throws Exception
    {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (m.snapshot().waiters().size() < n)
        {
            if (waiter.isDone())
            {
                rethrowIfFailed(waiter);
                fail("the request was granted at once; expected it to wait");
            }
            if (System.nanoTime() > deadline)
            {
                fail(n + " waiters expected, never seen");
            }
            Thread.onSpinWait();
        }
    }

    private static void rethrowIfFailed(final CompletableFuture<?>... fs) throws Exception
    {
        for (final CompletableFuture<?> f : fs)
        {
            if (f.isCompletedExceptionally())
            {
                final Throwable t = causeOf(f);
                if (t instanceof Exception)
                {
                    throw (Exception)t;
                }
                throw new AssertionError(t);
            }
        }
    }

    private static Throwable causeOf(final CompletableFuture<?> f)
    {
        try
        {
            f.join();
            return null;
        }
        catch (final CompletionException e)
        {
            Throwable t = e;
            while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null)
            {
                t = t.getCause();
            }
            return t;
        }
        catch (final java.util.concurrent.CancellationException e)
        {
            return e;
        }
    }
}

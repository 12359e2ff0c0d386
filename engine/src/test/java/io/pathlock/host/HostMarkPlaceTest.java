package io.pathlock.host;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A pending mark stands only where its owner waits now ({@link HostStoreMarks} HM1, {@link HostLockStore}
 * HS5): host-spec finding 7 (random batches of two sessions stuck for the whole guard). A mark kept
 * while its owner's table wait is refused somewhere else makes the owner a holder of the mark, and two
 * such owners of two sessions wait for each other for ever. Two stores on one root in one JVM are two sessions, each
 * behind its own {@link LockManager}; interop {@code none} so that only the table decides. Ordered by
 * the marks and waiter records the test observes (no sleeps).
 */
class HostMarkPlaceTest
{
    @TempDir
    Path root;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception
    {
        for (int i = toClose.size() - 1; i >= 0; i--)
        {
            toClose.get(i).close();
        }
    }

    private HostLockStore store()
    {
        final HostLockStore s = HostLockStoreContractTest.small(root, "none").build();
        toClose.add(s);
        return s;
    }

    private LockManager manager(final HostLockStore store)
    {
        final LockManager m = LockManager.builder().store(store).build();
        toClose.add(m);
        return m;
    }

    /** Waits (bounded, without sleeping) until a condition other threads make true holds. */
    private static void awaitTrue(final String what, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /** An acquisition on its own thread; completes with null when granted (and released), else the error. */
    private static CompletableFuture<Throwable> acquireAndRelease(final LockManager m, final LockRequest r,
        final Duration timeout, final String name)
    {
        final CompletableFuture<Throwable> done = new CompletableFuture<>();
        final Thread t = new Thread(() ->
        {
            try (LockHandle h = m.open(name))
            {
                h.acquire(r, timeout);
                h.releaseAll();
                done.complete(null);
            }
            catch (final Throwable e)
            {
                done.complete(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return done;
    }

    /**
     * Two batch waiters of two sessions, each refused at the other's mark: Y (session A) marks /e
     * (its SUBTREE /e waits for B's POINT /e/h) and is then refused at /a by W's mark; W (session B)
     * marks /a (its SUBTREE /a waits for A's POINT /a/h) and, once /a is free, is refused at /e by Y's
     * mark. Refusals at a raise need no mark; before the fix such a wait kept the owner's old mark,
     * so once both holders were gone each waiter still refused the other: both timed out.
     */
    @Test
    void batchWaitersOfTwoSessionsRefusedAtEachOthersMarksAreBothGranted() throws Exception
    {
        final HostLockStore as = store();
        final HostLockStore bs = store();
        final LockManager a = manager(as);
        final LockManager b = manager(bs);
        final LockHandle holdA = a.tryLock(LockRequest.point("/a/h"));
        final LockHandle holdB = b.tryLock(LockRequest.point("/e/h"));
        assertNotNull(holdA);
        assertNotNull(holdB);
        final LockRequest yReq = LockRequest.builder().add("/a/y", LockType.POINT).add("/e", LockType.SUBTREE).build();
        final CompletableFuture<Throwable> y = acquireAndRelease(a, yReq, Duration.ofSeconds(20), "Y");
        awaitTrue("Y marked /e", () -> as.pendingMarkCount() == 1);
        final LockRequest wReq = LockRequest.builder().add("/a", LockType.SUBTREE).add("/e/x", LockType.POINT).build();
        final CompletableFuture<Throwable> w = acquireAndRelease(b, wReq, Duration.ofSeconds(20), "W");
        awaitTrue("W marked /a", () -> bs.pendingMarkCount() == 1);
        holdA.close();
        holdB.close();
        assertEquals(null, y.get(60, TimeUnit.SECONDS), "Y");
        assertEquals(null, w.get(60, TimeUnit.SECONDS), "W");
        assertEquals(0, as.pendingMarkCount(), "A's marks after both grants");
        assertEquals(0, bs.pendingMarkCount(), "B's marks after both grants");
    }
}

package io.pathlock;

import io.pathlock.core.LockType;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockConflict;
import io.pathlock.core.LockBusyException;
import io.pathlock.store.LockStore;
import io.pathlock.store.MemoryLockStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fencing tokens are taken at the grant's linearization point, inside the claim (DESIGN §2): if
 * grant A of a lock happens before a conflicting grant B then token(A) &lt; token(B).
 *
 * <p>Checking only {@code token > last} over grants made one after another cannot tell a token
 * drawn inside the claim from one drawn before it. These tests stop a grant inside
 * {@link LockStore#nextFencingToken()} (a store wrapper that pauses the call after the delegate
 * drew the token) or inside {@link LockStore#awaitChange} after a refused publication, and let
 * another handle take and release a conflicting lock meanwhile. Deterministic: latches only, every
 * wait bounded.
 */
class FencingOrderTest
{
    private static final long WAIT_SECONDS = 20;

    private final PausingStore store = new PausingStore();
    private final LockManager manager = LockManager.builder().store(store).startAgent(false).build();

    @AfterEach
    void close()
    {
        store.releaseAll();
        manager.close();
    }

    static Stream<Arguments> conflictingPairs()
    {
        return Stream.of(
            Arguments.of(LockRequest.point("/f"), LockRequest.point("/f")),
            Arguments.of(LockRequest.point("/d/f"), LockRequest.subtree("/d")),
            Arguments.of(LockRequest.subtree("/d"), LockRequest.point("/d/e/f")),
            Arguments.of(LockRequest.subtree("/d"), LockRequest.subtree("/")),
            // A batch: the second grant conflicts with one entry of the first only.
            Arguments.of(LockRequest.mv("/a/x", "/b", true), LockRequest.point("/b/y")),
            Arguments.of(LockRequest.point("/q"), LockRequest.mv("/p/x", "/q", true)));
    }

    /**
     * Handle A is stopped inside {@code nextFencingToken()} (its token already drawn). While it is
     * stopped, A's claim must already be in place: a conflicting request by handle B is refused.
     * Had B been granted (token drawn before the claim), B's grant and release would happen before
     * A's claim, yet B's token would be the larger one.
     */
    @ParameterizedTest(name = "{0} then {1}")
    @MethodSource("conflictingPairs")
    void conflictingGrantWhileTheTokenIsDrawnIsRefusedAndOrdered(final LockRequest first, final LockRequest second)
        throws Exception
    {
        final LockHandle a = manager.open("a");
        final LockHandle b = manager.open("b");
        final CompletableFuture<Long> aToken = new CompletableFuture<>();
        store.pauseTokenOf("a-thread");
        final Thread t = new Thread(() ->
        {
            try
            {
                a.tryAcquire(first);
                aToken.complete(a.locks().get(0).fencingToken());
            }
            catch (final Throwable e)
            {
                aToken.completeExceptionally(e);
            }
        }, "a-thread");
        t.start();
        store.awaitPaused();

        long bToken = -1;
        Throwable bRefused = null;
        try
        {
            b.tryAcquire(second);
            bToken = b.locks().get(0).fencingToken();
            b.releaseAll();
        }
        catch (final LockBusyException e)
        {
            bRefused = e;
        }
        store.resume();
        final long ta = aToken.get(WAIT_SECONDS, TimeUnit.SECONDS);
        t.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));

        if (bRefused == null)
        {
            // B was granted and released before A's claim: the fencing order demands token(B) < token(A).
            assertTrue(bToken < ta, "grant " + second + " (token " + bToken + ") happened before the conflicting grant "
                + first + " (token " + ta + ") but got the larger token: the token was drawn before the claim");
            fail(second + " was granted while " + first + " was inside nextFencingToken(): the claim was not in place"
                + " when the token was drawn (tokens a=" + ta + ", b=" + bToken + ")");
        }
        assertTrue(bRefused instanceof LockBusyException, String.valueOf(bRefused));

        // After A releases, B's grant comes later and must get the larger token.
        a.releaseAll();
        b.tryAcquire(second);
        final long later = b.locks().get(0).fencingToken();
        assertTrue(later > ta, "grant after the release got token " + later + " <= " + ta);
    }

    /**
     * Handle A's first attempt is claimed in the table, refused by the store and rolled back; while
     * A waits in {@code awaitChange}, handle B takes and releases the lock. A's retried grant comes
     * after B's and must carry the larger token: a token kept from the refused attempt (or drawn
     * once per acquisition) would be smaller.
     */
    @Test
    void grantRetriedAfterAStoreRefusalGetsATokenAboveTheGrantsMeanwhile() throws Exception
    {
        final LockHandle a = manager.open("a");
        final LockHandle b = manager.open("b");
        store.refuseNextPublishOf("a-retry");
        final CompletableFuture<Long> aToken = new CompletableFuture<>();
        final Thread t = new Thread(() ->
        {
            try
            {
                a.acquire(LockRequest.subtree("/r"), Duration.ofSeconds(WAIT_SECONDS));
                aToken.complete(a.locks().get(0).fencingToken());
            }
            catch (final Throwable e)
            {
                aToken.completeExceptionally(e);
            }
        }, "a-retry");
        t.start();
        store.awaitWaiting();

        b.tryAcquire(LockRequest.point("/r/x"));
        final long bToken = b.locks().get(0).fencingToken();
        b.releaseAll();
        b.tryAcquire(LockRequest.subtree("/r"));
        final long bToken2 = b.locks().get(0).fencingToken();
        b.releaseAll();
        assertTrue(bToken2 > bToken);

        store.change();
        final long ta = aToken.get(WAIT_SECONDS, TimeUnit.SECONDS);
        t.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        assertEquals(2, store.publishes("a-retry"), "A published twice: refused, then granted");
        assertTrue(ta > bToken2, "A's retried grant came after B's grants (tokens " + bToken + ", " + bToken2
            + ") but got token " + ta);
    }

    /**
     * A refused attempt (table conflict) draws no token that a later grant could undercut: tokens
     * of grants in happens-before order increase, with refusals of a conflicting request between.
     */
    @Test
    void refusalsBetweenConflictingGrantsKeepTheirTokensOrdered()
    {
        final LockHandle a = manager.open("a");
        final LockHandle b = manager.open("b");
        a.tryAcquire(LockRequest.subtree("/s"));
        final long t1 = a.locks().get(0).fencingToken();
        assertThrows(LockBusyException.class, () -> b.tryAcquire(LockRequest.point("/s/x")));
        assertTrue(b.locks().isEmpty());
        a.releaseAll();
        b.tryAcquire(LockRequest.point("/s/x"));
        final long t2 = b.locks().get(0).fencingToken();
        assertThrows(LockBusyException.class, () -> a.tryAcquire(LockRequest.subtree("/s")));
        b.releaseAll();
        a.tryAcquire(LockRequest.subtree("/s"));
        final long t3 = a.locks().get(0).fencingToken();
        assertTrue(t1 < t2 && t2 < t3, "tokens " + List.of(t1, t2, t3));
    }

    /**
     * A memory store whose {@link #nextFencingToken()} pauses on one named thread after the delegate
     * drew the token, and whose next {@link #tryPublish} on one named thread is refused, with
     * {@link #awaitChange} then held until {@link #change()}. Every wait is bounded.
     */
    static final class PausingStore implements LockStore
    {
        private final MemoryLockStore delegate = new MemoryLockStore();
        private final CountDownLatch paused = new CountDownLatch(1);
        private final CountDownLatch resume = new CountDownLatch(1);
        private final CountDownLatch waiting = new CountDownLatch(1);
        private final CountDownLatch changed = new CountDownLatch(1);
        private final AtomicReference<String> pauseThread = new AtomicReference<>();
        private final AtomicReference<String> refuseThread = new AtomicReference<>();
        private final java.util.concurrent.ConcurrentHashMap<String, Integer> publishes =
            new java.util.concurrent.ConcurrentHashMap<>();

        void pauseTokenOf(final String threadName)
        {
            pauseThread.set(threadName);
        }

        void refuseNextPublishOf(final String threadName)
        {
            refuseThread.set(threadName);
        }

        void awaitPaused() throws InterruptedException
        {
            assertTrue(paused.await(WAIT_SECONDS, TimeUnit.SECONDS), "the grant never reached nextFencingToken()");
        }

        void awaitWaiting() throws InterruptedException
        {
            assertTrue(waiting.await(WAIT_SECONDS, TimeUnit.SECONDS), "the refused attempt never waited for a change");
        }

        void resume()
        {
            resume.countDown();
        }

        void change()
        {
            changed.countDown();
        }

        void releaseAll()
        {
            resume.countDown();
            changed.countDown();
        }

        int publishes(final String threadName)
        {
            return publishes.getOrDefault(threadName, 0);
        }

        private static void await(final CountDownLatch latch, final String what)
        {
            try
            {
                if (!latch.await(WAIT_SECONDS, TimeUnit.SECONDS))
                {
                    throw new AssertionError("test store: not released within " + WAIT_SECONDS + " s: " + what);
                }
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while paused: " + what, e);
            }
        }

        @Override
        public long nextFencingToken()
        {
            final long token = delegate.nextFencingToken();
            if (pauseThread.compareAndSet(Thread.currentThread().getName(), null))
            {
                paused.countDown();
                await(resume, "nextFencingToken");
            }
            return token;
        }

        @Override
        public PublishResult tryPublish(final String ownerId, final List<LockRequest.Entry> entries)
        {
            publishes.merge(Thread.currentThread().getName(), 1, Integer::sum);
            if (refuseThread.compareAndSet(Thread.currentThread().getName(), null))
            {
                return PublishResult.refused(new LockConflict(entries.get(0).path().toString(), LockConflict.Reason.HELD,
                    "other-process", LockType.SUBTREE, 0, "test"), "blocker");
            }
            return delegate.tryPublish(ownerId, entries);
        }

        @Override
        public void awaitChange(final Object blocker, final long timeoutNanos)
        {
            waiting.countDown();
            await(changed, "awaitChange");
        }

        @Override
        public CompletableFuture<Void> onChange(final Object blocker, final long timeoutNanos)
        {
            return CompletableFuture.runAsync(() -> awaitChange(blocker, timeoutNanos));
        }

        @Override
        public String describe()
        {
            return "pausing-memory";
        }

        @Override
        public void unpublish(final Publication publication)
        {
            delegate.unpublish(publication);
        }

        @Override
        public boolean refresh(final Publication publication)
        {
            return delegate.refresh(publication);
        }

        @Override
        public Duration heartbeatInterval()
        {
            return Duration.ZERO;
        }

        @Override
        public void close()
        {
            delegate.close();
        }
    }
}

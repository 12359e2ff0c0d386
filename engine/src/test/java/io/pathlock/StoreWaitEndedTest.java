package io.pathlock;

import io.pathlock.core.LockBusyException;
import io.pathlock.core.LockConflict;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockTimeoutException;
import io.pathlock.core.LockType;
import io.pathlock.store.LockStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LockStore#waitEnded}: the handle tells the store once for every waiting acquisition that the
 * store refused and was asked to wait for, however the wait ends (granted, timed out, interrupted,
 * cancelled), on the blocking and the asynchronous drivers, and never for a refusal nobody waited on.
 * A store that refuses until told otherwise stands for another process (a unit test of the handle's
 * logic: the host-table store's marks are tested on a real table in {@code HostLockStoreTest}).
 */
class StoreWaitEndedTest
{
    /** Refuses while {@code busy}; a wait blocks until the test pokes it. Records waitEnded calls. */
    static final class RefusingStore implements LockStore
    {
        volatile boolean busy = true;
        final Semaphore poke = new Semaphore(0);
        final Semaphore waiting = new Semaphore(0);
        final List<String> ended = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<Void>> asyncWaits = new CopyOnWriteArrayList<>();
        private long token;

        private record Pub(List<LockRequest.Entry> entries) implements Publication
        {
        }

        @Override
        public String describe()
        {
            return "refusing";
        }

        @Override
        public PublishResult tryPublish(final String ownerId, final List<LockRequest.Entry> entries)
        {
            if (busy)
            {
                return PublishResult.refused(new LockConflict(entries.get(0).path().toString(), LockConflict.Reason.HELD,
                    "other-process", LockType.POINT, -1, "refusing"), "blocker");
            }
            return PublishResult.granted(new Pub(entries));
        }

        @Override
        public void unpublish(final Publication publication)
        {
        }

        @Override
        public synchronized long nextFencingToken()
        {
            return ++token;
        }

        @Override
        public boolean refresh(final Publication publication)
        {
            return true;
        }

        @Override
        public Duration heartbeatInterval()
        {
            return Duration.ZERO;
        }

        @Override
        public void awaitChange(final Object blocker, final long timeoutNanos) throws InterruptedException
        {
            waiting.release();
            poke.tryAcquire(Math.min(timeoutNanos, TimeUnit.SECONDS.toNanos(60)), TimeUnit.NANOSECONDS);
        }

        @Override
        public CompletableFuture<Void> onChange(final Object blocker, final long timeoutNanos)
        {
            final CompletableFuture<Void> f = new CompletableFuture<>();
            asyncWaits.add(f);
            waiting.release();
            return f;
        }

        @Override
        public void waitEnded(final String ownerId)
        {
            ended.add(ownerId);
        }

        @Override
        public void close()
        {
        }

        void awaitWaiting() throws InterruptedException
        {
            assertTrue(waiting.tryAcquire(30, TimeUnit.SECONDS), "the acquisition never waited on the store");
        }
    }

    private final RefusingStore store = new RefusingStore();
    private final ManualClock clock = ManualClock.frozen();
    private final LockManager manager = LockManager.builder().store(store).clock(clock).startAgent(false).build();

    @AfterEach
    void close()
    {
        manager.close();
    }

    @Test
    void aBlockingWaitThatTimesOutEndsOnce() throws Exception
    {
        final LockHandle h = manager.open("timeout");
        final AtomicReference<Throwable> thrown = new AtomicReference<>();
        final Thread t = new Thread(() ->
        {
            try
            {
                h.acquire(LockRequest.subtree("/a"), Duration.ofSeconds(10));
            }
            catch (final Throwable e)
            {
                thrown.set(e);
            }
        });
        t.start();
        store.awaitWaiting();
        assertTrue(store.ended.isEmpty(), "ended while still waiting");
        clock.advanceMillis(10_001);
        store.poke.release();
        t.join(TimeUnit.SECONDS.toMillis(30));
        assertInstanceOf(LockTimeoutException.class, thrown.get());
        assertEquals(List.of(h.ownerId()), store.ended);
    }

    @Test
    void aBlockingWaitThatIsInterruptedEndsOnce() throws Exception
    {
        final LockHandle h = manager.open("interrupt");
        final AtomicReference<Throwable> thrown = new AtomicReference<>();
        final Thread t = new Thread(() ->
        {
            try
            {
                h.acquire(LockRequest.subtree("/a"));
            }
            catch (final Throwable e)
            {
                thrown.set(e);
            }
        });
        t.start();
        store.awaitWaiting();
        t.interrupt();
        t.join(TimeUnit.SECONDS.toMillis(30));
        assertInstanceOf(InterruptedException.class, thrown.get());
        assertEquals(List.of(h.ownerId()), store.ended);
    }

    @Test
    void aBlockingWaitThatIsGrantedEndsOnce() throws Exception
    {
        final LockHandle h = manager.open("granted");
        final AtomicReference<Throwable> thrown = new AtomicReference<>();
        final Thread t = new Thread(() ->
        {
            try
            {
                h.acquire(LockRequest.subtree("/a"));
            }
            catch (final Throwable e)
            {
                thrown.set(e);
            }
        });
        t.start();
        store.awaitWaiting();
        store.busy = false;
        store.poke.release();
        t.join(TimeUnit.SECONDS.toMillis(30));
        assertEquals(null, thrown.get());
        assertEquals(1, h.locks().size());
        assertEquals(List.of(h.ownerId()), store.ended);
    }

    @Test
    void anAsyncWaitThatIsGrantedOrCancelledEndsOnce() throws Exception
    {
        final CompletableFuture<LockHandle> granted = manager.acquireAsync(LockRequest.point("/g"), Duration.ofHours(1));
        store.awaitWaiting();
        store.busy = false;
        store.asyncWaits.get(0).complete(null);
        final LockHandle h = granted.get(30, TimeUnit.SECONDS);
        assertEquals(List.of(h.ownerId()), store.ended);
        h.close();

        store.busy = true;
        store.ended.clear();
        final CompletableFuture<LockHandle> cancelled = manager.acquireAsync(LockRequest.point("/c"), Duration.ofHours(1));
        store.awaitWaiting();
        cancelled.cancel(false);
        assertEquals(1, store.ended.size(), "cancelling ended the wait once");
    }

    @Test
    void anAsyncWaitThatTimesOutEnds() throws Exception
    {
        final CompletableFuture<LockHandle> f = manager.acquireAsync(LockRequest.point("/t"), Duration.ofMillis(1));
        final ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
        assertInstanceOf(LockTimeoutException.class, e.getCause());
        assertEquals(1, store.ended.size(), store.ended.toString());
    }

    @Test
    void aRefusalNobodyWaitedOnIsNoEndedWait()
    {
        final LockHandle h = manager.open("try");
        assertThrows(LockBusyException.class, () -> h.tryAcquire(LockRequest.point("/n")));
        assertThrows(LockBusyException.class, () -> h.acquire(LockRequest.point("/n"), Duration.ZERO));
        assertTrue(store.ended.isEmpty(), store.ended.toString());
    }
}

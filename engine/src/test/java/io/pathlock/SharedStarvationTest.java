package io.pathlock;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No starvation in either direction (LockTable invariant 6, the mark kinds of issue 15): a stream
 * of shared grants must not overtake a waiting exclusive lock, and a stream of exclusive grants
 * must not overtake a waiting SUBTREE-SHARED. Each stream here is of fresh handles that overlap
 * the holder the waiter waits for; without the mark every one of them would be granted, and the
 * waiter would never find the node free.
 */
class SharedStarvationTest
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

    private List<LockHandle> stream(final String label, final LockRequest request, final boolean expectGranted)
    {
        final List<LockHandle> out = new ArrayList<>();
        for (int i = 0; i < 50; i++)
        {
            final LockHandle h = m.open(label + i);
            out.add(h);
            assertEquals(expectGranted, h.tryLock(request), label + i + " " + request);
        }
        return out;
    }

    private static void closeAll(final List<LockHandle> hs)
    {
        for (final LockHandle h : hs)
        {
            h.close();
        }
    }

    @Test
    void readersDoNotStarveAPointWriter() throws Exception
    {
        final LockHandle reader = m.open("reader");
        reader.tryAcquire(LockRequest.pointShared("/f"));
        final CompletableFuture<LockHandle> writer = m.acquireAsync(LockRequest.point("/f"));
        awaitWaiters(1);
        final List<LockHandle> readers = stream("r", LockRequest.pointShared("/f"), false);
        closeAll(stream("sr", LockRequest.subtreeShared("/f"), false));
        // Shared locks that do not meet the waiter are not held up.
        closeAll(stream("below", LockRequest.pointShared("/f/x"), true));
        reader.close();
        try (LockHandle w = writer.get(30, TimeUnit.SECONDS))
        {
            assertEquals(LockMode.EXCLUSIVE, w.locks().get(0).mode());
        }
        closeAll(readers);
    }

    @Test
    void subtreeReadersDoNotStarveAWriterBelow() throws Exception
    {
        final LockHandle reader = m.open("reader");
        reader.tryAcquire(LockRequest.subtreeShared("/d"));
        final CompletableFuture<LockHandle> writer = m.acquireAsync(LockRequest.point("/d/f"));
        awaitWaiters(1);
        closeAll(stream("sr", LockRequest.subtreeShared("/d"), false));
        closeAll(stream("ps", LockRequest.pointShared("/d/g"), true));
        reader.close();
        writer.get(30, TimeUnit.SECONDS).close();
    }

    @Test
    void readersBelowDoNotStarveASubtreeWriter() throws Exception
    {
        final LockHandle reader = m.open("reader");
        reader.tryAcquire(LockRequest.pointShared("/a/b"));
        final CompletableFuture<LockHandle> writer = m.acquireAsync(LockRequest.subtree("/a"));
        awaitWaiters(1);
        closeAll(stream("ps", LockRequest.pointShared("/a/c"), false));
        closeAll(stream("ss", LockRequest.subtreeShared("/a"), false));
        reader.close();
        try (LockHandle w = writer.get(30, TimeUnit.SECONDS))
        {
            assertEquals(LockType.SUBTREE, w.locks().get(0).type());
            assertEquals(LockMode.EXCLUSIVE, w.locks().get(0).mode());
        }
    }

    @Test
    void writersBelowDoNotStarveASubtreeReader() throws Exception
    {
        final LockHandle writer = m.open("writer");
        writer.tryAcquire(LockRequest.point("/a/x"));
        final CompletableFuture<LockHandle> reader = m.acquireAsync(LockRequest.subtreeShared("/a"));
        awaitWaiters(1);
        closeAll(stream("px", LockRequest.point("/a/y"), false));
        closeAll(stream("sx", LockRequest.subtree("/a/z"), false));
        // Readers below are compatible with the waiting reader: not held up.
        final List<LockHandle> readers = stream("ps", LockRequest.pointShared("/a/w"), true);
        assertTrue(writer.tryLock(LockRequest.point("/a/v")),
            "the holder the waiter waits for is exempt from the mark");
        assertFalse(reader.isDone());
        writer.close();
        try (LockHandle r = reader.get(30, TimeUnit.SECONDS))
        {
            assertEquals(LockMode.SHARED, r.locks().get(0).mode());
            assertEquals(LockType.SUBTREE, r.locks().get(0).type());
        }
        closeAll(readers);
    }

    @Test
    void writersDoNotStarveASubtreeReaderThroughWaitingRequests() throws Exception
    {
        // The same as a stream of waiting requests that hold nothing: they respect the mark and
        // time out while the reader waits (waiting requests of handles nobody waits for).
        final LockHandle writer = m.open("writer");
        writer.tryAcquire(LockRequest.point("/b/x"));
        final CompletableFuture<LockHandle> reader = m.acquireAsync(LockRequest.subtreeShared("/b"));
        awaitWaiters(1);
        for (int i = 0; i < 5; i++)
        {
            try (LockHandle h = m.open("px" + i))
            {
                final LockHandle hh = h;
                org.junit.jupiter.api.Assertions.assertThrows(io.pathlock.core.LockTimeoutException.class,
                    () -> hh.acquire(LockRequest.point("/b/y" + 0), java.time.Duration.ofMillis(20)));
            }
        }
        writer.close();
        reader.get(30, TimeUnit.SECONDS).close();
    }
}

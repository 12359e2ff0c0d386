package io.pathlock;

import io.pathlock.core.LockRequest;
import io.pathlock.core.LockStoreException;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A memory store whose publication may block, as the lock-file store's does: while a gate is
 * armed, {@link #tryPublish} announces itself and waits for the test to open the gate.
 */
final class GatedStore extends ForwardingMemoryStore
{
    GatedStore()
    {
        super(true);
    }

    private volatile CountDownLatch entered = new CountDownLatch(1);
    private volatile CountDownLatch gate;
    final AtomicInteger published = new AtomicInteger();
    final AtomicInteger unpublished = new AtomicInteger();

    /** Makes the next publications wait until {@link #open()}. */
    void arm()
    {
        entered = new CountDownLatch(1);
        gate = new CountDownLatch(1);
    }

    /** Waits until a publication is inside the store, held at the gate. */
    void awaitEntered() throws InterruptedException
    {
        if (!entered.await(30, TimeUnit.SECONDS))
        {
            throw new AssertionError("no publication reached the store");
        }
    }

    void open()
    {
        final CountDownLatch g = gate;
        gate = null;
        if (g != null)
        {
            g.countDown();
        }
    }

    @Override
    public String describe()
    {
        return "gated-memory";
    }

    @Override
    public PublishResult tryPublish(final String ownerId, final List<LockRequest.Entry> entries)
    {
        final CountDownLatch g = gate;
        if (g != null)
        {
            entered.countDown();
            try
            {
                if (!g.await(30, TimeUnit.SECONDS))
                {
                    throw new AssertionError("gate never opened");
                }
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
                throw new LockStoreException("interrupted at the gate", e);
            }
        }
        final PublishResult r = super.tryPublish(ownerId, entries);
        if (r.isGranted())
        {
            published.incrementAndGet();
        }
        return r;
    }

    @Override
    public void unpublish(final Publication publication)
    {
        unpublished.incrementAndGet();
        super.unpublish(publication);
    }
}

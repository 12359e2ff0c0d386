package io.pathlock.tree;

import io.pathlock.core.LockRequest;
import io.pathlock.store.LockStore;
import io.pathlock.store.MemoryLockStore;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The memory store behind every method of the SPI, for tests that change one behaviour of it (the
 * token sequence, a refusal) and keep the rest.
 */
class ForwardingMemoryStore implements LockStore
{
    /** The store every call goes to. */
    final MemoryLockStore inner = new MemoryLockStore();

    @Override
    public String describe()
    {
        return inner.describe();
    }

    @Override
    public PublishResult tryPublish(final String ownerId, final List<LockRequest.Entry> entries)
    {
        return inner.tryPublish(ownerId, entries);
    }

    @Override
    public void unpublish(final Publication publication)
    {
        inner.unpublish(publication);
    }

    @Override
    public long nextFencingToken()
    {
        return inner.nextFencingToken();
    }

    @Override
    public boolean refresh(final Publication publication)
    {
        return inner.refresh(publication);
    }

    @Override
    public Duration heartbeatInterval()
    {
        return inner.heartbeatInterval();
    }

    @Override
    public void awaitChange(final Object blocker, final long timeoutNanos) throws InterruptedException
    {
        inner.awaitChange(blocker, timeoutNanos);
    }

    @Override
    public CompletableFuture<Void> onChange(final Object blocker, final long timeoutNanos)
    {
        return inner.onChange(blocker, timeoutNanos);
    }

    @Override
    public boolean publishMayBlock()
    {
        return inner.publishMayBlock();
    }

    @Override
    public boolean needsPublication()
    {
        return inner.needsPublication();
    }

    @Override
    public boolean tableTokens()
    {
        return inner.tableTokens();
    }

    @Override
    public void close()
    {
        inner.close();
    }
}

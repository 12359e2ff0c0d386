package io.pathlock;

import io.pathlock.core.LockRequest;
import io.pathlock.store.LockStore;
import io.pathlock.store.MemoryLockStore;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The memory store behind every method of the SPI, for tests that change one behaviour of it (the
 * token sequence, a refusal, a gate, a failing release) and keep the rest. Built with
 * {@code publishing = true} it answers {@link #publishMayBlock()}, {@link #needsPublication()} and
 * {@link #tableTokens()} as the SPI's defaults do (as the lock-file store does: every grant is
 * published, publication may block, tokens come from the store), instead of as the memory store.
 */
public class ForwardingMemoryStore implements LockStore
{
    /** The store every call goes to. */
    protected final MemoryLockStore inner = new MemoryLockStore();
    private final boolean publishing;

    /** Behaves as the memory store in every respect. */
    public ForwardingMemoryStore()
    {
        this(false);
    }

    /**
     * @param publishing answer the three store-kind questions as a publishing store (the SPI defaults).
     */
    public ForwardingMemoryStore(final boolean publishing)
    {
        this.publishing = publishing;
    }

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
        return publishing || inner.publishMayBlock();
    }

    @Override
    public boolean needsPublication()
    {
        return publishing || inner.needsPublication();
    }

    @Override
    public boolean tableTokens()
    {
        return !publishing && inner.tableTokens();
    }

    @Override
    public void close()
    {
        inner.close();
    }
}

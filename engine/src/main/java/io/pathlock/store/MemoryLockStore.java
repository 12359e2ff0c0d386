package io.pathlock.store;

import io.pathlock.core.LockRequest;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The store of an embedded, single-process manager: the lock table is the whole truth, so every
 * publication succeeds at once, and the handle takes fencing tokens from the lock table
 * ({@link #tableTokens()}); {@link #nextFencingToken()} (strictly increasing per store) serves
 * callers of the SPI that want a global sequence.
 *
 * <p>Thread-safe and allocation-free on the grant path except for the publication record.
 */
public final class MemoryLockStore implements LockStore
{
    private static final class Pub implements Publication
    {
        private final List<LockRequest.Entry> entries;

        Pub(final List<LockRequest.Entry> entries)
        {
            this.entries = entries;
        }

        @Override
        public List<LockRequest.Entry> entries()
        {
            return entries;
        }
    }

    private final FencingSequence sequence = new FencingSequence();

    /** Creates a store whose tokens start at 1. */
    public MemoryLockStore()
    {
    }

    @Override
    public String describe()
    {
        return "memory";
    }

    /** Publication only touches memory: the handle runs it under its monitor. */
    @Override
    public boolean publishMayBlock()
    {
        return false;
    }

    /** The lock table is the whole arbitration: the handle skips publication. */
    @Override
    public boolean needsPublication()
    {
        return false;
    }

    /** The lock table is the whole arbitration: its per-conflict tokens are enough. */
    @Override
    public boolean tableTokens()
    {
        return true;
    }

    @Override
    public PublishResult tryPublish(final String ownerId, final List<LockRequest.Entry> entries)
    {
        return PublishResult.granted(new Pub(entries));
    }

    @Override
    public void unpublish(final Publication publication)
    {
    }

    @Override
    public long nextFencingToken()
    {
        return sequence.next();
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
    public void awaitChange(final Object blocker, final long timeoutNanos)
    {
        throw new IllegalStateException("the memory store never refuses, so there is nothing to wait for");
    }

    @Override
    public CompletableFuture<Void> onChange(final Object blocker, final long timeoutNanos)
    {
        return CompletableFuture.failedFuture(
            new IllegalStateException("the memory store never refuses, so there is nothing to wait for"));
    }

    @Override
    public void close()
    {
    }
}

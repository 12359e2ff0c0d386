package io.pathlock.host.spec;

import io.pathlock.LockManager;
import io.pathlock.host.HostLockStore;
import io.pathlock.observe.LockSnapshot;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Shared helpers of the spec tests: stores and managers on one root (each store is one session of
 * the host table), the wall clock OpenViking uses, and a wait for a waiter to be registered.
 */
final class HostSpec
{
    /** A bound that only guards against a hung test; never a measure of speed. */
    static final Duration GUARD = Duration.ofSeconds(60);

    private HostSpec()
    {
    }

    /** Managers opened by a test, closed by {@link #close()}. */
    static final class Managers implements AutoCloseable
    {
        private final List<LockManager> managers = new ArrayList<>();

        /** A manager over a new host store (a new session) on {@code root}; "file-ragfs" / "file-ov431": a lock-file store. */
        LockManager open(final Path root, final String interop)
        {
            if (interop.startsWith("file-"))
            {
                return addManager(LockManager.builder().store(io.pathlock.file.FileLockStore.builder(root)
                    .dialect("file-ragfs".equals(interop) ? io.pathlock.file.Dialect.RAGFS : io.pathlock.file.Dialect.OV431).build())
                    .startAgent(false).build());
            }
            return add(HostLockStore.builder(root).interop(interop).build());
        }

        /** A manager over a new host store with a node capacity. */
        LockManager open(final Path root, final String interop, final int capacity)
        {
            return add(HostLockStore.builder(root).interop(interop).capacity(capacity).build());
        }

        /** A manager over a store. */
        LockManager add(final HostLockStore store)
        {
            final LockManager m = LockManager.builder().store(store).startAgent(false).build();
            managers.add(m);
            return m;
        }

        /** A manager built elsewhere, closed with the others. */
        LockManager addManager(final LockManager m)
        {
            managers.add(m);
            return m;
        }

        @Override
        public void close()
        {
            RuntimeException first = null;
            for (final LockManager m : managers)
            {
                try
                {
                    m.close();
                }
                catch (final RuntimeException e)
                {
                    if (first == null)
                    {
                        first = e;
                    }
                    else
                    {
                        first.addSuppressed(e);
                    }
                }
            }
            managers.clear();
            if (first != null)
            {
                throw first;
            }
        }
    }

    /** Wall-clock nanoseconds since the Unix epoch, as OpenViking's {@code time_ns()} reads them. */
    static long wallNanos()
    {
        final Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /**
     * Returns once {@code m} lists a waiter that has been refused at least once (its
     * {@code blockedBy} is set): the waiting acquisition has met the conflict. Polls the snapshot
     * (state, not time); fails after {@link #GUARD}.
     */
    static LockSnapshot.WaiterInfo awaitWaiter(final LockManager m)
    {
        final long deadline = System.nanoTime() + GUARD.toNanos();
        while (System.nanoTime() < deadline)
        {
            for (final LockSnapshot.WaiterInfo w : m.snapshot().waiters())
            {
                if (w.blockedBy() != null)
                {
                    return w;
                }
            }
            Thread.yield();
        }
        throw new AssertionError("no waiter registered in " + m.store().describe() + " within " + GUARD);
    }
}

package io.pathlock.host.spec;

import io.pathlock.core.LockConflict;
import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.host.HostSession;
import io.pathlock.host.HostTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The session API of the table (HostSession javadoc): pending marks hold back other sessions until
 * cleared, {@link HostSession#await} returns on a release of the blocker (not at its timeout), and
 * on the death of the blocking process.
 */
class HostSessionSpecTest
{
    /** Longer than any guard below: an await that returns only at its timeout fails the test. */
    private static final long LONG_AWAIT = TimeUnit.SECONDS.toNanos(300);

    @TempDir
    Path root;

    private HostTable table;

    @BeforeEach
    void open()
    {
        table = HostTable.open(root.resolve("table"), HostTable.Config.defaults("none"));
    }

    @AfterEach
    void close()
    {
        if (table != null)
        {
            table.close();
        }
    }

    private static List<LockRequest.Entry> e(final String path, final LockType t, final LockMode m)
    {
        return List.of(new LockRequest.Entry(LockPath.parse(path), t, m));
    }

    @Test
    void pendingMarkHoldsBackOtherSessionsUntilCleared()
    {
        try (HostSession holder = table.attach(); HostSession waiter = table.attach(); HostSession third = table.attach())
        {
            final HostSession.Result held = holder.tryAcquire(e("/m/x", LockType.POINT, LockMode.EXCLUSIVE));
            assertTrue(held.isGranted());
            final HostSession.Result refused = waiter.tryAcquire(e("/m", LockType.SUBTREE, LockMode.EXCLUSIVE));
            assertFalse(refused.isGranted());
            waiter.markPending(refused.blocker());
            final HostSession.Result stopped = third.tryAcquire(e("/m/y", LockType.POINT, LockMode.EXCLUSIVE));
            assertFalse(stopped.isGranted(), "a POINT below a pending SUBTREE waiter's node");
            assertEquals(LockConflict.Reason.PENDING, stopped.conflict().reason(), stopped.conflict().toString());
            waiter.clearMarks();
            waiter.clearMarks();
            final HostSession.Result after = third.tryAcquire(e("/m/y", LockType.POINT, LockMode.EXCLUSIVE));
            assertTrue(after.isGranted(), "the mark was cleared: " + after.conflict());
            third.release(after.grant());
            holder.release(held.grant());
            assertTrue(waiter.tryAcquire(e("/m", LockType.SUBTREE, LockMode.EXCLUSIVE)).isGranted());
        }
    }

    @Test
    void closingAWaitingSessionRemovesItsMarks()
    {
        try (HostSession holder = table.attach(); HostSession third = table.attach())
        {
            assertTrue(holder.tryAcquire(e("/c/x", LockType.POINT, LockMode.EXCLUSIVE)).isGranted());
            try (HostSession waiter = table.attach())
            {
                final HostSession.Result refused = waiter.tryAcquire(e("/c", LockType.SUBTREE, LockMode.EXCLUSIVE));
                waiter.markPending(refused.blocker());
                assertFalse(third.tryAcquire(e("/c/y", LockType.POINT, LockMode.EXCLUSIVE)).isGranted());
            }
            assertTrue(third.tryAcquire(e("/c/y", LockType.POINT, LockMode.EXCLUSIVE)).isGranted(), "close left the mark");
        }
    }

    @Test
    void awaitReturnsOnAReleaseOfTheBlocker() throws Exception
    {
        try (HostSession holder = table.attach(); HostSession waiter = table.attach())
        {
            final HostSession.Result held = holder.tryAcquire(e("/w", LockType.POINT, LockMode.EXCLUSIVE));
            final HostSession.Result refused = waiter.tryAcquire(e("/w", LockType.SUBTREE, LockMode.EXCLUSIVE));
            assertNotNull(refused.blocker());
            final CountDownLatch started = new CountDownLatch(1);
            final CountDownLatch returned = new CountDownLatch(1);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread t = new Thread(() ->
            {
                try
                {
                    // Spurious returns are allowed: wait until the lock is actually free.
                    started.countDown();
                    HostSession.Result r = waiter.tryAcquire(e("/w", LockType.SUBTREE, LockMode.EXCLUSIVE));
                    while (!r.isGranted())
                    {
                        waiter.await(r.blocker(), LONG_AWAIT);
                        r = waiter.tryAcquire(e("/w", LockType.SUBTREE, LockMode.EXCLUSIVE));
                    }
                    waiter.release(r.grant());
                }
                catch (final Throwable x)
                {
                    failure.set(x);
                }
                returned.countDown();
            });
            t.start();
            started.await();
            holder.release(held.grant());
            assertTrue(returned.await(60, TimeUnit.SECONDS), "await did not return on the release (it would at its 300 s timeout)");
            t.join();
            assertNull(failure.get());
        }
    }

    @Test
    void awaitReturnsWhenTheBlockingProcessDies() throws Exception
    {
        table.close();
        table = null;
        final Path r = java.nio.file.Files.createDirectories(root.resolve("r"));
        try (SpecChild child = SpecChild.start(r, "none"))
        {
            child.expect("READY");
            assertTrue(child.ask("lock 1 S X /d", "HELD 1", "ERROR 1").startsWith("HELD"));
            table = HostTable.open(r.resolve(".pathlock/host/table"), HostTable.Config.defaults("none"));
            try (HostSession waiter = table.attach())
            {
                HostSession.Result res = waiter.tryAcquire(e("/d/x", LockType.POINT, LockMode.EXCLUSIVE));
                assertFalse(res.isGranted());
                final HostSession.Result first = res;
                final CountDownLatch granted = new CountDownLatch(1);
                final AtomicReference<Throwable> failure = new AtomicReference<>();
                final Thread t = new Thread(() ->
                {
                    try
                    {
                        HostSession.Result x = first;
                        while (!x.isGranted())
                        {
                            waiter.await(x.blocker(), LONG_AWAIT);
                            x = waiter.tryAcquire(e("/d/x", LockType.POINT, LockMode.EXCLUSIVE));
                        }
                        waiter.release(x.grant());
                    }
                    catch (final Throwable x)
                    {
                        failure.set(x);
                    }
                    granted.countDown();
                });
                t.start();
                child.kill();
                assertTrue(granted.await(60, TimeUnit.SECONDS), "await did not notice the holder's death");
                t.join();
                assertNull(failure.get());
            }
        }
    }
}

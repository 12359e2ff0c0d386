package io.pathlock;

import io.pathlock.core.LockRequest;
import io.pathlock.core.LockBusyException;
import io.pathlock.core.LockTimeoutException;
import io.pathlock.core.LockStoreException;
import io.pathlock.config.Settings;
import io.pathlock.observe.LockSnapshot;
import io.pathlock.store.LockStore;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10, items 3, 6, 7, 9 and 15 (engine side): the j.u.c-style {@code lock}/{@code tryLock},
 * one timeout rule, renamed property keys refused, wall-clock snapshots, JFR events for async waits
 * and holds, log lines, background errors counted, and {@code close()} that closes every part.
 */
class ApiConventionsTest
{
    private final List<LockManager> managers = new ArrayList<>();

    private LockManager manager(final LockManager.Builder b)
    {
        final LockManager m = b.build();
        managers.add(m);
        return m;
    }

    @AfterEach
    void closeAll()
    {
        for (final LockManager m : managers)
        {
            try
            {
                m.close();
            }
            catch (final RuntimeException ignore)
            {
                // a test's deliberately failing store
            }
        }
    }

    private static void awaitCondition(final String what, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
        }
    }

    /** Item 9: lock() used to fail fast with LockBusyException; it now waits as Lock.lock() does. */
    @Test
    void lockWaitsByDefault() throws Exception
    {
        final LockManager m = manager(LockManager.builder());
        final LockHandle first = m.lock(LockRequest.point("/l"));
        final CompletableFuture<LockHandle> second = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return m.lock(LockRequest.point("/l"));
            }
            catch (final InterruptedException e)
            {
                throw new IllegalStateException(e);
            }
        });
        awaitCondition("the second lock() to wait", () -> !m.snapshot().waiters().isEmpty() || second.isDone());
        assertFalse(second.isDone(), () -> "lock() must wait, it finished: " + second);
        first.close();
        try (LockHandle h = second.get(30, TimeUnit.SECONDS))
        {
            assertEquals(1, h.locks().size());
        }
    }

    @Test
    void lockWithZeroTimeoutFailsFastAndTryLockAnswersWithoutThrowing() throws Exception
    {
        final LockManager m = manager(LockManager.builder());
        try (LockHandle h = m.tryLock(LockRequest.subtree("/a")))
        {
            assertNotNull(h);
            assertNull(m.tryLock(LockRequest.point("/a/b")), "busy is an answer, not an exception");
            assertThrows(LockBusyException.class, () -> m.lock(LockRequest.point("/a/b"), Duration.ZERO));
            assertThrows(LockTimeoutException.class, () -> m.lock(LockRequest.point("/a/b"), Duration.ofMillis(20)));
            try (LockHandle other = m.open("other"))
            {
                assertTrue(other.tryLock(LockRequest.point("/x")));
                assertFalse(other.tryLock(LockRequest.mv("/x", "/a", false)));
                assertEquals(List.of("/x"), other.locks().stream().map(l -> l.path().toString()).toList(),
                    "a refused tryLock leaves exactly what was held before");
            }
        }
        assertEquals(0, m.snapshot().handles().size(), "refused tryLock handles are closed");
    }

    /** Item 7: a negative timeout meant "forever" in acquireAsync and threw in acquire. */
    @Test
    void negativeTimeoutsAreRefusedEverywhere()
    {
        final LockManager m = manager(LockManager.builder());
        final Duration negative = Duration.ofSeconds(-1);
        assertThrows(IllegalArgumentException.class, () -> m.acquireAsync(LockRequest.point("/a"), negative));
        assertThrows(IllegalArgumentException.class, () -> m.lock(LockRequest.point("/a"), negative));
        try (LockHandle h = m.open("h"))
        {
            assertThrows(IllegalArgumentException.class, () -> h.acquire(LockRequest.point("/a"), negative));
        }
        assertEquals(0, m.snapshot().handles().size(), "nothing was opened by a refused call");
    }

    @Test
    void foreverIsOneValueForBlockingAndAsyncWaits() throws Exception
    {
        final LockManager m = manager(LockManager.builder());
        final LockHandle holder = m.lock(LockRequest.point("/f"));
        final CompletableFuture<LockHandle> async = m.acquireAsync(LockRequest.point("/f"));
        final CompletableFuture<LockHandle> async2 = m.acquireAsync(LockRequest.point("/g"), Settings.FOREVER);
        async2.get(30, TimeUnit.SECONDS).close();
        assertFalse(async.isDone());
        holder.close();
        async.get(30, TimeUnit.SECONDS).close();
    }

    /** Item 7: the old key meant milliseconds; it is refused with the new spelling, not reinterpreted. */
    @Test
    void renamedPropertyKeysAreRefusedAndNewKeysFollowTheConvention() throws Exception
    {
        System.setProperty("pathlock.lock.timeout", "5");
        try
        {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, LockManager::builder);
            assertTrue(e.getMessage().contains("pathlock.manager.defaultTimeout"), e.getMessage());
        }
        finally
        {
            System.clearProperty("pathlock.lock.timeout");
        }
        System.setProperty(LockManager.DEFAULT_TIMEOUT_PROP_NAME, "0");
        try
        {
            final LockManager m = manager(LockManager.builder());
            try (LockHandle h = m.lock(LockRequest.point("/p")))
            {
                assertThrows(LockBusyException.class, () -> m.lock(LockRequest.point("/p")));
            }
        }
        finally
        {
            System.clearProperty(LockManager.DEFAULT_TIMEOUT_PROP_NAME);
        }
        System.setProperty(LockManager.DEFAULT_TIMEOUT_PROP_NAME, "5 parsecs");
        try
        {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, LockManager::builder);
            assertTrue(e.getMessage().contains(LockManager.DEFAULT_TIMEOUT_PROP_NAME) && e.getMessage().contains("5 parsecs"),
                e.getMessage());
        }
        finally
        {
            System.clearProperty(LockManager.DEFAULT_TIMEOUT_PROP_NAME);
        }
    }

    @Test
    void snapshotsCarryWallClockTimes() throws Exception
    {
        final Instant before = Instant.now();
        final LockManager m = manager(LockManager.builder());
        try (LockHandle h = m.lock(LockRequest.point("/w")))
        {
            final LockSnapshot s = m.snapshot();
            final Instant after = Instant.now();
            assertFalse(s.taken().isBefore(before) || s.taken().isAfter(after), s.taken().toString());
            final Instant acquired = s.at(s.handles().get(0).locks().get(0).acquiredNanos());
            assertFalse(acquired.isBefore(before.minusMillis(5)) || acquired.isAfter(after.plusMillis(5)),
                before + " <= " + acquired + " <= " + after);
        }
    }

    /** Item 15: async waits emitted no LockWait event; holds emitted nothing. */
    @Test
    void jfrRecordsAsyncWaitsAndHolds(@TempDir final Path dir) throws Exception
    {
        final LockManager m = manager(LockManager.builder());
        final Path file = dir.resolve("locks.jfr");
        try (Recording r = new Recording())
        {
            r.enable("io.pathlock.LockWait").withThreshold(Duration.ZERO);
            r.enable("io.pathlock.LockHold").withThreshold(Duration.ZERO);
            r.start();
            final LockHandle holder = m.lock(LockRequest.subtree("/j"));
            final CompletableFuture<LockHandle> waiting = m.acquireAsync(LockRequest.point("/j/k"), Duration.ofMinutes(1));
            awaitCondition("the async acquisition to wait", () -> !m.snapshot().waiters().isEmpty());
            holder.close();
            waiting.get(30, TimeUnit.SECONDS).close();
            r.stop();
            r.dump(file);
        }
        final List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        final List<RecordedEvent> waits = events.stream()
            .filter(e -> e.getEventType().getName().equals("io.pathlock.LockWait")).toList();
        assertEquals(1, waits.size(), events::toString);
        assertEquals("granted", waits.get(0).getString("outcome"));
        assertTrue(waits.get(0).getString("request").contains("/j/k"));
        final List<RecordedEvent> holds = events.stream()
            .filter(e -> e.getEventType().getName().equals("io.pathlock.LockHold")).toList();
        assertEquals(2, holds.size(), events::toString);
        final RecordedEvent subtree = holds.stream().filter(e -> e.getString("path").equals("/j")).findFirst().orElseThrow();
        assertEquals("SUBTREE", subtree.getString("type"));
        assertEquals("closed", subtree.getString("reason"));
        assertTrue(subtree.getLong("heldFor") > 0);
    }

    private static final class Captured extends Handler
    {
        final List<LogRecord> records = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public void publish(final LogRecord record)
        {
            records.add(record);
        }

        @Override
        public void flush()
        {
        }

        @Override
        public void close()
        {
        }

        boolean has(final Level level, final String part)
        {
            synchronized (records)
            {
                for (final LogRecord r : records)
                {
                    final String msg = new java.util.logging.SimpleFormatter().formatMessage(r);
                    if (r.getLevel().equals(level) && msg.contains(part))
                    {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /** Item 6: the library logged nothing; a lost lock and a failing listener vanished silently. */
    @Test
    void logsStartLostLocksAndCountsBackgroundErrors()
    {
        final Logger jul = Logger.getLogger("io.pathlock");
        final Captured captured = new Captured();
        jul.addHandler(captured);
        final Level old = jul.getLevel();
        jul.setLevel(Level.ALL);
        try
        {
            final ManualClock clock = ManualClock.realPlusOffset();
            final LockManager m = manager(LockManager.builder().clock(clock).startAgent(false)
                .handleIdleTimeout(Duration.ofSeconds(10)));
            assertTrue(captured.has(Level.INFO, "started: store memory"), captured.records::toString);
            final LockHandle leaked = m.open("leaky");
            leaked.tryAcquire(LockRequest.point("/leak"));
            final AtomicInteger told = new AtomicInteger();
            leaked.onLost(reason ->
            {
                told.incrementAndGet();
                throw new IllegalStateException("listener bug");
            });
            clock.advanceMillis(11_000);
            m.runMaintenance();
            assertEquals(1, told.get());
            assertTrue(captured.has(Level.WARNING, "leaky"), captured.records::toString);
            assertTrue(captured.has(Level.WARNING, "lost-lock listener"), captured.records::toString);
            assertEquals(1, m.snapshot().counters().backgroundErrors());
        }
        finally
        {
            jul.removeHandler(captured);
            jul.setLevel(old);
        }
    }

    /** close() skipped the store when releasing a handle threw; now every part is closed. */
    @Test
    void closeClosesEveryPartWhenOneThrows() throws Exception
    {
        final CountDownLatch storeClosed = new CountDownLatch(1);
        final LockStore failing = new ForwardingMemoryStore(true)
        {
            @Override
            public void unpublish(final Publication publication)
            {
                throw new LockStoreException("disk on fire", null);
            }

            @Override
            public void close()
            {
                storeClosed.countDown();
                super.close();
            }
        };
        final LockManager m = LockManager.builder().store(failing).build();
        m.lock(LockRequest.point("/c1"));
        m.lock(LockRequest.point("/c2"));
        final LockStoreException e = assertThrows(LockStoreException.class, m::close);
        assertTrue(e.getMessage().contains("disk on fire"), e.getMessage());
        assertEquals(1, e.getSuppressed().length, "the second handle's failure is kept as suppressed");
        assertEquals(0, storeClosed.getCount(), "the store is closed even though releasing threw");
        assertTrue(m.isClosed());
    }
}

package io.pathlock.redo;

import static io.pathlock.redo.RedoRecordDescriptor.KIND_BEGIN;
import static io.pathlock.redo.RedoTestSupport.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code begin()} returns only when its BEGIN record is durable (DESIGN §3.4; {@link RedoWriter}
 * invariants 1 and 3), checked at the instant of the acknowledgement through a
 * {@link RecordingStorage} that keeps each segment's written and synced images: the record must be
 * in the synced image when {@code begin()} returns or the future completes.
 *
 * <p>The decisive interleaving is a record claimed while the previous batch is being written and
 * synced: its ring position is exactly the end of that batch, so an acknowledgement rule that is
 * off by one at {@code durablePosition} completes it with the previous batch. The tests drive the
 * writer by hand and claim the record from inside the sync, so the interleaving happens every run.
 */
class RedoDurabilityTest
{
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(20);

    @TempDir
    Path dir;

    /** With the writer thread: every blocking begin of two threads is durable the moment it returns. */
    @Test
    void blockingBeginReturnsOnlyOnceItsRecordIsWrittenAndSynced() throws Exception
    {
        final RecordingStorage storage = new RecordingStorage();
        final int threads = 2;
        final int perThread = 60;
        final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir).storage(storage)))
        {
            final CyclicBarrier start = new CyclicBarrier(threads);
            final List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final CompletableFuture<Void> f = new CompletableFuture<>();
                done.add(f);
                final int id = t;
                new Thread(() ->
                {
                    try
                    {
                        start.await(20, TimeUnit.SECONDS);
                        for (int i = 0; i < perThread; i++)
                        {
                            final RedoTicket ticket = log.begin("t", bytes("task " + id + "/" + i));
                            if (!storage.isDurable(ticket.taskId(), KIND_BEGIN))
                            {
                                violations.add("begin of task " + ticket.taskId() + " returned before its BEGIN was " +
                                    (storage.isWritten(ticket.taskId(), KIND_BEGIN) ? "synced" : "written"));
                            }
                            if (i % 2 == 0)
                            {
                                ticket.done();
                            }
                        }
                        f.complete(null);
                    }
                    catch (final Throwable e)
                    {
                        f.completeExceptionally(e);
                    }
                }, "begin-" + t).start();
            }
            for (final CompletableFuture<Void> f : done)
            {
                f.get(60, TimeUnit.SECONDS);
            }
        }
        assertTrue(violations.isEmpty(), () -> violations.size() + " early acknowledgements, first: " + violations.peek());
    }

    /**
     * Deterministic: the second beginAsync is claimed from inside the sync of the first batch. The
     * first batch's completion must not complete it; its own batch does, once written and synced.
     */
    @Test
    void asyncBeginClaimedDuringThePreviousSyncWaitsForItsOwnBatch() throws Exception
    {
        final RecordingStorage storage = new RecordingStorage();
        try (RedoLog log = RedoLog.open(RedoTestSupport.manualConfig(dir).storage(storage)))
        {
            final CompletableFuture<RedoTicket> first = log.beginAsync("t", bytes("first"));
            final CompletableFuture<Boolean> firstDurableAtAck = durableAtCompletion(first, storage);
            final AtomicReference<CompletableFuture<Boolean>> secondDurableAtAck = new AtomicReference<>();
            final AtomicReference<CompletableFuture<RedoTicket>> second = new AtomicReference<>();
            storage.beforeNextForce((segment) ->
            {
                final CompletableFuture<RedoTicket> f = log.beginAsync("t", bytes("second"));
                second.set(f);
                secondDurableAtAck.set(durableAtCompletion(f, storage));
            });

            log.doWriterWork();
            assertNotNull(second.get(), "the hook ran inside the first batch's sync");
            assertTrue(first.isDone(), "the first batch was written and synced");
            assertTrue(firstDurableAtAck.get(), "first BEGIN durable when acknowledged; events " + storage.events());
            assertFalse(second.get().isDone(), "a BEGIN claimed during the first batch's sync was acknowledged by that" +
                " batch (durable at acknowledgement: " + secondDurableAtAck.get().getNow(null) + "); events " +
                storage.events());

            RedoTestSupport.drain(log);
            assertTrue(second.get().isDone());
            assertTrue(secondDurableAtAck.get().get(), "second BEGIN durable when acknowledged; events " + storage.events());
            assertEquals(2, log.stats().pending());
        }
    }

    /**
     * Deterministic, blocking begin: thread B begins (and parks) while the first batch is being
     * synced; then the disk fills up, so B's own batch fails. B must see that failure: had the
     * first batch acknowledged B's record, B's begin would have returned a ticket for a record that
     * is on no disk.
     */
    @Test
    void blockingBeginClaimedDuringThePreviousSyncFailsWithItsOwnBatch() throws Exception
    {
        final RecordingStorage storage = new RecordingStorage();
        try (RedoLog log = RedoLog.open(RedoTestSupport.manualConfig(dir).storage(storage)))
        {
            final CompletableFuture<RedoTicket> first = log.beginAsync("t", bytes("first"));
            final CompletableFuture<RedoTicket> b = new CompletableFuture<>();
            final AtomicReference<Boolean> durableAtReturn = new AtomicReference<>();
            final Thread producer = new Thread(() ->
            {
                try
                {
                    final RedoTicket t = log.begin("t", bytes("second"));
                    durableAtReturn.set(storage.isDurable(t.taskId(), KIND_BEGIN));
                    b.complete(t);
                }
                catch (final Throwable e)
                {
                    b.completeExceptionally(e);
                }
            }, "blocking-begin");
            storage.beforeNextForce((segment) ->
            {
                producer.start();
                // B parks on the log only after its record is committed and its waiter enqueued.
                final long deadline = System.nanoTime() + WAIT_NANOS;
                while (!(producer.getState() == Thread.State.WAITING && LockSupport.getBlocker(producer) == log))
                {
                    if (b.isDone() || System.nanoTime() - deadline > 0)
                    {
                        throw new AssertionError("blocking begin did not park waiting for durability within 20 s: " +
                            producer.getState() + ", done=" + b.isDone());
                    }
                    Thread.onSpinWait();
                }
            });

            log.doWriterWork();
            assertTrue(producer.getState() != Thread.State.NEW, "the hook ran inside the first batch's sync");
            assertTrue(first.isDone());
            storage.failWrites(true);
            final long deadline = System.nanoTime() + WAIT_NANOS;
            while (!b.isDone())
            {
                if (System.nanoTime() - deadline > 0)
                {
                    fail("blocking begin neither returned nor failed within 20 s; events " + storage.events());
                }
                log.doWriterWork();
                Thread.onSpinWait();
            }
            try
            {
                final RedoTicket t = b.get(20, TimeUnit.SECONDS);
                fail("begin returned task " + t.taskId() + " (durable at return: " + durableAtReturn.get() +
                    ") although its batch was never written; events " + storage.events());
            }
            catch (final ExecutionException e)
            {
                assertInstanceOf(RedoAppendException.class, e.getCause(), String.valueOf(e.getCause()));
            }
            producer.join(TimeUnit.NANOSECONDS.toMillis(WAIT_NANOS));
            storage.failWrites(false);
        }
    }

    private static CompletableFuture<Boolean> durableAtCompletion(
        final CompletableFuture<RedoTicket> f, final RecordingStorage storage)
    {
        // The manual configuration completes futures on the writer's thread, inside the completion:
        // this runs at the instant of the acknowledgement.
        return f.thenApply((t) -> storage.isDurable(t.taskId(), KIND_BEGIN));
    }
}

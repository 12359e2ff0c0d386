package io.pathlock.stress.jcstress;

import io.pathlock.redo.MemorySegmentStorage;
import io.pathlock.redo.RedoLog;
import io.pathlock.redo.RedoLogConfig;
import io.pathlock.redo.RedoTicket;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The real redo append and the real writer, racing: the producer calls {@link RedoLog#beginAsync}
 * (claim, encode, compute the record's ring position, enqueue its durability waiter, commit, wake)
 * while the writer runs one {@code doWork()} of the real {@code RedoWriter} (drain the ring, write
 * and sync the batch, publish {@code durablePosition}, complete the waiters below it). Segments
 * live in a {@link MemorySegmentStorage}, so "durable" is exact: the bytes present at the last
 * {@code force()}. The completion executor runs on the writer's thread at the instant of the
 * acknowledgement and records whether the BEGIN was durable then. The arbiter drives the writer
 * until the future completes, then closes the log.
 *
 * <p>Race forbidden: an acknowledgement before durability. The producer enqueues its waiter before
 * it commits the record; a writer that drains an empty ring in that window and then completes the
 * waiters must not complete one whose record it has not written and synced (RedoWriter invariant
 * 1: acknowledged only if {@code p < durablePosition}; an off-by-one there acknowledges this record
 * with nothing written). Also forbidden: the record lost or written twice.
 *
 * <p>Results: r1 = 1 if the future completed during the actors (the writer's doWork acknowledged
 * it), else 0; r2 = 1 if the BEGIN was in the synced segment at the acknowledgement (whenever it
 * happened), else 0; r3 = 1 if, at the end, the future succeeded and exactly one BEGIN was written
 * and synced.
 *
 * <p>Each state opens a real {@link RedoLog} (its lock file in a fresh temporary directory), so this
 * test runs fewer samples per second than the table tests. Run:
 * {@code stress-tests/run-jcstress.sh ci -t RedoBeginAckTest}.
 */
@JCStressTest
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "writer drained before the commit; the arbiter's doWork wrote, synced and acknowledged it")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "writer drained the committed record, synced and acknowledged it")
@Outcome(id = "[01], 0, .*", expect = FORBIDDEN, desc = "acknowledged before its BEGIN was written and synced")
@Outcome(expect = FORBIDDEN, desc = "record lost, written twice, or the begin failed")
@State
public class RedoBeginAckTest
{
    private static final Path BASE;
    private static final byte[] PAYLOAD = {1, 2, 3, 4, 5, 6, 7, 8};

    static
    {
        try
        {
            BASE = Files.createTempDirectory("pathlock-jcstress-redo");
        }
        catch (final IOException e)
        {
            throw new ExceptionInInitializerError(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            try (var s = Files.walk(BASE))
            {
                s.sorted(java.util.Comparator.reverseOrder()).forEach((p) -> p.toFile().delete());
            }
            catch (final IOException ignore)
            {
                // Best effort: a temporary directory.
            }
        }));
    }

    private final MemorySegmentStorage storage = new MemorySegmentStorage();
    private final Path dir;
    private final RedoLog log;
    private volatile int acked;
    private volatile int durableAtAck = -1;
    private CompletableFuture<RedoTicket> future;

    /** Opens a fresh log with a manual writer over in-memory segments. */
    public RedoBeginAckTest()
    {
        try
        {
            dir = Files.createTempDirectory(BASE, "s");
            log = RedoLog.open(storage.installIn(new RedoLogConfig())
                .directory(dir)
                .ringCapacity(4096)
                .maxPayload(64)
                .writerThread(false)
                .completionExecutor((r) ->
                {
                    durableAtAck = storage.durableBegins() == 1 ? 1 : 0;
                    acked = 1;
                    r.run();
                }));
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /** A redo append: {@code beginAsync}, which never blocks. */
    @Actor
    public void producer()
    {
        future = log.beginAsync("t", PAYLOAD);
    }

    /** One pass of the real writer agent. */
    @Actor
    public void writer(final III_Result r)
    {
        work();
        r.r1 = acked;
    }

    private void work()
    {
        try
        {
            log.doWriterWork();
        }
        catch (final Exception e)
        {
            throw new IllegalStateException("redo writer failed", e);
        }
    }

    /** Drives the writer until the begin completes, checks the segment, closes the log. */
    @Arbiter
    public void arbiter(final III_Result r)
    {
        for (int i = 0; i < 10_000 && !future.isDone(); i++)
        {
            work();
        }
        r.r2 = durableAtAck == 1 ? 1 : 0;
        final boolean ok = future.isDone() && !future.isCompletedExceptionally()
            && storage.writtenBegins() == 1 && storage.durableBegins() == 1;
        r.r3 = ok ? 1 : 0;
        log.close();
        try
        {
            Files.deleteIfExists(dir.resolve(RedoLog.LOCK_FILE_NAME));
            Files.deleteIfExists(dir);
        }
        catch (final IOException ignore)
        {
            // The shutdown hook removes what is left.
        }
    }
}

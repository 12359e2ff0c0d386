package io.pathlock.redo;

import static io.pathlock.redo.RedoRecordDescriptor.KIND_BEGIN;
import static io.pathlock.redo.RedoRecordDescriptor.KIND_DONE;
import static io.pathlock.redo.RedoRecordDescriptor.KIND_QUARANTINE;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.agrona.BufferUtil;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/**
 * The redo log: tasks that must survive a crash are bracketed by {@link #begin(String, byte[])} and
 * {@link RedoTicket#done()}; after a crash, {@link #startRecovery()} replays every begun-but-not-done
 * task through the {@link RedoHandler} registered for its type, in the background.
 * <pre>{@code
 * RedoLog log = RedoLog.open(new RedoLogConfig().directory(dir));   // verifies, truncates a torn tail
 * log.registerHandler("mv", task -> redoMove(task.payload()));
 * CompletableFuture<RecoveryReport> recovery = log.startRecovery(); // never blocks start-up
 * RedoTicket ticket = log.begin("mv", payload);                     // returns once durable
 * ... do the work ...
 * ticket.done();
 * }</pre>
 * <p>
 * How an append works (see {@link RedoWriter} for the writer's invariants): the producer encodes the
 * whole record, checksums included, into a claimed slot of an Agrona {@link ManyToOneRingBuffer}, so
 * checksumming runs on the producers' cores. Before committing it computes the record's absolute ring
 * position {@code p} from the claimed index and the producer position {@code pp} read right after the
 * claim: the uncommitted record holds the consumer at or before {@code p}, so
 * {@code p < pp <= p + capacity} and {@code p = pp - 1 - ((pp - 1 - index) & (capacity - 1))}. It
 * registers a waiter for {@code p}, commits, wakes the writer if it is parked, and parks until the
 * writer has synced the batch holding {@code p}. The ring is the only queue: appends are never
 * dropped; when it is full the producer waits or fails, as configured.
 * <p>
 * Thread-safe: any thread may begin tasks, complete tickets, register handlers and start recovery.
 * Only one {@code RedoLog} may have a directory open at a time (a lock file enforces it between
 * processes).
 */
public final class RedoLog implements AutoCloseable
{
    /** Name of the lock file that keeps a second process from opening the same directory. */
    public static final String LOCK_FILE_NAME = "redo.lock";

    /** The redo log's logger: a start line per log, warnings for repairs, quarantines and a stop. */
    static final System.Logger LOG = System.getLogger("io.pathlock.redo");

    private static final byte[] EMPTY = new byte[0];
    private static final int MAX_REASON_BYTES = 1024;
    private static final ThreadLocal<RedoRecordFlyweight> ENCODER = ThreadLocal.withInitial(RedoRecordFlyweight::new);
    private static final ThreadLocal<DurabilityWaiter.Blocking> WAITER =
        ThreadLocal.withInitial(DurabilityWaiter.Blocking::new);

    private final RedoLogConfig config;
    private final RedoStats stats = new RedoStats();
    private final ManyToOneRingBuffer ring;
    private final int ringMask;
    private final RedoWriter writer;
    private final AgentRunner runner;
    private final AtomicLong nextTaskId;
    private final Map<String, RedoHandler> handlers = new ConcurrentHashMap<>();
    private final Map<String, byte[]> typeCache = new ConcurrentHashMap<>();
    private final List<RedoTask> recovered;
    private final Map<Long, RedoTaskState> recoveredStates = new ConcurrentHashMap<>();
    private final Map<Long, RedoTaskInfo> recoveredInfos = new ConcurrentHashMap<>();
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Object recoveryLock = new Object();
    private CompletableFuture<RecoveryReport> recovery;
    private RedoRecovery recoveryTask;
    private volatile boolean closed;

    private RedoLog(
        final RedoLogConfig config,
        final RedoLogContents contents,
        final FileChannel lockChannel,
        final FileLock lock) throws IOException
    {
        this.config = config;
        this.lockChannel = lockChannel;
        this.lock = lock;
        nextTaskId = new AtomicLong(contents.nextTaskId);
        ring = new ManyToOneRingBuffer(new UnsafeBuffer(
            BufferUtil.allocateDirectAligned(config.ringLength(), 64)));
        ringMask = ring.capacity() - 1;

        recovered = new ArrayList<>();
        for (final TaskEntry entry : contents.tasks.values())
        {
            recoveredStates.put(entry.taskId, entry.state);
            recoveredInfos.put(entry.taskId, entry.info());
            if (entry.state == RedoTaskState.PENDING)
            {
                recovered.add(new RedoTask(entry.taskId, entry.type, entry.payload, 1));
            }
        }
        recovered.sort((a, b) -> Long.compare(a.taskId(), b.taskId()));

        writer = new RedoWriter(config, stats, ring, contents, nextTaskId::get);
        for (final TaskEntry entry : contents.tasks.values())
        {
            entry.payload = null;
        }

        if (config.writerThread())
        {
            runner = new AgentRunner(writer.idleStrategy(), writer::goFatalUnexpected, null, writer);
            AgentRunner.startOnThread(runner, config.threadFactory());
        }
        else
        {
            runner = null;
        }
    }

    /**
     * Opens a redo directory: creates it if missing, verifies every segment, truncates a torn tail
     * to the last complete record, and starts the writer. It does not replay anything: call
     * {@link #startRecovery()} for that.
     *
     * @param config configuration; validated here by {@link RedoLogConfig#conclude()}.
     * @return the open log.
     * @throws IllegalArgumentException if the configuration is invalid.
     * @throws RedoCorruptionException  if a segment is corrupt before its tail (the file is untouched).
     * @throws RedoLogException         if another process has the directory open.
     * @throws IOException              if the directory or a segment cannot be read or repaired.
     */
    public static RedoLog open(final RedoLogConfig config) throws IOException
    {
        config.conclude();
        final Path directory = config.directory();
        Files.createDirectories(directory);

        FileSegmentStorage.requireRegularFile(directory.resolve(LOCK_FILE_NAME), "redo lock file");
        final FileChannel lockChannel = FileChannel.open(
            directory.resolve(LOCK_FILE_NAME), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            java.nio.file.LinkOption.NOFOLLOW_LINKS);
        FileLock lock = null;
        try
        {
            try
            {
                lock = lockChannel.tryLock();
            }
            catch (final OverlappingFileLockException ex)
            {
                lock = null;
            }
            if (null == lock)
            {
                throw new RedoLogException("redo directory " + directory + " is already open (by this or another" +
                    " process): close that log first");
            }

            final RedoLogContents contents = RedoLogReader.scan(directory, config.storage(), false);
            repairTornTail(config, contents);
            final RedoLog log = new RedoLog(config, contents, lockChannel, lock);
            LOG.log(System.Logger.Level.INFO, "pathlock redo log opened: {0}, {1} segment(s), {2} pending and {3}"
                + " quarantined task(s) from before, next task id {4}, {5}", directory, contents.segments.size(),
                log.recovered.size(), contents.quarantined().size(), contents.nextTaskId,
                config.writerThread() ? "writer thread" : "writer driven by the owner");
            return log;
        }
        catch (final IOException | RuntimeException ex)
        {
            if (null != lock)
            {
                lock.release();
            }
            lockChannel.close();
            throw ex;
        }
    }

    private static void repairTornTail(final RedoLogConfig config, final RedoLogContents contents) throws IOException
    {
        final Segment torn = contents.tornSegment;
        if (null == torn)
        {
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "pathlock: redo segment {0} has a torn tail at offset {1} ({2}):"
            + " truncated to the last complete record (a crash during an append; no acknowledged record is lost)",
            torn.path, contents.tornOffset, contents.tornDetail);

        try (SegmentChannel channel = config.storage().openReadWrite(torn.path, false))
        {
            if (contents.tornOffset < SegmentDescriptor.HEADER_LENGTH)
            {
                final ByteBuffer header = ByteBuffer.allocate(SegmentDescriptor.HEADER_LENGTH);
                RedoLogReader.encodeSegmentHeader(new UnsafeBuffer(header), torn.index, contents.nextTaskId);
                channel.truncate(0);
                while (header.hasRemaining())
                {
                    channel.write(header, header.position());
                }
                torn.validLength = SegmentDescriptor.HEADER_LENGTH;
                torn.userBytes = 0;
            }
            else
            {
                channel.truncate(contents.tornOffset);
            }
            channel.force();
        }
    }

    /**
     * Registers the handler that replays tasks of a type; replaces any previous one. Tasks of a type
     * without a handler stay pending and are reported by recovery; call {@link #startRecovery()} again
     * after registering their handler.
     *
     * @param type    task type.
     * @param handler replays tasks of that type; must be idempotent.
     * @throws IllegalArgumentException if the type is not 1..255 printable ASCII characters.
     */
    public void registerHandler(final String type, final RedoHandler handler)
    {
        RedoRecordFlyweight.encodeType(type);
        handlers.put(type, java.util.Objects.requireNonNull(handler, "handler"));
    }

    /**
     * Begins a task: appends a BEGIN record and returns once it is durable (group-committed with the
     * records of other threads). Waits uninterruptibly for the sync; an interrupt is kept pending.
     *
     * @param type    task type, 1..255 printable ASCII characters.
     * @param payload what the handler needs to redo the task; not retained.
     * @return the ticket to complete when the work is done.
     * @throws IllegalArgumentException if the type is invalid or the payload exceeds
     *                                  {@link RedoLogConfig#MAX_PAYLOAD_PROP_NAME}.
     * @throws RedoLogFullException     if the ring is full and back-pressure is {@code FAIL}.
     * @throws RedoAppendException      if writing the batch failed (e.g. the disk is full).
     * @throws RedoLogFatalException    if the log stopped after a sync failure.
     * @throws RedoLogException         if the log is closed.
     */
    public RedoTicket begin(final String type, final byte[] payload)
    {
        return begin(type, payload, 0, payload.length);
    }

    /**
     * Begins a task with part of an array as payload; see {@link #begin(String, byte[])}.
     *
     * @param type          task type.
     * @param payload       array holding the payload.
     * @param payloadOffset first payload byte.
     * @param payloadLength payload length.
     * @return the ticket to complete when the work is done.
     * @throws IllegalArgumentException if the type or payload is invalid.
     * @throws RedoLogException         if the record could not be made durable (see the subclasses).
     */
    public RedoTicket begin(final String type, final byte[] payload, final int payloadOffset, final int payloadLength)
    {
        final byte[] typeBytes = typeBytes(type);
        checkPayload(payload, payloadOffset, payloadLength);
        final long taskId = nextTaskId.getAndIncrement();
        appendDurable(KIND_BEGIN, taskId, typeBytes, payload, payloadOffset, payloadLength);
        return new RedoTicket(this, taskId, type);
    }

    /**
     * Begins a task without blocking: the future completes (on the configured completion executor,
     * never on the writer thread) once the BEGIN record is durable. The append itself may still wait
     * for room in the ring if back-pressure is {@code WAIT}.
     *
     * @param type    task type.
     * @param payload payload; copied into the ring before this method returns.
     * @return a future of the ticket, completed exceptionally with a {@link RedoLogException} if the
     *         record could not be made durable: every failure is reported through the future,
     *         including a full ring under back-pressure {@code FAIL} ({@link RedoLogFullException}), a
     *         stopped log ({@link RedoLogFatalException}) and a closed log.
     * @throws IllegalArgumentException if the type or payload is invalid.
     */
    public CompletableFuture<RedoTicket> beginAsync(final String type, final byte[] payload)
    {
        final byte[] typeBytes = typeBytes(type);
        checkPayload(payload, 0, payload.length);
        final long taskId = nextTaskId.getAndIncrement();
        final DurabilityWaiter.Async waiter =
            new DurabilityWaiter.Async(config.completionExecutor(), new RedoTicket(this, taskId, type));
        try
        {
            append(KIND_BEGIN, taskId, typeBytes, payload, 0, payload.length, waiter);
        }
        catch (final RedoLogException ex)
        {
            waiter.future.completeExceptionally(ex);
            return waiter.future;
        }
        if (writer.isTerminated())
        {
            waiter.complete(writer.resultFor(waiter.position));
        }
        return waiter.future;
    }

    /**
     * Starts replaying, in the background, every task that was pending when the log was opened and is
     * still pending (not replayed, not quarantined). Tasks are replayed one at a time in task-id
     * order, each attempt on a replay thread with the configured timeout; after the configured
     * attempts a task is quarantined (a durable QUARANTINE record) and reported, never dropped. Tasks
     * whose type has no handler stay pending and are reported. Tasks begun since open are not touched.
     * <p>
     * If a pass is running, returns its future; otherwise starts a new pass (e.g. after registering a
     * missing handler).
     *
     * @return a future of the pass's report; completed exceptionally if the log stopped or closed.
     */
    public CompletableFuture<RecoveryReport> startRecovery()
    {
        synchronized (recoveryLock)
        {
            if (closed)
            {
                return CompletableFuture.failedFuture(closedException());
            }
            if (null != recovery && !recovery.isDone())
            {
                return recovery;
            }

            final List<RedoTask> todo = new ArrayList<>();
            for (final RedoTask task : recovered)
            {
                if (recoveredStates.get(task.taskId()) == RedoTaskState.PENDING)
                {
                    todo.add(task);
                }
            }
            final List<RedoTaskInfo> alreadyQuarantined = new ArrayList<>();
            for (final RedoTaskInfo info : recoveredInfos.values())
            {
                if (recoveredStates.get(info.taskId()) == RedoTaskState.QUARANTINED &&
                    info.state() == RedoTaskState.QUARANTINED)
                {
                    alreadyQuarantined.add(info);
                }
            }
            alreadyQuarantined.sort((a, b) -> Long.compare(a.taskId(), b.taskId()));

            recovery = new CompletableFuture<>();
            recoveryTask = new RedoRecovery(this, config, stats, handlers, todo, alreadyQuarantined, recovery);
            final Thread thread = config.threadFactory().newThread(recoveryTask);
            thread.setName("pathlock-redo-recovery");
            thread.start();
            return recovery;
        }
    }

    /**
     * @return the tasks that were pending (not quarantined) when the log was opened, by task id.
     */
    public List<RedoTask> recoveredTasks()
    {
        return List.copyOf(recovered);
    }

    /**
     * @return live counters for the observer.
     */
    public RedoStats stats()
    {
        return stats;
    }

    /**
     * @return the configuration, concluded.
     */
    public RedoLogConfig config()
    {
        return config;
    }

    /**
     * Runs one round of the writer's duty cycle: drains the ring, writes and syncs a batch, completes
     * its waiters. Only for a log opened with {@link RedoLogConfig#writerThread(boolean)
     * writerThread(false)}, whose owner must call this from one thread at a time (e.g. from its own
     * agent or event loop); blocking {@code begin} calls return only while it is driven.
     *
     * @return the amount of work done (records read plus waiters completed); 0 when idle.
     * @throws IllegalStateException if the log runs its own writer thread.
     */
    public int doWriterWork()
    {
        if (null != runner)
        {
            throw new IllegalStateException("redo log " + config.directory() + " runs its own writer thread (" +
                RedoLogConfig.WRITER_THREAD_PROP_NAME + "=true): it must not be driven from outside");
        }
        return writer.doWork();
    }

    /**
     * @return the error that stopped the log after a failed sync, or null while it accepts records.
     */
    public RedoLogFatalException fatalError()
    {
        return writer.fatal();
    }

    /**
     * @return whether {@link #close()} was called.
     */
    public boolean isClosed()
    {
        return closed;
    }

    /**
     * Closes the log: stops accepting records, writes and syncs what producers had committed, stops
     * the writer, fails anything left, stops a running recovery pass (its future completes
     * exceptionally) and releases the directory. Idempotent.
     */
    public void close()
    {
        synchronized (recoveryLock)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            if (null != recoveryTask)
            {
                recoveryTask.stop();
            }
        }

        if (null != runner)
        {
            runner.close();
        }
        else
        {
            writer.onClose();
        }

        try
        {
            lock.release();
            lockChannel.close();
        }
        catch (final IOException ignore)
        {
            // Closing the descriptor drops the lock whatever release() reported.
        }
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "RedoLog{" + config.directory() + ", " + stats + "}";
    }

    void appendDone(final long taskId)
    {
        append(KIND_DONE, taskId, EMPTY, EMPTY, 0, 0, null);
        if (recoveredStates.containsKey(taskId))
        {
            recoveredStates.put(taskId, RedoTaskState.DONE);
        }
    }

    void appendQuarantine(final long taskId, final String type, final String reason)
    {
        byte[] reasonBytes = reason.getBytes(StandardCharsets.UTF_8);
        final int limit = Math.min(MAX_REASON_BYTES, config.maxPayload());
        if (reasonBytes.length > limit)
        {
            reasonBytes = java.util.Arrays.copyOf(reasonBytes, limit);
        }
        appendDurable(KIND_QUARANTINE, taskId, typeBytes(type), reasonBytes, 0, reasonBytes.length);
        recoveredStates.put(taskId, RedoTaskState.QUARANTINED);
    }

    private void appendDurable(
        final byte kind,
        final long taskId,
        final byte[] type,
        final byte[] payload,
        final int payloadOffset,
        final int payloadLength)
    {
        final DurabilityWaiter.Blocking waiter = WAITER.get();
        waiter.reset();
        append(kind, taskId, type, payload, payloadOffset, payloadLength, waiter);

        boolean interrupted = false;
        while (null == waiter.result)
        {
            if (writer.isTerminated())
            {
                waiter.complete(writer.resultFor(waiter.position));
                break;
            }
            LockSupport.park(this);
            if (Thread.interrupted())
            {
                interrupted = true;
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }

        final Object result = waiter.result;
        if (result != DurabilityWaiter.SUCCESS)
        {
            throw copyForCaller((RedoLogException)result);
        }
    }

    private void append(
        final byte kind,
        final long taskId,
        final byte[] type,
        final byte[] payload,
        final int payloadOffset,
        final int payloadLength,
        final DurabilityWaiter waiter)
    {
        checkAccepting();
        final int length = RedoRecordDescriptor.recordLength(type.length, payloadLength);
        final ManyToOneRingBuffer ring = this.ring;
        int index = ring.tryClaim(kind, length);
        if (RingBuffer.INSUFFICIENT_CAPACITY == index)
        {
            index = waitForCapacity(kind, length);
        }

        try
        {
            ENCODER.get().encode(ring.buffer(), index, kind, taskId, type, payload, payloadOffset, payloadLength);
            if (null != waiter)
            {
                final long producerPosition = ring.producerPosition();
                final int recordIndex = index - RecordDescriptor.HEADER_LENGTH;
                waiter.position = producerPosition - 1 - ((producerPosition - 1 - recordIndex) & ringMask);
                writer.enqueue(waiter);
            }
        }
        catch (final RuntimeException ex)
        {
            ring.abort(index);
            throw ex;
        }
        ring.commit(index);
        if (null != waiter)
        {
            // A DONE record need not be durable and nobody waits for it: it rides with the next
            // durable batch, or is written when the idle writer's park times out.
            writer.wake();
        }
    }

    private int waitForCapacity(final byte kind, final int length)
    {
        if (config.backPressure() == BackPressure.FAIL)
        {
            throw new RedoLogFullException("redo ring buffer of " + ring.capacity() + " bytes is full (" +
                ring.size() + " bytes of records await the writer of " + config.directory() + "); nothing was" +
                " appended because " + RedoLogConfig.BACK_PRESSURE_PROP_NAME + "=FAIL");
        }

        stats.backPressureWaits.incrementAndGet();
        final IdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, 100_000);
        int index;
        while (RingBuffer.INSUFFICIENT_CAPACITY == (index = ring.tryClaim(kind, length)))
        {
            writer.wake();
            idle.idle();
            checkAccepting();
        }
        return index;
    }

    private void checkAccepting()
    {
        if (closed)
        {
            throw closedException();
        }
        final RedoLogFatalException fatal = writer.fatal();
        if (null != fatal)
        {
            throw new RedoLogFatalException(fatal.getMessage(), fatal.getCause());
        }
    }

    private RedoLogException closedException()
    {
        return new RedoLogException("redo log " + config.directory() + " is closed");
    }

    private byte[] typeBytes(final String type)
    {
        final byte[] cached = null == type ? null : typeCache.get(type);
        if (null != cached)
        {
            return cached;
        }
        final byte[] bytes = RedoRecordFlyweight.encodeType(type);
        if (typeCache.size() < 4096)
        {
            typeCache.put(type, bytes);
        }
        return bytes;
    }

    private void checkPayload(final byte[] payload, final int offset, final int length)
    {
        java.util.Objects.checkFromIndexSize(offset, length, payload.length);
        if (length > config.maxPayload())
        {
            throw new IllegalArgumentException("redo payload of " + length + " bytes exceeds " +
                RedoLogConfig.MAX_PAYLOAD_PROP_NAME + "=" + config.maxPayload());
        }
    }

    RedoTaskInfo recoveredInfo(final long taskId)
    {
        return recoveredInfos.get(taskId);
    }

    static RedoLogException copyForCaller(final RedoLogException error)
    {
        // A fresh exception per caller carries the caller's stack; the writer's one is its cause.
        if (error instanceof RedoLogFatalException)
        {
            return new RedoLogFatalException(error.getMessage(), error);
        }
        if (error instanceof RedoAppendException)
        {
            return new RedoAppendException(error.getMessage(), error);
        }
        return new RedoLogException(error.getMessage(), error);
    }
}

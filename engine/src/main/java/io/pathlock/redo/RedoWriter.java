package io.pathlock.redo;

import static io.pathlock.redo.RedoRecordDescriptor.KIND_BEGIN;
import static io.pathlock.redo.RedoRecordDescriptor.KIND_DONE;
import static io.pathlock.redo.RedoRecordDescriptor.KIND_QUARANTINE;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import io.pathlock.time.MonotonicClock;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;

import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;

/**
 * The single writer of the redo log: drains the ring, writes each batch to the live segment with one
 * write and one data sync (group commit), completes the producers waiting on that batch, rolls and
 * compacts segments.
 * <p>
 * Protocol, with the invariants the tests refer to:
 * <ol>
 * <li>Positions. A producer knows the absolute ring position {@code p} of its record (see
 *     {@link RedoLog}); the writer publishes {@code durablePosition} after each batch: every record
 *     below it has been handled, i.e. written and synced, or failed. A record is acknowledged only if
 *     {@code p < durablePosition} and {@code p} is in no failed range.</li>
 * <li>Failures are published before {@code durablePosition} moves past them, so a reader that sees
 *     the new position sees the failure too.</li>
 * <li>A batch holding a BEGIN or QUARANTINE record is synced before it is acknowledged; a batch of
 *     DONE records only is written but not synced (a lost DONE causes an idempotent replay).</li>
 * <li>A failed write truncates the segment back to the batch start and syncs that, so the file stays
 *     a clean sequence of records; if that fails too, the log is fatal.</li>
 * <li>A failed sync is fatal and never retried: every record from that batch on fails until the log
 *     is reopened and recovered from disk (DESIGN 3.4, "fsyncgate").</li>
 * <li>Before a new segment is created the live one is synced, so only the newest segment can have a
 *     torn tail ({@link RedoLogReader} invariant 1).</li>
 * <li>Segments are deleted oldest first, and only when no not-done task has its latest BEGIN in
 *     them; so a DONE record is never deleted while the BEGIN it cancels survives. A still-pending
 *     task is copied forward (BEGIN, then QUARANTINE if it has one) into the live segment, synced,
 *     before its old segment is deleted. Copies do not count towards the roll size.</li>
 * </ol>
 * The in-memory task index is changed only after the batch that carries the change is on disk.
 * <p>
 * Only the agent's thread calls {@link #doWork()} and {@link #onClose()}; producers call
 * {@link #enqueue}, {@link #wake()} and the volatile getters.
 */
final class RedoWriter implements Agent
{
    private final RedoLogConfig config;
    private final RedoStats stats;
    private final ManyToOneRingBuffer ring;
    private final SegmentStorage storage;
    private final Path directory;
    private final MonotonicClock nanoClock;
    private final ArrayDeque<Segment> segments = new ArrayDeque<>();
    private final Long2ObjectHashMap<TaskEntry> tasks = new Long2ObjectHashMap<>();
    private final ByteBuffer batchByteBuffer;
    private final UnsafeBuffer batchBuffer;
    private final byte[] batchKinds;
    private final long[] batchTaskIds;
    private final int[] batchOffsets;
    private final int[] batchLengths;
    private final ManyToOneConcurrentLinkedQueue<DurabilityWaiter> waiterQueue = new ManyToOneConcurrentLinkedQueue<>();
    private final ArrayList<DurabilityWaiter> waiting = new ArrayList<>();
    private final TreeMap<Long, FailedRange> failedRanges = new TreeMap<>();
    private final MessageHandler copier = this::copyIntoBatch;
    private final MessageHandler discarder = (msgTypeId, buffer, index, length) -> {};
    private final java.util.function.LongSupplier nextTaskId;

    private Segment live;
    private SegmentChannel liveChannel;
    private long livePosition;
    private boolean liveDirty;
    private int batchCount;
    private int batchLength;
    private boolean batchNeedsSync;
    private long fatalFrom = Long.MAX_VALUE;
    private boolean compactionBlocked;

    private volatile RedoLogFatalException fatal;
    private volatile boolean terminated;
    private volatile long durablePosition;
    private volatile boolean parked;
    private volatile Thread thread;

    RedoWriter(
        final RedoLogConfig config,
        final RedoStats stats,
        final ManyToOneRingBuffer ring,
        final RedoLogContents contents,
        final java.util.function.LongSupplier nextTaskId) throws IOException
    {
        this.config = config;
        this.stats = stats;
        this.ring = ring;
        this.storage = config.storage();
        this.directory = config.directory();
        this.nanoClock = config.clock();
        this.nextTaskId = nextTaskId;

        // One ring's worth of records is the most a read can return; compaction copies in chunks.
        batchByteBuffer = BufferUtil.allocateDirectAligned(ring.capacity(), 64);
        batchBuffer = new UnsafeBuffer(batchByteBuffer);
        final int maxRecords = config.batchMaxRecords();
        batchKinds = new byte[maxRecords];
        batchTaskIds = new long[maxRecords];
        batchOffsets = new int[maxRecords];
        batchLengths = new int[maxRecords];
        durablePosition = ring.consumerPosition();

        long quarantined = 0;
        for (final Segment segment : contents.segments)
        {
            segments.addLast(segment);
        }
        for (final Map.Entry<Long, TaskEntry> entry : contents.tasks.entrySet())
        {
            final TaskEntry task = entry.getValue();
            tasks.put(task.taskId, task);
            if (task.state == RedoTaskState.QUARANTINED)
            {
                quarantined++;
            }
        }
        stats.pending.set(tasks.size());
        stats.quarantinedNow.set(quarantined);

        if (segments.isEmpty())
        {
            createSegment(1);
        }
        else
        {
            live = segments.peekLast();
            liveChannel = storage.openReadWrite(live.path, false);
            livePosition = live.validLength;
        }
    }

    public String roleName()
    {
        return "pathlock-redo-writer";
    }

    public void onStart()
    {
        thread = Thread.currentThread();
    }

    public int doWork()
    {
        int work = 0;
        final long start = ring.consumerPosition();
        if (null == fatal)
        {
            batchCount = 0;
            batchLength = 0;
            batchNeedsSync = false;
            final int read = ring.read(copier, batchKinds.length);
            final long end = ring.consumerPosition();
            if (read > 0)
            {
                flush(start, end);
                work += read;
            }
            else if (end != start)
            {
                // Only the padding record at the end of the ring was consumed (a read never wraps):
                // that is progress, and the records after the wrap are read on the next call.
                durablePosition = end;
                work++;
            }
            else
            {
                work += compact();
            }
        }
        else
        {
            final int read = ring.read(discarder, batchKinds.length);
            final long end = ring.consumerPosition();
            if (read > 0)
            {
                stats.failedAppends.addAndGet(read);
            }
            if (end != start)
            {
                durablePosition = end;
                work += Math.max(read, 1);
            }
        }

        work += completeWaiters();
        return work;
    }

    public void onClose()
    {
        // Producers were stopped by RedoLog.close(); write what they committed. A producer that
        // claimed but has not committed holds the ring back: give it a bounded number of chances.
        int idle = 0;
        while (ring.size() > 0 && idle < 1000)
        {
            if (doWork() == 0)
            {
                idle++;
                Thread.yield();
            }
        }

        if (null == fatal && liveDirty && null != liveChannel)
        {
            try
            {
                liveChannel.force();
                liveDirty = false;
            }
            catch (final IOException ex)
            {
                // Only DONE records are unsynced here; losing them causes a replay, never a loss.
                // The sync is not retried.
                goFatal(live, ex);
            }
        }
        closeQuietly(liveChannel);
        liveChannel = null;

        terminated = true;
        DurabilityWaiter waiter;
        while (null != (waiter = waiterQueue.poll()))
        {
            waiting.add(waiter);
        }
        for (final DurabilityWaiter w : waiting)
        {
            w.complete(resultFor(w.position));
        }
        waiting.clear();
    }

    void enqueue(final DurabilityWaiter waiter)
    {
        waiterQueue.offer(waiter);
    }

    void wake()
    {
        if (parked)
        {
            final Thread t = thread;
            if (null != t)
            {
                LockSupport.unpark(t);
            }
        }
    }

    boolean isTerminated()
    {
        return terminated;
    }

    RedoLogFatalException fatal()
    {
        return fatal;
    }

    /**
     * Outcome of the record at a ring position; exact once the writer has terminated.
     */
    RedoLogException resultFor(final long position)
    {
        if (position >= durablePosition)
        {
            return new RedoLogException("redo log " + directory + " was closed before the record was written");
        }
        return failureFor(position);
    }

    void goFatalUnexpected(final Throwable error)
    {
        if (null == fatal)
        {
            fatalFrom = ring.consumerPosition();
            fatal = new RedoLogFatalException("redo writer for " + directory + " failed unexpectedly: " + error +
                "; the log stopped accepting records: close it, reopen and recover", error);
            RedoLog.LOG.log(System.Logger.Level.ERROR, "pathlock: " + fatal.getMessage(), error);
        }
    }

    IdleStrategy idleStrategy()
    {
        return new WriterIdleStrategy(config.writerParkMax().toNanos());
    }

    private void copyIntoBatch(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final int i = batchCount++;
        batchKinds[i] = (byte)msgTypeId;
        batchTaskIds[i] = buffer.getLong(index + RedoRecordDescriptor.TASK_ID_OFFSET, LITTLE_ENDIAN);
        batchOffsets[i] = batchLength;
        batchLengths[i] = length;
        batchBuffer.putBytes(batchLength, buffer, index, length);
        batchLength += length;
        if (msgTypeId != KIND_DONE)
        {
            batchNeedsSync = true;
        }
    }

    private void flush(final long start, final long end)
    {
        final RedoFlushEvent event = new RedoFlushEvent();
        event.begin();
        RedoLogException failure = null;
        long syncNanos = 0;

        if (live.userBytes >= config.segmentSize())
        {
            failure = roll();
        }

        final long fileOffset = livePosition;
        if (null == failure)
        {
            try
            {
                writeFully(liveChannel, batchLength, fileOffset);
            }
            catch (final IOException ex)
            {
                failure = restoreAfterFailedWrite(ex, fileOffset);
            }
        }

        if (null == failure && batchNeedsSync)
        {
            final long t0 = nanoClock.nanoTime();
            try
            {
                liveChannel.force();
                syncNanos = nanoClock.nanoTime() - t0;
            }
            catch (final IOException ex)
            {
                failure = goFatal(live, ex);
            }
        }

        if (null == failure)
        {
            livePosition += batchLength;
            live.userBytes += batchLength;
            live.validLength = livePosition;
            liveDirty = !batchNeedsSync;
            applyBatch(fileOffset);
            if (batchNeedsSync)
            {
                stats.syncs.incrementAndGet();
                stats.syncNanosTotal.addAndGet(syncNanos);
                stats.lastSyncNanos.set(syncNanos);
                RedoStats.max(stats.syncNanosMax, syncNanos);
            }
        }
        else
        {
            addFailedRange(start, end, failure);
            stats.failedAppends.addAndGet(batchCount);
        }

        stats.batches.incrementAndGet();
        stats.records.addAndGet(batchCount);
        stats.bytes.addAndGet(batchLength);
        stats.lastBatchRecords.set(batchCount);
        RedoStats.max(stats.maxBatchRecords, batchCount);
        durablePosition = end;

        if (event.shouldCommit())
        {
            event.end();
            event.records = batchCount;
            event.bytes = batchLength;
            event.synced = batchNeedsSync && null == failure;
            event.syncNanos = syncNanos;
            event.segment = live.name();
            event.failed = null != failure;
            event.commit();
        }
    }

    private void applyBatch(final long fileOffset)
    {
        for (int i = 0; i < batchCount; i++)
        {
            final long taskId = batchTaskIds[i];
            switch (batchKinds[i])
            {
                case KIND_BEGIN:
                {
                    TaskEntry entry = tasks.get(taskId);
                    if (null == entry)
                    {
                        entry = new TaskEntry(taskId);
                        tasks.put(taskId, entry);
                        stats.pending.incrementAndGet();
                    }
                    else
                    {
                        entry.segment.pending--;
                    }
                    entry.segment = live;
                    entry.offset = fileOffset + batchOffsets[i];
                    entry.length = batchLengths[i];
                    live.pending++;
                    break;
                }

                case KIND_QUARANTINE:
                {
                    final TaskEntry entry = tasks.get(taskId);
                    if (null != entry)
                    {
                        if (entry.state != RedoTaskState.QUARANTINED)
                        {
                            stats.quarantinedNow.incrementAndGet();
                        }
                        entry.state = RedoTaskState.QUARANTINED;
                        entry.quarantineSegment = live;
                        entry.quarantineOffset = fileOffset + batchOffsets[i];
                        entry.quarantineLength = batchLengths[i];
                    }
                    break;
                }

                case KIND_DONE:
                {
                    final TaskEntry entry = tasks.remove(taskId);
                    if (null != entry)
                    {
                        entry.segment.pending--;
                        stats.pending.decrementAndGet();
                        if (entry.state == RedoTaskState.QUARANTINED)
                        {
                            stats.quarantinedNow.decrementAndGet();
                        }
                    }
                    break;
                }

                default:
                    break;
            }
            live.records++;
        }
    }

    private RedoLogException roll()
    {
        if (liveDirty)
        {
            try
            {
                liveChannel.force();
                liveDirty = false;
            }
            catch (final IOException ex)
            {
                return goFatal(live, ex);
            }
        }

        final Segment previous = live;
        final SegmentChannel previousChannel = liveChannel;
        try
        {
            createSegment(previous.index + 1);
        }
        catch (final IOException ex)
        {
            return new RedoAppendException("could not create redo segment " +
                directory.resolve(SegmentDescriptor.fileName(previous.index + 1)) + ": " + ex +
                "; the batch was not written and the log stays readable", ex);
        }
        closeQuietly(previousChannel);
        compactionBlocked = false;
        return null;
    }

    private void createSegment(final long index) throws IOException
    {
        final Path path = directory.resolve(SegmentDescriptor.fileName(index));
        final long firstTaskId = nextTaskId.getAsLong();
        SegmentChannel channel = null;
        try
        {
            channel = storage.openReadWrite(path, true);
            final ByteBuffer header = ByteBuffer.allocate(SegmentDescriptor.HEADER_LENGTH);
            RedoLogReader.encodeSegmentHeader(new UnsafeBuffer(header), index, firstTaskId);
            while (header.hasRemaining())
            {
                channel.write(header, header.position());
            }
            channel.force();
            storage.syncDirectory(directory);
        }
        catch (final IOException | RuntimeException ex)
        {
            closeQuietly(channel);
            try
            {
                storage.delete(path);
            }
            catch (final IOException suppressed)
            {
                ex.addSuppressed(suppressed);
            }
            throw ex;
        }

        final Segment segment = new Segment(index, path, firstTaskId);
        segment.validLength = SegmentDescriptor.HEADER_LENGTH;
        segments.addLast(segment);
        live = segment;
        liveChannel = channel;
        livePosition = SegmentDescriptor.HEADER_LENGTH;
        liveDirty = false;
        stats.segmentsCreated.incrementAndGet();
    }

    private RedoLogException restoreAfterFailedWrite(final IOException cause, final long fileOffset)
    {
        try
        {
            liveChannel.truncate(fileOffset);
            liveChannel.force();
            liveDirty = false;
        }
        catch (final IOException ex)
        {
            cause.addSuppressed(ex);
            return goFatal(live, cause);
        }

        return new RedoAppendException("append of " + batchCount + " redo records (" + batchLength +
            " bytes) to " + live.path + " at offset " + fileOffset + " failed: " + cause +
            "; the segment was truncated back to offset " + fileOffset + " and stays readable", cause);
    }

    private RedoLogFatalException goFatal(final Segment segment, final IOException cause)
    {
        if (null == fatal)
        {
            fatalFrom = ring.consumerPosition();
            fatal = new RedoLogFatalException("data sync of redo segment " + segment.path + " failed: " + cause +
                "; the sync is never retried (the kernel may have dropped the dirty pages), so the log stopped" +
                " accepting records: close it, reopen it and recover from disk", cause);
            RedoLog.LOG.log(System.Logger.Level.ERROR, "pathlock: " + fatal.getMessage(), cause);
        }
        return fatal;
    }

    private void addFailedRange(final long start, final long end, final RedoLogException error)
    {
        if (error instanceof RedoLogFatalException)
        {
            fatalFrom = Math.min(fatalFrom, start);
            return;
        }

        final Map.Entry<Long, FailedRange> previous = failedRanges.floorEntry(start);
        if (null != previous && previous.getValue().end == start)
        {
            previous.getValue().end = end;
            previous.getValue().error = error;
        }
        else
        {
            failedRanges.put(start, new FailedRange(end, error));
        }
    }

    private RedoLogException failureFor(final long position)
    {
        final RedoLogFatalException fatal = this.fatal;
        if (null != fatal && position >= fatalFrom)
        {
            return fatal;
        }

        final Map.Entry<Long, FailedRange> range = failedRanges.floorEntry(position);
        if (null != range && position < range.getValue().end)
        {
            return range.getValue().error;
        }
        return null;
    }

    private int completeWaiters()
    {
        DurabilityWaiter waiter;
        while (null != (waiter = waiterQueue.poll()))
        {
            waiting.add(waiter);
        }

        int completed = 0;
        final long durable = durablePosition;
        for (int i = waiting.size() - 1; i >= 0; i--)
        {
            final DurabilityWaiter w = waiting.get(i);
            if (w.position < durable)
            {
                final int last = waiting.size() - 1;
                waiting.set(i, waiting.get(last));
                waiting.remove(last);
                w.complete(failureFor(w.position));
                completed++;
            }
        }
        return completed;
    }

    private int compact()
    {
        if (compactionBlocked || segments.size() <= 1)
        {
            return 0;
        }

        final Segment oldest = segments.peekFirst();
        if (oldest.pending == 0)
        {
            try
            {
                storage.delete(oldest.path);
                storage.syncDirectory(directory);
            }
            catch (final IOException ex)
            {
                // A segment that cannot be deleted only costs disk space; try again after the next roll.
                compactionBlocked = true;
                return 0;
            }
            segments.pollFirst();
            stats.segmentsDeleted.incrementAndGet();
            return 1;
        }

        if (segments.size() - 1 > config.compactionLag())
        {
            return carryForward(oldest);
        }
        return 0;
    }

    private int carryForward(final Segment oldest)
    {
        final List<TaskEntry> moving = new ArrayList<>();
        for (final TaskEntry entry : tasks.values())
        {
            if (entry.segment == oldest)
            {
                moving.add(entry);
            }
        }
        moving.sort((a, b) -> Long.compare(a.taskId, b.taskId));
        if (moving.isEmpty())
        {
            oldest.pending = 0;
            return 1;
        }

        final Map<Segment, SegmentChannel> readers = new java.util.HashMap<>();
        try
        {
            int from = 0;
            while (from < moving.size())
            {
                final long fileOffset = livePosition;
                int length = 0;
                int to = from;
                final int[] offsets = new int[moving.size()];
                while (to < moving.size())
                {
                    final TaskEntry entry = moving.get(to);
                    final int needed = entry.length +
                        (entry.state == RedoTaskState.QUARANTINED ? entry.quarantineLength : 0);
                    if (length + needed > batchBuffer.capacity())
                    {
                        break;
                    }
                    offsets[to] = length;
                    readRecord(readers, entry.segment, entry.offset, entry.length, length, KIND_BEGIN, entry.taskId);
                    length += entry.length;
                    if (entry.state == RedoTaskState.QUARANTINED)
                    {
                        readRecord(readers, entry.quarantineSegment, entry.quarantineOffset, entry.quarantineLength,
                            length, KIND_QUARANTINE, entry.taskId);
                        length += entry.quarantineLength;
                    }
                    to++;
                }

                try
                {
                    writeFully(liveChannel, length, fileOffset);
                }
                catch (final IOException ex)
                {
                    restoreAfterFailedWrite(ex, fileOffset);
                    compactionBlocked = true;
                    return 1;
                }
                try
                {
                    liveChannel.force();
                }
                catch (final IOException ex)
                {
                    goFatal(live, ex);
                    return 1;
                }

                for (int i = from; i < to; i++)
                {
                    final TaskEntry entry = moving.get(i);
                    entry.segment.pending--;
                    entry.segment = live;
                    entry.offset = fileOffset + offsets[i];
                    live.pending++;
                    if (entry.state == RedoTaskState.QUARANTINED)
                    {
                        entry.quarantineSegment = live;
                        entry.quarantineOffset = entry.offset + entry.length;
                    }
                }
                livePosition += length;
                live.validLength = livePosition;
                liveDirty = false;
                stats.carriedForward.addAndGet(to - from);
                from = to;
            }
        }
        catch (final IOException | RedoLogException ex)
        {
            // A record we wrote earlier cannot be read back as written: the media is not to be trusted.
            goFatalUnexpected(ex);
            return 1;
        }
        finally
        {
            for (final SegmentChannel channel : readers.values())
            {
                closeQuietly(channel);
            }
        }
        return 1;
    }

    private void readRecord(
        final Map<Segment, SegmentChannel> readers,
        final Segment segment,
        final long offset,
        final int length,
        final int batchOffset,
        final byte expectedKind,
        final long expectedTaskId) throws IOException
    {
        SegmentChannel channel = readers.get(segment);
        if (null == channel)
        {
            channel = storage.openReadOnly(segment.path);
            readers.put(segment, channel);
        }

        final ByteBuffer dst = batchByteBuffer.duplicate();
        dst.limit(batchOffset + length).position(batchOffset);
        long position = offset;
        while (dst.hasRemaining())
        {
            final int read = channel.read(dst, position);
            if (read < 0)
            {
                throw new RedoCorruptionException(segment.path.toString(), offset, "record ends past end of file");
            }
            position += read;
        }

        final RedoRecordFlyweight record = new RedoRecordFlyweight().wrap(batchBuffer, batchOffset);
        if (record.length() != length || record.kind() != expectedKind || record.taskId() != expectedTaskId ||
            record.computeHeaderCrc() != record.headerCrc() || record.computeBodyCrc() != record.bodyCrc())
        {
            throw new RedoCorruptionException(segment.path.toString(), offset,
                "record read back for compaction does not match what was written");
        }
    }

    private void writeFully(final SegmentChannel channel, final int length, final long fileOffset) throws IOException
    {
        final ByteBuffer src = batchByteBuffer.duplicate();
        src.limit(length).position(0);
        long position = fileOffset;
        while (src.hasRemaining())
        {
            position += channel.write(src, position);
        }
    }

    private static void closeQuietly(final SegmentChannel channel)
    {
        if (null != channel)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // Closing after the data was synced (or the log went fatal) loses nothing.
            }
        }
    }

    private static final class FailedRange
    {
        long end;
        RedoLogException error;

        FailedRange(final long end, final RedoLogException error)
        {
            this.end = end;
            this.error = error;
        }
    }

    /**
     * Spins a little, yields a little, then parks until a producer wakes it (or a bounded time passes).
     * Before parking it announces itself and re-checks the ring, and a producer reads that flag after
     * committing: with both sides using volatile accesses, one of them sees the other, so a record
     * never waits for the park timeout.
     */
    private final class WriterIdleStrategy implements IdleStrategy
    {
        private final long maxParkNs;
        private int idleCount;

        WriterIdleStrategy(final long maxParkNs)
        {
            this.maxParkNs = maxParkNs;
        }

        public void idle(final int workCount)
        {
            if (workCount > 0)
            {
                idleCount = 0;
                return;
            }
            idle();
        }

        public void idle()
        {
            idleCount++;
            if (idleCount < 10)
            {
                Thread.onSpinWait();
            }
            else if (idleCount < 20)
            {
                Thread.yield();
            }
            else
            {
                parked = true;
                if (ring.size() == 0 && waiterQueue.isEmpty())
                {
                    LockSupport.parkNanos(this, maxParkNs);
                }
                parked = false;
            }
        }

        public void reset()
        {
            idleCount = 0;
        }

        public String alias()
        {
            return "redo-writer";
        }
    }
}

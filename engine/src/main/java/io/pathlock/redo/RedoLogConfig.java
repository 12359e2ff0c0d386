package io.pathlock.redo;

import io.pathlock.config.Settings;
import io.pathlock.time.MonotonicClock;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;

import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Configuration of a {@link RedoLog}: every key sits beside its default, as in Aeron's
 * {@code Configuration}. A new instance takes its values from system properties (when set) or the
 * defaults; the fluent setters override them; {@link #conclude()} validates everything once, before
 * the log starts, and reports each bad value naming its key. Keys, units and syntax follow the one
 * convention of {@link Settings} (docs/configuration.md): sizes in bytes or with a {@code k}/{@code m}/
 * {@code g} suffix, durations with a unit (a bare number is seconds), booleans {@code true}/{@code false};
 * a key spelled as before that convention is refused, naming its new spelling.
 * <p>
 * Not thread-safe: configure on one thread, then hand it to {@link RedoLog#open(RedoLogConfig)}.
 */
public final class RedoLogConfig
{
    /** Directory holding the segment files. No default: it must be set. */
    public static final String DIR_PROP_NAME = "pathlock.redo.dir";

    /** Size in bytes after which the live segment is rolled (a soft limit: a batch is not split). */
    public static final String SEGMENT_SIZE_PROP_NAME = "pathlock.redo.segmentSize";

    /** Default segment size: 16 MiB. */
    public static final int SEGMENT_SIZE_DEFAULT = 16 * 1024 * 1024;

    /** Smallest accepted segment size. */
    public static final int SEGMENT_SIZE_MIN = 1024;

    /** Largest accepted segment size. */
    public static final int SEGMENT_SIZE_MAX = 1024 * 1024 * 1024;

    /** Capacity in bytes of the producer ring buffer, a power of two (the trailer is added). */
    public static final String RING_CAPACITY_PROP_NAME = "pathlock.redo.ringCapacity";

    /** Default ring capacity: 1 MiB. */
    public static final int RING_CAPACITY_DEFAULT = 1024 * 1024;

    /** Smallest accepted ring capacity. */
    public static final int RING_CAPACITY_MIN = 4096;

    /** Largest accepted ring capacity. */
    public static final int RING_CAPACITY_MAX = 256 * 1024 * 1024;

    /** Largest payload of one task, in bytes; a record must fit in an eighth of the ring. */
    public static final String MAX_PAYLOAD_PROP_NAME = "pathlock.redo.maxPayload";

    /** Default largest payload: 64 KiB. */
    public static final int MAX_PAYLOAD_DEFAULT = 64 * 1024;

    /** What an append does when the ring is full: {@code WAIT} or {@code FAIL}. */
    public static final String BACK_PRESSURE_PROP_NAME = "pathlock.redo.backPressure";

    /** Default back-pressure: wait. */
    public static final BackPressure BACK_PRESSURE_DEFAULT = BackPressure.WAIT;

    /** Most records the writer takes into one batch (one write, one sync). */
    public static final String BATCH_MAX_RECORDS_PROP_NAME = "pathlock.redo.batchMaxRecords";

    /** Default batch limit. */
    public static final int BATCH_MAX_RECORDS_DEFAULT = 4096;

    /** Time one replay of a task may take before it counts as a failed attempt (1 ms to 1 d). */
    public static final String REPLAY_TIMEOUT_PROP_NAME = "pathlock.redo.replayTimeout";

    /** Default replay timeout: 60 s. */
    public static final Duration REPLAY_TIMEOUT_DEFAULT = Duration.ofSeconds(60);

    /** Attempts at replaying a task before it is quarantined. */
    public static final String REPLAY_ATTEMPTS_PROP_NAME = "pathlock.redo.replayAttempts";

    /** Default attempts: 3. */
    public static final int REPLAY_ATTEMPTS_DEFAULT = 3;

    /** Pause between two attempts at the same task (0 to 1 h). */
    public static final String REPLAY_RETRY_DELAY_PROP_NAME = "pathlock.redo.replayRetryDelay";

    /** Default pause between attempts: 500 ms. */
    public static final Duration REPLAY_RETRY_DELAY_DEFAULT = Duration.ofMillis(500);

    /**
     * Rolled segments a still-pending task may lag behind before compaction copies it forward into
     * the live segment so its old segment can be deleted. 0 copies as soon as a segment rolls.
     */
    public static final String COMPACTION_LAG_PROP_NAME = "pathlock.redo.compactionLagSegments";

    /** Default compaction lag: 1 segment. */
    public static final int COMPACTION_LAG_DEFAULT = 1;

    /** Whether {@link RedoLog#open} starts a writer thread; false means the owner drives the agent. */
    public static final String WRITER_THREAD_PROP_NAME = "pathlock.redo.writerThread";

    /** Default: start a writer thread. */
    public static final boolean WRITER_THREAD_DEFAULT = true;

    /** Longest park of an idle writer, 1 µs to 1 s (producers wake it sooner). */
    public static final String WRITER_PARK_MAX_PROP_NAME = "pathlock.redo.writerParkMax";

    /** Default longest writer park: 1 ms. */
    public static final Duration WRITER_PARK_MAX_DEFAULT = Duration.ofMillis(1);

    private final List<String> errors = new ArrayList<>();
    private Path directory;
    private long segmentSize;
    private long ringCapacity;
    private long maxPayload;
    private BackPressure backPressure;
    private long batchMaxRecords;
    private Duration replayTimeout;
    private long replayAttempts;
    private Duration replayRetryDelay;
    private long compactionLag;
    private boolean writerThread;
    private Duration writerParkMax;
    private SegmentStorage storage = FileSegmentStorage.INSTANCE;
    private MonotonicClock clock = MonotonicClock.system();
    private ThreadFactory threadFactory;
    private Executor completionExecutor = ForkJoinPool.commonPool();
    private boolean concluded;

    /**
     * Creates a configuration from system properties and defaults.
     */
    public RedoLogConfig()
    {
        try
        {
            Settings.rejectRenamed("pathlock.redo.");
        }
        catch (final IllegalArgumentException ex)
        {
            errors.add(ex.getMessage());
        }
        final String dir = System.getProperty(DIR_PROP_NAME);
        directory = null == dir ? null : Paths.get(dir);
        segmentSize = read(() -> Settings.sizeProperty(SEGMENT_SIZE_PROP_NAME, SEGMENT_SIZE_DEFAULT), (long)SEGMENT_SIZE_DEFAULT);
        ringCapacity = read(() -> Settings.sizeProperty(RING_CAPACITY_PROP_NAME, RING_CAPACITY_DEFAULT), (long)RING_CAPACITY_DEFAULT);
        maxPayload = read(() -> Settings.sizeProperty(MAX_PAYLOAD_PROP_NAME, MAX_PAYLOAD_DEFAULT), (long)MAX_PAYLOAD_DEFAULT);
        batchMaxRecords = read(
            () -> Settings.longProperty(BATCH_MAX_RECORDS_PROP_NAME, BATCH_MAX_RECORDS_DEFAULT), (long)BATCH_MAX_RECORDS_DEFAULT);
        replayTimeout = read(
            () -> Settings.durationProperty(REPLAY_TIMEOUT_PROP_NAME, REPLAY_TIMEOUT_DEFAULT, false), REPLAY_TIMEOUT_DEFAULT);
        replayAttempts = read(
            () -> Settings.longProperty(REPLAY_ATTEMPTS_PROP_NAME, REPLAY_ATTEMPTS_DEFAULT), (long)REPLAY_ATTEMPTS_DEFAULT);
        replayRetryDelay = read(
            () -> Settings.durationProperty(REPLAY_RETRY_DELAY_PROP_NAME, REPLAY_RETRY_DELAY_DEFAULT, false),
            REPLAY_RETRY_DELAY_DEFAULT);
        compactionLag = read(
            () -> Settings.longProperty(COMPACTION_LAG_PROP_NAME, COMPACTION_LAG_DEFAULT), (long)COMPACTION_LAG_DEFAULT);
        writerThread = read(
            () -> Settings.booleanProperty(WRITER_THREAD_PROP_NAME, WRITER_THREAD_DEFAULT), WRITER_THREAD_DEFAULT);
        writerParkMax = read(
            () -> Settings.durationProperty(WRITER_PARK_MAX_PROP_NAME, WRITER_PARK_MAX_DEFAULT, false), WRITER_PARK_MAX_DEFAULT);

        final String bp = System.getProperty(BACK_PRESSURE_PROP_NAME);
        backPressure = BACK_PRESSURE_DEFAULT;
        if (null != bp && !bp.isBlank())
        {
            try
            {
                backPressure = BackPressure.valueOf(bp.trim().toUpperCase(Locale.ROOT));
            }
            catch (final IllegalArgumentException ex)
            {
                errors.add("system property " + BACK_PRESSURE_PROP_NAME + ": '" + bp + "' must be WAIT or FAIL");
            }
        }
    }

    /** Reads one property; a bad value is recorded (reported by {@link #conclude()}) and the default kept. */
    private <T> T read(final Supplier<T> property, final T defaultValue)
    {
        try
        {
            return property.get();
        }
        catch (final IllegalArgumentException ex)
        {
            errors.add(ex.getMessage());
            return defaultValue;
        }
    }

    /**
     * Validates every value, once. Called by {@link RedoLog#open(RedoLogConfig)}.
     *
     * @return this.
     * @throws IllegalArgumentException listing every bad key with its value and the accepted range.
     */
    public RedoLogConfig conclude()
    {
        if (concluded)
        {
            return this;
        }

        final List<String> problems = new ArrayList<>(errors);
        if (null == directory)
        {
            problems.add(DIR_PROP_NAME + " is not set: give the redo directory");
        }
        check(problems, SEGMENT_SIZE_PROP_NAME, segmentSize, SEGMENT_SIZE_MIN, SEGMENT_SIZE_MAX);
        if (check(problems, RING_CAPACITY_PROP_NAME, ringCapacity, RING_CAPACITY_MIN, RING_CAPACITY_MAX))
        {
            if (Long.bitCount(ringCapacity) != 1)
            {
                problems.add(RING_CAPACITY_PROP_NAME + "=" + ringCapacity + ": must be a power of two");
            }
        }
        if (check(problems, MAX_PAYLOAD_PROP_NAME, maxPayload, 0, Integer.MAX_VALUE) &&
            Long.bitCount(ringCapacity) == 1 &&
            RedoRecordDescriptor.recordLength(RedoRecordDescriptor.MAX_TYPE_LENGTH, 0) + maxPayload > ringCapacity / 8)
        {
            problems.add(MAX_PAYLOAD_PROP_NAME + "=" + maxPayload + ": a record (" +
                RedoRecordDescriptor.recordLength(RedoRecordDescriptor.MAX_TYPE_LENGTH, 0) +
                " header and type bytes + payload) must fit in an eighth of " + RING_CAPACITY_PROP_NAME + "=" +
                ringCapacity + ", so at most " +
                (ringCapacity / 8 - RedoRecordDescriptor.recordLength(RedoRecordDescriptor.MAX_TYPE_LENGTH, 0)));
        }
        check(problems, BATCH_MAX_RECORDS_PROP_NAME, batchMaxRecords, 1, 1 << 20);
        check(problems, REPLAY_TIMEOUT_PROP_NAME, replayTimeout, Duration.ofMillis(1), Duration.ofDays(1));
        check(problems, REPLAY_ATTEMPTS_PROP_NAME, replayAttempts, 1, 1000);
        check(problems, REPLAY_RETRY_DELAY_PROP_NAME, replayRetryDelay, Duration.ZERO, Duration.ofHours(1));
        check(problems, COMPACTION_LAG_PROP_NAME, compactionLag, 0, 1000);
        check(problems, WRITER_PARK_MAX_PROP_NAME, writerParkMax, Duration.ofNanos(1000), Duration.ofSeconds(1));
        if (null == backPressure)
        {
            problems.add(BACK_PRESSURE_PROP_NAME + " is null: must be WAIT or FAIL");
        }

        if (!problems.isEmpty())
        {
            throw new IllegalArgumentException("invalid redo log configuration: " + String.join("; ", problems));
        }

        if (null == threadFactory)
        {
            threadFactory = (runnable) ->
            {
                final Thread thread = new Thread(runnable);
                thread.setDaemon(true);
                return thread;
            };
        }

        concluded = true;
        return this;
    }

    /**
     * @param directory redo directory, created on open if missing ({@link #DIR_PROP_NAME}).
     * @return this.
     */
    public RedoLogConfig directory(final Path directory)
    {
        this.directory = directory;
        return this;
    }

    /**
     * @return redo directory.
     */
    public Path directory()
    {
        return directory;
    }

    /**
     * @param bytes roll size of a segment ({@link #SEGMENT_SIZE_PROP_NAME}).
     * @return this.
     */
    public RedoLogConfig segmentSize(final long bytes)
    {
        this.segmentSize = bytes;
        return this;
    }

    /**
     * @return roll size of a segment in bytes.
     */
    public int segmentSize()
    {
        return (int)segmentSize;
    }

    /**
     * @param bytes ring capacity, a power of two ({@link #RING_CAPACITY_PROP_NAME}).
     * @return this.
     */
    public RedoLogConfig ringCapacity(final long bytes)
    {
        this.ringCapacity = bytes;
        return this;
    }

    /**
     * @return ring capacity in bytes, without the trailer.
     */
    public int ringCapacity()
    {
        return (int)ringCapacity;
    }

    /**
     * @return ring length in bytes including Agrona's trailer.
     */
    int ringLength()
    {
        return (int)ringCapacity + RingBufferDescriptor.TRAILER_LENGTH;
    }

    /**
     * @param bytes largest payload ({@link #MAX_PAYLOAD_PROP_NAME}).
     * @return this.
     */
    public RedoLogConfig maxPayload(final long bytes)
    {
        this.maxPayload = bytes;
        return this;
    }

    /**
     * @return largest payload in bytes.
     */
    public int maxPayload()
    {
        return (int)maxPayload;
    }

    /**
     * @param backPressure behaviour on a full ring ({@link #BACK_PRESSURE_PROP_NAME}).
     * @return this.
     */
    public RedoLogConfig backPressure(final BackPressure backPressure)
    {
        this.backPressure = backPressure;
        return this;
    }

    /**
     * @return behaviour on a full ring.
     */
    public BackPressure backPressure()
    {
        return backPressure;
    }

    /**
     * @param records most records per batch ({@link #BATCH_MAX_RECORDS_PROP_NAME}).
     * @return this.
     */
    public RedoLogConfig batchMaxRecords(final long records)
    {
        this.batchMaxRecords = records;
        return this;
    }

    /**
     * @return most records per batch.
     */
    public int batchMaxRecords()
    {
        return (int)batchMaxRecords;
    }

    /**
     * @param timeout replay timeout of one attempt, 1 ms to 1 d ({@link #REPLAY_TIMEOUT_PROP_NAME}).
     * @return this.
     */
    public RedoLogConfig replayTimeout(final Duration timeout)
    {
        this.replayTimeout = Objects.requireNonNull(timeout, "replayTimeout");
        return this;
    }

    /**
     * @return replay timeout of one attempt.
     */
    public Duration replayTimeout()
    {
        return replayTimeout;
    }

    /**
     * @param attempts attempts before quarantine ({@link #REPLAY_ATTEMPTS_PROP_NAME}).
     * @return this.
     */
    public RedoLogConfig replayAttempts(final long attempts)
    {
        this.replayAttempts = attempts;
        return this;
    }

    /**
     * @return attempts before quarantine.
     */
    public int replayAttempts()
    {
        return (int)replayAttempts;
    }

    /**
     * @param delay pause between attempts, 0 to 1 h ({@link #REPLAY_RETRY_DELAY_PROP_NAME}).
     * @return this.
     */
    public RedoLogConfig replayRetryDelay(final Duration delay)
    {
        this.replayRetryDelay = Objects.requireNonNull(delay, "replayRetryDelay");
        return this;
    }

    /**
     * @return pause between attempts.
     */
    public Duration replayRetryDelay()
    {
        return replayRetryDelay;
    }

    /**
     * @param segments compaction lag ({@link #COMPACTION_LAG_PROP_NAME}).
     * @return this.
     */
    public RedoLogConfig compactionLag(final long segments)
    {
        this.compactionLag = segments;
        return this;
    }

    /**
     * @return compaction lag in rolled segments.
     */
    public int compactionLag()
    {
        return (int)compactionLag;
    }

    /**
     * @param writerThread whether open starts a writer thread ({@link #WRITER_THREAD_PROP_NAME}).
     * @return this.
     */
    public RedoLogConfig writerThread(final boolean writerThread)
    {
        this.writerThread = writerThread;
        return this;
    }

    /**
     * @return whether open starts a writer thread.
     */
    public boolean writerThread()
    {
        return writerThread;
    }

    /**
     * @param parkMax longest idle park of the writer, 1 µs to 1 s ({@link #WRITER_PARK_MAX_PROP_NAME}).
     * @return this.
     */
    public RedoLogConfig writerParkMax(final Duration parkMax)
    {
        this.writerParkMax = Objects.requireNonNull(parkMax, "writerParkMax");
        return this;
    }

    /**
     * @return longest idle park of the writer.
     */
    public Duration writerParkMax()
    {
        return writerParkMax;
    }

    /**
     * @param storage file-system seam, e.g. one that injects faults in tests (internal: the storage
     *                types and the byte formats are not part of the API).
     * @return this.
     */
    RedoLogConfig storage(final SegmentStorage storage)
    {
        this.storage = Objects.requireNonNull(storage, "storage");
        return this;
    }

    /**
     * @return file-system seam.
     */
    SegmentStorage storage()
    {
        return storage;
    }

    /**
     * @param clock monotonic clock for sync times and back-pressure waits (default {@link MonotonicClock#system()}).
     * @return this.
     */
    public RedoLogConfig clock(final MonotonicClock clock)
    {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /**
     * @return clock for sync times and back-pressure waits.
     */
    public MonotonicClock clock()
    {
        return clock;
    }

    /**
     * @param threadFactory makes the writer, recovery and replay threads (default: daemon threads).
     * @return this.
     */
    public RedoLogConfig threadFactory(final ThreadFactory threadFactory)
    {
        this.threadFactory = threadFactory;
        return this;
    }

    /**
     * @return thread factory, set by {@link #conclude()} if none was given.
     */
    public ThreadFactory threadFactory()
    {
        return threadFactory;
    }

    /**
     * @param executor completes the futures of {@link RedoLog#beginAsync}, so that dependent stages
     *                 never run on the writer thread (default: the common pool).
     * @return this.
     */
    public RedoLogConfig completionExecutor(final Executor executor)
    {
        this.completionExecutor = Objects.requireNonNull(executor, "completionExecutor");
        return this;
    }

    /**
     * @return executor completing async futures.
     */
    public Executor completionExecutor()
    {
        return completionExecutor;
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "RedoLogConfig{" +
            DIR_PROP_NAME + "=" + directory + ", " +
            SEGMENT_SIZE_PROP_NAME + "=" + segmentSize + ", " +
            RING_CAPACITY_PROP_NAME + "=" + ringCapacity + ", " +
            MAX_PAYLOAD_PROP_NAME + "=" + maxPayload + ", " +
            BACK_PRESSURE_PROP_NAME + "=" + backPressure + ", " +
            BATCH_MAX_RECORDS_PROP_NAME + "=" + batchMaxRecords + ", " +
            REPLAY_TIMEOUT_PROP_NAME + "=" + replayTimeout + ", " +
            REPLAY_ATTEMPTS_PROP_NAME + "=" + replayAttempts + ", " +
            REPLAY_RETRY_DELAY_PROP_NAME + "=" + replayRetryDelay + ", " +
            COMPACTION_LAG_PROP_NAME + "=" + compactionLag + ", " +
            WRITER_THREAD_PROP_NAME + "=" + writerThread + ", " +
            WRITER_PARK_MAX_PROP_NAME + "=" + writerParkMax + "}";
    }

    private static void check(
        final List<String> problems, final String key, final Duration value, final Duration min, final Duration max)
    {
        if (null == value)
        {
            problems.add(key + " is null");
        }
        else if (value.compareTo(min) < 0 || value.compareTo(max) > 0)
        {
            problems.add(key + "=" + value + ": must be between " + min + " and " + max);
        }
    }

    private static boolean check(
        final List<String> problems, final String key, final long value, final long min, final long max)
    {
        if (value < min || value > max)
        {
            problems.add(key + "=" + value + ": must be between " + min + " and " + max);
            return false;
        }
        return true;
    }
}

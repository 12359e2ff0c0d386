package io.pathlock.bench.latency;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.baseline.NaiveHierarchicalLock;
import io.pathlock.bench.report.HistogramFiles;
import io.pathlock.cli.PercentileTable;
import org.HdrHistogram.Histogram;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Hand-off latency in one process: a holder releases a lock that another thread is parked waiting
 * for; the figure is the time from just before the holder's {@code release()} to just after the
 * waiter's {@code acquire()} returns (release cost + wake-up + the waiter's grant), per hand-off,
 * in an HdrHistogram. Contenders: the engine (POINT on one path through two handles), a JDK
 * {@link ReentrantLock} (the baseline: one mutex, park/unpark) and the naive map of read-write locks.
 *
 * <p>Protocol (two threads, roles alternate): the holder waits until the other thread has announced
 * that it is acquiring <em>and</em> is parked ({@link Thread.State#WAITING} or
 * {@link Thread.State#TIMED_WAITING}), so every sample is a real hand-off to a parked waiter, never
 * an uncontended acquire; then it stamps the release time and releases. The waiter stamps its grant,
 * records the difference, and becomes the holder; the old holder only asks for the lock again once
 * the new holder has it, so it cannot barge. The busy waits between hand-offs are outside the
 * measured interval. Once the waiter's state reads parked, the holder waits {@code --settle-us}
 * (default 50 µs) more and checks again: the Java state turns WAITING a moment before the thread
 * blocks in the kernel, and a release inside that window would measure no wake-up at all.
 *
 * <p>Output: one {@code handoff-inprocess-<contender>.hgrm} per contender in {@code --out} (see
 * {@link HistogramFiles}) and a {@link PercentileTable} on stdout. The cross-process variant (holder
 * and waiter in two JVMs on the lock-file store) is a separate harness that writes
 * {@code handoff-xprocess-<contender>.hgrm} into the same directory; the report treats both alike.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.pathlock.bench.latency.HandoffLatency \
 *     --out benchmarks/target/latency [--seconds 5] [--warmup 2] [--contenders pathlock,reentrantlock,naive] [--settle-us 50]
 *     [--min-handoffs 0] [--max-seconds 5] [--smoke]
 * </pre>
 *
 * <p>{@code --min-handoffs N}: after the {@code --seconds} of measurement, go on measuring until at least
 * {@code N} hand-offs were recorded or {@code --max-seconds} of measurement have passed in all (default
 * 0: exactly {@code --seconds}, as in full runs). {@code --smoke} is {@code --seconds 0.3 --warmup 0.1
 * --min-handoffs 100 --max-seconds 5}: on a loaded machine 0.3 s may see no hand-off at all (the two
 * threads starved, JIT and class loading), so a smoke run measures until it has 100 of them, and fails
 * only when none happened within 5 s. The figures of a smoke run mean nothing either way.
 */
public final class HandoffLatency
{
    /** File-name prefix of this harness's histograms. */
    public static final String SCENARIO = "handoff-inprocess";

    /** The baseline contender. */
    public static final String BASELINE = "reentrantlock";

    private static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long SPIN_ONLY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long PARK_WAIT_LIMIT_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private static final Map<String, Supplier<HandoffLock>> CONTENDERS = new LinkedHashMap<>();

    static
    {
        CONTENDERS.put("pathlock", EngineLock::new);
        CONTENDERS.put(BASELINE, JdkLock::new);
        CONTENDERS.put("naive", NaiveLock::new);
    }

    private HandoffLatency()
    {
    }

    /** Result of one contender. */
    record Result(String name, Histogram histogram, double seconds, long notParked)
    {
        double rate()
        {
            return histogram.getTotalCount() / seconds;
        }
    }

    /**
     * Runs the harness.
     *
     * @param args see the class comment.
     * @throws Exception on failure (exit status non-zero).
     */
    public static void main(final String[] args) throws Exception
    {
        Path out = Path.of("benchmarks/target/latency");
        double seconds = 5;
        double warmup = 2;
        long settleMicros = 50;
        long minHandoffs = 0;
        double maxSeconds = 5;
        List<String> names = new ArrayList<>(CONTENDERS.keySet());
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--out" -> out = Path.of(value(args, ++i));
                case "--seconds" -> seconds = Double.parseDouble(value(args, ++i));
                case "--warmup" -> warmup = Double.parseDouble(value(args, ++i));
                case "--contenders" -> names = List.of(value(args, ++i).split(","));
                case "--settle-us" -> settleMicros = Long.parseLong(value(args, ++i));
                case "--min-handoffs" -> minHandoffs = Long.parseLong(value(args, ++i));
                case "--max-seconds" -> maxSeconds = Double.parseDouble(value(args, ++i));
                case "--smoke" ->
                {
                    seconds = 0.3;
                    warmup = 0.1;
                    minHandoffs = 100;
                    maxSeconds = 5;
                }
                default -> throw new IllegalArgumentException("unknown argument '" + args[i]
                    + "' (use --out DIR --seconds N --warmup N --contenders a,b --settle-us N --min-handoffs N"
                    + " --max-seconds N --smoke)");
            }
        }
        for (final String n : names)
        {
            if (!CONTENDERS.containsKey(n))
            {
                throw new IllegalArgumentException("unknown contender '" + n + "', known: " + CONTENDERS.keySet());
            }
        }
        System.out.printf(Locale.ROOT, "hand-off latency, in process: %.1f s measured after %.1f s warm-up per contender,"
            + " waiter parked for %d us before each release, %d cpus, java %s%s%n", seconds, warmup, settleMicros,
            Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
            minHandoffs > 0 ? String.format(Locale.ROOT, " (then until %d hand-offs, at most %.1f s in all)", minHandoffs,
                Math.max(seconds, maxSeconds)) : "");

        final PercentileTable table = new PercentileTable().baseline(BASELINE);
        for (final String n : names)
        {
            try (HandoffLock lock = CONTENDERS.get(n).get())
            {
                final Result r = run(lock, warmup, seconds, TimeUnit.MICROSECONDS.toNanos(settleMicros), minHandoffs,
                    maxSeconds);
                final Path file = HistogramFiles.write(out, SCENARIO + "-" + r.name(), r.histogram());
                System.out.printf(Locale.ROOT, "  %-14s %,9d hand-offs in %.2f s  p50 %8s us  p99 %8s us  -> %s%s%n",
                    r.name(), r.histogram().getTotalCount(), r.seconds(), PercentileTable.micros(r.histogram().getValueAtPercentile(50) / 1e3),
                    PercentileTable.micros(r.histogram().getValueAtPercentile(99) / 1e3), file,
                    r.notParked() > 0 ? "  (" + r.notParked() + " hand-offs to a waiter not seen parked)" : "");
                table.add(r.name(), r.histogram(), r.rate());
            }
        }
        System.out.println();
        System.out.print(table.render());
    }

    private static String value(final String[] args, final int i)
    {
        if (i >= args.length)
        {
            throw new IllegalArgumentException(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    /** State the two threads share; fields written by one thread and read by the other are volatile. */
    private static final class Exchange
    {
        final Thread[] threads = new Thread[2];
        volatile boolean acquiring0;
        volatile boolean acquiring1;
        volatile int turn;
        volatile long releaseNanos;
        volatile boolean measuring;
        volatile boolean stop;
        volatile boolean finished;
        long settleNanos;
        final Histogram[] histograms = {new Histogram(HIGHEST_NANOS, 3), new Histogram(HIGHEST_NANOS, 3)};
        final long[] notParked = new long[2];
        /** Hand-offs recorded so far (each thread writes its own; read by the main thread). */
        volatile long recorded0;
        volatile long recorded1;
        final Throwable[] failures = new Throwable[2];

        boolean acquiring(final int t)
        {
            return t == 0 ? acquiring0 : acquiring1;
        }

        void acquiring(final int t, final boolean v)
        {
            if (t == 0)
            {
                acquiring0 = v;
            }
            else
            {
                acquiring1 = v;
            }
        }
    }

    static Result run(final HandoffLock lock, final double warmupSeconds, final double seconds, final long settleNanos)
        throws Exception
    {
        return run(lock, warmupSeconds, seconds, settleNanos, 0, seconds);
    }

    /**
     * One contender: {@code seconds} of measurement, then, while fewer than {@code minHandoffs}
     * hand-offs were recorded, more, up to {@code maxSeconds} of measurement in all.
     */
    static Result run(final HandoffLock lock, final double warmupSeconds, final double seconds, final long settleNanos,
        final long minHandoffs, final double maxSeconds) throws Exception
    {
        final Exchange x = new Exchange();
        x.settleNanos = settleNanos;
        for (int t = 0; t < 2; t++)
        {
            final int me = t;
            final HandoffLock.Side side = lock.side(t);
            x.threads[t] = new Thread(() ->
            {
                try
                {
                    loop(x, me, side);
                }
                catch (final Throwable e)
                {
                    x.failures[me] = e;
                    x.stop = true;
                    x.finished = true;
                }
            }, "handoff-" + lock.name() + "-" + t);
            x.threads[t].setDaemon(true);
        }
        x.threads[0].start();
        x.threads[1].start();
        sleep(warmupSeconds, x);
        x.histograms[0].reset();
        x.histograms[1].reset();
        x.measuring = true;
        final long t0 = System.nanoTime();
        sleep(seconds, x);
        if (minHandoffs > 0)
        {
            final long bound = t0 + (long)(Math.max(seconds, maxSeconds) * 1e9);
            while (x.recorded0 + x.recorded1 < minHandoffs && !x.finished && System.nanoTime() < bound)
            {
                TimeUnit.MILLISECONDS.sleep(10);
            }
        }
        x.measuring = false;
        final long elapsed = System.nanoTime() - t0;
        x.stop = true;
        for (final Thread th : x.threads)
        {
            th.join(TimeUnit.SECONDS.toMillis(30));
            if (th.isAlive())
            {
                throw new IllegalStateException(lock.name() + ": thread " + th.getName() + " did not stop (state "
                    + th.getState() + ")");
            }
        }
        for (final Throwable f : x.failures)
        {
            if (f != null)
            {
                throw new IllegalStateException(lock.name() + " failed: " + f, f);
            }
        }
        final Histogram all = new Histogram(HIGHEST_NANOS, 3);
        all.add(x.histograms[0]);
        all.add(x.histograms[1]);
        if (all.getTotalCount() == 0)
        {
            throw new IllegalStateException(String.format(Locale.ROOT, "%s: no hand-off measured in %.2f s", lock.name(),
                elapsed / 1e9));
        }
        return new Result(lock.name(), all, elapsed / 1e9, x.notParked[0] + x.notParked[1]);
    }

    private static void sleep(final double seconds, final Exchange x) throws InterruptedException
    {
        final long end = System.nanoTime() + (long)(seconds * 1e9);
        long left;
        while ((left = end - System.nanoTime()) > 0 && !x.finished)
        {
            TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
        }
    }

    private static void loop(final Exchange x, final int me, final HandoffLock.Side side) throws Exception
    {
        final int other = 1 - me;
        final Thread otherThread = x.threads[other];
        final Histogram h = x.histograms[me];
        if (me == 0)
        {
            side.acquire();
            x.turn = other;
        }
        else
        {
            if (!becomeWaiter(x, me, side, h))
            {
                return;
            }
        }
        for (;;)
        {
            // Holding. Wait for the other thread to be parked in acquire().
            final long since = System.nanoTime();
            boolean parked = false;
            int spins = 0;
            while (!x.stop)
            {
                if (x.acquiring(other))
                {
                    if (isParked(otherThread))
                    {
                        // The state turns WAITING just before the thread blocks in the kernel; let it
                        // fall asleep, so that the hand-off includes a real wake-up.
                        final long seen = System.nanoTime();
                        while (System.nanoTime() - seen < x.settleNanos)
                        {
                            Thread.onSpinWait();
                        }
                        if (isParked(otherThread))
                        {
                            parked = true;
                            break;
                        }
                    }
                }
                if (System.nanoTime() - since > PARK_WAIT_LIMIT_NANOS && x.acquiring(other))
                {
                    break;
                }
                pause(++spins, since);
            }
            if (x.stop)
            {
                x.finished = true;
                side.release();
                return;
            }
            if (!parked && x.measuring)
            {
                x.notParked[me]++;
            }
            x.releaseNanos = System.nanoTime();
            side.release();
            if (!becomeWaiter(x, me, side, h))
            {
                return;
            }
        }
    }

    private static boolean isParked(final Thread t)
    {
        final Thread.State s = t.getState();
        return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
    }

    /**
     * Busy-waits: spins for the first millisecond of a wait ({@code SPIN_ONLY_NANOS}), then yields now and then.
     * Spinning first keeps the releasing thread off the scheduler while the waiter wakes on the other
     * core (yielding at once would hand the waiter this core and flatter the figure); yielding later
     * keeps a loaded machine from starving the other thread.
     */
    private static void pause(final int spins, final long sinceNanos)
    {
        if ((spins & 63) == 0 && System.nanoTime() - sinceNanos > SPIN_ONLY_NANOS)
        {
            Thread.yield();
        }
        else
        {
            Thread.onSpinWait();
        }
    }

    /** Waits for this thread's turn, acquires (parks), records the hand-off; false when the run ended. */
    private static boolean becomeWaiter(final Exchange x, final int me, final HandoffLock.Side side, final Histogram h)
        throws Exception
    {
        int spins = 0;
        final long since = System.nanoTime();
        while (x.turn != me)
        {
            if (x.finished)
            {
                return false;
            }
            pause(++spins, since);
        }
        x.acquiring(me, true);
        side.acquire();
        final long granted = System.nanoTime();
        x.acquiring(me, false);
        if (x.finished)
        {
            side.release();
            return false;
        }
        if (x.measuring)
        {
            h.recordValue(Math.min(granted - x.releaseNanos, HIGHEST_NANOS));
            if (me == 0)
            {
                x.recorded0++;
            }
            else
            {
                x.recorded1++;
            }
        }
        x.turn = 1 - me;
        return true;
    }

    /** The engine: two handles of one in-memory manager taking POINT on one path. */
    static final class EngineLock implements HandoffLock
    {
        private static final LockRequest REQUEST = LockRequest.point("/bench/handoff/file");
        private static final Duration WAIT = Duration.ofSeconds(10);
        private final LockManager manager = LockManager.builder().startAgent(false).build();

        @Override
        public String name()
        {
            return "pathlock";
        }

        @Override
        public Side side(final int thread)
        {
            final LockHandle handle = manager.open("handoff-" + thread);
            return new Side()
            {
                @Override
                public void acquire() throws InterruptedException
                {
                    handle.acquire(REQUEST, WAIT);
                }

                @Override
                public void release()
                {
                    handle.releaseAll();
                }
            };
        }

        @Override
        public void close()
        {
            manager.close();
        }
    }

    /** The baseline: one non-fair JDK ReentrantLock. */
    static final class JdkLock implements HandoffLock
    {
        private final ReentrantLock lock = new ReentrantLock();

        @Override
        public String name()
        {
            return BASELINE;
        }

        @Override
        public Side side(final int thread)
        {
            return new Side()
            {
                @Override
                public void acquire()
                {
                    lock.lock();
                }

                @Override
                public void release()
                {
                    lock.unlock();
                }
            };
        }

        @Override
        public void close()
        {
        }
    }

    /** The naive map of read-write locks, POINT on the same path. */
    static final class NaiveLock implements HandoffLock
    {
        private static final LockRequest REQUEST = LockRequest.point("/bench/handoff/file");
        private final NaiveHierarchicalLock naive = new NaiveHierarchicalLock();

        @Override
        public String name()
        {
            return "naive";
        }

        @Override
        public Side side(final int thread)
        {
            return new Side()
            {
                private List<Lock> held;

                @Override
                public void acquire()
                {
                    held = naive.lock(REQUEST);
                }

                @Override
                public void release()
                {
                    naive.unlock(held);
                }
            };
        }

        @Override
        public void close()
        {
        }
    }
}

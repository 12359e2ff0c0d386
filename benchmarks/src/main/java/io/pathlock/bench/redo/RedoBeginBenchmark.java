package io.pathlock.bench.redo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import io.pathlock.redo.RedoLog;
import io.pathlock.redo.RedoLogConfig;
import io.pathlock.redo.RedoStats;
import io.pathlock.redo.RedoTicket;
import org.HdrHistogram.Histogram;

/**
 * HdrHistogram harness: durable {@link RedoLog#begin} throughput and latency with 1, 4, 16 and 64
 * appending threads, against a baseline that appends one record and fdatasyncs
 * ({@code FileChannel.force(false)}) per record under a lock, with the same threads, in the same run
 * and on the same directory. For each thread count the baseline and the redo log run back to back.
 * <p>
 * Each redo thread loops {@code begin(type, 128 B payload)} (timed) then {@code ticket.done()}
 * (not timed, not synced). "One fdatasync" is the latency of the one-thread baseline (append 128 B
 * + fdatasync): the table divides each p99 by its median and by its p99.
 * <p>
 * Run:
 * <pre>
 * mvn -B -q -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar \
 *     io.pathlock.bench.redo.RedoBeginBenchmark --dir benchmarks/target/redo-bench --seconds 5 --warmup 2
 * </pre>
 * The directory must be on the disk being measured (not a tmpfs).
 */
public final class RedoBeginBenchmark
{
    private static final int PAYLOAD = 128;

    private RedoBeginBenchmark()
    {
    }

    /**
     * Runs the benchmark and prints a table.
     *
     * @param args {@code --dir DIR --seconds N --warmup N --threads 1,4,16,64}.
     * @throws Exception on an I/O error.
     */
    public static void main(final String[] args) throws Exception
    {
        Path dir = Paths.get("redo-bench");
        int seconds = 5;
        int warmup = 2;
        int[] threadCounts = { 1, 4, 16, 64 };
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--dir":
                    dir = Paths.get(args[++i]);
                    break;
                case "--seconds":
                    seconds = Integer.parseInt(args[++i]);
                    break;
                case "--warmup":
                    warmup = Integer.parseInt(args[++i]);
                    break;
                case "--threads":
                    threadCounts = Stream.of(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                    break;
                default:
                    throw new IllegalArgumentException("unknown argument " + args[i] +
                        " (use --dir DIR --seconds N --warmup N --threads 1,4,16,64)");
            }
        }

        Files.createDirectories(dir);
        System.out.printf("redo begin benchmark: dir=%s, payload=%d B, %d s measured after %d s warm-up per run, " +
            "java %s, %d cpus%n", dir.toAbsolutePath(), PAYLOAD, seconds, warmup,
            System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());

        final List<Result> results = new ArrayList<>();
        for (final int threads : threadCounts)
        {
            results.add(runBaseline(dir, threads, warmup, seconds));
            results.add(runRedo(dir, threads, warmup, seconds));
        }

        double fsyncNs = 0;
        double fsyncP99Ns = 0;
        for (final Result r : results)
        {
            if (r.name.equals("baseline") && r.threads == 1)
            {
                fsyncNs = r.histogram.getValueAtPercentile(50);
                fsyncP99Ns = r.histogram.getValueAtPercentile(99);
            }
        }

        System.out.println();
        System.out.println("| run | threads | ops/s | p50 us | p90 us | p99 us | p99.9 us | max us | " +
            "x baseline (same threads) | p99 / median fdatasync | p99 / p99 fdatasync | mean batch |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (final Result r : results)
        {
            double ratio = Double.NaN;
            for (final Result b : results)
            {
                if (b.name.equals("baseline") && b.threads == r.threads)
                {
                    ratio = r.opsPerSecond() / b.opsPerSecond();
                }
            }
            final Histogram h = r.histogram;
            System.out.printf(Locale.ROOT, "| %s | %d | %.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f | %.2f | %s |%n",
                r.name, r.threads, r.opsPerSecond(),
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0,
                h.getMaxValue() / 1000.0, ratio, h.getValueAtPercentile(99) / fsyncNs,
                h.getValueAtPercentile(99) / fsyncP99Ns,
                null == r.stats ? "-" : String.format(Locale.ROOT, "%.1f", r.stats.meanBatchRecords()));
        }
        System.out.printf(Locale.ROOT, "%none fdatasync (1-thread baseline: append %d B + fdatasync): median %.1f us," +
            " p99 %.1f us%n", PAYLOAD, fsyncNs / 1000.0, fsyncP99Ns / 1000.0);
    }

    private static Result runBaseline(final Path root, final int threads, final int warmup, final int seconds)
        throws Exception
    {
        final Path file = root.resolve("baseline-" + threads + ".log");
        Files.deleteIfExists(file);
        try (FileChannel channel = FileChannel.open(
            file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ))
        {
            final Object lock = new Object();
            final long[] position = { 0 };
            final Result result = run("baseline", threads, warmup, seconds, () ->
            {
                final ByteBuffer record = ByteBuffer.allocate(PAYLOAD);
                return (VoidOp)() ->
                {
                    synchronized (lock)
                    {
                        record.clear();
                        record.putLong(0, position[0]);
                        while (record.hasRemaining())
                        {
                            position[0] += channel.write(record, position[0]);
                        }
                        channel.force(false);
                    }
                };
            });
            return result;
        }
        finally
        {
            Files.deleteIfExists(file);
        }
    }

    private static Result runRedo(final Path root, final int threads, final int warmup, final int seconds)
        throws Exception
    {
        final Path dir = root.resolve("redo-" + threads);
        deleteTree(dir);
        final RedoLog log = RedoLog.open(new RedoLogConfig().directory(dir));
        try
        {
            final Result result = run("redo", threads, warmup, seconds, () ->
            {
                final byte[] payload = new byte[PAYLOAD];
                return (Op)() -> log.begin("bench", payload);
            });
            result.stats = log.stats();
            return result;
        }
        finally
        {
            log.close();
            deleteTree(dir);
        }
    }

    interface Op
    {
        Object run() throws Exception;
    }

    interface VoidOp
    {
        void run() throws Exception;
    }

    interface OpFactory
    {
        Object create() throws Exception;
    }

    private static Result run(
        final String name, final int threads, final int warmup, final int seconds, final OpFactory factory)
        throws Exception
    {
        final AtomicBoolean measuring = new AtomicBoolean();
        final AtomicBoolean running = new AtomicBoolean(true);
        final CyclicBarrier start = new CyclicBarrier(threads + 1);
        final Histogram[] histograms = new Histogram[threads];
        final long[] counts = new long[threads];
        final Throwable[] errors = new Throwable[threads];
        final Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            final int index = t;
            histograms[t] = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
            workers[t] = new Thread(() ->
            {
                try
                {
                    final Object op = factory.create();
                    start.await();
                    long count = 0;
                    while (running.get())
                    {
                        final long t0 = System.nanoTime();
                        final Object ticket;
                        if (op instanceof Op)
                        {
                            ticket = ((Op)op).run();
                        }
                        else
                        {
                            ((VoidOp)op).run();
                            ticket = null;
                        }
                        final long t1 = System.nanoTime();
                        if (ticket instanceof RedoTicket)
                        {
                            ((RedoTicket)ticket).done();
                        }
                        if (measuring.get())
                        {
                            histograms[index].recordValue(Math.min(t1 - t0, TimeUnit.SECONDS.toNanos(10)));
                            count++;
                        }
                    }
                    counts[index] = count;
                }
                catch (final Throwable ex)
                {
                    errors[index] = ex;
                }
            }, name + "-" + t);
            workers[t].start();
        }

        start.await();
        TimeUnit.SECONDS.sleep(warmup);
        measuring.set(true);
        final long begin = System.nanoTime();
        TimeUnit.SECONDS.sleep(seconds);
        measuring.set(false);
        final long elapsed = System.nanoTime() - begin;
        running.set(false);
        for (final Thread worker : workers)
        {
            worker.join();
        }
        for (final Throwable error : errors)
        {
            if (null != error)
            {
                throw new IllegalStateException(name + " with " + threads + " threads failed", error);
            }
        }

        final Result result = new Result(name, threads, elapsed);
        for (int t = 0; t < threads; t++)
        {
            result.histogram.add(histograms[t]);
            result.operations += counts[t];
        }
        System.out.printf(Locale.ROOT, "%-8s threads=%2d ops/s=%9.0f p50=%8.1f us p99=%8.1f us%n", name, threads,
            result.opsPerSecond(), result.histogram.getValueAtPercentile(50) / 1000.0,
            result.histogram.getValueAtPercentile(99) / 1000.0);
        return result;
    }

    private static void deleteTree(final Path dir) throws IOException
    {
        if (Files.exists(dir))
        {
            try (Stream<Path> paths = Files.walk(dir))
            {
                for (final Path p : (Iterable<Path>)paths.sorted(Comparator.reverseOrder())::iterator)
                {
                    Files.delete(p);
                }
            }
        }
    }

    private static final class Result
    {
        final String name;
        final int threads;
        final long elapsedNs;
        final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        long operations;
        RedoStats stats;

        Result(final String name, final int threads, final long elapsedNs)
        {
            this.name = name;
            this.threads = threads;
            this.elapsedNs = elapsedNs;
        }

        double opsPerSecond()
        {
            return operations * 1e9 / elapsedNs;
        }
    }
}

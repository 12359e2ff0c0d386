package io.pathlock.bench.file;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.bench.report.HistogramFiles;
import io.pathlock.file.FileLockStore;
import org.HdrHistogram.Histogram;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Cross-process hand-off latency of the lock-file store: two processes (this one and a child JVM)
 * take turns holding POINT {@code /handoff} through a {@link LockManager} on a
 * {@link FileLockStore}. The holder keeps the lock until the other process has announced it is about
 * to wait, plus {@code --hold} (so the other is parked in the store's wait), records
 * {@code System.nanoTime()} (CLOCK_MONOTONIC, the same clock in both processes) in a shared mapped
 * file and releases; the other records, when its acquire returns, the time since that release.
 * Percentiles of both processes' hand-offs are merged with HdrHistogram; the first
 * {@value #WARMUP_ITERATIONS} turns of each process are not recorded (JIT warm-up).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.pathlock.bench.file.HandoffLatency \
 *     --dir /work/tmp --iterations 2000 --backend jni,jnr,nio --out results/
 * </pre>
 *
 * <p>{@code --backend} takes a comma-separated list (one child JVM per backend); with {@code --out DIR}
 * each backend's merged histogram is written as {@code DIR/handoff-xprocess-<backend>.hgrm}
 * ({@link HistogramFiles}, microseconds), read by the benchmark report (target 3.3).
 * {@code --smoke}: 120 hand-offs with a 100 us hold (a second or two per backend; figures mean nothing).
 */
public final class HandoffLatency
{
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final int RELEASE_NANOS = 0;
    private static final int LAST_HOLDER = 8;
    private static final int WAITING = 16;
    private static final int DONE = 32;
    /** Hand-offs per process not recorded (JIT warm-up). */
    private static final int WARMUP_ITERATIONS = 300;

    private HandoffLatency()
    {
    }

    /**
     * Entry point.
     *
     * @param args {@code --dir DIR --iterations N --backend B[,B...] --hold-us U [--out DIR] [--smoke]}, or
     *        {@code --child ROOT N B U}.
     */
    public static void main(final String[] args) throws Exception
    {
        if (args.length > 0 && args[0].equals("--child"))
        {
            final Histogram h = run(Path.of(args[1]), Integer.parseInt(args[2]), args[3], Long.parseLong(args[4]), 1);
            final ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
            final int n = h.encodeIntoCompressedByteBuffer(buf);
            System.out.println("HIST " + Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buf.array(), n)));
            return;
        }
        Path dir = Path.of(System.getProperty("java.io.tmpdir"));
        int iterations = 2000;
        String backend = "auto";
        long holdMicros = 1000;
        Path out = null;
        for (int i = 0; i < args.length; i += 2)
        {
            if (args[i].equals("--smoke"))
            {
                iterations = 120;
                holdMicros = 100;
                i--;
                continue;
            }
            switch (args[i])
            {
                case "--out":
                    out = Path.of(args[i + 1]);
                    break;
                case "--dir":
                    dir = Path.of(args[i + 1]);
                    break;
                case "--iterations":
                    iterations = Integer.parseInt(args[i + 1]);
                    break;
                case "--backend":
                    backend = args[i + 1];
                    break;
                case "--hold-us":
                    holdMicros = Long.parseLong(args[i + 1]);
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Files.createDirectories(dir);
        if (out != null)
        {
            Files.createDirectories(out);
        }
        for (final String b : backend.split(","))
        {
            final Histogram all = runPair(dir, iterations, b.trim(), holdMicros);
            if (out != null)
            {
                System.out.println("wrote " + HistogramFiles.write(out, "handoff-xprocess-" + b.trim(), all));
            }
        }
    }

    /** One backend: this process and a child JVM take turns; both processes' hand-offs merged. */
    private static Histogram runPair(final Path dir, final int iterations, final String backend, final long holdMicros)
        throws Exception
    {
        final Path root = Files.createTempDirectory(dir, "pathlock-handoff-");
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(HandoffLatency.class.getName());
        cmd.add("--child");
        cmd.add(root.toString());
        cmd.add(Integer.toString(iterations));
        cmd.add(backend);
        cmd.add(Long.toString(holdMicros));
        shared(root);
        final Process child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final Histogram mine = run(root, iterations, backend, holdMicros, 0);
        Histogram theirs = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = r.readLine()) != null)
            {
                if (line.startsWith("HIST "))
                {
                    theirs = Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(line.substring(5))), 0);
                }
            }
        }
        if (child.waitFor() != 0 || theirs == null)
        {
            throw new IllegalStateException("child failed with exit " + child.exitValue());
        }
        final Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        all.add(mine);
        all.add(theirs);
        System.out.println(String.format(Locale.ROOT,
            "hand-off latency (%s, backend %s, %d hand-offs, hold %d us): p50 %.1f us, p90 %.1f us, p99 %.1f us, " +
                "p99.9 %.1f us, max %.1f us, mean %.1f us",
            root, backend, all.getTotalCount(), holdMicros, all.getValueAtPercentile(50) / 1e3, all.getValueAtPercentile(90) / 1e3,
            all.getValueAtPercentile(99) / 1e3, all.getValueAtPercentile(99.9) / 1e3, all.getMaxValue() / 1e3, all.getMean() / 1e3));
        deleteTree(root);
        return all;
    }

    private static MappedByteBuffer shared(final Path root) throws IOException
    {
        try (FileChannel ch = FileChannel.open(root.resolve("handoff.shm"), StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE))
        {
            return ch.map(FileChannel.MapMode.READ_WRITE, 0, 64);
        }
    }

    private static Histogram run(final Path root, final int iterations, final String backend, final long holdMicros,
        final int me) throws Exception
    {
        final int warmup = Math.min(iterations / 2, WARMUP_ITERATIONS);
        final int other = 1 - me;
        final MappedByteBuffer shm = shared(root);
        final Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        final LockRequest req = LockRequest.point("/handoff");
        try (LockManager m = LockManager.builder()
            .store(FileLockStore.builder(root).backend(backend).syncFence(false).build())
            .handleIdleTimeout(Duration.ZERO).build();
            LockHandle handle = m.open("handoff" + me))
        {
            for (int i = 0; i < iterations; i++)
            {
                LONGS.setVolatile(shm, WAITING + 8 * me, 1L);
                handle.acquire(req, Duration.ofSeconds(30));
                final long acquired = System.nanoTime();
                LONGS.setVolatile(shm, WAITING + 8 * me, 0L);
                if ((long)LONGS.getVolatile(shm, LAST_HOLDER) == other + 1 && i >= warmup)
                {
                    h.recordValue(Math.min(acquired - (long)LONGS.getVolatile(shm, RELEASE_NANOS), TimeUnit.SECONDS.toNanos(10)));
                }
                LONGS.setVolatile(shm, LAST_HOLDER, (long)(me + 1));
                // Hold until the other process is about to wait (or has finished), then a little longer so
                // that it is parked in the store's wait when the release comes.
                while ((long)LONGS.getVolatile(shm, WAITING + 8 * other) == 0 && (long)LONGS.getVolatile(shm, DONE + 8 * other) == 0)
                {
                    LockSupport.parkNanos(20_000);
                }
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(holdMicros));
                LONGS.setVolatile(shm, RELEASE_NANOS, System.nanoTime());
                handle.releaseAll();
                // Strict alternation: do not barge in before the other process has taken its turn.
                while ((long)LONGS.getVolatile(shm, LAST_HOLDER) == me + 1 && (long)LONGS.getVolatile(shm, DONE + 8 * other) == 0
                    && i + 1 < iterations)
                {
                    LockSupport.parkNanos(20_000);
                }
            }
            LONGS.setVolatile(shm, DONE + 8 * me, 1L);
        }
        return h;
    }

    private static void deleteTree(final Path root) throws IOException
    {
        try (var s = Files.walk(root))
        {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}

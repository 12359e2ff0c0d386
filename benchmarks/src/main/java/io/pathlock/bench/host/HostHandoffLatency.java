package io.pathlock.bench.host;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.bench.posix.BenchDirs;
import io.pathlock.bench.report.HistogramFiles;
import io.pathlock.core.LockRequest;
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
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Cross-process hand-off latency on the host lock table against the lock-file store, same run
 * (issue 12, target 12.3: p99 at most 100 µs on the table). Two processes (this one and a child JVM
 * of the same class path) take turns holding POINT {@code /handoff} through a {@link LockManager} on
 * the store named by {@code --store} ({@link HostStores}). The structure is that of the lock-file
 * harness {@code io.pathlock.bench.file.HandoffLatency}: the holder keeps the lock until the other
 * process has announced it is about to wait, plus {@code --hold-us} (so that the other is parked in
 * the store's wait, a futex on the table or the lock-file store's wait), writes
 * {@code System.nanoTime()} (CLOCK_MONOTONIC, one clock for both processes) to a small shared
 * mapped file and releases; the other records, when its {@code acquire} returns, the time since that
 * release. Both processes' hand-offs are merged; the first {@value #WARMUP_ITERATIONS} turns of each
 * process are not recorded (JIT warm-up).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.pathlock.bench.host.HostHandoffLatency \
 *     --dir /work/tmp --store table,files --iterations 2000 --hold-us 1000 --out results/
 * </pre>
 *
 * <p>With {@code --out DIR}, one {@code DIR/host-handoff-<store>.hgrm} per store
 * ({@link HistogramFiles}: recorded in ns, written in µs). {@code --smoke}: 120 hand-offs with a
 * 100 µs hold per store (a second or two each; figures mean nothing). Exits non-zero if a child fails
 * or an acquire times out (30 s).
 */
public final class HostHandoffLatency
{
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final int RELEASE_NANOS = 0;
    private static final int LAST_HOLDER = 8;
    private static final int WAITING = 16;
    private static final int DONE = 32;
    private static final int SHARED_BYTES = 64;
    /** Hand-offs per process not recorded (JIT warm-up). */
    private static final int WARMUP_ITERATIONS = 300;
    private static final long HIGHEST = TimeUnit.SECONDS.toNanos(10);

    private HostHandoffLatency()
    {
    }

    /**
     * Entry point.
     *
     * @param args {@code [--dir DIR] [--store S[,S...]] [--iterations N] [--hold-us U] [--out DIR] [--smoke]}, or
     *        {@code --child ROOT N STORE U}.
     * @throws Exception if a run fails.
     */
    public static void main(final String[] args) throws Exception
    {
        if (args.length > 0 && args[0].equals("--child"))
        {
            final Histogram h = run(Path.of(args[1]), Integer.parseInt(args[2]), args[3], Long.parseLong(args[4]), 1);
            System.out.println("HIST " + encode(h));
            return;
        }
        Path dir = Path.of(System.getProperty(BenchDirs.DIR_PROP_NAME, System.getProperty("java.io.tmpdir")));
        int iterations = 2000;
        String stores = "table,files";
        long holdMicros = 1000;
        Path out = null;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--smoke" ->
                {
                    iterations = 120;
                    holdMicros = 100;
                }
                case "--out" -> out = Path.of(value(args, ++i));
                case "--dir" -> dir = Path.of(value(args, ++i));
                case "--iterations" -> iterations = Integer.parseInt(value(args, ++i));
                case "--store" -> stores = value(args, ++i);
                case "--hold-us" -> holdMicros = Long.parseLong(value(args, ++i));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (iterations < 2)
        {
            throw new IllegalArgumentException("--iterations must be at least 2, got " + iterations);
        }
        final List<String> names = HostStores.parse(stores);
        Files.createDirectories(dir);
        for (final String s : names)
        {
            final Histogram all = runPair(dir, iterations, s, holdMicros);
            if (out != null)
            {
                System.out.println("wrote " + HistogramFiles.write(out, "host-handoff-" + s, all));
            }
        }
    }

    private static String value(final String[] args, final int i)
    {
        if (i >= args.length)
        {
            throw new IllegalArgumentException(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    static String encode(final Histogram h)
    {
        final ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        final int n = h.encodeIntoCompressedByteBuffer(buf);
        return Base64.getEncoder().encodeToString(Arrays.copyOf(buf.array(), n));
    }

    static Histogram decode(final String base64) throws java.util.zip.DataFormatException
    {
        return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
    }

    /** The java command of a child JVM of this class path running {@code main}. */
    static List<String> childCommand(final Class<?> main)
    {
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Djava.awt.headless=true");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        return cmd;
    }

    /** One store: this process and a child JVM take turns; both processes' hand-offs merged. */
    private static Histogram runPair(final Path dir, final int iterations, final String store, final long holdMicros)
        throws Exception
    {
        final Path root = Files.createTempDirectory(dir, "pathlock-host-handoff-");
        try
        {
            shared(root);
            final List<String> cmd = childCommand(HostHandoffLatency.class);
            cmd.addAll(List.of("--child", root.toString(), Integer.toString(iterations), store, Long.toString(holdMicros)));
            final Process child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            final Histogram mine;
            try
            {
                mine = run(root, iterations, store, holdMicros, 0);
            }
            catch (final Exception | Error e)
            {
                child.destroyForcibly();
                throw e;
            }
            Histogram theirs = null;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = r.readLine()) != null)
                {
                    if (line.startsWith("HIST "))
                    {
                        theirs = decode(line.substring(5));
                    }
                }
            }
            if (child.waitFor() != 0 || theirs == null)
            {
                throw new IllegalStateException("store " + store + ": the child failed with exit " + child.exitValue());
            }
            final Histogram all = new Histogram(HIGHEST, 3);
            all.add(mine);
            all.add(theirs);
            System.out.println(String.format(Locale.ROOT,
                "hand-off latency (store %s, %d hand-offs, hold %d us): p50 %.1f us, p90 %.1f us, p99 %.1f us, "
                    + "p99.9 %.1f us, max %.1f us, mean %.1f us",
                store, all.getTotalCount(), holdMicros, all.getValueAtPercentile(50) / 1e3, all.getValueAtPercentile(90) / 1e3,
                all.getValueAtPercentile(99) / 1e3, all.getValueAtPercentile(99.9) / 1e3, all.getMaxValue() / 1e3,
                all.getMean() / 1e3));
            return all;
        }
        finally
        {
            BenchDirs.delete(root);
        }
    }

    private static MappedByteBuffer shared(final Path root) throws IOException
    {
        try (FileChannel ch = FileChannel.open(root.resolve("handoff.shm"), StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE))
        {
            return ch.map(FileChannel.MapMode.READ_WRITE, 0, SHARED_BYTES);
        }
    }

    private static Histogram run(final Path root, final int iterations, final String store, final long holdMicros, final int me)
        throws Exception
    {
        final int warmup = Math.min(iterations / 2, WARMUP_ITERATIONS);
        final int other = 1 - me;
        final MappedByteBuffer shm = shared(root);
        final Histogram h = new Histogram(HIGHEST, 3);
        final LockRequest req = LockRequest.point("/handoff");
        try (LockManager m = HostStores.manager(store, root);
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
                    h.recordValue(Math.min(acquired - (long)LONGS.getVolatile(shm, RELEASE_NANOS), HIGHEST));
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
}

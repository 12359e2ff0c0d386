package io.pathlock.bench.host;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.bench.posix.BenchDirs;
import io.pathlock.bench.report.HistogramFiles;
import io.pathlock.core.LockRequest;
import org.HdrHistogram.Histogram;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Issue 12, target 12.5: time from {@code kill -9} of a holder process to the grant of a waiter in
 * another process (p99 at most 10 ms on the host table), with the lock-file store beside it in the
 * same run.
 *
 * <p>Per store and sample: a holder child JVM of this class path opens the store on the shared root,
 * acquires POINT {@code /victim/<i>} through a {@link LockManager} and says so on its standard output;
 * this process (the waiter, with its own manager on the same root) checks that the lock is busy,
 * starts {@code acquire} on it in a waiter thread, gives that thread {@value #PARK_MILLIS} ms to be
 * parked in the store's wait, reads {@code System.nanoTime()} and sends SIGKILL to the holder
 * ({@link Process#destroyForcibly()}); the sample is the time until the waiter's {@code acquire}
 * returns. The table detects the death through the dead session's kernel lock on its slot file and
 * rolls its slot back; the lock-file store through the holder's {@code flock} on its lock file.
 * Holders start {@code --batch} at a time (a JVM start costs far more than a sample).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.pathlock.bench.host.KillHandoff \
 *     --dir /work/tmp --store table,files --samples 200 --out results/
 * </pre>
 *
 * <p>With {@code --out DIR}: {@code DIR/host-kill-<store>.hgrm} ({@link HistogramFiles}).
 * {@code --smoke}: 5 samples per store. Exits non-zero when a holder fails to take its lock or a waiter
 * is not granted within 30 s.
 */
public final class KillHandoff
{
    /** How long the waiter thread is given to park before the kill. */
    static final long PARK_MILLIS = 5;

    private static final long HIGHEST = TimeUnit.SECONDS.toNanos(60);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private KillHandoff()
    {
    }

    /**
     * Entry point.
     *
     * @param args {@code [--dir DIR] [--store S[,S...]] [--samples N] [--batch B] [--out DIR] [--smoke]}, or
     *        {@code --holder ROOT STORE PATH}.
     * @throws Exception if a run fails.
     */
    public static void main(final String[] args) throws Exception
    {
        if (args.length > 0 && args[0].equals("--holder"))
        {
            hold(Path.of(args[1]), args[2], args[3]);
            return;
        }
        Path dir = Path.of(System.getProperty(BenchDirs.DIR_PROP_NAME, System.getProperty("java.io.tmpdir")));
        String stores = "table,files";
        int samples = 200;
        int batch = 4;
        Path out = null;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--smoke" -> samples = 5;
                case "--dir" -> dir = Path.of(value(args, ++i));
                case "--store" -> stores = value(args, ++i);
                case "--samples" -> samples = Integer.parseInt(value(args, ++i));
                case "--batch" -> batch = Integer.parseInt(value(args, ++i));
                case "--out" -> out = Path.of(value(args, ++i));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (samples < 1 || batch < 1)
        {
            throw new IllegalArgumentException("--samples and --batch must be at least 1");
        }
        Files.createDirectories(dir);
        for (final String s : HostStores.parse(stores))
        {
            final Histogram h = runStore(dir, s, samples, batch);
            System.out.println(String.format(Locale.ROOT,
                "kill -9 -> grant (store %s, %d samples): p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms, mean %.2f ms", s,
                h.getTotalCount(), h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(90) / 1e6,
                h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6, h.getMean() / 1e6));
            if (out != null)
            {
                System.out.println("wrote " + HistogramFiles.write(out, "host-kill-" + s, h));
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

    private static Histogram runStore(final Path dir, final String store, final int samples, final int batch) throws Exception
    {
        final Histogram h = new Histogram(HIGHEST, 3);
        final Path root = Files.createTempDirectory(dir, "pathlock-host-kill-");
        final List<Process> started = new ArrayList<>();
        try (LockManager m = HostStores.manager(store, root);
             LockHandle waiter = m.open("waiter"))
        {
            int next = 0;
            while (next < samples)
            {
                final int n = Math.min(batch, samples - next);
                final List<Process> holders = new ArrayList<>();
                for (int j = 0; j < n; j++)
                {
                    final List<String> cmd = HostHandoffLatency.childCommand(KillHandoff.class);
                    // A holder only has to start and take one lock: the cheapest JVM start there is.
                    cmd.addAll(1, List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"));
                    cmd.addAll(List.of("--holder", root.toString(), store, victim(next + j)));
                    final Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                    holders.add(p);
                    started.add(p);
                }
                for (int j = 0; j < n; j++)
                {
                    final Process p = holders.get(j);
                    final BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                    final String line = r.readLine();
                    if (line == null || !line.startsWith("HELD"))
                    {
                        throw new IllegalStateException("store " + store + ": holder of " + victim(next + j) + " said " + line);
                    }
                }
                for (int j = 0; j < n; j++)
                {
                    h.recordValue(Math.min(sample(waiter, holders.get(j), store, victim(next + j)), HIGHEST));
                }
                next += n;
                System.err.printf(Locale.ROOT, "\r  %s: %d/%d", store, next, samples);
            }
            System.err.println();
        }
        finally
        {
            for (final Process p : started)
            {
                p.destroyForcibly();
            }
            BenchDirs.delete(root);
        }
        return h;
    }

    private static String victim(final int i)
    {
        return "/victim/v" + i;
    }

    /** One kill: the waiter parks on the holder's lock, the holder is killed; returns nanoseconds to the grant. */
    private static long sample(final LockHandle waiter, final Process holder, final String store, final String path)
        throws Exception
    {
        final LockRequest req = LockRequest.point(path);
        if (waiter.tryLock(req))
        {
            waiter.releaseAll();
            throw new IllegalStateException("store " + store + ": " + path + " is free although its holder said it holds it");
        }
        final CountDownLatch waiting = new CountDownLatch(1);
        final AtomicLong granted = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread t = new Thread(() ->
        {
            try
            {
                waiting.countDown();
                waiter.acquire(req, WAIT);
                granted.set(System.nanoTime());
            }
            catch (final Throwable e)
            {
                failure.set(e);
            }
        }, "kill-waiter");
        t.start();
        waiting.await();
        // Let the waiter reach the store's wait: what is measured is detection and wake-up, not its first try.
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PARK_MILLIS));
        final long killed = System.nanoTime();
        holder.destroyForcibly();
        t.join();
        if (failure.get() != null)
        {
            throw new IllegalStateException("store " + store + ": the waiter on " + path + " failed: " + failure.get(), failure.get());
        }
        waiter.releaseAll();
        holder.waitFor();
        return granted.get() - killed;
    }

    /** A holder: takes the lock, says so, and holds it until killed (or until its standard input closes). */
    private static void hold(final Path root, final String store, final String path) throws Exception
    {
        try (LockManager m = HostStores.manager(store, root);
             LockHandle h = m.open("holder"))
        {
            h.acquire(LockRequest.point(path), WAIT);
            System.out.println("HELD " + ProcessHandle.current().pid());
            System.out.flush();
            while (System.in.read() >= 0)
            {
                // holds until killed; a parent that exits closes the pipe and the holder ends
            }
        }
    }
}

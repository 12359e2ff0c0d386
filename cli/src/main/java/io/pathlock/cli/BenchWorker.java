package io.pathlock.cli;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import org.HdrHistogram.Histogram;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One worker process of {@code pathlock bench --processes N} ({@link BenchProcesses} starts it as a
 * child JVM of the same class or module path): it opens every store under test on the shared roots
 * (one {@link LockManager} each), builds the same {@link Workload} as the parent (same seed), and runs
 * blocks of the mixed workload on {@code threads} threads when told to.
 *
 * <p>Protocol, one line per message: the parent writes {@code RUN k} (run contender k until told to
 * stop), {@code STOP} and {@code EXIT} on the worker's standard input; the worker answers on its
 * standard output {@code READY <pid>} once its stores are open, {@code BLOCK k <ops> <histogram>} after
 * each block (acquire latencies, HdrHistogram, compressed and Base64-encoded), {@code BYE} before it
 * exits, or {@code ERROR <message>} and exit status 1 when anything fails. Nothing else is written to
 * standard output. Arguments are {@code key=value}: {@code index}, {@code threads}, {@code depth},
 * {@code fanout}, {@code mix} (POINT,SUBTREE,mv percent), {@code shared}, {@code work}, {@code seed},
 * and per store {@code i}: {@code store.i} ({@link BenchStores#encode}).
 *
 * <p>Not for direct use; not thread-safe.
 */
final class BenchWorker
{
    private static final int RUN = 1;
    private static final int STOP = 2;
    private static final int EXIT = 3;

    static volatile long sink;

    private BenchWorker()
    {
    }

    /**
     * Entry point of a worker process.
     *
     * @param args {@code key=value} arguments (see the class comment).
     */
    public static void main(final String[] args)
    {
        final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try
        {
            run(args, out);
            out.println("BYE");
            System.exit(0);
        }
        catch (final Throwable e)
        {
            out.println("ERROR " + String.valueOf(e).replace('\n', ' '));
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(final String[] args, final PrintStream out) throws Exception
    {
        final Map<String, String> a = new HashMap<>();
        for (final String s : args)
        {
            final int eq = s.indexOf('=');
            if (eq <= 0)
            {
                throw new IllegalArgumentException("worker argument '" + s + "' is not key=value");
            }
            a.put(s.substring(0, eq), s.substring(eq + 1));
        }
        final int index = Integer.parseInt(a.get("index"));
        final int threads = Integer.parseInt(a.get("threads"));
        final int work = Integer.parseInt(a.get("work"));
        final long seed = Long.parseLong(a.get("seed"));
        final int[] mix = Arrays.stream(a.get("mix").split(",")).mapToInt(Integer::parseInt).toArray();
        final Workload w = new Workload(Integer.parseInt(a.get("depth")), Integer.parseInt(a.get("fanout")), mix[0], mix[1],
            Integer.parseInt(a.get("shared")), Integer.parseInt(a.get("pool")), seed);
        final List<LockManager> managers = new ArrayList<>();
        try
        {
            for (int i = 0; a.containsKey("store." + i); i++)
            {
                managers.add(BenchStores.decode(a.get("store." + i)).manager());
            }
            if (managers.isEmpty())
            {
                throw new IllegalArgumentException("no store.0 argument");
            }
            out.println("READY " + ProcessHandle.current().pid());
            serve(managers, w, threads, work, seed * 31 + (long)index * threads, out);
        }
        finally
        {
            for (final LockManager m : managers)
            {
                m.close();
            }
        }
    }

    /** Runs blocks as the parent says until EXIT or the end of standard input. */
    private static void serve(final List<LockManager> managers, final Workload w, final int threads, final int work,
        final long firstSeed, final PrintStream out) throws Exception
    {
        final int c = managers.size();
        final CyclicBarrier start = new CyclicBarrier(threads + 1);
        final CyclicBarrier end = new CyclicBarrier(threads + 1);
        final AtomicInteger state = new AtomicInteger();
        final int[] current = new int[1];
        final long[][] ops = new long[threads][c];
        final Histogram[][] hist = new Histogram[threads][c];
        final Throwable[] failure = new Throwable[threads];
        final List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++)
        {
            final int id = t;
            for (int k = 0; k < c; k++)
            {
                hist[t][k] = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            }
            final Thread th = new Thread(() ->
            {
                final SplittableRandom rnd = new SplittableRandom(firstSeed + id);
                final LockHandle[] handles = new LockHandle[c];
                final LockRequest[] pool = w.requests;
                long x = id + 1;
                try
                {
                    for (;;)
                    {
                        start.await();
                        if (state.get() == EXIT)
                        {
                            return;
                        }
                        final int k = current[0];
                        if (handles[k] == null)
                        {
                            handles[k] = managers.get(k).open("bench");
                        }
                        final LockHandle h = handles[k];
                        final Histogram hk = hist[id][k];
                        long count = 0;
                        while (state.get() == RUN)
                        {
                            final LockRequest req = pool[rnd.nextInt(pool.length)];
                            final long t0 = System.nanoTime();
                            h.acquire(req);
                            final long t1 = System.nanoTime();
                            for (int i = 0; i < work; i++)
                            {
                                x ^= x << 13;
                                x ^= x >>> 7;
                                x ^= x << 17;
                            }
                            h.releaseAll();
                            hk.recordValue(Math.min(t1 - t0, hk.getHighestTrackableValue()));
                            count++;
                        }
                        ops[id][k] = count;
                        sink = x;
                        end.await();
                    }
                }
                catch (final Throwable e)
                {
                    failure[id] = e;
                    state.set(STOP);
                    start.reset();
                    end.reset();
                }
            }, "bench-worker-" + t);
            th.setDaemon(true);
            ts.add(th);
            th.start();
        }
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try
        {
            String line;
            while ((line = in.readLine()) != null && !line.equals("EXIT"))
            {
                if (line.startsWith("RUN "))
                {
                    final int k = Integer.parseInt(line.substring(4).trim());
                    if (k < 0 || k >= c)
                    {
                        throw new IllegalArgumentException("no contender " + k);
                    }
                    current[0] = k;
                    state.set(RUN);
                    start.await(60, TimeUnit.SECONDS);
                }
                else if (line.equals("STOP"))
                {
                    final int k = current[0];
                    state.set(STOP);
                    end.await(60, TimeUnit.SECONDS);
                    long total = 0;
                    final Histogram merged = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
                    for (int t = 0; t < threads; t++)
                    {
                        total += ops[t][k];
                        ops[t][k] = 0;
                        merged.add(hist[t][k]);
                        hist[t][k].reset();
                    }
                    out.println("BLOCK " + k + " " + total + " " + encode(merged));
                }
                else
                {
                    throw new IllegalArgumentException("unknown command '" + line + "'");
                }
            }
        }
        catch (final BrokenBarrierException e)
        {
            for (final Throwable f : failure)
            {
                if (f != null && !(f instanceof BrokenBarrierException))
                {
                    throw new IllegalStateException("a bench worker thread failed: " + f, f);
                }
            }
            throw e;
        }
        finally
        {
            state.set(EXIT);
            start.reset();
            for (final Thread th : ts)
            {
                th.interrupt();
                th.join(TimeUnit.SECONDS.toMillis(10));
            }
        }
    }

    static String encode(final Histogram h)
    {
        final ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        final int n = h.encodeIntoCompressedByteBuffer(buf);
        return Base64.getEncoder().encodeToString(Arrays.copyOf(buf.array(), n));
    }

    static Histogram decode(final String base64)
    {
        try
        {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
        }
        catch (final java.util.zip.DataFormatException e)
        {
            throw new IllegalStateException("a worker sent a histogram that cannot be decoded: " + e, e);
        }
    }
}

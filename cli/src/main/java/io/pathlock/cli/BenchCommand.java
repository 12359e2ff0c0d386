package io.pathlock.cli;


import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockPath;
import io.pathlock.baseline.NaiveHierarchicalLock;
import io.pathlock.file.FileLockStore;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;

/**
 * {@code pathlock bench}: a mixed POINT / SUBTREE / mv contention benchmark on a generated tree,
 * run on the engine and then, with the same requests, on the naive baseline; prints throughput and
 * acquire-latency percentiles of both and their ratio. With {@code --store file} the engine runs on a
 * {@link FileLockStore} over a temporary directory (under {@code --dir}, deleted afterwards) holding
 * the tree's directories and files; the naive baseline stays in memory.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
        "Runs a mixed POINT/SUBTREE/mv workload for a fixed time with N threads over a generated tree,",
        "on the pathlock engine and on a naive baseline (two ReentrantReadWriteLocks per path in a map,",
        "taken in global order), and prints throughput and acquire-latency percentiles (HdrHistogram).",
        "With --store file the engine takes lock files in a temporary copy of the tree on disk (under --dir,",
        "deleted afterwards); the naive baseline always runs in memory."})
final class BenchCommand implements Callable<Integer>
{
    @Option(names = "--threads", defaultValue = "4", description = "worker threads (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--seconds", defaultValue = "10", description = "measured seconds per contender (default ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--warmup", defaultValue = "2", description = "warm-up seconds per contender (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--depth", defaultValue = "4", description = "tree depth below the root (default ${DEFAULT-VALUE})")
    int depth;

    @Option(names = "--fanout", defaultValue = "8", description = "children per directory (default ${DEFAULT-VALUE})")
    int fanout;

    @Option(names = "--mix", defaultValue = "80,10,10",
        description = "percent of POINT,SUBTREE,mv requests (default ${DEFAULT-VALUE})")
    String mix;

    @Option(names = "--work", defaultValue = "200",
        description = "busy-work iterations inside each critical section (default ${DEFAULT-VALUE})")
    int work;

    @Option(names = "--store", defaultValue = "memory",
        description = "lock store: memory or file (lock files in a temporary tree on disk) (default ${DEFAULT-VALUE})")
    String store;

    @Option(names = "--dir", paramLabel = "DIR",
        description = "with --store file: where the temporary tree is created (default: the system temp directory)")
    Path dir;

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "NAME",
        description = "with --store file: posix backend auto, jni, jnr or nio (default ${DEFAULT-VALUE})")
    String backend;

    @Option(names = "--interop", paramLabel = "DIALECT",
        description = "with --store file: the OpenViking dialect to write, ragfs or ov431 (default: ragfs)")
    String interop;

    @Option(names = "--baseline", defaultValue = "naive", description = "naive or none (default ${DEFAULT-VALUE})")
    String baseline;

    @Option(names = "--seed", defaultValue = "1", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--no-progress", description = "do not print the progress line")
    boolean noProgress;

    static volatile long sink;

    /** What one contender does for one request. */
    interface Worker
    {
        void acquire(LockRequest request) throws Exception;

        void release();
    }

    record Result(String name, long ops, double seconds, Histogram latency)
    {
        double throughput()
        {
            return ops / seconds;
        }
    }

    @Override
    public Integer call() throws Exception
    {
        final int[] pct = validate();
        final PrintStream out = System.out;
        final Workload w = new Workload(depth, fanout, pct[0], pct[1], 1 << 16, seed);
        out.printf(Locale.ROOT, "pathlock bench: %d threads x %d s (+%d s warm-up), tree depth %d fanout %d (%,d paths),"
                + " mix POINT %d%% / SUBTREE %d%% / mv %d%%, work %d, store %s%n",
            threads, seconds, warmup, depth, fanout, w.pathCount, pct[0], pct[1], pct[2], work, store);

        final List<Result> results = new ArrayList<>();
        final Path tree = store.equals("file") ? createTree(w) : null;
        try (LockManager manager = manager(tree))
        {
            results.add(run("pathlock (" + manager.store().describe() + ")", w, () ->
            {
                final LockHandle h = manager.open("bench");
                return new Worker()
                {
                    @Override
                    public void acquire(final LockRequest request) throws Exception
                    {
                        h.acquire(request);
                    }

                    @Override
                    public void release()
                    {
                        h.releaseAll();
                    }
                };
            }));
        }
        finally
        {
            if (tree != null)
            {
                deleteTree(tree);
            }
        }
        if (baseline.equals("naive"))
        {
            final NaiveHierarchicalLock naive = new NaiveHierarchicalLock();
            results.add(run("naive RW-lock map", w, () -> new Worker()
            {
                private List<Lock> held;

                @Override
                public void acquire(final LockRequest request)
                {
                    held = naive.lock(request);
                }

                @Override
                public void release()
                {
                    naive.unlock(held);
                }
            }));
        }
        print(out, results, tree != null);
        return 0;
    }

    private LockManager manager(final Path tree)
    {
        if (tree == null)
        {
            return LockManager.builder().build();
        }
        return LockManager.builder().store(FileLockStore.builder(tree).backend(backend)
            .dialect(interop == null ? io.pathlock.file.Dialect.fromSystemProperty() : io.pathlock.file.Dialect.parse(interop)).build())
            .handleIdleTimeout(Duration.ZERO).build();
    }

    /** A temporary directory holding the workload's tree: directories as directories, leaves as empty files. */
    private Path createTree(final Workload w) throws IOException
    {
        final Path tree;
        if (dir != null)
        {
            Files.createDirectories(dir);
            tree = Files.createTempDirectory(dir, "pathlock-bench-");
        }
        else
        {
            tree = Files.createTempDirectory("pathlock-bench-");
        }
        try
        {
            for (final LockPath d : w.dirs)
            {
                Files.createDirectories(tree.resolve(d.toString().substring(1)));
            }
            for (final LockPath f : w.leaves)
            {
                Files.createFile(tree.resolve(f.toString().substring(1)));
            }
        }
        catch (final IOException | RuntimeException e)
        {
            deleteTree(tree);
            throw e;
        }
        System.out.printf(Locale.ROOT, "lock files in a temporary tree %s (%,d directories, %,d files; deleted afterwards)%n",
            tree, w.dirs.size(), w.leaves.size());
        return tree;
    }

    private static void deleteTree(final Path tree) throws IOException
    {
        try (var s = Files.walk(tree))
        {
            for (final Path p : (Iterable<Path>)s.sorted(Comparator.reverseOrder())::iterator)
            {
                Files.deleteIfExists(p);
            }
        }
    }

    private int[] validate()
    {
        check(threads >= 1 && threads <= 1024, "--threads must be in [1, 1024], got " + threads);
        check(seconds >= 1 && seconds <= 86_400, "--seconds must be in [1, 86400], got " + seconds);
        check(warmup >= 0 && warmup <= 3_600, "--warmup must be in [0, 3600], got " + warmup);
        check(depth >= 2 && depth <= 32, "--depth must be in [2, 32], got " + depth);
        check(fanout >= 1 && fanout <= 64, "--fanout must be in [1, 64], got " + fanout);
        check(Math.pow(fanout, depth) <= 2_000_000, "--depth " + depth + " with --fanout " + fanout
            + " makes more than 2,000,000 leaves");
        check(work >= 0, "--work must not be negative, got " + work);
        check(store.equals("memory") || store.equals("file"), "--store must be memory or file, got '" + store + "'");
        check(store.equals("file") || dir == null, "--dir only applies to --store file");
        check(backend.equals("auto") || backend.equals("jni") || backend.equals("jnr") || backend.equals("nio"),
            "--backend must be auto, jni, jnr or nio, got '" + backend + "'");
        check(baseline.equals("naive") || baseline.equals("none"), "--baseline must be naive or none, got '" + baseline + "'");
        final String[] parts = mix.split(",");
        check(parts.length == 3, "--mix must be three percentages POINT,SUBTREE,mv, got '" + mix + "'");
        final int[] pct = new int[3];
        int sum = 0;
        for (int i = 0; i < 3; i++)
        {
            try
            {
                pct[i] = Integer.parseInt(parts[i].trim());
            }
            catch (final NumberFormatException e)
            {
                throw new IllegalArgumentException("--mix part '" + parts[i] + "' is not a whole number");
            }
            check(pct[i] >= 0, "--mix parts must not be negative, got '" + mix + "'");
            sum += pct[i];
        }
        check(sum == 100, "--mix must add up to 100, got " + sum + " from '" + mix + "'");
        return pct;
    }

    private static void check(final boolean ok, final String message)
    {
        if (!ok)
        {
            throw new IllegalArgumentException(message);
        }
    }

    private Result run(final String name, final Workload w, final java.util.function.Supplier<Worker> factory)
        throws Exception
    {
        final int n = threads;
        final Histogram[] hists = new Histogram[n];
        final AtomicLong[] ops = new AtomicLong[n];
        final Throwable[] failures = new Throwable[n];
        final CyclicBarrier start = new CyclicBarrier(n + 1);
        final CountDownLatch never = new CountDownLatch(1);
        final PhaseFlag flag = new PhaseFlag();
        final List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < n; t++)
        {
            final int id = t;
            hists[t] = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            ops[t] = new AtomicLong();
            final Thread th = new Thread(() ->
            {
                try
                {
                    final Worker worker = factory.get();
                    final SplittableRandom rnd = new SplittableRandom(seed * 31 + id);
                    final LockRequest[] pool = w.requests;
                    final Histogram h = hists[id];
                    long count = 0;
                    long x = id + 1;
                    start.await();
                    int p;
                    while ((p = flag.value) != PhaseFlag.STOP)
                    {
                        final LockRequest req = pool[rnd.nextInt(pool.length)];
                        final long t0 = System.nanoTime();
                        worker.acquire(req);
                        final long t1 = System.nanoTime();
                        for (int i = 0; i < work; i++)
                        {
                            x ^= x << 13;
                            x ^= x >>> 7;
                            x ^= x << 17;
                        }
                        worker.release();
                        if (p == PhaseFlag.MEASURE)
                        {
                            h.recordValue(Math.min(t1 - t0, h.getHighestTrackableValue()));
                            if ((++count & 255) == 0)
                            {
                                ops[id].lazySet(count);
                            }
                        }
                    }
                    ops[id].set(count);
                    sink = x;
                }
                catch (final Throwable e)
                {
                    failures[id] = e;
                    flag.value = PhaseFlag.STOP;
                }
            }, "bench-" + t);
            th.setDaemon(true);
            ts.add(th);
            th.start();
        }
        start.await();
        never.await(warmup, TimeUnit.SECONDS);
        flag.value = PhaseFlag.MEASURE;
        final long t0 = System.nanoTime();
        for (int s = 1; s <= seconds && flag.value != PhaseFlag.STOP; s++)
        {
            never.await(t0 + TimeUnit.SECONDS.toNanos(s) - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (!noProgress)
            {
                long sum = 0;
                for (final AtomicLong a : ops)
                {
                    sum += a.get();
                }
                System.err.printf(Locale.ROOT, "\r  %-28s %3d/%d s  %,14d ops  %,12.0f ops/s ", name, s, seconds, sum,
                    sum / ((System.nanoTime() - t0) / 1e9));
            }
        }
        flag.value = PhaseFlag.STOP;
        final long elapsed = System.nanoTime() - t0;
        for (final Thread th : ts)
        {
            th.join();
        }
        if (!noProgress)
        {
            System.err.println();
        }
        for (final Throwable f : failures)
        {
            if (f != null)
            {
                throw new IllegalStateException(name + " worker failed: " + f, f);
            }
        }
        final Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        long total = 0;
        for (int t = 0; t < n; t++)
        {
            all.add(hists[t]);
            total += ops[t].get();
        }
        return new Result(name, total, elapsed / 1e9, all);
    }

    private static final class PhaseFlag
    {
        static final int WARMUP = 0;
        static final int MEASURE = 1;
        static final int STOP = 2;
        volatile int value = WARMUP;
    }

    private static void print(final PrintStream out, final List<Result> results, final boolean fileStore)
    {
        out.printf(Locale.ROOT, "%nacquire latency (request to grant) and throughput:%n%n");
        final PercentileTable table = new PercentileTable();
        if (results.size() == 2)
        {
            table.baseline(results.get(1).name());
        }
        for (final Result r : results)
        {
            table.add(r.name(), r.latency(), r.throughput());
        }
        out.print(table.render());
        if (results.size() == 2)
        {
            final Result e = results.get(0);
            final Result b = results.get(1);
            out.printf(Locale.ROOT, "%nratio pathlock / naive: throughput %.2fx, p50 latency %.2fx, p99 latency %.2fx%s%n",
                e.throughput() / b.throughput(),
                (double)e.latency().getValueAtPercentile(50) / Math.max(1, b.latency().getValueAtPercentile(50)),
                (double)e.latency().getValueAtPercentile(99) / Math.max(1, b.latency().getValueAtPercentile(99)),
                fileStore ? " (pathlock on lock files on disk; the naive baseline runs in memory)" : "");
        }
    }
}

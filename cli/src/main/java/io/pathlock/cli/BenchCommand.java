package io.pathlock.cli;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.baseline.NaiveHierarchicalLock;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.file.FileLockStore;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import uk.ac.ic.doc.slurp.multilock.MultiLock;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/**
 * {@code pathlock bench}: a mixed POINT / SUBTREE / mv contention benchmark on a generated tree.
 *
 * <p>The contenders (pathlock, java-multilocks, the naive map of read-write locks; on request
 * {@code none}, which takes no lock and measures the harness alone) run the same
 * requests in <em>alternating blocks</em> ({@code --block-ms} each, the order rotated every round),
 * so that all of them see the same background load and the same JIT state, as the lock-file
 * harness {@code PointInterleaved} does; a ratio is taken round by round between blocks that ran
 * side by side, and the report gives the median and the spread over rounds instead of one
 * aggregate that a ramp-up or a burst of other work can move by several times. The header says how
 * many cores the machine has and its load average, and warns when it is busy; every ratio says which
 * direction is better; {@code --json FILE} writes every block for plotting.
 *
 * <p>With {@code --store file} the engine runs on a {@link FileLockStore} over a temporary directory
 * (under {@code --dir}, deleted afterwards); with {@code --store host} on the host lock table of a
 * temporary root ({@code HostLockStore}, interop mode {@code --interop}); the baselines stay in memory.
 * {@code --compare file} runs pathlock on lock files too, as one more contender of the same blocks.
 *
 * <p>With {@code --processes N} the workload runs in N worker processes at once ({@link BenchProcesses},
 * {@link BenchWorker}), {@code --threads} threads each, on roots that every worker opens: the stores
 * as processes of one host share them. Only pathlock runs there; the table is the same.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    header = "Measures pathlock against java-multilocks and a lock map on a mixed workload.",
    description = {
        "Runs a mixed POINT/SUBTREE/mv workload over a generated tree with N threads on pathlock, on java-multilocks",
        "(a multi-granularity IX/X lock per path, taken in path order) and on a naive map of read-write locks, in",
        "alternating blocks so that all see the same load; prints per contender the median throughput over blocks",
        "and its spread, acquire-latency percentiles (HdrHistogram), and the ratios to pathlock with the direction",
        "that is better. With --store file the engine takes lock files in a temporary copy of the tree on disk",
        "(under --dir, deleted afterwards); with --store host it takes locks in the host lock table of a temporary",
        "root (shared memory; --interop none for the table alone); the baselines always run in memory.",
        "--compare file runs pathlock on lock files beside the host table in the same blocks. --processes N runs the",
        "workload in N worker processes (child JVMs) at once on the same roots, --threads threads each: pathlock",
        "only, as the in-memory baselines do not span processes."})
final class BenchCommand implements Callable<Integer>
{
    /** Names of the contenders, in report order. */
    static final List<String> CONTENDERS = List.of("pathlock", "multilock", "naive", "none");

    @Option(names = "--threads", defaultValue = "1,2", paramLabel = "N[,N...]",
        description = "worker threads, one run per value (default ${DEFAULT-VALUE})")
    String threads;

    @Option(names = "--seconds", defaultValue = "10",
        description = "measured seconds per contender and thread count (default ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--warmup", defaultValue = "2",
        description = "warm-up seconds per contender and thread count, in blocks, not measured (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--block-ms", defaultValue = "200",
        description = "length of one block of one contender, in milliseconds (default ${DEFAULT-VALUE})")
    int blockMs;

    @Option(names = "--contenders", defaultValue = "pathlock,multilock,naive",
        description = {"which to run, of pathlock, multilock, naive, none (default ${DEFAULT-VALUE}); none takes no lock:",
            "the harness's own cost per operation (drawing a request, timing it, the --work loop), so its throughput",
            "bounds every contender's and every ratio between them"})
    String contenders;

    @Option(names = "--depth", defaultValue = "4", description = "tree depth below the root (default ${DEFAULT-VALUE})")
    int depth;

    @Option(names = "--fanout", defaultValue = "8", description = "children per directory (default ${DEFAULT-VALUE})")
    int fanout;

    @Option(names = "--mix", defaultValue = "80,10,10",
        description = "percent of POINT,SUBTREE,mv requests (default ${DEFAULT-VALUE})")
    String mix;

    @Option(names = "--shared-ratio", defaultValue = "0", paramLabel = "PCT",
        description = "percent of the POINT and SUBTREE requests that are shared (readers); moves stay exclusive "
            + "(default ${DEFAULT-VALUE}; e.g. 90 for a read-mostly workload)")
    int sharedRatio;

    @Option(names = "--pool", defaultValue = "1024", paramLabel = "N",
        description = "random requests generated before the run, which every thread draws from (default ${DEFAULT-VALUE}: "
            + "a pool that stays in the CPU caches, as a request a caller has just built does; a pool of 65536, the "
            + "default before, is read from memory on almost every draw, which costs every contender and favours none)")
    int pool;

    @Option(names = "--work", defaultValue = "200",
        description = "busy-work iterations inside each critical section (default ${DEFAULT-VALUE})")
    int work;

    @Option(names = "--store", defaultValue = "memory",
        description = "lock store: memory, file (lock files in a temporary tree on disk) or host (the host lock table of a "
            + "temporary root, shared by the processes of this host) (default ${DEFAULT-VALUE})")
    String store;

    @Option(names = "--processes", paramLabel = "N",
        description = "with --store file or host: run the workload in N worker processes (child JVMs) at once on the same "
            + "root, --threads threads each; only pathlock runs (the in-memory baselines do not span processes)")
    Integer processes;

    @Option(names = "--compare", paramLabel = "STORE",
        description = "with --store host: also run pathlock on this store in the same alternating blocks: file (lock files "
            + "in a temporary tree of its own)")
    String compare;

    @Option(names = "--dir", paramLabel = "DIR",
        description = "with --store file or host: where the temporary tree is created (default: the system temp directory)")
    Path dir;

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "NAME",
        description = "with --store file (or host with lock files): posix backend auto, jni, jnr or nio (default ${DEFAULT-VALUE})")
    String backend;

    @Option(names = "--interop", paramLabel = "MODE",
        description = "with --store file: the OpenViking dialect to write, ragfs or ov431 (default: ragfs); with --store host: "
            + "the root's interop mode, none (the table alone), ragfs or ov431 (default: ragfs, the host store's default)")
    String interop;

    @Option(names = "--seed", defaultValue = "1", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--json", paramLabel = "FILE", description = "also write every block and the summary as JSON to FILE")
    Path json;

    @Option(names = "--no-progress", description = "do not print the progress line")
    boolean noProgress;

    static volatile long sink;

    /** What one contender does for one request, on one thread. */
    interface Worker
    {
        void acquire(LockRequest request) throws Exception;

        void release();
    }

    /** One contender: a name and a worker per thread. */
    interface Contender
    {
        String name();

        Worker newWorker();
    }

    /** One block of one contender: operations, time and acquire latencies. */
    record Block(int round, String contender, long ops, long nanos, Histogram latency)
    {
        double throughput()
        {
            return ops * 1e9 / nanos;
        }
    }

    /**
     * Everything measured at one thread count.
     *
     * @param threads   threads in all (in every worker process).
     * @param processes worker processes, or 0 when the threads ran in this process.
     */
    record Run(int threads, int processes, List<String> names, List<Block> blocks, int rounds)
    {
        List<Block> of(final String name)
        {
            final List<Block> out = new ArrayList<>();
            for (final Block b : blocks)
            {
                if (b.contender().equals(name))
                {
                    out.add(b);
                }
            }
            return out;
        }
    }

    @Override
    public Integer call() throws Exception
    {
        final int[] pct = validate();
        final int[] threadCounts = threadCounts();
        final List<String> names = contenderNames();
        final PrintStream out = System.out;
        final Workload w = new Workload(depth, fanout, pct[0], pct[1], sharedRatio, pool, seed);
        final int cores = Runtime.getRuntime().availableProcessors();
        final double[] loadBefore = loadAverage();
        out.printf(Locale.ROOT, "pathlock bench: threads %s, %d s measured + %d s warm-up per contender in blocks of %d ms, "
                + "tree depth %d fanout %d (%,d paths), mix POINT %d%% / SUBTREE %d%% / mv %d%%, shared %d%% of POINT and SUBTREE, "
                + "%,d requests in the pool, work %d, store %s%n",
            threads, seconds, warmup, blockMs, depth, fanout, w.pathCount, pct[0], pct[1], pct[2], sharedRatio, pool, work,
            store + (store.equals("host") ? " (interop " + (interop == null ? "ragfs, the default" : interop) + ")" : "")
                + (compare != null ? ", compared with " + compare : "")
                + (processes != null ? ", " + processes + " worker process" + (processes == 1 ? "" : "es") : ""));
        out.printf(Locale.ROOT, "machine: %d cores, load average %s (1, 5, 15 min), %s %s%n", cores, format(loadBefore),
            System.getProperty("java.vm.name"), System.getProperty("java.version"));
        if (busy(loadBefore))
        {
            out.printf(Locale.ROOT, "WARNING: the machine is busy (1-min load %.2f on %d cores): absolute figures mean little; "
                + "the ratios of alternating blocks below are the figures to use, and their spread shows the noise%n",
                loadBefore[0], cores);
        }
        final List<Run> runs = new ArrayList<>();
        final List<Path> trees = new ArrayList<>();
        try
        {
            final List<BenchStores> stores = new ArrayList<>();
            stores.add(storeUnderTest(store, interop, store.equals("memory") ? null : createTree(w, trees)));
            if (compare != null)
            {
                stores.add(storeUnderTest(compare, null, createTree(w, trees)));
            }
            if (processes != null)
            {
                runProcesses(out, stores, threadCounts, pct, runs);
            }
            else
            {
                runHere(out, stores, names, threadCounts, w, runs);
            }
        }
        finally
        {
            for (final Path tree : trees)
            {
                deleteTree(tree);
            }
        }
        final double[] loadAfter = loadAverage();
        out.printf(Locale.ROOT, "%nload average after: %s%n", format(loadAfter));
        if (json != null)
        {
            writeJson(json, w, pct, cores, loadBefore, loadAfter, runs);
            out.printf(Locale.ROOT, "every block written to %s%n", json);
        }
        return 0;
    }

    /** In this process: pathlock on each store beside the in-memory baselines. */
    private void runHere(final PrintStream out, final List<BenchStores> stores, final List<String> names, final int[] threadCounts,
        final Workload w, final List<Run> runs) throws Exception
    {
        final List<LockManager> managers = new ArrayList<>();
        try
        {
            for (final BenchStores s : stores)
            {
                managers.add(s.manager());
            }
            final List<Contender> cs = new ArrayList<>();
            for (final String n : names)
            {
                if (n.equals("pathlock"))
                {
                    for (final LockManager m : managers)
                    {
                        cs.add(contender(n, m, w));
                    }
                }
                else
                {
                    cs.add(contender(n, null, w));
                }
            }
            for (final int t : threadCounts)
            {
                final Run r = interleaved(t, cs, w);
                runs.add(r);
                print(out, r, !store.equals("memory") ? " (pathlock on " + storeText() + "; the baselines run in memory)" : "");
            }
        }
        finally
        {
            for (final LockManager m : managers)
            {
                m.close();
            }
        }
    }

    /** Across worker processes: pathlock on each store, in every worker at once. */
    private void runProcesses(final PrintStream out, final List<BenchStores> stores, final int[] threadCounts, final int[] pct,
        final List<Run> runs) throws Exception
    {
        final List<String> names = new ArrayList<>();
        for (final BenchStores s : stores)
        {
            names.add("pathlock (" + s.label() + ")");
        }
        out.printf(Locale.ROOT, "%d worker processes (child JVMs) on one root per store; only pathlock runs: the in-memory "
            + "baselines do not span processes%n", processes);
        final int rounds = Math.max(1, (int)(seconds * 1000L / blockMs));
        final int warmRounds = (int)Math.ceil(warmup * 1000.0 / blockMs);
        for (final int t : threadCounts)
        {
            final BenchProcesses workers = new BenchProcesses(processes, t, stores, this, pct);
            try
            {
                final Run r = workers.run(names, rounds, warmRounds, blockMs, processes, t, !noProgress);
                runs.add(r);
                print(out, r, " (all in worker processes on shared roots)");
            }
            catch (final Exception | Error e)
            {
                workers.abort();
                throw e;
            }
            finally
            {
                workers.close();
            }
        }
    }

    /** The store of {@code --store} or {@code --compare}, on a tree (null for memory). */
    private BenchStores storeUnderTest(final String kind, final String mode, final Path tree)
    {
        return new BenchStores(kind, tree, mode, backend);
    }

    private String storeText()
    {
        return switch (store)
        {
            case "file" -> "lock files on disk";
            case "host" -> "the host lock table";
            default -> store;
        } + (compare != null ? " and " + compare : "");
    }

    // ---- contenders -------------------------------------------------------------------------

    private Contender contender(final String name, final LockManager manager, final Workload w)
    {
        switch (name)
        {
            case "pathlock":
                return new Contender()
                {
                    @Override
                    public String name()
                    {
                        return "pathlock (" + manager.store().describe() + ")";
                    }

                    @Override
                    public Worker newWorker()
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
                    }
                };
            case "multilock":
                return new MultiLockContender(w);
            case "none":
                return new Contender()
                {
                    @Override
                    public String name()
                    {
                        return "no lock (the harness alone)";
                    }

                    @Override
                    public Worker newWorker()
                    {
                        return new Worker()
                        {
                            private int touched;

                            @Override
                            public void acquire(final LockRequest request)
                            {
                                // No lock, but the request is read as every contender reads it (its
                                // entries and their paths): the floor under every contender's cost.
                                final List<LockRequest.Entry> es = request.entries();
                                int sum = touched;
                                for (int i = 0; i < es.size(); i++)
                                {
                                    sum += es.get(i).path().depth();
                                }
                                touched = sum;
                            }

                            @Override
                            public void release()
                            {
                            }
                        };
                    }
                };
            default:
                final NaiveHierarchicalLock naive = new NaiveHierarchicalLock();
                return new Contender()
                {
                    @Override
                    public String name()
                    {
                        return "naive RW-lock map";
                    }

                    @Override
                    public Worker newWorker()
                    {
                        return new Worker()
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
                        };
                    }
                };
        }
    }

    /**
     * java-multilocks (a multi-granularity lock: IS/IX/S/X) used as a careful user would for path
     * locks: per path a {@code tree} lock and, for POINT locks on directories, a {@code self} lock.
     * POINT(p) takes IX on the tree lock of every ancestor and of p, and X on p's self lock (X on p's
     * tree lock for a file, which has nothing below it); SUBTREE(p) takes IX on the ancestors' tree
     * locks and X on p's. Shared locks take the read modes instead: IS for IX, S for X. This is
     * exactly DESIGN §2's conflict matrix for the four lock kinds. All the locks of a request are
     * taken in one global order (path, tree before self; modes merged per lock, IX and S into X as
     * there is no SIX), so requests never deadlock. The lock objects of a request are resolved once and cached (the most favourable
     * reading for the baseline).
     */
    static final class MultiLockContender implements Contender
    {
        /** Lock modes of one multi-lock in a plan, weakest first. */
        private static final byte NONE = 0;
        private static final byte IS = 1;
        private static final byte IX = 2;
        private static final byte S = 3;
        private static final byte X = 4;

        record Plan(MultiLock[] locks, byte[] modes)
        {
        }

        private final Workload workload;
        private final ConcurrentHashMap<String, MultiLock> locks = new ConcurrentHashMap<>();
        private final ConcurrentHashMap<LockRequest, Plan> plans = new ConcurrentHashMap<>();

        MultiLockContender(final Workload workload)
        {
            this.workload = workload;
        }

        @Override
        public String name()
        {
            return "java-multilocks";
        }

        /**
         * The weakest mode that grants both (multi-granularity locking without SIX: IX and S make X).
         */
        static byte merge(final byte a, final byte b)
        {
            if (a == b || b == NONE)
            {
                return a;
            }
            if (a == NONE)
            {
                return b;
            }
            if (a == X || b == X || (a == IX && b == S) || (a == S && b == IX))
            {
                return X;
            }
            return (byte)Math.max(a, b);
        }

        Plan plan(final LockRequest r)
        {
            // Per path: the mode on its tree lock [0] and on its self lock [1], sorted so that a parent
            // comes before its children and a tree lock before its self lock.
            final TreeMap<LockPath, byte[]> modes = new TreeMap<>();
            for (final LockRequest.Entry e : r.entries())
            {
                final LockPath p = e.path();
                final boolean shared = e.isShared();
                for (int d = 0; d < p.depth(); d++)
                {
                    final byte[] m = modes.computeIfAbsent(p.prefix(d), k -> new byte[2]);
                    m[0] = merge(m[0], shared ? IS : IX);
                }
                final byte[] m = modes.computeIfAbsent(p, k -> new byte[2]);
                if (e.type() == LockType.SUBTREE || workload.isLeaf(p))
                {
                    m[0] = merge(m[0], shared ? S : X);
                }
                else
                {
                    m[0] = merge(m[0], shared ? IS : IX);
                    m[1] = merge(m[1], shared ? S : X);
                }
            }
            final List<MultiLock> ls = new ArrayList<>();
            final List<Byte> ms = new ArrayList<>();
            for (final Map.Entry<LockPath, byte[]> e : modes.entrySet())
            {
                final String key = e.getKey().toString();
                final byte[] m = e.getValue();
                ls.add(locks.computeIfAbsent(key + "\u0000", k -> new MultiLock()));
                ms.add(m[0]);
                // A self lock under X on the tree lock adds nothing: the tree lock excludes everyone.
                if (m[1] != NONE && m[0] != X)
                {
                    ls.add(locks.computeIfAbsent(key + "\u0001", k -> new MultiLock()));
                    ms.add(m[1]);
                }
            }
            final byte[] b = new byte[ms.size()];
            for (int i = 0; i < b.length; i++)
            {
                b[i] = ms.get(i);
            }
            return new Plan(ls.toArray(new MultiLock[0]), b);
        }

        @Override
        public Worker newWorker()
        {
            return new Worker()
            {
                private Plan held;

                @Override
                public void acquire(final LockRequest request)
                {
                    Plan p = plans.get(request);
                    if (p == null)
                    {
                        p = plans.computeIfAbsent(request, this::planOf);
                    }
                    final MultiLock[] ls = p.locks();
                    final byte[] ms = p.modes();
                    for (int i = 0; i < ls.length; i++)
                    {
                        switch (ms[i])
                        {
                            case IS:
                                ls[i].intentionReadLock();
                                break;
                            case IX:
                                ls[i].intentionWriteLock();
                                break;
                            case S:
                                ls[i].readLock();
                                break;
                            default:
                                ls[i].writeLock();
                                break;
                        }
                    }
                    held = p;
                }

                private Plan planOf(final LockRequest r)
                {
                    return plan(r);
                }

                @Override
                public void release()
                {
                    final Plan p = held;
                    final MultiLock[] ls = p.locks();
                    final byte[] ms = p.modes();
                    for (int i = ls.length - 1; i >= 0; i--)
                    {
                        switch (ms[i])
                        {
                            case IS:
                                ls[i].unlockIntentionRead();
                                break;
                            case IX:
                                ls[i].unlockIntentionWrite();
                                break;
                            case S:
                                ls[i].unlockRead();
                                break;
                            default:
                                ls[i].unlockWrite();
                                break;
                        }
                    }
                    held = null;
                }
            };
        }
    }

    // ---- the interleaved run ------------------------------------------------------------------

    /** Per worker thread: one worker per contender, and the current block's counters. */
    private static final class Lane
    {
        final Worker[] workers;
        final Histogram[] hist;
        final long[] ops;
        volatile Throwable failure;

        Lane(final int contenders)
        {
            workers = new Worker[contenders];
            hist = new Histogram[contenders];
            ops = new long[contenders];
            for (int i = 0; i < contenders; i++)
            {
                hist[i] = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            }
        }
    }

    private static final int RUN = 1;
    private static final int STOP = 2;
    private static final int EXIT = 3;

    private Run interleaved(final int n, final List<Contender> cs, final Workload w) throws Exception
    {
        final int c = cs.size();
        final int rounds = Math.max(1, (int)(seconds * 1000L / blockMs));
        final int warmRounds = (int)Math.ceil(warmup * 1000.0 / blockMs);
        final Lane[] lanes = new Lane[n];
        final CyclicBarrier start = new CyclicBarrier(n + 1);
        final CyclicBarrier end = new CyclicBarrier(n + 1);
        // Written by this thread between blocks, read by the workers after the start barrier.
        final int[] current = new int[1];
        final java.util.concurrent.atomic.AtomicInteger state = new java.util.concurrent.atomic.AtomicInteger();
        final List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < n; t++)
        {
            final int id = t;
            lanes[t] = new Lane(c);
            final Thread th = new Thread(() ->
            {
                final Lane lane = lanes[id];
                final SplittableRandom rnd = new SplittableRandom(seed * 31 + id);
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
                        Worker worker = lane.workers[k];
                        if (worker == null)
                        {
                            worker = cs.get(k).newWorker();
                            lane.workers[k] = worker;
                        }
                        final Histogram h = lane.hist[k];
                        long count = 0;
                        while (state.get() == RUN)
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
                            h.recordValue(Math.min(t1 - t0, h.getHighestTrackableValue()));
                            count++;
                        }
                        lane.ops[k] = count;
                        sink = x;
                        end.await();
                    }
                }
                catch (final Throwable e)
                {
                    lane.failure = e;
                    state.set(STOP);
                    start.reset();
                    end.reset();
                }
            }, "bench-" + t);
            th.setDaemon(true);
            ts.add(th);
            th.start();
        }
        final List<Block> blocks = new ArrayList<>();
        try
        {
            for (int r = 0; r < warmRounds + rounds; r++)
            {
                final boolean measured = r >= warmRounds;
                for (int j = 0; j < c; j++)
                {
                    // Rotate the order every round so that no contender always follows another.
                    final int k = (j + r) % c;
                    current[0] = k;
                    state.set(RUN);
                    start.await(60, TimeUnit.SECONDS);
                    final long t0 = System.nanoTime();
                    TimeUnit.MILLISECONDS.sleep(blockMs);
                    state.set(STOP);
                    final long t1 = System.nanoTime();
                    end.await(60, TimeUnit.SECONDS);
                    long ops = 0;
                    final Histogram merged = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
                    for (final Lane lane : lanes)
                    {
                        ops += lane.ops[k];
                        merged.add(lane.hist[k]);
                        lane.hist[k].reset();
                        lane.ops[k] = 0;
                    }
                    final Block b = new Block(measured ? r - warmRounds : -1, cs.get(k).name(), ops, t1 - t0, merged);
                    if (measured)
                    {
                        blocks.add(b);
                    }
                    if (!noProgress)
                    {
                        System.err.printf(Locale.ROOT, "\r  %d thread%s, %s %d/%d: %-22s %,14.0f ops/s in this block ",
                            n, n == 1 ? "" : "s", measured ? "round" : "warm-up", measured ? r - warmRounds + 1 : r + 1,
                            measured ? rounds : warmRounds, cs.get(k).name(), b.throughput());
                    }
                }
            }
        }
        catch (final java.util.concurrent.BrokenBarrierException e)
        {
            // a worker failed; reported below
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
            if (!noProgress)
            {
                System.err.println();
            }
        }
        for (final Lane lane : lanes)
        {
            if (lane.failure != null && !(lane.failure instanceof java.util.concurrent.BrokenBarrierException)
                && !(lane.failure instanceof InterruptedException))
            {
                throw new IllegalStateException("a bench worker failed: " + lane.failure, lane.failure);
            }
        }
        final List<String> names = new ArrayList<>();
        for (final Contender ct : cs)
        {
            names.add(ct.name());
        }
        return new Run(n, 0, names, blocks, rounds);
    }

    // ---- report -------------------------------------------------------------------------------

    /** Median, minimum and maximum of some values. */
    record Spread(double median, double min, double max)
    {
        static Spread of(final double[] v)
        {
            if (v.length == 0)
            {
                return new Spread(Double.NaN, Double.NaN, Double.NaN);
            }
            final double[] s = v.clone();
            Arrays.sort(s);
            final int m = s.length / 2;
            final double median = s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
            return new Spread(median, s[0], s[s.length - 1]);
        }
    }

    static Histogram merged(final List<Block> blocks)
    {
        final Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        for (final Block b : blocks)
        {
            h.add(b.latency());
        }
        return h;
    }

    private static double micros(final Histogram h, final double percentile)
    {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1e3;
    }

    /** Per-round ratio of a metric of {@code a} to the same metric of {@code b} in the same round. */
    static double[] roundRatios(final List<Block> a, final List<Block> b, final boolean throughput)
    {
        final int n = Math.min(a.size(), b.size());
        final double[] r = new double[n];
        int k = 0;
        for (int i = 0; i < n; i++)
        {
            final double x = throughput ? a.get(i).throughput() : a.get(i).latency().getValueAtPercentile(99);
            final double y = throughput ? b.get(i).throughput() : b.get(i).latency().getValueAtPercentile(99);
            if (y > 0 && !Double.isNaN(x))
            {
                r[k++] = x / y;
            }
        }
        return Arrays.copyOf(r, k);
    }

    static void print(final PrintStream out, final Run r, final String note)
    {
        final int perProcess = r.processes() == 0 ? r.threads() : r.threads() / r.processes();
        out.printf(Locale.ROOT, "%n%s%d thread%s: %d rounds, each one block per contender in rotating order%n%n",
            r.processes() == 0 ? "" : r.processes() + " processes x ", perProcess, perProcess == 1 ? "" : "s", r.rounds());
        out.println("| contender | blocks | ops/s (median) | ops/s min - max | p50 µs | p99 µs | p99.9 µs | max µs |");
        out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (final String name : r.names())
        {
            final List<Block> bs = r.of(name);
            final Spread thr = Spread.of(bs.stream().mapToDouble(Block::throughput).toArray());
            final Histogram h = merged(bs);
            out.printf(Locale.ROOT, "| %s | %d | %,.0f | %,.0f - %,.0f | %.1f | %.1f | %.1f | %.1f |%n", name, bs.size(),
                thr.median(), thr.min(), thr.max(), micros(h, 50), micros(h, 99), micros(h, 99.9),
                h.getTotalCount() == 0 ? Double.NaN : h.getMaxValue() / 1e3);
        }
        final String engine = r.names().stream().filter(s -> s.startsWith("pathlock")).findFirst().orElse(null);
        if (engine == null)
        {
            return;
        }
        out.println();
        for (final String base : r.names())
        {
            if (base.equals(engine))
            {
                continue;
            }
            final List<Block> a = r.of(engine);
            final List<Block> b = r.of(base);
            final Spread thr = Spread.of(roundRatios(a, b, true));
            final Spread p99 = Spread.of(roundRatios(a, b, false));
            final double p99All = micros(merged(a), 99) / micros(merged(b), 99);
            out.printf(Locale.ROOT, "pathlock / %s: throughput %.2fx (higher is better; per round: median %.2f, min %.2f, max %.2f), "
                    + "p99 latency %.2fx (lower is better; over all blocks; per round: median %.2f, min %.2f, max %.2f)%s%n",
                base, thr.median(), thr.median(), thr.min(), thr.max(), p99All, p99.median(), p99.min(), p99.max(), note);
        }
    }

    // ---- JSON ---------------------------------------------------------------------------------

    private void writeJson(final Path file, final Workload w, final int[] pct, final int cores, final double[] loadBefore,
        final double[] loadAfter, final List<Run> runs) throws IOException
    {
        final StringBuilder sb = new StringBuilder(4096);
        sb.append("{\n  \"tool\": \"pathlock bench\",\n");
        sb.append("  \"machine\": {\"cores\": ").append(cores).append(", \"loadBefore\": ").append(jsonArray(loadBefore))
            .append(", \"loadAfter\": ").append(jsonArray(loadAfter)).append(", \"java\": ")
            .append(quote(System.getProperty("java.vm.name") + " " + System.getProperty("java.version"))).append("},\n");
        sb.append("  \"config\": {\"seconds\": ").append(seconds).append(", \"warmup\": ").append(warmup)
            .append(", \"blockMs\": ").append(blockMs).append(", \"depth\": ").append(depth).append(", \"fanout\": ").append(fanout)
            .append(", \"paths\": ").append(w.pathCount).append(", \"mix\": [").append(pct[0]).append(", ").append(pct[1])
            .append(", ").append(pct[2]).append("], \"sharedRatio\": ").append(sharedRatio).append(", \"pool\": ").append(pool).append(", \"work\": ").append(work).append(", \"store\": ").append(quote(store))
            .append(", \"interop\": ").append(interop == null ? "null" : quote(interop))
            .append(", \"compare\": ").append(compare == null ? "null" : quote(compare))
            .append(", \"processes\": ").append(processes == null ? "null" : processes.toString())
            .append(", \"seed\": ").append(seed).append("},\n");
        sb.append("  \"runs\": [\n");
        for (int i = 0; i < runs.size(); i++)
        {
            final Run r = runs.get(i);
            sb.append("    {\"threads\": ").append(r.threads()).append(", \"processes\": ").append(r.processes()).append(", \"rounds\": ").append(r.rounds()).append(", \"contenders\": [\n");
            for (int j = 0; j < r.names().size(); j++)
            {
                final String name = r.names().get(j);
                final List<Block> bs = r.of(name);
                final Spread thr = Spread.of(bs.stream().mapToDouble(Block::throughput).toArray());
                final Histogram h = merged(bs);
                sb.append("      {\"name\": ").append(quote(name))
                    .append(", \"opsPerSecMedian\": ").append(num(thr.median()))
                    .append(", \"opsPerSecMin\": ").append(num(thr.min()))
                    .append(", \"opsPerSecMax\": ").append(num(thr.max()))
                    .append(", \"p50us\": ").append(num(micros(h, 50)))
                    .append(", \"p99us\": ").append(num(micros(h, 99)))
                    .append(", \"p999us\": ").append(num(micros(h, 99.9)))
                    .append(", \"blocks\": [");
                for (int k = 0; k < bs.size(); k++)
                {
                    final Block b = bs.get(k);
                    sb.append(k == 0 ? "" : ", ").append("{\"round\": ").append(b.round()).append(", \"ops\": ").append(b.ops())
                        .append(", \"nanos\": ").append(b.nanos()).append(", \"opsPerSec\": ").append(num(b.throughput()))
                        .append(", \"p50us\": ").append(num(micros(b.latency(), 50)))
                        .append(", \"p99us\": ").append(num(micros(b.latency(), 99))).append('}');
                }
                sb.append("]}").append(j + 1 < r.names().size() ? "," : "").append('\n');
            }
            sb.append("    ]}").append(i + 1 < runs.size() ? "," : "").append('\n');
        }
        sb.append("  ]\n}\n");
        if (file.getParent() != null)
        {
            Files.createDirectories(file.getParent());
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    private static String num(final double v)
    {
        return Double.isNaN(v) || Double.isInfinite(v) ? "null" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static String jsonArray(final double[] v)
    {
        if (v == null)
        {
            return "null";
        }
        final StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++)
        {
            sb.append(i == 0 ? "" : ", ").append(num(v[i]));
        }
        return sb.append(']').toString();
    }

    private static String quote(final String s)
    {
        final StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++)
        {
            final char ch = s.charAt(i);
            if (ch == '"' || ch == '\\')
            {
                sb.append('\\').append(ch);
            }
            else if (ch < 0x20)
            {
                sb.append(String.format(Locale.ROOT, "\\u%04x", (int)ch));
            }
            else
            {
                sb.append(ch);
            }
        }
        return sb.append('"').toString();
    }

    // ---- machine ------------------------------------------------------------------------------

    /** The 1, 5 and 15 minute load averages from /proc/loadavg, or null where there is none. */
    static double[] loadAverage()
    {
        try
        {
            final String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).trim().split("\\s+");
            return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])};
        }
        catch (final IOException | RuntimeException e)
        {
            return null;
        }
    }

    /** Busy: a 1-minute load above 0.5 (the threshold of benchmarks/run-all.sh). */
    static boolean busy(final double[] load)
    {
        return load != null && load[0] > 0.5;
    }

    private static String format(final double[] load)
    {
        return load == null ? "unknown (no /proc/loadavg)" : String.format(Locale.ROOT, "%.2f %.2f %.2f", load[0], load[1], load[2]);
    }

    // ---- set-up -------------------------------------------------------------------------------

    /**
     * A temporary directory holding the workload's tree: directories as directories, leaves as empty
     * files; added to {@code trees} (deleted by the caller) as soon as it exists.
     */
    private Path createTree(final Workload w, final List<Path> trees) throws IOException
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
        trees.add(tree);
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
            trees.remove(tree);
            deleteTree(tree);
            throw e;
        }
        System.out.printf(Locale.ROOT, "%s in a temporary tree %s (%,d directories, %,d files; deleted afterwards)%n",
            trees.size() == 1 && store.equals("host") ? "the host lock table" : "lock files", tree, w.dirs.size(), w.leaves.size());
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

    private int[] threadCounts()
    {
        final String[] parts = threads.split(",");
        final int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++)
        {
            try
            {
                out[i] = Integer.parseInt(parts[i].trim());
            }
            catch (final NumberFormatException e)
            {
                throw new IllegalArgumentException("--threads takes whole numbers separated by commas, got '" + threads + "'");
            }
            check(out[i] >= 1 && out[i] <= 1024, "--threads must be in [1, 1024], got " + out[i]);
        }
        return out;
    }

    private List<String> contenderNames()
    {
        final List<String> out = new ArrayList<>();
        for (final String s : contenders.split(","))
        {
            final String n = s.trim();
            check(CONTENDERS.contains(n), "--contenders takes pathlock, multilock, naive, none; got '" + n + "'");
            check(!out.contains(n), "--contenders names '" + n + "' twice");
            out.add(n);
        }
        out.sort(Comparator.comparingInt(CONTENDERS::indexOf));
        return out;
    }

    private int[] validate()
    {
        threadCounts();
        contenderNames();
        check(seconds >= 1 && seconds <= 86_400, "--seconds must be in [1, 86400], got " + seconds);
        check(warmup >= 0 && warmup <= 3_600, "--warmup must be in [0, 3600], got " + warmup);
        check(blockMs >= 10 && blockMs <= 60_000, "--block-ms must be in [10, 60000], got " + blockMs);
        check(depth >= 2 && depth <= 32, "--depth must be in [2, 32], got " + depth);
        check(fanout >= 1 && fanout <= 64, "--fanout must be in [1, 64], got " + fanout);
        check(Math.pow(fanout, depth) <= 2_000_000, "--depth " + depth + " with --fanout " + fanout
            + " makes more than 2,000,000 leaves");
        check(work >= 0, "--work must not be negative, got " + work);
        check(pool >= 1 && pool <= 1 << 20, "--pool must be in [1, 1048576], got " + pool);
        check(sharedRatio >= 0 && sharedRatio <= 100, "--shared-ratio must be a percentage from 0 to 100, got " + sharedRatio);
        check(store.equals("memory") || store.equals("file") || store.equals("host"),
            "--store must be memory, file or host, got '" + store + "'");
        check(!store.equals("memory") || dir == null, "--dir only applies to --store file or host");
        check(processes == null || !store.equals("memory"), "--processes needs a store that processes share: --store file or host");
        check(processes == null || processes >= 1 && processes <= 64, "--processes must be in [1, 64], got " + processes);
        check(processes == null || contenderNames().contains("pathlock"),
            "--processes runs pathlock only: --contenders must include pathlock");
        check(compare == null || store.equals("host"), "--compare applies to --store host");
        check(compare == null || compare.equals("file"), "--compare takes file, got '" + compare + "'");
        if (interop != null)
        {
            check(!store.equals("memory"), "--interop applies to --store file or host");
            check(store.equals("host") ? List.of("none", "ragfs", "ov431").contains(interop) : List.of("ragfs", "ov431").contains(interop),
                store.equals("host") ? "--interop with --store host must be none, ragfs or ov431, got '" + interop + "'"
                    : "--interop with --store file must be ragfs or ov431, got '" + interop + "'");
        }
        check(backend.equals("auto") || backend.equals("jni") || backend.equals("jnr") || backend.equals("nio"),
            "--backend must be auto, jni, jnr or nio, got '" + backend + "'");
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
}

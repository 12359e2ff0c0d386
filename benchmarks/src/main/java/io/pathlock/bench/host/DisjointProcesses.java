package io.pathlock.bench.host;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.bench.posix.BenchDirs;
import io.pathlock.core.LockRequest;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Issue 12, target 12.4: throughput of 2 processes x 1 thread on disjoint paths against 1 process,
 * on the host lock table (goal at least 1.6x), with the lock-file store and a JDK
 * {@link ReentrantLock} per process (which shares nothing: the machine's own 2-process scaling)
 * beside it in the same run.
 *
 * <p>Per store, two child JVMs of this class path are started once and kept; child {@code k} takes
 * and releases POINT {@code /data/u<k>/proj/src/main/f} (depth 6, sharing {@code /} and
 * {@code /data}, as {@code DisjointPathsBenchmark} does between threads) through a {@link LockManager}
 * on the store, as fast as it can, while a block runs. Blocks alternate within every round, the order
 * swapped every round: "1 process" (child 0 runs, child 1 idles) and "2 processes" (both run), so that
 * both see the same background load. A shared mapped control file starts and stops a block; each
 * child counts its operations and its own running time, and a block's throughput is the sum over the
 * children of operations / time. The first {@code --warmup-rounds} rounds are not recorded.
 *
 * <p>Prints one Markdown table (the report reads it): per store and process count, the median
 * throughput over blocks and its spread, and the median per-round ratio of 2 to 1 processes.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.pathlock.bench.host.DisjointProcesses \
 *     --dir /work/tmp --store table,files,reentrantlock --rounds 20 --block-ms 250
 * </pre>
 * {@code --smoke}: 3 rounds of 100 ms blocks, no warm-up (figures mean nothing). Exits non-zero if a
 * child fails or stops answering.
 */
public final class DisjointProcesses
{
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    /** Control: the block sequence number (a child acts once per new value). */
    private static final int SEQ = 0;
    /** Control: 1 while the current block runs, 0 when it must stop, -1 when children must exit. */
    private static final int RUN = 8;
    /** Control: bit k set when child k takes part in the current block. */
    private static final int MASK = 16;
    /** Per child k at {@code CHILD + k * CHILD_BYTES}: the sequence it finished, its ops, its nanos. */
    private static final int CHILD = 64;
    private static final int CHILD_BYTES = 64;
    private static final int CHILDREN = 2;
    private static final int CONTROL_BYTES = CHILD + CHILDREN * CHILD_BYTES;
    private static final long ANSWER_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** Contender that is no store: a ReentrantLock per process. */
    static final String REENTRANT = "reentrantlock";

    private DisjointProcesses()
    {
    }

    /**
     * Entry point.
     *
     * @param args {@code [--dir DIR] [--store S[,S...]] [--rounds N] [--warmup-rounds N] [--block-ms MS] [--smoke]},
     *        or {@code --child ROOT K STORE}.
     * @throws Exception if a run fails.
     */
    public static void main(final String[] args) throws Exception
    {
        if (args.length > 0 && args[0].equals("--child"))
        {
            child(Path.of(args[1]), Integer.parseInt(args[2]), args[3]);
            return;
        }
        Path dir = Path.of(System.getProperty(BenchDirs.DIR_PROP_NAME, System.getProperty("java.io.tmpdir")));
        String stores = "table,files," + REENTRANT;
        int rounds = 20;
        int warmupRounds = 4;
        int blockMs = 250;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--smoke" ->
                {
                    rounds = 3;
                    warmupRounds = 0;
                    blockMs = 100;
                }
                case "--dir" -> dir = Path.of(value(args, ++i));
                case "--store" -> stores = value(args, ++i);
                case "--rounds" -> rounds = Integer.parseInt(value(args, ++i));
                case "--warmup-rounds" -> warmupRounds = Integer.parseInt(value(args, ++i));
                case "--block-ms" -> blockMs = Integer.parseInt(value(args, ++i));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (rounds < 1 || warmupRounds < 0 || blockMs < 10)
        {
            throw new IllegalArgumentException("--rounds must be at least 1, --warmup-rounds at least 0, --block-ms at least 10");
        }
        final List<String> names = new ArrayList<>();
        for (final String s : stores.split(","))
        {
            names.add(s.trim().equals(REENTRANT) ? REENTRANT : HostStores.parse(s).get(0));
        }
        Files.createDirectories(dir);
        final List<String> rows = new ArrayList<>();
        for (final String s : names)
        {
            rows.addAll(runStore(dir, s, rounds, warmupRounds, blockMs));
        }
        System.out.printf(Locale.ROOT, "%nDisjoint paths, 1 thread per process: %d rounds of one %d ms block per process count%n%n",
            rounds, blockMs);
        System.out.println("| run | processes | blocks | ops/s | ops/s min | ops/s max | ratio to 1 process (median of rounds) |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        rows.forEach(System.out::println);
    }

    private static String value(final String[] args, final int i)
    {
        if (i >= args.length)
        {
            throw new IllegalArgumentException(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    /** Runs one store: two children, alternating blocks; returns its two table rows. */
    private static List<String> runStore(final Path dir, final String store, final int rounds, final int warmupRounds,
        final int blockMs) throws Exception
    {
        final Path root = Files.createTempDirectory(dir, "pathlock-host-disjoint-");
        final List<Process> children = new ArrayList<>();
        try
        {
            final MappedByteBuffer control = control(root);
            for (int k = 0; k < CHILDREN; k++)
            {
                final List<String> cmd = HostHandoffLatency.childCommand(DisjointProcesses.class);
                cmd.addAll(List.of("--child", root.toString(), Integer.toString(k), store));
                children.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT).start());
            }
            long seq = 0;
            // Sequence 1: every child answers once it has opened its store (no block runs).
            seq = block(control, children, ++seq, 0, 0);
            final double[][] thr = new double[2][rounds];
            for (int r = 0; r < warmupRounds + rounds; r++)
            {
                for (int j = 0; j < 2; j++)
                {
                    final int processes = (j + r) % 2 + 1;
                    final int mask = processes == 1 ? 1 : 3;
                    seq = block(control, children, ++seq, mask, blockMs);
                    double sum = 0;
                    for (int k = 0; k < CHILDREN; k++)
                    {
                        if ((mask & 1 << k) != 0)
                        {
                            final long ops = (long)LONGS.getVolatile(control, CHILD + k * CHILD_BYTES + 8);
                            final long nanos = (long)LONGS.getVolatile(control, CHILD + k * CHILD_BYTES + 16);
                            sum += nanos > 0 ? ops * 1e9 / nanos : 0;
                        }
                    }
                    if (r >= warmupRounds)
                    {
                        thr[processes - 1][r - warmupRounds] = sum;
                    }
                }
                System.err.printf(Locale.ROOT, "\r  %s: round %d/%d", store, r + 1, warmupRounds + rounds);
            }
            System.err.println();
            LONGS.setVolatile(control, RUN, -1L);
            LONGS.setVolatile(control, SEQ, ++seq);
            for (final Process p : children)
            {
                if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0)
                {
                    throw new IllegalStateException("store " + store + ": a child did not exit cleanly");
                }
            }
            final double[] ratios = new double[rounds];
            for (int i = 0; i < rounds; i++)
            {
                ratios[i] = thr[1][i] / thr[0][i];
            }
            final List<String> rows = new ArrayList<>();
            for (int p = 1; p <= 2; p++)
            {
                final double[] s = thr[p - 1].clone();
                Arrays.sort(s);
                rows.add(String.format(Locale.ROOT, "| %s | %d | %d | %,.0f | %,.0f | %,.0f | %s |", store, p, rounds, median(s), s[0],
                    s[s.length - 1], p == 1 ? "1.00x" : String.format(Locale.ROOT, "%.2fx", median(ratios))));
            }
            return rows;
        }
        finally
        {
            for (final Process p : children)
            {
                p.destroyForcibly();
            }
            BenchDirs.delete(root);
        }
    }

    private static double median(final double[] v)
    {
        final double[] s = v.clone();
        Arrays.sort(s);
        final int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }

    /** Starts block {@code seq} for the children in {@code mask}, stops it after blockMs, waits for every answer. */
    private static long block(final MappedByteBuffer control, final List<Process> children, final long seq, final int mask,
        final int blockMs) throws InterruptedException
    {
        LONGS.setVolatile(control, MASK, (long)mask);
        LONGS.setVolatile(control, RUN, mask == 0 ? 0L : 1L);
        LONGS.setVolatile(control, SEQ, seq);
        if (blockMs > 0)
        {
            TimeUnit.MILLISECONDS.sleep(blockMs);
        }
        LONGS.setVolatile(control, RUN, 0L);
        final long deadline = System.nanoTime() + ANSWER_TIMEOUT_NANOS;
        for (int k = 0; k < CHILDREN; k++)
        {
            while ((long)LONGS.getVolatile(control, CHILD + k * CHILD_BYTES) != seq)
            {
                if (!children.get(k).isAlive())
                {
                    throw new IllegalStateException("child " + k + " died with exit " + children.get(k).exitValue());
                }
                if (System.nanoTime() > deadline)
                {
                    throw new IllegalStateException("child " + k + " did not answer block " + seq + " within 60 s");
                }
                LockSupport.parkNanos(100_000);
            }
        }
        return seq;
    }

    private static MappedByteBuffer control(final Path root) throws IOException
    {
        try (FileChannel ch = FileChannel.open(root.resolve("control.shm"), StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE))
        {
            return ch.map(FileChannel.MapMode.READ_WRITE, 0, CONTROL_BYTES);
        }
    }

    /** One worker process: its own path, its own handle, blocks as the control file says. */
    private static void child(final Path root, final int k, final String store) throws Exception
    {
        final MappedByteBuffer control = control(root);
        final int slot = CHILD + k * CHILD_BYTES;
        final String path = "/data/u" + k + "/proj/src/main/f";
        final LockRequest request = LockRequest.point(path);
        final ReentrantLock jdk = new ReentrantLock();
        final boolean reentrant = store.equals(REENTRANT);
        try (LockManager m = reentrant ? null : HostStores.manager(store, root);
             LockHandle h = reentrant ? null : m.open("disjoint" + k))
        {
            long done = 0;
            for (;;)
            {
                long seq;
                while ((seq = (long)LONGS.getVolatile(control, SEQ)) == done)
                {
                    // An idle child must not take CPU from a running one (it would lower the 1-process
                    // figure); starting up to 1 ms late costs nothing, as each child times itself.
                    LockSupport.parkNanos(1_000_000);
                }
                final long run = (long)LONGS.getVolatile(control, RUN);
                if (run < 0)
                {
                    return;
                }
                long ops = 0;
                long nanos = 0;
                if (run == 1 && ((long)LONGS.getVolatile(control, MASK) & 1L << k) != 0)
                {
                    final long t0 = System.nanoTime();
                    if (reentrant)
                    {
                        while ((long)LONGS.getVolatile(control, RUN) == 1)
                        {
                            jdk.lock();
                            jdk.unlock();
                            ops++;
                        }
                    }
                    else
                    {
                        while ((long)LONGS.getVolatile(control, RUN) == 1)
                        {
                            h.tryAcquire(request);
                            h.releaseAll();
                            ops++;
                        }
                    }
                    nanos = System.nanoTime() - t0;
                }
                LONGS.setVolatile(control, slot + 8, ops);
                LONGS.setVolatile(control, slot + 16, nanos);
                LONGS.setVolatile(control, slot, seq);
                done = seq;
            }
        }
    }
}

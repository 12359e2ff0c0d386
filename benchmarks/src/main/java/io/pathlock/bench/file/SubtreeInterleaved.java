package io.pathlock.bench.file;

import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.bench.posix.BenchDirs;
import io.pathlock.file.Dialect;
import io.pathlock.file.FileLockStore;
import io.pathlock.store.LockStore;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A companion to {@link FileStoreSubtreeBenchmark} for a shared, noisy machine: SUBTREE acquire +
 * release of {@code /tree} (10 x 10 x dirs/100 directories) through the store, the descriptor-relative
 * C walk of the same tree ({@link FloorPlan#walk}, the target's floor) and the store's whole sequence
 * in C ({@link FloorPlan#sequence}), one operation of each in turn, so that all three see the same
 * background load; prints the median and minimum time of each after warm-up and their ratios, then a
 * Markdown table ({@code store}, {@code walkFloorC}, {@code subtreeSequenceFloorC} rows per backend
 * and dialect; columns {@code backend}, {@code dialect}, {@code dirs}, {@code ops/s} (from the median),
 * {@code p50 us}, {@code min us}) that the benchmark report reads.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.pathlock.bench.file.SubtreeInterleaved \
 *     --dir /work/tmp --backend jni --dialect ragfs,ov431 --dirs 10000 --rounds 60
 * </pre>
 *
 * <p>{@code --smoke}: 100 leaf directories, 6 rounds (the figures mean nothing).
 */
public final class SubtreeInterleaved
{
    private SubtreeInterleaved()
    {
    }

    /**
     * Entry point.
     *
     * @param args {@code --dir DIR --backend B[,B...] --dialect D[,D...] --dirs N --rounds R [--smoke]}.
     */
    public static void main(final String[] args) throws Exception
    {
        String dir = System.getProperty("java.io.tmpdir");
        String backend = "jni";
        String dialect = "ragfs,ov431";
        int dirs = 10000;
        int rounds = 60;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--smoke" -> {
                    dirs = 100;
                    rounds = 6;
                }
                case "--dir" -> dir = args[++i];
                case "--backend" -> backend = args[++i];
                case "--dialect" -> dialect = args[++i];
                case "--dirs" -> dirs = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.setProperty(BenchDirs.DIR_PROP_NAME, dir);
        final List<String> rows = new ArrayList<>();
        final String[] names = {"store", "walkFloorC", "subtreeSequenceFloorC"};
        for (final String b : backend.split(","))
        {
            for (final String d : dialect.split(","))
            {
                final double[] r = run(b.trim(), Dialect.parse(d.trim()), dirs, rounds);
                for (int k = 0; k < names.length; k++)
                {
                    rows.add(String.format(Locale.ROOT, "| %s | %s | %s | %d | %.2f | %.1f | %.1f |", names[k], b.trim(), d.trim(),
                        dirs, 1e6 / r[2 * k], r[2 * k], r[2 * k + 1]));
                }
            }
        }
        System.out.println();
        System.out.println("| run | backend | dialect | dirs | ops/s | p50 us | min us |");
        System.out.println("|---|---|---|---:|---:|---:|---:|");
        rows.forEach(System.out::println);
    }

    /** {store, walk floor, sequence floor} x {median, min}, microseconds per operation. */
    private static double[] run(final String backend, final Dialect dialect, final int dirs, final int rounds)
        throws Exception
    {
        final Path r1 = FileStoreSubtreeBenchmark.createTree("pathlock-sab-store-", dirs);
        final Path r2 = FileStoreSubtreeBenchmark.createTree("pathlock-sab-floor-", dirs);
        try (FileLockStore s = FileLockStore.builder(r1).backend(backend).dialect(dialect).syncFence(false).build();
            FileLockStore f = FileLockStore.builder(r2).backend("jni").dialect(dialect).syncFence(false).build())
        {
            final FloorPlan plan = FloorPlan.of(f, "/tree", LockType.SUBTREE, dialect);
            final List<LockRequest.Entry> entries = LockRequest.subtree("/tree").entries();
            final double[][] t = new double[3][rounds];
            long sink = 0;
            for (int round = 0; round < rounds; round++)
            {
                final long t0 = System.nanoTime();
                final LockStore.PublishResult r = s.tryPublish("subtree@1.1.1", entries);
                if (!r.isGranted())
                {
                    throw new IllegalStateException("refused: " + r.conflict());
                }
                sink += s.nextFencingToken();
                s.unpublish(r.publication());
                final long t1 = System.nanoTime();
                final long w = plan.walk(1);
                final long t2 = System.nanoTime();
                final long q = plan.sequence(1);
                final long t3 = System.nanoTime();
                if (w != 0 || q != 1)
                {
                    throw new IllegalStateException("floor failed: walk " + w + ", sequence " + q);
                }
                t[0][round] = (t1 - t0) / 1e3;
                t[1][round] = (t2 - t1) / 1e3;
                t[2][round] = (t3 - t2) / 1e3;
            }
            final int warm = rounds / 6;
            final double[] out = new double[6];
            for (int k = 0; k < 3; k++)
            {
                final double[] x = Arrays.copyOfRange(t[k], warm, rounds);
                Arrays.sort(x);
                out[2 * k] = x[x.length / 2];
                out[2 * k + 1] = x[0];
            }
            System.out.println(String.format(Locale.ROOT,
                "SUBTREE /tree, %d leaf dirs, backend %s, dialect %s, %d rounds after warm-up: store median %.2f ms (min %.2f), " +
                    "C walk median %.2f ms (min %.2f), C sequence median %.2f ms (min %.2f); store/walk: ratio of medians %.2f, " +
                    "of minima %.2f [%d]",
                dirs, backend, dialect.id(), rounds - warm, out[0] / 1e3, out[1] / 1e3, out[2] / 1e3, out[3] / 1e3, out[4] / 1e3,
                out[5] / 1e3, out[0] / out[2], out[1] / out[3], sink & 1));
            return out;
        }
        finally
        {
            BenchDirs.delete(r1);
            BenchDirs.delete(r2);
        }
    }
}

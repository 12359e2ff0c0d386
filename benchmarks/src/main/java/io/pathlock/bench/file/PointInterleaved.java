package io.pathlock.bench.file;

import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.bench.posix.BenchDirs;
import io.pathlock.file.Dialect;
import io.pathlock.file.FileLockStore;
import io.pathlock.nativeio.PathlockNative;
import io.pathlock.store.LockStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A companion to {@link FileStoreBenchmark} for a shared, noisy machine: the POINT acquire + release
 * at depth 4 through the store, its C floor (the store's descriptor-relative system calls,
 * {@link PathlockNative#lockSequenceAtFloor}, see {@link FileStoreBenchmark}) and the path-based floor
 * of the store before the rework ({@link PathlockNative#lockSequenceFloor}) run in alternating blocks
 * of {@code --block} operations, so that all see the same background load; prints the median and
 * minimum per-operation time of each over the blocks after warm-up, and their ratios; then a Markdown
 * table (one {@code store}, one {@code floorC} and one {@code floorPathC} row per backend and dialect,
 * columns {@code backend}, {@code dialect}, {@code ops/s} (from the median), {@code p50 us} (the median
 * block's time per operation) and {@code min us}) that the benchmark report reads.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.pathlock.bench.file.PointInterleaved \
 *     --dir /work/tmp --backend jni,jnr,nio --dialect ragfs,ov431 --rounds 60 --block 2000
 * </pre>
 *
 * <p>{@code --smoke}: 6 rounds of 200 (a second; the figures mean nothing).
 */
public final class PointInterleaved
{
    private PointInterleaved()
    {
    }

    /**
     * Entry point.
     *
     * @param args {@code --dir DIR --backend B[,B...] --dialect D[,D...] --rounds N --block M [--smoke]}.
     */
    public static void main(final String[] args) throws Exception
    {
        String dir = System.getProperty("java.io.tmpdir");
        String backend = "jni";
        String dialect = "ragfs,ov431";
        int rounds = 60;
        int block = 2000;
        for (int i = 0; i < args.length; i += 2)
        {
            if (args[i].equals("--smoke"))
            {
                rounds = 6;
                block = 200;
                i--;
                continue;
            }
            switch (args[i])
            {
                case "--dir":
                    dir = args[i + 1];
                    break;
                case "--backend":
                    backend = args[i + 1];
                    break;
                case "--dialect":
                    dialect = args[i + 1];
                    break;
                case "--rounds":
                    rounds = Integer.parseInt(args[i + 1]);
                    break;
                case "--block":
                    block = Integer.parseInt(args[i + 1]);
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.setProperty(BenchDirs.DIR_PROP_NAME, dir);
        final List<String> rows = new java.util.ArrayList<>();
        for (final String b : backend.split(","))
        {
            for (final String d : dialect.split(","))
            {
                final double[] r = run(b.trim(), Dialect.parse(d.trim()), rounds, block);
                final String[] names = {"store", "floorC", "floorPathC"};
                for (int k = 0; k < names.length; k++)
                {
                    rows.add(String.format(Locale.ROOT, "| %s | %s | %s | %.0f | %.3f | %.3f |", names[k], b.trim(), d.trim(),
                        1e6 / r[2 * k], r[2 * k], r[2 * k + 1]));
                }
            }
        }
        System.out.println();
        System.out.println("| run | backend | dialect | ops/s | p50 us | min us |");
        System.out.println("|---|---|---|---:|---:|---:|");
        rows.forEach(System.out::println);
    }

    /**
     * One backend and dialect: {store median, store min, floor median, floor min, path floor median,
     * path floor min} in microseconds per operation.
     */
    private static double[] run(final String backend, final Dialect dialect, final int rounds, final int block)
        throws Exception
    {
        final Path r1 = BenchDirs.create("pathlock-ab-store-");
        final Path r2 = BenchDirs.create("pathlock-ab-floor-");
        Files.createDirectories(r1.resolve("a/b/c/d"));
        Files.createDirectories(r2.resolve("a/b/c/d"));
        try (FileLockStore s = FileLockStore.builder(r1).backend(backend).dialect(dialect).syncFence(false).build();
            FileLockStore f = FileLockStore.builder(r2).backend("jni").dialect(dialect).syncFence(false).build())
        {
            final FloorPlan plan = FloorPlan.of(f, FileStoreBenchmark.PATH, LockType.POINT, dialect);
            final List<LockRequest.Entry> entries = LockRequest.point(FileStoreBenchmark.PATH).entries();
            final double[] store = new double[rounds];
            final double[] floor = new double[rounds];
            final double[] pathFloor = new double[rounds];
            long sink = 0;
            for (int round = 0; round < rounds; round++)
            {
                final long t0 = System.nanoTime();
                for (int i = 0; i < block; i++)
                {
                    final LockStore.PublishResult r = s.tryPublish("point@1.1.1", entries);
                    sink += s.nextFencingToken();
                    s.unpublish(r.publication());
                }
                final long t1 = System.nanoTime();
                final long n = plan.sequence(block);
                final long t2 = System.nanoTime();
                final long m = plan.pathSequence(block);
                final long t3 = System.nanoTime();
                if (n != block || m != block)
                {
                    throw new IllegalStateException("floor failed: " + n + ", path floor: " + m);
                }
                store[round] = (t1 - t0) / 1e3 / block;
                floor[round] = (t2 - t1) / 1e3 / block;
                pathFloor[round] = (t3 - t2) / 1e3 / block;
            }
            final int warm = rounds / 6;
            final double[] s2 = sorted(store, warm);
            final double[] f2 = sorted(floor, warm);
            final double[] p2 = sorted(pathFloor, warm);
            final double sm = s2[s2.length / 2];
            final double fm = f2[f2.length / 2];
            final double pm = p2[p2.length / 2];
            System.out.println(String.format(Locale.ROOT,
                "POINT depth 4, backend %s, dialect %s, %d blocks of %d after warm-up: store median %.2f us (min %.2f), " +
                    "C floor median %.2f us (min %.2f), path-based (pre-rework) C floor median %.2f us (min %.2f); " +
                    "store/floor: ratio of medians %.2f, of minima %.2f; store/path floor: ratio of medians %.2f [%d]",
                backend, dialect.id(), s2.length, block, sm, s2[0], fm, f2[0], pm, p2[0], sm / fm, s2[0] / f2[0], sm / pm,
                sink & 1));
            return new double[] {sm, s2[0], fm, f2[0], pm, p2[0]};
        }
        finally
        {
            BenchDirs.delete(r1);
            BenchDirs.delete(r2);
        }
    }

    private static double[] sorted(final double[] a, final int from)
    {
        final double[] b = Arrays.copyOfRange(a, from, a.length);
        Arrays.sort(b);
        return b;
    }
}

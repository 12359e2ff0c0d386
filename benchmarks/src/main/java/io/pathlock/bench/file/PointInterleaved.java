package io.pathlock.bench.file;

import io.pathlock.LockRequest;
import io.pathlock.LockType;
import io.pathlock.bench.posix.BenchDirs;
import io.pathlock.file.FileLockStore;
import io.pathlock.nativeio.PathlockNative;
import io.pathlock.store.LockStore;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A companion to {@link FileStoreBenchmark} for a shared, noisy machine: the POINT acquire + release
 * at depth 4 through the store and its C floor ({@link PathlockNative#lockSequenceFloor}) run in
 * alternating blocks of {@code --block} operations, so that both see the same background load;
 * prints the median and minimum per-operation time of each over the blocks after warm-up, and their
 * ratios; then a Markdown table (one {@code store} and one {@code floorC} row per backend, columns
 * {@code backend}, {@code ops/s} (from the median), {@code p50 us} (the median block's time per
 * operation) and {@code min us}) that the benchmark report reads.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.pathlock.bench.file.PointInterleaved \
 *     --dir /work/tmp --backend jni,jnr,nio --rounds 60 --block 2000
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
     * @param args {@code --dir DIR --backend B[,B...] --rounds N --block M [--smoke]}.
     */
    public static void main(final String[] args) throws Exception
    {
        String dir = System.getProperty("java.io.tmpdir");
        String backend = "jni";
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
            final double[] r = run(b.trim(), rounds, block);
            rows.add(String.format(Locale.ROOT, "| store | %s | %.0f | %.3f | %.3f |", b.trim(), 1e6 / r[0], r[0], r[1]));
            rows.add(String.format(Locale.ROOT, "| floorC | %s | %.0f | %.3f | %.3f |", b.trim(), 1e6 / r[2], r[2], r[3]));
        }
        System.out.println();
        System.out.println("| run | backend | ops/s | p50 us | min us |");
        System.out.println("|---|---|---:|---:|---:|");
        rows.forEach(System.out::println);
    }

    /** One backend: {store median, store min, floor median, floor min} in microseconds per operation. */
    private static double[] run(final String backend, final int rounds, final int block) throws Exception
    {
        final Path r1 = BenchDirs.create("pathlock-ab-store-");
        final Path r2 = BenchDirs.create("pathlock-ab-floor-");
        Files.createDirectories(r1.resolve("a/b/c/d"));
        Files.createDirectories(r2.resolve("a/b/c/d"));
        try (FileLockStore s = FileLockStore.builder(r1).backend(backend).syncFence(false).build();
            FileLockStore f = FileLockStore.builder(r2).backend("jni").syncFence(false).build())
        {
            final FileLockStore.AcquisitionPlan plan = f.plan(FileStoreBenchmark.PATH, LockType.POINT);
            final byte[][] lstats = FileStoreBenchmark.bytes(plan.components());
            final byte[][] pre = FileStoreBenchmark.bytes(plan.preChecks());
            final byte[][] post = FileStoreBenchmark.bytes(plan.postChecks());
            final byte[] tmp = FileStoreBenchmark.bytes(plan.tmpDir().resolve("0123456789abcdef.1"));
            final byte[] file = FileStoreBenchmark.bytes(plan.lockFile());
            final byte[] guard = FileStoreBenchmark.bytes(plan.guardFile());
            final byte[] token = (f.fileOwnerId("point@1.1.1") + ":" + System.nanoTime() + ":P").getBytes(StandardCharsets.UTF_8);
            final List<LockRequest.Entry> entries = LockRequest.point(FileStoreBenchmark.PATH).entries();
            final double[] store = new double[rounds];
            final double[] floor = new double[rounds];
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
                final long n = PathlockNative.lockSequenceFloor(lstats, pre, tmp, file, post, null, guard, token, token.length,
                    0600, block);
                final long t2 = System.nanoTime();
                if (n != block)
                {
                    throw new IllegalStateException("floor failed: " + n);
                }
                store[round] = (t1 - t0) / 1e3 / block;
                floor[round] = (t2 - t1) / 1e3 / block;
            }
            final int warm = rounds / 6;
            final double[] s2 = Arrays.copyOfRange(store, warm, rounds);
            final double[] f2 = Arrays.copyOfRange(floor, warm, rounds);
            Arrays.sort(s2);
            Arrays.sort(f2);
            final double sm = s2[s2.length / 2];
            final double fm = f2[f2.length / 2];
            System.out.println(String.format(Locale.ROOT,
                "POINT depth 4, backend %s, %d blocks of %d after warm-up: store median %.2f us (min %.2f), " +
                    "C floor median %.2f us (min %.2f); ratio of medians %.2f, of minima %.2f [%d]",
                backend, s2.length, block, sm, s2[0], fm, f2[0], sm / fm, s2[0] / f2[0], sink & 1));
            return new double[] {sm, s2[0], fm, f2[0]};
        }
        finally
        {
            BenchDirs.delete(r1);
            BenchDirs.delete(r2);
        }
    }
}

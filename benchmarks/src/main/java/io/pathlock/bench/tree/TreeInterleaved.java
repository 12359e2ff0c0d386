package io.pathlock.bench.tree;

import io.pathlock.bench.posix.BenchDirs;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A companion to {@link TreeOpsBenchmark} for a shared, noisy machine: the same rows (TreeOps
 * {@code write} and {@code move} per store, and their JDK baselines {@code filesWrite},
 * {@code safeWrite}, {@code filesMove}) run in alternating blocks of {@code --block-ms} milliseconds,
 * one round being one block of every row in a rotating order, so that all see the same background load
 * and the same state of the disk. Per row it takes the median over the rounds after warm-up of the
 * block's time per operation; the ratio of two medians is the price of safety that survives a loaded
 * machine (JMH runs each row in its own fork, minutes apart, where the load may differ).
 *
 * <p>Prints two Markdown tables that the benchmark report reads (targets 14.1, 14.1s, 14.2): the
 * TreeOps rows (columns {@code store}, {@code durability}, {@code ops/s} from the median,
 * {@code p50 us} the median block's time per operation, {@code min us} the fastest block's) and the
 * baselines (column {@code durability}); then the ratios as text.
 *
 * <pre>
 * java -Dpathlock.bench.dir=/mnt/disk -cp benchmarks/target/benchmarks.jar io.pathlock.bench.tree.TreeInterleaved \
 *     --store memory,files,host --durability NONE,DATA_AND_DIRECTORY --rounds 15 --warmup-rounds 3 --block-ms 100
 * </pre>
 *
 * <p>{@code --smoke}: 2 rounds of 10 ms blocks, no warm-up (a second or two; the figures mean nothing).
 * Scratch trees under {@code -Dpathlock.bench.dir}. Exits 64 on a bad argument (naming it), non-zero if
 * an operation or the end-of-trial check of a tree fails.
 */
public final class TreeInterleaved
{
    private TreeInterleaved()
    {
    }

    /** One row: a name, its store (null for a JDK baseline) and the operation of one call. */
    private record Row(String run, String store, String durability, Op op, double[] perOpNanos)
    {
    }

    /** One call of a row's operation. */
    @FunctionalInterface
    private interface Op
    {
        void run() throws Exception;
    }

    /** Settings from the command line. */
    private record Settings(List<String> stores, List<String> durabilities, int rounds, int warmupRounds,
        long blockNanos)
    {
    }

    /**
     * Entry point.
     *
     * @param args {@code [--store S[,S...]] [--durability D[,D...]] [--rounds N] [--warmup-rounds W]
     *        [--block-ms M] [--smoke]}.
     * @throws Exception if an operation or a tree check fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final Settings s;
        try
        {
            s = parse(args);
        }
        catch (final IllegalArgumentException e)
        {
            System.err.println("TreeInterleaved: " + e.getMessage());
            System.err.println("usage: TreeInterleaved [--store memory,files,host] "
                + "[--durability NONE,DATA_AND_DIRECTORY] [--rounds N] [--warmup-rounds W] [--block-ms M] [--smoke]");
            System.exit(64);
            return;
        }
        run(s, System.out);
    }

    /**
     * Runs with parsed arguments.
     *
     * @param args the arguments, as for {@link #main}.
     * @param out where the tables go.
     * @throws IllegalArgumentException naming a bad argument.
     * @throws Exception if an operation or a tree check fails.
     */
    static void run(final String[] args, final PrintStream out) throws Exception
    {
        run(parse(args), out);
    }

    private static void run(final Settings s, final PrintStream out) throws Exception
    {
        final List<Row> rows = new ArrayList<>();
        final List<AutoCloseable> trees = new ArrayList<>();
        final TreeOpsBenchmark bench = new TreeOpsBenchmark();
        final int measured = s.rounds();
        try
        {
            for (final String d : s.durabilities())
            {
                final TreeOpsBenchmark.Plain p = new TreeOpsBenchmark.Plain();
                p.durability = d;
                p.open();
                trees.add(p::close);
                rows.add(new Row("filesWrite", null, d, () -> bench.filesWrite(p), new double[measured]));
                rows.add(new Row("safeWrite", null, d, () -> bench.safeWrite(p), new double[measured]));
                rows.add(new Row("filesMove", null, d, () -> bench.filesMove(p), new double[measured]));
                for (final String store : s.stores())
                {
                    final TreeOpsBenchmark.Tree t = new TreeOpsBenchmark.Tree();
                    t.store = store;
                    t.durability = d;
                    t.open();
                    trees.add(t::close);
                    rows.add(new Row("write", store, d, () -> bench.write(t), new double[measured]));
                    rows.add(new Row("move", store, d, () -> bench.move(t), new double[measured]));
                }
            }
            final Path scratch = Path.of(System.getProperty(BenchDirs.DIR_PROP_NAME,
                System.getProperty("java.io.tmpdir")));
            out.printf(Locale.ROOT, "tree interleaved: %d rows, %d warm-up + %d measured rounds of %d ms "
                + "blocks, scratch under %s%n", rows.size(), s.warmupRounds(), measured, s.blockNanos() / 1_000_000,
                scratch.toAbsolutePath());
            for (int round = 0; round < s.warmupRounds() + measured; round++)
            {
                for (int k = 0; k < rows.size(); k++)
                {
                    final Row r = rows.get((k + round) % rows.size());
                    final double perOp = block(r.op(), s.blockNanos());
                    if (round >= s.warmupRounds())
                    {
                        r.perOpNanos()[round - s.warmupRounds()] = perOp;
                    }
                }
            }
        }
        finally
        {
            closeAll(trees);
        }
        print(rows, out);
    }

    /**
     * Runs an operation until a block's time has passed (at least once).
     *
     * @return nanoseconds per operation in the block.
     */
    private static double block(final Op op, final long blockNanos) throws Exception
    {
        final long start = System.nanoTime();
        long n = 0;
        long now;
        do
        {
            op.run();
            n++;
            now = System.nanoTime();
        }
        while (now - start < blockNanos);
        return (double)(now - start) / n;
    }

    private static void closeAll(final List<AutoCloseable> trees) throws Exception
    {
        Exception first = null;
        for (final AutoCloseable c : trees)
        {
            try
            {
                c.close();
            }
            catch (final Exception e)
            {
                if (first == null)
                {
                    first = e;
                }
                else
                {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null)
        {
            throw first;
        }
    }

    private static double median(final double[] v)
    {
        final double[] c = v.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }

    private static double min(final double[] v)
    {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static void print(final List<Row> rows, final PrintStream out)
    {
        out.println();
        out.println("| run | store | durability | ops/s | p50 us | min us |");
        out.println("|---|---|---|---:|---:|---:|");
        for (final Row r : rows)
        {
            if (r.store() != null)
            {
                final double p50 = median(r.perOpNanos());
                out.printf(Locale.ROOT, "| %s | %s | %s | %.1f | %.1f | %.1f |%n", r.run(), r.store(),
                    r.durability(), 1e9 / p50, p50 / 1000, min(r.perOpNanos()) / 1000);
            }
        }
        out.println();
        out.println("| run | durability | ops/s | p50 us | min us |");
        out.println("|---|---|---:|---:|---:|");
        for (final Row r : rows)
        {
            if (r.store() == null)
            {
                final double p50 = median(r.perOpNanos());
                out.printf(Locale.ROOT, "| %s | %s | %.1f | %.1f | %.1f |%n", r.run(), r.durability(), 1e9 / p50,
                    p50 / 1000, min(r.perOpNanos()) / 1000);
            }
        }
        out.println();
        out.println("Price of safety (ratio of medians, same rounds):");
        for (final Row r : rows)
        {
            if (r.store() == null)
            {
                continue;
            }
            final List<String> bases = r.run().equals("write") ? List.of("filesWrite", "safeWrite")
                : List.of("filesMove");
            final StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %s store=%s %s:", r.run(),
                r.store(), r.durability()));
            for (final String b : bases)
            {
                final Row base = rows.stream().filter(x -> x.store() == null && x.run().equals(b)
                    && x.durability().equals(r.durability())).findFirst().orElseThrow();
                final double ratio = median(r.perOpNanos()) / median(base.perOpNanos());
                line.append(String.format(Locale.ROOT, " %.2fx %s", ratio, b));
            }
            out.println(line);
        }
    }

    private static Settings parse(final String[] args)
    {
        List<String> stores = TreeStores.NAMES;
        List<String> durabilities = List.of("NONE", "DATA_AND_DIRECTORY");
        int rounds = 15;
        int warmup = 3;
        long blockMs = 100;
        for (int i = 0; i < args.length; i++)
        {
            final String a = args[i];
            if (a.equals("--smoke"))
            {
                rounds = 2;
                warmup = 0;
                blockMs = 10;
                continue;
            }
            if (i + 1 >= args.length)
            {
                throw new IllegalArgumentException("'" + a + "' needs a value");
            }
            final String v = args[++i];
            switch (a)
            {
                case "--store" -> stores = checked(v, TreeStores.NAMES, "--store");
                case "--durability" -> durabilities = checked(v.toUpperCase(Locale.ROOT),
                    List.of("NONE", "DATA_AND_DIRECTORY"), "--durability");
                case "--rounds" -> rounds = positive(v, "--rounds", 1);
                case "--warmup-rounds" -> warmup = positive(v, "--warmup-rounds", 0);
                case "--block-ms" -> blockMs = positive(v, "--block-ms", 1);
                default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
            }
        }
        return new Settings(stores, durabilities, rounds, warmup, blockMs * 1_000_000L);
    }

    private static List<String> checked(final String list, final List<String> known, final String option)
    {
        final List<String> out = new ArrayList<>();
        for (final String x : list.split(","))
        {
            final String t = x.trim();
            if (!known.contains(t))
            {
                throw new IllegalArgumentException(option + " '" + x + "' in '" + list + "': expected one of " + known);
            }
            out.add(t);
        }
        return List.copyOf(out);
    }

    private static int positive(final String v, final String option, final int least)
    {
        final int n;
        try
        {
            n = Integer.parseInt(v.trim());
        }
        catch (final NumberFormatException e)
        {
            throw new IllegalArgumentException(option + " '" + v + "': not a number", e);
        }
        if (n < least)
        {
            throw new IllegalArgumentException(option + " '" + v + "': at least " + least);
        }
        return n;
    }
}

package io.pathlock.bench.tree;

import java.util.List;
import java.util.Locale;

/**
 * Runs one row of {@link TreeOpsBenchmark} a given number of times outside JMH, for counting its
 * system calls under {@code strace -f -c}: the difference between a run of {@code --count N} and one
 * of {@code --count 0} divided by N is the calls of one operation (set-up and tear-down cancel out).
 * {@code benchmarks/tree-syscalls.sh} does this for every row and prints the fsyncs, renames and
 * other calls per operation, which explains the timings on any machine.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.pathlock.bench.tree.TreeOpsProbe \
 *     --row write --store files --durability DATA_AND_DIRECTORY --count 200
 * </pre>
 *
 * Exits 64 on a bad argument (naming it), 1 if an operation or the end-of-trial check fails.
 */
public final class TreeOpsProbe
{
    /** The rows it can run. */
    public static final List<String> ROWS = List.of("write", "filesWrite", "safeWrite", "move", "filesMove");

    private TreeOpsProbe()
    {
    }

    /**
     * Runs the row.
     *
     * @param args {@code --row R --durability D [--store S] --count N}.
     * @throws Exception if an operation fails.
     */
    public static void main(final String[] args) throws Exception
    {
        String row = null;
        String store = "memory";
        String durability = "NONE";
        int count = -1;
        try
        {
            for (int i = 0; i < args.length; i += 2)
            {
                if (i + 1 >= args.length)
                {
                    throw new IllegalArgumentException("'" + args[i] + "' needs a value");
                }
                final String v = args[i + 1];
                switch (args[i])
                {
                    case "--row" -> row = v;
                    case "--store" -> store = v;
                    case "--durability" -> durability = v.toUpperCase(Locale.ROOT);
                    case "--count" -> count = Integer.parseInt(v);
                    default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
                }
            }
            if (!ROWS.contains(row))
            {
                throw new IllegalArgumentException("--row '" + row + "': expected one of " + ROWS);
            }
            if (!TreeStores.NAMES.contains(store))
            {
                throw new IllegalArgumentException("--store '" + store + "': expected one of " + TreeStores.NAMES);
            }
            if (!durability.equals("NONE") && !durability.equals("DATA_AND_DIRECTORY"))
            {
                throw new IllegalArgumentException("--durability '" + durability
                    + "': expected NONE or DATA_AND_DIRECTORY");
            }
            if (count < 0)
            {
                throw new IllegalArgumentException("--count: expected a number of operations, at least 0");
            }
        }
        catch (final IllegalArgumentException e)
        {
            System.err.println("TreeOpsProbe: " + e.getMessage());
            System.err.println("usage: TreeOpsProbe --row " + String.join("|", ROWS)
                + " --durability NONE|DATA_AND_DIRECTORY [--store " + String.join("|", TreeStores.NAMES)
                + "] --count N");
            System.exit(64);
            return;
        }
        final TreeOpsBenchmark bench = new TreeOpsBenchmark();
        if (row.equals("write") || row.equals("move"))
        {
            final TreeOpsBenchmark.Tree t = new TreeOpsBenchmark.Tree();
            t.store = store;
            t.durability = durability;
            t.open();
            try
            {
                for (int i = 0; i < count; i++)
                {
                    if (row.equals("write"))
                    {
                        bench.write(t);
                    }
                    else
                    {
                        bench.move(t);
                    }
                }
            }
            finally
            {
                t.close();
            }
        }
        else
        {
            final TreeOpsBenchmark.Plain p = new TreeOpsBenchmark.Plain();
            p.durability = durability;
            p.open();
            try
            {
                for (int i = 0; i < count; i++)
                {
                    switch (row)
                    {
                        case "filesWrite" -> bench.filesWrite(p);
                        case "safeWrite" -> bench.safeWrite(p);
                        default -> bench.filesMove(p);
                    }
                }
            }
            finally
            {
                p.close();
            }
        }
        System.out.println("TreeOpsProbe: " + count + " x " + row + " (store " + store + ", " + durability + ") done");
    }
}

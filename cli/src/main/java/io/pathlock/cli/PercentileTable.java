package io.pathlock.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The percentile table format shared by the latency harnesses, the report and {@code pathlock
 * bench}: a Markdown table, one row per contender, latencies in microseconds, and the ratio of each
 * row's p50 and p99 to the baseline row's. It lives in the CLI (the benchmarks depend on it), not in
 * the engine, so that the engine needs no HdrHistogram.
 *
 * <pre>
 * | contender | count | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs | p50 vs base | p99 vs base |
 * </pre>
 *
 * Not thread-safe: fill and render on one thread.
 */
public final class PercentileTable
{
    private static final double[] PERCENTILES = {50, 90, 99, 99.9};
    private static final List<Double> PERCENTILE_LIST = List.of(50.0, 90.0, 99.0, 99.9);

    /**
     * The percentiles shown, in order: 50, 90, 99 and 99.9.
     *
     * @return an immutable list.
     */
    public static List<Double> percentiles()
    {
        return PERCENTILE_LIST;
    }

    /** One row: latencies in microseconds. */
    public record Row(String contender, long count, double[] percentilesMicros, double maxMicros, double opsPerSecond)
    {
        /**
         * The value at a percentile of {@link #percentiles()}.
         *
         * @param p the percentile, one of {@link #percentiles()}.
         * @return microseconds, NaN if not shown.
         */
        public double at(final double p)
        {
            for (int i = 0; i < PERCENTILES.length; i++)
            {
                if (PERCENTILES[i] == p)
                {
                    return percentilesMicros[i];
                }
            }
            return Double.NaN;
        }
    }

    private final List<Row> rows = new ArrayList<>();
    private String baseline;
    private boolean showRate;

    /** An empty table. */
    public PercentileTable()
    {
    }

    /**
     * Names the row the ratios divide by.
     *
     * @param contender the baseline row's contender name.
     * @return this.
     */
    public PercentileTable baseline(final String contender)
    {
        this.baseline = contender;
        return this;
    }

    /**
     * Adds a row.
     *
     * @param row the row.
     * @return this.
     */
    public PercentileTable add(final Row row)
    {
        rows.add(row);
        if (!Double.isNaN(row.opsPerSecond()))
        {
            showRate = true;
        }
        return this;
    }

    /**
     * Adds a row from an HdrHistogram recorded in nanoseconds.
     *
     * @param contender row name.
     * @param histogram nanosecond histogram.
     * @param opsPerSecond throughput to show, or NaN.
     * @return this.
     */
    public PercentileTable add(final String contender, final org.HdrHistogram.AbstractHistogram histogram,
        final double opsPerSecond)
    {
        final double[] v = new double[PERCENTILES.length];
        for (int i = 0; i < v.length; i++)
        {
            v[i] = histogram.getValueAtPercentile(PERCENTILES[i]) / 1e3;
        }
        return add(new Row(contender, histogram.getTotalCount(), v, histogram.getMaxValue() / 1e3, opsPerSecond));
    }

    /**
     * The rows added so far.
     *
     * @return the rows, in order.
     */
    public List<Row> rows()
    {
        return rows;
    }

    /**
     * Renders the table as Markdown.
     *
     * @return the table, with a trailing newline.
     */
    public String render()
    {
        final Row base = rows.stream().filter(r -> r.contender().equals(baseline)).findFirst().orElse(null);
        final StringBuilder sb = new StringBuilder();
        sb.append("| contender | count |");
        if (showRate)
        {
            sb.append(" ops/s |");
        }
        for (final double p : PERCENTILES)
        {
            sb.append(" p").append(fmtPct(p)).append(" µs |");
        }
        sb.append(" max µs |");
        if (base != null)
        {
            sb.append(" p50 vs ").append(base.contender()).append(" | p99 vs ").append(base.contender()).append(" |");
        }
        sb.append('\n').append("|---|---:|");
        if (showRate)
        {
            sb.append("---:|");
        }
        sb.append("---:|".repeat(PERCENTILES.length + 1));
        if (base != null)
        {
            sb.append("---:|---:|");
        }
        sb.append('\n');
        for (final Row r : rows)
        {
            sb.append("| ").append(r.contender()).append(" | ").append(String.format(Locale.ROOT, "%,d", r.count())).append(" |");
            if (showRate)
            {
                sb.append(' ').append(Double.isNaN(r.opsPerSecond()) ? "–" : String.format(Locale.ROOT, "%,.0f", r.opsPerSecond()))
                    .append(" |");
            }
            for (final double v : r.percentilesMicros())
            {
                sb.append(' ').append(micros(v)).append(" |");
            }
            sb.append(' ').append(micros(r.maxMicros())).append(" |");
            if (base != null)
            {
                sb.append(' ').append(ratio(r.at(50), base.at(50))).append(" | ").append(ratio(r.at(99), base.at(99))).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * Formats microseconds with three significant digits (at least one decimal under 100).
     *
     * @param v microseconds.
     * @return the text.
     */
    public static String micros(final double v)
    {
        if (Double.isNaN(v))
        {
            return "–";
        }
        if (v >= 100)
        {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (v >= 10)
        {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String ratio(final double a, final double b)
    {
        if (Double.isNaN(a) || Double.isNaN(b) || b <= 0)
        {
            return "–";
        }
        return String.format(Locale.ROOT, "%.2fx", a / b);
    }

    private static String fmtPct(final double p)
    {
        return p == Math.rint(p) ? Long.toString((long)p) : Double.toString(p);
    }
}

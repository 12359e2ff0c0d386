package io.pathlock.bench.report;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One measured row, whatever produced it: a JMH result (one benchmark and parameter combination), an
 * {@code .hgrm} latency distribution, or a row of a harness's Markdown table.
 *
 * @param source the file it was read from (name only).
 * @param name the benchmark's full name ({@code io.pathlock.bench.table.LockDepthBenchmark.table}), the
 *        {@code .hgrm} stem ({@code handoff-inprocess-pathlock}), or {@code <harness class>.<row>}.
 * @param params parameters, sorted by name ({@code threads} is a parameter of harness rows).
 * @param mode JMH mode ({@code thrpt}, {@code avgt}, {@code sample}, {@code ss}), {@code latency} for
 *        histograms, {@code rate} for harness throughput rows.
 * @param threads JMH thread count, 0 when unknown.
 * @param score primary score (NaN for histograms).
 * @param error JMH's 99.9% confidence half-width, NaN when unknown.
 * @param unit unit of the score.
 * @param metrics named secondary values: percentiles of latency in microseconds ({@code p50},
 *        {@code p99}, {@code max}, {@code mean}, {@code count}), JMH secondary scores by method name.
 * @param curve for histograms: (percentile 0..1, value µs) points in increasing order; else empty.
 */
public record Measurement(
    String source,
    String name,
    Map<String, String> params,
    String mode,
    int threads,
    double score,
    double error,
    String unit,
    Map<String, Double> metrics,
    List<double[]> curve)
{
    /** Normalises the maps. */
    public Measurement
    {
        params = Map.copyOf(new TreeMap<>(params));
        metrics = Map.copyOf(metrics);
        curve = List.copyOf(curve);
    }

    /**
     * A parameter; {@code threads} falls back to the JMH thread count.
     *
     * @param key the parameter name.
     * @return its value, or null.
     */
    public String param(final String key)
    {
        final String v = params.get(key);
        if (v == null && key.equals("threads") && threads > 0)
        {
            return Integer.toString(threads);
        }
        return v;
    }

    /**
     * A value by metric name: {@code score} is the primary score, anything else a metric.
     *
     * @param metric the name.
     * @return the value, NaN if absent.
     */
    public double value(final String metric)
    {
        if (metric == null || metric.equals("score"))
        {
            return score;
        }
        final Double v = metrics.get(metric);
        return v == null ? Double.NaN : v;
    }

    /**
     * The error of a value (known for the primary score only).
     *
     * @param metric the name.
     * @return the error, NaN if unknown.
     */
    public double errorOf(final String metric)
    {
        return metric == null || metric.equals("score") ? error : Double.NaN;
    }

    /**
     * The unit of a value.
     *
     * @param metric the name.
     * @return the unit.
     */
    public String unitOf(final String metric)
    {
        if (metric == null || metric.equals("score"))
        {
            return unit;
        }
        if (metric.equals("count"))
        {
            return "";
        }
        if (metric.endsWith("gc.alloc.rate.norm"))
        {
            return "B/op";
        }
        if (metric.startsWith("bytes/"))
        {
            return "B";
        }
        return "µs";
    }

    /**
     * Whether bigger values of this metric are better (throughput) or worse (time, latency).
     *
     * @param metric the name.
     * @return true for throughput.
     */
    public boolean higherIsBetter(final String metric)
    {
        final String u = unitOf(metric);
        return u.startsWith("ops/") || mode.equals("thrpt") && (metric == null || metric.equals("score"));
    }

    /**
     * The class-and-method part after {@code io.pathlock.bench.}, or the name itself.
     *
     * @return a shorter name for tables.
     */
    public String shortName()
    {
        return shorten(name);
    }

    /**
     * Parameters as {@code k=v, k=v}.
     *
     * @return the text, empty if none.
     */
    public String paramText()
    {
        final StringBuilder sb = new StringBuilder();
        params.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
        {
            if (sb.length() > 0)
            {
                sb.append(", ");
            }
            sb.append(e.getKey()).append('=').append(e.getValue());
        });
        return sb.toString();
    }

    /**
     * Strips the common package prefix.
     *
     * @param name a benchmark name.
     * @return the shorter name.
     */
    public static String shorten(final String name)
    {
        return name.startsWith(Catalogue.PACKAGE) ? name.substring(Catalogue.PACKAGE.length()) : name;
    }
}

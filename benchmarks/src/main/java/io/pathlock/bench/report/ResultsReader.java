package io.pathlock.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads every result in a results directory (not recursive):
 * <ul>
 *   <li>{@code *.json}: JMH result files ({@code -rf json}); other JSON files are ignored; in sample-time mode the
 *       percentiles of operations become metrics ({@code p50}, {@code p99}, ..., {@code max});</li>
 *   <li>{@code *.hgrm}: HdrHistogram percentile distributions in microseconds ({@link HistogramFiles});</li>
 *   <li>{@code <harness class>.out}: the standard output of a harness whose catalogue line says it
 *       prints its results as a Markdown table (one row per run, a {@code threads} column, an
 *       {@code ops/s} column and {@code pNN us} columns).</li>
 * </ul>
 * Unreadable files are reported through {@link #problems()}, never fatal. Not thread-safe.
 */
public final class ResultsReader
{
    /** Columns of harness tables that are parameters, not values. */
    static final Set<String> PARAM_COLUMNS = Set.of("threads", "processes", "depth", "dirs", "size", "backend", "dialect", "policy",
        "fsync", "store", "durability");

    /** Percentiles of a JMH sample-time result kept as metrics. */
    private static final Set<Double> SAMPLE_PERCENTILES = Set.of(50.0, 90.0, 99.0, 99.9, 99.99);
    private static final Pattern SAMPLE_SECONDARY = Pattern.compile("p[01]\\.\\d+");
    private static final Pattern PCT_COLUMN = Pattern.compile("p(\\d+(?:\\.\\d+)?)\\s*(us|µs|ms|ns)");
    private static final Pattern MAX_COLUMN = Pattern.compile("max\\s*(us|µs|ms|ns)");
    private static final Pattern FOOTER = Pattern.compile("#\\[(\\w[\\w ]*?)\\s*=\\s*([-0-9.eE]+),\\s*(\\w[\\w ]*?)\\s*=\\s*([-0-9.eE]+)\\]");

    private final List<Measurement> measurements = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    /**
     * Reads a directory.
     *
     * @param dir the results directory.
     * @param tableHarnesses class names of harnesses whose {@code .out} holds result tables.
     * @return the reader, filled.
     * @throws IOException if the directory cannot be listed.
     */
    public static ResultsReader read(final Path dir, final Set<String> tableHarnesses) throws IOException
    {
        final ResultsReader r = new ResultsReader();
        final List<Path> files;
        try (Stream<Path> s = Files.list(dir))
        {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (final Path f : files)
        {
            final String n = f.getFileName().toString();
            try
            {
                if (n.endsWith(".json"))
                {
                    r.readJmh(f);
                }
                else if (n.endsWith(HistogramFiles.SUFFIX))
                {
                    r.measurements.add(readHgrm(f));
                }
                else if (n.endsWith(".out") && tableHarnesses.contains(n.substring(0, n.length() - 4)))
                {
                    r.readHarnessTables(f, n.substring(0, n.length() - 4));
                }
            }
            catch (final IOException | RuntimeException e)
            {
                r.problems.add(n + ": " + e.getMessage());
            }
        }
        return r;
    }

    /**
     * Everything read.
     *
     * @return the measurements, in file order.
     */
    public List<Measurement> measurements()
    {
        return measurements;
    }

    /**
     * Files that could not be read, and why.
     *
     * @return one line per problem.
     */
    public List<String> problems()
    {
        return problems;
    }

    @SuppressWarnings("unchecked")
    private void readJmh(final Path f) throws IOException
    {
        final Object doc = Json.parse(Files.readString(f, StandardCharsets.UTF_8));
        if (!(doc instanceof List<?> list))
        {
            return;
        }
        for (final Object o : list)
        {
            if (!(o instanceof Map<?, ?> m) || !m.containsKey("benchmark") || !m.containsKey("primaryMetric"))
            {
                continue;
            }
            final Map<String, Object> row = (Map<String, Object>)m;
            final Map<String, Object> primary = (Map<String, Object>)row.get("primaryMetric");
            final Map<String, String> params = new LinkedHashMap<>();
            if (row.get("params") instanceof Map<?, ?> pm)
            {
                pm.forEach((k, v) -> params.put(String.valueOf(k), String.valueOf(v)));
            }
            final Map<String, Double> metrics = new HashMap<>();
            if (row.get("secondaryMetrics") instanceof Map<?, ?> sm)
            {
                sm.forEach((k, v) ->
                {
                    if (v instanceof Map<?, ?> metric)
                    {
                        metrics.put(String.valueOf(k), Json.number(metric.get("score")));
                    }
                });
            }
            // Sample-time mode: the percentiles of single operations (in other modes JMH's scorePercentiles
            // are percentiles of iteration scores, not of operations, and are not read).
            // JMH also lists them as secondary metrics named p0.50, p0.99 ... (fractions): those are
            // replaced by the report's own names (p50, p99, ..., max), the ones .hgrm files have.
            if ("sample".equals(row.get("mode")) && primary.get("scorePercentiles") instanceof Map<?, ?> pct)
            {
                metrics.keySet().removeIf(k -> SAMPLE_SECONDARY.matcher(k).matches());
                pct.forEach((k, v) ->
                {
                    final double p = Double.parseDouble(String.valueOf(k));
                    if (p == 100)
                    {
                        metrics.put("max", Json.number(v));
                    }
                    else if (SAMPLE_PERCENTILES.contains(p))
                    {
                        metrics.put(percentileKey(p), Json.number(v));
                    }
                });
            }
            measurements.add(new Measurement(f.getFileName().toString(), String.valueOf(row.get("benchmark")), params,
                String.valueOf(row.get("mode")), (int)Json.number(row.get("threads")), Json.number(primary.get("score")),
                Json.number(primary.get("scoreError")), String.valueOf(primary.get("scoreUnit")), metrics, List.of()));
        }
    }

    /**
     * Reads one {@code .hgrm} file (values in microseconds).
     *
     * @param f the file.
     * @return the measurement, named after the file's stem.
     * @throws IOException if it cannot be read or holds no rows.
     */
    public static Measurement readHgrm(final Path f) throws IOException
    {
        final List<double[]> curve = new ArrayList<>();
        final Map<String, Double> footer = new HashMap<>();
        for (final String raw : Files.readAllLines(f, StandardCharsets.UTF_8))
        {
            final String line = raw.trim();
            if (line.startsWith("#"))
            {
                final Matcher m = FOOTER.matcher(line);
                if (m.matches())
                {
                    footer.put(m.group(1).trim().toLowerCase(Locale.ROOT), Double.parseDouble(m.group(2)));
                    footer.put(m.group(3).trim().toLowerCase(Locale.ROOT), Double.parseDouble(m.group(4)));
                }
                continue;
            }
            final String[] cols = line.split("\\s+");
            if (cols.length < 3 || !Character.isDigit(cols[0].charAt(0)))
            {
                continue;
            }
            try
            {
                curve.add(new double[] {Double.parseDouble(cols[1]), Double.parseDouble(cols[0]), Double.parseDouble(cols[2])});
            }
            catch (final NumberFormatException e)
            {
                // a header line such as "Value Percentile ..."
            }
        }
        if (curve.isEmpty())
        {
            throw new IOException("no percentile rows");
        }
        final Map<String, Double> metrics = new HashMap<>();
        for (final double p : new double[] {50, 90, 99, 99.9, 99.99})
        {
            metrics.put(percentileKey(p), valueAt(curve, p / 100));
        }
        final double[] last = curve.get(curve.size() - 1);
        metrics.put("max", footer.getOrDefault("max", last[1]));
        metrics.put("count", footer.getOrDefault("total count", last[2]));
        if (footer.containsKey("mean"))
        {
            metrics.put("mean", footer.get("mean"));
        }
        final String n = f.getFileName().toString();
        final List<double[]> points = new ArrayList<>(curve.size());
        for (final double[] c : curve)
        {
            points.add(new double[] {c[0], c[1]});
        }
        return new Measurement(n, n.substring(0, n.length() - HistogramFiles.SUFFIX.length()), Map.of(), "latency", 0,
            Double.NaN, Double.NaN, "µs", metrics, points);
    }

    /**
     * The metric name of a percentile: {@code p50}, {@code p99.9}.
     *
     * @param p the percentile, 0..100.
     * @return the key.
     */
    public static String percentileKey(final double p)
    {
        return "p" + (p == Math.rint(p) ? Long.toString((long)p) : Double.toString(p));
    }

    /** Value of the first row whose cumulative fraction reaches {@code q}. */
    static double valueAt(final List<double[]> curve, final double q)
    {
        for (final double[] c : curve)
        {
            if (c[0] >= q - 1e-12)
            {
                return c[1];
            }
        }
        return curve.get(curve.size() - 1)[1];
    }

    private void readHarnessTables(final Path f, final String harness) throws IOException
    {
        final List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        int found = 0;
        for (int i = 0; i + 1 < lines.size(); i++)
        {
            if (!lines.get(i).trim().startsWith("|") || !lines.get(i + 1).trim().matches("\\|[-:| ]+\\|"))
            {
                continue;
            }
            final List<String> header = cells(lines.get(i));
            int j = i + 2;
            for (; j < lines.size() && lines.get(j).trim().startsWith("|"); j++)
            {
                final List<String> cells = cells(lines.get(j));
                if (cells.size() != header.size())
                {
                    continue;
                }
                final Map<String, String> params = new LinkedHashMap<>();
                final Map<String, Double> metrics = new HashMap<>();
                double score = Double.NaN;
                for (int c = 1; c < header.size(); c++)
                {
                    final String h = header.get(c).toLowerCase(Locale.ROOT);
                    final String v = cells.get(c);
                    if (PARAM_COLUMNS.contains(h))
                    {
                        params.put(h, v);
                        continue;
                    }
                    final double x = parseNumber(v);
                    final Matcher pm = PCT_COLUMN.matcher(h);
                    final Matcher mm = MAX_COLUMN.matcher(h);
                    if (h.equals("ops/s"))
                    {
                        score = x;
                    }
                    else if (pm.matches())
                    {
                        metrics.put(percentileKey(Double.parseDouble(pm.group(1))), toMicros(x, pm.group(2)));
                    }
                    else if (mm.matches())
                    {
                        metrics.put("max", toMicros(x, mm.group(1)));
                    }
                    else if (!Double.isNaN(x))
                    {
                        // Any other numeric column is a metric under its header (e.g. bytes/lock).
                        metrics.put(h, x);
                    }
                }
                measurements.add(new Measurement(f.getFileName().toString(), harness + "." + cells.get(0), params,
                    "thrpt", 0, score, Double.NaN, "ops/s", metrics, List.of()));
                found++;
            }
            i = j - 1;
        }
        if (found == 0)
        {
            problems.add(f.getFileName() + ": no result table in the harness output");
        }
    }

    private static List<String> cells(final String line)
    {
        String t = line.trim();
        t = t.substring(1, t.endsWith("|") ? t.length() - 1 : t.length());
        final List<String> out = new ArrayList<>();
        for (final String c : t.split("\\|", -1))
        {
            out.add(c.trim());
        }
        return out;
    }

    private static double parseNumber(final String v)
    {
        try
        {
            return Double.parseDouble(v.replace(",", "").replace("x", ""));
        }
        catch (final NumberFormatException e)
        {
            return Double.NaN;
        }
    }

    private static double toMicros(final double v, final String unit)
    {
        return switch (unit)
        {
            case "ms" -> v * 1e3;
            case "ns" -> v / 1e3;
            default -> v;
        };
    }
}

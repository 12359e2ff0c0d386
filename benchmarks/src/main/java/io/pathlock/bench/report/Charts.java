package io.pathlock.bench.report;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.LineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Draws the report's PNG charts with JFreeChart (headless): scaling charts from
 * {@link Catalogue#CHARTS} (a log-scale value by categories of one parameter, one line per method
 * and remaining parameters) and latency percentile curves (one chart per {@code .hgrm} scenario, one
 * line per contender, on HdrHistogram's usual "1/(1-percentile)" log axis). Not thread-safe.
 */
public final class Charts
{
    /** Width of every chart in pixels. */
    public static final int WIDTH = 900;

    /** Height of every chart in pixels. */
    public static final int HEIGHT = 520;

    /** A chart written. */
    public record Chart(Catalogue.Area area, String title, Path file)
    {
    }

    /** Distinct colours that stay readable on white. */
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)};

    private Charts()
    {
    }

    /**
     * Draws every chart that has data.
     *
     * @param all the run's measurements.
     * @param dir where to write the PNG files (created if missing).
     * @return the charts written, in catalogue order then latency scenarios.
     * @throws IOException if a file cannot be written.
     */
    public static List<Chart> drawAll(final List<Measurement> all, final Path dir) throws IOException
    {
        System.setProperty("java.awt.headless", "true");
        final List<Chart> out = new ArrayList<>();
        for (final Catalogue.ChartSpec spec : Catalogue.CHARTS)
        {
            final List<Measurement> rows = all.stream().filter(m -> spec.subjects().matches(m)).toList();
            if (rows.stream().anyMatch(m -> m.param(spec.xParam()) != null))
            {
                Files.createDirectories(dir);
                final Path f = dir.resolve(spec.file() + ".png");
                scaling(spec, rows, f);
                out.add(new Chart(Catalogue.areaOf(rows.get(0)), spec.title(), f));
            }
        }
        for (final Map.Entry<String, List<Measurement>> e : latencyScenarios(all).entrySet())
        {
            Files.createDirectories(dir);
            final Path f = dir.resolve(e.getKey() + ".png");
            latency(e.getKey(), e.getValue(), f);
            out.add(new Chart(Catalogue.areaOf(e.getValue().get(0)), "Latency by percentile: " + e.getKey(), f));
        }
        return out;
    }

    /**
     * Groups {@code .hgrm} measurements by scenario: the stem without its last {@code -contender}.
     *
     * @param all the run's measurements.
     * @return scenario → its histograms, sorted by scenario.
     */
    public static Map<String, List<Measurement>> latencyScenarios(final List<Measurement> all)
    {
        final Map<String, List<Measurement>> m = new TreeMap<>();
        for (final Measurement x : all)
        {
            if (!x.curve().isEmpty())
            {
                m.computeIfAbsent(scenarioOf(x.name()), k -> new ArrayList<>()).add(x);
            }
        }
        return m;
    }

    /**
     * The scenario of an {@code .hgrm} stem.
     *
     * @param stem e.g. {@code handoff-inprocess-pathlock}.
     * @return e.g. {@code handoff-inprocess}.
     */
    public static String scenarioOf(final String stem)
    {
        final int dash = stem.lastIndexOf('-');
        return dash > 0 ? stem.substring(0, dash) : stem;
    }

    /**
     * The contender of an {@code .hgrm} stem.
     *
     * @param stem e.g. {@code handoff-inprocess-pathlock}.
     * @return e.g. {@code pathlock}.
     */
    public static String contenderOf(final String stem)
    {
        return stem.substring(stem.lastIndexOf('-') + 1);
    }

    static void scaling(final Catalogue.ChartSpec spec, final List<Measurement> rows, final Path file) throws IOException
    {
        // keep the most common unit of the metric
        final Map<String, Integer> units = new HashMap<>();
        rows.forEach(m -> units.merge(m.unitOf(spec.subjects().metric()), 1, Integer::sum));
        final String unit = units.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        final List<Measurement> kept = rows.stream().filter(m -> m.unitOf(spec.subjects().metric()).equals(unit)).toList();

        // x categories, numerically sorted when they are numbers
        final Set<String> xs = new LinkedHashSet<>();
        kept.stream().map(m -> m.param(spec.xParam())).filter(v -> v != null).sorted(Charts::compareValues).forEach(xs::add);
        // parameters other than x that vary across the chart name the series
        final Map<String, Set<String>> values = new HashMap<>();
        kept.forEach(m -> m.params().forEach((k, v) -> values.computeIfAbsent(k, z -> new LinkedHashSet<>()).add(v)));

        final DefaultCategoryDataset ds = new DefaultCategoryDataset();
        for (final Measurement m : kept)
        {
            final StringBuilder series = new StringBuilder(method(m.name()).replaceAll(spec.seriesSuffix(), ""));
            new TreeMap<>(m.params()).forEach((k, v) ->
            {
                if (!k.equals(spec.xParam()) && values.get(k).size() > 1)
                {
                    series.append(' ').append(v);
                }
            });
            final double y = m.value(spec.subjects().metric());
            if (!(y > 0))
            {
                continue;
            }
            final String x = m.param(spec.xParam());
            if (x == null)
            {
                for (final String cx : xs)
                {
                    ds.addValue(y, series.toString(), cx);
                }
            }
            else
            {
                ds.addValue(y, series.toString(), x);
            }
        }
        final JFreeChart chart = ChartFactory.createLineChart(spec.title(), spec.xParam(), unit, ds,
            PlotOrientation.VERTICAL, true, false, false);
        final CategoryPlot plot = chart.getCategoryPlot();
        plot.setRangeAxis(valueAxis(unit, ds.getRowCount() == 0 ? List.of() : values(ds)));
        final LineAndShapeRenderer r = (LineAndShapeRenderer)plot.getRenderer();
        r.setDefaultShapesVisible(true);
        r.setDefaultStroke(new BasicStroke(2f));
        for (int i = 0; i < ds.getRowCount(); i++)
        {
            r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            r.setSeriesStroke(i, new BasicStroke(2f));
        }
        style(chart);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
    }

    static void latency(final String scenario, final List<Measurement> rows, final Path file) throws IOException
    {
        final XYSeriesCollection ds = new XYSeriesCollection();
        for (final Measurement m : rows)
        {
            final XYSeries s = new XYSeries(contenderOf(m.name()), false, true);
            for (final double[] p : m.curve())
            {
                if (p[0] < 1 && p[1] > 0)
                {
                    s.add(1 / (1 - p[0]), p[1]);
                }
            }
            if (s.getItemCount() > 0)
            {
                ds.addSeries(s);
            }
        }
        final JFreeChart chart = ChartFactory.createXYLineChart("Latency by percentile: " + scenario, "percentile",
            "µs (log scale)", ds, PlotOrientation.VERTICAL, true, false, false);
        final XYPlot plot = chart.getXYPlot();
        plot.setDomainAxis(logAxis("percentile", new PercentileFormat()));
        final List<Double> ys = new ArrayList<>();
        for (int i = 0; i < ds.getSeriesCount(); i++)
        {
            for (int j = 0; j < ds.getItemCount(i); j++)
            {
                ys.add(ds.getYValue(i, j));
            }
        }
        plot.setRangeAxis(valueAxis("µs", ys));
        final XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < ds.getSeriesCount(); i++)
        {
            r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            r.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(r);
        style(chart);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
    }

    private static List<Double> values(final DefaultCategoryDataset ds)
    {
        final List<Double> v = new ArrayList<>();
        for (int r = 0; r < ds.getRowCount(); r++)
        {
            for (int c = 0; c < ds.getColumnCount(); c++)
            {
                final Number n = ds.getValue(r, c);
                if (n != null)
                {
                    v.add(n.doubleValue());
                }
            }
        }
        return v;
    }

    /**
     * A log axis when the values span more than about a decade (labelled at powers of ten), else a
     * linear axis from zero: a log axis over a narrow range would show no labelled tick at all.
     */
    private static ValueAxis valueAxis(final String unit, final List<Double> values)
    {
        final double min = values.stream().mapToDouble(Double::doubleValue).filter(v -> v > 0).min().orElse(1);
        final double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(1);
        if (max / min >= 15)
        {
            return logAxis(unit + " (log scale)", new DecimalFormat("#,##0.###", DecimalFormatSymbols.getInstance(Locale.ROOT)));
        }
        final NumberAxis a = new NumberAxis(unit);
        a.setAutoRangeIncludesZero(true);
        a.setNumberFormatOverride(new DecimalFormat("#,##0.###", DecimalFormatSymbols.getInstance(Locale.ROOT)));
        return a;
    }

    /** A log axis with a tick per power of ten, labelled by {@code format}. */
    private static LogAxis logAxis(final String label, final NumberFormat format)
    {
        final LogAxis a = new LogAxis(label);
        a.setSmallestValue(1e-6);
        a.setNumberFormatOverride(format);
        a.setTickUnit(new NumberTickUnit(1.0), false, true);
        a.setMinorTickCount(9);
        a.setMinorTickMarksVisible(true);
        return a;
    }

    private static void style(final JFreeChart chart)
    {
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
    }

    private static String method(final String name)
    {
        return name.contains("-") ? contenderOf(name) : name.substring(name.lastIndexOf('.') + 1);
    }

    private static int compareValues(final String a, final String b)
    {
        try
        {
            return Double.compare(Double.parseDouble(a), Double.parseDouble(b));
        }
        catch (final NumberFormatException e)
        {
            return a.compareTo(b);
        }
    }

    /** Formats an x of 1/(1-p) as the percentile p: 10 → 90%, 1000 → 99.9%. */
    static final class PercentileFormat extends NumberFormat
    {
        private static final long serialVersionUID = 1L;

        @Override
        public StringBuffer format(final double number, final StringBuffer toAppendTo, final FieldPosition pos)
        {
            final double p = (1 - 1 / number) * 100;
            String s = String.format(Locale.ROOT, "%.6f", p).replaceAll("0+$", "").replaceAll("\\.$", "");
            if (p <= 0)
            {
                s = "0";
            }
            return toAppendTo.append(s).append('%');
        }

        @Override
        public StringBuffer format(final long number, final StringBuffer toAppendTo, final FieldPosition pos)
        {
            return format((double)number, toAppendTo, pos);
        }

        @Override
        public Number parse(final String source, final ParsePosition parsePosition)
        {
            return null;
        }
    }
}

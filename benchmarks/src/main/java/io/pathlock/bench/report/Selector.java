package io.pathlock.bench.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Picks measurements by name, pinned parameters and metric, written in one string:
 * {@code name[k=v,k=v]#metric}.
 * <ul>
 *   <li>{@code name}: a JMH benchmark relative to {@code io.pathlock.bench.} (or a full name starting
 *       with {@code io.}), a harness row ({@code redo.RedoBeginBenchmark.redo}), or an {@code .hgrm} stem
 *       (any name with a {@code -}, e.g. {@code handoff-inprocess-pathlock}); {@code *} matches any
 *       characters;</li>
 *   <li>{@code [k=v]}: only rows with these parameter values (for a baseline: pinned, instead of
 *       "the same value as the row compared");</li>
 *   <li>{@code #metric}: {@code score} (default), or a metric such as {@code p99}.</li>
 * </ul>
 *
 * @param text the selector as written.
 * @param name the full name it selects ({@code *} as written).
 * @param pattern the name pattern, anchored.
 * @param pinned the pinned parameters.
 * @param metric the metric.
 */
public record Selector(String text, String name, Pattern pattern, Map<String, String> pinned, String metric)
{
    /**
     * Parses a selector.
     *
     * @param text the selector.
     * @return it.
     */
    public static Selector of(final String text)
    {
        String rest = text;
        String metric = "score";
        final int hash = rest.indexOf('#');
        if (hash >= 0)
        {
            metric = rest.substring(hash + 1);
            rest = rest.substring(0, hash);
        }
        final Map<String, String> pinned = new LinkedHashMap<>();
        final int br = rest.indexOf('[');
        if (br >= 0)
        {
            if (!rest.endsWith("]"))
            {
                throw new IllegalArgumentException("selector '" + text + "': missing ]");
            }
            for (final String kv : rest.substring(br + 1, rest.length() - 1).split(","))
            {
                final String[] p = kv.split("=", 2);
                if (p.length != 2)
                {
                    throw new IllegalArgumentException("selector '" + text + "': bad parameter '" + kv + "'");
                }
                pinned.put(p[0].trim(), p[1].trim());
            }
            rest = rest.substring(0, br);
        }
        final String full = rest.contains("-") || rest.startsWith("io.") ? rest : Catalogue.PACKAGE + rest;
        final StringBuilder re = new StringBuilder();
        for (final String part : full.split("\\*", -1))
        {
            if (re.length() > 0)
            {
                re.append(".*");
            }
            re.append(Pattern.quote(part));
        }
        return new Selector(text, full, Pattern.compile(re.toString()), Map.copyOf(pinned), metric);
    }

    /**
     * Whether a measurement is selected: name matches, pinned parameters equal.
     *
     * @param m the measurement.
     * @return true if selected.
     */
    public boolean matches(final Measurement m)
    {
        if (!pattern.matcher(m.name()).matches())
        {
            return false;
        }
        for (final Map.Entry<String, String> e : pinned.entrySet())
        {
            if (!e.getValue().equals(m.param(e.getKey())))
            {
                return false;
            }
        }
        return !Double.isNaN(m.value(metric));
    }

    /**
     * The baseline of a row among all measurements: selected by this selector, and for every parameter
     * that both have and this selector does not pin, the same value as the row.
     *
     * @param row the row compared.
     * @param all every measurement of the run.
     * @return the baseline, or null.
     */
    public Measurement baselineFor(final Measurement row, final List<Measurement> all)
    {
        for (final Measurement b : all)
        {
            if (b == row || !matches(b))
            {
                continue;
            }
            boolean same = true;
            for (final Map.Entry<String, String> e : b.params().entrySet())
            {
                if (pinned.containsKey(e.getKey()))
                {
                    continue;
                }
                final String v = row.param(e.getKey());
                if (v != null && !v.equals(e.getValue()))
                {
                    same = false;
                    break;
                }
            }
            if (same)
            {
                return b;
            }
        }
        return null;
    }

    /**
     * A short label: the last name segment, pinned parameters and a non-default metric.
     *
     * @return e.g. {@code naive}, {@code baseline[threads=1] p50}.
     */
    public String label()
    {
        String n = text;
        final int hash = n.indexOf('#');
        if (hash >= 0)
        {
            n = n.substring(0, hash);
        }
        final int br = n.indexOf('[');
        final String base = br >= 0 ? n.substring(0, br) : n;
        final String pins = br >= 0 ? n.substring(br) : "";
        final String last = base.contains("-") ? base.substring(base.lastIndexOf('-') + 1) : base.substring(base.lastIndexOf('.') + 1);
        return last + pins + (metric.equals("score") ? "" : " " + metric);
    }
}

package io.pathlock.bench.report;

import java.util.Locale;

/** Number and label formatting of the report. Stateless; thread-safe. */
public final class Format
{
    private Format()
    {
    }

    /**
     * A value with about three significant digits and thousands separators.
     *
     * @param v the value.
     * @return text, {@code –} for NaN.
     */
    public static String value(final double v)
    {
        if (Double.isNaN(v) || Double.isInfinite(v))
        {
            return "–";
        }
        final double a = Math.abs(v);
        if (a >= 1000)
        {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100)
        {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10)
        {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 1)
        {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        if (a == 0)
        {
            return "0";
        }
        return String.format(Locale.ROOT, "%.3g", v);
    }

    /**
     * A ratio with its error: {@code 3.21x ± 0.12}.
     *
     * @param r the ratio.
     * @param e its error, NaN if unknown.
     * @return text.
     */
    public static String ratio(final double r, final double e)
    {
        if (Double.isNaN(r))
        {
            return "–";
        }
        return Double.isNaN(e) ? value(r) + "x" : value(r) + "x ± " + value(e);
    }

    /**
     * The error of a / b from the errors of a and b (relative errors added in quadrature).
     *
     * @param a numerator.
     * @param ea its error, NaN if unknown.
     * @param b denominator.
     * @param eb its error, NaN if unknown.
     * @return the error of the ratio, NaN if either is unknown.
     */
    public static double ratioError(final double a, final double ea, final double b, final double eb)
    {
        if (Double.isNaN(ea) || Double.isNaN(eb) || a == 0 || b == 0)
        {
            return Double.NaN;
        }
        final double r = a / b;
        return Math.abs(r) * Math.sqrt(Math.pow(ea / a, 2) + Math.pow(eb / b, 2));
    }

    /**
     * A row's short label: class-and-method (or stem) and its parameters.
     *
     * @param m the row.
     * @return e.g. {@code LockDepthBenchmark.table[depth=4, type=POINT]}.
     */
    public static String rowLabel(final Measurement m)
    {
        String n = m.shortName();
        final int dot = n.lastIndexOf('.');
        final int prev = dot > 0 ? n.lastIndexOf('.', dot - 1) : -1;
        if (prev >= 0)
        {
            n = n.substring(prev + 1);
        }
        final String p = m.paramText();
        return p.isEmpty() ? n : n + "[" + p + "]";
    }

    /**
     * Escapes a table cell.
     *
     * @param s text.
     * @return text safe inside a Markdown table cell.
     */
    public static String cell(final String s)
    {
        return s.replace("|", "\\|").replace("\n", " ");
    }
}

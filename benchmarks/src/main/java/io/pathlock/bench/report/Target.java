package io.pathlock.bench.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * A figure an issue promises, checked against one run: a ratio to a baseline measured in the same run
 * (at most / at least a limit) or an absolute value (at most a limit); or a figure an issue asks for
 * without setting a number ({@link Rule#REPORTED}: shown in the headline table, never met or missed).
 *
 * @param id short id, e.g. {@code 2.1}.
 * @param issue the issue that states it.
 * @param text what the issue says, in a line.
 * @param subject the rows checked.
 * @param baseline their baseline, null for an absolute target.
 * @param rule how the value is compared with the limit.
 * @param limit the limit (a ratio, or a value in the subject metric's unit); NaN for {@link Rule#REPORTED}.
 * @param over which subject rows count.
 * @param standIn when no subject row exists: a related comparison to show instead (subject and
 *        baseline selectors), or null.
 * @param relativeTo for a scaling target: the baseline's own ratio (subject and baseline selectors,
 *        rows with the subject row's parameters) that the subject's ratio is divided by, or null.
 */
public record Target(
    String id,
    int issue,
    String text,
    Selector subject,
    Selector baseline,
    Rule rule,
    double limit,
    Over over,
    Selector[] standIn,
    Selector[] relativeTo)
{
    /** How the measured value is compared with the limit. */
    public enum Rule
    {
        /** subject / baseline must be at most the limit. */
        RATIO_AT_MOST,
        /** subject / baseline must be at least the limit. */
        RATIO_AT_LEAST,
        /** the subject's value must be at most the limit. */
        AT_MOST,
        /** the issue sets no number: the ratio to the baseline (or the value, without one) is reported, not judged. */
        REPORTED
    }

    /** Which rows a target is checked on. */
    public enum Over
    {
        /** every matching row is checked and reported. */
        EACH,
        /** only the best matching row counts ("the best backend"). */
        BEST
    }

    /** Outcome of a check. */
    public enum Status
    {
        /** the limit is met. */
        MET,
        /** the limit is missed. */
        MISSED,
        /** no row to check. */
        NOT_MEASURED,
        /** measured and shown, not judged ({@link Rule#REPORTED}). */
        REPORTED
    }

    /**
     * One checked row.
     *
     * @param target the target.
     * @param row the subject row, null if not measured.
     * @param base the baseline row, null for absolute targets.
     * @param value the ratio or absolute value.
     * @param error its error, NaN if unknown.
     * @param status the outcome.
     * @param note why not measured, or the stand-in figure.
     */
    public record Check(Target target, Measurement row, Measurement base, double value, double error, Status status, String note)
    {
        /**
         * "measured" cell text.
         *
         * @return text.
         */
        public String measuredText()
        {
            if (status == Status.NOT_MEASURED)
            {
                return "not measured";
            }
            final String v = target.baseline() == null
                ? Format.value(value) + " " + row.unitOf(target.subject().metric()) : Format.ratio(value, error);
            final StringBuilder sb = new StringBuilder(v);
            sb.append(" (").append(Format.rowLabel(row)).append(' ').append(Format.value(row.value(target.subject().metric())))
                .append(' ').append(row.unitOf(target.subject().metric()));
            if (base != null)
            {
                sb.append(" vs ").append(Format.rowLabel(base)).append(' ').append(Format.value(base.value(target.baseline().metric())))
                    .append(' ').append(base.unitOf(target.baseline().metric()));
            }
            if (target.relativeTo() != null)
            {
                sb.append(", divided by the same ratio of ").append(target.relativeTo()[0].label()).append(" vs ")
                    .append(target.relativeTo()[1].label());
            }
            return sb.append(')').toString();
        }

        /**
         * "verdict" cell text: met or missed and by how much, or why it was not measured.
         *
         * @return text.
         */
        public String verdictText()
        {
            if (status == Status.NOT_MEASURED)
            {
                return "**not measured**: " + note;
            }
            if (status == Status.REPORTED)
            {
                return "reported: the issue sets no number (" + (target.baseline() == null ? Format.value(value)
                    : Format.value(value) + "x the baseline") + ")";
            }
            final String lim = target.rule() == Rule.AT_MOST ? Format.value(target.limit()) : Format.value(target.limit()) + "x";
            final String val = target.rule() == Rule.AT_MOST ? Format.value(value) : Format.value(value) + "x";
            final boolean atLeast = target.rule() == Rule.RATIO_AT_LEAST;
            final String within = withinError() ? "; the limit is within the error" : "";
            if (status == Status.MET)
            {
                final double headroom = atLeast ? value / target.limit() : target.limit() / value;
                return String.format(Locale.ROOT, "**met**: %s %s %s (%.2fx headroom%s)", val, atLeast ? "≥" : "≤", lim, headroom, within);
            }
            final double by = atLeast ? (1 - value / target.limit()) * 100 : (value / target.limit() - 1) * 100;
            return String.format(Locale.ROOT, "**missed** by %.0f%%: %s %s %s%s", by, val, atLeast ? "<" : ">", lim, within);
        }

        boolean withinError()
        {
            return !Double.isNaN(error) && Math.abs(value - target.limit()) <= error;
        }
    }

    /**
     * Checks this target against a run.
     *
     * @param all every measurement of the run.
     * @return one check per subject row (one for {@link Over#BEST}), or one NOT_MEASURED check.
     */
    public List<Check> check(final List<Measurement> all)
    {
        final List<Check> checks = new ArrayList<>();
        for (final Measurement m : all)
        {
            if (!subject.matches(m))
            {
                continue;
            }
            final Measurement b = baseline == null ? null : baseline.baselineFor(m, all);
            if (baseline != null && b == null)
            {
                checks.add(new Check(this, null, null, Double.NaN, Double.NaN, Status.NOT_MEASURED,
                    "no baseline " + baseline.text() + " for " + Format.rowLabel(m) + " in this run"));
                continue;
            }
            double v = value(m, b);
            double e = b == null ? m.errorOf(subject.metric()) : Format.ratioError(m.value(subject.metric()),
                m.errorOf(subject.metric()), b.value(baseline.metric()), b.errorOf(baseline.metric()));
            if (relativeTo != null)
            {
                final Measurement rs = relativeTo[0].baselineFor(m, all);
                final Measurement rb = relativeTo[1].baselineFor(m, all);
                if (rs == null || rb == null)
                {
                    checks.add(new Check(this, null, null, Double.NaN, Double.NaN, Status.NOT_MEASURED,
                        "no " + relativeTo[0].text() + " / " + relativeTo[1].text() + " for " + Format.rowLabel(m) + " in this run"));
                    continue;
                }
                final double rv = rs.value(relativeTo[0].metric()) / rb.value(relativeTo[1].metric());
                final double re = Format.ratioError(rs.value(relativeTo[0].metric()), rs.errorOf(relativeTo[0].metric()),
                    rb.value(relativeTo[1].metric()), rb.errorOf(relativeTo[1].metric()));
                e = Format.ratioError(v, e, rv, re);
                v = v / rv;
            }
            final Status status = switch (rule)
            {
                case RATIO_AT_MOST, AT_MOST -> v <= limit ? Status.MET : Status.MISSED;
                case RATIO_AT_LEAST -> v >= limit ? Status.MET : Status.MISSED;
                case REPORTED -> Status.REPORTED;
            };
            checks.add(new Check(this, m, b, v, e, status, ""));
        }
        final List<Check> measured = checks.stream().filter(c -> c.status() != Status.NOT_MEASURED).toList();
        if (over == Over.BEST && !measured.isEmpty())
        {
            final Comparator<Check> byValue = Comparator.comparingDouble(Check::value);
            return List.of(rule == Rule.RATIO_AT_LEAST ? measured.stream().max(byValue).orElseThrow()
                : measured.stream().min(byValue).orElseThrow());
        }
        if (checks.isEmpty())
        {
            checks.add(new Check(this, null, null, Double.NaN, Double.NaN, Status.NOT_MEASURED, notMeasuredNote(all)));
        }
        return checks;
    }

    private double value(final Measurement m, final Measurement b)
    {
        final double v = m.value(subject.metric());
        return b == null ? v : v / b.value(baseline.metric());
    }

    private String notMeasuredNote(final List<Measurement> all)
    {
        final StringBuilder sb = new StringBuilder("no result for `").append(subject.text()).append("` in this run");
        if (standIn != null)
        {
            final Target proxy = new Target(id, issue, text, standIn[0], standIn[1], rule, limit, over, null, null);
            final List<Check> c = proxy.check(all).stream().filter(x -> x.status() != Status.NOT_MEASURED).toList();
            if (!c.isEmpty())
            {
                final Check best = c.get(0);
                sb.append("; stand-in from a lower layer: ").append(Format.rowLabel(best.row())).append(" vs ")
                    .append(Format.rowLabel(best.base())).append(" = ").append(Format.ratio(best.value(), best.error()));
            }
        }
        return sb.toString();
    }

    /**
     * The same target checked only on the best row.
     *
     * @return a copy.
     */
    public Target best()
    {
        return new Target(id, issue, text, subject, baseline, rule, limit, Over.BEST, standIn, relativeTo);
    }

    /**
     * The same target as a scaling target: the subject's ratio to its baseline divided by the ratio
     * of another pair measured beside it (e.g. 2 threads / 1 thread of the engine over the same of a
     * JDK lock).
     *
     * @param relSubject the other pair's subject selector.
     * @param relBaseline its baseline selector.
     * @return a copy.
     */
    public Target relativeTo(final String relSubject, final String relBaseline)
    {
        return new Target(id, issue, text, subject, baseline, rule, limit, over, standIn,
            new Selector[] {Selector.of(relSubject), Selector.of(relBaseline)});
    }

    /**
     * The same target with a stand-in comparison shown while the subject is not measured.
     *
     * @param standInSubject the stand-in's subject selector.
     * @param standInBaseline its baseline selector.
     * @return a copy.
     */
    public Target standIn(final String standInSubject, final String standInBaseline)
    {
        return new Target(id, issue, text, subject, baseline, rule, limit, over,
            new Selector[] {Selector.of(standInSubject), Selector.of(standInBaseline)}, relativeTo);
    }
}

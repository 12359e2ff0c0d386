package io.pathlock.bench.report;

import io.pathlock.cli.PercentileTable;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Writes {@code BENCHMARKS.md} from a results directory: the issues' targets with their measured
 * ratios (met, or missed by how much), the machine, the exact command, one section per area with a
 * table of every result (score, error, unit, ratio to its baseline from the same run, target) and
 * the PNG charts, percentile tables of the {@code .hgrm} latency files, and what was skipped or
 * failed.
 *
 * <p>The results directory holds what {@code run-all.sh} ({@link io.pathlock.bench.suite.SuiteRunner})
 * wrote: JMH JSON files, {@code .hgrm} files, harness outputs and {@code run.properties} (how it was
 * run, the machine). Without {@code run.properties} (results gathered by hand), the machine facts are
 * collected when the report is generated, and the report says so.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.pathlock.bench.report.ReportGenerator \
 *     --results benchmarks/results/2026-11-25 [--out benchmarks/BENCHMARKS.md] [--charts DIR] [--notice TEXT]
 * </pre>
 * Not thread-safe.
 */
public final class ReportGenerator
{
    /** Name of the run description file in a results directory. */
    public static final String RUN_PROPERTIES = "run.properties";

    /** A 1-minute load average above this at the start makes the report warn that the machine was busy. */
    public static final double QUIET_LOAD = 0.5;

    private final Path results;
    private final Path out;
    private final Path chartsDir;
    private final Properties run = new Properties();
    private final List<String> notices = new ArrayList<>();
    private List<Measurement> all;
    private final Map<Measurement, List<Target.Check>> checksByRow = new IdentityHashMap<>();
    private final Set<Measurement> baselines = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

    private ReportGenerator(final Path results, final Path out, final Path chartsDir)
    {
        this.results = results;
        this.out = out;
        this.chartsDir = chartsDir;
    }

    /**
     * Command line entry point.
     *
     * @param args {@code --results DIR [--out FILE] [--charts DIR] [--notice TEXT]}.
     * @throws IOException if the results cannot be read or the report written.
     */
    public static void main(final String[] args) throws IOException
    {
        Path results = null;
        Path out = null;
        Path charts = null;
        final List<String> notices = new ArrayList<>();
        for (int i = 0; i < args.length; i++)
        {
            final String a = args[i];
            if (i + 1 >= args.length)
            {
                throw new IllegalArgumentException(a + " needs a value (use --results DIR [--out FILE] [--charts DIR] [--notice TEXT])");
            }
            switch (a)
            {
                case "--results" -> results = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--charts" -> charts = Path.of(args[++i]);
                case "--notice" -> notices.add(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument '" + a
                    + "' (use --results DIR [--out FILE] [--charts DIR] [--notice TEXT])");
            }
        }
        if (results == null)
        {
            throw new IllegalArgumentException("--results DIR is required");
        }
        final Path o = out == null ? results.resolve("BENCHMARKS.md") : out;
        final Path c = charts == null ? results.resolve("charts") : charts;
        final Report r = generate(results, o, c, notices);
        System.out.println("report: " + o + " (" + r.measurements() + " results, " + r.charts() + " charts, targets: "
            + r.met() + " met, " + r.missed() + " missed, " + r.reported() + " reported, " + r.notMeasured()
            + " not measured)");
        for (final String p : r.problems())
        {
            System.out.println("  problem: " + p);
        }
    }

    /**
     * What a generation produced.
     *
     * @param measurements results read.
     * @param charts charts drawn.
     * @param met targets met.
     * @param missed targets missed.
     * @param reported figures reported without a limit ({@link Target.Rule#REPORTED}), neither met nor missed.
     * @param notMeasured targets not measured.
     * @param problems unreadable files and chart errors.
     */
    public record Report(int measurements, int charts, int met, int missed, int reported, int notMeasured,
        List<String> problems)
    {
    }

    /**
     * Generates the report.
     *
     * @param results the results directory.
     * @param out the Markdown file to write.
     * @param chartsDir where to draw the charts (linked relative to {@code out}).
     * @param extraNotices notices to print at the top.
     * @return a summary.
     * @throws IOException if the results cannot be read or the report written.
     */
    public static Report generate(final Path results, final Path out, final Path chartsDir, final List<String> extraNotices)
        throws IOException
    {
        final ReportGenerator g = new ReportGenerator(results, out, chartsDir);
        g.notices.addAll(extraNotices);
        return g.write();
    }

    private Report write() throws IOException
    {
        final Path props = results.resolve(RUN_PROPERTIES);
        if (Files.exists(props))
        {
            try (Reader r = Files.newBufferedReader(props, StandardCharsets.UTF_8))
            {
                run.load(r);
            }
        }
        else
        {
            MachineInfo.collect(results).forEach(run::setProperty);
            run.setProperty("started", MachineInfo.now());
            notices.add("No `" + RUN_PROPERTIES + "` in the results directory: these results were not written by "
                + "`benchmarks/run-all.sh`, and the machine facts below were collected when the report was generated.");
        }
        final Set<String> tableHarnesses = Catalogue.HARNESSES.stream().filter(Catalogue.Harness::tablesInStdout)
            .map(Catalogue.Harness::className).collect(Collectors.toSet());
        final ResultsReader reader = ResultsReader.read(results, tableHarnesses);
        all = reader.measurements();
        final List<String> problems = new ArrayList<>(reader.problems());

        List<Charts.Chart> charts = List.of();
        try
        {
            charts = Charts.drawAll(all, chartsDir);
        }
        catch (final IOException | RuntimeException | Error e)
        {
            problems.add("charts not drawn: " + e);
        }

        final List<Target.Check> checks = new ArrayList<>();
        for (final Target t : Catalogue.TARGETS)
        {
            for (final Target.Check c : t.check(all))
            {
                checks.add(c);
                if (c.row() != null)
                {
                    checksByRow.computeIfAbsent(c.row(), k -> new ArrayList<>()).add(c);
                }
                if (c.base() != null)
                {
                    baselines.add(c.base());
                }
            }
        }
        for (final Catalogue.Comparison c : Catalogue.COMPARISONS)
        {
            for (final Measurement m : all)
            {
                if (c.subject().matches(m))
                {
                    final Measurement b = c.baseline().baselineFor(m, all);
                    if (b != null)
                    {
                        baselines.add(b);
                    }
                }
            }
        }

        final StringBuilder md = new StringBuilder();
        header(md, checks);
        machine(md);
        regenerate(md);
        for (final Catalogue.Area area : Catalogue.Area.values())
        {
            area(md, area, charts);
        }
        steps(md, problems);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md.toString(), StandardCharsets.UTF_8);

        final int met = (int)checks.stream().filter(c -> c.status() == Target.Status.MET).count();
        final int missed = (int)checks.stream().filter(c -> c.status() == Target.Status.MISSED).count();
        final int reported = (int)checks.stream().filter(c -> c.status() == Target.Status.REPORTED).count();
        return new Report(all.size(), charts.size(), met, missed, reported, checks.size() - met - missed - reported,
            problems);
    }

    private void header(final StringBuilder md, final List<Target.Check> checks)
    {
        md.append("# pathlock benchmarks\n\n");
        md.append("<!-- Generated by io.pathlock.bench.report.ReportGenerator; do not edit by hand: run benchmarks/run-all.sh. -->\n\n");
        final boolean smoke = "smoke".equals(run.getProperty("mode"));
        if (smoke)
        {
            notices.add(0, "**Smoke run**: every benchmark ran once, one short iteration, to check that none rots. "
                + "The figures measure nothing; never quote them.");
        }
        if (run.getProperty("notice") != null && !run.getProperty("notice").isBlank())
        {
            notices.add(0, run.getProperty("notice"));
        }
        final String load = run.getProperty("machine.load.start", "unknown");
        try
        {
            final double l1 = Double.parseDouble(load.split(" ")[0]);
            if (l1 > QUIET_LOAD)
            {
                notices.add("**Busy machine**: the 1-minute load average was " + load.split(" ")[0]
                    + " when the run started (a quiet machine is under " + QUIET_LOAD + "). Other work competed for the cores: "
                    + "treat the figures, and their error bars, with suspicion.");
            }
        }
        catch (final NumberFormatException e)
        {
            // unknown load: nothing to say
        }
        for (final String n : notices)
        {
            md.append("> ").append(n).append("\n>\n");
        }
        if (!notices.isEmpty())
        {
            md.setLength(md.length() - 2);
            md.append("\n");
        }
        md.append("Generated ").append(run.getProperty("started", MachineInfo.now()));
        if (run.getProperty("command") != null)
        {
            md.append(" by `").append(run.getProperty("command")).append('`');
        }
        if (run.getProperty("mode") != null)
        {
            md.append(" (").append(run.getProperty("mode")).append(" run");
            if (run.getProperty("duration.seconds") != null)
            {
                md.append(", ").append(minutes(Double.parseDouble(run.getProperty("duration.seconds"))));
            }
            md.append(')');
        }
        if (run.getProperty("git.commit") != null)
        {
            md.append(", commit `").append(run.getProperty("git.commit")).append('`');
            if ("true".equals(run.getProperty("git.dirty")))
            {
                md.append(" with uncommitted changes");
            }
        }
        md.append(". Raw results (JMH JSON, `.hgrm`, logs): [`").append(link(results)).append("/`](").append(link(results))
            .append("/).\n\n");

        md.append("## Targets from the issues\n\n");
        md.append("Each target is a ratio to a baseline measured in the same run (DESIGN §4), or an absolute limit where the "
            + "issue states one; where an issue asks for a figure without setting a number, it is reported, not "
            + "judged.\n\n");
        md.append("| target | issue | what the issue asks | measured | verdict |\n|---|---|---|---|---|\n");
        for (final Target.Check c : checks)
        {
            String verdict = smoke && c.status() != Target.Status.NOT_MEASURED ? "not judged (smoke run)" : c.verdictText();
            final String onlyAreas = run.getProperty("only");
            final Catalogue.Area area = Catalogue.areaOf(c.target().subject());
            if (c.status() == Target.Status.NOT_MEASURED && onlyAreas != null
                && !List.of(onlyAreas.split(",")).contains(area.key()))
            {
                verdict = "**not measured**: the " + area.key() + " area was not run (`--only " + onlyAreas + "`)";
            }
            md.append("| ").append(c.target().id()).append(" | #").append(c.target().issue()).append(" | ")
                .append(Format.cell(c.target().text())).append(" | ").append(Format.cell(c.measuredText())).append(" | ")
                .append(Format.cell(verdict)).append(" |\n");
        }
        md.append('\n');
    }

    private void machine(final StringBuilder md)
    {
        md.append("## Machine\n\n| | |\n|---|---|\n");
        row(md, "cores (`nproc`)", run.getProperty("machine.cores"));
        row(md, "CPU", run.getProperty("machine.cpu"));
        row(md, "memory", run.getProperty("machine.memory"));
        row(md, "kernel (`uname -r`)", run.getProperty("machine.kernel"));
        row(md, "OS", run.getProperty("machine.os"));
        row(md, "file system of the benchmark directory (`df -T`)", run.getProperty("machine.fs")
            + (run.getProperty("scratch.dir") != null ? ": `" + run.getProperty("scratch.dir") + "`" : ""));
        row(md, "JDK", run.getProperty("machine.jdk"));
        row(md, "load average 1/5/15 min, start → end", run.getProperty("machine.load.start", "unknown") + " → "
            + run.getProperty("machine.load.end", "unknown"));
        md.append('\n');
    }

    private static void row(final StringBuilder md, final String k, final String v)
    {
        md.append("| ").append(k).append(" | ").append(Format.cell(v == null ? "unknown" : v)).append(" |\n");
    }

    private void regenerate(final StringBuilder md)
    {
        md.append("## How to regenerate\n\n```bash\n");
        md.append("benchmarks/run-all.sh            # the standard set, under 20 min on 2 cores: writes benchmarks/results/<date>/ "
            + "and benchmarks/BENCHMARKS.md\n");
        md.append("benchmarks/run-all.sh --smoke    # every benchmark once (CI): exits non-zero if any benchmark fails\n");
        md.append("benchmarks/run-all.sh --only lock-table,handoff   # some areas only\n```\n\n");
        if (run.getProperty("jmh.options") != null)
        {
            md.append("JMH options of this run: `").append(run.getProperty("jmh.options")).append("`. ");
        }
        md.append("Errors are JMH's 99.9% confidence half-widths over the measurement iterations; a ratio's error combines "
            + "the relative errors of both sides. Ratios divide the row's value by its baseline's: for times (ns/op, ms/op, µs) "
            + "lower is better, for throughput (ops/µs, ops/s) higher is better. The exact command of every step is under "
            + "[Run steps](#run-steps).\n\n");
    }

    private void area(final StringBuilder md, final Catalogue.Area area, final List<Charts.Chart> charts)
    {
        md.append("## ").append(area.title()).append("\n\n").append(area.blurb()).append("\n\n");
        final List<Measurement> rows = all.stream().filter(m -> m.curve().isEmpty() && Catalogue.areaOf(m) == area)
            .sorted(Comparator.comparing(Measurement::name).thenComparing(ReportGenerator::paramKey)).toList();
        final Map<String, List<Measurement>> scenarios = new LinkedHashMap<>();
        Charts.latencyScenarios(all).forEach((k, v) ->
        {
            if (Catalogue.areaOf(v.get(0)) == area)
            {
                scenarios.put(k, v);
            }
        });
        final List<String> skipped = stepNotes(area);
        if (rows.isEmpty() && scenarios.isEmpty())
        {
            md.append("_No results in this run._");
            if (!skipped.isEmpty())
            {
                md.append(' ').append(String.join(" ", skipped));
            }
            md.append("\n\n");
            return;
        }
        for (final Charts.Chart c : charts)
        {
            if (c.area() == area && !c.title().startsWith("Latency by percentile: "))
            {
                md.append("![").append(c.title()).append("](").append(link(c.file())).append(")\n\n");
            }
        }
        if (!rows.isEmpty())
        {
            md.append("| benchmark | params | score | error | unit | vs baseline (same run) | target | details |\n");
            md.append("|---|---|---:|---:|---|---|---|---|\n");
            for (final Measurement m : rows)
            {
                md.append("| ").append(Format.cell(m.shortName())).append(" | ").append(Format.cell(m.paramText())).append(" | ")
                    .append(Format.value(m.score())).append(" | ").append(Double.isNaN(m.error()) ? "–" : "± " + Format.value(m.error()))
                    .append(" | ").append(Format.cell(m.unit())).append(" | ").append(Format.cell(ratios(m))).append(" | ")
                    .append(Format.cell(targetsOf(m))).append(" | ").append(Format.cell(details(m))).append(" |\n");
            }
            md.append('\n');
        }
        for (final Map.Entry<String, List<Measurement>> e : scenarios.entrySet())
        {
            md.append("### ").append(e.getKey()).append("\n\n");
            final PercentileTable t = new PercentileTable();
            final String base = Catalogue.LATENCY_BASELINES.get(e.getKey());
            if (base != null)
            {
                t.baseline(base);
            }
            final List<Measurement> contenders = new ArrayList<>(e.getValue());
            contenders.sort(Comparator.comparing((Measurement m) -> !Charts.contenderOf(m.name()).equals("pathlock"))
                .thenComparing(m -> Charts.contenderOf(m.name()).equals(base))
                .thenComparing(Measurement::name));
            for (final Measurement m : contenders)
            {
                final double[] v = new double[PercentileTable.percentiles().size()];
                for (int i = 0; i < v.length; i++)
                {
                    v[i] = m.value(ResultsReader.percentileKey(PercentileTable.percentiles().get(i)));
                }
                t.add(new PercentileTable.Row(Charts.contenderOf(m.name()), (long)m.value("count"), v, m.value("max"), Double.NaN));
            }
            md.append(t.render()).append('\n');
            final List<String> targetLines = new ArrayList<>();
            for (final Measurement m : e.getValue())
            {
                final String tt = targetsOf(m);
                if (!tt.isEmpty())
                {
                    targetLines.add("`" + m.name() + "`: " + tt);
                }
            }
            if (!targetLines.isEmpty())
            {
                md.append("Targets: ").append(String.join("; ", targetLines)).append("\n\n");
            }
            md.append("Files: ").append(e.getValue().stream().map(m -> "[`" + m.source() + "`](" + link(results.resolve(m.source())) + ")")
                .collect(Collectors.joining(", "))).append(" (HdrHistogram percentile distributions, µs).\n\n");
            for (final Charts.Chart c : charts)
            {
                if (c.title().equals("Latency by percentile: " + e.getKey()))
                {
                    md.append("![").append(c.title()).append("](").append(link(c.file())).append(")\n\n");
                }
            }
        }
        if (!skipped.isEmpty())
        {
            md.append(String.join(" ", skipped)).append("\n\n");
        }
    }

    private static String paramKey(final Measurement m)
    {
        final StringBuilder sb = new StringBuilder();
        m.params().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
        {
            String v = e.getValue();
            try
            {
                v = String.format(Locale.ROOT, "%020.6f", Double.parseDouble(v));
            }
            catch (final NumberFormatException ex)
            {
                // not a number: sort as text
            }
            sb.append(e.getKey()).append('=').append(v).append(';');
        });
        return sb.toString();
    }

    private String ratios(final Measurement m)
    {
        final Set<String> parts = new LinkedHashSet<>();
        for (final Target.Check c : checksByRow.getOrDefault(m, List.of()))
        {
            if (c.base() != null)
            {
                parts.add(ratioText(m, c.target().subject().metric(), c.base(), c.target().baseline()));
            }
        }
        for (final Catalogue.Comparison c : Catalogue.COMPARISONS)
        {
            if (c.subject().matches(m))
            {
                final Measurement b = c.baseline().baselineFor(m, all);
                if (b != null)
                {
                    parts.add(ratioText(m, c.subject().metric(), b, c.baseline()));
                }
            }
        }
        if (parts.isEmpty() && baselines.contains(m))
        {
            return "baseline";
        }
        return String.join("; ", parts);
    }

    private static String ratioText(final Measurement m, final String metric, final Measurement b, final Selector bs)
    {
        final double a = m.value(metric);
        final double d = b.value(bs.metric());
        final double r = a / d;
        return Format.ratio(r, Format.ratioError(a, m.errorOf(metric), d, b.errorOf(bs.metric()))) + " "
            + (metric.equals("score") ? "" : metric + " vs ") + bs.label();
    }

    private String targetsOf(final Measurement m)
    {
        if ("smoke".equals(run.getProperty("mode")))
        {
            return checksByRow.getOrDefault(m, List.of()).stream().map(c -> c.target().id() + ": not judged (smoke)")
                .collect(Collectors.joining("; "));
        }
        return checksByRow.getOrDefault(m, List.of()).stream().map(ReportGenerator::shortVerdict).collect(Collectors.joining("; "));
    }

    private static String shortVerdict(final Target.Check c)
    {
        final Target t = c.target();
        if (c.status() == Target.Status.REPORTED)
        {
            return t.id() + ": reported (" + Format.value(c.value()) + (t.baseline() == null ? "" : "x")
                + ", no limit)";
        }
        final boolean met = c.status() == Target.Status.MET;
        final boolean atLeast = t.rule() == Target.Rule.RATIO_AT_LEAST;
        final String x = t.rule() == Target.Rule.AT_MOST ? "" : "x";
        final String op = atLeast ? (met ? " ≥ " : " < ") : (met ? " ≤ " : " > ");
        return t.id() + ": " + (met ? "met" : "**missed**") + " (" + Format.value(c.value()) + x + op + Format.value(t.limit()) + x + ")";
    }

    private static String details(final Measurement m)
    {
        return m.metrics().entrySet().stream().sorted(Map.Entry.comparingByKey(ReportGenerator::compareMetric))
            .map(e -> e.getKey() + " " + Format.value(e.getValue()) + (e.getKey().matches("p[0-9.]+|max|mean") ? " µs" : ""))
            .collect(Collectors.joining(", "));
    }

    private static int compareMetric(final String a, final String b)
    {
        final boolean pa = a.matches("p[0-9.]+");
        final boolean pb = b.matches("p[0-9.]+");
        if (pa && pb)
        {
            return Double.compare(Double.parseDouble(a.substring(1)), Double.parseDouble(b.substring(1)));
        }
        return pa ? -1 : pb ? 1 : a.compareTo(b);
    }

    private List<String> stepNotes(final Catalogue.Area area)
    {
        final List<String> notes = new ArrayList<>();
        for (int i = 1; run.getProperty("step." + i + ".name") != null; i++)
        {
            final String status = run.getProperty("step." + i + ".status");
            final boolean noJmhHere = "jmh".equals(run.getProperty("step." + i + ".kind")) && "skipped".equals(status);
            if (area.key().equals(run.getProperty("step." + i + ".area")) && !"ok".equals(status) && !noJmhHere)
            {
                notes.add("**" + (status == null ? "?" : status) + "**: " + run.getProperty("step." + i + ".name") + ": "
                    + run.getProperty("step." + i + ".note", "") + ".");
            }
        }
        return notes;
    }

    private void steps(final StringBuilder md, final List<String> problems)
    {
        md.append("## Run steps\n\n");
        if (run.getProperty("step.1.name") == null)
        {
            md.append("_Not recorded (no `run.properties`)._\n\n");
        }
        else
        {
            if (run.getProperty("estimate.seconds") != null)
            {
                md.append("Estimated ").append(minutes(Double.parseDouble(run.getProperty("estimate.seconds"))))
                    .append(", took ").append(minutes(Double.parseDouble(run.getProperty("duration.seconds", "0")))).append(".\n\n");
            }
            md.append("| step | area | status | duration | note |\n|---|---|---|---:|---|\n");
            final StringBuilder cmds = new StringBuilder();
            for (int i = 1; run.getProperty("step." + i + ".name") != null; i++)
            {
                final String p = "step." + i + ".";
                md.append("| ").append(Format.cell(run.getProperty(p + "name"))).append(" | ").append(run.getProperty(p + "area", ""))
                    .append(" | ").append(run.getProperty(p + "status", "?")).append(" | ")
                    .append(run.getProperty(p + "seconds") == null ? "–" : minutes(Double.parseDouble(run.getProperty(p + "seconds"))))
                    .append(" | ").append(Format.cell(run.getProperty(p + "note", ""))).append(" |\n");
                if (run.getProperty(p + "command") != null)
                {
                    cmds.append(run.getProperty(p + "command")).append('\n');
                }
            }
            if (cmds.length() > 0)
            {
                md.append("\nCommands, as run (from the repository root):\n\n```\n").append(cmds).append("```\n");
            }
            md.append('\n');
        }
        if (!problems.isEmpty())
        {
            md.append("### Problems reading the results\n\n");
            for (final String p : problems)
            {
                md.append("- ").append(p).append('\n');
            }
            md.append('\n');
        }
    }

    private String link(final Path target)
    {
        final Path base = out.toAbsolutePath().normalize().getParent();
        final String rel = base.relativize(target.toAbsolutePath().normalize()).toString().replace('\\', '/');
        return rel.isEmpty() ? "." : rel;
    }

    private static String minutes(final double seconds)
    {
        if (seconds < 90)
        {
            return String.format(Locale.ROOT, "%.0f s", seconds);
        }
        return String.format(Locale.ROOT, "%.1f min", seconds / 60);
    }
}

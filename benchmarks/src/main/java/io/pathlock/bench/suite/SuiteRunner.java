package io.pathlock.bench.suite;

import io.pathlock.bench.report.Catalogue;
import io.pathlock.bench.report.Json;
import io.pathlock.bench.report.MachineInfo;
import io.pathlock.bench.report.ReportGenerator;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Runs the standard benchmark set (or a smoke pass of it) and writes the results directory the
 * report reads. This is what {@code benchmarks/run-all.sh} calls.
 *
 * <ol>
 *   <li>Lists the JMH benchmarks in the jar ({@code -lp}) and splits them into the catalogue's areas
 *       ({@link Catalogue#JMH_GROUPS}; a benchmark matched by no group runs in a step of its own);
 *       picks the harnesses of {@link Catalogue#HARNESSES} whose class is in the jar, and notes the
 *       others as skipped.</li>
 *   <li>Estimates the time and, for a full run, picks the first JMH options of
 *       {@link Catalogue#JMH_FULL} and its fallbacks that fit {@link Catalogue#FULL_BUDGET_SECONDS}.</li>
 *   <li>Runs each step in its own JVM, waiting for JMH's lock file if another JMH run holds it (the
 *       machine may be shared) and holding it while harnesses run. Output goes to
 *       {@code logs/<step>.log} (harnesses: {@code <class>.out}), JMH results to {@code <area>.json}.</li>
 *   <li>Checks that every benchmark and parameter combination listed produced a result and that no
 *       {@code <failure>} was printed; a harness must exit 0.</li>
 *   <li>Writes {@code run.properties} (command, machine, steps) after every step, generates
 *       {@code BENCHMARKS.md} in the results directory and, if asked, at {@code --report}.</li>
 * </ol>
 * Exits 0 when every step that ran succeeded (skipped harnesses are not failures), 1 otherwise, 64
 * on bad usage.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.pathlock.bench.suite.SuiteRunner --results DIR
 *     [--smoke] [--only lock-table,lock-files,redo,handoff,host,tree] [--scratch DIR] [--report FILE]
 *     [--notice TEXT] [--command TEXT] [--jmh "-f 2 -wi 3 -w 1s -i 5 -r 1s"] [--dry-run]
 * </pre>
 * {@code --jmh} replaces the JMH options of the run (no budget fallback applies); a full run with it
 * still writes {@code --report}.
 */
public final class SuiteRunner
{
    /** Exit status for bad usage. */
    public static final int EXIT_USAGE = 64;

    /** Estimated JVM start, setup and teardown per JMH fork in a full run, seconds. */
    static final double FORK_OVERHEAD_FULL = 1.5;

    /** The same in a smoke run (no JIT warm-up to speak of). */
    static final double FORK_OVERHEAD_SMOKE = 0.6;

    private static final Path JMH_LOCK = Path.of(System.getProperty("java.io.tmpdir"), "jmh.lock");
    private static final Pattern FAILURE = Pattern.compile("<failure>|<forked VM failed|Exception in thread \"main\"");

    private final boolean smoke;
    /** JMH options of --jmh, or null for the catalogue's. */
    private final String jmh;
    private final Set<Catalogue.Area> only;
    private final Path results;
    private final Path scratch;
    private final Path jar;
    private final Path report;
    private final String notice;
    private final String command;
    private final boolean dryRun;
    private final PrintStream log;
    private final Properties run = new Properties();
    private int stepCount;
    private String javaCmd = "java";

    /** One planned step. */
    record Step(String name, Catalogue.Area area, String kind, List<String> command, Map<String, Integer> expected,
        double estimateSeconds, String skipNote, Catalogue.Harness harness)
    {
    }

    SuiteRunner(final Args a, final PrintStream log)
    {
        this.smoke = a.smoke;
        this.only = a.only;
        this.results = a.results;
        this.scratch = a.scratch;
        this.jar = a.jar;
        this.report = a.report;
        this.notice = a.notice;
        this.command = a.command;
        this.jmh = a.jmh;
        this.dryRun = a.dryRun;
        this.log = log;
    }

    /** Parsed command line. */
    static final class Args
    {
        boolean smoke;
        Set<Catalogue.Area> only = EnumSet.allOf(Catalogue.Area.class);
        Path results;
        Path scratch = Path.of("benchmarks/target/bench-tmp");
        Path jar;
        Path report;
        String notice;
        String command;
        /** JMH options given with --jmh (used as they are, no budget fallback), or null. */
        String jmh;
        boolean dryRun;

        /** The options of --jmh: only -f, -wi, -w, -i and -r, with positive counts and times. */
        static String checkedJmhOptions(final String text)
        {
            final String[] t = text.trim().split("\\s+");
            if (t.length == 0 || t.length % 2 != 0)
            {
                throw new IllegalArgumentException("--jmh takes pairs of -f N, -wi N, -w Ts, -i N, -r Ts; got '" + text + "'");
            }
            for (int k = 0; k < t.length; k += 2)
            {
                final String o = t[k];
                final String v = t[k + 1];
                final boolean ok = switch (o)
                {
                    case "-f", "-wi", "-i" -> v.matches("[1-9][0-9]{0,2}");
                    case "-w", "-r" -> v.matches("[1-9][0-9]{0,2}s");
                    default -> false;
                };
                if (!ok)
                {
                    throw new IllegalArgumentException("--jmh: '" + o + " " + v + "' is not one of -f N, -wi N, -i N "
                        + "(1-999) or -w Ts, -r Ts (seconds, 1-999); got '" + text + "'");
                }
            }
            return String.join(" ", t);
        }

        static Args parse(final String[] args)
        {
            final Args a = new Args();
            for (int i = 0; i < args.length; i++)
            {
                final String k = args[i];
                switch (k)
                {
                    case "--smoke" -> a.smoke = true;
                    case "--dry-run" -> a.dryRun = true;
                    case "--only" ->
                    {
                        a.only = EnumSet.noneOf(Catalogue.Area.class);
                        for (final String s : value(args, ++i, k).split(","))
                        {
                            a.only.add(Catalogue.Area.ofKey(s.trim()));
                        }
                    }
                    case "--results" -> a.results = Path.of(value(args, ++i, k));
                    case "--scratch" -> a.scratch = Path.of(value(args, ++i, k));
                    case "--jar" -> a.jar = Path.of(value(args, ++i, k));
                    case "--report" -> a.report = Path.of(value(args, ++i, k));
                    case "--notice" -> a.notice = value(args, ++i, k);
                    case "--command" -> a.command = value(args, ++i, k);
                    case "--jmh" -> a.jmh = checkedJmhOptions(value(args, ++i, k));
                    default -> throw new IllegalArgumentException("unknown argument '" + k + "'");
                }
            }
            if (a.results == null)
            {
                throw new IllegalArgumentException("--results DIR is required");
            }
            return a;
        }

        private static String value(final String[] args, final int i, final String key)
        {
            if (i >= args.length)
            {
                throw new IllegalArgumentException(key + " needs a value");
            }
            return args[i];
        }
    }

    /**
     * Command line entry point; exits with the suite's status.
     *
     * @param args see the class comment.
     */
    public static void main(final String[] args)
    {
        final Args a;
        try
        {
            a = Args.parse(args);
            if (a.jar == null)
            {
                final Path own = Path.of(SuiteRunner.class.getProtectionDomain().getCodeSource().getLocation().toURI());
                a.jar = own.startsWith(Path.of("").toAbsolutePath()) ? Path.of("").toAbsolutePath().relativize(own) : own;
            }
        }
        catch (final Exception e)
        {
            System.err.println("SuiteRunner: " + e.getMessage());
            System.err.println("usage: SuiteRunner --results DIR [--smoke] [--only lock-table,lock-files,redo,handoff,host,tree] "
                + "[--scratch DIR] [--report FILE] [--notice TEXT] [--command TEXT] [--jmh \"-f N -wi N -w Ts -i N -r Ts\"] [--dry-run]");
            System.exit(EXIT_USAGE);
            return;
        }
        int status;
        try
        {
            status = new SuiteRunner(a, System.out).runAll();
        }
        catch (final Exception e)
        {
            System.err.println("SuiteRunner: " + e);
            e.printStackTrace();
            status = 1;
        }
        System.exit(status);
    }

    int runAll() throws IOException, InterruptedException
    {
        final long t0 = System.nanoTime();

        run.setProperty("mode", smoke ? "smoke" : "full");
        run.setProperty("started", MachineInfo.now());
        run.setProperty("command", command != null ? command : "java -cp " + jar + " " + SuiteRunner.class.getName());
        run.setProperty("results.dir", results.toString());
        run.setProperty("scratch.dir", scratch.toString());
        if (notice != null)
        {
            run.setProperty("notice", notice);
        }
        if (!only.equals(EnumSet.allOf(Catalogue.Area.class)))
        {
            run.setProperty("only", only.stream().map(Catalogue.Area::key).collect(java.util.stream.Collectors.joining(",")));
        }
        final String commit = MachineInfo.run("git", "rev-parse", "--short=12", "HEAD");
        if (!commit.isEmpty())
        {
            run.setProperty("git.commit", commit);
            run.setProperty("git.dirty", Boolean.toString(!MachineInfo.run("git", "status", "--porcelain", "--untracked-files=no").isEmpty()));
        }
        MachineInfo.collect(scratch).forEach(run::setProperty);
        run.setProperty("machine.load.end", run.getProperty("machine.load.start"));

        javaCmd = java();
        final JmhListing listing = JmhListing.parse(capture(List.of(javaCmd, "-jar", jar.toString(), "-lp")));
        if (listing.combinations().isEmpty())
        {
            throw new IllegalStateException("no JMH benchmarks listed by " + jar + " -lp");
        }
        JmhOptions options = JmhOptions.parse(jmh != null ? jmh : smoke ? Catalogue.JMH_SMOKE : Catalogue.JMH_FULL);
        List<Step> plan = plan(listing, options);
        double estimate = estimate(plan);
        if (!smoke && jmh == null)
        {
            for (final String fallback : Catalogue.JMH_FULL_FALLBACKS)
            {
                if (estimate <= Catalogue.FULL_BUDGET_SECONDS)
                {
                    break;
                }
                log.printf(Locale.ROOT, "estimate %s with %s exceeds the %d min budget: trying %s%n", minutes(estimate),
                    options.text(), Catalogue.FULL_BUDGET_SECONDS / 60, fallback);
                options = JmhOptions.parse(fallback);
                plan = plan(listing, options);
                estimate = estimate(plan);
            }
        }
        run.setProperty("jmh.options", options.text());
        run.setProperty("estimate.seconds", String.format(Locale.ROOT, "%.0f", estimate));
        printPlan(plan, options, estimate);
        if (dryRun)
        {
            return 0;
        }
        Files.createDirectories(results.resolve("logs"));
        Files.createDirectories(scratch);

        boolean ok = true;
        for (final Step s : plan)
        {
            ok &= execute(s);
            run.setProperty("machine.load.end", MachineInfo.loadAverage());
            run.setProperty("duration.seconds", String.format(Locale.ROOT, "%.0f", (System.nanoTime() - t0) / 1e9));
            saveProperties();
        }
        run.setProperty("finished", MachineInfo.now());
        saveProperties();

        try
        {
            final Path inDir = results.resolve("BENCHMARKS.md");
            ReportGenerator.generate(results, inDir, results.resolve("charts"), List.of());
            log.println("report: " + inDir);
            if (report != null)
            {
                final ReportGenerator.Report r = ReportGenerator.generate(results, report, results.resolve("charts"), List.of());
                log.printf(Locale.ROOT, "report: %s (targets: %d met, %d missed, %d reported, %d not measured)%n",
                    report, r.met(), r.missed(), r.reported(), r.notMeasured());
            }
        }
        catch (final IOException | RuntimeException e)
        {
            log.println("FAILED: report generation: " + e);
            ok = false;
        }
        log.printf(Locale.ROOT, "%s run %s in %s (estimated %s); results in %s%n", smoke ? "smoke" : "full", ok ? "passed" : "FAILED",
            minutes((System.nanoTime() - t0) / 1e9), minutes(estimate), results);
        return ok ? 0 : 1;
    }

    List<Step> plan(final JmhListing listing, final JmhOptions options)
    {
        return plan(listing, options, Catalogue.HARNESSES);
    }

    /**
     * The plan for a listing and a list of harnesses (tests pass their own: what a plan contains must
     * not depend on what happens to be in the jar).
     */
    List<Step> plan(final JmhListing listing, final JmhOptions options, final List<Catalogue.Harness> harnesses)
    {
        final List<Step> steps = new ArrayList<>();
        final Set<String> grouped = new LinkedHashSet<>();
        final double overhead = smoke ? FORK_OVERHEAD_SMOKE : FORK_OVERHEAD_FULL;
        for (final Catalogue.JmhGroup g : Catalogue.JMH_GROUPS)
        {
            final Pattern p = Pattern.compile(g.regex());
            final Map<String, Integer> expected = new LinkedHashMap<>();
            listing.combinations().forEach((name, n) ->
            {
                if (p.matcher(name).find())
                {
                    expected.put(name, n);
                }
            });
            grouped.addAll(expected.keySet());
            if (!only.contains(g.area()))
            {
                continue;
            }
            if (expected.isEmpty())
            {
                steps.add(new Step("jmh " + g.area().key(), g.area(), "jmh", List.of(), expected, 0,
                    "no JMH benchmark matching " + g.regex() + " in this jar", null));
                continue;
            }
            steps.add(jmhStep(g.area().key(), g.area(), g.regex(), expected, options, overhead));
        }
        final Map<Catalogue.Area, Map<String, Integer>> others = new LinkedHashMap<>();
        listing.combinations().forEach((name, n) ->
        {
            // The ZooKeeper store's benchmarks start a server per fork and take minutes: outside the
            // standard set and the smoke pass (benchmarks/run-zookeeper.sh runs them).
            if (!grouped.contains(name) && !name.startsWith(Catalogue.PACKAGE + "zookeeper."))
            {
                final Catalogue.Area a = Catalogue.areaOf(new io.pathlock.bench.report.Measurement("", name, Map.of(), "", 0,
                    Double.NaN, Double.NaN, "", Map.of(), List.of()));
                others.computeIfAbsent(a, k -> new LinkedHashMap<>()).put(name, n);
            }
        });
        others.forEach((area, expected) ->
        {
            if (only.contains(area))
            {
                final StringBuilder re = new StringBuilder("^(");
                expected.keySet().forEach(n -> re.append(Pattern.quote(n)).append('|'));
                re.setLength(re.length() - 1);
                re.append(")$");
                steps.add(jmhStep(area.key() + "-other", area, re.toString(), expected, options, overhead));
            }
        });
        for (final Catalogue.Harness h : harnesses)
        {
            if (!only.contains(h.area()))
            {
                continue;
            }
            // relative to the package: two harnesses may share a simple name (latency/file HandoffLatency)
            final String name = h.className().startsWith(Catalogue.PACKAGE) ? h.className().substring(Catalogue.PACKAGE.length())
                : h.className();
            if (!classPresent(h.className()))
            {
                steps.add(new Step(name, h.area(), "harness", List.of(), Map.of(), 0, h.className() + " is not in this jar", h));
                continue;
            }
            final List<String> cmd = new ArrayList<>(List.of(javaCmd));
            cmd.addAll(Catalogue.JVM_OPTIONS);
            cmd.add("-Dpathlock.bench.dir=" + scratch);
            if (smoke)
            {
                cmd.add("-D" + Catalogue.SMOKE_PROP_NAME + "=true");
            }
            cmd.addAll(List.of("-cp", jar.toString(), h.className()));
            for (final String part : (h.args() + " " + (smoke ? h.smokeArgs() : h.fullArgs())).trim().split("\\s+"))
            {
                cmd.add(part.replace("{results}", results.toString()).replace("{scratch}", scratch.toString()));
            }
            steps.add(new Step(name, h.area(), "harness", cmd, Map.of(), smoke ? h.smokeSeconds() : h.fullSeconds(), null, h));
        }
        return steps;
    }

    private Step jmhStep(final String name, final Catalogue.Area area, final String regex, final Map<String, Integer> expected,
        final JmhOptions options, final double overhead)
    {
        final List<String> cmd = new ArrayList<>(List.of(javaCmd, "-jar", jar.toString(), regex));
        cmd.addAll(options.args());
        // -prof gc: allocation per operation (·gc.alloc.rate.norm) for the allocation targets.
        cmd.addAll(List.of("-prof", "gc", "-foe", "false", "-rf", "json", "-rff", results.resolve(name + ".json").toString(), "-jvmArgsAppend",
            String.join(" ", Catalogue.JVM_OPTIONS) + " -Dpathlock.bench.dir=" + scratch
                + (smoke ? " -D" + Catalogue.SMOKE_PROP_NAME + "=true" : "")));
        final int combos = expected.values().stream().mapToInt(Integer::intValue).sum();
        return new Step("jmh " + name, area, "jmh", cmd, expected, combos * options.secondsPerBenchmark(overhead), null, null);
    }

    private static boolean classPresent(final String name)
    {
        try
        {
            Class.forName(name, false, SuiteRunner.class.getClassLoader());
            return true;
        }
        catch (final ClassNotFoundException | LinkageError e)
        {
            return false;
        }
    }

    static double estimate(final List<Step> plan)
    {
        return plan.stream().mapToDouble(Step::estimateSeconds).sum();
    }

    private void printPlan(final List<Step> plan, final JmhOptions options, final double estimate)
    {
        log.printf(Locale.ROOT, "pathlock benchmark suite, %s run, JMH options %s, results in %s%n", smoke ? "smoke" : "full",
            options.text(), results);
        for (final Step s : plan)
        {
            if (s.skipNote() != null)
            {
                log.printf(Locale.ROOT, "  %-28s skipped: %s%n", s.name(), s.skipNote());
            }
            else
            {
                final int combos = s.expected().values().stream().mapToInt(Integer::intValue).sum();
                log.printf(Locale.ROOT, "  %-28s %s%s%n", s.name(), minutes(s.estimateSeconds()),
                    s.kind().equals("jmh") ? " (" + combos + " benchmarks x params)" : "");
            }
        }
        log.printf(Locale.ROOT, "estimated total: %s%s%n", minutes(estimate),
            smoke ? "" : " (budget " + Catalogue.FULL_BUDGET_SECONDS / 60 + " min on 2 cores)");
    }

    private boolean execute(final Step s) throws IOException, InterruptedException
    {
        final int n = ++stepCount;
        final String p = "step." + n + ".";
        run.setProperty(p + "name", s.name());
        run.setProperty(p + "area", s.area().key());
        run.setProperty(p + "kind", s.kind());
        if (s.skipNote() != null)
        {
            run.setProperty(p + "status", "skipped");
            run.setProperty(p + "note", s.skipNote());
            log.printf(Locale.ROOT, "[%s] skipped: %s%n", s.name(), s.skipNote());
            return true;
        }
        run.setProperty(p + "command", shellQuote(s.command()));
        log.printf(Locale.ROOT, "[%s] %s (estimated %s)%n", s.name(), shellQuote(s.command()), minutes(s.estimateSeconds()));
        final Path out = s.kind().equals("jmh") ? results.resolve("logs").resolve(s.name().replace(' ', '-') + ".log")
            : results.resolve(s.harness().className() + ".out");
        final long t0 = System.nanoTime();
        final long timeoutSeconds = (long)(s.estimateSeconds() * 3 + 300);
        int exit;
        String note;
        if (s.kind().equals("jmh"))
        {
            int attempt = 0;
            for (;;)
            {
                waitForJmhLock();
                exit = runLogged(s.command(), out, timeoutSeconds, true);
                if (exit == 0 || attempt++ >= 3 || !Files.readString(out, StandardCharsets.UTF_8).contains("Unable to acquire the JMH lock"))
                {
                    break;
                }
                log.printf("[%s] another JMH run took the lock first; waiting again%n", s.name());
            }
            note = checkJmh(s, out, exit);
        }
        else
        {
            final JmhLockHold hold = JmhLockHold.acquire(JMH_LOCK, log);
            try
            {
                exit = runLogged(s.command(), out, timeoutSeconds, false);
            }
            finally
            {
                hold.close();
            }
            note = exit == 0 ? null : "exit status " + exit + "; see " + results.relativize(out) + ": " + tail(out);
        }
        final double secs = (System.nanoTime() - t0) / 1e9;
        run.setProperty(p + "seconds", String.format(Locale.ROOT, "%.0f", secs));
        run.setProperty(p + "status", note == null ? "ok" : "failed");
        run.setProperty(p + "note", note == null ? "" : note);
        log.printf(Locale.ROOT, "[%s] %s in %s%s%n", s.name(), note == null ? "ok" : "FAILED", minutes(secs),
            note == null ? "" : ": " + note);
        return note == null;
    }

    /** Checks a JMH step: exit status, failures in the log, and one result per listed combination. */
    @SuppressWarnings("unchecked")
    String checkJmh(final Step s, final Path out, final int exit) throws IOException
    {
        final List<String> problems = new ArrayList<>();
        if (exit != 0)
        {
            problems.add("JMH exited with status " + exit);
        }
        final String logText = Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
        final List<String> failed = new ArrayList<>();
        String current = null;
        for (final String line : logText.split("\n"))
        {
            if (line.startsWith("# Benchmark: "))
            {
                current = line.substring("# Benchmark: ".length()).trim();
            }
            else if (FAILURE.matcher(line).find() && current != null && !failed.contains(current))
            {
                failed.add(current);
            }
        }
        if (!failed.isEmpty())
        {
            problems.add("failures in " + String.join(", ", failed));
        }
        final Path json = results.resolve(s.name().substring("jmh ".length()) + ".json");
        final Map<String, Integer> got = new HashMap<>();
        if (Files.exists(json))
        {
            try
            {
                for (final Object o : (List<Object>)Json.parse(Files.readString(json, StandardCharsets.UTF_8)))
                {
                    got.merge(String.valueOf(((Map<String, Object>)o).get("benchmark")), 1, Integer::sum);
                }
            }
            catch (final RuntimeException e)
            {
                problems.add("unreadable " + json.getFileName() + ": " + e.getMessage());
            }
        }
        final List<String> missing = new ArrayList<>();
        s.expected().forEach((name, n) ->
        {
            final int g = got.getOrDefault(name, 0);
            if (g < n)
            {
                missing.add(name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1) + " (" + g + "/" + n + ")");
            }
        });
        if (!missing.isEmpty())
        {
            problems.add("no result for " + String.join(", ", missing));
        }
        return problems.isEmpty() ? null : String.join("; ", problems) + "; see " + results.relativize(out);
    }

    private int runLogged(final List<String> cmd, final Path out, final long timeoutSeconds, final boolean jmh)
        throws IOException, InterruptedException
    {
        final Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        final Thread pump = new Thread(() -> pump(proc, out, jmh), "output-pump");
        pump.setDaemon(true);
        pump.start();
        if (!proc.waitFor(timeoutSeconds, TimeUnit.SECONDS))
        {
            log.printf("  timed out after %d s: stopping it%n", timeoutSeconds);
            proc.descendants().forEach(ProcessHandle::destroy);
            proc.destroy();
            if (!proc.waitFor(10, TimeUnit.SECONDS))
            {
                proc.descendants().forEach(ProcessHandle::destroyForcibly);
                proc.destroyForcibly();
                proc.waitFor();
            }
            pump.join(5000);
            return 124;
        }
        pump.join(5000);
        return proc.exitValue();
    }

    /** Copies a child's output to its log and echoes progress lines. */
    private void pump(final Process proc, final Path out, final boolean jmh)
    {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8));
             Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8))
        {
            String line;
            String bench = null;
            int count = 0;
            while ((line = r.readLine()) != null)
            {
                w.write(line);
                w.write('\n');
                if (jmh)
                {
                    if (line.startsWith("# Benchmark: "))
                    {
                        bench = line.substring("# Benchmark: ".length()).replace(Catalogue.PACKAGE, "");
                        count++;
                    }
                    else if (line.startsWith("# Parameters: ") && bench != null)
                    {
                        bench = bench + " " + line.substring("# Parameters: ".length());
                    }
                    else if (line.startsWith("# Run progress: ") && bench != null)
                    {
                        log.printf("  %3d. %s%n", count, bench);
                        bench = null;
                    }
                    else if (FAILURE.matcher(line).find())
                    {
                        log.println("     " + line);
                    }
                }
                else
                {
                    log.println("  | " + line);
                }
            }
        }
        catch (final IOException e)
        {
            log.println("  (output lost: " + e + ")");
        }
    }

    private String capture(final List<String> cmd) throws IOException, InterruptedException
    {
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0)
        {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    private void waitForJmhLock() throws IOException, InterruptedException
    {
        // free now: release it at once, JMH takes it itself
        JmhLockHold.acquire(JMH_LOCK, log).close();
    }

    /** Holds JMH's lock file (another JMH instance on the machine waits, or fails fast, while we hold it). */
    static final class JmhLockHold implements AutoCloseable
    {
        private final FileChannel channel;
        private final FileLock lock;

        private JmhLockHold(final FileChannel channel, final FileLock lock)
        {
            this.channel = channel;
            this.lock = lock;
        }

        static JmhLockHold acquire(final Path file, final PrintStream log) throws IOException, InterruptedException
        {
            @SuppressWarnings("resource")
            final FileChannel ch = new RandomAccessFile(file.toFile(), "rw").getChannel();
            boolean told = false;
            final long start = System.nanoTime();
            for (;;)
            {
                FileLock l = null;
                try
                {
                    l = ch.tryLock();
                }
                catch (final OverlappingFileLockException e)
                {
                    // held in this JVM: cannot happen, treat as busy
                }
                if (l != null)
                {
                    if (told)
                    {
                        log.printf(Locale.ROOT, "  JMH lock free after %.0f s%n", (System.nanoTime() - start) / 1e9);
                    }
                    return new JmhLockHold(ch, l);
                }
                if (!told)
                {
                    log.println("  waiting for another JMH run on this machine to finish (" + file + " is locked)");
                    told = true;
                }
                TimeUnit.SECONDS.sleep(2);
            }
        }

        @Override
        public void close() throws IOException
        {
            lock.release();
            channel.close();
        }
    }

    private void saveProperties() throws IOException
    {
        final Path f = results.resolve(ReportGenerator.RUN_PROPERTIES);
        try (OutputStream os = Files.newOutputStream(f))
        {
            final Properties sorted = new Properties()
            {
                private static final long serialVersionUID = 1L;

                @Override
                public synchronized Set<Map.Entry<Object, Object>> entrySet()
                {
                    final TreeMap<Object, Object> t = new TreeMap<>(Comparator.comparing(String::valueOf));
                    super.entrySet().forEach(e -> t.put(e.getKey(), e.getValue()));
                    return Collections.unmodifiableSet(t.entrySet());
                }
            };
            sorted.putAll(run);
            sorted.store(os, "pathlock benchmark run (read by ReportGenerator)");
        }
    }

    /** The {@code java} of the runner's own JDK: plain {@code java} when that is the one on the PATH. */
    private static String java()
    {
        final Path own = Path.of(System.getProperty("java.home"), "bin", "java");
        final String onPath = MachineInfo.run("sh", "-c", "command -v java");
        try
        {
            if (!onPath.isEmpty() && Path.of(onPath).toRealPath().equals(own.toRealPath()))
            {
                return "java";
            }
        }
        catch (final IOException e)
        {
            // use the full path
        }
        return own.toString();
    }

    private static String tail(final Path f)
    {
        try
        {
            final List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            return String.join(" / ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        }
        catch (final IOException e)
        {
            return "(no output)";
        }
    }

    static String shellQuote(final List<String> cmd)
    {
        final StringBuilder sb = new StringBuilder();
        for (final String c : cmd)
        {
            if (sb.length() > 0)
            {
                sb.append(' ');
            }
            sb.append(c.matches("[A-Za-z0-9_./=:,@%+-]+") ? c : "'" + c.replace("'", "'\\''") + "'");
        }
        return sb.toString();
    }

    static String minutes(final double seconds)
    {
        return seconds < 90 ? String.format(Locale.ROOT, "%.0f s", seconds) : String.format(Locale.ROOT, "%.1f min", seconds / 60);
    }
}

package io.pathlock.bench.suite;

import io.pathlock.bench.report.Catalogue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SuiteRunnerTest
{
    static final String LISTING = """
        Benchmarks:\s
        io.pathlock.bench.LockTableBenchmark.reentrantLockPair
        io.pathlock.bench.table.LockDepthBenchmark.table
          param "depth" = {1, 4, 8, 16}
          param "type" = {POINT, SUBTREE}
        io.pathlock.bench.posix.PosixWalkBenchmark.walk
          param "backend" = {JNI, JNR, NIO}
        io.pathlock.bench.file.FileStoreBenchmark.point
          param "backend" = {jni}
        io.pathlock.bench.NewThing.x
        """;

    /**
     * A fabricated harness list: two classes that are always on the test class path (this module's
     * in-process harness and this test class stand in for any harness) and one that never exists, so
     * the plan does not depend on what the jar happens to contain.
     */
    static final List<Catalogue.Harness> HARNESSES = List.of(
        new Catalogue.Harness(Catalogue.Area.HANDOFF, "io.pathlock.bench.latency.HandoffLatency", "--out {results}",
            "--seconds 5", "--smoke", 25, 4, false),
        new Catalogue.Harness(Catalogue.Area.HANDOFF, "io.pathlock.bench.nowhere.HandoffLatency", "--out {results} --dir {scratch}/x",
            "", "--smoke", 30, 8, false),
        new Catalogue.Harness(Catalogue.Area.REDO, SuiteRunnerTest.class.getName(), "--dir {scratch}/redo",
            "--threads 1,4", "--threads 1", 60, 6, true));

    private static SuiteRunner runner(final Path results, final String... extra)
    {
        final String[] args = new String[extra.length + 2];
        args[0] = "--results";
        args[1] = results.toString();
        System.arraycopy(extra, 0, args, 2, extra.length);
        final SuiteRunner.Args a = SuiteRunner.Args.parse(args);
        a.jar = Path.of("benchmarks.jar");
        return new SuiteRunner(a, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @Test
    void listingCountsParameterCombinations()
    {
        final Map<String, Integer> c = JmhListing.parse(LISTING).combinations();
        assertEquals(5, c.size());
        assertEquals(1, c.get("io.pathlock.bench.LockTableBenchmark.reentrantLockPair"));
        assertEquals(8, c.get("io.pathlock.bench.table.LockDepthBenchmark.table"));
        assertEquals(3, c.get("io.pathlock.bench.posix.PosixWalkBenchmark.walk"));
        assertEquals(List.of("io.pathlock.bench.LockTableBenchmark.reentrantLockPair", "io.pathlock.bench.table.LockDepthBenchmark.table",
            "io.pathlock.bench.posix.PosixWalkBenchmark.walk", "io.pathlock.bench.file.FileStoreBenchmark.point",
            "io.pathlock.bench.NewThing.x"), List.copyOf(c.keySet()));
    }

    @Test
    void optionsEstimateTime()
    {
        final JmhOptions full = JmhOptions.parse(Catalogue.JMH_FULL);
        assertEquals(1, full.forks());
        assertEquals(3, full.warmupIterations());
        assertEquals(5, full.iterations());
        assertEquals(1.5 + 3 + 5, full.secondsPerBenchmark(1.5), 1e-9);
        final JmhOptions smoke = JmhOptions.parse(Catalogue.JMH_SMOKE);
        assertEquals(0, smoke.warmupIterations());
        assertEquals(0.1, smoke.iterationSeconds(), 1e-12);
        assertEquals(2 * (1 + 2 * 0.5 + 3 * 2), JmhOptions.parse("-f 2 -wi 2 -w 500ms -i 3 -r 2s").secondsPerBenchmark(1), 1e-9);
        assertEquals(90, JmhOptions.seconds("1.5min"), 1e-9);
    }

    @Test
    void planGroupsByAreaRunsStrayBenchmarksAndSkipsMissingHarnesses(@TempDir final Path tmp)
    {
        final SuiteRunner r = runner(tmp);
        final List<SuiteRunner.Step> plan = r.plan(JmhListing.parse(LISTING), JmhOptions.parse(Catalogue.JMH_FULL), HARNESSES);
        final SuiteRunner.Step table = step(plan, "jmh lock-table");
        assertEquals(9, table.expected().values().stream().mapToInt(Integer::intValue).sum());
        assertEquals(9 * (SuiteRunner.FORK_OVERHEAD_FULL + 8), table.estimateSeconds(), 1e-9);
        assertTrue(table.command().containsAll(List.of("-foe", "false", "-rf", "json")), table.command().toString());
        final SuiteRunner.Step files = step(plan, "jmh lock-files");
        assertEquals(4, files.expected().values().stream().mapToInt(Integer::intValue).sum(), "posix and file benchmarks");
        assertTrue(step(plan, "jmh redo").skipNote().contains("no JMH benchmark"));
        final SuiteRunner.Step stray = step(plan, "jmh lock-table-other");
        assertEquals(Map.of("io.pathlock.bench.NewThing.x", 1), stray.expected());
        assertNull(step(plan, "latency.HandoffLatency").skipNote(), "a class on the class path runs");
        assertNull(step(plan, "suite.SuiteRunnerTest").skipNote(), "a class on the class path runs");
        assertTrue(step(plan, "nowhere.HandoffLatency").skipNote().contains("not in this jar"), "same simple name, distinct step");
        final SuiteRunner.Step handoff = step(plan, "latency.HandoffLatency");
        assertTrue(handoff.command().contains("--out") && handoff.command().contains(tmp.toString()), handoff.command().toString());
        assertTrue(handoff.command().contains("--seconds"), "full arguments in a full run");
        assertTrue(step(plan, "suite.SuiteRunnerTest").command().contains("1,4"));
        assertTrue(SuiteRunner.estimate(plan) > 0);

        final List<SuiteRunner.Step> only = runner(tmp, "--only", "handoff", "--smoke").plan(JmhListing.parse(LISTING),
            JmhOptions.parse(Catalogue.JMH_SMOKE), HARNESSES);
        assertTrue(only.stream().allMatch(s -> s.area() == Catalogue.Area.HANDOFF), only.toString());
        assertTrue(step(only, "latency.HandoffLatency").command().contains("--smoke"));
        assertTrue(step(only, "latency.HandoffLatency").command().contains("-D" + Catalogue.SMOKE_PROP_NAME + "=true"),
            "a smoke run tells its JVMs so (set-up may shrink)");
        assertFalse(handoff.command().contains("-D" + Catalogue.SMOKE_PROP_NAME + "=true"), "a full run does not");
        assertEquals(2, only.stream().filter(s -> s.kind().equals("harness")).count(), only.toString());
    }

    @Test
    void everyCatalogueHarnessIsInThisModuleWithAMain() throws ReflectiveOperationException
    {
        for (final Catalogue.Harness h : Catalogue.HARNESSES)
        {
            Class.forName(h.className()).getMethod("main", String[].class);
        }
        assertThrows(IllegalArgumentException.class, () -> SuiteRunner.Args.parse(new String[] {"--results", "x", "--only", "gpu"}));
        assertThrows(IllegalArgumentException.class, () -> SuiteRunner.Args.parse(new String[] {"--smoke"}));
    }

    /** --jmh: forks, iterations and their seconds only; anything else names the bad option. */
    @Test
    void jmhOptionsAreCheckedAndNormalised()
    {
        assertEquals("-f 2 -wi 3 -w 1s -i 5 -r 1s",
            SuiteRunner.Args.parse(new String[] {"--results", "x", "--jmh", " -f 2  -wi 3 -w 1s -i 5 -r 1s "}).jmh);
        for (final String bad : new String[] {"-f 0", "-f", "-prof gc", "-f 2 -r 1", "-w 0s", "-f two", "-f 2 -jvmArgs -Xmx1g"})
        {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SuiteRunner.Args.parse(new String[] {"--results", "x", "--jmh", bad}), bad);
            assertTrue(e.getMessage().contains("--jmh"), e.getMessage());
        }
    }

    @Test
    void aJmhStepFailsOnMissingResultsOrFailuresInTheLog(@TempDir final Path tmp) throws IOException
    {
        final SuiteRunner r = runner(tmp);
        final SuiteRunner.Step step = new SuiteRunner.Step("jmh lock-table", Catalogue.Area.LOCK_TABLE, "jmh", List.of("java"),
            Map.of("io.pathlock.bench.A.x", 2, "io.pathlock.bench.A.y", 1), 10, null, null);
        final Path log = tmp.resolve("lock-table.log");
        final String row = "{\"benchmark\":\"io.pathlock.bench.A.%s\",\"primaryMetric\":{\"score\":1}}";

        Files.writeString(log, "# Benchmark: io.pathlock.bench.A.x\n# Run complete.\n");
        Files.writeString(tmp.resolve("lock-table.json"), "[" + String.format(row, "x") + "," + String.format(row, "x") + ","
            + String.format(row, "y") + "]");
        assertNull(r.checkJmh(step, log, 0));

        Files.writeString(tmp.resolve("lock-table.json"), "[" + String.format(row, "x") + "," + String.format(row, "y") + "]");
        final String missing = r.checkJmh(step, log, 0);
        assertTrue(missing.contains("no result for A.x (1/2)"), missing);

        Files.writeString(tmp.resolve("lock-table.json"), "[" + String.format(row, "x") + "," + String.format(row, "x") + ","
            + String.format(row, "y") + "]");
        Files.writeString(log, "# Benchmark: io.pathlock.bench.A.y\n<failure>\njava.lang.IllegalStateException: boom\n");
        final String failed = r.checkJmh(step, log, 0);
        assertTrue(failed.contains("failures in io.pathlock.bench.A.y"), failed);

        Files.writeString(log, "");
        assertTrue(r.checkJmh(step, log, 1).contains("JMH exited with status 1"));
    }

    @Test
    void commandsAreQuotedForAShell()
    {
        assertEquals("java -jar b.jar '^io\\.x\\.(a|b)' -jvmArgsAppend '-Da=1 -Db=2' 'it'\\''s'",
            SuiteRunner.shellQuote(List.of("java", "-jar", "b.jar", "^io\\.x\\.(a|b)", "-jvmArgsAppend", "-Da=1 -Db=2", "it's")));
    }

    private static SuiteRunner.Step step(final List<SuiteRunner.Step> plan, final String name)
    {
        return plan.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError(name + " in " + plan));
    }
}

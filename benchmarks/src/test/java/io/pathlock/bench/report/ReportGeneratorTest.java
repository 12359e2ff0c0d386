package io.pathlock.bench.report;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportGeneratorTest
{
    private static final byte[] PNG_MAGIC = {(byte)0x89, 'P', 'N', 'G'};

    static void writeRun(final Path dir, final String mode) throws IOException
    {
        final List<String> rows = new ArrayList<>();
        rows.add(Fixtures.jmhRow("io.pathlock.bench.LockTableBenchmark.reentrantLockPair", "avgt", 1, Map.of(), 15, 0.5, "ns/op"));
        rows.add(Fixtures.jmhRow("io.pathlock.bench.LockTableBenchmark.tablePointDepth6", "avgt", 1, Map.of(), 90, 3, "ns/op"));
        rows.add(Fixtures.jmhRow("io.pathlock.bench.LockTableBenchmark.handlePointDepth6", "avgt", 1, Map.of(), 150, 5, "ns/op"));
        rows.add(Fixtures.jmhRow("io.pathlock.bench.table.LockDepthBenchmark.reentrantLock", "avgt", 1, Map.of(), 15, 0.5, "ns/op"));
        for (final String d : new String[] {"1", "4", "8", "16"})
        {
            final int depth = Integer.parseInt(d);
            rows.add(Fixtures.jmhRow("io.pathlock.bench.table.LockDepthBenchmark.table", "avgt", 1, Map.of("depth", d, "type", "POINT"),
                20 * depth, 1, "ns/op"));
            rows.add(Fixtures.jmhRow("io.pathlock.bench.table.LockDepthBenchmark.naive", "avgt", 1, Map.of("depth", d, "type", "POINT"),
                200 * depth, 10, "ns/op"));
        }
        Files.writeString(dir.resolve("lock-table.json"), Fixtures.jmhArray(rows));
        for (final String c : new String[] {"pathlock", "reentrantlock"})
        {
            final Histogram h = new Histogram(3);
            for (int i = 1; i <= 1000; i++)
            {
                h.recordValue((c.equals("pathlock") ? 20_000L : 15_000L) + i * 10L);
            }
            HistogramFiles.write(dir, "handoff-inprocess-" + c, h);
        }
        Files.writeString(dir.resolve(ReportGenerator.RUN_PROPERTIES), String.join("\n",
            "mode=" + mode,
            "command=benchmarks/run-all.sh" + (mode.equals("smoke") ? " --smoke" : ""),
            "started=2026-11-25 14\\:00 UTC",
            "duration.seconds=600",
            "estimate.seconds=560",
            "git.commit=abcdef123456",
            "git.dirty=false",
            "jmh.options=-f 1 -wi 3 -w 1s -i 5 -r 1s",
            "machine.cores=2",
            "machine.kernel=6.1.0-test",
            "machine.fs=ext4 (/dev/vda on /)",
            "machine.jdk=OpenJDK 17",
            "machine.load.start=0.05 0.10 0.20",
            "machine.load.end=1.90 1.00 0.50",
            "step.1.name=jmh lock-table",
            "step.1.area=lock-table",
            "step.1.status=ok",
            "step.1.seconds=500",
            "step.1.command=java -jar benchmarks/target/benchmarks.jar x",
            "step.2.name=RedoBeginBenchmark",
            "step.2.area=redo",
            "step.2.status=skipped",
            "step.2.note=io.pathlock.bench.redo.RedoBeginBenchmark is not in this jar",
            ""), StandardCharsets.UTF_8);
    }

    @Test
    void writesTargetsTablesMachineChartsAndSteps(@TempDir final Path tmp) throws IOException
    {
        final Path results = tmp.resolve("benchmarks/results/2026-11-25");
        Files.createDirectories(results);
        writeRun(results, "full");
        final Path out = tmp.resolve("benchmarks/BENCHMARKS.md");
        final ReportGenerator.Report r = ReportGenerator.generate(results, out, results.resolve("charts"), List.of("noisy dev run"));
        final String md = Files.readString(out, StandardCharsets.UTF_8);

        assertEquals(14, r.measurements());
        assertTrue(r.problems().isEmpty(), r.problems().toString());
        assertTrue(md.startsWith("# pathlock benchmarks"), md);
        assertTrue(md.contains("> noisy dev run"), md);
        assertFalse(md.contains("Busy machine"), "load 0.05 at the start is quiet");
        assertTrue(md.contains("by `benchmarks/run-all.sh` (full run, 10.0 min), commit `abcdef123456`"), md);
        assertTrue(md.contains("[`results/2026-11-25/`](results/2026-11-25/)"), md);
        // targets: 2.1 (90/15 = 6x) met, 2.1f (150/15 = 10x) missed by 25 %
        assertTrue(md.contains("| 2.1 | #2 |") && md.contains("**met**: 6.00x ≤ 8.00x (1.33x headroom)"), md);
        assertTrue(md.contains("**missed** by 25%: 10.0x > 8.00x"), md);
        assertTrue(md.contains("| 4.1 | #4 |") && md.contains("**not measured**: no result for `redo.RedoBeginBenchmark.redo[threads=64]`"), md);
        assertEquals(2, r.met() + r.missed());
        // machine, area table with ratios to baselines of the same parameters
        assertTrue(md.contains("| kernel (`uname -r`) | 6.1.0-test |"), md);
        assertTrue(md.contains("| file system of the benchmark directory (`df -T`) | ext4 (/dev/vda on /) |"), md);
        assertTrue(md.contains("| table.LockDepthBenchmark.table | depth=4, type=POINT | 80.0 | ± 1.00 | ns/op | 0.100x ± 0.00177 naive; 5.33x ± 0.190 reentrantLock |"), md);
        assertTrue(md.contains("| table.LockDepthBenchmark.reentrantLock |  | 15.0 | ± 0.500 | ns/op | baseline |"), md);
        // rows are sorted by depth numerically
        assertTrue(md.indexOf("depth=4, type=POINT | 80.0") < md.indexOf("depth=16, type=POINT | 320"), md);
        // latency table and charts, linked relative to the report
        assertTrue(md.contains("### handoff-inprocess"), md);
        assertTrue(md.contains("| pathlock | 1,000 |"), md);
        assertTrue(md.contains("![Lock table: uncontended acquire+release by path depth](results/2026-11-25/charts/lock-table-depth.png)"), md);
        assertTrue(md.contains("(results/2026-11-25/charts/handoff-inprocess.png)"), md);
        for (final String png : new String[] {"lock-table-depth.png", "handoff-inprocess.png"})
        {
            final byte[] b = Files.readAllBytes(results.resolve("charts").resolve(png));
            assertTrue(b.length > 5000, png);
            assertArrayEquals(PNG_MAGIC, java.util.Arrays.copyOf(b, 4), png);
        }
        assertEquals(2, r.charts());
        // skipped harnesses are said in their area, steps and commands at the end
        assertTrue(md.contains("**skipped**: RedoBeginBenchmark: io.pathlock.bench.redo.RedoBeginBenchmark is not in this jar."), md);
        assertTrue(md.contains("Estimated 9.3 min, took 10.0 min."), md);
        assertTrue(md.contains("java -jar benchmarks/target/benchmarks.jar x\n"), md);
    }

    @Test
    void targetsOfAreasLeftOutByOnlySaySo(@TempDir final Path tmp) throws IOException
    {
        writeRun(tmp, "full");
        Files.writeString(tmp.resolve(ReportGenerator.RUN_PROPERTIES), "only=lock-table,handoff\n", StandardCharsets.UTF_8,
            java.nio.file.StandardOpenOption.APPEND);
        final Path out = tmp.resolve("BENCHMARKS.md");
        ReportGenerator.generate(tmp, out, tmp.resolve("charts"), List.of());
        final String md = Files.readString(out, StandardCharsets.UTF_8);
        assertTrue(md.contains("| 4.1 | #4 |") && md.contains("**not measured**: the redo area was not run (`--only lock-table,handoff`)"), md);
        assertTrue(md.contains("**not measured**: no result for `LockTableBenchmark.tableSubtreeAfterHistory` in this run"), md);
    }

    @Test
    void smokeRunsAreMarkedAndNotJudged(@TempDir final Path tmp) throws IOException
    {
        writeRun(tmp, "smoke");
        final Path out = tmp.resolve("BENCHMARKS.md");
        ReportGenerator.generate(tmp, out, tmp.resolve("charts"), List.of());
        final String md = Files.readString(out, StandardCharsets.UTF_8);
        assertTrue(md.contains("**Smoke run**"), md);
        assertTrue(md.contains("not judged (smoke run)"), md);
        assertFalse(md.contains("**met**"), md);
        assertTrue(md.contains("[`./`](./)"), md);
    }

    @Test
    void withoutRunPropertiesTheMachineIsCollectedAndTheLoadJudged(@TempDir final Path tmp) throws IOException
    {
        Files.writeString(tmp.resolve("x.json"), Fixtures.jmhArray(List.of(
            Fixtures.jmhRow("io.pathlock.bench.NewBenchmark.x", "avgt", 1, Map.of(), 5, 0.1, "ns/op"))));
        final Path out = tmp.resolve("BENCHMARKS.md");
        final ReportGenerator.Report r = ReportGenerator.generate(tmp, out, tmp.resolve("charts"), List.of());
        final String md = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(1, r.measurements());
        assertTrue(md.contains("No `run.properties`"), md);
        assertTrue(md.contains("| NewBenchmark.x |"), "a benchmark unknown to the catalogue still gets its row: " + md);
        assertTrue(md.contains("| cores (`nproc`) | " + Runtime.getRuntime().availableProcessors()) || md.contains("| cores (`nproc`) |"), md);
        assertTrue(md.contains("_Not recorded (no `run.properties`)._"), md);
    }
}

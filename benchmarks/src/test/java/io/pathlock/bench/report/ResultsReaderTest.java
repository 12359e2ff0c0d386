package io.pathlock.bench.report;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultsReaderTest
{
    static final String REDO_OUT = """
        redo begin benchmark: dir=/x, payload=128 B, 5 s measured after 2 s warm-up per run, java 17, 2 cpus
        baseline threads= 1 ops/s=     5000 p50=   190.0 us p99=   400.0 us

        | run | threads | ops/s | p50 us | p90 us | p99 us | p99.9 us | max us | x baseline (same threads) | p99 / median fdatasync | p99 / p99 fdatasync | mean batch |
        |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
        | baseline | 1 | 5000 | 190.0 | 250.0 | 400.0 | 900.0 | 1000.0 | 1.00 | 2.11 | 1.00 | - |
        | redo | 1 | 4800 | 200.0 | 260.0 | 420.0 | 950.0 | 1100.0 | 0.96 | 2.21 | 1.05 | 1.0 |
        | baseline | 64 | 5100 | 12000.0 | 13000.0 | 14000.0 | 15000.0 | 16000.0 | 1.00 | 73.7 | 35.0 | - |
        | redo | 64 | 90000 | 500.0 | 520.0 | 560.0 | 700.0 | 900.0 | 17.65 | 2.95 | 1.40 | 40.2 |

        one fdatasync (1-thread baseline: append 128 B + fdatasync): median 190.0 us, p99 400.0 us
        """;

    @Test
    void readsJmhJsonHgrmAndHarnessTables(@TempDir final Path dir) throws IOException
    {
        Files.writeString(dir.resolve("lock-table.json"), Fixtures.jmhArray(List.of(
            Fixtures.jmhRow("io.pathlock.bench.table.LockDepthBenchmark.table", "avgt", 1, Map.of("depth", "4", "type", "POINT"),
                160.5, 3.25, "ns/op"),
            Fixtures.jmhRow("io.pathlock.bench.DisjointPathsBenchmark.table2Threads", "thrpt", 2, Map.of(), 20, Double.NaN, "ops/us"))));
        Files.writeString(dir.resolve("not-jmh.json"), "{\"some\": \"config\"}");
        Files.writeString(dir.resolve("broken.json"), "[{");
        Files.writeString(dir.resolve("io.pathlock.bench.redo.RedoBeginBenchmark.out"), REDO_OUT);
        Files.writeString(dir.resolve("io.pathlock.bench.Other.out"), REDO_OUT);

        final Histogram h = new Histogram(3_600_000_000L, 3);
        for (int i = 1; i <= 10_000; i++)
        {
            h.recordValue(i * 1000L); // 1 µs .. 10 ms, uniform
        }
        HistogramFiles.write(dir, "handoff-inprocess-pathlock", h);

        final ResultsReader r = ResultsReader.read(dir, Set.of("io.pathlock.bench.redo.RedoBeginBenchmark"));
        assertEquals(1, r.problems().size(), r.problems().toString());
        assertTrue(r.problems().get(0).startsWith("broken.json: JSON"), r.problems().toString());

        final Measurement depth = find(r, "io.pathlock.bench.table.LockDepthBenchmark.table");
        assertEquals(Map.of("depth", "4", "type", "POINT"), depth.params());
        assertEquals(160.5, depth.score());
        assertEquals(3.25, depth.error());
        assertEquals("ns/op", depth.unit());
        assertEquals("avgt", depth.mode());
        final Measurement two = find(r, "io.pathlock.bench.DisjointPathsBenchmark.table2Threads");
        assertEquals("2", two.param("threads"), "threads falls back to JMH's thread count");
        assertTrue(Double.isNaN(two.error()));
        assertTrue(two.higherIsBetter("score"));

        final Measurement hist = find(r, "handoff-inprocess-pathlock");
        assertEquals(10_000, hist.value("count"));
        for (final double p : new double[] {50, 90, 99, 99.9})
        {
            final double exact = h.getValueAtPercentile(p) / 1e3;
            final double read = hist.value(ResultsReader.percentileKey(p));
            assertEquals(exact, read, exact * 0.02, "p" + p);
        }
        assertEquals(h.getMaxValue() / 1e3, hist.value("max"), 1.0);
        assertTrue(hist.curve().size() > 20);

        final List<Measurement> redo = r.measurements().stream().filter(m -> m.name().contains("RedoBegin")).toList();
        assertEquals(4, redo.size(), "only the listed harness's tables are read");
        final Measurement r64 = redo.stream().filter(m -> m.name().endsWith(".redo") && "64".equals(m.param("threads"))).findFirst()
            .orElseThrow();
        assertEquals(90000, r64.score());
        assertEquals("ops/s", r64.unit());
        assertEquals(560.0, r64.value("p99"));
        assertEquals(900.0, r64.value("max"));

        // targets 4.1 and 4.2 read these rows
        final List<Target.Check> t41 = Catalogue.TARGETS.stream().filter(t -> t.id().equals("4.1")).findFirst().orElseThrow()
            .check(r.measurements());
        assertEquals(1, t41.size());
        assertEquals(90000.0 / 5100, t41.get(0).value(), 1e-9);
        assertEquals(Target.Status.MET, t41.get(0).status());
        final List<Target.Check> t42 = Catalogue.TARGETS.stream().filter(t -> t.id().equals("4.2")).findFirst().orElseThrow()
            .check(r.measurements());
        assertEquals(2, t42.size(), "one check per thread count");
        assertEquals(420.0 / 190.0, t42.get(0).value(), 1e-9);
        assertEquals(560.0 / 190.0, t42.get(1).value(), 1e-9);
    }

    @Test
    void anHgrmWithoutRowsIsAProblem(@TempDir final Path dir) throws IOException
    {
        Files.writeString(dir.resolve("handoff-x-y.hgrm"), "       Value     Percentile TotalCount 1/(1-Percentile)\n\n");
        final ResultsReader r = ResultsReader.read(dir, Set.of());
        assertTrue(r.measurements().isEmpty());
        assertEquals(List.of("handoff-x-y.hgrm: no percentile rows"), r.problems());
        assertThrows(IllegalArgumentException.class, () -> HistogramFiles.write(dir, "nodash", new Histogram(3)));
    }

    private static Measurement find(final ResultsReader r, final String name)
    {
        return r.measurements().stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError(name));
    }
}

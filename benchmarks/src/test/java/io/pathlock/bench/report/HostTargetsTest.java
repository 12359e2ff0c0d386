package io.pathlock.bench.report;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12's targets read what the host benchmarks write: JMH sample-time JSON (the median of single
 * operations), the {@code DisjointProcesses} table and the {@code host-*.hgrm} files.
 */
class HostTargetsTest
{
    private static final String P = Catalogue.PACKAGE;

    /** A JMH sample-time row as JMH 1.37 writes it (percentiles of operations, microseconds). */
    private static String sampleRow(final String store, final double mean, final double p50, final double p99)
    {
        return String.format(Locale.ROOT, """
            {
                "jmhVersion" : "1.37",
                "benchmark" : "io.pathlock.bench.host.HostPointBenchmark.point",
                "mode" : "sample",
                "threads" : 1,
                "forks" : 1,
                "params" : { "store" : "%s" },
                "primaryMetric" : {
                    "score" : %s,
                    "scoreError" : 0.01,
                    "scoreConfidence" : [ 1.0, 2.0 ],
                    "scorePercentiles" : { "0.0" : 0.1, "50.0" : %s, "90.0" : %s, "95.0" : %s, "99.0" : %s, "99.9" : %s,
                        "99.99" : %s, "99.999" : %s, "99.9999" : %s, "100.0" : %s },
                    "scoreUnit" : "us/op",
                    "rawData" : [ [ 1.0, 2.0 ] ]
                },
                "secondaryMetrics" : { "p0.50" : { "score" : %s, "scoreUnit" : "us/op" },
                    "gc.alloc.rate.norm" : { "score" : 0.01, "scoreUnit" : "B/op" } }
            }""", store, mean, p50, p50 * 1.2, p50 * 1.5, p99, p99 * 2, p99 * 3, p99 * 4, p99 * 5, p99 * 10, p50);
    }

    private static void hgrm(final Path dir, final String stem, final long micros) throws IOException
    {
        final Histogram h = new Histogram(3_600_000_000L, 3);
        for (int i = 0; i < 1000; i++)
        {
            h.recordValue(micros * 1000L);
        }
        HistogramFiles.write(dir, stem, h);
    }

    private static Target.Check check(final String id, final List<Measurement> all)
    {
        final List<Target.Check> c = Catalogue.TARGETS.stream().filter(t -> t.id().equals(id)).findFirst().orElseThrow().check(all);
        assertEquals(1, c.size(), id + ": " + c);
        return c.get(0);
    }

    @Test
    void everyIssue12TargetIsReadFromWhatTheHostBenchmarksWrite(@TempDir final Path dir) throws IOException
    {
        Files.writeString(dir.resolve("host.json"), Fixtures.jmhArray(List.of(
            sampleRow("table", 0.7, 0.6, 2.0), sampleRow("table.ragfs", 90, 80, 200), sampleRow("files", 95, 90, 300),
            Fixtures.jmhRow(P + "host.HostSubtreeBenchmark.subtreeAfterHistory", "avgt", 1, Map.of("store", "table"), 1.5, 0.05,
                "us/op"),
            Fixtures.jmhRow(P + "host.HostSubtreeBenchmark.subtreeFresh", "avgt", 1, Map.of("store", "table"), 1.0, 0.05, "us/op"))));
        Files.writeString(dir.resolve(P + "host.DisjointProcesses.out"), """
            | run | processes | blocks | ops/s | ops/s min | ops/s max | ratio to 1 process (median of rounds) |
            |---|---:|---:|---:|---:|---:|---:|
            | table | 1 | 20 | 1,000,000 | 900,000 | 1,100,000 | 1.00x |
            | table | 2 | 20 | 1,700,000 | 1,500,000 | 1,900,000 | 1.70x |
            | files | 1 | 20 | 10,000 | 9,000 | 11,000 | 1.00x |
            | files | 2 | 20 | 12,000 | 11,000 | 13,000 | 1.20x |
            """);
        hgrm(dir, "host-handoff-table", 60);
        hgrm(dir, "host-handoff-files", 1500);
        hgrm(dir, "host-kill-table", 12_000);
        hgrm(dir, "host-kill-files", 9_000);

        final ResultsReader r = ResultsReader.read(dir, Set.of(P + "host.DisjointProcesses"));
        assertEquals(List.of(), r.problems());
        final List<Measurement> all = r.measurements();

        final Measurement table = all.stream().filter(m -> "table".equals(m.param("store")) && m.name().endsWith("point")).findFirst()
            .orElseThrow();
        assertEquals(0.6, table.value("p50"), 1e-12, "sample-time percentiles become metrics");
        assertEquals(2.0, table.value("p99"), 1e-12);
        assertEquals(20.0, table.value("max"), 1e-12);
        assertEquals(0.7, table.score(), 1e-12, "the score stays the mean");
        assertTrue(!table.metrics().containsKey("p0.50") && table.metrics().containsKey("gc.alloc.rate.norm"),
            "JMH's p0.50 is replaced by p50; other secondary metrics stay: " + table.metrics());

        final Target.Check t1 = check("12.1", all);
        assertEquals(Target.Status.MET, t1.status(), t1.verdictText());
        assertEquals(0.6, t1.value(), 1e-12);
        final Target.Check t1r = check("12.1r", all);
        assertEquals(0.6 / 90, t1r.value(), 1e-12, "table p50 over files p50");
        assertEquals(Target.Status.MET, t1r.status());
        final Target.Check t2 = check("12.2", all);
        assertEquals(1.5, t2.value(), 1e-12);
        assertEquals(Target.Status.MISSED, t2.status(), "1.5x > 1.2x");
        assertEquals(Target.Status.MET, check("12.2a", all).status());
        final Target.Check t3 = check("12.3", all);
        assertEquals(60, t3.value(), 1);
        assertEquals(Target.Status.MET, t3.status());
        final Target.Check t4 = check("12.4", all);
        assertEquals(1.7, t4.value(), 1e-9);
        assertEquals("table", Measurement.shorten(t4.row().name()).substring("host.DisjointProcesses.".length()));
        assertEquals(Target.Status.MET, t4.status());
        final Target.Check t5 = check("12.5", all);
        assertEquals(Target.Status.MISSED, t5.status(), "12 ms > 10 ms");
        assertTrue(t5.verdictText().contains("missed"), t5.verdictText());

        assertEquals(Catalogue.Area.HOST, Catalogue.areaOf(table));
        assertEquals(Catalogue.Area.HOST, Catalogue.areaOf(all.stream().filter(m -> m.name().equals("host-handoff-table"))
            .findFirst().orElseThrow()), "host-handoff-* is the host table's, not the hand-off section's");
        assertEquals(Catalogue.Area.HOST, Catalogue.Area.ofKey("host"));
    }

    @Test
    void averageTimePercentilesAreNotOperationPercentiles(@TempDir final Path dir) throws IOException
    {
        // The same row in avgt mode: JMH's scorePercentiles are then over iterations; none is read.
        Files.writeString(dir.resolve("x.json"), Fixtures.jmhArray(List.of(sampleRow("table", 0.7, 0.6, 2.0).replace("\"sample\"",
            "\"avgt\""))));
        final Measurement m = ResultsReader.read(dir, Set.of()).measurements().get(0);
        assertTrue(Double.isNaN(m.value("p50")), m.metrics().toString());
    }
}

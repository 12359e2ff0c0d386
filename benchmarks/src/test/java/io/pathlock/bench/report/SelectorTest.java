package io.pathlock.bench.report;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SelectorTest
{
    private static final String P = Catalogue.PACKAGE;

    @Test
    void namesAreRelativeToTheBenchPackageAndHgrmStemsAreNot()
    {
        assertTrue(Selector.of("table.X.y").matches(Fixtures.m(P + "table.X.y", Map.of(), "avgt", 1, 0, "ns/op")));
        assertTrue(Selector.of("io.other.X.y").matches(Fixtures.m("io.other.X.y", Map.of(), "avgt", 1, 0, "ns/op")));
        assertTrue(Selector.of("handoff-inprocess-pathlock#p99").matches(Fixtures.latency("handoff-inprocess-pathlock", 1, 2)));
        assertTrue(Selector.of("table.X.*").matches(Fixtures.m(P + "table.X.anything", Map.of(), "avgt", 1, 0, "ns/op")));
        assertFalse(Selector.of("table.X.y").matches(Fixtures.m(P + "table.X.yz", Map.of(), "avgt", 1, 0, "ns/op")));
    }

    @Test
    void pinnedParametersAndMetricsSelect()
    {
        final Selector s = Selector.of("redo.R.redo[threads=64]#p99");
        assertEquals(Map.of("threads", "64"), s.pinned());
        assertEquals("p99", s.metric());
        final Measurement with = new Measurement("x.out", P + "redo.R.redo", Map.of("threads", "64"), "thrpt", 0, 10, Double.NaN,
            "ops/s", Map.of("p99", 5.0), List.of());
        final Measurement other = new Measurement("x.out", P + "redo.R.redo", Map.of("threads", "4"), "thrpt", 0, 10, Double.NaN,
            "ops/s", Map.of("p99", 5.0), List.of());
        final Measurement noMetric = new Measurement("x.out", P + "redo.R.redo", Map.of("threads", "64"), "thrpt", 0, 10, Double.NaN,
            "ops/s", Map.of(), List.of());
        assertTrue(s.matches(with));
        assertFalse(s.matches(other));
        assertFalse(s.matches(noMetric), "a row without the metric is not selected");
        assertThrows(IllegalArgumentException.class, () -> Selector.of("a.B.c[threads=1"));
        assertThrows(IllegalArgumentException.class, () -> Selector.of("a.B.c[threads]"));
    }

    @Test
    void baselineSharesUnpinnedParametersWithTheRow()
    {
        final Measurement row4 = Fixtures.m(P + "D.table", Map.of("depth", "4", "type", "POINT"), "avgt", 100, 1, "ns/op");
        final Measurement naive1 = Fixtures.m(P + "D.naive", Map.of("depth", "1", "type", "POINT"), "avgt", 50, 1, "ns/op");
        final Measurement naive4 = Fixtures.m(P + "D.naive", Map.of("depth", "4", "type", "POINT"), "avgt", 200, 1, "ns/op");
        final Measurement naive4s = Fixtures.m(P + "D.naive", Map.of("depth", "4", "type", "SUBTREE"), "avgt", 300, 1, "ns/op");
        final Measurement mutex = Fixtures.m(P + "D.mutex", Map.of(), "avgt", 15, 1, "ns/op");
        final List<Measurement> all = List.of(row4, naive1, naive4, naive4s, mutex);
        assertSame(naive4, Selector.of("D.naive").baselineFor(row4, all));
        assertSame(mutex, Selector.of("D.mutex").baselineFor(row4, all), "a baseline without parameters fits every row");
        assertSame(naive1, Selector.of("D.naive[depth=1]").baselineFor(row4, all), "pinned parameters win");
        assertNull(Selector.of("D.other").baselineFor(row4, all));
    }

    @Test
    void labelsAreShort()
    {
        assertEquals("naive", Selector.of("table.LockDepthBenchmark.naive").label());
        assertEquals("table[history=0]", Selector.of("table.SubtreeHistoryBenchmark.table[history=0]").label());
        assertEquals("baseline[threads=1] p50", Selector.of("redo.RedoBeginBenchmark.baseline[threads=1]#p50").label());
        assertEquals("reentrantlock p99", Selector.of("handoff-inprocess-reentrantlock#p99").label());
    }
}

package io.pathlock.bench.report;

import io.pathlock.cli.PercentileTable;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PercentileTableTest
{
    @Test
    void rendersMicrosecondsAndRatiosToTheBaselineRow()
    {
        final Histogram fast = new Histogram(3);
        final Histogram slow = new Histogram(3);
        for (int i = 0; i < 100; i++)
        {
            fast.recordValue(10_000);  // 10 µs
            slow.recordValue(25_000);  // 25 µs
        }
        final String md = new PercentileTable().baseline("jdk").add("pathlock", slow, 1000).add("jdk", fast, Double.NaN).render();
        final String[] lines = md.split("\n");
        assertEquals("| contender | count | ops/s | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs | p50 vs jdk | p99 vs jdk |", lines[0]);
        assertEquals("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|", lines[1]);
        assertEquals("| pathlock | 100 | 1,000 | 25.0 | 25.0 | 25.0 | 25.0 | 25.0 | 2.50x | 2.50x |", lines[2]);
        assertEquals("| jdk | 100 | – | 10.0 | 10.0 | 10.0 | 10.0 | 10.0 | 1.00x | 1.00x |", lines[3]);
    }

    @Test
    void withoutBaselineThereAreNoRatioColumns()
    {
        final Histogram h = new Histogram(3);
        h.recordValue(1500);
        final String md = new PercentileTable().add("a", h, Double.NaN).render();
        assertTrue(md.startsWith("| contender | count | p50 µs |"), md);
        assertTrue(md.contains("| a | 1 | 1.50 |"), md);
        assertTrue(!md.contains("vs"), md);
        assertEquals("1,234", PercentileTable.micros(1234.4));
        assertEquals("0.50", PercentileTable.micros(0.5));
    }
}

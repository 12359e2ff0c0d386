package io.pathlock.bench.table;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The report rows MixedWorkload makes of {@code pathlock bench --json}: one per contender and thread count. */
class MixedWorkloadTest
{
    @Test
    void everyContenderGetsItsRowNoLockIncluded(@TempDir final Path dir) throws Exception
    {
        final Path json = dir.resolve("mixed.json");
        Files.writeString(json, "{\"runs\": [{\"threads\": 2, \"contenders\": ["
            + contender("pathlock (memory)", 3000000) + ", "
            + contender("java-multilocks", 2000000) + ", "
            + contender("naive RW-lock map", 1000000) + ", "
            + contender("no lock (the harness alone)", 4000000) + "]}]}");
        assertEquals(String.join("\n",
            "| pathlock | 2 | 3000000 | 0.10 | 0.50 | 1.00 |",
            "| multilock | 2 | 2000000 | 0.10 | 0.50 | 1.00 |",
            "| naive | 2 | 1000000 | 0.10 | 0.50 | 1.00 |",
            "| none | 2 | 4000000 | 0.10 | 0.50 | 1.00 |", ""), MixedWorkload.rows(json).replace("\r\n", "\n"));
    }

    private static String contender(final String name, final double ops)
    {
        return "{\"name\": \"" + name + "\", \"opsPerSecMedian\": " + ops + ", \"p50us\": 0.1, \"p99us\": 0.5, \"p999us\": 1.0}";
    }
}

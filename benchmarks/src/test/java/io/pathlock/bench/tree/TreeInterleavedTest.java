package io.pathlock.bench.tree;

import io.pathlock.bench.report.Catalogue;
import io.pathlock.bench.report.Measurement;
import io.pathlock.bench.report.ResultsReader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The interleaved harness prints tables the report reads: one row per TreeOps row and per baseline. */
class TreeInterleavedTest
{
    private static final String HARNESS = TreeInterleaved.class.getName();

    @Test
    void aSmokeRunPrintsEveryRowInTablesTheReportReads(@TempDir final Path results) throws Exception
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8))
        {
            TreeInterleaved.run(new String[] {"--smoke", "--store", "memory,files", "--durability", "NONE"}, out);
        }
        Files.writeString(results.resolve(HARNESS + ".out"), bytes.toString(StandardCharsets.UTF_8));
        final ResultsReader r = ResultsReader.read(results, Set.of(HARNESS));
        assertEquals(List.of(), r.problems());
        final List<Measurement> all = r.measurements();
        assertEquals(2 * 2 + 3, all.size(), "write and move per store, three baselines: " + all);
        for (final Measurement m : all)
        {
            assertEquals("NONE", m.param("durability"), m.toString());
            assertTrue(m.value("p50") > 0, m.toString());
            assertEquals(Catalogue.Area.TREE, Catalogue.areaOf(m), m.toString());
            final String run = m.name().substring(HARNESS.length() + 1);
            assertEquals(run.equals("write") || run.equals("move"), m.param("store") != null, m.toString());
        }
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("write store=files NONE:"), bytes.toString());
    }

    @Test
    void badArgumentsAreRefusedByName()
    {
        final PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertTrue(refused(out, "--store", "disk").contains("'disk'"));
        assertTrue(refused(out, "--rounds", "0").contains("--rounds '0'"));
        assertTrue(refused(out, "--block-ms").contains("needs a value"));
    }

    private static String refused(final PrintStream out, final String... args)
    {
        return assertThrows(IllegalArgumentException.class, () -> TreeInterleaved.run(args, out)).getMessage();
    }
}

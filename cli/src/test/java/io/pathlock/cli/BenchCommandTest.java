package io.pathlock.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchCommandTest
{
    private record Run(int code, String out, String err)
    {
    }

    private static Run run(final String... args)
    {
        final StringWriter err = new StringWriter();
        final PrintStream oldOut = System.out;
        final PrintStream oldErr = System.err;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream errStream = new ByteArrayOutputStream();
        try
        {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errStream, true, StandardCharsets.UTF_8));
            final CommandLine cl = PathlockCommand.commandLine();
            cl.setErr(new PrintWriter(err, true));
            final int code = cl.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err + errStream.toString(StandardCharsets.UTF_8));
        }
        finally
        {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void shortBenchPrintsBothContendersAndTheRatio()
    {
        final Run r = run("bench", "--threads", "2", "--seconds", "1", "--warmup", "0", "--depth", "3", "--fanout", "4",
            "--no-progress");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("pathlock (memory)"), r.out());
        assertTrue(r.out().contains("naive RW-lock map"), r.out());
        assertTrue(r.out().contains("ratio pathlock / naive: throughput"), r.out());
        assertTrue(r.out().contains("p99"), r.out());
        // the percentile table format of the benchmark report (benchmarks/BENCHMARKS.md)
        assertTrue(r.out().contains("| contender | count | ops/s | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs |"
            + " p50 vs naive RW-lock map | p99 vs naive RW-lock map |"), r.out());
        assertTrue(r.out().contains("\n| pathlock (memory) | "), r.out());
        assertTrue(r.out().contains("| 1.00x | 1.00x |\n"), "the baseline row's ratios: " + r.out());
    }

    @Test
    void fileStoreRunsOnATemporaryTreeAndDeletesIt(@TempDir final Path tmp) throws Exception
    {
        final Run r = run("bench", "--store", "file", "--dir", tmp.toString(), "--threads", "2", "--seconds", "1", "--warmup", "0",
            "--depth", "3", "--fanout", "3", "--no-progress");
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("store file"), r.out());
        assertTrue(r.out().contains("lock files in a temporary tree " + tmp), r.out());
        assertTrue(r.out().contains("(12 directories, 27 files; deleted afterwards)"), r.out());
        assertTrue(r.out().contains("\n| pathlock (") && r.out().contains("naive RW-lock map"), r.out());
        assertTrue(r.out().contains("| contender | count | ops/s | p50 µs |"), r.out());
        assertTrue(r.out().contains("ratio pathlock / naive: throughput"), r.out());
        assertTrue(r.out().contains("the naive baseline runs in memory"), r.out());
        try (Stream<Path> left = Files.list(tmp))
        {
            assertEquals(0, left.count(), "the temporary tree is deleted");
        }
    }

    @Test
    void badOptionsGetAUsageMessageNotAStackTrace()
    {
        for (final String[] args : new String[][] {
            {"bench", "--threads", "0"},
            {"bench", "--mix", "50,50"},
            {"bench", "--mix", "50,x,50"},
            {"bench", "--store", "zookeeper"},
            {"bench", "--dir", "/tmp"},
            {"bench", "--store", "file", "--backend", "fuse"},
            {"bench", "--threads", "many"},
            {"bench", "--no-such-option"},
            {}})
        {
            final Run r = run(args);
            assertEquals(PathlockCommand.EXIT_USAGE, r.code(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.err().startsWith("pathlock: ") || r.err().contains("Usage"), String.join(" ", args) + " -> [" + r.err() + "]");
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        }
        final Run mix = run("bench", "--mix", "50,50");
        assertTrue(mix.err().contains("--mix must be three percentages"), mix.err());
    }
}

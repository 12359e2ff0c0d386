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
    void shortBenchRunsEveryContenderInAlternatingBlocksAndSaysWhichDirectionIsBetter(@TempDir final Path tmp) throws Exception
    {
        final Path json = tmp.resolve("out/bench.json");
        final Run r = run("bench", "--threads", "1,2", "--seconds", "1", "--warmup", "0", "--block-ms", "50", "--depth", "3",
            "--fanout", "4", "--no-progress", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("machine: " + Runtime.getRuntime().availableProcessors() + " cores, load average "), r.out());
        assertTrue(r.out().contains("load average after: "), r.out());
        assertTrue(r.out().contains("1 thread: 20 rounds, each one block per contender in rotating order"), r.out());
        assertTrue(r.out().contains("2 threads: 20 rounds"), r.out());
        assertTrue(r.out().contains("| contender | blocks | ops/s (median) | ops/s min - max | p50 µs | p99 µs | p99.9 µs | max µs |"),
            r.out());
        for (final String c : new String[] {"| pathlock (memory) | 20 |", "| java-multilocks | 20 |", "| naive RW-lock map | 20 |"})
        {
            assertTrue(r.out().contains(c), c + " in " + r.out());
        }
        assertTrue(r.out().contains("pathlock / java-multilocks: throughput "), r.out());
        assertTrue(r.out().contains("(higher is better; per round: median "), r.out());
        assertTrue(r.out().contains("p99 latency ") && r.out().contains("(lower is better;"), r.out());
        assertTrue(r.out().contains("pathlock / naive RW-lock map: throughput "), r.out());
        final String j = Files.readString(json);
        assertTrue(j.contains("\"machine\": {\"cores\": "), j);
        assertTrue(j.contains("\"threads\": 2"), j);
        assertTrue(j.contains("\"name\": \"java-multilocks\""), j);
        assertEquals(3 * 20 * 2, j.split("\\{\"round\": ", -1).length - 1, "one JSON record per measured block");
    }

    @Test
    void contendersCanBeChosen()
    {
        final Run r = run("bench", "--threads", "1", "--seconds", "1", "--warmup", "0", "--block-ms", "100", "--depth", "2",
            "--fanout", "3", "--contenders", "multilock,pathlock", "--no-progress");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("| pathlock (memory) | 10 |") && r.out().contains("| java-multilocks | 10 |"), r.out());
        assertFalse(r.out().contains("naive"), r.out());
    }

    /** "none" takes no lock: a row for the harness alone and pathlock's ratio to it. */
    @Test
    void theNoLockContenderMeasuresTheHarnessAlone()
    {
        final Run r = run("bench", "--threads", "1", "--seconds", "1", "--warmup", "0", "--block-ms", "100", "--depth", "2",
            "--fanout", "3", "--contenders", "none,pathlock", "--no-progress");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("| pathlock (memory) | 10 |") && r.out().contains("| no lock (the harness alone) | 10 |"), r.out());
        assertTrue(r.out().contains("pathlock / no lock (the harness alone): throughput"), r.out());
        assertFalse(r.out().contains("java-multilocks"), r.out());
    }

    @Test
    void fileStoreRunsOnATemporaryTreeAndDeletesIt(@TempDir final Path tmp) throws Exception
    {
        final Run r = run("bench", "--store", "file", "--dir", tmp.toString(), "--threads", "2", "--seconds", "1", "--warmup", "0",
            "--depth", "3", "--fanout", "3", "--block-ms", "100", "--no-progress");
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("store file"), r.out());
        assertTrue(r.out().contains("lock files in a temporary tree " + tmp), r.out());
        assertTrue(r.out().contains("(12 directories, 27 files; deleted afterwards)"), r.out());
        assertTrue(r.out().contains("\n| pathlock (") && r.out().contains("naive RW-lock map"), r.out());
        assertTrue(r.out().contains("| contender | blocks | ops/s (median) |"), r.out());
        assertTrue(r.out().contains("pathlock / naive RW-lock map: throughput"), r.out());
        assertTrue(r.out().contains("the baselines run in memory"), r.out());
        try (Stream<Path> left = Files.list(tmp))
        {
            assertEquals(0, left.count(), "the temporary tree is deleted");
        }
    }

    @Test
    void fileStoreAcrossTwoWorkerProcesses(@TempDir final Path tmp) throws Exception
    {
        final Path json = tmp.resolve("bench.json");
        final Path trees = Files.createDirectories(tmp.resolve("trees"));
        final Run r = run("bench", "--store", "file", "--processes", "2", "--dir", trees.toString(), "--threads", "1", "--seconds", "1",
            "--warmup", "0", "--depth", "3", "--fanout", "3", "--block-ms", "100", "--no-progress", "--json", json.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("store file, 2 worker processes"), r.out());
        assertTrue(r.out().contains("2 worker processes (child JVMs) on one root per store; only pathlock runs"), r.out());
        assertTrue(r.out().contains("2 processes x 1 thread: 10 rounds, each one block per contender in rotating order"), r.out());
        assertTrue(r.out().contains("| contender | blocks | ops/s (median) | ops/s min - max | p50 µs | p99 µs | p99.9 µs | max µs |"),
            r.out());
        assertTrue(r.out().contains("| pathlock (file, ragfs) | 10 |"), r.out());
        assertFalse(r.out().contains("java-multilocks") || r.out().contains("naive"), "no in-memory baseline: " + r.out());
        final String j = Files.readString(json);
        assertTrue(j.contains("\"threads\": 2, \"processes\": 2"), j);
        assertTrue(j.contains("\"store\": \"file\", \"interop\": null, \"compare\": null, \"processes\": 2"), j);
        assertEquals(10, j.split("\\{\"round\": ", -1).length - 1, "one JSON record per measured block");
        try (Stream<Path> left = Files.list(trees))
        {
            assertEquals(0, left.count(), "the temporary tree is deleted");
        }
    }

    /** The host table across worker processes, with lock files beside it in the same blocks (issue 12). */
    @Test
    void hostStoreAcrossWorkerProcessesComparedWithFiles(@TempDir final Path tmp) throws Exception
    {
        final Run r = run("bench", "--store", "host", "--interop", "none", "--compare", "file", "--processes", "2", "--dir",
            tmp.toString(), "--threads", "1", "--seconds", "1", "--warmup", "0", "--depth", "3", "--fanout", "3", "--block-ms", "100",
            "--no-progress");
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("store host (interop none), compared with file, 2 worker processes"), r.out());
        assertTrue(r.out().contains("the host lock table in a temporary tree " + tmp), r.out());
        assertTrue(r.out().contains("| pathlock (host, interop none) | 10 |"), r.out());
        assertTrue(r.out().contains("| pathlock (file, ragfs) | 10 |"), r.out());
        assertTrue(r.out().contains("pathlock / pathlock (file, ragfs): throughput "), r.out());
        try (Stream<Path> left = Files.list(tmp))
        {
            assertEquals(0, left.count(), "both temporary trees are deleted");
        }
    }

    @Test
    void hostStoreInThisProcessBesideTheBaselines(@TempDir final Path tmp) throws Exception
    {
        final Run r = run("bench", "--store", "host", "--interop", "none", "--dir", tmp.toString(), "--threads", "2", "--seconds", "1",
            "--warmup", "0", "--depth", "3", "--fanout", "3", "--block-ms", "100", "--no-progress");
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("\n| pathlock (host:") && r.out().contains("interop none"), r.out());
        assertTrue(r.out().contains("| java-multilocks | 10 |") && r.out().contains("| naive RW-lock map | 10 |"), r.out());
        assertTrue(r.out().contains("(pathlock on the host lock table; the baselines run in memory)"), r.out());
    }

    /** The request pool's size is an option, said in the header and in the JSON. */
    @Test
    void thePoolOfRequestsHasTheSizeAsked(@TempDir final Path tmp) throws Exception
    {
        final Path json = tmp.resolve("bench.json");
        final Run r = run("bench", "--threads", "1", "--seconds", "1", "--warmup", "0", "--block-ms", "100", "--depth", "2",
            "--fanout", "3", "--pool", "16", "--contenders", "pathlock", "--no-progress", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(", 16 requests in the pool, work 200, "), r.out());
        assertTrue(Files.readString(json).contains("\"pool\": 16, \"work\": 200"), Files.readString(json));
        final Run d = run("bench", "--threads", "1", "--seconds", "1", "--warmup", "0", "--block-ms", "100", "--depth", "2",
            "--fanout", "3", "--contenders", "pathlock", "--no-progress");
        assertTrue(d.out().contains(", 1,024 requests in the pool, "), "the default: " + d.out());
        final Run bad = run("bench", "--pool", "0");
        assertTrue(bad.err().contains("--pool must be in [1, 1048576], got 0"), bad.err());
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
            {"bench", "--threads", "1,0"},
            {"bench", "--block-ms", "5"},
            {"bench", "--pool", "0"},
            {"bench", "--pool", "2000000"},
            {"bench", "--contenders", "pathlock,zookeeper"},
            {"bench", "--contenders", "naive,naive"},
            {"bench", "--processes", "2"},
            {"bench", "--store", "host", "--processes", "0"},
            {"bench", "--store", "host", "--processes", "65"},
            {"bench", "--store", "host", "--processes", "2", "--contenders", "multilock"},
            {"bench", "--store", "file", "--compare", "file"},
            {"bench", "--store", "host", "--compare", "zookeeper"},
            {"bench", "--store", "file", "--interop", "none"},
            {"bench", "--store", "host", "--interop", "ragfs2"},
            {"bench", "--interop", "ragfs"},
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
        final Run memory = run("bench", "--processes", "2");
        assertTrue(memory.err().contains("--processes needs a store that processes share: --store file or host"), memory.err());
        final Run interop = run("bench", "--store", "host", "--interop", "ragfs2");
        assertTrue(interop.err().contains("--interop with --store host must be none, ragfs or ov431, got 'ragfs2'"), interop.err());
    }
}

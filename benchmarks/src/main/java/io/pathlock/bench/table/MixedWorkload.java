package io.pathlock.bench.table;

import io.pathlock.bench.report.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Issue 11's mixed-workload figures for the benchmark report: runs {@code pathlock bench} (the CLI's
 * built-in benchmark: mixed POINT/SUBTREE/mv over a generated tree, pathlock, java-multilocks, the
 * naive map and no lock at all in alternating blocks) in a child JVM with {@code --json}, and prints
 * one Markdown row per contender and thread count ({@code run} pathlock, multilock, naive or none,
 * {@code threads}, {@code ops/s} = the median over blocks, {@code p50 us}, {@code p99 us} over all
 * blocks) for the report, plus the per-round ratios the CLI printed. Targets 11.5 (throughput at
 * least 2x java-multilocks) and 11.5p (p99 at most 0.5x) read these rows; the {@code none} rows (the
 * harness alone) are the ceiling of those ratios for any lock, beside them in the same run.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.pathlock.bench.table.MixedWorkload \
 *     --cli cli/target/pathlock.jar --out DIR --threads 1,2 --seconds 10 --warmup 2
 * </pre>
 *
 * <p>{@code --smoke}: one second per contender in 50 ms blocks (the figures mean nothing). Exits
 * non-zero if the CLI jar is missing or the bench fails.
 */
public final class MixedWorkload
{
    private MixedWorkload()
    {
    }

    /**
     * Entry point.
     *
     * @param args {@code --cli JAR --out DIR [--threads 1,2] [--seconds N] [--warmup N] [--block-ms N] [--smoke]}.
     * @throws Exception if the child fails.
     */
    public static void main(final String[] args) throws Exception
    {
        Path cli = Path.of("cli/target/pathlock.jar");
        Path out = Path.of(System.getProperty("java.io.tmpdir"));
        String threads = "1,2";
        String seconds = "10";
        String warmup = "2";
        String blockMs = "200";
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--cli" -> cli = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--threads" -> threads = args[++i];
                case "--seconds" -> seconds = args[++i];
                case "--warmup" -> warmup = args[++i];
                case "--block-ms" -> blockMs = args[++i];
                case "--smoke" ->
                {
                    seconds = "1";
                    warmup = "0";
                    blockMs = "50";
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (!Files.isRegularFile(cli))
        {
            System.err.println("MixedWorkload: " + cli + " not found; build it with mvn -B -q -pl cli -am package -DskipTests");
            System.exit(2);
        }
        Files.createDirectories(out);
        final Path json = out.resolve("mixed-workload.json");
        final List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
            cli.toString(), "bench", "--contenders", "pathlock,multilock,naive,none", "--threads", threads, "--seconds", seconds,
            "--warmup", warmup, "--block-ms", blockMs, "--no-progress", "--json", json.toString()));
        System.out.println("$ " + String.join(" ", cmd));
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        final String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(1, TimeUnit.HOURS) || p.exitValue() != 0)
        {
            System.out.print(text);
            throw new IllegalStateException("pathlock bench failed (exit " + p.exitValue() + ")");
        }
        for (final String line : text.split("\n"))
        {
            if (line.startsWith("machine:") || line.startsWith("WARNING") || line.startsWith("pathlock /")
                || line.startsWith("load average"))
            {
                System.out.println(line);
            }
        }
        System.out.println();
        System.out.println("| run | threads | ops/s | p50 us | p99 us | p99.9 us |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        System.out.print(rows(json));
    }

    @SuppressWarnings("unchecked")
    static String rows(final Path json) throws IOException
    {
        final Map<String, Object> doc = (Map<String, Object>)Json.parse(Files.readString(json, StandardCharsets.UTF_8));
        final StringBuilder sb = new StringBuilder();
        for (final Object r : (List<Object>)doc.get("runs"))
        {
            final Map<String, Object> run = (Map<String, Object>)r;
            final int t = (int)Json.number(run.get("threads"));
            for (final Object c : (List<Object>)run.get("contenders"))
            {
                final Map<String, Object> con = (Map<String, Object>)c;
                final String name = String.valueOf(con.get("name"));
                final String key = name.startsWith("pathlock") ? "pathlock" : name.startsWith("java-multilocks") ? "multilock"
                    : name.startsWith("no lock") ? "none" : "naive";
                sb.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %.2f | %.2f | %.2f |%n", key, t,
                    Json.number(con.get("opsPerSecMedian")), Json.number(con.get("p50us")), Json.number(con.get("p99us")),
                    Json.number(con.get("p999us"))));
            }
        }
        return sb.toString();
    }
}

package io.pathlock.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the report says about the machine: cores, CPU, memory, kernel, OS, the file system of the
 * benchmark directory, the JDK and the load average, each read from the system ({@code nproc},
 * {@code uname -r}, {@code df -T}, {@code /proc}) with a fallback when a tool is missing.
 * Keys are prefixed {@code machine.}. Stateless; thread-safe.
 */
public final class MachineInfo
{
    private MachineInfo()
    {
    }

    /**
     * Collects the facts.
     *
     * @param benchDir the directory the file-system benchmarks use.
     * @return ordered key → value.
     */
    public static Map<String, String> collect(final Path benchDir)
    {
        final Map<String, String> m = new LinkedHashMap<>();
        final String nproc = run("nproc");
        m.put("machine.cores", nproc.isEmpty() ? Integer.toString(Runtime.getRuntime().availableProcessors()) : nproc);
        m.put("machine.cpu", cpuModel());
        m.put("machine.memory", memory());
        m.put("machine.kernel", run("uname", "-r"));
        m.put("machine.os", osName());
        m.put("machine.fs", fileSystem(benchDir));
        m.put("machine.jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
            + " (" + System.getProperty("java.vendor") + ")");
        m.put("machine.load.start", loadAverage());
        return m;
    }

    /**
     * The 1/5/15-minute load averages from {@code /proc/loadavg}.
     *
     * @return e.g. {@code 0.12 0.30 0.41}, or {@code unknown}.
     */
    public static String loadAverage()
    {
        try
        {
            final String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        }
        catch (final IOException | RuntimeException e)
        {
            return "unknown";
        }
    }

    /**
     * Now, in UTC, to the minute.
     *
     * @return e.g. {@code 2026-11-25 14:03 UTC}.
     */
    public static String now()
    {
        return ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));
    }

    private static String cpuModel()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8))
            {
                if (line.startsWith("model name"))
                {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        }
        catch (final IOException | RuntimeException e)
        {
            // fall through
        }
        return System.getProperty("os.arch");
    }

    private static String memory()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/meminfo"), StandardCharsets.UTF_8))
            {
                if (line.startsWith("MemTotal:"))
                {
                    final long kb = Long.parseLong(line.replaceAll("\\D", ""));
                    return String.format(java.util.Locale.ROOT, "%.1f GiB", kb / 1024.0 / 1024.0);
                }
            }
        }
        catch (final IOException | RuntimeException e)
        {
            // fall through
        }
        return "unknown";
    }

    private static String osName()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/etc/os-release"), StandardCharsets.UTF_8))
            {
                if (line.startsWith("PRETTY_NAME="))
                {
                    return line.substring("PRETTY_NAME=".length()).replace("\"", "");
                }
            }
        }
        catch (final IOException | RuntimeException e)
        {
            // fall through
        }
        return System.getProperty("os.name") + " " + System.getProperty("os.version");
    }

    /**
     * The file system of a directory: type and device from {@code df -T} (mount point too), else
     * {@code stat -f}.
     *
     * @param dir the directory (or its nearest existing parent).
     * @return e.g. {@code ext4 (/dev/vda on /)}.
     */
    public static String fileSystem(final Path dir)
    {
        Path d = dir.toAbsolutePath();
        while (d != null && !Files.exists(d))
        {
            d = d.getParent();
        }
        if (d == null)
        {
            return "unknown";
        }
        final String df = run("df", "-T", "-P", d.toString());
        final String[] lines = df.split("\n");
        if (lines.length >= 2)
        {
            final String[] f = lines[lines.length - 1].trim().split("\\s+");
            if (f.length >= 7)
            {
                return f[1] + " (" + f[0] + " on " + f[6] + ")";
            }
        }
        final String stat = run("stat", "-f", "-c", "%T", d.toString());
        return stat.isEmpty() ? "unknown" : stat;
    }

    /**
     * Runs a command and returns its trimmed standard output, empty on any failure.
     *
     * @param cmd the command and arguments.
     * @return the output.
     */
    public static String run(final String... cmd)
    {
        try
        {
            final Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(false)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0)
            {
                p.destroy();
                return "";
            }
            return out;
        }
        catch (final IOException e)
        {
            return "";
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}

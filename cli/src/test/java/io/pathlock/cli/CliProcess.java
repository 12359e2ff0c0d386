package io.pathlock.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Starts the {@code pathlock} command as a real JVM process (the test's class path, the CLI's main
 * class), so that tests can send it signals and kill it. Its stdout and stderr go to files under
 * {@code dir}.
 */
final class CliProcess
{
    final Process process;
    final Path out;
    final Path err;

    private CliProcess(final Process process, final Path out, final Path err)
    {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    static CliProcess start(final Path dir, final String name, final String... args) throws IOException
    {
        return start(dir, name, List.of(), args);
    }

    static CliProcess start(final Path dir, final String name, final List<String> jvmArgs, final String... args)
        throws IOException
    {
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Xshare:auto");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(PathlockCommand.class.getName());
        cmd.addAll(List.of(args));
        final Path out = dir.resolve(name + ".out");
        final Path err = dir.resolve(name + ".err");
        final ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        return new CliProcess(pb.start(), out, err);
    }

    /** Runs the command to its end (bounded) and returns its exit status. */
    static int run(final Path dir, final String name, final String... args) throws Exception
    {
        final CliProcess p = start(dir, name, args);
        return p.waitFor(Duration.ofSeconds(60));
    }

    int waitFor(final Duration limit) throws InterruptedException
    {
        assertTrue(process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS), "pathlock did not end within " + limit +
            "; stderr: " + errText());
        return process.exitValue();
    }

    String errText()
    {
        try
        {
            return Files.exists(err) ? Files.readString(err) : "";
        }
        catch (final IOException e)
        {
            return e.toString();
        }
    }

    String outText()
    {
        try
        {
            return Files.exists(out) ? Files.readString(out) : "";
        }
        catch (final IOException e)
        {
            return e.toString();
        }
    }

    /** Sends a signal to the pathlock JVM itself (not its command). */
    void signal(final String name) throws Exception
    {
        final Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + name + " failed");
    }

    /**
     * Waits (bounded) until {@code condition} holds, failing with {@code what} if it never does or if
     * the process ended first while {@code whileAlive} is set. Used to wait for what another process
     * writes, never to order threads by time: the condition is checked again whenever a file in the
     * process's output directory (where the tests' marker files are too) is created or changed
     * (inotify, through a {@link WatchService}), and at least every {@value #RECHECK_MILLIS} ms for
     * conditions on other files and for the process's end.
     */
    void await(final String what, final BooleanSupplier condition, final boolean whileAlive) throws Exception
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (WatchService ws = out.getFileSystem().newWatchService())
        {
            out.getParent().register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            while (!condition.getAsBoolean())
            {
                if (whileAlive && !process.isAlive())
                {
                    throw new AssertionError("pathlock ended (exit " + process.exitValue() + ") before " + what + "; stderr: " +
                        errText());
                }
                if (System.nanoTime() > deadline)
                {
                    throw new AssertionError("timed out waiting for " + what + "; stderr: " + errText());
                }
                final WatchKey key = ws.poll(RECHECK_MILLIS, TimeUnit.MILLISECONDS);
                if (key != null)
                {
                    key.pollEvents();
                    key.reset();
                }
            }
        }
    }

    /** Longest wait between two checks of an awaited condition. */
    static final long RECHECK_MILLIS = 100;
}

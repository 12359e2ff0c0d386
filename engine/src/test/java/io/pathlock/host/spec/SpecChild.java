package io.pathlock.host.spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real child JVM running {@link HostSpecChild} on the test class path (java from
 * {@code java.home}), driven line by line: the parent sends a command and waits for the answer line.
 */
final class SpecChild implements AutoCloseable
{
    private static final String EOF = "\u0000EOF";
    private static final long EXPECT_SECONDS = 120;

    private final Process process;
    private final PrintWriter stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuffer transcript = new StringBuffer();

    private SpecChild(final Process process)
    {
        this.process = process;
        this.stdin = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
        final Thread pump = new Thread(() ->
        {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = r.readLine()) != null)
                {
                    transcript.append(line).append('\n');
                    lines.add(line);
                }
            }
            catch (final IOException ignore)
            {
                // The child is gone: EOF tells the reader.
            }
            lines.add(EOF);
        }, "spec-child-" + process.pid());
        pump.setDaemon(true);
        pump.start();
    }

    /**
     * Starts a child.
     *
     * @param wrapper    a command to run java under (e.g. setpriv), or empty.
     * @param jvmOptions extra JVM options (system properties).
     * @param args       the child's arguments.
     */
    static SpecChild start(final List<String> wrapper, final List<String> jvmOptions, final String... args) throws IOException
    {
        final List<String> cmd = new ArrayList<>(wrapper);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:-UsePerfData");
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(HostSpecChild.class.getName());
        cmd.addAll(List.of(args));
        return new SpecChild(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    static SpecChild start(final Path root, final String interop) throws IOException
    {
        return start(List.of(), List.of(), root.toString(), interop);
    }

    long pid()
    {
        return process.pid();
    }

    void send(final String line)
    {
        stdin.println(line);
    }

    /** Sends a command and returns the first answer line starting with one of the prefixes. */
    String ask(final String command, final String... prefixes) throws InterruptedException
    {
        send(command);
        return expect(prefixes);
    }

    /** The next line starting with one of the prefixes (other lines are skipped); fails on EOF or after 120 s. */
    String expect(final String... prefixes) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(EXPECT_SECONDS);
        for (;;)
        {
            final long left = deadline - System.nanoTime();
            final String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
            if (line == null)
            {
                throw new AssertionError("child " + pid() + " printed none of " + List.of(prefixes) + "; output:\n" + transcript);
            }
            if (line.equals(EOF))
            {
                lines.add(EOF);
                throw new AssertionError("child " + pid() + " ended before printing any of " + List.of(prefixes) +
                    "; output:\n" + transcript);
            }
            for (final String p : prefixes)
            {
                if (line.startsWith(p))
                {
                    return line;
                }
            }
        }
    }

    /** Like {@link #expect} but returns null when the child ends first (it may be killing itself on purpose). */
    String expectUnlessEnded(final String... prefixes) throws InterruptedException
    {
        try
        {
            return expect(prefixes);
        }
        catch (final AssertionError e)
        {
            if (lines.peek() != null && EOF.equals(lines.peek()))
            {
                return null;
            }
            throw e;
        }
    }

    String transcript()
    {
        return transcript.toString();
    }

    /** SIGKILL, and waits for the process to be gone. */
    void kill() throws InterruptedException
    {
        process.destroyForcibly();
        if (!process.waitFor(60, TimeUnit.SECONDS))
        {
            throw new AssertionError("child " + pid() + " survived SIGKILL");
        }
    }

    /** Waits for the child to end by itself (guard: 120 s), returns its exit code. */
    int waitFor() throws InterruptedException
    {
        if (!process.waitFor(EXPECT_SECONDS, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new AssertionError("child " + pid() + " did not end; output:\n" + transcript);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException
    {
        stdin.close();
        if (!process.waitFor(30, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}

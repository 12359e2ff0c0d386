package io.pathlock.file;

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
 * A child JVM running {@link FileLockChild} (or another main class of the test class path), driven
 * line by line over stdin/stdout: the handshakes that order events between processes without any
 * sleeping.
 */
final class ChildProcess implements AutoCloseable
{
    private static final String EOF = "\u0000EOF";

    private final Process process;
    private final PrintWriter in;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuilder transcript = new StringBuilder();

    private ChildProcess(final Process process)
    {
        this.process = process;
        this.in = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
        final Thread reader = new Thread(() ->
        {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = r.readLine()) != null)
                {
                    synchronized (transcript)
                    {
                        transcript.append(line).append('\n');
                    }
                    lines.add(line);
                }
            }
            catch (final IOException ignore)
            {
                // The child is gone; EOF below tells the waiter.
            }
            lines.add(EOF);
        }, "child-stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@link FileLockChild} with arguments.
     */
    static ChildProcess start(final String... args) throws IOException
    {
        return start(List.of(), List.of(), FileLockChild.class, args);
    }

    static ChildProcess start(final List<String> wrapper, final List<String> jvmOptions, final Class<?> main,
        final String... args) throws IOException
    {
        final List<String> cmd = new ArrayList<>(wrapper);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:-UsePerfData");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Xshare:auto");
        cmd.addAll(jvmOptions);
        if (!jvmOptions.contains("-cp"))
        {
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
        }
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return new ChildProcess(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    long pid()
    {
        return process.pid();
    }

    void send(final String line)
    {
        in.println(line);
    }

    /** The next line starting with {@code prefix}; other lines are skipped (they stay in the transcript). */
    String expect(final String prefix) throws InterruptedException
    {
        return expect(prefix, 120);
    }

    /** The first line starting with any of the prefixes (120 s at most). */
    String expectAny(final String... prefixes) throws InterruptedException
    {
        return expect(String.join("|", prefixes), 120, prefixes);
    }

    String expect(final String prefix, final long timeoutSeconds) throws InterruptedException
    {
        return expect(prefix, timeoutSeconds, prefix);
    }

    private String expect(final String prefix, final long timeoutSeconds, final String... accepted)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        for (;;)
        {
            final long left = deadline - System.nanoTime();
            final String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
            if (line == null)
            {
                throw new AssertionError("child " + pid() + " printed no line starting with '" + prefix +
                    "' within " + timeoutSeconds + " s; output:\n" + transcript());
            }
            if (line.equals(EOF))
            {
                lines.add(EOF);
                throw new AssertionError("child " + pid() + " ended before printing '" + prefix + "'; output:\n" + transcript());
            }
            for (final String a : accepted)
            {
                if (line.startsWith(a))
                {
                    return line;
                }
            }
        }
    }

    /** A line starting with {@code prefix} if one has arrived, else null (never blocks). */
    String poll(final String prefix)
    {
        for (;;)
        {
            final String line = lines.poll();
            if (line == null)
            {
                return null;
            }
            if (line.equals(EOF))
            {
                lines.add(EOF);
                return null;
            }
            if (line.startsWith(prefix))
            {
                return line;
            }
        }
    }

    String transcript()
    {
        synchronized (transcript)
        {
            return transcript.toString();
        }
    }

    /** kill -9. */
    void kill() throws InterruptedException
    {
        process.destroyForcibly();
        process.waitFor(60, TimeUnit.SECONDS);
    }

    int waitFor() throws InterruptedException
    {
        if (!process.waitFor(120, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new AssertionError("child " + pid() + " did not exit; output:\n" + transcript());
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException
    {
        in.close();
        if (!process.waitFor(30, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}

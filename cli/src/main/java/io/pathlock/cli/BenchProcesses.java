package io.pathlock.cli;

import org.HdrHistogram.Histogram;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code pathlock bench --processes N}: the mixed workload across N worker processes
 * ({@link BenchWorker}, child JVMs of this class or module path) on stores that processes share, in
 * the same alternating blocks as the in-process bench: every round, each contender (a store) runs one
 * block of {@code --block-ms} in every worker at once, the order rotated every round. A block's
 * operations are summed over the workers and divided by the block's length measured here (from the
 * {@code RUN} to the {@code STOP} command; a worker starts and stops within a pipe write of them), and
 * its acquire latencies merged, so the same table as the in-process bench can be printed.
 *
 * <p>Not thread-safe; one instance per thread count.
 */
final class BenchProcesses implements AutoCloseable
{
    /** How long a worker may take to answer a command before the bench fails. */
    static final long ANSWER_TIMEOUT_SECONDS = 60;

    private final List<Process> processes = new ArrayList<>();
    private final List<PrintWriter> commands = new ArrayList<>();
    private final List<BlockingQueue<String>> answers = new ArrayList<>();

    /**
     * Starts the workers and waits until each has opened its stores.
     *
     * @param n       worker processes.
     * @param threads threads per worker.
     * @param stores  the contenders' stores, in contender order.
     * @param c       the bench's options (workload shape, seed, work).
     * @param mix     POINT, SUBTREE and mv percentages.
     * @throws IOException if a worker cannot be started.
     * @throws IllegalStateException if a worker fails or does not answer.
     */
    BenchProcesses(final int n, final int threads, final List<BenchStores> stores, final BenchCommand c, final int[] mix)
        throws IOException, InterruptedException
    {
        try
        {
            for (int i = 0; i < n; i++)
            {
                final List<String> cmd = javaCommand();
                cmd.addAll(List.of("index=" + i, "threads=" + threads, "depth=" + c.depth, "fanout=" + c.fanout,
                    "mix=" + mix[0] + "," + mix[1] + "," + mix[2], "shared=" + c.sharedRatio, "work=" + c.work, "pool=" + c.pool, "seed=" + c.seed));
                for (int k = 0; k < stores.size(); k++)
                {
                    cmd.add("store." + k + "=" + stores.get(k).encode());
                }
                final Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                processes.add(p);
                commands.add(new PrintWriter(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8), true));
                final BlockingQueue<String> q = new LinkedBlockingQueue<>();
                answers.add(q);
                final Thread reader = new Thread(() -> readAnswers(p, q), "bench-worker-" + i + "-out");
                reader.setDaemon(true);
                reader.start();
            }
            for (int i = 0; i < n; i++)
            {
                answer(i, "READY");
            }
        }
        catch (final IOException | InterruptedException | RuntimeException e)
        {
            abort();
            close();
            throw e;
        }
    }

    /**
     * The command that starts a worker: this JVM's java, and the class path, or the module path when
     * the CLI runs as a named module.
     */
    static List<String> javaCommand()
    {
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        final Module m = BenchWorker.class.getModule();
        if (m.isNamed())
        {
            cmd.addAll(List.of("--module-path", System.getProperty("jdk.module.path"), "--add-modules", "ALL-MODULE-PATH"));
            final String cp = System.getProperty("java.class.path");
            if (cp != null && !cp.isEmpty())
            {
                cmd.addAll(List.of("-cp", cp));
            }
            cmd.addAll(List.of("-m", m.getName() + "/" + BenchWorker.class.getName()));
        }
        else
        {
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), BenchWorker.class.getName()));
        }
        return cmd;
    }

    private static void readAnswers(final Process p, final BlockingQueue<String> q)
    {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = r.readLine()) != null)
            {
                q.add(line);
            }
        }
        catch (final IOException e)
        {
            q.add("ERROR reading the worker's output: " + e);
        }
        q.add("EOF");
    }

    /** Waits for worker i's next line, which must start with {@code prefix}. */
    private String answer(final int i, final String prefix) throws InterruptedException
    {
        final String line = answers.get(i).poll(ANSWER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (line == null)
        {
            throw new IllegalStateException("bench worker " + i + " (pid " + processes.get(i).pid() + ") did not answer within "
                + ANSWER_TIMEOUT_SECONDS + " s (waiting for " + prefix + ")");
        }
        if (!line.startsWith(prefix))
        {
            throw new IllegalStateException("bench worker " + i + " (pid " + processes.get(i).pid() + ") failed: "
                + (line.equals("EOF") ? "it exited" + exitText(processes.get(i)) : line));
        }
        return line;
    }

    private static String exitText(final Process p)
    {
        try
        {
            return p.waitFor(5, TimeUnit.SECONDS) ? " with status " + p.exitValue() : "";
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private void send(final String command)
    {
        for (final PrintWriter w : commands)
        {
            w.println(command);
        }
    }

    /**
     * Runs the rounds: warm-up rounds first (not kept), then the measured ones.
     *
     * @param names       contender names, in store order.
     * @param rounds      measured rounds.
     * @param warmRounds  warm-up rounds.
     * @param blockMs     block length.
     * @param workers     worker processes.
     * @param threads     threads per worker.
     * @param progress    whether to print the progress line on stderr.
     * @return the run (threads: every thread of every worker).
     * @throws InterruptedException if interrupted.
     * @throws IllegalStateException if a worker fails or does not answer.
     */
    BenchCommand.Run run(final List<String> names, final int rounds, final int warmRounds, final int blockMs, final int workers,
        final int threads, final boolean progress) throws InterruptedException
    {
        final int c = names.size();
        final List<BenchCommand.Block> blocks = new ArrayList<>();
        for (int r = 0; r < warmRounds + rounds; r++)
        {
            final boolean measured = r >= warmRounds;
            for (int j = 0; j < c; j++)
            {
                final int k = (j + r) % c;
                send("RUN " + k);
                final long t0 = System.nanoTime();
                TimeUnit.MILLISECONDS.sleep(blockMs);
                send("STOP");
                final long t1 = System.nanoTime();
                long ops = 0;
                final Histogram merged = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
                for (int i = 0; i < processes.size(); i++)
                {
                    final String[] f = answer(i, "BLOCK ").split(" ");
                    if (f.length != 4 || Integer.parseInt(f[1]) != k)
                    {
                        throw new IllegalStateException("bench worker " + i + " answered a block of contender " + f[1] + ", expected " + k);
                    }
                    ops += Long.parseLong(f[2]);
                    merged.add(BenchWorker.decode(f[3]));
                }
                final BenchCommand.Block b = new BenchCommand.Block(measured ? r - warmRounds : -1, names.get(k), ops, t1 - t0, merged);
                if (measured)
                {
                    blocks.add(b);
                }
                if (progress)
                {
                    System.err.printf(Locale.ROOT, "\r  %d processes x %d thread%s, %s %d/%d: %-30s %,14.0f ops/s in this block ",
                        workers, threads, threads == 1 ? "" : "s", measured ? "round" : "warm-up", measured ? r - warmRounds + 1 : r + 1,
                        measured ? rounds : warmRounds, names.get(k), b.throughput());
                }
            }
        }
        if (progress)
        {
            System.err.println();
        }
        return new BenchCommand.Run(workers * threads, workers, names, blocks, rounds);
    }

    /** Kills every worker at once (after a failure: a worker may be stuck). */
    void abort()
    {
        for (final Process p : processes)
        {
            p.destroyForcibly();
        }
    }

    /**
     * Tells the workers to exit and waits for them; kills any that does not exit within 30 s.
     */
    @Override
    public void close()
    {
        send("EXIT");
        for (final PrintWriter w : commands)
        {
            w.close();
        }
        for (final Process p : processes)
        {
            try
            {
                if (!p.waitFor(30, TimeUnit.SECONDS))
                {
                    p.destroyForcibly();
                }
            }
            catch (final InterruptedException e)
            {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}

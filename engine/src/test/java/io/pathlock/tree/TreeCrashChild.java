package io.pathlock.tree;

import io.pathlock.LockManager;
import io.pathlock.file.FileLockStore;
import io.pathlock.file.MissingDirectories;
import io.pathlock.host.HostLockStore;
import io.pathlock.redo.RedoLog;
import io.pathlock.redo.RedoLogConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Child JVM of the crash tests, and the stack of store, redo log, manager and {@link TreeOps} they
 * share with it.
 * <ul>
 *   <li>{@code run STORE ROOT REDO SCENARIO SETUP}: builds the fixture if SETUP is {@code true} (and
 *   prints it after {@code BEFORE}), opens the stack, waits for its recovery, runs the scenario's
 *   operation and prints {@code OP ok} or {@code OP failed <exception>}. With
 *   {@code -Dpathlock.tree.crashAt=<op>:<n>} it may halt with exit code 137 instead.</li>
 *   <li>{@code recover STORE ROOT REDO SCENARIO}: opens the stack, waits for its recovery and prints
 *   one {@code REPORT|taskId|outcome|operation|detail} line per recovered plan, {@code RECOVERED},
 *   then the tree after {@code AFTER} and every lock file found in the scenario's moved trees
 *   ({@code LOCKFILE path}).</li>
 * </ul>
 * STORE is {@code memory}, {@code file} (lock-file store with {@link MissingDirectories#FAIL}) or
 * {@code host} (host table store without lock files, interop {@code none}).
 */
public final class TreeCrashChild
{
    /** Exit code of a JVM halted by the crash hook. */
    static final int CRASH_EXIT = 137;

    private TreeCrashChild()
    {
    }

    /**
     * @param args see the class comment.
     * @throws Exception on failure (the stack trace is printed, exit code 1).
     */
    public static void main(final String[] args) throws Exception
    {
        final String mode = args[0];
        final String store = args[1];
        final Path root = Path.of(args[2]);
        final Path redo = Path.of(args[3]);
        final TreeCrashScenario scenario = TreeCrashScenario.valueOf(args[4]);
        if (mode.equals("run"))
        {
            if (Boolean.parseBoolean(args[5]))
            {
                scenario.fixture(root);
                System.out.print("BEFORE\n" + TreeSnapshot.of(root).format());
                System.out.flush();
            }
            try (Stack s = Stack.open(store, root, redo, scenario.strategy()))
            {
                s.ops.recovery().get(60, TimeUnit.SECONDS);
                try
                {
                    scenario.run(s.ops);
                    System.out.println("OP ok");
                }
                catch (final IOException e)
                {
                    System.out.println("OP failed " + e);
                }
            }
        }
        else if (mode.equals("recover"))
        {
            final TreeRecoveryReport report = Stack.recover(store, root, redo, scenario.strategy());
            for (final TreeRecoveryReport.Recovered r : report.operations())
            {
                System.out.println(reportLine(r));
            }
            System.out.println("RECOVERED");
            System.out.print("AFTER\n" + TreeSnapshot.of(root).format());
            for (final String f : lockFilesIn(root, scenario.movedTrees()))
            {
                System.out.println("LOCKFILE " + f);
            }
        }
        else
        {
            throw new IllegalArgumentException("mode: " + mode);
        }
        System.out.println("EXITING");
        System.out.flush();
        System.exit(0);
    }

    /** One line of a report, as the parent parses it. */
    static String reportLine(final TreeRecoveryReport.Recovered r)
    {
        return "REPORT|" + r.taskId() + "|" + r.outcome() + "|" + r.operation() + "|"
            + String.valueOf(r.detail()).replace('\n', ' ');
    }

    /** Every lock file below the given directories of the root (relative paths). */
    static List<String> lockFilesIn(final Path root, final List<String> dirs) throws IOException
    {
        final List<String> found = new ArrayList<>();
        for (final String d : dirs)
        {
            final Path dir = root.resolve(d);
            if (!Files.isDirectory(dir))
            {
                continue;
            }
            Files.walkFileTree(dir, new SimpleFileVisitor<>()
            {
                @Override
                public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs)
                {
                    if (TreeSnapshot.isLockFile(file.getFileName().toString()))
                    {
                        found.add(root.relativize(file).toString());
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        }
        return found;
    }

    /** Store, redo log, manager and tree operations on one root, closed together. */
    static final class Stack implements AutoCloseable
    {
        final LockManager locks;
        final TreeOps ops;

        private Stack(final LockManager locks, final TreeOps ops)
        {
            this.locks = locks;
            this.ops = ops;
        }

        /**
         * Opens the stack (TreeOps starts its recovery).
         *
         * @param store    {@code memory}, {@code file} or {@code host}.
         * @param root     the root.
         * @param redo     the redo directory.
         * @param strategy the move strategy.
         * @return the stack.
         * @throws IOException if a part cannot be opened.
         */
        static Stack open(final String store, final Path root, final Path redo, final MoveStrategy strategy)
            throws IOException
        {
            return open(store, root, redo, strategy, null);
        }

        /**
         * Opens the stack with a lock timeout for the operations.
         *
         * @param store    {@code memory}, {@code file} or {@code host}.
         * @param root     the root.
         * @param redo     the redo directory.
         * @param strategy the move strategy.
         * @param timeout  how long an operation waits for its locks, or null for the manager's default.
         * @return the stack.
         * @throws IOException if a part cannot be opened.
         */
        static Stack open(final String store, final Path root, final Path redo, final MoveStrategy strategy,
            final Duration timeout) throws IOException
        {
            final RedoLog log = RedoLog.open(new RedoLogConfig().directory(redo).segmentSize(256 * 1024));
            final LockManager.Builder b = LockManager.builder().redoLog(log);
            if (store.equals("file"))
            {
                b.store(FileLockStore.builder(root).missingDirectories(MissingDirectories.FAIL).build());
            }
            else if (store.equals("host"))
            {
                b.store(HostLockStore.builder(root).interop(HostLockStore.INTEROP_NONE).build());
            }
            else if (!store.equals("memory"))
            {
                log.close();
                throw new IllegalArgumentException("store: " + store);
            }
            final LockManager locks = b.build();
            try
            {
                final TreeOps.Builder tb = TreeOps.builder(locks, root).moveStrategy(strategy);
                if (timeout != null)
                {
                    tb.timeout(timeout);
                }
                return new Stack(locks, tb.build());
            }
            catch (final IOException | RuntimeException e)
            {
                locks.close();
                throw e;
            }
        }

        /**
         * Opens the stack, waits for its recovery and closes it.
         *
         * @return what recovery did.
         * @throws Exception if recovery failed or took more than 60 s.
         */
        static TreeRecoveryReport recover(final String store, final Path root, final Path redo,
            final MoveStrategy strategy) throws Exception
        {
            try (Stack s = open(store, root, redo, strategy))
            {
                return s.ops.recovery().get(60, TimeUnit.SECONDS);
            }
        }

        @Override
        public void close()
        {
            try
            {
                ops.close();
            }
            finally
            {
                locks.close();
            }
        }
    }

    /** Exit code and output of a finished child. */
    record Result(int exitCode, String output)
    {
    }

    /**
     * The command of a child JVM on the test class path.
     *
     * @param wrapper    what runs the JVM (e.g. {@code unshare ...}), may be empty.
     * @param jvmOptions options such as {@code -D...}.
     * @param main       the main class.
     * @param args       its arguments.
     * @return the command.
     */
    static List<String> command(final List<String> wrapper, final List<String> jvmOptions, final Class<?> main,
        final String... args)
    {
        final List<String> cmd = new ArrayList<>(wrapper);
        cmd.add(java());
        cmd.addAll(jvmArgs(jvmOptions));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The JVM options of a child (quick start) and the class path. */
    static List<String> jvmArgs(final List<String> jvmOptions)
    {
        final List<String> a = new ArrayList<>(List.of("-XX:-UsePerfData", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
            "-XX:+UseSerialGC", "-Xmx128m"));
        a.addAll(jvmOptions);
        a.add("-cp");
        a.add(System.getProperty("java.class.path"));
        return a;
    }

    /** The java binary of this JVM. */
    static String java()
    {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * Runs a command to its end (120 s at most) and returns its exit code and merged output.
     *
     * @param command the command.
     * @return the result.
     * @throws IOException          if it cannot start.
     * @throws InterruptedException if interrupted.
     */
    static Result exec(final List<String> command) throws IOException, InterruptedException
    {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        final byte[][] out = new byte[1][];
        final Thread reader = new Thread(() ->
        {
            try
            {
                out[0] = p.getInputStream().readAllBytes();
            }
            catch (final IOException e)
            {
                out[0] = ("(output lost: " + e + ")").getBytes(StandardCharsets.UTF_8);
            }
        }, "child-output-" + p.pid());
        reader.start();
        if (!p.waitFor(120, TimeUnit.SECONDS))
        {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            reader.join(10_000);
            throw new AssertionError("child did not finish in 120 s: " + command + "\n"
                + (out[0] == null ? "" : new String(out[0], StandardCharsets.UTF_8)));
        }
        reader.join(30_000);
        return new Result(p.exitValue(), out[0] == null ? "" : new String(out[0], StandardCharsets.UTF_8));
    }
}

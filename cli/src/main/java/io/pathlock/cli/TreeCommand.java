package io.pathlock.cli;

import io.pathlock.LockManager;
import io.pathlock.core.LockBusyException;
import io.pathlock.core.LockException;
import io.pathlock.core.LockStoreException;
import io.pathlock.core.LockTimeoutException;
import io.pathlock.store.LockStore;
import io.pathlock.tree.MoveStrategy;
import io.pathlock.tree.TreeDurability;
import io.pathlock.tree.TreeOps;
import io.pathlock.tree.TreeRecoveryReport;
import io.pathlock.tree.TreeResult;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;

/**
 * The common part of the tree commands {@code pathlock mv}, {@code rm} and {@code write}: one
 * {@link TreeOps} operation under the locks of {@code docs/tree-ops.md} §2, on the tree under
 * {@code --root}, with the lock options of {@code run}.
 *
 * <p>Each run: (1) opens the store ({@code --missing-dirs fail} by default: a lock on a path whose
 * directories are missing must not create them behind the operation's back), (2) creates its own
 * redo directory and adopts those of dead tree commands ({@link CliRedoDirectory}), (3) performs the
 * operation, (4) removes its redo directory.
 *
 * <p>Exit status: 0 done; {@value #EXIT_REFUSED} the file system refused (the message names the
 * path: no such file, exists, not a directory, permission denied, into itself, no space...), nothing
 * changed; {@code -E} (default 75) the locks are busy ({@code -n}) or {@code -w} passed; 64 bad usage
 * or a bad lock path; 74 the lock store or the redo log failed, or another I/O error; 70 internal error.
 */
abstract class TreeCommand implements Callable<Integer>
{
    /** Exit status when the file system refuses the operation (as mv(1), rm(1)): nothing changed. */
    static final int EXIT_REFUSED = 1;

    /** Exit status when the lock store, the redo log or other I/O fails (sysexits EX_IOERR). */
    static final int EXIT_IO = RunCommand.EXIT_IO;

    /** Exit-code list entry of every tree command's help: success. */
    static final String EXIT_LINE_OK = "0:done";
    /** Exit-code list entry: refused. */
    static final String EXIT_LINE_REFUSED = "1:the file system refused (the message names the path: no such file, " +
        "exists, not a directory, into itself, permission denied, no space); nothing changed";
    /** Exit-code list entry: busy. */
    static final String EXIT_LINE_BUSY = "75:the locks are busy (-n) or -w passed, naming the holder (change with -E)";
    /** Exit-code list entry: usage. */
    static final String EXIT_LINE_USAGE = "64:bad usage or a bad lock path";
    /** Exit-code list entry: I/O. */
    static final String EXIT_LINE_IO = "74:the lock store, the redo log or another I/O failed";
    /** Exit-code list entry: internal. */
    static final String EXIT_LINE_SOFTWARE = "70:internal error";

    /** Description paragraph every tree command's help shows after its own. */
    static final String DESCRIPTION_COMMON = "Lock paths name files under --root (/a/b is ROOT/a/b). Waits for busy " +
        "locks (forever by default). The locks are taken in the lock-file store with --missing-dirs fail (a lock " +
        "must not create directories the operation is about to change), or in the host table with --store host.";
    /** Description paragraph on redo directories. */
    static final String DESCRIPTION_REDO = "Crash-safe: each tree command keeps a redo log (a directory " +
        "cli-PID-RANDOM under ROOT/.pathlock/redo) while it runs; the next tree command on the root finishes or " +
        "undoes the operation of one that died (kill -9, a crash) and removes that directory.";

    @Mixin
    RootOptions root;

    @Mixin
    LockWaitOptions waitOptions;

    @Option(names = "--durability", paramLabel = "POLICY", defaultValue = "data-and-directory",
        description = "What is forced to disk before the command ends: none, data (written and copied files) or " +
            "data-and-directory (also the changed directories; the default).")
    String durability;

    @Option(names = "--missing-dirs", defaultValue = "fail", paramLabel = "POLICY",
        description = "Missing parent directories of a lock path: fail (the default: a lock must not create " +
            "directories behind the operation) or create.")
    String missingDirs;

    @Option(names = "--verbose", description = "Say on stderr what was done, with the grant's fencing token.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * @return the command's name, for messages.
     */
    abstract String name();

    /**
     * Checks the arguments and opens what the operation reads (before any lock or change).
     *
     * @throws IOException if an input cannot be opened (exit {@value #EXIT_REFUSED}).
     */
    void prepare() throws IOException
    {
    }

    /**
     * Performs the operation.
     *
     * @param ops the tree operations.
     * @return the result.
     * @throws IOException if the file system refuses or fails.
     * @throws InterruptedException if interrupted while waiting for the locks.
     */
    abstract TreeResult apply(TreeOps ops) throws IOException, InterruptedException;

    /**
     * @return what {@link #apply} did, for {@code --verbose}, e.g. {@code moved /a to /b}.
     */
    abstract String done();

    /**
     * @return how moves are done ({@code mv --copy} changes it).
     */
    MoveStrategy moveStrategy()
    {
        return MoveStrategy.AUTO;
    }

    /** Closes what {@link #prepare} opened. */
    void cleanup()
    {
    }

    /**
     * Removes the ZooKeeper options of the shared {@link RootOptions} from a tree command: the tree
     * commands change files under {@code --root}, and their crash recovery (the redo directories under
     * the root, judged by local pids and kernel locks) is for the processes of one host.
     *
     * @param cl a tree command's command line.
     */
    static void dropZooKeeperOptions(final CommandLine cl)
    {
        final CommandLine.Model.CommandSpec s = cl.getCommandSpec();
        for (final String option : new String[] {"--zookeeper", "--namespace", "--connect-timeout"})
        {
            final CommandLine.Model.OptionSpec o = s.findOption(option);
            if (o != null)
            {
                s.remove(o);
            }
        }
    }

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter err = spec.commandLine().getErr();
        final String label = "pathlock " + name() + ": ";
        final Duration timeout = waitOptions.timeout(spec.commandLine());
        final int conflictExitCode = waitOptions.conflictExitCode(spec.commandLine());
        final TreeDurability policy = durability();
        final boolean host = root.isHost();
        CliLoggerFinder.verbose(verbose);
        final Path dir = root.root;
        if (dir == null || dir.toString().isEmpty())
        {
            throw new IllegalArgumentException("--root must name a directory (the tree " + name() + " changes)");
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS))
        {
            err.println(label + dir + ": " + (Files.exists(dir) ? "not a directory" : "no such directory") +
                " (--root)");
            return EXIT_REFUSED;
        }
        try
        {
            prepare();
        }
        catch (final FileSystemException e)
        {
            err.println(label + describe(e));
            return EXIT_REFUSED;
        }
        try
        {
            return perform(dir, host, timeout, policy, err, label);
        }
        finally
        {
            cleanup();
        }
    }

    private int perform(final Path dir, final boolean host, final Duration timeout, final TreeDurability policy,
        final PrintWriter err, final String label) throws InterruptedException
    {
        final LockStore store;
        try
        {
            store = host ? root.openHost(missingDirs) : root.open(missingDirs);
        }
        catch (final LockStoreException e)
        {
            err.println(label + "lock store failed: " + e.getMessage());
            return EXIT_IO;
        }
        final CliRedoDirectory redo;
        try
        {
            redo = CliRedoDirectory.create(dir);
        }
        catch (final IOException | RuntimeException e)
        {
            closeQuietly(store);
            err.println(label + "cannot open a redo directory under " + dir.resolve(CliRedoDirectory.REDO_PARENT) +
                ": " + e);
            return EXIT_IO;
        }
        final LockManager built;
        try
        {
            built = LockManager.builder().store(store).redoLog(redo.log()).defaultTimeout(timeout)
                .handleIdleTimeout(Duration.ZERO).build();
        }
        catch (final RuntimeException e)
        {
            closeQuietly(redo.log());
            closeQuietly(store);
            throw e;
        }
        try
        {
            try (LockManager manager = built;
                 TreeOps ops = TreeOps.builder(manager, dir).timeout(timeout).durability(policy)
                     .moveStrategy(moveStrategy()).build())
            {
                return run(manager, ops, redo, dir, err, label);
            }
            catch (final LockException e)
            {
                // Thrown by close(): the locks were released by then.
                err.println(label + e.getMessage());
                return EXIT_IO;
            }
            catch (final IOException e)
            {
                err.println(label + "cannot start the tree operations on " + dir + ": " + e);
                return EXIT_IO;
            }
        }
        finally
        {
            // Also after bad input (an IllegalArgumentException, exit 64): the manager closed the log.
            redo.finish(err, name());
            err.flush();
        }
    }

    private int run(final LockManager manager, final TreeOps ops, final CliRedoDirectory redo, final Path dir,
        final PrintWriter err, final String label) throws InterruptedException
    {
        try
        {
            report(ops.recovery().join(), err, label);
            try
            {
                redo.adoptDead(manager, dir, err, name());
            }
            catch (final CliRedoDirectory.Busy e)
            {
                err.println(label + "busy: " + e.getMessage());
                return waitOptions.conflictExitCode;
            }
            catch (final IOException | CompletionException e)
            {
                err.println(label + "cannot recover the redo directories of dead commands under " +
                    dir.resolve(CliRedoDirectory.REDO_PARENT) + ": " + e);
                return EXIT_IO;
            }
            final TreeResult result = apply(ops);
            if (verbose)
            {
                err.println(label + done() + " (fencing token " + result.token() +
                    (result.taskId() < 0 ? "" : ", redo task " + result.taskId()) + ")");
            }
            return 0;
        }
        catch (final LockBusyException | LockTimeoutException e)
        {
            err.println(label + (e instanceof LockBusyException ? "busy: " : "timed out: ") + e.getMessage());
            return waitOptions.conflictExitCode;
        }
        catch (final LockStoreException e)
        {
            err.println(label + "lock store failed: " + e.getMessage());
            return EXIT_IO;
        }
        catch (final FileSystemException e)
        {
            err.println(label + describe(e));
            return EXIT_REFUSED;
        }
        catch (final IOException | CompletionException e)
        {
            err.println(label + e.getMessage());
            return EXIT_IO;
        }
    }

    private static void report(final TreeRecoveryReport report, final PrintWriter err, final String label)
    {
        for (final TreeRecoveryReport.Recovered r : report.operations())
        {
            err.println(label + "recovered " + r.operation() + " (task " + r.taskId() + "): " + r.outcome() +
                (r.detail() == null || r.detail().isEmpty() ? "" : ": " + r.detail()));
        }
    }

    /**
     * A file-system refusal as one line naming the path(s) and the reason.
     *
     * @param e the exception.
     * @return e.g. {@code /srv/tree/a: no such file or directory}.
     */
    static String describe(final FileSystemException e)
    {
        final StringBuilder b = new StringBuilder();
        if (e.getFile() != null)
        {
            b.append(e.getFile());
        }
        if (e.getOtherFile() != null)
        {
            b.append(b.length() == 0 ? "" : " -> ").append(e.getOtherFile());
        }
        final String kind;
        if (e instanceof NoSuchFileException)
        {
            kind = "no such file or directory";
        }
        else if (e instanceof FileAlreadyExistsException)
        {
            kind = "already exists";
        }
        else if (e instanceof NotDirectoryException)
        {
            kind = "not a directory";
        }
        else if (e instanceof DirectoryNotEmptyException)
        {
            kind = "directory not empty";
        }
        else if (e instanceof AccessDeniedException)
        {
            kind = "permission denied";
        }
        else
        {
            kind = null;
        }
        final String reason = e.getReason();
        final String why = kind == null ? (reason == null ? e.getClass().getSimpleName() : reason)
            : reason == null || reason.equalsIgnoreCase(kind) ? kind : kind + " (" + reason + ")";
        return (b.length() == 0 ? "" : b + ": ") + why;
    }

    private TreeDurability durability()
    {
        final String d = durability.trim().toLowerCase(Locale.ROOT);
        return switch (d)
        {
            case "none" -> TreeDurability.NONE;
            case "data" -> TreeDurability.DATA;
            case "data-and-directory" -> TreeDurability.DATA_AND_DIRECTORY;
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--durability '" + durability +
                "' is not none, data or data-and-directory");
        };
    }

    private static void closeQuietly(final AutoCloseable c)
    {
        try
        {
            c.close();
        }
        catch (final Exception ignore)
        {
            // Nothing was locked through it yet.
        }
    }
}

package io.pathlock.cli;

import io.pathlock.core.LockBusyException;
import io.pathlock.core.LockException;
import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockMode;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockStoreException;
import io.pathlock.core.LockTimeoutException;
import io.pathlock.core.LockType;
import io.pathlock.file.FileLockStore;
import io.pathlock.host.HostLockStore;
import io.pathlock.store.LockStore;
import io.pathlock.nativeio.PathlockNative;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code pathlock run}: holds path locks (lock files under {@code --root}) while a command runs,
 * like util-linux {@code flock(1)}: it waits for busy locks (forever unless {@code -w} or {@code -n}),
 * runs the command, and exits with the command's status.
 *
 * <h2>How long the locks live</h2>
 * <ol>
 *   <li><b>R1 — not before the command has ended.</b> SIGTERM, SIGINT and SIGHUP sent to this process
 *   are forwarded to the command (those the terminal sent to the whole foreground group are not
 *   forwarded: the command got them itself), and the locks are released only after the command has
 *   exited. This process then exits with the command's status.</li>
 *   <li><b>R2 — as long as the command, even if this process dies.</b> The command is started by the
 *   keeper ({@link CommandKeeper}), which holds a descriptor of every lock file (shared before each is
 *   published, heartbeat refreshes included) until the command ends. After {@code kill -9} of this JVM
 *   other pathlock processes see the locks alive ({@code flock}) until the command ends, then take them
 *   over at once. OpenViking processes judge by the token's age: with nobody refreshing it, they take
 *   the lock after the dialect's expiry (ragfs 30 s, ov431 300 s) even if the command still runs.</li>
 *   <li><b>R3 — degraded without the keeper.</b> When the native library is not loaded or the backend
 *   has no {@code flock} liveness (java.nio), the command is a child of this JVM and the locks die with
 *   it: a warning says so. R1 still holds (the shutdown hook forwards SIGTERM and waits for the
 *   command); with java.nio the locks of a killed JVM expire by age ({@code lock_expire}).</li>
 *   <li><b>R4 — with {@code --zookeeper}, as long as this JVM's session.</b> The locks are ephemeral
 *   nodes of the ZooKeeper session: the command is this JVM's child (R1 holds); after {@code kill -9}
 *   of this JVM they go when the session expires, and a connection loss reports them lost at once
 *   (exit {@value #EXIT_LOST} after the command).</li>
 *   <li><b>R5 — with {@code --store host}, the table session is this JVM's.</b> A host-table session
 *   lives as long as the process that attached it (its kernel lock on the slot file cannot be handed
 *   to the keeper, and the table's state is the session's). R1 holds: the command is started only
 *   after the grant and the locks are released only after it exited. After {@code kill -9} of this
 *   JVM the table locks are freed as soon as a survivor detects the death; with interop ragfs/ov431
 *   the keeper still holds the lock files (R2), so every other pathlock process (host-table ones
 *   publish the same files) and OpenViking keep respecting them until the command ends; with interop
 *   none nothing holds them: a warning says so.</li>
 * </ol>
 *
 * <p>Exit status: the command's (128 + signal if a signal ended it); {@code -E} (default
 * {@value #EXIT_BUSY}) when the locks are busy and {@code -n}, or {@code -w} passed; 64 on bad usage;
 * {@value #EXIT_IO} when the lock store fails (an unreachable ensemble included); 69 when
 * {@code --zookeeper} is given but the ZooKeeper store cannot be loaded (the module path); {@value #EXIT_NOT_STARTED} when the command cannot be
 * started; {@value #EXIT_LOST} when the locks were lost while the command ran (a lock file removed or
 * replaced by {@code break --force}, an operator or a foreign engine, or a heartbeat that failed):
 * reported on stderr the moment it is noticed, and the exit status says it after the command ends.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    synopsisHeading = "%nUsage: ",
    customSynopsis = {
        "pathlock run [OPTIONS] STORE LOCK... COMMAND [ARG...]",
        "       pathlock run [OPTIONS] STORE LOCK... -c 'COMMAND STRING'",
        "where STORE is --root DIR [--store host] or --zookeeper CONNECT [--namespace NS]",
        "and LOCK is --point P, --subtree P or --mv SRC DSTPARENT [--dir]."},
    header = "Holds path locks while a command runs, like flock(1).",
    description = {
        "%nHolds POINT/SUBTREE/mv locks in the lock tree under --root (or in a ZooKeeper ensemble with --zookeeper) " +
            "while COMMAND runs, then releases them.",
        "",
        "Locks are exclusive unless -s/--shared is given (then every lock of the request is shared: compatible " +
            "with other shared locks, as flock -s; OpenViking sees a shared lock as an ordinary held one).",
        "",
        "Waits for busy locks (forever by default). Arguments from COMMAND on are the command's, even if they " +
            "start with '-'; '--' before COMMAND is allowed.",
        "",
        "The locks stay held until COMMAND has exited: SIGTERM, SIGINT and SIGHUP sent to pathlock are forwarded " +
            "to COMMAND, and if pathlock itself is killed (kill -9) the locks live on with COMMAND.",
        "",
        "With --zookeeper the locks live as long as this process's ZooKeeper session: if pathlock is killed " +
            "(kill -9) they are released when the session expires (15 s), even if COMMAND still runs.",
        "",
        "With --store host the locks are taken in the root's host lock table (shared memory) and live as long as " +
            "this process's table session: if pathlock is killed (kill -9) the table locks go at once; with interop " +
            "ragfs/ov431 the lock files, held by the keeper, still stand until COMMAND ends.",
        "",
        "COMMAND sees the grant's fencing token in PATHLOCK_FENCING_TOKEN and the root in PATHLOCK_ROOT " +
            "(PATHLOCK_STORE with --zookeeper)."},
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
        "N:the status of COMMAND (128 + the signal number if a signal ended it)",
        "75:the locks are busy (-n) or -w passed, naming the holder (change with -E)",
        "64:bad usage",
        "74:the lock store failed (ZooKeeper: not reachable within --connect-timeout)",
        "70:the keeper process that runs COMMAND was killed (reported after COMMAND ended)",
        "69:--zookeeper, but the ZooKeeper store is not available (module path)",
        "76:the locks were lost while COMMAND ran (reported on stderr at once)",
        "127:COMMAND could not be started"},
    optionListHeading = "%nOptions:%n",
    parameterListHeading = "%nCommand:%n")
final class RunCommand implements Callable<Integer>
{
    /** Exit status when the locks are busy or the timeout passed (sysexits EX_TEMPFAIL). */
    static final int EXIT_BUSY = 75;
    /** Exit status when the lock store fails (sysexits EX_IOERR). */
    static final int EXIT_IO = 74;
    /** Exit status when the command cannot be started (as shells do). */
    static final int EXIT_NOT_STARTED = 127;
    /** Exit status when the locks were lost while the command ran (sysexits EX_PROTOCOL). */
    static final int EXIT_LOST = 76;

    @Mixin
    RootOptions root;

    @Option(names = "--point", paramLabel = "P", description = "POINT lock on lock path P (repeatable).")
    List<String> points = new ArrayList<>();

    @Option(names = "--subtree", paramLabel = "P", description = "SUBTREE lock on lock path P (repeatable).")
    List<String> subtrees = new ArrayList<>();

    @Option(names = "--mv", arity = "2", paramLabel = "SRC DSTPARENT", hideParamSyntax = true,
        description = "The locks of moving SRC into DSTPARENT (repeatable).")
    List<String> mv = new ArrayList<>();

    @Option(names = "--dir", description = "With --mv: SRC is a directory (SUBTREE locks), else a file (POINT on parents).")
    boolean dir;

    @Option(names = {"-s", "--shared"},
        description = "Take every lock shared (a read lock, as flock -s): shared locks of other holders are compatible.")
    boolean shared;

    @Option(names = {"-x", "--exclusive"}, description = "Take every lock exclusive (as flock -x; the default).")
    boolean exclusive;

    @Option(names = "--missing-dirs", defaultValue = "create", paramLabel = "POLICY",
        description = "Missing parent directories of a lock path: create or fail (default ${DEFAULT-VALUE}).")
    String missingDirs;

    @Mixin
    LockWaitOptions waitOptions;

    @Option(names = {"-c", "--command"}, paramLabel = "STRING",
        description = "Run STRING with $SHELL -c (/bin/sh when SHELL is unset) instead of COMMAND.")
    String commandString;

    @Option(names = "--verbose",
        description = "Say on stderr how long taking the locks took, or why they could not be taken, and what runs.")
    boolean verbose;

    @Parameters(arity = "0..*", paramLabel = "COMMAND", description = "The command and its arguments.")
    List<String> command = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter err = spec.commandLine().getErr();
        final LockRequest request = request();
        final List<String> argv = argv();
        final Duration timeout = waitOptions.timeout(spec.commandLine());
        final int conflictExitCode = waitOptions.conflictExitCode(spec.commandLine());
        CliLoggerFinder.verbose(verbose);
        final boolean zooKeeper = root.isZooKeeper();
        if (zooKeeper && !"create".equals(missingDirs))
        {
            throw new IllegalArgumentException("--missing-dirs is a lock-file option: not with --zookeeper");
        }
        final LockStore store;
        try
        {
            store = zooKeeper ? root.openZooKeeper() : root.isHost() ? root.openHost(missingDirs) : root.open(missingDirs);
        }
        catch (final LockStoreException e)
        {
            err.println("pathlock run: " + e.getMessage());
            return EXIT_IO;
        }
        try (LockManager manager = LockManager.builder().store(store).handleIdleTimeout(Duration.ZERO).build();
            LockHandle handle = manager.open("run"))
        {
            final long t0 = System.nanoTime();
            try
            {
                if (timeout.isZero())
                {
                    handle.tryAcquire(request);
                }
                else
                {
                    handle.acquire(request, timeout);
                }
            }
            catch (final LockBusyException | LockTimeoutException e)
            {
                err.println("pathlock run: " + (e instanceof LockBusyException ? "busy: " : "timed out: ") + e.getMessage());
                return conflictExitCode;
            }
            catch (final LockStoreException e)
            {
                err.println("pathlock run: lock store failed: " + e.getMessage());
                return EXIT_IO;
            }
            final long token = handle.locks().get(0).fencingToken();
            if (verbose)
            {
                err.printf(Locale.ROOT, "pathlock run: got the locks in %.6f seconds (fencing token %d, %s)%n",
                    (System.nanoTime() - t0) / 1e9, token, store.describe());
                err.println("pathlock run: executing " + String.join(" ", argv));
                err.flush();
            }
            handle.onLost(reason ->
            {
                err.println("pathlock run: LOCK LOST while the command runs: " + reason);
                err.flush();
            });
            final Map<String, String> env = new HashMap<>(System.getenv());
            env.put("PATHLOCK_FENCING_TOKEN", Long.toString(token));
            final int status;
            if (store instanceof FileLockStore fileStore)
            {
                env.put("PATHLOCK_ROOT", fileStore.root().toString());
            }
            else if (store instanceof HostLockStore hostStore)
            {
                env.put("PATHLOCK_ROOT", hostStore.root().toString());
                env.put("PATHLOCK_STORE", store.describe());
            }
            else
            {
                env.put("PATHLOCK_STORE", store.describe());
            }
            // The lock files the keeper can hold: the file store's, or the host store's inner ones (R5).
            final FileLockStore files = store instanceof FileLockStore fileStore ? fileStore
                : store instanceof HostLockStore hostStore ? hostStore.fileStore() : null;
            final String noKeeper = files != null ? CommandKeeper.unavailableReason(files) : null;
            if (files != null && noKeeper == null)
            {
                status = runKept(files, handle, argv, env, err);
            }
            else if (store instanceof HostLockStore)
            {
                // R5: with interop none (or no keeper) the table session is this JVM's.
                err.println("pathlock run: warning: the host-table locks are held by this process's session only" +
                    (files == null ? " (interop none: no lock files a keeper could hold)" : ", " + noKeeper) +
                    ": if pathlock is killed with SIGKILL they are released while the command runs");
                err.flush();
                status = runChild(manager, argv, env, err);
            }
            else if (!(store instanceof FileLockStore))
            {
                // R4: the locks live with this JVM's ZooKeeper session.
                status = runChild(manager, argv, env, err);
            }
            else
            {
                err.println("pathlock run: warning: the locks are held by this process only, " + noKeeper +
                    ": if pathlock is killed with SIGKILL they are released while the command runs");
                err.flush();
                status = runChild(manager, argv, env, err);
            }
            if (status != EXIT_NOT_STARTED && !handle.isValid() && handle.lostReason() != null)
            {
                err.println("pathlock run: the command ran (exit " + status + ") after its locks were lost: " +
                    handle.lostReason());
                return EXIT_LOST;
            }
            return status;
        }
        catch (final LockException e)
        {
            err.println("pathlock run: " + e.getMessage());
            return EXIT_IO;
        }
    }

    /** R1, R2: the keeper starts the command and holds the locks' descriptors until it ends. */
    private int runKept(final FileLockStore store, final LockHandle handle, final List<String> argv,
        final Map<String, String> env, final PrintWriter err) throws IOException
    {
        try (CommandKeeper keeper = CommandKeeper.start(argv, env))
        {
            final AutoCloseable sharing = store.shareDescriptors(handle.ownerId(), keeper);
            final AtomicInteger early = new AtomicInteger();
            final SignalRelay relay = PathlockCommand.isProcess() ? SignalRelay.install(d ->
            {
                final int pid = keeper.commandPid();
                if (pid == 0)
                {
                    // Not started yet: it did not get a terminal's signal either; decided below.
                    early.compareAndSet(0, d.signal());
                }
                else if (d.fromProcess() && d.senderPid() != pid)
                {
                    keeper.signal(d.signal());
                }
            }) : null;
            try
            {
                if (early.get() != 0)
                {
                    // A signal before the command started: do not start it.
                    return 128 + early.get();
                }
                try
                {
                    keeper.go();
                }
                catch (final CommandKeeper.NotStarted e)
                {
                    err.println("pathlock run: cannot start " + argv.get(0) + ": " + e.getMessage());
                    return EXIT_NOT_STARTED;
                }
                if (early.get() != 0)
                {
                    keeper.signal(early.get());
                }
                try
                {
                    return keeper.awaitExit();
                }
                catch (final IOException e)
                {
                    err.println("pathlock run: " + e.getMessage());
                    return PathlockCommand.EXIT_SOFTWARE;
                }
            }
            finally
            {
                if (relay != null)
                {
                    relay.close();
                }
                closeQuietly(sharing);
            }
        }
    }

    private static void closeQuietly(final AutoCloseable c)
    {
        try
        {
            c.close();
        }
        catch (final Exception ignore)
        {
            // Unregistering a share only removes a map entry.
        }
    }

    /** R3: the command is this JVM's child; the locks die with this JVM. */
    private int runChild(final LockManager manager, final List<String> argv, final Map<String, String> env,
        final PrintWriter err) throws InterruptedException
    {
        final ProcessBuilder pb = new ProcessBuilder(argv).inheritIO();
        pb.environment().clear();
        pb.environment().putAll(env);
        final Process child;
        try
        {
            child = pb.start();
        }
        catch (final IOException e)
        {
            err.println("pathlock run: cannot start " + argv.get(0) + ": " + e.getMessage());
            return EXIT_NOT_STARTED;
        }
        final SignalRelay relay = PathlockCommand.isProcess() ? SignalRelay.install(d ->
        {
            if (d.fromProcess() && d.senderPid() != child.pid())
            {
                PathlockNative.kill((int)child.pid(), d.signal());
            }
        }) : null;
        Thread hook = null;
        if (relay == null && PathlockCommand.isProcess())
        {
            // No relay (no native library): SIGTERM/SIGINT/SIGHUP end the JVM; stop the command and
            // release the locks only once it has exited (R1).
            hook = new Thread(() ->
            {
                child.destroy();
                try
                {
                    child.waitFor();
                }
                catch (final InterruptedException ignore)
                {
                    Thread.currentThread().interrupt();
                }
                manager.close();
            }, "pathlock-run-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
        }
        try
        {
            return child.waitFor();
        }
        finally
        {
            if (relay != null)
            {
                relay.close();
            }
            if (hook != null)
            {
                try
                {
                    Runtime.getRuntime().removeShutdownHook(hook);
                }
                catch (final IllegalStateException ignore)
                {
                    // Shutting down: the hook releases the locks after the command.
                }
            }
        }
    }

    private List<String> argv()
    {
        if (commandString != null)
        {
            if (!command.isEmpty())
            {
                throw new CommandLine.ParameterException(spec.commandLine(),
                    "give COMMAND or -c 'COMMAND STRING', not both (-c takes one argument: quote it)");
            }
            final String shell = System.getenv("SHELL");
            return List.of(shell == null || shell.isEmpty() ? "/bin/sh" : shell, "-c", commandString);
        }
        if (command.isEmpty())
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "give COMMAND [ARG...] or -c 'COMMAND STRING'");
        }
        return command;
    }

    private LockRequest request()
    {
        if (points.isEmpty() && subtrees.isEmpty() && mv.isEmpty())
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "give at least one of --point, --subtree, --mv");
        }
        if (dir && mv.isEmpty())
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dir only goes with --mv");
        }
        if (shared && exclusive)
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "-s/--shared and -x/--exclusive exclude each other: give one (exclusive is the default)");
        }
        final LockMode mode = shared ? LockMode.SHARED : LockMode.EXCLUSIVE;
        final LockRequest.Builder b = LockRequest.builder();
        for (final String p : points)
        {
            b.add(p, LockType.POINT, mode);
        }
        for (final String p : subtrees)
        {
            b.add(p, LockType.SUBTREE, mode);
        }
        for (int i = 0; i + 1 < mv.size(); i += 2)
        {
            for (final LockRequest.Entry e : LockRequest.mv(mv.get(i), mv.get(i + 1), dir).entries())
            {
                b.add(e.path(), e.type(), mode);
            }
        }
        return b.build();
    }
}

package io.pathlock.cli;

import io.pathlock.core.LockBusyException;
import io.pathlock.core.LockException;
import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockStoreException;
import io.pathlock.core.LockTimeoutException;
import io.pathlock.core.LockType;
import io.pathlock.file.FileLockStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code pathlock run}: holds path locks (lock files under {@code --root}) while a command runs,
 * like util-linux {@code flock(1)}. Exit status: the command's; 75 (EX_TEMPFAIL) when the locks are
 * busy or the timeout passed (the message names the holder); 64 on bad usage; 74 (EX_IOERR) when the
 * lock store fails; 127 when the command cannot be started; {@value #EXIT_LOST} when the locks were
 * lost while the command ran (a lock file removed or replaced by {@code break --force}, an operator or
 * a foreign engine, or a heartbeat that failed): reported on stderr the moment it is noticed, and the
 * exit status says it after the command ends, whatever the command's own status.
 *
 * <p>The locks are held by this JVM, not inherited by the command: if this process dies the locks
 * are free at once (the lock files are no longer {@code flock}ed) even if the command lives on.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
        "Holds POINT/SUBTREE/mv locks in the lock tree under --root while COMMAND runs, then releases them.",
        "Exits with COMMAND's status, 75 when the locks are busy or --timeout passed (naming the holder),",
        "64 on bad usage, 76 when the locks were lost while COMMAND ran (reported on stderr at once).",
        "COMMAND sees the grant's fencing token in PATHLOCK_FENCING_TOKEN."})
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

    @Option(names = "--point", paramLabel = "P", description = "POINT lock on lock path P (repeatable)")
    List<String> points = new ArrayList<>();

    @Option(names = "--subtree", paramLabel = "P", description = "SUBTREE lock on lock path P (repeatable)")
    List<String> subtrees = new ArrayList<>();

    @Option(names = "--mv", arity = "2", paramLabel = "PATH",
        description = "the locks of moving SRC into DSTPARENT: --mv SRC DSTPARENT")
    List<String> mv = new ArrayList<>();

    @Option(names = "--dir", description = "with --mv: SRC is a directory (SUBTREE locks), else a file (POINT on parents)")
    boolean dir;

    @Option(names = "--timeout", defaultValue = "0", paramLabel = "D",
        description = "how long to wait for busy locks: 0 fails at once (default), e.g. 500ms, 5s, 2m, PT1M")
    String timeout;

    @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "the command and its arguments (after --)")
    List<String> command = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter err = spec.commandLine().getErr();
        final LockRequest request = request();
        final Duration wait = DurationParser.parse(timeout);
        final FileLockStore store;
        try
        {
            store = root.open();
        }
        catch (final LockStoreException e)
        {
            err.println("pathlock run: " + e.getMessage());
            return EXIT_IO;
        }
        try (LockManager manager = LockManager.builder().store(store).handleIdleTimeout(Duration.ZERO).build();
            LockHandle handle = manager.open("run"))
        {
            try
            {
                if (wait.isZero())
                {
                    handle.tryAcquire(request);
                }
                else
                {
                    handle.acquire(request, wait);
                }
            }
            catch (final LockBusyException | LockTimeoutException e)
            {
                err.println("pathlock run: " + (e instanceof LockBusyException ? "busy: " : "timed out: ") + e.getMessage());
                return EXIT_BUSY;
            }
            catch (final LockStoreException e)
            {
                err.println("pathlock run: lock store failed: " + e.getMessage());
                return EXIT_IO;
            }
            handle.onLost(reason ->
            {
                err.println("pathlock run: LOCK LOST while the command runs: " + reason);
                err.flush();
            });
            final ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
            pb.environment().put("PATHLOCK_FENCING_TOKEN", Long.toString(handle.locks().get(0).fencingToken()));
            pb.environment().put("PATHLOCK_ROOT", store.root().toString());
            final Process child;
            try
            {
                child = pb.start();
            }
            catch (final IOException e)
            {
                err.println("pathlock run: cannot start " + command.get(0) + ": " + e.getMessage());
                return EXIT_NOT_STARTED;
            }
            final LockManager onShutdown = manager;
            final Thread hook = new Thread(() ->
            {
                // SIGTERM/SIGINT to this JVM: stop the command, then release the locks.
                child.destroy();
                onShutdown.close();
            }, "pathlock-run-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try
            {
                final int status = child.waitFor();
                if (!handle.isValid() && handle.lostReason() != null)
                {
                    err.println("pathlock run: the command ran (exit " + status + ") after its locks were lost: " +
                        handle.lostReason());
                    return EXIT_LOST;
                }
                return status;
            }
            finally
            {
                try
                {
                    Runtime.getRuntime().removeShutdownHook(hook);
                }
                catch (final IllegalStateException ignore)
                {
                    // Already shutting down: the hook releases the locks.
                }
            }
        }
        catch (final LockException e)
        {
            err.println("pathlock run: " + e.getMessage());
            return EXIT_IO;
        }
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
        final LockRequest.Builder b = LockRequest.builder();
        for (final String p : points)
        {
            b.add(p, LockType.POINT);
        }
        for (final String p : subtrees)
        {
            b.add(p, LockType.SUBTREE);
        }
        for (int i = 0; i + 1 < mv.size(); i += 2)
        {
            for (final io.pathlock.core.LockRequest.Entry e : LockRequest.mv(mv.get(i), mv.get(i + 1), dir).entries())
            {
                b.add(e.path(), e.type());
            }
        }
        return b.build();
    }
}

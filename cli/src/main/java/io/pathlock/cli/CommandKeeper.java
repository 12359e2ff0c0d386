package io.pathlock.cli;

import io.pathlock.file.FileLockStore;
import io.pathlock.nativeio.NativeLoader;
import io.pathlock.nativeio.PathlockNative;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The JVM's side of {@code pathlock-keeper} (native/src/main/c/keeper/pathlock_keeper.c, whose
 * comment has the protocol and the invariants K1–K5): a small process that starts {@code run}'s
 * command, holds the descriptors that keep the lock files {@code flock}ed for as long as the command
 * runs (the JVM shares each one with it before it is published: H6 of the lock-file store), and
 * reports the command's end. If the JVM is killed, the keeper keeps the locks until the command ends,
 * as {@code flock(1)}'s child keeps its inherited descriptor.
 *
 * <p>Thread-safety: {@link #add}, {@link #remove}, {@link #signal} and {@link #close} may be called
 * from any thread (the store's heartbeat shares descriptors); {@link #go} and {@link #awaitExit} from
 * the thread that runs the command.
 */
final class CommandKeeper implements FileLockStore.DescriptorShare, AutoCloseable
{
    private final int keeperPid;
    private int ctl;
    private boolean reaped;
    private volatile int commandPid;
    private final byte[] buf = new byte[256];

    /** The command could not be executed ({@code execvp} failed with {@code errno}). */
    static final class NotStarted extends Exception
    {
        private static final long serialVersionUID = 1L;

        NotStarted(final String message)
        {
            super(message);
        }
    }

    private CommandKeeper(final int keeperPid, final int ctl)
    {
        this.keeperPid = keeperPid;
        this.ctl = ctl;
    }

    /**
     * Why the keeper cannot be used with this store, or null when it can.
     *
     * @param store the store holding the locks.
     * @return the reason, or null.
     */
    static String unavailableReason(final FileLockStore store)
    {
        if (!NativeLoader.isAvailable())
        {
            return "the native library is not loaded (" + NativeLoader.unavailabilityCause() + ")";
        }
        if (!store.detectsDeathImmediately())
        {
            return "the " + store.backend() +
                " backend has no flock(2) liveness";
        }
        return null;
    }

    /**
     * Starts the keeper; it waits for {@link #go} before it starts the command (K1).
     *
     * @param command the command and its arguments ({@code execvp}: looked up in the environment's PATH).
     * @param env     the command's environment.
     * @return the keeper.
     * @throws IOException if the keeper cannot be started.
     */
    static CommandKeeper start(final List<String> command, final Map<String, String> env) throws IOException
    {
        final byte[] exe = NativeLoader.keeperExecutable().toString().getBytes(StandardCharsets.UTF_8);
        final int[] pair = new int[2];
        int rc = PathlockNative.socketPair(pair);
        if (rc < 0)
        {
            throw new IOException("socketpair failed: " + errnoText(-rc));
        }
        final byte[][] argv = new byte[command.size() + 2][];
        argv[0] = "pathlock-keeper".getBytes(StandardCharsets.UTF_8);
        argv[1] = "-".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < command.size(); i++)
        {
            argv[i + 2] = command.get(i).getBytes(StandardCharsets.UTF_8);
        }
        final byte[][] envp = new byte[env.size()][];
        int k = 0;
        for (final Map.Entry<String, String> e : env.entrySet())
        {
            envp[k++] = (e.getKey() + "=" + e.getValue()).getBytes(StandardCharsets.UTF_8);
        }
        rc = PathlockNative.spawnKeeper(exe, argv, envp, pair[1]);
        PathlockNative.close(pair[1]);
        if (rc < 0)
        {
            PathlockNative.close(pair[0]);
            throw new IOException("cannot start " + new String(exe, StandardCharsets.UTF_8) + ": " + errnoText(-rc));
        }
        return new CommandKeeper(rc, pair[0]);
    }

    @Override
    public synchronized void add(final int fd)
    {
        send("A " + fd, fd);
    }

    @Override
    public synchronized void remove(final int fd)
    {
        send("R " + fd, -1);
    }

    /**
     * Forwards a signal to the command (the keeper knows whether it still runs, so no other process
     * that reused its pid can be hit).
     *
     * @param signal the signal number.
     */
    synchronized void signal(final int signal)
    {
        send("K " + signal, -1);
    }

    private void send(final String message, final int fd)
    {
        if (ctl < 0)
        {
            return;
        }
        final int rc = PathlockNative.sendMessage(ctl, message.getBytes(StandardCharsets.US_ASCII), fd);
        if (rc < 0 && rc != -32 && rc != -111 && rc != -104)
        {
            // EPIPE, ECONNREFUSED, ECONNRESET: the keeper has ended, with the command. Anything else
            // means a descriptor the keeper should hold did not reach it.
            System.err.println("pathlock run: warning: could not hand a lock descriptor to the keeper (" +
                message + "): " + errnoText(-rc));
        }
    }

    /**
     * Starts the command (K1) and waits until it runs.
     *
     * @return the command's pid.
     * @throws NotStarted if it could not be executed.
     * @throws IOException if the keeper failed.
     */
    int go() throws NotStarted, IOException
    {
        synchronized (this)
        {
            send("G", -1);
        }
        final String reply = receive();
        if (reply != null && reply.startsWith("S "))
        {
            commandPid = Integer.parseInt(reply.substring(2).trim());
            return commandPid;
        }
        if (reply != null && reply.startsWith("E "))
        {
            throw new NotStarted(errnoText(Integer.parseInt(reply.substring(2).trim())));
        }
        throw new IOException("the keeper ended before it started the command (" + reply + ")");
    }

    /** The command's pid, 0 before it started. */
    int commandPid()
    {
        return commandPid;
    }

    /**
     * Waits until the command has ended.
     *
     * @return its exit status as a shell reports it: the code, or 128 + the signal that killed it.
     * @throws IOException if the keeper ended without reporting the command's end.
     */
    int awaitExit() throws IOException
    {
        String reply;
        do
        {
            reply = receive();
        }
        while (reply != null && !reply.startsWith("X "));
        if (reply == null)
        {
            // The keeper was killed: the command, orphaned, may still run. Keep the locks until it
            // has ended (R1), then report the failure.
            final int pid = commandPid;
            if (pid > 0)
            {
                ProcessHandle.of(pid).ifPresent(p -> p.onExit().join());
            }
            throw new IOException("the keeper (pid " + keeperPid + ") ended before reporting the command's (pid " +
                pid + ") exit status");
        }
        final int status = Integer.parseInt(reply.substring(2).trim());
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
    }

    private String receive() throws IOException
    {
        final int n = PathlockNative.read(ctl, buf);
        if (n < 0)
        {
            throw new IOException("reading from the keeper failed: " + errnoText(-n));
        }
        return n == 0 ? null : new String(buf, 0, n, StandardCharsets.US_ASCII);
    }

    /** Closes the control socket (a keeper still waiting for {@link #go} then ends, K5) and reaps it. */
    @Override
    public void close()
    {
        synchronized (this)
        {
            if (ctl >= 0)
            {
                PathlockNative.close(ctl);
                ctl = -1;
            }
        }
        if (!reaped)
        {
            reaped = true;
            PathlockNative.waitPid(keeperPid);
        }
    }

    static String errnoText(final int errno)
    {
        return switch (errno)
        {
            case 2 -> "No such file or directory";
            case 8 -> "Exec format error";
            case 13 -> "Permission denied";
            case 12 -> "Cannot allocate memory";
            case 20 -> "Not a directory";
            case 21 -> "Is a directory";
            case 36 -> "File name too long";
            default -> "errno " + errno;
        };
    }
}

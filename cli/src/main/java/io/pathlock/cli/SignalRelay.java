package io.pathlock.cli;

import io.pathlock.nativeio.NativeLoader;
import io.pathlock.nativeio.PathlockNative;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * While {@code pathlock run}'s command runs, SIGTERM, SIGINT and SIGHUP do not end the JVM (which
 * would release the locks before the command has exited): each is handed to a callback on a thread of
 * its own, with whether a process sent it ({@code kill}) or the kernel generated it for the terminal's
 * foreground process group (Ctrl-C, hang-up), which the command, in the same group, received itself.
 * A signal that was ignored when the relay was installed (under {@code nohup}) stays ignored.
 *
 * <p>Needs the native library; one relay per process. Thread-safety: {@link #close()} may be called
 * from any thread, once.
 */
final class SignalRelay implements AutoCloseable
{
    static final int SIGHUP = 1;
    static final int SIGINT = 2;
    static final int SIGTERM = 15;

    /** A delivered signal: its number and whether a process sent it ({@code si_code <= 0}). */
    record Delivery(int signal, boolean fromProcess, int senderPid)
    {
    }

    private final int readFd;
    private final Thread reader;

    private SignalRelay(final int readFd, final Consumer<Delivery> handler)
    {
        this.readFd = readFd;
        this.reader = new Thread(() -> readLoop(handler), "pathlock-signal-relay");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /**
     * Installs the relay.
     *
     * @param handler called on the relay's thread for each signal.
     * @return the relay, or null when the native library is not loaded or a relay is installed.
     */
    static SignalRelay install(final Consumer<Delivery> handler)
    {
        if (!NativeLoader.isAvailable())
        {
            return null;
        }
        final int[] signals = {SIGTERM, SIGINT, SIGHUP};
        final int fd = PathlockNative.signalRelayInstall(signals, new int[signals.length]);
        return fd < 0 ? null : new SignalRelay(fd, handler);
    }

    private void readLoop(final Consumer<Delivery> handler)
    {
        final byte[] record = new byte[12];
        final ByteBuffer view = ByteBuffer.wrap(record).order(ByteOrder.nativeOrder());
        try
        {
            while (PathlockNative.read(readFd, record) == record.length)
            {
                handler.accept(new Delivery(view.getInt(0), view.getInt(4) <= 0, view.getInt(8)));
            }
        }
        finally
        {
            PathlockNative.close(readFd);
        }
    }

    /** Restores the JVM's own handlers; the reader thread ends. */
    @Override
    public void close()
    {
        PathlockNative.signalRelayRemove();
    }
}

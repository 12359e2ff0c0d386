package io.pathlock.zookeeper;

import io.pathlock.core.LockStoreException;
import io.pathlock.store.LockStoreProvider;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@link LockStoreProvider} named {@code zookeeper}: how the command line opens a
 * {@link ZooKeeperLockStore} without depending on this module at compile time, and starts a
 * development server ({@code pathlock dev-zookeeper}). Thread-safe; constructing it connects to nothing.
 */
public final class ZooKeeperStoreProvider implements LockStoreProvider
{
    /** The provider's name. */
    public static final String NAME = "zookeeper";

    /** Tick of the development server (ZooKeeper's default). */
    private static final int DEV_TICK_MILLIS = 2000;
    /** Connections the development server accepts from one address. */
    private static final int DEV_MAX_CLIENT_CONNECTIONS = 200;

    /** Creates the provider (the {@link java.util.ServiceLoader} calls this). */
    public ZooKeeperStoreProvider()
    {
    }

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public AdministeredStore open(final String address, final String namespace, final Duration connectionTimeout)
    {
        return ZooKeeperLockStore.builder().connectString(address).namespace(namespace)
            .connectionTimeout(connectionTimeout).build();
    }

    @Override
    public DevServer startDevServer(final int port, final Path dataDir) throws IOException
    {
        if (port < 0 || port > 65535)
        {
            throw new IllegalArgumentException("port " + port + " is not 0 to 65535");
        }
        if (!Files.isDirectory(dataDir))
        {
            throw new IllegalArgumentException("no data directory " + dataDir);
        }
        final ZooKeeperServer server = new ZooKeeperServer(dataDir.toFile(), dataDir.toFile(), DEV_TICK_MILLIS);
        final ServerCnxnFactory factory = ServerCnxnFactory.createFactory(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), port), DEV_MAX_CLIENT_CONNECTIONS);
        try
        {
            factory.startup(server);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            factory.shutdown();
            throw new LockStoreException("interrupted while starting the development ZooKeeper server", e);
        }
        catch (final IOException | RuntimeException e)
        {
            factory.shutdown();
            server.shutdown();
            throw e;
        }
        catch (final LinkageError e)
        {
            // A class of the server is missing: its threads (not daemons) would keep the JVM alive.
            factory.shutdown();
            server.shutdown();
            throw new IOException("the ZooKeeper server cannot run, a class is missing: " + e, e);
        }
        final String connect = InetAddress.getLoopbackAddress().getHostAddress() + ":" + factory.getLocalPort();
        return new DevServer()
        {
            private boolean closed;

            @Override
            public String connectString()
            {
                return connect;
            }

            @Override
            public synchronized void close()
            {
                if (!closed)
                {
                    closed = true;
                    factory.shutdown();
                    server.shutdown();
                }
            }
        };
    }
}

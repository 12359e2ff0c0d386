package io.pathlock.bench.zookeeper;

import io.pathlock.zookeeper.ZooKeeperLockStore;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;

import java.time.Duration;

/** One in-JVM ZooKeeper server per benchmark fork, and clients on it (one session each). */
final class EmbeddedEnsemble
{
    private static TestingServer server;

    private EmbeddedEnsemble()
    {
    }

    static synchronized String connectString()
    {
        if (server == null)
        {
            try
            {
                server = new TestingServer(true);
            }
            catch (final Exception e)
            {
                throw new IllegalStateException("could not start the embedded ZooKeeper server", e);
            }
        }
        return server.getConnectString();
    }

    static ZooKeeperLockStore store(final String namespace)
    {
        return ZooKeeperLockStore.builder().connectString(connectString()).namespace(namespace)
            .sessionTimeout(Duration.ofSeconds(30)).build();
    }

    static CuratorFramework curator()
    {
        final CuratorFramework c = CuratorFrameworkFactory.builder().connectString(connectString())
            .sessionTimeoutMs(30_000).connectionTimeoutMs(10_000).retryPolicy(new ExponentialBackoffRetry(100, 3)).build();
        c.start();
        try
        {
            if (!c.blockUntilConnected(10, java.util.concurrent.TimeUnit.SECONDS))
            {
                throw new IllegalStateException("no connection to " + connectString());
            }
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return c;
    }
}

package io.pathlock.zookeeper;

import org.apache.curator.test.TestingServer;

import java.time.Duration;
import java.util.UUID;

/**
 * One in-JVM ZooKeeper server (curator-test, random port) shared by the test classes of this JVM, and
 * a fresh namespace per use so that tests never see each other's znodes.
 */
final class ZkTestServer
{
    private static TestingServer server;

    private ZkTestServer()
    {
    }

    static synchronized TestingServer server()
    {
        if (server == null)
        {
            try
            {
                System.setProperty("znode.container.checkIntervalMs", "1000");
                server = new TestingServer(true);
                final TestingServer s = server;
                Runtime.getRuntime().addShutdownHook(new Thread(() ->
                    {
                        try
                        {
                            s.close();
                        }
                        catch (final Exception ignore)
                        {
                            // Exiting anyway.
                        }
                    }));
            }
            catch (final Exception e)
            {
                throw new IllegalStateException("could not start the ZooKeeper test server", e);
            }
        }
        return server;
    }

    static String freshNamespace()
    {
        return "/test-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static ZooKeeperLockStore.Builder store(final String namespace)
    {
        return ZooKeeperLockStore.builder()
            .connectString(server().getConnectString())
            .namespace(namespace)
            .sessionTimeout(Duration.ofSeconds(10))
            .connectionTimeout(Duration.ofSeconds(10))
            .waiterGrace(Duration.ofMillis(300));
    }
}

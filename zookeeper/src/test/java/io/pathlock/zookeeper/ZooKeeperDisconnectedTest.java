package io.pathlock.zookeeper;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockStoreException;
import io.pathlock.core.LockType;
import io.pathlock.store.LockStore;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With the ensemble unreachable, a request fails closed with a {@link LockStoreException} that names
 * the store, a held publication is reported lost (Z10), and once the server is back nothing the
 * failed request did is left and locks are granted again.
 */
class ZooKeeperDisconnectedTest
{
    @Test
    void requestsFailClosedWhileTheEnsembleIsDownAndNothingIsLeft() throws Exception
    {
        try (TestingServer server = new TestingServer(true))
        {
            final String ns = ZkTestServer.freshNamespace();
            final ZooKeeperLockStore store = ZooKeeperLockStore.builder().connectString(server.getConnectString())
                .namespace(ns).sessionTimeout(Duration.ofSeconds(60)).connectionTimeout(Duration.ofSeconds(1)).build();
            try
            {
                final List<LockRequest.Entry> e = List.of(new LockRequest.Entry(LockPath.parse("/d/x"), LockType.POINT,
                    LockMode.EXCLUSIVE));
                final LockStore.PublishResult held = store.tryPublish("a", e);
                assertTrue(held.isGranted());
                server.stop();
                final List<LockRequest.Entry> other = List.of(new LockRequest.Entry(LockPath.parse("/d/y"), LockType.POINT,
                    LockMode.EXCLUSIVE));
                final LockStoreException ex = assertThrows(LockStoreException.class, () -> store.tryPublish("b", other));
                assertTrue(ex.getMessage().contains(ns), ex.getMessage());
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (store.check(held.publication()) == null && System.nanoTime() < deadline)
                {
                    TimeUnit.MILLISECONDS.sleep(20); // waiting for Curator's SUSPENDED, with a timeout
                }
                assertNotNull(store.check(held.publication()), "the holder is told it may have lost the lock");
                server.restart();
                store.unpublish(held.publication());
                final long deadline2 = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (store.countQueueNodes() != 0 && System.nanoTime() < deadline2)
                {
                    TimeUnit.MILLISECONDS.sleep(20); // the agent deletes what the failed request may have left
                }
                assertEquals(0, store.countQueueNodes(), "nothing left by the failed request or the released lock");
                final LockStore.PublishResult again = store.tryPublish("b", other);
                assertTrue(again.isGranted());
                store.unpublish(again.publication());
            }
            finally
            {
                store.close();
            }
        }
    }
}

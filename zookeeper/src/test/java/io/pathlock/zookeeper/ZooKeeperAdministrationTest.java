package io.pathlock.zookeeper;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.store.LockStore;
import io.pathlock.store.LockStoreProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code pathlock status} and {@code break} use (issue 13): the provider found with
 * {@link ServiceLoader}, {@code listHolders()}, {@code removeHolder()} (Z10: the holder learns the
 * loss on refresh) and the development server.
 */
class ZooKeeperAdministrationTest
{
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception
    {
        for (int i = open.size() - 1; i >= 0; i--)
        {
            open.get(i).close();
        }
    }

    private static LockStoreProvider provider()
    {
        for (final LockStoreProvider p : ServiceLoader.load(LockStoreProvider.class))
        {
            if (p.name().equals("zookeeper"))
            {
                return p;
            }
        }
        throw new AssertionError("no zookeeper provider registered in META-INF/services");
    }

    private static List<LockRequest.Entry> one(final String path, final LockType type)
    {
        return List.of(new LockRequest.Entry(LockPath.parse(path), type, LockMode.EXCLUSIVE));
    }

    @Test
    void removeHolderFreesEverythingOfOneOwnerAndItLearnsOnRefresh()
    {
        final String ns = ZkTestServer.freshNamespace();
        final LockStoreProvider.AdministeredStore a = provider().open(ZkTestServer.server().getConnectString(), ns,
            Duration.ofSeconds(10));
        open.add(a);
        final ZooKeeperLockStore b = ZkTestServer.store(ns).build();
        open.add(b);
        final LockStore.PublishResult pa = a.tryPublish("owner-a", one("/x/y/z", LockType.POINT));
        final LockStore.PublishResult pb = b.tryPublish("owner-b", one("/q", LockType.SUBTREE));
        assertNotNull(pa.publication());
        assertNotNull(pb.publication());
        // owner-a's POINT has intentions on /x/y, /x and /: 4 nodes; owner-b's SUBTREE /q and its intention on /.
        assertEquals(6, b.countQueueNodes());

        final List<LockStoreProvider.StoreHolder> holders = b.listHolders();
        assertEquals(2, holders.size(), holders.toString());
        final LockStoreProvider.StoreHolder ha = holders.stream().filter(h -> h.ownerId().equals("owner-a")).findFirst()
            .orElseThrow();
        assertEquals("/x/y/z", ha.path());
        assertEquals(LockType.POINT, ha.type());
        assertEquals(LockMode.EXCLUSIVE, ha.mode());
        assertEquals(ProcessHandle.current().pid(), ha.pid());
        assertFalse(ha.waiting());
        assertTrue(ha.ageMillis() >= 0);

        assertEquals(4, b.removeHolder(ha));
        assertEquals(2, b.countQueueNodes());
        assertFalse(a.refresh(pa.publication()), "the broken holder must learn it lost its lock");
        // Free at once for others: a SUBTREE on / conflicts only with owner-b's lock now.
        final LockStore.PublishResult other = b.tryPublish("owner-c", one("/x", LockType.SUBTREE));
        assertNotNull(other.publication(), String.valueOf(other.conflict()));
        assertEquals(0, b.removeHolder(ha), "nothing left of owner-a");
        assertTrue(b.refresh(pb.publication()));
    }

    @Test
    void devServerServesAStoreAndStops() throws Exception
    {
        final Path data = Files.createTempDirectory("pathlock-dev-zk-test");
        final LockStoreProvider.DevServer server = provider().startDevServer(0, data);
        try
        {
            assertTrue(server.connectString().startsWith("127.0.0.1:"), server.connectString());
            try (LockStoreProvider.AdministeredStore s = provider().open(server.connectString(), "/dev",
                Duration.ofSeconds(10)))
            {
                final LockStore.PublishResult r = s.tryPublish("o", one("/a", LockType.POINT));
                assertNotNull(r.publication());
                assertNull(r.conflict());
                assertEquals(1, s.listHolders().size());
            }
        }
        finally
        {
            server.close();
            server.close(); // idempotent
        }
        assertThrows(IllegalArgumentException.class, () -> provider().startDevServer(-1, data));
        try (var files = Files.walk(data))
        {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}

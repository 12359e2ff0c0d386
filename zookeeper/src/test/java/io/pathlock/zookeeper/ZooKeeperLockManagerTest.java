package io.pathlock.zookeeper;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockLostException;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockTimeoutException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ZooKeeper store behind {@link LockManager}s, each with its own session (several "hosts"):
 * mutual exclusion and fencing order across clients (Z5, Z9), batches in random order without
 * deadlock (Z6), session expiry while holding (Z10), timed-out acquisitions leave nothing (Z11).
 */
class ZooKeeperLockManagerTest
{
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private String ns;

    @BeforeEach
    void namespace()
    {
        ns = ZkTestServer.freshNamespace();
    }

    @AfterEach
    void close() throws Exception
    {
        Collections.reverse(closeables);
        for (final AutoCloseable c : closeables)
        {
            c.close();
        }
    }

    private LockManager manager(final ZooKeeperLockStore store)
    {
        final LockManager m = LockManager.builder().store(store).build();
        closeables.add(m);
        return m;
    }

    private LockManager manager()
    {
        return manager(ZkTestServer.store(ns).build());
    }

    /** Shared locks through the facade on two clients: readers share across hosts, writers are kept out. */
    @Test
    void sharedLocksThroughTheFacadeAcrossClients() throws Exception
    {
        final LockManager a = manager();
        final LockManager b = manager();
        try (LockHandle reader = a.lock(io.pathlock.core.LockRequest.subtreeShared("/data"));
             LockHandle other = b.lock(io.pathlock.core.LockRequest.pointShared("/data/x")))
        {
            assertTrue(reader.isValid() && other.isValid());
            assertNull(b.tryLock(io.pathlock.core.LockRequest.point("/data/y")), "a writer below a SUBTREE-SHARED on another host");
            assertNull(b.tryLock(io.pathlock.core.LockRequest.subtree("/")), "a writer above both readers");
            final LockHandle third = b.tryLock(io.pathlock.core.LockRequest.subtreeShared("/"));
            assertNotNull(third, "a reader above readers");
            third.close();
        }
        try (LockHandle writer = b.tryLock(io.pathlock.core.LockRequest.point("/data/y")))
        {
            assertNotNull(writer, "granted once the readers left");
        }
    }

    @Test
    void mutualExclusionAndIncreasingTokensAcrossClients() throws Exception
    {
        final int clients = 4;
        final int threads = 2;
        final int rounds = 40;
        final List<LockManager> ms = new ArrayList<>();
        for (int i = 0; i < clients; i++)
        {
            ms.add(manager());
        }
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger maxInside = new AtomicInteger();
        final AtomicLong lastToken = new AtomicLong();
        final AtomicInteger tokenViolations = new AtomicInteger();
        final CyclicBarrier start = new CyclicBarrier(clients * threads);
        final ExecutorService pool = Executors.newFixedThreadPool(clients * threads);
        final List<Future<?>> fs = new ArrayList<>();
        for (int c = 0; c < clients; c++)
        {
            final LockManager m = ms.get(c);
            for (int t = 0; t < threads; t++)
            {
                final int seed = c * 31 + t;
                fs.add(pool.submit(() ->
                    {
                        final Random rnd = new Random(seed);
                        start.await();
                        for (int r = 0; r < rounds; r++)
                        {
                            final LockRequest req = rnd.nextBoolean() ? LockRequest.point("/m/x") : LockRequest.subtree("/m");
                            try (LockHandle h = m.lock(req, Duration.ofSeconds(60)))
                            {
                                final int n = inside.incrementAndGet();
                                maxInside.accumulateAndGet(n, Math::max);
                                final long token = h.fencingToken(req.entries().get(0).path().toString());
                                if (token <= lastToken.get())
                                {
                                    tokenViolations.incrementAndGet();
                                }
                                lastToken.set(token);
                                inside.decrementAndGet();
                            }
                        }
                        return null;
                    }));
            }
        }
        for (final Future<?> f : fs)
        {
            f.get(180, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals(1, maxInside.get(), "never two holders at once");
        assertEquals(0, tokenViolations.get(), "each grant's token is above the previous holder's");
    }

    /** Z6: batches of several paths, listed in random order by many clients, all finish. */
    @Test
    void randomBatchesFromManyClientsDoNotDeadlock() throws Exception
    {
        final String[] paths = {"/d", "/d/a", "/d/b", "/d/a/x", "/d/b/y", "/d/c", "/e"};
        final int clients = 4;
        final int threads = 2;
        final List<LockManager> ms = new ArrayList<>();
        for (int i = 0; i < clients; i++)
        {
            ms.add(manager());
        }
        final CyclicBarrier start = new CyclicBarrier(clients * threads);
        final ExecutorService pool = Executors.newFixedThreadPool(clients * threads);
        final AtomicInteger granted = new AtomicInteger();
        final List<Future<?>> fs = new ArrayList<>();
        for (int c = 0; c < clients; c++)
        {
            final LockManager m = ms.get(c);
            for (int t = 0; t < threads; t++)
            {
                final int seed = 1000 + c * 17 + t;
                fs.add(pool.submit(() ->
                    {
                        final Random rnd = new Random(seed);
                        start.await();
                        for (int r = 0; r < 15; r++)
                        {
                            final List<String> ps = new ArrayList<>(List.of(paths));
                            Collections.shuffle(ps, rnd);
                            final LockRequest.Builder b = LockRequest.builder();
                            final int n = 2 + rnd.nextInt(2);
                            for (int i = 0; i < n; i++)
                            {
                                b.add(ps.get(i), rnd.nextInt(3) == 0 ? io.pathlock.core.LockType.SUBTREE :
                                    io.pathlock.core.LockType.POINT);
                            }
                            try (LockHandle h = m.lock(b.build(), Duration.ofSeconds(90)))
                            {
                                assertTrue(h.isValid());
                                granted.incrementAndGet();
                            }
                        }
                        return null;
                    }));
            }
        }
        for (final Future<?> f : fs)
        {
            f.get(200, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals(clients * threads * 15, granted.get());
        final ZooKeeperLockStore s = (ZooKeeperLockStore)ms.get(0).store();
        waitFor(() -> s.countQueueNodes() == 0, "no znode left after every batch was released");
    }

    /** Z11 through the facade: an acquisition that times out leaves no queue node. */
    @Test
    void timedOutAcquisitionLeavesNothing() throws Exception
    {
        final LockManager a = manager();
        final LockManager b = manager();
        final ZooKeeperLockStore s = (ZooKeeperLockStore)b.store();
        try (LockHandle h = a.lock(LockRequest.subtree("/to")))
        {
            assertThrows(LockTimeoutException.class, () -> b.lock(LockRequest.point("/to/x"), Duration.ofMillis(200)));
            assertNotNull(b.acquireAsync(LockRequest.point("/to/y"), Duration.ofMillis(200))
                .handle((v, e) -> e).get(20, TimeUnit.SECONDS));
            waitFor(() -> s.countQueueNodes() == 2, "only the holder's two nodes remain");
        }
        waitFor(() -> s.countQueueNodes() == 0, "nothing after release");
    }

    /** Z10: the session of a holder expires; it learns it lost the lock, and another client gets it. */
    @Test
    void sessionExpiryWhileHolding() throws Exception
    {
        final CuratorFramework curator = CuratorFrameworkFactory.builder()
            .connectString(ZkTestServer.server().getConnectString())
            .sessionTimeoutMs(10_000).connectionTimeoutMs(10_000)
            .retryPolicy(new ExponentialBackoffRetry(100, 3)).build();
        curator.start();
        closeables.add(curator);
        final CountDownLatch lost = new CountDownLatch(1);
        curator.getConnectionStateListenable().addListener((c, st) ->
            {
                if (st == ConnectionState.LOST)
                {
                    lost.countDown();
                }
            });
        final LockManager a = manager(ZooKeeperLockStore.builder().client(curator).namespace(ns).build());
        final LockManager b = manager();
        final LockHandle h = a.lock(LockRequest.point("/sx/a"));
        final CountDownLatch told = new CountDownLatch(1);
        h.onLost(reason -> told.countDown());
        assertTrue(h.isValid());
        final long tokenBefore = h.fencingToken("/sx/a");
        assertFalse(b.tryLock(LockRequest.point("/sx/a")) != null, "held by a");

        // Expire a's session on the server: another client closes it with a's id and password.
        final ZooKeeper zk = curator.getZookeeperClient().getZooKeeper();
        // It must be connected before it closes, or close() sends no closeSession and nothing expires.
        final CountDownLatch connected = new CountDownLatch(1);
        final ZooKeeper impostor = new ZooKeeper(ZkTestServer.server().getConnectString(), 10_000, e ->
            {
                if (e.getState() == org.apache.zookeeper.Watcher.Event.KeeperState.SyncConnected)
                {
                    connected.countDown();
                }
            }, zk.getSessionId(), zk.getSessionPasswd());
        assertTrue(connected.await(30, TimeUnit.SECONDS), "the impostor connected with a's session");
        impostor.close();

        assertTrue(lost.await(30, TimeUnit.SECONDS), "Curator reports LOST");
        assertFalse(h.isValid(), "the holder learns that it may have lost its lock");
        assertTrue(told.await(30, TimeUnit.SECONDS), "the onLost listener ran");
        assertThrows(LockLostException.class, () -> h.fencingToken("/sx/a"));
        try (LockHandle hb = b.lock(LockRequest.point("/sx/a"), Duration.ofSeconds(30)))
        {
            assertTrue(hb.fencingToken("/sx/a") > tokenBefore, "the new holder's token fences the old one");
        }
        h.close();
        // a's store keeps working on its new session.
        try (LockHandle again = a.lock(LockRequest.point("/sx/a"), Duration.ofSeconds(30)))
        {
            assertTrue(again.isValid());
        }
    }

    /** Bad input gets a clear error and starts nothing. */
    @Test
    void badConfigurationIsRefused()
    {
        final IllegalArgumentException e1 = assertThrows(IllegalArgumentException.class,
            () -> ZooKeeperLockStore.builder().connectString("localhost:notaport").build());
        assertTrue(e1.getMessage().contains("localhost:notaport"), e1.getMessage());
        final IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
            () -> ZooKeeperLockStore.builder().connectString("h:2181").namespace("").build());
        assertTrue(e2.getMessage().contains("namespace is missing"), e2.getMessage());
        assertThrows(IllegalArgumentException.class,
            () -> ZooKeeperLockStore.builder().connectString("h:2181").namespace("relative").build());
        assertThrows(IllegalArgumentException.class,
            () -> ZooKeeperLockStore.builder().connectString("h:99999").build());
        assertThrows(IllegalArgumentException.class, () -> ZooKeeperLockStore.builder().build());
        final io.pathlock.core.LockStoreException e3 = assertThrows(io.pathlock.core.LockStoreException.class,
            () -> ZooKeeperLockStore.builder().connectString("127.0.0.1:1").connectionTimeout(Duration.ofMillis(500))
                .build());
        assertTrue(e3.getMessage().contains("127.0.0.1:1"), e3.getMessage());
    }

    private static void waitFor(final java.util.function.BooleanSupplier c, final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!c.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError(what);
            }
            TimeUnit.MILLISECONDS.sleep(20); // polling server state, not ordering threads
        }
    }
}

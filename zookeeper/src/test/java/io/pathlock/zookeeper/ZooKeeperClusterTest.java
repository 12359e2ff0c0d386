package io.pathlock.zookeeper;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockException;
import io.pathlock.core.LockRequest;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A 3-node ensemble (curator-test {@code TestingCluster}) whose leader is killed while clients hold
 * and contend for locks: the holders are told they may have lost their locks (Z10), no two holders
 * are ever inside together (Z5), tokens keep increasing (Z9), and locks are granted again after the
 * election.
 */
class ZooKeeperClusterTest
{
    private static TestingCluster cluster;

    @BeforeAll
    static void start() throws Exception
    {
        System.setProperty("zookeeper.4lw.commands.whitelist", "srvr");
        cluster = new TestingCluster(3);
        cluster.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        cluster.close();
    }

    private static InstanceSpec leader() throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline)
        {
            for (final InstanceSpec spec : cluster.getInstances())
            {
                try (Socket s = new Socket("127.0.0.1", spec.getPort()))
                {
                    s.setSoTimeout(2000);
                    final OutputStream o = s.getOutputStream();
                    o.write("srvr".getBytes(StandardCharsets.US_ASCII));
                    o.flush();
                    final InputStream in = s.getInputStream();
                    if (new String(in.readAllBytes(), StandardCharsets.UTF_8).contains("Mode: leader"))
                    {
                        return spec;
                    }
                }
                catch (final java.io.IOException e)
                {
                    // Not up yet.
                }
            }
            TimeUnit.MILLISECONDS.sleep(100); // polling the servers' state, not ordering threads
        }
        throw new AssertionError("no leader");
    }

    @Test
    void leaderKilledWhileHoldingAndContending() throws Exception
    {
        final String ns = ZkTestServer.freshNamespace();
        final List<LockManager> ms = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            ms.add(LockManager.builder().store(ZooKeeperLockStore.builder().connectString(cluster.getConnectString())
                .namespace(ns).sessionTimeout(Duration.ofSeconds(20)).waiterGrace(Duration.ofMillis(300)).build()).build());
        }
        try
        {
            final LockHandle holder = ms.get(0).lock(LockRequest.subtree("/held"));
            final CountDownLatch told = new CountDownLatch(1);
            holder.onLost(r -> told.countDown());

            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicInteger inside = new AtomicInteger();
            final AtomicInteger maxInside = new AtomicInteger();
            final AtomicLong lastToken = new AtomicLong();
            final AtomicInteger inversions = new AtomicInteger();
            final AtomicInteger grants = new AtomicInteger();
            final AtomicInteger storeErrors = new AtomicInteger();
            final ExecutorService pool = Executors.newFixedThreadPool(4);
            final List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++)
            {
                final LockManager m = ms.get(1 + t % 2);
                fs.add(pool.submit(() ->
                    {
                        while (!stop.get())
                        {
                            try (LockHandle h = m.lock(LockRequest.point("/c/x"), Duration.ofSeconds(5)))
                            {
                                final long token = h.fencingToken("/c/x");
                                final int n = inside.incrementAndGet();
                                try
                                {
                                    maxInside.accumulateAndGet(n, Math::max);
                                    if (token <= lastToken.get())
                                    {
                                        inversions.incrementAndGet();
                                    }
                                    lastToken.set(token);
                                    grants.incrementAndGet();
                                }
                                finally
                                {
                                    inside.decrementAndGet();
                                }
                            }
                            catch (final LockException e)
                            {
                                // Busy, timed out, lost or the store failed during the election: retry.
                                storeErrors.incrementAndGet();
                            }
                        }
                        return null;
                    }));
            }
            final int before = grants.get();
            final InstanceSpec leader = leader();
            cluster.killServer(leader);
            assertTrue(told.await(60, TimeUnit.SECONDS), "the holder learns that it may have lost its lock");
            assertFalse(holder.isValid());
            cluster.restartServer(leader);
            final int atRestart = grants.get();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (grants.get() < atRestart + 20 && System.nanoTime() < deadline)
            {
                TimeUnit.MILLISECONDS.sleep(50); // waiting for progress with a timeout
            }
            stop.set(true);
            for (final Future<?> f : fs)
            {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertTrue(grants.get() >= atRestart + 20, "grants resume after the election (" + before + " before, " +
                atRestart + " at restart, " + grants.get() + " at the end)");
            assertEquals(1, maxInside.get(), "never two holders at once");
            assertEquals(0, inversions.get(), "tokens increase through the election");
            holder.close();
            try (LockHandle again = ms.get(2).lock(LockRequest.subtree("/held"), Duration.ofSeconds(30)))
            {
                assertTrue(again.isValid());
            }
        }
        finally
        {
            ms.forEach(LockManager::close);
        }
    }
}

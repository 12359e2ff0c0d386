package io.pathlock.zookeeper;

import io.pathlock.core.LockConflict;
import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.store.LockStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Waiting through the SPI over a real server: notification (Z7), fairness in both directions (Z4, Z7),
 * the exemption of holders (Z4), and waits that end without a grant leaving no znode (Z11).
 */
class ZooKeeperWaitingTest
{
    private final List<ZooKeeperLockStore> stores = new ArrayList<>();
    private String ns;

    @BeforeEach
    void namespace()
    {
        ns = ZkTestServer.freshNamespace();
    }

    @AfterEach
    void close()
    {
        stores.forEach(ZooKeeperLockStore::close);
    }

    private ZooKeeperLockStore store()
    {
        final ZooKeeperLockStore s = ZkTestServer.store(ns).build();
        stores.add(s);
        return s;
    }

    private static List<LockRequest.Entry> one(final String path, final LockType type, final LockMode mode)
    {
        return List.of(new LockRequest.Entry(LockPath.parse(path), type, mode));
    }

    /** Waits (with a timeout) until a condition holds; the state it reads is in the server. */
    private static void await(final String what, final IntSupplier actual, final int expected) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int last;
        while ((last = actual.getAsInt()) != expected)
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError(what + ": expected " + expected + ", still " + last);
            }
            Thread.onSpinWait();
            TimeUnit.MILLISECONDS.sleep(20); // polling the server's state in a test, not ordering threads
        }
    }

    @Test
    void waiterIsWokenByTheRelease() throws Exception
    {
        final ZooKeeperLockStore a = store();
        final ZooKeeperLockStore b = store();
        final LockStore.PublishResult h = a.tryPublish("a", one("/w/x", LockType.POINT, LockMode.EXCLUSIVE));
        final LockStore.PublishResult r = b.tryPublish("b", one("/w/x", LockType.POINT, LockMode.EXCLUSIVE));
        assertFalse(r.isGranted());
        assertEquals(LockConflict.Reason.HELD, r.conflict().reason());
        assertEquals("/w/x", r.conflict().path());
        assertTrue(r.conflict().holderOwnerId().endsWith(" a"), r.conflict().holderOwnerId());
        final CompletableFuture<Void> changed = b.onChange(r.blocker(), TimeUnit.MINUTES.toNanos(5));
        a.unpublish(h.publication());
        changed.get(20, TimeUnit.SECONDS);
        final LockStore.PublishResult g = b.tryPublish("b", one("/w/x", LockType.POINT, LockMode.EXCLUSIVE));
        assertTrue(g.isGranted());
        b.unpublish(g.publication());
        await("queue nodes after release", b::countQueueNodes, 0);
    }

    /** Z7: a SUBTREE waiter's W node makes every later POINT below wait behind it. */
    @Test
    void subtreeWaiterIsNotStarvedByPointsBelow() throws Exception
    {
        final ZooKeeperLockStore a = store();
        final ZooKeeperLockStore c = store();
        final ZooKeeperLockStore d = store();
        final LockStore.PublishResult h = a.tryPublish("a", one("/s/x", LockType.POINT, LockMode.EXCLUSIVE));
        final List<LockRequest.Entry> sub = one("/s", LockType.SUBTREE, LockMode.EXCLUSIVE);
        final LockStore.PublishResult r = c.tryPublish("c", sub);
        assertFalse(r.isGranted());
        assertEquals(LockConflict.Reason.HELD_BELOW, r.conflict().reason());
        final int before = c.countQueueNodes();
        final CompletableFuture<Void> changed = c.onChange(r.blocker(), TimeUnit.MINUTES.toNanos(5));
        await("the SUBTREE waiter's W nodes (/ and /s)", c::countQueueNodes, before + 2);
        for (int i = 0; i < 10; i++)
        {
            final LockStore.PublishResult p = d.tryPublish("d" + i, one("/s/y" + i, LockType.POINT,
                i % 2 == 0 ? LockMode.EXCLUSIVE : LockMode.SHARED));
            assertFalse(p.isGranted(), "a POINT below a waiting SUBTREE waits behind it");
            assertEquals(LockConflict.Reason.PENDING, p.conflict().reason());
        }
        a.unpublish(h.publication());
        changed.get(20, TimeUnit.SECONDS);
        final LockStore.PublishResult g = c.tryPublish("c", sub);
        assertTrue(g.isGranted());
        c.unpublish(g.publication());
        final LockStore.PublishResult later = d.tryPublish("d", one("/s/y", LockType.POINT, LockMode.EXCLUSIVE));
        assertTrue(later.isGranted());
        d.unpublish(later.publication());
        await("queue nodes after release", c::countQueueNodes, 0);
    }

    /** Z7 the other way: a POINT waiter's W intention makes later SUBTREEs above wait behind it. */
    @Test
    void pointWaiterIsNotStarvedBySubtreesAbove() throws Exception
    {
        final ZooKeeperLockStore a = store();
        final ZooKeeperLockStore c = store();
        final ZooKeeperLockStore d = store();
        final List<LockRequest.Entry> point = one("/p/q", LockType.POINT, LockMode.EXCLUSIVE);
        final LockStore.PublishResult h = a.tryPublish("a", point);
        final LockStore.PublishResult r = c.tryPublish("c", point);
        assertFalse(r.isGranted());
        final int before = c.countQueueNodes();
        final CompletableFuture<Void> changed = c.onChange(r.blocker(), TimeUnit.MINUTES.toNanos(5));
        await("the POINT waiter's W nodes", c::countQueueNodes, before + 3);
        for (final LockMode m : LockMode.values())
        {
            final LockStore.PublishResult p = d.tryPublish("d" + m, one("/p", LockType.SUBTREE, m));
            assertFalse(p.isGranted(), "a SUBTREE above a waiting exclusive POINT waits behind it");
        }
        a.unpublish(h.publication());
        changed.get(20, TimeUnit.SECONDS);
        final LockStore.PublishResult g = c.tryPublish("c", point);
        assertTrue(g.isGranted());
        c.unpublish(g.publication());
    }

    /** Z4: an owner that holds locks goes past waiters (only held locks block it). */
    @Test
    void holderGoesPastWaiters() throws Exception
    {
        final ZooKeeperLockStore a = store();
        final ZooKeeperLockStore c = store();
        final LockStore.PublishResult h = a.tryPublish("a", one("/e/1", LockType.POINT, LockMode.EXCLUSIVE));
        final LockStore.PublishResult r = c.tryPublish("c", one("/e", LockType.SUBTREE, LockMode.EXCLUSIVE));
        final int before = c.countQueueNodes();
        final CompletableFuture<Void> changed = c.onChange(r.blocker(), TimeUnit.MINUTES.toNanos(5));
        await("W nodes", c::countQueueNodes, before + 2);
        final LockStore.PublishResult more = a.tryPublish("a", one("/e/2", LockType.POINT, LockMode.EXCLUSIVE));
        assertTrue(more.isGranted(), "the holder of /e/1, which the waiter waits for, is not held up by it");
        final LockStore.PublishResult stranger = a.tryPublish("stranger", one("/e/3", LockType.POINT, LockMode.EXCLUSIVE));
        assertFalse(stranger.isGranted(), "an owner holding nothing waits behind the SUBTREE waiter");
        a.unpublish(more.publication());
        a.unpublish(h.publication());
        changed.get(20, TimeUnit.SECONDS);
        final LockStore.PublishResult g = c.tryPublish("c", one("/e", LockType.SUBTREE, LockMode.EXCLUSIVE));
        assertTrue(g.isGranted());
        c.unpublish(g.publication());
    }

    /** Z11: a wait that times out and is not retried leaves no znode once the grace passed. */
    @Test
    void timedOutWaitLeavesNoZnode() throws Exception
    {
        final ZooKeeperLockStore a = store();
        final ZooKeeperLockStore b = store();
        final LockStore.PublishResult h = a.tryPublish("a", one("/t/x", LockType.POINT, LockMode.EXCLUSIVE));
        final int held = a.countQueueNodes();
        assertEquals(3, held, "one lock node and two intentions");
        final LockStore.PublishResult r = b.tryPublish("b", one("/t/x/y", LockType.SUBTREE, LockMode.EXCLUSIVE));
        assertTrue(r.isGranted(), "POINT /t/x does not cover /t/x/y");
        b.unpublish(r.publication());
        final LockStore.PublishResult r2 = b.tryPublish("b", one("/t", LockType.SUBTREE, LockMode.SHARED));
        assertFalse(r2.isGranted());
        b.awaitChange(r2.blocker(), TimeUnit.MILLISECONDS.toNanos(100));
        await("znodes after the abandoned wait", b::countQueueNodes, held);
        a.unpublish(h.publication());
        await("znodes after release", b::countQueueNodes, 0);
    }

    /** Z11: an interrupted wait deletes its W nodes at once. */
    @Test
    void interruptedWaitLeavesNoZnode() throws Exception
    {
        final ZooKeeperLockStore a = store();
        final ZooKeeperLockStore b = ZkTestServer.store(ns).waiterGrace(java.time.Duration.ofMinutes(10)).build();
        stores.add(b);
        final LockStore.PublishResult h = a.tryPublish("a", one("/i", LockType.SUBTREE, LockMode.EXCLUSIVE));
        final int held = a.countQueueNodes();
        final LockStore.PublishResult r = b.tryPublish("b", one("/i/j", LockType.POINT, LockMode.SHARED));
        assertFalse(r.isGranted());
        final AtomicReference<Throwable> outcome = new AtomicReference<>();
        final CountDownLatch done = new CountDownLatch(1);
        final Thread t = new Thread(() ->
            {
                try
                {
                    b.awaitChange(r.blocker(), TimeUnit.MINUTES.toNanos(10));
                }
                catch (final Throwable e)
                {
                    outcome.set(e);
                }
                done.countDown();
            });
        t.start();
        await("W nodes of the waiter (/, /i, /i/j)", b::countQueueNodes, held + 3);
        t.interrupt();
        assertTrue(done.await(20, TimeUnit.SECONDS));
        assertTrue(outcome.get() instanceof InterruptedException, String.valueOf(outcome.get()));
        assertEquals(held, b.countQueueNodes(), "the interrupted waiter deleted its W nodes before it returned");
        a.unpublish(h.publication());
    }

    /** Z8: SUBTREE costs the same ZooKeeper requests whatever exists or is held below. */
    @Test
    void subtreeCostIsIndependentOfWhatIsBelow()
    {
        final ZooKeeperLockStore a = store();
        final ZooKeeperLockStore b = store();
        final List<LockRequest.Entry> sub = one("/o/a/b", LockType.SUBTREE, LockMode.SHARED);
        // Warm: the components of /o/a/b exist.
        b.unpublish(b.tryPublish("b", sub).publication());
        final long empty = cost(b, sub);
        final List<LockStore.Publication> below = new ArrayList<>();
        for (int i = 0; i < 300; i++)
        {
            final String p = "/o/a/b/d" + (i % 10) + "/f" + i;
            if (i % 3 == 0)
            {
                below.add(a.tryPublish("h" + i, one(p, LockType.POINT, LockMode.SHARED)).publication());
            }
            else
            {
                a.unpublish(a.tryPublish("h" + i, one(p, LockType.POINT, LockMode.EXCLUSIVE)).publication());
            }
        }
        final long full = cost(b, sub);
        assertEquals(3, empty, "one multi to create, one to read, one to delete");
        assertEquals(empty, full, "300 paths below, 100 of them held shared");
        below.forEach(a::unpublish);
    }

    /** Z7 with both modes: an exclusive POINT waiter is not starved by a stream of shared readers. */
    @Test
    void writerIsNotStarvedByReaders() throws Exception
    {
        final ZooKeeperLockStore a = store();
        final ZooKeeperLockStore w = store();
        final ZooKeeperLockStore r = store();
        final List<LockRequest.Entry> read = one("/rw/f", LockType.POINT, LockMode.SHARED);
        final List<LockRequest.Entry> write = one("/rw/f", LockType.POINT, LockMode.EXCLUSIVE);
        final LockStore.PublishResult reader = a.tryPublish("reader", read);
        assertTrue(r.tryPublish("early-reader", read).isGranted(), "readers share");
        final LockStore.PublishResult refused = w.tryPublish("writer", write);
        assertFalse(refused.isGranted());
        final int before = w.countQueueNodes();
        final CompletableFuture<Void> changed = w.onChange(refused.blocker(), TimeUnit.MINUTES.toNanos(5));
        await("the writer's W nodes", w::countQueueNodes, before + 3);
        for (int i = 0; i < 5; i++)
        {
            final LockStore.PublishResult late = r.tryPublish("late-reader" + i, read);
            assertFalse(late.isGranted(), "a reader arriving after a waiting writer waits behind it");
            assertEquals(LockConflict.Reason.PENDING, late.conflict().reason());
        }
        a.unpublish(reader.publication());
        r.close();
        stores.remove(r);
        changed.get(20, TimeUnit.SECONDS);
        final LockStore.PublishResult g = w.tryPublish("writer", write);
        assertTrue(g.isGranted(), "the early reader's session closed, the first reader released");
        final List<ZooKeeperHolder> hs = w.holders();
        assertTrue(hs.stream().anyMatch(h -> h.path().equals("/rw/f") && h.ownerId().equals("writer") &&
            h.mode() == LockMode.EXCLUSIVE && h.type() == LockType.POINT && !h.waiting() &&
            h.pid() == ProcessHandle.current().pid()), hs.toString());
        w.unpublish(g.publication());
    }

    /** Z11: components and queues are containers: once every lock is released the server deletes them. */
    @Test
    void emptyComponentsAreDeleted() throws Exception
    {
        final ZooKeeperLockStore a = store();
        for (int i = 0; i < 20; i++)
        {
            a.unpublish(a.tryPublish("o", one("/gc/d" + i + "/f", LockType.POINT, LockMode.EXCLUSIVE)).publication());
        }
        final org.apache.zookeeper.ZooKeeper zk = new org.apache.zookeeper.ZooKeeper(
            ZkTestServer.server().getConnectString(), 10_000, e -> { });
        try
        {
            await("components left under " + ns + "/t (the server's container check runs every second here)", () ->
                {
                    try
                    {
                        return zk.getChildren(ns + "/t", false).size();
                    }
                    catch (final Exception e)
                    {
                        return -1;
                    }
                }, 0);
        }
        finally
        {
            zk.close();
        }
    }

    /** Closing a store built on a caller's client (whose session lives on) removes what it still held. */
    @Test
    void closeRemovesWhatTheStoreHeldOnACallersClient() throws Exception
    {
        final org.apache.curator.framework.CuratorFramework curator =
            org.apache.curator.framework.CuratorFrameworkFactory.newClient(ZkTestServer.server().getConnectString(),
                new org.apache.curator.retry.RetryOneTime(100));
        curator.start();
        try
        {
            final ZooKeeperLockStore mine = ZooKeeperLockStore.builder().client(curator).namespace(ns).build();
            final ZooKeeperLockStore other = store();
            assertTrue(mine.tryPublish("o", one("/cl/x", LockType.SUBTREE, LockMode.SHARED)).isGranted());
            final LockStore.PublishResult r = mine.tryPublish("w", one("/cl/x", LockType.POINT, LockMode.EXCLUSIVE));
            assertFalse(r.isGranted());
            final CompletableFuture<Void> waiting = mine.onChange(r.blocker(), TimeUnit.MINUTES.toNanos(5));
            await("the lock and the waiter (3 nodes each)", other::countQueueNodes, 6);
            mine.close();
            waiting.get(20, TimeUnit.SECONDS);
            assertEquals(0, other.countQueueNodes(), "nothing left although the caller's session is alive");
            assertTrue(curator.getZookeeperClient().isConnected());
        }
        finally
        {
            curator.close();
        }
    }

    private static long cost(final ZooKeeperLockStore s, final List<LockRequest.Entry> entries)
    {
        final long before = s.operationCount();
        final LockStore.PublishResult p = s.tryPublish("b", entries);
        assertTrue(p.isGranted());
        s.unpublish(p.publication());
        return s.operationCount() - before;
    }
}

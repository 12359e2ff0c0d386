package io.pathlock.zookeeper;

import io.pathlock.core.LockPath;
import org.apache.zookeeper.common.PathUtils;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lock paths to znodes and back, and queue node names (the layout of ZooKeeperLockStore). */
class ZkPathsTest
{
    @Test
    void everyPathMapsToAValidZnodeAndBack()
    {
        for (final String p : new String[] {"/", "/a", "/a/b/c", "/q", "/zookeeper", "/中文 name..txt/x", "/emoji-\uD83D\uDE00",
            "/100%/a b", "/.hidden/..x", "/c/cq"})
        {
            final LockPath lp = LockPath.parse(p);
            final String q = ZkPaths.queue("/ns/t", lp, lp.depth());
            PathUtils.validatePath(q);
            assertTrue(q.endsWith("/q"));
            assertEquals(p, ZkPaths.lockPathOfQueue("/ns/t", q), q);
        }
        assertEquals("/ns/t/q", ZkPaths.queue("/ns/t", LockPath.parse("/a/b"), 0), "depth 0 is the root's queue");
        assertEquals("/ns/t/ca/q", ZkPaths.queue("/ns/t", LockPath.parse("/a/b"), 1));
    }

    @Test
    void queueNodeNamesRoundTrip()
    {
        final String name = QueueNode.prefix(false, QueueNode.Kind.SS, true, "0a1b2c3d.1z", 42, 17) + "0000000099";
        final QueueNode n = QueueNode.parse(name);
        assertNotNull(n);
        assertEquals(QueueNode.Kind.SS, n.kind);
        assertTrue(n.exempt);
        assertEquals("0a1b2c3d.1z", n.owner);
        assertEquals(17, n.ref);
        assertEquals(99, n.seq);
        final QueueNode w = QueueNode.parse(QueueNode.prefix(true, QueueNode.Kind.IX, false, "o.1", 7, -1) + "0000000005");
        assertNotNull(w);
        assertTrue(w.waiter);
        assertEquals(5, w.ref, "no ref: its own seq");
        assertNull(QueueNode.parse("foreign-node"), "names this store did not write are ignored");
    }

    @Test
    void kindMatrixIsSymmetricAndMatchesTheDesign()
    {
        for (final QueueNode.Kind a : QueueNode.Kind.values())
        {
            for (final QueueNode.Kind b : QueueNode.Kind.values())
            {
                assertEquals(a.conflicts(b), b.conflicts(a), a + " vs " + b);
            }
        }
        assertTrue(!QueueNode.Kind.PS.conflicts(QueueNode.Kind.SS) && !QueueNode.Kind.SS.conflicts(QueueNode.Kind.IS));
        assertTrue(QueueNode.Kind.SS.conflicts(QueueNode.Kind.IX) && QueueNode.Kind.SX.conflicts(QueueNode.Kind.IS));
        assertTrue(!QueueNode.Kind.PX.conflicts(QueueNode.Kind.IX), "a POINT does not cover descendants");
    }
}

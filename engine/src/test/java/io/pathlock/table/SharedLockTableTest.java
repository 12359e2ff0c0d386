package io.pathlock.table;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.pathlock.core.LockMode.EXCLUSIVE;
import static io.pathlock.core.LockMode.SHARED;
import static io.pathlock.core.LockType.POINT;
import static io.pathlock.core.LockType.SUBTREE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The state-word transitions of the four lock kinds (LockTable PROTOCOL, invariants 1, 2, 6, 9, 10),
 * one table, one thread, step by step: holder counts, the split intention counts (IX/IS), the
 * refusals and their kinds, conversions, the pending-mark kinds, full base fields falling back to
 * the cells, and reclamation of nodes that had shared holders.
 */
class SharedLockTableTest
{
    private final LockTable table = new LockTable(16);

    private static final class Waiter extends TableWaiter
    {
        @Override
        protected void onSignal()
        {
        }
    }

    private TrieNode lock(final String path, final LockType type, final LockMode mode)
    {
        final TrieNode n = table.tryLock(LockPath.parse(path), type, mode, 0, 0, LockTable.FROM_NONE, null, null,
            new LockTable.Conflict(), null);
        assertNotNull(n, type + "-" + mode + " " + path + " should be granted");
        return n;
    }

    private void unlock(final TrieNode n, final String path, final LockType type, final LockMode mode)
    {
        table.unlock(n, LockPath.parse(path), type, mode, null, null, null);
    }

    private LockTable.Conflict refused(final String path, final LockType type, final LockMode mode,
        final ConflictKind kind, final String at)
    {
        final LockTable.Conflict c = new LockTable.Conflict();
        assertNull(table.tryLock(LockPath.parse(path), type, mode, 0, 0, LockTable.FROM_NONE, null, null, c, null),
            type + "-" + mode + " " + path + " should be refused");
        assertEquals(kind, c.kind(), type + "-" + mode + " " + path);
        assertEquals(at, c.node().pathString(), type + "-" + mode + " " + path);
        return c;
    }

    private TrieNode node(final String path)
    {
        TrieNode n = table.root();
        final LockPath p = LockPath.parse(path);
        for (int i = 0; i < p.depth(); i++)
        {
            n = n.children().get(p.segment(i));
        }
        return n;
    }

    private void assertQuiescent()
    {
        // Invariant 2: a failed or released walk leaves every count as it found it.
        final List<TrieNode> all = new ArrayList<>();
        collect(table.root(), all);
        for (final TrieNode n : all)
        {
            assertEquals(0, n.exclusiveIntentCount(), n.toString());
            assertEquals(0, n.sharedIntentCount(), n.toString());
            assertEquals(0, n.sharedHolders(), n.toString());
            assertNull(n.heldType(), n.toString());
        }
    }

    private static void collect(final TrieNode n, final List<TrieNode> out)
    {
        out.add(n);
        if (n.childrenOrNull() != null)
        {
            for (final TrieNode c : n.childrenOrNull().values())
            {
                collect(c, out);
            }
        }
    }

    @Test
    void pointSharedHoldersShareTheNodeAndExcludeExclusive()
    {
        final TrieNode a = lock("/d/f", POINT, SHARED);
        final TrieNode b = lock("/d/f", POINT, SHARED);
        assertSame(a, b);
        assertEquals(2, a.sharedHolders());
        assertEquals(SHARED, a.heldMode());
        assertEquals(POINT, a.heldType());
        assertEquals(2, node("/d").sharedIntentCount());
        assertEquals(0, node("/d").exclusiveIntentCount());
        // SUBTREE-SHARED on the same path is compatible with POINT-SHARED.
        final TrieNode s = lock("/d/f", SUBTREE, SHARED);
        refused("/d/f", POINT, EXCLUSIVE, ConflictKind.HELD_SUBTREE_SHARED, "/d/f");
        refused("/d/f", SUBTREE, EXCLUSIVE, ConflictKind.HELD_SUBTREE_SHARED, "/d/f");
        unlock(s, "/d/f", SUBTREE, SHARED);
        refused("/d/f", POINT, EXCLUSIVE, ConflictKind.HELD_POINT_SHARED, "/d/f");
        unlock(a, "/d/f", POINT, SHARED);
        refused("/d/f", POINT, EXCLUSIVE, ConflictKind.HELD_POINT_SHARED, "/d/f");
        unlock(b, "/d/f", POINT, SHARED);
        final TrieNode x = lock("/d/f", POINT, EXCLUSIVE);
        refused("/d/f", POINT, SHARED, ConflictKind.HELD_POINT, "/d/f");
        refused("/d/f", SUBTREE, SHARED, ConflictKind.HELD_POINT, "/d/f");
        // A POINT does not cover descendants, in either mode.
        unlock(lock("/d/f/g", POINT, EXCLUSIVE), "/d/f/g", POINT, EXCLUSIVE);
        unlock(x, "/d/f", POINT, EXCLUSIVE);
        assertQuiescent();
    }

    @Test
    void subtreeSharedRefusesOnlyExclusiveLocksBelow()
    {
        final TrieNode s = lock("/a", SUBTREE, SHARED);
        final TrieNode ps = lock("/a/b/c", POINT, SHARED);
        final TrieNode ss = lock("/a/b", SUBTREE, SHARED);
        final LockTable.Conflict c = refused("/a/b/x", POINT, EXCLUSIVE, ConflictKind.HELD_SUBTREE_SHARED, "/a");
        assertTrue(!c.atTarget());
        refused("/a/q", SUBTREE, EXCLUSIVE, ConflictKind.HELD_SUBTREE_SHARED, "/a");
        refused("/a", POINT, EXCLUSIVE, ConflictKind.HELD_SUBTREE_SHARED, "/a");
        // Shared intent only: IX stays 0 on /a, so another SUBTREE-SHARED there is granted.
        assertEquals(0, node("/a").exclusiveIntentCount());
        assertEquals(2, node("/a").sharedIntentCount());
        final TrieNode s2 = lock("/a", SUBTREE, SHARED);
        assertEquals(2, s.sharedHolders());
        unlock(s2, "/a", SUBTREE, SHARED);
        unlock(s, "/a", SUBTREE, SHARED);
        // Still SUBTREE-SHARED on /a/b: refuses exclusive below it, not beside it.
        refused("/a/b/x", POINT, EXCLUSIVE, ConflictKind.HELD_SUBTREE_SHARED, "/a/b");
        unlock(lock("/a/x", POINT, EXCLUSIVE), "/a/x", POINT, EXCLUSIVE);
        unlock(ss, "/a/b", SUBTREE, SHARED);
        unlock(ps, "/a/b/c", POINT, SHARED);
        assertQuiescent();
    }

    @Test
    void subtreeClaimsCountTheRightIntent()
    {
        final TrieNode px = lock("/a/b", POINT, EXCLUSIVE);
        // SUBTREE-SHARED needs IX == 0 below.
        refused("/a", SUBTREE, SHARED, ConflictKind.HELD_BELOW, "/a");
        unlock(px, "/a/b", POINT, EXCLUSIVE);
        final TrieNode ps = lock("/a/b", POINT, SHARED);
        // Shared intent below: SUBTREE-SHARED is granted, SUBTREE-EXCLUSIVE is not (IS + IX != 0).
        final TrieNode ss = lock("/a", SUBTREE, SHARED);
        unlock(ss, "/a", SUBTREE, SHARED);
        refused("/a", SUBTREE, EXCLUSIVE, ConflictKind.HELD_BELOW, "/a");
        // The caller's own locks below do not block it (ownBelow / ownBelowExclusive).
        final LockTable.Conflict c = new LockTable.Conflict();
        final TrieNode sx = table.tryLock(LockPath.parse("/a"), SUBTREE, EXCLUSIVE, 1, 0, LockTable.FROM_NONE, null, null, c, null);
        assertNotNull(sx);
        table.unlock(sx);
        unlock(ps, "/a/b", POINT, SHARED);
        // SUBTREE-EXCLUSIVE refuses shared locks below it (the raise of IS).
        final TrieNode x = lock("/a", SUBTREE, EXCLUSIVE);
        refused("/a/b", POINT, SHARED, ConflictKind.HELD_SUBTREE, "/a");
        refused("/a", SUBTREE, SHARED, ConflictKind.HELD_SUBTREE, "/a");
        table.unlock(x);
        assertQuiescent();
    }

    @Test
    void pointSharedToExclusiveConversion()
    {
        final TrieNode mine = lock("/c/f", POINT, SHARED);
        final TrieNode other = lock("/c/f", POINT, SHARED);
        final LockPath p = LockPath.parse("/c/f");
        final LockTable.Conflict c = new LockTable.Conflict();
        // Another shared holder: refused, and the failed walk lowered its exclusive raises.
        assertNull(table.tryLock(p, POINT, EXCLUSIVE, 0, 0, LockTable.FROM_POINT_SHARED, null, null, c, null));
        assertEquals(ConflictKind.HELD_POINT_SHARED, c.kind());
        assertEquals(0, node("/c").exclusiveIntentCount());
        assertEquals(2, mine.sharedHolders());
        unlock(other, "/c/f", POINT, SHARED);
        assertSame(mine, table.tryLock(p, POINT, EXCLUSIVE, 0, 0, LockTable.FROM_POINT_SHARED, null, null, c, null));
        // Both intents stand until the conversion is finished or reverted.
        assertEquals(1, node("/c").exclusiveIntentCount());
        assertEquals(1, node("/c").sharedIntentCount());
        assertEquals(EXCLUSIVE, mine.heldMode());
        assertEquals(0, mine.sharedHolders());
        table.revertConversion(mine, LockTable.FROM_POINT_SHARED, POINT, EXCLUSIVE);
        assertEquals(SHARED, mine.heldMode());
        assertEquals(1, mine.sharedHolders());
        assertEquals(0, node("/c").exclusiveIntentCount());
        assertSame(mine, table.tryLock(p, POINT, EXCLUSIVE, 0, 0, LockTable.FROM_POINT_SHARED, null, null, c, null));
        table.finishConversion(mine);
        assertEquals(1, node("/c").exclusiveIntentCount());
        assertEquals(0, node("/c").sharedIntentCount());
        refused("/c/f", POINT, SHARED, ConflictKind.HELD_POINT, "/c/f");
        table.unlock(mine);
        assertQuiescent();
    }

    @Test
    void sharedSubtreeConversions()
    {
        final LockPath p = LockPath.parse("/s");
        final LockTable.Conflict c = new LockTable.Conflict();
        // POINT-SHARED -> SUBTREE-SHARED: no walk, the node's counts move.
        final TrieNode n = lock("/s", POINT, SHARED);
        final TrieNode below = lock("/s/x", POINT, SHARED);
        assertSame(n, table.tryLock(p, SUBTREE, SHARED, 0, 0, LockTable.FROM_POINT_SHARED, null, null, c, null));
        assertEquals(SUBTREE, n.heldType());
        assertEquals(1, n.sharedHolders());
        refused("/s/y", POINT, EXCLUSIVE, ConflictKind.HELD_SUBTREE_SHARED, "/s");
        // SUBTREE-SHARED -> SUBTREE-EXCLUSIVE: refused while a shared lock of someone else is below.
        assertNull(table.tryLock(p, SUBTREE, EXCLUSIVE, 0, 0, LockTable.FROM_SUBTREE_SHARED, null, null, c, null));
        assertEquals(ConflictKind.HELD_BELOW, c.kind());
        assertEquals(SHARED, n.heldMode());
        unlock(below, "/s/x", POINT, SHARED);
        assertSame(n, table.tryLock(p, SUBTREE, EXCLUSIVE, 0, 0, LockTable.FROM_SUBTREE_SHARED, null, null, c, null));
        table.finishConversion(n);
        assertEquals(EXCLUSIVE, n.heldMode());
        refused("/s/x", POINT, SHARED, ConflictKind.HELD_SUBTREE, "/s");
        table.unlock(n);
        assertQuiescent();
    }

    @Test
    void ownSubtreeSharedLetsOwnExclusiveThroughAloneOnly()
    {
        final TrieNode s = lock("/o", SUBTREE, SHARED);
        final LockPath p = LockPath.parse("/o/w");
        final LockTable.Conflict c = new LockTable.Conflict();
        final TrieNode w = table.tryLock(p, POINT, EXCLUSIVE, 0, 0, LockTable.FROM_NONE, new TrieNode[] {s}, null, c, null);
        assertNotNull(w, "the sole SUBTREE-SHARED holder's own exclusive lock below");
        table.unlock(w);
        final TrieNode s2 = lock("/o", SUBTREE, SHARED);
        assertNull(table.tryLock(p, POINT, EXCLUSIVE, 0, 0, LockTable.FROM_NONE, new TrieNode[] {s}, null, c, null),
            "another handle's SUBTREE-SHARED still refuses it");
        assertEquals(ConflictKind.HELD_SUBTREE_SHARED, c.kind());
        unlock(s2, "/o", SUBTREE, SHARED);
        unlock(s, "/o", SUBTREE, SHARED);
        assertQuiescent();
    }

    @Test
    void chainsAreNotKeptThroughASharedSubtree()
    {
        // Invariant 9: an exclusive raise through the caller's own SUBTREE-SHARED must not become a
        // cached chain, which another handle of the thread could take without a raise.
        final ChainCache cache = table.newChainCache();
        final TrieNode s = lock("/k", SUBTREE, SHARED);
        final LockPath p = LockPath.parse("/k/w");
        final LockTable.Conflict c = new LockTable.Conflict();
        final TrieNode w = table.tryLock(p, POINT, EXCLUSIVE, 0, 0, LockTable.FROM_NONE, new TrieNode[] {s}, null, c, null);
        assertNotNull(w);
        table.unlock(w, p, null, cache);
        assertEquals(0, table.cachedChains());
        assertEquals(0, node("/k").exclusiveIntentCount());
        final LockTable.Conflict c2 = new LockTable.Conflict();
        assertNull(table.tryLock(LockPath.parse("/k/v"), POINT, 0, false, null, c2, cache));
        assertEquals(ConflictKind.HELD_SUBTREE_SHARED, c2.kind());
        unlock(s, "/k", SUBTREE, SHARED);
        assertQuiescent();
    }

    @Test
    void aChainInUseUnderItsOwnersNewSubtreeSharedIsNotCachedOnRelease()
    {
        // Invariant 9, the other way in: the handle's POINT-X /k/b took a cached chain through /k;
        // the same handle then gets SUBTREE-SHARED /k over it (its own exclusive lock below). When
        // /k/b is released the chain must not become CACHED, or another handle of this thread takes
        // POINT-X /k/c through it without a raise, past the shared SUBTREE.
        final ChainCache cache = table.newChainCache();
        final LockPath b = LockPath.parse("/k/b");
        final LockTable.Conflict c = new LockTable.Conflict();
        TrieNode x = table.tryLock(b, POINT, 0, false, null, c, cache);
        table.unlock(x, b, c.chain(), cache);
        assertEquals(1, table.cachedChains());
        x = table.tryLock(b, POINT, 0, false, null, c, cache);
        assertNotNull(c.chain(), "the second lock took the cached chain");
        final IntentChain chain = c.chain();
        final TrieNode s = table.tryLock(LockPath.parse("/k"), SUBTREE, SHARED, 1, 1, LockTable.FROM_NONE, null, null,
            new LockTable.Conflict(), null);
        assertNotNull(s, "its own exclusive lock below does not block its SUBTREE-SHARED");
        table.unlock(x, b, chain, cache);
        final LockTable.Conflict c2 = new LockTable.Conflict();
        assertNull(table.tryLock(LockPath.parse("/k/c"), POINT, 0, false, null, c2, cache),
            "another handle of the thread must not get POINT-X under the SUBTREE-SHARED");
        assertEquals(ConflictKind.HELD_SUBTREE_SHARED, c2.kind());
        unlock(s, "/k", SUBTREE, SHARED);
        table.revokeCachedChains();
        assertQuiescent();
    }

    @Test
    void markKindsRefuseOnlyWhatTheyWaitFor()
    {
        final Waiter w = new Waiter();
        final LockTable.Conflict c = new LockTable.Conflict();
        // A SUBTREE-SHARED waiter on /m (blocked by POINT-X /m/x) marks it against exclusive locks.
        final TrieNode x = lock("/m/x", POINT, EXCLUSIVE);
        assertNull(table.tryLock(LockPath.parse("/m"), SUBTREE, SHARED, 0, 0, LockTable.FROM_NONE, null, w, c, null));
        assertTrue(table.register(w, c, LockTable.MARK_EXCLUSIVE));
        refused("/m/y", POINT, EXCLUSIVE, ConflictKind.PENDING_SUBTREE, "/m");
        refused("/m", POINT, EXCLUSIVE, ConflictKind.PENDING_SUBTREE, "/m");
        unlock(lock("/m/y", POINT, SHARED), "/m/y", POINT, SHARED);
        refused("/m", SUBTREE, SHARED, ConflictKind.HELD_BELOW, "/m");
        table.unlock(x);
        // Another SUBTREE-SHARED is compatible with the waiter: the mark does not refuse it.
        unlock(lock("/m", SUBTREE, SHARED), "/m", SUBTREE, SHARED);
        final TrieNode granted = table.tryLock(LockPath.parse("/m"), SUBTREE, SHARED, 0, 0, LockTable.FROM_NONE, null, w, c, null);
        assertNotNull(granted);
        table.finish(w);
        unlock(granted, "/m", SUBTREE, SHARED);

        // An exclusive waiter blocked by shared holders of /r marks /r against new shared claims only.
        final TrieNode r = lock("/r", POINT, SHARED);
        final Waiter w2 = new Waiter();
        assertNull(table.tryLock(LockPath.parse("/r"), POINT, EXCLUSIVE, 0, 0, LockTable.FROM_NONE, null, w2, c, null));
        assertEquals(ConflictKind.HELD_POINT_SHARED, c.kind());
        assertTrue(table.register(w2, c, LockTable.MARK_SHARED));
        refused("/r", POINT, SHARED, ConflictKind.PENDING_SUBTREE, "/r");
        refused("/r", SUBTREE, SHARED, ConflictKind.PENDING_SUBTREE, "/r");
        unlock(lock("/r/below", POINT, SHARED), "/r/below", POINT, SHARED);
        unlock(lock("/r/below", POINT, EXCLUSIVE), "/r/below", POINT, EXCLUSIVE);
        unlock(r, "/r", POINT, SHARED);
        final TrieNode rx = table.tryLock(LockPath.parse("/r"), POINT, EXCLUSIVE, 0, 0, LockTable.FROM_NONE, null, w2, c, null);
        assertNotNull(rx);
        table.finish(w2);
        assertEquals(0, rx.pendingVolatile());
        assertEquals(0, rx.pendingSharedVolatile());
        table.unlock(rx);
        // Once the mark is gone, shared claims are granted again.
        unlock(lock("/r", POINT, SHARED), "/r", POINT, SHARED);
        assertQuiescent();
    }

    @Test
    void fullBaseFieldsFallBackToTheCells()
    {
        // 70,000 exclusive and 20,000 shared locks below /big: more than the word's IX (16 bits)
        // and IS (14 bits) fields hold. The node inflates instead of wrapping.
        final int nx = 70_000;
        final int ns = 20_000;
        final TrieNode[] xs = new TrieNode[nx];
        final TrieNode[] ss = new TrieNode[ns];
        for (int i = 0; i < nx; i++)
        {
            xs[i] = lock("/big/x" + i, POINT, EXCLUSIVE);
        }
        for (int i = 0; i < ns; i++)
        {
            ss[i] = lock("/big/s" + i, POINT, SHARED);
        }
        final TrieNode big = node("/big");
        assertTrue((big.stateVolatile() & TrieNode.INFLATED) != 0);
        assertEquals(nx, big.exclusiveIntentCount());
        assertEquals(ns, big.sharedIntentCount());
        assertEquals(nx, table.root().exclusiveIntentCount());
        assertEquals(ns, table.root().sharedIntentCount());
        refused("/big", SUBTREE, EXCLUSIVE, ConflictKind.HELD_BELOW, "/big");
        refused("/big", SUBTREE, SHARED, ConflictKind.HELD_BELOW, "/big");
        for (int i = 0; i < nx; i++)
        {
            table.unlock(xs[i]);
        }
        // Only shared locks below: SUBTREE-SHARED is granted on the inflated node, exclusive is not.
        unlock(lock("/big", SUBTREE, SHARED), "/big", SUBTREE, SHARED);
        refused("/big", SUBTREE, EXCLUSIVE, ConflictKind.HELD_BELOW, "/big");
        for (int i = 0; i < ns; i++)
        {
            unlock(ss[i], "/big/s" + i, POINT, SHARED);
        }
        assertEquals(0, big.exclusiveIntentCount());
        assertEquals(0, big.sharedIntentCount());
        table.unlock(lock("/big", SUBTREE, EXCLUSIVE));
        assertQuiescent();
    }

    @Test
    void tooManySharedHoldersOfOneNodeAreRefusedLoudly()
    {
        final int max = TrieNode.MAX_SHARED_HOLDERS;
        for (int i = 0; i < max; i++)
        {
            lock("/many", POINT, SHARED);
        }
        final TrieNode n = node("/many");
        final long before = n.stateVolatile();
        assertThrows(IllegalStateException.class, () -> table.tryLock(LockPath.parse("/many"), POINT, SHARED, 0, 0,
            LockTable.FROM_NONE, null, null, new LockTable.Conflict(), null));
        assertEquals(before, n.stateVolatile(), "nothing changed by the refused claim");
        assertEquals(0, table.root().exclusiveIntentCount());
        assertEquals(max, table.root().sharedIntentCount(), "the refused walk lowered its raise");
        for (int i = 0; i < max; i++)
        {
            unlock(n, "/many", POINT, SHARED);
        }
        assertQuiescent();
    }

    @Test
    void nodesThatHadSharedHoldersAreReclaimed()
    {
        final TrieNode a = lock("/z/a", POINT, SHARED);
        final TrieNode b = lock("/z/b", SUBTREE, SHARED);
        table.reclaimIdle();
        assertSame(a, node("/z/a"), "held shared: not reclaimed");
        unlock(a, "/z/a", POINT, SHARED);
        unlock(b, "/z/b", SUBTREE, SHARED);
        assertEquals(1, table.reclaimIdle());
    }

    @Test
    void sharedGrantsRaiseTheNodeTokenToTheirMaximum()
    {
        final TrieNode n = lock("/t", POINT, SHARED);
        LockTable.attachSharedHolder(n, null, 7, 0);
        LockTable.attachSharedHolder(n, null, 5, 0);
        assertEquals(7, n.grantToken(), "a smaller shared token never lowers the node's");
        final long next = table.grantToken(new TrieNode[] {n}, 1, false);
        assertTrue(next > 7);
        unlock(n, "/t", POINT, SHARED);
        unlock(n, "/t", POINT, SHARED);
    }
}

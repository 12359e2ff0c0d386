package io.pathlock.table;

import io.pathlock.core.LockPath;
import io.pathlock.core.LockType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cached intent chains (LockTable invariant 8), one thread, step by step: kept on release, taken
 * by the next lock below the same parent, revoked by SUBTREE claims, abandoned for pending marks,
 * revoked when a waiter waits through them, evicted after misses, swept with a second chance, and
 * bounded by the registry. The concurrent races are the jcstress tests ChainTakeVsSubtreeTest and
 * ChainReleaseWakeupTest.
 */
class IntentChainTest
{
    private static final LockPath AB = LockPath.parse("/a/b");
    private static final LockPath ABX = LockPath.parse("/a/b/x");
    private static final LockPath ABY = LockPath.parse("/a/b/y");
    private static final LockPath A = LockPath.parse("/a");

    private final LockTable table = new LockTable(16);
    private final ChainCache cache = table.newChainCache();
    private final LockTable.Conflict conflict = new LockTable.Conflict();

    private static final class CountingWaiter extends TableWaiter
    {
        int signals;

        @Override
        protected void onSignal()
        {
            signals++;
        }
    }

    private TrieNode lockCached(final LockPath p, final LockType type)
    {
        return table.tryLock(p, type, 0, false, null, conflict, cache);
    }

    private long intent(final String path)
    {
        final TrieNode n = node(path);
        return n == null ? -1 : n.intentCount();
    }

    private TrieNode node(final String path)
    {
        TrieNode n = table.root();
        final LockPath p = LockPath.parse(path);
        for (int i = 0; i < p.depth() && n != null; i++)
        {
            n = n.childrenOrNull() == null ? null : n.childrenOrNull().get(p.segment(i));
        }
        return n;
    }

    /** A released lock's raises stay as a chain, and the next lock below the same parent takes it. */
    @Test
    void releaseKeepsTheChainAndTheNextLockBelowTheParentTakesIt()
    {
        final TrieNode x = lockCached(ABX, LockType.POINT);
        assertNull(conflict.chain(), "the first lock walks");
        table.unlock(x, ABX, conflict.chain(), cache);
        assertEquals(1, table.cachedChains());
        assertEquals(1, intent("/"), "the chain keeps its raise on the root");
        assertEquals(1, intent("/a/b"));

        final TrieNode y = lockCached(ABY, LockType.POINT);
        final IntentChain c = conflict.chain();
        assertNotNull(c, "the sibling takes the chain");
        assertEquals(1, intent("/a"), "no second raise");
        assertEquals(IntentChain.IN_USE, c.stateVolatile());
        table.unlock(y, ABY, c, cache);
        assertEquals(IntentChain.CACHED, c.stateVolatile());
        assertEquals(1, table.cachedChains());

        final TrieNode again = lockCached(ABX, LockType.SUBTREE);
        assertSame(c, conflict.chain(), "a SUBTREE below the same parent takes it too");
        table.unlock(again, ABX, c, cache);
        assertEquals(1, table.reclaimIdle(), "reclaimIdle revokes every cached chain, then every node goes");
        assertEquals(0, table.root().intentCount());
        assertEquals(0, table.cachedChains());
    }

    /** 8: a SUBTREE claim through a cached chain revokes it; through a chain in use it is refused. */
    @Test
    void subtreeRevokesCachedChainsButNotChainsInUse()
    {
        table.unlock(lockCached(ABX, LockType.POINT), ABX, null, cache);
        final TrieNode y = lockCached(ABY, LockType.POINT);
        final IntentChain inUse = conflict.chain();
        final LockTable.Conflict c = new LockTable.Conflict();
        assertNull(table.tryLock(A, LockType.SUBTREE, 0, false, null, c), "a chain in use is a held lock below");
        assertEquals(ConflictKind.HELD_BELOW, c.kind());
        assertEquals(IntentChain.IN_USE, inUse.stateVolatile());

        table.unlock(y, ABY, inUse, cache);
        final TrieNode sub = table.tryLock(A, LockType.SUBTREE, 0, false, null, c);
        assertNotNull(sub, "a cached chain stands for no lock: the claim revokes it");
        assertEquals(IntentChain.REVOKED, inUse.stateVolatile());
        assertEquals(0, table.cachedChains());
        assertEquals(0, intent("/a"), "the revocation lowered the chain's raise");

        assertNull(lockCached(ABY, LockType.POINT), "the revoked chain is not taken: the walk meets the SUBTREE");
        assertEquals(ConflictKind.HELD_SUBTREE, conflict.kind());
        table.unlock(sub);
        assertEquals(1, table.reclaimIdle());
        assertEquals(0, table.root().intentCount());
    }

    /** 8b: a pending mark on a node of the chain makes the taker abandon it and walk (and be refused). */
    @Test
    void pendingMarkOnTheChainMakesTheTakerWalk()
    {
        table.unlock(lockCached(ABX, LockType.POINT), ABX, null, cache);
        final TrieNode holder = table.tryLock(LockPath.parse("/a/c"), LockType.POINT, 0, false, null, new LockTable.Conflict());
        final CountingWaiter w = new CountingWaiter();
        final LockTable.Conflict wc = new LockTable.Conflict();
        assertNull(table.tryLock(A, LockType.SUBTREE, 0, false, w, wc), "blocked by POINT(/a/c)");
        assertTrue(table.register(w, wc, true), "SUBTREE waiter marks /a pending");

        assertNull(lockCached(ABY, LockType.POINT), "the mark on /a stops the chain's taker");
        assertEquals(ConflictKind.PENDING_SUBTREE, conflict.kind());
        assertEquals(0, table.cachedChains(), "the chain was abandoned");
        assertEquals(1, intent("/a"), "only POINT(/a/c) is left below /a");

        table.finish(w);
        table.unlock(holder);
        assertEquals(1, table.reclaimIdle());
    }

    /** 8c: a release that keeps its chain wakes (by revoking) a SUBTREE waiter through the chain. */
    @Test
    void releaseRevokesTheChainWhenASubtreeWaiterWaitsThroughIt()
    {
        table.unlock(lockCached(ABX, LockType.POINT), ABX, null, cache);
        final TrieNode y = lockCached(ABY, LockType.POINT);
        final IntentChain c = conflict.chain();
        final CountingWaiter w = new CountingWaiter();
        final LockTable.Conflict wc = new LockTable.Conflict();
        assertNull(table.tryLock(A, LockType.SUBTREE, 0, false, w, wc));
        assertTrue(table.register(w, wc, true));
        assertEquals(0, w.signals);

        table.unlock(y, ABY, c, cache);
        assertEquals(1, w.signals, "woken by the revocation's lower");
        assertEquals(IntentChain.REVOKED, c.stateVolatile());
        final TrieNode sub = table.tryLock(A, LockType.SUBTREE, 0, false, w, wc);
        assertNotNull(sub, "the waiter's retry is granted");
        table.finish(w);
        table.unlock(sub);
        assertEquals(1, table.reclaimIdle());
    }

    /** Another parent's lock does not evict a cached chain at once, only after a few misses. */
    @Test
    void anotherParentEvictsAfterMisses()
    {
        table.unlock(lockCached(ABX, LockType.POINT), ABX, null, cache);
        final IntentChain first = cache.get(ChainCache.slotOf(AB));
        assertNotNull(first);
        // Find another parent that maps to the same slot.
        LockPath other = null;
        for (int i = 0; other == null; i++)
        {
            final LockPath p = LockPath.parse("/o" + i);
            if (ChainCache.slotOf(p) == ChainCache.slotOf(AB))
            {
                other = p;
            }
        }
        final LockPath leaf = LockPath.parse(other + "/f");
        for (int i = 1; i < ChainCache.EVICT_AFTER_MISSES; i++)
        {
            table.unlock(lockCached(leaf, LockType.POINT), leaf, null, cache);
            assertSame(first, cache.get(ChainCache.slotOf(AB)), "miss " + i + " keeps the cached chain");
            assertEquals(1, table.cachedChains());
        }
        table.unlock(lockCached(leaf, LockType.POINT), leaf, null, cache);
        assertEquals(IntentChain.REVOKED, first.stateVolatile(), "evicted after " + ChainCache.EVICT_AFTER_MISSES + " misses");
        assertEquals(other, cache.get(ChainCache.slotOf(AB)).parentPath);
        assertEquals(0, intent("/a"));
        assertEquals(1, table.cachedChains());
    }

    /** 8d: the amortised sweep revokes chains unused since the previous sweep, and only those. */
    @Test
    void sweepGivesChainsASecondChance()
    {
        final LockTable small = new LockTable(16);
        final ChainCache cc = small.newChainCache();
        final LockTable.Conflict c = new LockTable.Conflict();
        small.unlock(small.tryLock(ABX, LockType.POINT, 0, false, null, c, cc), ABX, null, cc);
        final IntentChain chain = cc.get(ChainCache.slotOf(AB));
        // Grow the trie past the sweep threshold twice without using the chain.
        for (int round = 0; round < 2 && chain.stateVolatile() == IntentChain.CACHED; round++)
        {
            for (int i = 0; i < 64; i++)
            {
                final TrieNode n = small.tryLock(LockPath.parse("/grow" + round + "/n" + i), LockType.POINT, 0, false, null, c);
                small.unlock(n);
            }
        }
        assertEquals(IntentChain.REVOKED, chain.stateVolatile(), "unused between two sweeps: revoked");
        assertEquals(0, small.root().intentCount());
    }

    /** 8d: the registry is bounded; a release that finds it full lowers its raises instead. */
    @Test
    void fullRegistryFallsBackToLowering()
    {
        final LockTable t = new LockTable(1 << 20);
        final LockTable.Conflict c = new LockTable.Conflict();
        for (int i = 0; i < ChainRegistry.MAX_CHAINS; i++)
        {
            final ChainCache cc = t.newChainCache();
            final LockPath p = LockPath.parse("/r/d" + i + "/f");
            t.unlock(t.tryLock(p, LockType.POINT, 0, false, null, c, cc), p, null, cc);
        }
        assertEquals(ChainRegistry.MAX_CHAINS, t.cachedChains());
        final ChainCache last = t.newChainCache();
        final LockPath p = LockPath.parse("/r/extra/f");
        t.unlock(t.tryLock(p, LockType.POINT, 0, false, null, c, last), p, null, last);
        assertEquals(ChainRegistry.MAX_CHAINS, t.cachedChains(), "nothing more is kept");
        assertNull(last.get(ChainCache.slotOf(p.parent())));
        assertEquals(ChainRegistry.MAX_CHAINS, t.root().intentCount(), "the extra lock's raises were lowered");
        assertTrue(t.tryLock(LockPath.parse("/r"), LockType.SUBTREE, 0, false, null, c) != null,
            "a SUBTREE over all of them revokes them all");
        assertEquals(0, t.cachedChains());
        assertFalse(t.root().intentCount() > 1);
    }
    /** A top-level directory /tN whose chain slot differs from that of /tN/b, and a parent that takes /tN/b's slot. */
    private LockPath[] topAndBlocker()
    {
        for (int i = 0; ; i++)
        {
            final LockPath top = LockPath.parse("/t" + i);
            final LockPath parent = top.child("b");
            if (ChainCache.slotOf(top) == ChainCache.slotOf(parent))
            {
                continue;
            }
            for (int j = 0; ; j++)
            {
                final LockPath other = LockPath.parse("/o" + j);
                if (ChainCache.slotOf(other) == ChainCache.slotOf(parent) && ChainCache.slotOf(other) != ChainCache.slotOf(top))
                {
                    return new LockPath[] {top, parent, other};
                }
            }
        }
    }

    /**
     * 8, top-level chains: a lock whose parent's chain cannot be kept (its slot holds another parent's
     * chain) keeps the raises of the root and its top-level directory as that directory's chain; a
     * lock two or more levels below that directory takes it and raises only the nodes in between,
     * and its release lowers those and hands the chain back.
     */
    @Test
    void aTopLevelChainServesLocksDeeperBelowItsDirectory()
    {
        final LockPath[] tp = topAndBlocker();
        final String top = tp[0].toString();
        final LockPath blockerLeaf = tp[2].child("f");
        table.unlock(lockCached(blockerLeaf, LockType.POINT), blockerLeaf, null, cache);
        final IntentChain blocker = cache.get(ChainCache.slotOf(tp[2]));
        assertNotNull(blocker, "the other parent's chain takes the slot of " + tp[1]);

        final LockPath bx = tp[1].child("x");
        table.unlock(lockCached(bx, LockType.POINT), bx, null, cache);
        assertSame(blocker, cache.get(ChainCache.slotOf(tp[1])), "one miss does not evict");
        final IntentChain t = cache.get(ChainCache.topSlotOf(tp[0]));
        assertNotNull(t, "the top-level chain is kept instead");
        assertEquals(tp[0], t.parentPath);
        assertEquals(2, table.cachedChains());
        assertEquals(2, intent("/"), "two chains through the root");
        assertEquals(1, intent(top));
        assertEquals(0, intent(top + "/b"), "the raise below the top-level directory is lowered");

        final LockPath deep = LockPath.parse(top + "/c/d/y");
        final TrieNode y = lockCached(deep, LockType.POINT);
        assertNotNull(y);
        assertSame(t, conflict.chain(), "a lock three levels below takes the top-level chain");
        assertEquals(IntentChain.IN_USE, t.stateVolatile());
        assertEquals(1, intent(top), "no second raise of the top-level directory");
        assertEquals(2, intent("/"));
        assertEquals(1, intent(top + "/c"));
        assertEquals(1, intent(top + "/c/d"));

        final LockTable.Conflict c = new LockTable.Conflict();
        assertNull(table.tryLock(LockPath.parse(top + "/c"), LockType.SUBTREE, 0, false, null, c), "held below");
        assertEquals(ConflictKind.HELD_BELOW, c.kind());
        assertNull(table.tryLock(tp[0], LockType.SUBTREE, 0, false, null, c), "a chain in use is a held lock below");

        table.unlock(y, deep, t, cache);
        assertEquals(IntentChain.CACHED, t.stateVolatile());
        assertEquals(1, intent(top));
        assertEquals(0, intent(top + "/c"));
        assertEquals(0, intent(top + "/c/d"));

        final TrieNode sub = table.tryLock(tp[0], LockType.SUBTREE, 0, false, null, c);
        assertNotNull(sub, "a cached top-level chain stands for no lock: the claim revokes it");
        assertEquals(IntentChain.REVOKED, t.stateVolatile());
        assertEquals(0, intent(top), "the revocation lowered the chain's raise");
        assertEquals(2, intent("/"), "the other parent's chain and the SUBTREE's own raise");
        table.unlock(sub);
        table.reclaimIdle();
        assertEquals(0, table.root().intentCount());
    }

    /**
     * 8f: top-level chains have slots of their own. A thread whose locks spread over many parents
     * fills every parent slot; a lock below yet another parent must still keep its top-level
     * directory's chain (with one set of slots for both, that directory's slot held a parent chain
     * and the lock walked from the root every time: on random paths most locks did).
     */
    @Test
    void parentChainsInEverySlotDoNotCrowdOutTopLevelChains()
    {
        // a table whose sweep does not run during the test (the sweep revokes chains and frees slots)
        final LockTable big = new LockTable(LockTable.RECLAIM_MIN_NODES_DEFAULT);
        final ChainCache own = big.newChainCache();
        final LockTable.Conflict c = new LockTable.Conflict();
        final java.util.Set<Integer> filled = new java.util.HashSet<>();
        for (int j = 0; filled.size() < ChainCache.SLOTS; j++)
        {
            final LockPath parent = LockPath.parse("/p" + j + "/q");
            if (filled.add(ChainCache.slotOf(parent)))
            {
                final LockPath leaf = parent.child("f");
                big.unlock(big.tryLock(leaf, LockType.POINT, 0, false, null, c, own), leaf, null, own);
                assertNotNull(own.get(ChainCache.slotOf(parent)), "a parent chain of " + parent);
            }
        }
        final LockPath deep = LockPath.parse("/t/b/c");
        big.unlock(big.tryLock(deep, LockType.POINT, 0, false, null, c, own), deep, null, own);
        final IntentChain t = own.get(ChainCache.topSlotOf(LockPath.parse("/t")));
        assertNotNull(t, "the top-level chain of /t is kept although every parent slot is taken");
        assertEquals(LockPath.parse("/t"), t.parentPath);
        assertEquals(ChainCache.SLOTS + 1, big.cachedChains());
        final TrieNode tNode = t.last();
        assertEquals(1, tNode.intentCount(), "the chain's raise on /t");
        assertEquals(0, tNode.childrenOrNull().get("b").intentCount(), "the raise below the top-level directory is lowered");

        final LockPath other = LockPath.parse("/t/x/y");
        final TrieNode n = big.tryLock(other, LockType.POINT, 0, false, null, c, own);
        assertNotNull(n);
        assertSame(t, c.chain(), "the next lock below /t takes it");
        assertEquals(1, tNode.intentCount(), "no second raise of /t");
        big.unlock(n, other, t, own);
        assertEquals(IntentChain.CACHED, t.stateVolatile());
        assertEquals(0, tNode.childrenOrNull().get("x").intentCount());
    }

    /** A lock refused below a top-level chain lowers only what it raised and hands the chain back. */
    @Test
    void aRefusalBelowATopLevelChainLowersItsOwnRaisesOnly()
    {
        final LockPath[] tp = topAndBlocker();
        final String top = tp[0].toString();
        final LockPath blockerLeaf = tp[2].child("f");
        table.unlock(lockCached(blockerLeaf, LockType.POINT), blockerLeaf, null, cache);
        final LockPath bx = tp[1].child("x");
        table.unlock(lockCached(bx, LockType.POINT), bx, null, cache);
        final IntentChain t = cache.get(ChainCache.topSlotOf(tp[0]));
        assertNotNull(t);

        final LockPath deep = LockPath.parse(top + "/c/d/y");
        final TrieNode held = table.tryLock(LockPath.parse(top + "/c/d"), LockType.SUBTREE, 0, false, null,
            new LockTable.Conflict());
        assertNotNull(held);
        assertNull(lockCached(deep, LockType.POINT), "SUBTREE on the parent refuses it");
        assertEquals(ConflictKind.HELD_SUBTREE, conflict.kind());
        assertEquals(IntentChain.CACHED, t.stateVolatile(), "the chain is handed back");
        assertEquals(2, intent(top), "the chain's raise and the SUBTREE's");
        assertEquals(1, intent(top + "/c"), "the SUBTREE's raise only");
        table.unlock(held);
        assertEquals(0, intent(top + "/c"));
        table.reclaimIdle();
        assertEquals(0, table.root().intentCount());
    }
}

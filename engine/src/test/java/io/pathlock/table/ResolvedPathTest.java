package io.pathlock.table;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Invariant 11: a path remembers the node it was granted on, and a later walk takes its nodes from
 * there instead of looking each child up. A remembered node that was reclaimed since, or that
 * belongs to another table, must never be locked in place of the live one; a table, or a manager,
 * that nobody refers to must not stay reachable through the paths that remember its nodes.
 */
class ResolvedPathTest
{
    /** A path instance of its own (LockPath.parse caches String inputs; a StringBuilder is parsed anew). */
    private static LockPath fresh(final String path)
    {
        return LockPath.parse(new StringBuilder(path));
    }

    /** Locks and unlocks {@code path} twice (a path remembers its node from its second grant on). */
    private static TrieNode remembered(final LockTable table, final LockPath path)
    {
        final LockTable.Conflict c = new LockTable.Conflict();
        final TrieNode first = table.tryLock(path, LockType.POINT, 0, false, null, c);
        table.unlock(first);
        final TrieNode second = table.tryLock(path, LockType.POINT, 0, false, null, c);
        assertSame(first, second);
        table.unlock(second);
        return second;
    }

    /** Asserts that {@code type} on {@code path} is refused, blocked at {@code at}; returns the record. */
    private static LockTable.Conflict refused(final LockTable table, final LockPath path, final LockType type, final TrieNode at)
    {
        // A fresh record each time, so a refusal that does not fill it in cannot pass on stale values.
        final LockTable.Conflict c = new LockTable.Conflict();
        assertNull(table.tryLock(path, type, 0, false, null, c), type + " " + path + " should be refused");
        assertSame(at, c.node(), type + " " + path);
        return c;
    }

    @Test
    void aLockThroughARememberedNodeRaisesWhatAWalkRaises()
    {
        final LockTable table = new LockTable(1 << 20);
        final LockTable.Conflict c = new LockTable.Conflict();
        final LockPath p = fresh("/a/b/c");
        final TrieNode first = remembered(table, p);
        final TrieNode again = table.tryLock(p, LockType.POINT, 0, false, null, c);
        assertSame(first, again, "the remembered node is the live one");
        assertEquals(1, table.root().intentCount());
        assertEquals(1, again.parent.intentCount());
        assertEquals(1, again.parent.parent.intentCount());
        assertEquals(ConflictKind.HELD_BELOW, refused(table, fresh("/a"), LockType.SUBTREE, again.parent.parent).kind());
        assertEquals(ConflictKind.HELD_POINT, refused(table, fresh("/a/b/c"), LockType.POINT, again).kind());
        table.unlock(again);
        assertEquals(0, table.root().intentCount());
        assertNotNull(table.tryLock(fresh("/a"), LockType.SUBTREE, 0, false, null, c));
    }

    @Test
    void aRememberedNodeReclaimedSinceIsNeverLockedBesideTheLiveOne()
    {
        final LockTable table = new LockTable(1 << 20);
        final LockTable.Conflict c = new LockTable.Conflict();
        final LockPath kept = fresh("/a/b/c");
        final TrieNode old = remembered(table, kept);
        assertEquals(1, table.reclaimIdle(), "every node but the root reclaimed, the remembered one too");

        // Another instance of the same path locks the new node; the kept instance still remembers the dead one.
        final TrieNode live = table.tryLock(fresh("/a/b/c"), LockType.POINT, 0, false, null, c);
        assertNotNull(live);
        assertNotSame(old, live);
        refused(table, kept, LockType.POINT, live);
        refused(table, kept, LockType.SUBTREE, live);
        assertEquals(1, table.root().intentCount(), "the refusals lowered their raises");

        table.unlock(live);
        final TrieNode taken = table.tryLock(kept, LockType.POINT, 0, false, null, c);
        assertSame(live, taken, "the kept path now locks, and remembers, the live node");
        refused(table, fresh("/a/b/c"), LockType.POINT, taken);
        table.unlock(taken);
        assertEquals(0, table.root().intentCount());
    }

    @Test
    void anUpgradeConvertsTheLiveNodeNotARememberedDeadOne()
    {
        final LockTable table = new LockTable(1 << 20);
        final LockTable.Conflict c = new LockTable.Conflict();
        final LockPath kept = fresh("/u/v/w");
        remembered(table, kept);
        assertEquals(1, table.reclaimIdle());
        final TrieNode live = table.tryLock(fresh("/u/v/w"), LockType.POINT, 0, false, null, c);

        // The caller's POINT (taken through another instance of the path) becomes SUBTREE: a
        // conversion raises nothing, so nothing would see the remembered nodes as DEAD.
        final TrieNode upgraded = table.tryLock(kept, LockType.SUBTREE, 0, true, null, c);
        assertSame(live, upgraded);
        assertEquals(ConflictKind.HELD_SUBTREE, refused(table, fresh("/u/v/w/x"), LockType.POINT, live).kind());
        table.unlock(upgraded);
        assertEquals(0, table.root().intentCount());
        assertNotNull(table.tryLock(fresh("/u"), LockType.SUBTREE, 0, false, null, c));
    }

    @Test
    void aNodeRememberedFromAnotherTableIsNotLockedInThisOne()
    {
        final LockTable one = new LockTable(1 << 20);
        final LockTable two = new LockTable(1 << 20);
        final LockTable.Conflict c = new LockTable.Conflict();
        final LockPath p = fresh("/x/y");
        remembered(one, p);

        final TrieNode held = two.tryLock(fresh("/x/y"), LockType.POINT, 0, false, null, c);
        refused(two, p, LockType.POINT, held);
        assertEquals(1, two.root().intentCount());
        assertEquals(0, one.root().intentCount(), "table one untouched");

        // And back: table one's node is found again by a walk, not table two's.
        final TrieNode inOne = one.tryLock(p, LockType.POINT, 0, false, null, c);
        assertNotNull(inOne);
        assertNotSame(held, inOne);
        assertEquals(1, one.root().intentCount());
        one.unlock(inOne);
        two.unlock(held);
    }

    @Test
    void theScratchOfAWalkKeepsNoNodeAfterTheCall()
    {
        // A thread's conflict record lives as long as its thread state: a node left in it would keep
        // the trie, its holders and their manager reachable (ManagerCollectableTest).
        final LockTable table = new LockTable(1 << 20);
        final LockTable.Conflict c = new LockTable.Conflict();
        final LockPath p = fresh("/s/t/u");
        remembered(table, p);
        table.unlock(table.tryLock(p, LockType.POINT, 0, false, null, c));
        assertEmpty(c.nodesByDepth, "after a grant");
        final TrieNode held = table.tryLock(fresh("/s/t/u"), LockType.POINT, 0, false, null, c);
        assertNull(table.tryLock(p, LockType.POINT, 0, false, null, c), "held through another instance");
        assertEmpty(c.nodesByDepth, "after a refusal");
        table.unlock(held);
        final LockTable other = new LockTable(1 << 20);
        other.unlock(other.tryLock(p, LockType.POINT, 0, false, null, c));
        assertEmpty(c.nodesByDepth, "after finding the remembered node is another table's");
    }

    private static void assertEmpty(final TrieNode[] scratch, final String when)
    {
        assertNotNull(scratch, "the remembered path was used " + when);
        for (final TrieNode n : scratch)
        {
            assertNull(n, when);
        }
    }

    @Test
    void aDroppedManagerIsNotKeptByAPathThatRemembersItsHeldNode()
    {
        final LockPath kept = fresh("/m/keep");
        final WeakReference<LockManager> ref = useAndDrop(kept);
        assertTrue(collected(ref), "the kept path's node leads to its holder's handle and manager");
        assertNotNull(kept);
    }

    @Test
    void aDroppedTableIsNotKeptByAPathThatRemembersOneOfItsNodes()
    {
        final LockPath kept = fresh("/t/keep");
        final WeakReference<TrieNode> root = lockAndDrop(kept);
        assertTrue(collected(root), "the kept path's node leads to the table's root");
        assertNotNull(kept);
    }

    /** A table with a lock held through {@code path}'s remembered node; its root. */
    private static WeakReference<TrieNode> lockAndDrop(final LockPath path)
    {
        final LockTable table = new LockTable(1 << 20);
        remembered(table, path);
        assertNotNull(table.tryLock(path, LockType.POINT, 0, false, null, new LockTable.Conflict()));
        return new WeakReference<>(table.root());
    }

    /**
     * A manager, not closed, with a lock held through {@code path}'s remembered node (its third
     * grant: the second remembers it), and a lock taken by a walk through the remembered node.
     */
    private static WeakReference<LockManager> useAndDrop(final LockPath path)
    {
        final LockManager m = LockManager.builder().startAgent(false).build();
        final LockRequest r = LockRequest.builder().add(path, LockType.POINT).build();
        final LockHandle h = m.open("test");
        for (int i = 0; i < 2; i++)
        {
            h.tryAcquire(r);
            h.releaseAll();
        }
        h.tryAcquire(LockRequest.point("/m/other"));
        h.tryAcquire(r);
        return new WeakReference<>(m);
    }

    /** Whether the referent is collected within 100 full GCs. */
    private static boolean collected(final WeakReference<?> ref)
    {
        for (int i = 0; i < 100 && ref.get() != null; i++)
        {
            System.gc();
        }
        return ref.get() == null;
    }
}

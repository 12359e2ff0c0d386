package io.pathlock.table;

import io.pathlock.core.LockPath;
import io.pathlock.core.LockType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trie's single-thread paths, step by step (added from the mutation-test review): conflict
 * kinds at the target, waiter bookkeeping (register, deregister, finish, pending marks), downgrade,
 * the amortised sweep threshold (invariant 7), the bounded holder search and node counting.
 */
class LockTableSingleThreadTest
{
    private final LockTable table = new LockTable(16);
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

    private TrieNode lock(final String path, final LockType type)
    {
        return table.tryLock(LockPath.parse(path), type, 0, false, null, conflict);
    }

    private TrieNode lock(final String path, final LockType type, final TableWaiter w)
    {
        return table.tryLock(LockPath.parse(path), type, 0, false, w, conflict);
    }

    private void assertRefused(final String path, final LockType type, final ConflictKind kind, final String at,
        final boolean atTarget)
    {
        // A fresh record each time, so a refusal that does not fill it in cannot pass on stale values.
        final LockTable.Conflict c = new LockTable.Conflict();
        assertNull(table.tryLock(LockPath.parse(path), type, 0, false, null, c), type + " " + path + " should be refused");
        assertEquals(kind, c.kind(), type + " " + path);
        assertEquals(at, c.node().pathString(), type + " " + path);
        assertEquals(atTarget, c.atTarget(), type + " " + path);
    }

    /** Invariant 1 at the target node: the kind of holder is reported, and nothing stays raised. */
    @Test
    void conflictKindsAtTheTarget()
    {
        final TrieNode p = lock("/a/p", LockType.POINT);
        final TrieNode s = lock("/a/s", LockType.SUBTREE);
        assertRefused("/a/p", LockType.POINT, ConflictKind.HELD_POINT, "/a/p", true);
        assertRefused("/a/p", LockType.SUBTREE, ConflictKind.HELD_POINT, "/a/p", true);
        assertRefused("/a/s", LockType.POINT, ConflictKind.HELD_SUBTREE, "/a/s", true);
        assertRefused("/a/s", LockType.SUBTREE, ConflictKind.HELD_SUBTREE, "/a/s", true);
        assertRefused("/a/s/x", LockType.POINT, ConflictKind.HELD_SUBTREE, "/a/s", false);
        assertRefused("/a", LockType.SUBTREE, ConflictKind.HELD_BELOW, "/a", true);
        assertEquals(2, table.root().intentCount(), "refusals rolled their raises back");
        assertEquals("/a/p", p.pathString());
        assertEquals("/", table.root().pathString());
        assertTrue(p.toString().contains("/a/p") && p.toString().contains("hold="), p.toString());
        table.unlock(p);
        table.unlock(s);
        assertEquals(0, table.root().intentCount());
        assertNotNull(lock("/a", LockType.SUBTREE));
    }

    /** A pending mark on the target refuses a newcomer's POINT claim there, not its own waiter's. */
    @Test
    void pendingMarkRefusesPointClaimsOnItsNodeExceptForItsOwner()
    {
        final TrieNode below = lock("/s/x", LockType.POINT);
        final CountingWaiter w = new CountingWaiter();
        assertNull(lock("/s", LockType.SUBTREE, w));
        assertTrue(table.register(w, conflict, true));
        assertTrue(table.register(w, conflict, true), "registering again on the same node keeps one mark");
        assertEquals(1, w.registeredOn().pendingVolatile(), "one mark per waiter and node");
        assertEquals(1, w.pendingMarkCount());
        table.deregister(w);

        assertRefused("/s", LockType.POINT, ConflictKind.PENDING_SUBTREE, "/s", true);
        assertRefused("/s", LockType.SUBTREE, ConflictKind.PENDING_SUBTREE, "/s", true);
        final TrieNode own = lock("/s", LockType.POINT, w);
        assertNotNull(own, "the mark's owner may claim the node");
        table.unlock(own);
        assertNull(lock("/s", LockType.SUBTREE, w));
        assertTrue(table.register(w, conflict, false));
        assertEquals(0, w.registeredOn().pendingVolatile(), "registering without a mark drops the one it had there");
        assertEquals(0, w.pendingMarkCount());
        assertTrue(table.register(w, conflict, true));
        table.finish(w);
        assertEquals(0, w.pendingMarkCount(), "finish drops the marks");
        final TrieNode after = lock("/s", LockType.POINT);
        assertNotNull(after, "mark gone");
        table.unlock(after);
        table.unlock(below);
    }

    /** Dropping the last mark on a node wakes the newcomers that waited on it. */
    @Test
    void releasingTheLastPendingMarkSignalsWaitersOfThatNode()
    {
        final TrieNode below = lock("/m/x", LockType.POINT);
        final CountingWaiter wide = new CountingWaiter();
        assertNull(lock("/m", LockType.SUBTREE, wide));
        assertTrue(table.register(wide, conflict, true));
        final CountingWaiter newcomer = new CountingWaiter();
        assertNull(lock("/m/y", LockType.POINT, newcomer));
        assertEquals(ConflictKind.PENDING_SUBTREE, conflict.kind());
        assertTrue(table.register(newcomer, conflict, false));
        assertEquals(0, newcomer.signals);
        table.finish(wide);
        assertTrue(newcomer.signals > 0, "the mark's release woke the newcomer");
        table.finish(newcomer);
        table.unlock(below);
    }

    /** A waiter keeps many marks in order; finish clears them all (the array grows past its first size). */
    @Test
    void manyMarksAreTrackedAndCleared()
    {
        final CountingWaiter w = new CountingWaiter();
        // 8 marks fill the mark array exactly (it starts at 2 and doubles): the loops' bounds matter.
        final TrieNode[] nodes = new TrieNode[8];
        for (int i = 0; i < nodes.length; i++)
        {
            nodes[i] = lock("/k" + i, LockType.POINT);
            w.addPendingMark(nodes[i]);
            nodes[i].addPending(1);
            assertTrue(w.isPendingAt(nodes[i]));
        }
        assertEquals(nodes.length, w.pendingMarkCount());
        assertFalse(w.isPendingAt(table.root()));
        table.finish(w);
        assertEquals(0, w.pendingMarkCount());
        for (final TrieNode n : nodes)
        {
            assertFalse(w.isPendingAt(n));
            assertEquals(0, n.pendingVolatile());
            table.unlock(n);
        }
    }

    /** Register, deregister and finish keep the node's waiter counts and queue exact. */
    @Test
    void waiterBookkeeping()
    {
        final TrieNode pointBelow = lock("/q/x", LockType.POINT);
        final CountingWaiter intent = new CountingWaiter();
        assertNull(lock("/q", LockType.SUBTREE, intent));
        assertEquals(ConflictKind.HELD_BELOW, conflict.kind());
        assertTrue(table.register(intent, conflict, false));
        final TrieNode q = intent.registeredOn();
        assertEquals(1, q.waitersVolatile());
        assertEquals(1, q.intentWaitersVolatile());
        assertTrue(table.registrationCovers(intent, conflict));

        final LockTable.Conflict other = new LockTable.Conflict();
        final TrieNode pointOnQ = table.tryLock(LockPath.parse("/q"), LockType.POINT, 0, false, null, other);
        assertNotNull(pointOnQ);
        assertNull(table.tryLock(LockPath.parse("/q"), LockType.POINT, 0, false, null, other));
        assertEquals(ConflictKind.HELD_POINT, other.kind());
        assertFalse(table.registrationCovers(intent, other), "same node, but not an intent conflict");
        assertNull(table.tryLock(LockPath.parse("/q/x"), LockType.POINT, 0, false, null, other));
        assertFalse(table.registrationCovers(intent, other), "another node");
        table.unlock(pointOnQ);

        table.deregister(intent);
        assertEquals(0, q.waitersVolatile());
        assertEquals(0, q.intentWaitersVolatile());
        assertNull(intent.registeredOn());
        table.deregister(intent);
        assertEquals(0, q.waitersVolatile(), "deregister is idempotent");
        intent.signals = 0;
        intent.resetSignal(); // it was signalled by the unlock of /q above; a stale entry would be signalled again
        final CountingWaiter second = new CountingWaiter();
        assertNull(lock("/q", LockType.SUBTREE, second));
        assertTrue(table.register(second, conflict, false));
        assertEquals(0, q.pendingVolatile(), "registered without a mark");
        table.unlock(pointBelow);
        assertTrue(second.signals > 0, "the registered waiter is signalled");
        assertEquals(0, intent.signals, "a deregistered waiter is not signalled (it left the node's queue)");
        table.finish(second);

        final TrieNode held = lock("/r", LockType.POINT);
        final CountingWaiter plain = new CountingWaiter();
        assertNull(lock("/r", LockType.POINT, plain));
        assertTrue(table.register(plain, conflict, false));
        assertEquals(0, held.intentWaitersVolatile());
        table.finish(plain);
        assertEquals(0, held.waitersVolatile(), "finish deregisters");
        assertNull(plain.registeredOn());
        table.unlock(held);
        assertEquals(0, plain.signals);
    }

    /** Downgrade turns the caller's SUBTREE back into its POINT and wakes waiters of the node. */
    @Test
    void downgradeRestoresThePointAndSignals()
    {
        final TrieNode a = lock("/d", LockType.POINT);
        assertSame(a, table.tryLock(LockPath.parse("/d"), LockType.SUBTREE, 0, true, null, conflict));
        final CountingWaiter w = new CountingWaiter();
        assertNull(lock("/d/c", LockType.POINT, w));
        assertEquals(ConflictKind.HELD_SUBTREE, conflict.kind());
        assertTrue(table.register(w, conflict, false));
        table.downgrade(a);
        assertTrue(w.signals > 0, "the downgrade woke the waiter below");
        assertEquals(TrieNode.HOLD_POINT, TrieNode.hold(a.stateVolatile()));
        assertRefused("/d", LockType.POINT, ConflictKind.HELD_POINT, "/d", true);
        table.finish(w);
        final TrieNode c = lock("/d/c", LockType.POINT);
        assertNotNull(c);
        table.unlock(c);
        table.unlock(a);
    }

    /** The bounded search for a holder below visits at most {@code limit} nodes. */
    @Test
    void findHeldBelowIsBounded()
    {
        final TrieNode d = lock("/f1/f2/f3/f4", LockType.POINT);
        assertNull(table.findHeldBelow(table.root(), 3), "the holder is the 4th node visited");
        assertSame(d, table.findHeldBelow(table.root(), 4));
        assertNull(table.findHeldBelow(d, 10), "nothing below a leaf");
        table.unlock(d);
        assertNull(table.findHeldBelow(table.root(), 100));
    }

    /**
     * Invariant 7: creation sweeps only when the count passes max(minimum, 2 x nodes left after the
     * last sweep), and the count follows linked nodes exactly.
     */
    @Test
    void sweepThresholdFollowsTheNodesLeftAfterTheLastSweep()
    {
        final TrieNode[] live = new TrieNode[20];
        for (int i = 0; i < live.length; i++)
        {
            live[i] = lock("/live/l" + i, LockType.POINT);
        }
        assertEquals(22, table.nodeCount(), "root, /live and 20 leaves");
        assertEquals(22, table.reclaimIdle());
        for (int i = 0; i < 22; i++)
        {
            table.unlock(lock("/idle" + i, LockType.POINT));
        }
        assertEquals(44, table.nodeCount(), "no sweep until the count passes 2 x 22");
        table.unlock(lock("/idle-last", LockType.POINT));
        assertEquals(23, table.nodeCount(), "the 45th node swept the idle ones (and its own first copy)");
        for (final TrieNode n : live)
        {
            table.unlock(n);
        }
        assertEquals(1, table.reclaimIdle());
    }

    /** The minimum: with at most 16 nodes nothing is swept on creation; the 17th triggers a sweep. */
    @Test
    void sweepStartsWhenTheCountPassesTheMinimum()
    {
        for (int i = 0; i < 15; i++)
        {
            table.unlock(lock("/n" + i, LockType.POINT));
        }
        assertEquals(16, table.nodeCount(), "16 nodes: not past the minimum");
        table.unlock(lock("/n15", LockType.POINT));
        assertEquals(2, table.nodeCount(), "the 17th node swept every idle node");
    }

    /**
     * Invariant 7, second chance: an amortised sweep keeps (the same objects) the nodes found by a
     * lookup since the previous sweep and reclaims the nodes used once; a kept node that is not
     * used again goes at the sweep after. Before, every sweep reclaimed every idle node, so a
     * working set a little larger than the minimum was re-created after each sweep.
     */
    @Test
    void nodesFoundAgainSinceTheLastSweepAreKeptOnce()
    {
        final TrieNode[] hot = new TrieNode[12];
        for (int i = 0; i < hot.length; i++)
        {
            hot[i] = lockAndUnlock("/hot" + i);
        }
        for (int i = 0; i < hot.length; i++)
        {
            assertSame(hot[i], lockAndUnlock("/hot" + i), "found again: marked");
        }
        for (int i = 0; i < 3; i++)
        {
            lockAndUnlock("/once" + i);
        }
        assertEquals(16, table.nodeCount(), "root, 12 used twice, 3 used once: not past the minimum");
        lockAndUnlock("/once3");
        assertEquals(14, table.nodeCount(), "the 17th node swept: root, the 12 found again, and /once3 created again");
        for (int i = 0; i < 6; i++)
        {
            assertSame(hot[i], lockAndUnlock("/hot" + i), "kept by the sweep");
        }
        for (int i = 0; i < 12; i++)
        {
            lockAndUnlock("/x" + i);
        }
        assertEquals(26, table.nodeCount(), "no sweep until the count passes 2 x 13");
        lockAndUnlock("/x12");
        assertEquals(8, table.nodeCount(), "root, /hot0-5 (found again), /x12 created again");
        for (int i = 0; i < 6; i++)
        {
            assertSame(hot[i], lockAndUnlock("/hot" + i), "/hot" + i + " was found again: kept a second time");
        }
        for (int i = 6; i < 12; i++)
        {
            assertNotSame(hot[i], lockAndUnlock("/hot" + i), "/hot" + i + " was kept once, not used again, and reclaimed");
        }
    }

    /** Locks a POINT, releases it, and returns its node. */
    private TrieNode lockAndUnlock(final String path)
    {
        final TrieNode n = lock(path, LockType.POINT);
        table.unlock(n);
        return n;
    }

    /**
     * Invariant 7's bound: a sweep keeps at most the minimum's number of marked nodes, so nodes that
     * are each used twice and never again cannot make the table grow without bound.
     */
    @Test
    void aSweepKeepsAtMostTheMinimumOfMarkedNodes()
    {
        long most = 0;
        for (int i = 0; i < 5_000; i++)
        {
            final String p = "/twice" + i;
            lockAndUnlock(p);
            lockAndUnlock(p);
            most = Math.max(most, table.nodeCount());
        }
        assertTrue(most <= 2 * (16 + 1) + 1, "at most 2 x (minimum + root) + 1 nodes, saw " + most);
    }

    /** A sweep reaches idle nodes below an ancestor that must stay (it has a lock below). */
    @Test
    void sweepDescendsBelowNodesThatStay()
    {
        final TrieNode keep = lock("/t/keep", LockType.POINT);
        table.unlock(lock("/t/u/v/w", LockType.POINT));
        assertEquals(6, table.nodeCount());
        assertEquals(3, table.reclaimIdle(), "root, /t, /t/keep");
        table.unlock(keep);
    }

    /**
     * Unlinking a node also counts out what was linked below it: a node kept alive by a waiter
     * goes with its idle parent (see LockTableTest.nodesWithWaitersAreNotReclaimed), and the count
     * still equals the nodes reachable from the root.
     */
    @Test
    void nodeCountFollowsUnlinkedSubtrees()
    {
        final TrieNode held = lock("/o/p/q", LockType.POINT);
        final TrieNode deeper = lock("/o/p/q/r", LockType.POINT);
        final CountingWaiter w = new CountingWaiter();
        assertNull(lock("/o/p/q", LockType.POINT, w));
        assertTrue(table.register(w, conflict, false));
        final CountingWaiter w2 = new CountingWaiter();
        assertNull(lock("/o/p/q/r", LockType.POINT, w2));
        assertTrue(table.register(w2, conflict, false));
        table.unlock(deeper);
        table.unlock(held);
        final long left = table.reclaimIdle();
        assertEquals(reachable(table.root()), left, "count equals reachable nodes");
        assertTrue(held.toString().endsWith("waiters=1 pending=0]") && !held.toString().contains(" dead"), held.toString());
        table.finish(w);
        table.finish(w2);
        assertEquals(1, table.reclaimIdle());
        assertEquals(1, reachable(table.root()));
        final TrieNode gone = lock("/g", LockType.POINT);
        table.unlock(gone);
        table.reclaimIdle();
        assertTrue(gone.toString().contains(" dead"), gone.toString());
    }

    private static long reachable(final TrieNode n)
    {
        long c = 1;
        final var children = n.childrenOrNull();
        if (children != null)
        {
            for (final TrieNode child : children.values())
            {
                c += reachable(child);
            }
        }
        return c;
    }

    /** The constructor's minimum is validated. */
    @Test
    void reclaimMinimumIsValidated()
    {
        final IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> new LockTable(15));
        assertTrue(e.getMessage().contains("15"), e.getMessage());
        new LockTable(16);
        assertEquals(1, new LockTable().nodeCount());
        assertEquals("/x/y", lock("/x/y", LockType.POINT).pathString());
    }
}

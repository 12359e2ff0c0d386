package io.pathlock.table;

import io.pathlock.core.LockPath;
import io.pathlock.core.LockType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Single-threaded, deterministic checks of the trie protocol's invariants (see LockTable). */
class LockTableTest
{
    private final LockTable table = new LockTable(16);
    private final LockTable.Conflict conflict = new LockTable.Conflict();

    private static final class CountingWaiter extends TableWaiter
    {
        int signals;
        TrieNode awaitedAt;

        @Override
        protected boolean mayBeAwaitedAt(final TrieNode n)
        {
            return n == awaitedAt;
        }

        @Override
        protected void onSignal()
        {
            signals++;
        }
    }

    private LockTable.Conflict conflict(final String subtreePath, final TableWaiter w)
    {
        assertNull(table.tryLock(LockPath.parse(subtreePath), LockType.SUBTREE, 0, false, w, conflict));
        return conflict;
    }

    private TrieNode lock(final String path, final LockType type)
    {
        return table.tryLock(LockPath.parse(path), type, 0, false, null, conflict);
    }

    /** Invariant 2: intents count locks strictly below, and a failed walk leaves them as found. */
    @Test
    void intentCountsFollowLocksAndFailedWalksRollBack()
    {
        final TrieNode abc = lock("/a/b/c", LockType.POINT);
        final TrieNode abd = lock("/a/b/d", LockType.POINT);
        assertEquals(2, table.root().intentCount());
        final TrieNode b = abc.parent;
        assertEquals(2, b.intentCount());
        final TrieNode sub = lock("/a/b", LockType.SUBTREE);
        assertNull(sub);
        assertEquals(ConflictKind.HELD_BELOW, conflict.kind());
        assertSame(b, conflict.node());
        assertTrue(conflict.atTarget());
        assertEquals(2, table.root().intentCount(), "refused SUBTREE rolled its raises back");
        table.unlock(abc);
        table.unlock(abd);
        assertEquals(0, table.root().intentCount());
        assertNotNull(lock("/a/b", LockType.SUBTREE));
    }

    /** Invariant 1 for an ancestor SUBTREE: the walk stops at the holder and reports it. */
    @Test
    void ancestorSubtreeBlocksWalkAndIsReported()
    {
        final TrieNode a = lock("/a", LockType.SUBTREE);
        assertNull(lock("/a/b/c", LockType.POINT));
        assertEquals(ConflictKind.HELD_SUBTREE, conflict.kind());
        assertSame(a, conflict.node());
        assertFalse(conflict.atTarget());
        assertEquals(1, table.root().intentCount(), "only the holder's raise remains");
        assertNotNull(lock("/", LockType.POINT), "POINT on an ancestor of a SUBTREE holder is allowed");
    }

    /**
     * Invariant 6, deterministic: once a SUBTREE waiter has placed its pending mark, a newcomer's
     * POINT below is refused (without the mark it would be granted), the holder's release signals
     * the waiter, and its retry wins.
     */
    @Test
    void pendingMarkStopsNewcomersBelowAndWaiterWins()
    {
        final TrieNode held = lock("/s/x", LockType.POINT);
        final CountingWaiter w = new CountingWaiter();
        assertNull(table.tryLock(LockPath.parse("/s"), LockType.SUBTREE, 0, false, w, conflict));
        assertTrue(table.register(w, conflict, true));

        assertNull(lock("/s/y", LockType.POINT), "newcomer below a pending SUBTREE must wait");
        assertEquals(ConflictKind.PENDING_SUBTREE, conflict.kind());

        final CountingWaiter holderElsewhere = new CountingWaiter();
        assertNull(table.tryLock(LockPath.parse("/s/z"), LockType.POINT, 0, false, holderElsewhere, conflict),
            "a requester whose locks lie elsewhere respects the mark");
        final CountingWaiter holderBelow = new CountingWaiter();
        holderBelow.awaitedAt = conflict.node();
        final TrieNode exempt = table.tryLock(LockPath.parse("/s/z"), LockType.POINT, 0, false, holderBelow, conflict);
        assertNotNull(exempt, "a requester holding a lock below the mark ignores it (the waiter may wait for it)");
        table.unlock(exempt);

        table.deregister(w);
        assertTrue(table.register(w, conflict("/s", w), true), "re-register (the exempt lock's release was a spurious signal)");
        w.signals = 0;
        table.unlock(held);
        assertTrue(w.signals > 0, "the release signalled the waiter (invariant 5)");
        table.deregister(w);
        final TrieNode granted = table.tryLock(LockPath.parse("/s"), LockType.SUBTREE, 0, false, w, conflict);
        assertNotNull(granted);
        table.finish(w);
        table.unlock(granted);
        assertNotNull(lock("/s/y", LockType.POINT), "mark cleared by finish");
    }

    /** A waiter keeps one mark: registering elsewhere drops the old one and wakes its waiters. */
    @Test
    void waiterKeepsAtMostOneMark()
    {
        final TrieNode p = lock("/p/1", LockType.POINT);
        final TrieNode q = lock("/q/1", LockType.POINT);
        final CountingWaiter w = new CountingWaiter();
        assertNull(table.tryLock(LockPath.parse("/p"), LockType.SUBTREE, 0, false, w, conflict));
        assertTrue(table.register(w, conflict, true));
        assertNull(lock("/p/2", LockType.POINT));
        table.deregister(w);
        assertNull(table.tryLock(LockPath.parse("/q"), LockType.SUBTREE, 0, false, w, conflict));
        assertTrue(table.register(w, conflict, true));
        final TrieNode p2 = lock("/p/2", LockType.POINT);
        assertNotNull(p2, "the mark on /p was dropped when the waiter moved to /q");
        assertNull(lock("/q/2", LockType.POINT));
        table.finish(w);
        table.unlock(p2);
        table.unlock(p);
        table.unlock(q);
    }

    /** Upgrade and downgrade of the caller's own POINT, counting its own locks below. */
    @Test
    void upgradeInPlaceAndOwnLocksBelow()
    {
        final TrieNode a = lock("/a", LockType.POINT);
        final TrieNode below = lock("/a/b", LockType.POINT);
        assertNull(table.tryLock(LockPath.parse("/a"), LockType.SUBTREE, 0, true, null, conflict),
            "with ownBelow=0 the lock below blocks");
        assertSame(a, table.tryLock(LockPath.parse("/a"), LockType.SUBTREE, 1, true, null, conflict));
        assertNull(lock("/a/c", LockType.POINT), "upgraded: SUBTREE now covers /a/c");
        table.downgrade(a);
        assertNotNull(lock("/a/c", LockType.POINT));
        table.unlock(below);
        table.unlock(a);
    }

    /** Invariant 7: idle nodes are swept once the count passes the threshold; memory follows live locks. */
    @Test
    void idleNodesAreReclaimedAndLiveOnesKept()
    {
        final TrieNode keep = lock("/keep/me", LockType.POINT);
        for (int i = 0; i < 10_000; i++)
        {
            table.unlock(lock("/d" + (i % 50) + "/f" + i, LockType.POINT));
        }
        assertTrue(table.nodeCount() <= 2 * 16 + 100, "nodes: " + table.nodeCount());
        assertEquals(3, table.reclaimIdle(), "root, /keep and /keep/me stay");
        table.unlock(keep);
        assertEquals(1, table.reclaimIdle());
        assertNotNull(lock("/keep/me", LockType.POINT), "a reclaimed path can be locked again");
    }

    /**
     * Invariant 4: waiters on a node pin it. /w is kept linked by a lock below it (/w/y), so only
     * the waiter pins /w/x: a sweep while the waiter is registered leaves that very node linked (a
     * later lock of /w/x finds the same object, not a fresh one) and not DEAD; once the waiter
     * finishes, the sweep unlinks it (DEAD is final) and a new lock gets a new node.
     *
     * <p>Not asserted, because it is not what the table does: with nothing held below /w, a sweep
     * unlinks /w (idle, no waiter of its own) and /w/x with it, although a waiter is registered on
     * /w/x; /w/x is then unreachable but not DEAD. That is harmless only because a registered
     * waiter always retries from the root after registering (invariant 5) and is signalled by the
     * release that made /w idle.
     */
    @Test
    void nodesWithWaitersAreNotReclaimed()
    {
        final TrieNode pin = lock("/w/y", LockType.POINT);
        final TrieNode held = lock("/w/x", LockType.POINT);
        final CountingWaiter w = new CountingWaiter();
        assertNull(table.tryLock(LockPath.parse("/w/x"), LockType.POINT, 0, false, w, conflict));
        assertTrue(table.register(w, conflict, false));
        assertSame(held, w.registeredOn());
        table.unlock(held);
        assertTrue(w.signals > 0, "the release signalled the waiter");

        assertEquals(4, table.reclaimIdle(), "root, /w (lock below), /w/y (held), /w/x (pinned by its waiter) stay");
        assertEquals(0, held.stateVolatile() & TrieNode.DEAD, "a node with a waiter was unlinked: " + held);
        final TrieNode again = lock("/w/x", LockType.POINT);
        assertSame(held, again, "the waiter's node is still the linked one");
        table.unlock(again);

        table.finish(w);
        assertEquals(3, table.reclaimIdle(), "/w/x goes once its waiter is gone");
        assertNotEquals(0, held.stateVolatile() & TrieNode.DEAD, "idle node without waiters unlinked: " + held);
        final TrieNode fresh = lock("/w/x", LockType.POINT);
        assertNotSame(held, fresh, "a reclaimed path gets a new node");
        table.unlock(fresh);
        table.unlock(pin);
        assertEquals(1, table.reclaimIdle());
    }
}

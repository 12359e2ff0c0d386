package io.pathlock.host;

import io.pathlock.core.LockConflict;
import io.pathlock.core.LockRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pending marks (no starvation): the three kinds, exemption, idempotence, removal by recovery. */
class HostTablePendingTest
{
    @TempDir
    Path dir;

    private static long mark(final HostTable t, final String path, final int kind)
    {
        final long[] c = t.nodeCounts().get(path);
        return c == null ? 0 : c[kind];
    }

    @Test
    void subtreeWaiterRefusesNewcomersButNotTheHoldersBelow() throws Exception
    {
        try (HostTable t = HostTable.open(dir.resolve("table"), HostTableBasicTest.small());
             HostSession a = t.attach();
             HostSession b = t.attach();
             HostSession c = t.attach())
        {
            final HostSession.Result held = a.tryAcquire(LockRequest.point("/a/x").entries());
            final HostSession.Result waiting = b.tryAcquire(LockRequest.subtree("/a").entries());
            assertFalse(waiting.isGranted());
            assertEquals(LockConflict.Reason.HELD_BELOW, waiting.conflict().reason());
            b.markPending(waiting.blocker());
            b.markPending(waiting.blocker());
            assertEquals(1, mark(t, "/a", HostLayout.MARK_ALL), "idempotent per blocker");
            final HostSession.Result newcomer = c.tryAcquire(LockRequest.pointShared("/a/y").entries());
            assertFalse(newcomer.isGranted());
            assertEquals(LockConflict.Reason.PENDING, newcomer.conflict().reason());
            assertEquals("/a", newcomer.conflict().path());
            final HostSession.Result exempt = a.tryAcquire(LockRequest.point("/a/z").entries());
            assertTrue(exempt.isGranted(), "a session with counts at the marked node is exempt");
            a.release(exempt.grant());
            a.release(held.grant());
            final HostSession.Result now = b.tryAcquire(LockRequest.subtree("/a").entries());
            assertTrue(now.isGranted());
            b.clearMarks();
            b.clearMarks();
            assertEquals(0, mark(t, "/a", HostLayout.MARK_ALL));
            b.release(now.grant());
            assertTrue(c.tryAcquire(LockRequest.pointShared("/a/y").entries()).isGranted());
            assertEquals(List.of(), t.checkConsistency());
        }
    }

    @Test
    void writerIsNotStarvedByReaders() throws Exception
    {
        try (HostTable t = HostTable.open(dir.resolve("table"), HostTableBasicTest.small());
             HostSession a = t.attach();
             HostSession b = t.attach();
             HostSession c = t.attach())
        {
            final HostSession.Result reader = a.tryAcquire(LockRequest.pointShared("/f").entries());
            final HostSession.Result writer = b.tryAcquire(LockRequest.point("/f").entries());
            assertFalse(writer.isGranted());
            b.markPending(writer.blocker());
            assertEquals(1, mark(t, "/f", HostLayout.MARK_SHARED));
            final HostSession.Result reader2 = c.tryAcquire(LockRequest.pointShared("/f").entries());
            assertFalse(reader2.isGranted());
            assertEquals(LockConflict.Reason.PENDING, reader2.conflict().reason());
            assertTrue(c.tryAcquire(LockRequest.pointShared("/g").entries()).isGranted(), "only /f is marked");
            a.release(reader.grant());
            assertTrue(b.tryAcquire(LockRequest.point("/f").entries()).isGranted());
            b.clearMarks();
        }
    }

    @Test
    void sharedSubtreeWaiterRefusesWritersBelowButNotReaders() throws Exception
    {
        try (HostTable t = HostTable.open(dir.resolve("table"), HostTableBasicTest.small());
             HostSession a = t.attach();
             HostSession b = t.attach();
             HostSession c = t.attach())
        {
            final HostSession.Result writer = a.tryAcquire(LockRequest.point("/t/x").entries());
            final HostSession.Result waiting = b.tryAcquire(LockRequest.subtreeShared("/t").entries());
            assertFalse(waiting.isGranted());
            b.markPending(waiting.blocker());
            assertEquals(1, mark(t, "/t", HostLayout.MARK_EXCLUSIVE));
            assertFalse(c.tryAcquire(LockRequest.point("/t/y").entries()).isGranted());
            assertTrue(c.tryAcquire(LockRequest.pointShared("/t/z").entries()).isGranted());
            a.release(writer.grant());
            assertTrue(b.tryAcquire(LockRequest.subtreeShared("/t").entries()).isGranted());
        }
    }

    @Test
    void deadWaitersMarksAreRemovedByRecovery() throws Exception
    {
        try (HostTable t = HostTable.open(dir.resolve("table"), HostTableBasicTest.small());
             HostSession a = t.attach();
             HostSession c = t.attach())
        {
            final HostSession b = t.attach();
            a.tryAcquire(LockRequest.point("/a/x").entries());
            final HostSession.Result waiting = b.tryAcquire(LockRequest.subtree("/a").entries());
            b.markPending(waiting.blocker());
            assertFalse(c.tryAcquire(LockRequest.point("/a/y").entries()).isGranted());
            b.abandon();
            assertEquals(1, t.recoverDead());
            assertTrue(c.tryAcquire(LockRequest.point("/a/y").entries()).isGranted());
            assertEquals(List.of(), t.checkConsistency());
        }
    }

    @Test
    void clearMarkRemovesOneMarkAndLeavesTheOthers() throws Exception
    {
        try (HostTable t = HostTable.open(dir.resolve("table"), HostTableBasicTest.small());
             HostSession a = t.attach();
             HostSession b = t.attach())
        {
            a.tryAcquire(LockRequest.point("/a/x").entries());
            a.tryAcquire(LockRequest.pointShared("/f").entries());
            final HostSession.Result w1 = b.tryAcquire(LockRequest.subtree("/a").entries());
            final HostSession.Result w2 = b.tryAcquire(LockRequest.point("/f").entries());
            b.markPending(w1.blocker());
            b.markPending(w2.blocker());
            assertEquals(1, mark(t, "/a", HostLayout.MARK_ALL));
            assertEquals(1, mark(t, "/f", HostLayout.MARK_SHARED));
            b.clearMark(w1.blocker());
            b.clearMark(w1.blocker());
            assertEquals(0, mark(t, "/a", HostLayout.MARK_ALL));
            assertEquals(1, mark(t, "/f", HostLayout.MARK_SHARED));
            b.clearMarks();
            assertEquals(0, mark(t, "/f", HostLayout.MARK_SHARED));
            assertEquals(List.of(), t.checkConsistency());
        }
    }

    /**
     * host-spec's finding 3: a session with counts at a marked node exempted every owner of the
     * session, so two owners of one session that alternate locks below a SUBTREE waiter's node
     * starved it. A requester that holds nothing (requesterHoldsLocks false) is refused by the mark.
     */
    @Test
    void aRequesterThatHoldsNothingIsNotExemptThroughItsSessionsCounts() throws Exception
    {
        try (HostTable t = HostTable.open(dir.resolve("table"), HostTableBasicTest.small());
             HostSession a = t.attach();
             HostSession b = t.attach())
        {
            final HostSession.Result first = b.tryAcquire(LockRequest.point("/s/one").entries());
            final HostSession.Result waiting = a.tryAcquire(LockRequest.subtree("/s").entries());
            assertFalse(waiting.isGranted());
            a.markPending(waiting.blocker());
            final HostSession.Result other = b.tryAcquire(LockRequest.point("/s/two").entries(), false);
            assertFalse(other.isGranted(), "an owner that holds nothing is refused by the mark");
            assertEquals(LockConflict.Reason.PENDING, other.conflict().reason());
            final HostSession.Result holder = b.tryAcquire(LockRequest.point("/s/two").entries(), true);
            assertTrue(holder.isGranted(), "an owner that may hold the awaited locks is exempt");
            b.release(holder.grant());
            b.release(first.grant());
            assertTrue(a.tryAcquire(LockRequest.subtree("/s").entries(), false).isGranted(), "the waiter wins");
            a.clearMarks();
            assertEquals(List.of(), t.checkConsistency());
        }
    }
}

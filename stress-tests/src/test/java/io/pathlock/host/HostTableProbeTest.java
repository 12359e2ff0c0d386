package io.pathlock.host;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The chaos runner's final table check sees held locks, intents and marks, and an idle table as idle. */
class HostTableProbeTest
{
    @TempDir
    Path dir;

    private static List<LockRequest.Entry> point(final String path)
    {
        return List.of(new LockRequest.Entry(LockPath.parse(path), LockType.POINT, LockMode.EXCLUSIVE));
    }

    @Test
    void holdsAndIntentsAreListedUntilReleased()
    {
        try (HostTable t = HostTable.open(dir.resolve("table"), new HostTable.Config(64, 4, 64, "none", Duration.ofMillis(2)));
            HostSession s = t.attach())
        {
            final HostSession.Result r = s.tryAcquire(point("/a/b"));
            assertTrue(r.isGranted());
            assertEquals(List.of("/ IX=1", "/a IX=1", "/a/b PX=1"), HostTableProbe.nodesWithCounts(t));
            assertEquals(List.of(), HostTableProbe.consistencyProblems(t));
            s.release(r.grant());
            assertEquals(List.of(), HostTableProbe.nodesWithCounts(t));
            assertEquals(List.of(), HostTableProbe.consistencyProblems(t));
        }
    }

    @Test
    void aPendingMarkIsACount()
    {
        try (HostTable t = HostTable.open(dir.resolve("table"), new HostTable.Config(64, 4, 64, "none", Duration.ofMillis(2)));
            HostSession holder = t.attach(); HostSession waiter = t.attach())
        {
            // a SUBTREE waiter refused at its target by a hold below marks the target (no starvation)
            final HostSession.Result held = holder.tryAcquire(point("/a/b"));
            final HostSession.Result refused = waiter.tryAcquire(
                List.of(new LockRequest.Entry(LockPath.parse("/a"), LockType.SUBTREE, LockMode.EXCLUSIVE)));
            assertTrue(held.isGranted());
            assertTrue(!refused.isGranted());
            waiter.markPending(refused.blocker());
            holder.release(held.grant());
            final List<String> left = HostTableProbe.nodesWithCounts(t);
            assertEquals(1, left.size(), left.toString());
            assertTrue(left.get(0).startsWith("/a MARK_ALL=1"), left.toString());
            waiter.clearMarks();
            assertEquals(List.of(), HostTableProbe.nodesWithCounts(t));
        }
    }

    @Test
    void breakingASessionLeavesTheTableIdle()
    {
        try (HostTable t = HostTable.open(dir.resolve("table"), new HostTable.Config(64, 4, 64, "none", Duration.ofMillis(2))))
        {
            final HostSession s = t.attach();
            assertTrue(s.tryAcquire(point("/a/b/c")).isGranted());
            assertEquals(4, HostTableProbe.nodesWithCounts(t).size());
            assertTrue(t.breakSlot(s.slot(), true));
            assertEquals(List.of(), HostTableProbe.nodesWithCounts(t));
            assertEquals(List.of(), HostTableProbe.consistencyProblems(t));
            s.close();
        }
    }
}

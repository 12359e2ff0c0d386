package io.pathlock.host;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conflict matrix between two sessions (H2): 4 held kinds x 4 requested kinds x the requested
 * path being the same, an ancestor, a descendant, a sibling or the root (and the held lock on the
 * root), against the oracle {@link LockRequest.Entry#conflictsWith} (DESIGN §2); a refusal leaves
 * every node's counts as they were (H3); the session's own locks never conflict.
 */
class HostTableConflictMatrixTest
{
    private static final LockType[] TYPES = {LockType.POINT, LockType.SUBTREE};
    private static final LockMode[] MODES = {LockMode.EXCLUSIVE, LockMode.SHARED};

    @TempDir
    Path dir;

    static List<LockRequest.Entry> kinds(final String path)
    {
        final List<LockRequest.Entry> out = new ArrayList<>();
        for (final LockType t : TYPES)
        {
            for (final LockMode m : MODES)
            {
                out.add(new LockRequest.Entry(LockPath.parse(path), t, m));
            }
        }
        return out;
    }

    static Map<String, List<Long>> counts(final HostTable table)
    {
        final SortedMap<String, long[]> raw = table.nodeCounts();
        final Map<String, List<Long>> out = new java.util.TreeMap<>();
        raw.forEach((p, c) -> {
            final List<Long> l = new ArrayList<>();
            for (int k = 0; k < HostLayout.KINDS; k++)
            {
                l.add(c[k]);
            }
            out.put(p, l);
        });
        return out;
    }

    @Test
    void everyPairOfKindsOnEveryRelation() throws Exception
    {
        final String[][] cases = {
            {"/a/b", "/a/b"}, {"/a/b", "/a"}, {"/a/b", "/a/b/c"}, {"/a/b", "/a/c"}, {"/a/b", "/"},
            {"/", "/"}, {"/", "/a/b"}, {"/a/b", "/a/b/c/d"}, {"/a/b/c", "/a"}};
        int checked = 0;
        int conflicts = 0;
        try (HostTable table = HostTable.open(dir.resolve("table"), HostTableBasicTest.small());
             HostSession a = table.attach();
             HostSession b = table.attach())
        {
            for (final String[] c : cases)
            {
                for (final LockRequest.Entry held : kinds(c[0]))
                {
                    for (final LockRequest.Entry wanted : kinds(c[1]))
                    {
                        final HostSession.Result h = a.tryAcquire(List.of(held));
                        assertTrue(h.isGranted(), held + " on an empty table");
                        final Map<String, List<Long>> before = counts(table);
                        final HostSession.Result w = b.tryAcquire(List.of(wanted));
                        final boolean expectConflict = held.conflictsWith(wanted);
                        assertEquals(!expectConflict, w.isGranted(), "held " + held + ", requested " + wanted + ": " + w.conflict());
                        if (w.isGranted())
                        {
                            b.release(w.grant());
                        }
                        else
                        {
                            conflicts++;
                            assertEquals(before, counts(table), "a refusal of " + wanted + " changed counts");
                        }
                        // the other way round too: held by b, requested by a
                        a.release(h.grant());
                        final HostSession.Result h2 = b.tryAcquire(List.of(held));
                        assertTrue(h2.isGranted());
                        final HostSession.Result w2 = a.tryAcquire(List.of(wanted));
                        assertEquals(!expectConflict, w2.isGranted(), "(reversed) held " + held + ", requested " + wanted);
                        if (w2.isGranted())
                        {
                            a.release(w2.grant());
                        }
                        b.release(h2.grant());
                        assertTrue(counts(table).isEmpty(), "counts left after " + held + " / " + wanted + ": " + counts(table));
                        checked++;
                    }
                }
            }
            assertEquals(List.of(), table.checkConsistency());
        }
        assertEquals(cases.length * 16, checked);
        assertTrue(conflicts > 50, "the matrix has many conflicts, saw " + conflicts);
    }

    @Test
    void ownLocksNeverConflictInOneSession() throws Exception
    {
        try (HostTable table = HostTable.open(dir.resolve("table"), HostTableBasicTest.small());
             HostSession a = table.attach())
        {
            final List<HostSession.Grant> grants = new ArrayList<>();
            for (final String p : new String[] {"/", "/a", "/a/b", "/a/b/c", "/a/c"})
            {
                for (final LockRequest.Entry e : kinds(p))
                {
                    final HostSession.Result r = a.tryAcquire(List.of(e));
                    assertTrue(r.isGranted(), "own " + e);
                    grants.add(r.grant());
                }
            }
            for (final HostSession.Grant g : grants)
            {
                a.release(g);
            }
            assertTrue(counts(table).isEmpty());
            assertEquals(List.of(), table.checkConsistency());
        }
    }

    @Test
    void upgradeOfOwnLockExcludesOthersAfterwards() throws Exception
    {
        try (HostTable table = HostTable.open(dir.resolve("table"), HostTableBasicTest.small());
             HostSession a = table.attach();
             HostSession b = table.attach())
        {
            final HostSession.Result s = a.tryAcquire(LockRequest.pointShared("/a").entries());
            final HostSession.Result bs = b.tryAcquire(LockRequest.pointShared("/a").entries());
            assertTrue(s.isGranted() && bs.isGranted());
            // a's upgrade to exclusive is refused by b's shared lock, not by a's own
            assertFalse(a.tryAcquire(LockRequest.point("/a").entries()).isGranted());
            b.release(bs.grant());
            final HostSession.Result x = a.tryAcquire(LockRequest.subtree("/a").entries());
            assertTrue(x.isGranted(), "upgrade POINT-S -> SUBTREE-X of the session's own lock");
            assertFalse(b.tryAcquire(LockRequest.pointShared("/a/z").entries()).isGranted());
            a.release(x.grant());
            a.release(s.grant());
            assertTrue(b.tryAcquire(LockRequest.pointShared("/a/z").entries()).isGranted());
        }
    }

    @Test
    void batchIsAllOrNothing() throws Exception
    {
        try (HostTable table = HostTable.open(dir.resolve("table"), HostTableBasicTest.small());
             HostSession a = table.attach();
             HostSession b = table.attach())
        {
            assertTrue(a.tryAcquire(LockRequest.point("/m/held").entries()).isGranted());
            final Map<String, List<Long>> before = counts(table);
            final LockRequest batch = LockRequest.builder()
                .add("/a/one", LockType.POINT).add("/b/two", LockType.SUBTREE, LockMode.SHARED)
                .add("/m", LockType.SUBTREE).add("/z/last", LockType.POINT).build();
            final HostSession.Result r = b.tryAcquire(batch.entries());
            assertFalse(r.isGranted());
            assertEquals("/m", r.conflict().path());
            assertEquals(before, counts(table));
            // and a batch in the other order (mv both ways) never deadlocks: it is refused, not stuck
            final HostSession.Result mv1 = b.tryAcquire(LockRequest.mv("/x/s", "/y", true).entries());
            final HostSession.Result mv2 = a.tryAcquire(LockRequest.mv("/y/s", "/x", true).entries());
            assertTrue(mv1.isGranted());
            assertFalse(mv2.isGranted());
            assertEquals(List.of(), table.checkConsistency());
            assertTrue(Arrays.asList(table.locks().stream().map(HostTable.LockInfo::path).toArray()).contains("/m/held"));
        }
    }
}

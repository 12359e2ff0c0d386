package io.pathlock;

import io.pathlock.core.LockPath;
import io.pathlock.core.LockType;
import io.pathlock.core.LockRequest;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HeldSet's invariants H1-H4, on both sides of the index threshold. */
class HeldSetTest
{
    private static LockRequest.Entry entry(final String path, final LockType type)
    {
        return new LockRequest.Entry(LockPath.parse(path), type);
    }

    @Test
    void coverageLookupAndUpgradeInPlaceAcrossTheIndexThreshold()
    {
        for (final int n : new int[] {1, HeldSet.INDEX_THRESHOLD, HeldSet.INDEX_THRESHOLD + 1, 1000})
        {
            final HeldSet s = new HeldSet(null);
            for (int i = 0; i < n; i++)
            {
                s.put(entry("/f/" + i, LockType.POINT), null, null);
            }
            assertEquals(n, s.size());
            for (int i = 0; i < n; i++)
            {
                assertEquals(i, s.slotOf(LockPath.parse("/f/" + i)), "H3/H4 at n=" + n);
                assertTrue(s.covers(entry("/f/" + i, LockType.POINT)));
                assertFalse(s.covers(entry("/f/" + i, LockType.SUBTREE)), "a POINT does not cover a SUBTREE");
                assertFalse(s.covers(entry("/f/" + i + "/below", LockType.POINT)), "a POINT does not cover descendants");
            }
            assertEquals(-1, s.slotOf(LockPath.parse("/f/none")));
            assertEquals(n, s.countBelow(LockPath.parse("/f")));

            // H1: the upgrade replaces the entry in its slot.
            s.put(entry("/f/0", LockType.SUBTREE), null, null);
            assertEquals(n, s.size());
            assertEquals(0, s.slotOf(LockPath.parse("/f/0")));
            assertEquals(LockType.SUBTREE, s.entry(0).type());
            assertTrue(s.covers(entry("/f/0/deep/x", LockType.SUBTREE)), "H2: the SUBTREE covers below");
            assertFalse(s.holdsPointOn(LockPath.parse("/f/0")));
            s.clear();
            assertTrue(s.isEmpty());
            assertFalse(s.covers(entry("/f/0/deep/x", LockType.POINT)), "clear drops the SUBTREE count too");
            s.put(entry("/g", LockType.POINT), null, null);
            assertEquals(0, s.slotOf(LockPath.parse("/g")), "usable after clear");
            assertEquals(-1, s.slotOf(LockPath.parse("/f/1")));
        }
    }

    /**
     * H5: the token arrays are allocated by the first shared grant, whatever the number of exclusive
     * entries before it, and keep every shared grant's token and time as the arrays grow and after
     * a clear.
     */
    @Test
    void sharedGrantTokensSurviveLazyAllocationAndGrowth()
    {
        final HeldSet s = new HeldSet(null);
        for (int i = 0; i < 10; i++)
        {
            s.append(entry("/x/" + i, LockType.POINT), null, null);
        }
        final int first = s.put(new LockRequest.Entry(LockPath.parse("/s/1"), LockType.POINT, io.pathlock.core.LockMode.SHARED), null, null);
        s.setSharedGrant(first, 101, 1_001);
        for (int i = 10; i < 300; i++)
        {
            s.append(entry("/x/" + i, LockType.POINT), null, null);
        }
        final int second = s.put(new LockRequest.Entry(LockPath.parse("/s/2"), LockType.SUBTREE, io.pathlock.core.LockMode.SHARED), null, null);
        s.setSharedGrant(second, 202, 2_002);
        assertEquals(101, s.token(first));
        assertEquals(202, s.token(second));
        assertEquals(1_001, s.info(first, "o").acquiredNanos());
        assertEquals(2_002, s.info(second, "o").acquiredNanos());
        s.clear();
        final int again = s.put(new LockRequest.Entry(LockPath.parse("/s/3"), LockType.POINT, io.pathlock.core.LockMode.SHARED), null, null);
        s.setSharedGrant(again, 303, 3_003);
        assertEquals(303, s.token(again));
    }

    /** H4 with deferred indexing: appended entries are found by the next lookup, and clear resets it. */
    @Test
    void appendedEntriesAreIndexedAtTheNextLookup()
    {
        final HeldSet s = new HeldSet(null);
        for (int i = 0; i < 1000; i++)
        {
            s.append(entry("/a/" + i, LockType.POINT), null, null);
            if (i % 97 == 0)
            {
                assertEquals(i, s.slotOf(LockPath.parse("/a/" + i)), "lookup between appends at " + i);
            }
        }
        for (int i = 0; i < 1000; i++)
        {
            assertEquals(i, s.slotOf(LockPath.parse("/a/" + i)));
        }
        s.put(entry("/a/5", LockType.SUBTREE), null, null);
        assertEquals(1000, s.size(), "an upgrade replaces the appended entry (H1)");
        assertEquals(1, s.subtreeCount());
        s.clear();
        s.append(entry("/b", LockType.POINT), null, null);
        assertEquals(-1, s.slotOf(LockPath.parse("/a/3")));
        assertEquals(0, s.slotOf(LockPath.parse("/b")));
    }
}

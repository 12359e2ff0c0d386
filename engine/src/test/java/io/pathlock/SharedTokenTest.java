package io.pathlock;

import io.pathlock.core.LockRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fencing tokens of shared grants (LockTable FENCING TOKENS, DESIGN §2): if grant A happens before a
 * conflicting grant B then token(A) &lt; token(B), for every pair of kinds that conflict, in both
 * directions between shared and exclusive; shared grants that overlap may share ordering.
 */
class SharedTokenTest
{
    private final LockManager m = LockManager.builder().startAgent(false).build();

    @AfterEach
    void close()
    {
        m.close();
    }

    private long grant(final LockHandle h, final LockRequest r, final String path)
    {
        h.tryAcquire(r);
        return h.fencingToken(path);
    }

    @Test
    void exclusiveAfterSeveralSharedIsAboveAllOfThem()
    {
        final LockHandle r1 = m.open("r1");
        final LockHandle r2 = m.open("r2");
        final LockHandle r3 = m.open("r3");
        // Grants on other paths in between push the epoch/point counters so that the readers'
        // tokens differ and the last to attach is not the largest.
        final long t1 = grant(r1, LockRequest.pointShared("/t"), "/t");
        final LockHandle other = m.open("o");
        for (int i = 0; i < 10; i++)
        {
            other.tryAcquire(LockRequest.subtree("/o" + i));
        }
        final long t2 = grant(r2, LockRequest.pointShared("/t"), "/t");
        final long t3 = grant(r3, LockRequest.pointShared("/t"), "/t");
        assertTrue(t2 > t1, t1 + " " + t2);
        r2.close();
        r1.close();
        r3.close();
        final LockHandle w = m.open("w");
        final long tw = grant(w, LockRequest.point("/t"), "/t");
        assertTrue(tw > Math.max(t1, Math.max(t2, t3)), "exclusive " + tw + " after shared " + t1 + "," + t2 + "," + t3);
        w.close();
        final LockHandle r4 = m.open("r4");
        final long t4 = grant(r4, LockRequest.pointShared("/t"), "/t");
        assertTrue(t4 > tw, "shared " + t4 + " after exclusive " + tw);
        r4.close();
        other.close();
    }

    @Test
    void subtreeSharedAgainstExclusiveBelowBothWays()
    {
        final LockHandle w = m.open("w");
        final long tx = grant(w, LockRequest.point("/a/b"), "/a/b");
        w.close();
        final LockHandle r = m.open("r");
        final long ts = grant(r, LockRequest.subtreeShared("/a"), "/a");
        assertTrue(ts > tx, ts + " > " + tx);
        r.close();
        final LockHandle w2 = m.open("w2");
        final long tx2 = grant(w2, LockRequest.point("/a/c"), "/a/c");
        assertTrue(tx2 > ts, tx2 + " > " + ts);
        w2.close();
        final LockHandle r2 = m.open("r2");
        final long tp = grant(r2, LockRequest.pointShared("/a"), "/a");
        r2.close();
        final LockHandle s = m.open("s");
        final long tsx = grant(s, LockRequest.subtree("/a"), "/a");
        assertTrue(tsx > tp && tsx > tx2, tsx + " > " + tp + ", " + tx2);
        s.close();
    }

    @Test
    void anUpgradeIsANewGrantAboveTheSharedOnesBeforeIt()
    {
        final LockHandle a = m.open("a");
        final LockHandle b = m.open("b");
        final long ta = grant(a, LockRequest.pointShared("/u"), "/u");
        final LockHandle other = m.open("o");
        other.tryAcquire(LockRequest.subtree("/elsewhere"));
        final long tb = grant(b, LockRequest.pointShared("/u"), "/u");
        b.close();
        final long up = grant(a, LockRequest.point("/u"), "/u");
        assertTrue(up > ta && up > tb, up + " after " + ta + ", " + tb);
        a.close();
        other.close();
    }
}

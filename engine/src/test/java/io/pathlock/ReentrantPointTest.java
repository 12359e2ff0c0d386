package io.pathlock;

import io.pathlock.core.LockBusyException;
import io.pathlock.core.LockRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One POINT asked for by a handle that holds POINT locks and no SUBTREE: the table, not the held
 * set's index, says whether the handle holds it already (it refuses it at its node with this handle
 * as the holder). Reentrancy must come out as before: granted without a new entry or token, and a
 * POINT held by another handle still refused, on both sides of the index threshold.
 */
class ReentrantPointTest
{
    private final LockManager manager = LockManager.builder().startAgent(false).build();

    @AfterEach
    void close()
    {
        manager.close();
    }

    @Test
    void heldPointIsGrantedAgainWithoutANewEntry() throws Exception
    {
        for (final int n : new int[] {1, HeldSet.INDEX_THRESHOLD, 50})
        {
            try (LockHandle h = manager.open("h"); LockHandle other = manager.open("other"))
            {
                for (int i = 0; i < n; i++)
                {
                    h.tryAcquire(LockRequest.point("/r" + n + "/f" + i));
                }
                other.tryAcquire(LockRequest.point("/r" + n + "/theirs"));
                final long token = h.fencingToken("/r" + n + "/f0");
                h.tryAcquire(LockRequest.point("/r" + n + "/f0"));
                assertTrue(h.tryLock(LockRequest.point("/r" + n + "/f" + (n - 1))));
                h.acquire(LockRequest.point("/r" + n + "/f0"));
                assertEquals(n, h.locks().size(), "no second entry for a POINT held already (n=" + n + ")");
                assertEquals(token, h.fencingToken("/r" + n + "/f0"), "no new grant");
                assertThrows(LockBusyException.class, () -> h.tryAcquire(LockRequest.point("/r" + n + "/theirs")));
                h.tryAcquire(LockRequest.point("/r" + n + "/new"));
                assertEquals(n + 1, h.locks().size());
                assertTrue(h.fencingToken("/r" + n + "/new") > 0);
            }
        }
    }
}

package io.pathlock.host.spec;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Found by {@link HostCapacitySpecTest#sweepsOfIdleNodesNeverTakeHeldOrMarkedNodes}: a short
 * depth-2 path asked after long depth-2 paths on the same thread threw
 * {@code StringIndexOutOfBoundsException} from {@code LockPath.isChildOf} (called by the lock
 * table's chain cache with the cached chain's parent), whatever the store. Reproduced here on the
 * in-memory store and on {@link LockPath} directly.
 */
class ChainCacheChildCheckSpecTest
{
    @Test
    void isChildOfAParentLongerThanThePathIsFalseNotAnException()
    {
        assertFalse(LockPath.parse("/k/p").isChildOf(LockPath.parse("/parent1")));
        assertFalse(LockPath.parse("/keep/p").isChildOf(LockPath.parse("/churn6")));
        assertTrue(LockPath.parse("/churn6/p").isChildOf(LockPath.parse("/churn6")));
    }

    @Test
    void shortPathsAfterLongOnesOnOneThreadOfTheMemoryStore()
    {
        try (LockManager m = LockManager.builder().startAgent(false).build(); LockHandle h = m.open("t"))
        {
            for (int k = 0; k < 5_000; k++)
            {
                assertTrue(h.tryLock(LockRequest.point("/long-parent-" + k + "/f")));
                h.releaseAll();
            }
            for (int k = 0; k < 500; k++)
            {
                assertTrue(h.tryLock(LockRequest.point("/" + (char)('a' + k % 26) + k + "/p")));
                h.releaseAll();
            }
        }
    }
}

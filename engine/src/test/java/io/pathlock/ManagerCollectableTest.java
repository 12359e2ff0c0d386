package io.pathlock;

import io.pathlock.core.LockRequest;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;

import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A manager that nobody refers to any more can be collected, although the threads that used it live
 * on and it still has a lock held and intent chains cached: the per-thread state keeps nothing that
 * leads back to it. (With a thread-local per manager, the thread's entry held the chain cache, whose
 * chains reach the trie, a held node's owner, its handle and the manager: the manager, and its
 * thread-local key with it, stayed reachable for the life of the thread; jcstress states that make
 * a manager each ran out of heap.)
 */
class ManagerCollectableTest
{
    private static WeakReference<LockManager> useAndDrop()
    {
        final LockManager m = LockManager.builder().startAgent(false).build();
        final LockHandle h = m.open("h");
        h.tryAcquire(LockRequest.point("/a/b"));
        h.releaseAll();
        h.tryAcquire(LockRequest.point("/a/c"));
        final LockHandle other = m.open("other");
        other.tryLock(LockRequest.point("/a/c"));
        m.snapshot();
        return new WeakReference<>(m);
    }

    @Test
    void aDroppedManagerIsCollected()
    {
        final WeakReference<LockManager> ref = useAndDrop();
        for (int i = 0; i < 100 && ref.get() != null; i++)
        {
            System.gc();
            // Allocation nudges the collector along on every collector.
            final byte[][] garbage = new byte[64][];
            for (int k = 0; k < garbage.length; k++)
            {
                garbage[k] = new byte[16 * 1024];
            }
        }
        assertNull(ref.get(), "the manager is still reachable from this thread's state");
    }
}

package io.pathlock;

import io.pathlock.core.LockBusyException;
import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.table.TrieNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Threads take random locks of the four kinds on a small tree (tryAcquire, short waits and
 * upgrades on one handle each) while a recorder checks, under its own monitor, that no lock it
 * is told about conflicts with one another owner holds (DESIGN §2: {@link LockRequest.Entry#conflictsWith}).
 * A lock is recorded after its grant and unrecorded before its release, so every overlap the
 * recorder sees is a real one. At the end the table must be quiescent (LockTable invariant 2).
 */
class SharedConcurrencyTest
{
    private static final String[] PATHS = {"/", "/a", "/a/b", "/a/c", "/a/b/d", "/e"};

    private final LockManager m = LockManager.builder().startAgent(false).build();

    @AfterEach
    void close()
    {
        m.close();
    }

    /** The recorder: every held lock with its owner. */
    private static final class Recorder
    {
        private final List<Object[]> held = new ArrayList<>();
        int overlapsAllowed;

        synchronized void add(final Object owner, final LockRequest.Entry e)
        {
            for (final Object[] h : held)
            {
                if (h[0] != owner && ((LockRequest.Entry)h[1]).conflictsWith(e))
                {
                    throw new AssertionError("granted " + e + " while another owner holds " + h[1]);
                }
                if (h[0] != owner && ((LockRequest.Entry)h[1]).path().equals(e.path()))
                {
                    overlapsAllowed++;
                }
            }
            held.add(new Object[] {owner, e});
        }

        synchronized void removeAll(final Object owner)
        {
            held.removeIf(h -> h[0] == owner);
        }
    }

    @Test
    void noConflictingLocksAreEverHeldTogether() throws Exception
    {
        final int threads = 4;
        final int rounds = 3000;
        final Recorder rec = new Recorder();
        final CyclicBarrier start = new CyclicBarrier(threads);
        final ExecutorService pool = Executors.newFixedThreadPool(threads);
        try
        {
            final List<Future<Integer>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final long seed = 42 + t;
                fs.add(pool.submit(() ->
                {
                    final SplittableRandom rnd = new SplittableRandom(seed);
                    int grants = 0;
                    try (LockHandle h = m.open("t" + seed))
                    {
                        start.await();
                        for (int i = 0; i < rounds; i++)
                        {
                            final int n = 1 + rnd.nextInt(3);
                            for (int j = 0; j < n; j++)
                            {
                                final LockRequest.Entry e = new LockRequest.Entry(LockPath.parse(PATHS[rnd.nextInt(PATHS.length)]),
                                    rnd.nextBoolean() ? LockType.POINT : LockType.SUBTREE,
                                    rnd.nextInt(3) == 0 ? LockMode.EXCLUSIVE : LockMode.SHARED);
                                final LockRequest r = LockRequest.builder().add(e.path().toString(), e.type(), e.mode()).build();
                                try
                                {
                                    if (rnd.nextInt(4) == 0)
                                    {
                                        h.acquire(r, Duration.ofMillis(2));
                                    }
                                    else
                                    {
                                        h.tryAcquire(r);
                                    }
                                }
                                catch (final LockBusyException | io.pathlock.core.LockTimeoutException busy)
                                {
                                    continue;
                                }
                                grants++;
                                for (final io.pathlock.core.HeldLock l : h.locks())
                                {
                                    rec.add(h, new LockRequest.Entry(l.path(), l.type(), l.mode()));
                                }
                                rec.removeAll(h);
                                for (final io.pathlock.core.HeldLock l : h.locks())
                                {
                                    rec.add(h, new LockRequest.Entry(l.path(), l.type(), l.mode()));
                                }
                            }
                            rec.removeAll(h);
                            h.releaseAll();
                        }
                    }
                    return grants;
                }));
            }
            int total = 0;
            for (final Future<Integer> f : fs)
            {
                total += f.get(120, TimeUnit.SECONDS);
            }
            assertTrue(total > threads * rounds / 2, "the run granted too little to mean anything: " + total);
            assertTrue(rec.overlapsAllowed > 0, "shared locks on one path were never held together");
        }
        finally
        {
            pool.shutdownNow();
        }
        m.table().revokeCachedChains();
        final TrieNode root = m.table().root();
        assertEquals(0, root.exclusiveIntentCount());
        assertEquals(0, root.sharedIntentCount());
        assertEquals(0, root.sharedHolders());
        assertEquals(null, root.heldType());
    }
}

package io.pathlock.cli;

import io.pathlock.baseline.NaiveHierarchicalLock;
import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import org.junit.jupiter.api.Test;
import uk.ac.ic.doc.slurp.multilock.MultiLock;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.Lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The baselines of {@code pathlock bench} lock what DESIGN §2 says, in both modes: java-multilocks
 * exactly (judged by the multi-granularity compatibility of the locks its plans take), the naive
 * read-write-lock map never less (judged by real locks from a second thread) and exactly for
 * exclusive locks.
 */
class BenchBaselinesTest
{
    // Standard multi-granularity compatibility (Gray et al.): IS, IX, S, X.
    private static final boolean[][] COMPATIBLE = {
        // none  IS     IX     S      X
        {true, true, true, true, true},     // none
        {true, true, true, true, false},    // IS
        {true, true, true, false, false},   // IX
        {true, true, false, true, false},   // S
        {true, false, false, false, false}, // X
    };

    private static final Workload TREE = new Workload(3, 2, 100, 0, 0, 1, 1);

    private static List<LockRequest.Entry> kinds(final LockPath p)
    {
        final List<LockRequest.Entry> out = new ArrayList<>();
        for (final LockType t : LockType.values())
        {
            for (final LockMode m : LockMode.values())
            {
                out.add(new LockRequest.Entry(p, t, m));
            }
        }
        return out;
    }

    private static List<LockPath> paths()
    {
        final List<LockPath> out = new ArrayList<>(TREE.dirs);
        out.addAll(TREE.leaves);
        return out;
    }

    private static LockRequest request(final LockRequest.Entry e)
    {
        return LockRequest.builder().add(e.path(), e.type(), e.mode()).build();
    }

    @Test
    void mergeTakesTheWeakestModeThatGrantsBoth()
    {
        final byte none = 0;
        final byte is = 1;
        final byte ix = 2;
        final byte s = 3;
        final byte x = 4;
        assertEquals(ix, BenchCommand.MultiLockContender.merge(is, ix));
        assertEquals(s, BenchCommand.MultiLockContender.merge(s, is));
        assertEquals(x, BenchCommand.MultiLockContender.merge(ix, s));
        assertEquals(x, BenchCommand.MultiLockContender.merge(s, ix));
        assertEquals(x, BenchCommand.MultiLockContender.merge(x, is));
        assertEquals(is, BenchCommand.MultiLockContender.merge(none, is));
        assertEquals(s, BenchCommand.MultiLockContender.merge(s, none));
    }

    @Test
    void multiLockPlansConflictExactlyWhereTheMatrixSays()
    {
        final BenchCommand.MultiLockContender c = new BenchCommand.MultiLockContender(TREE);
        int pairs = 0;
        for (final LockPath a : paths())
        {
            for (final LockPath b : paths())
            {
                for (final LockRequest.Entry ea : kinds(a))
                {
                    for (final LockRequest.Entry eb : kinds(b))
                    {
                        final boolean want = ea.conflictsWith(eb);
                        final boolean got = conflict(c.plan(request(ea)), c.plan(request(eb)), a, b);
                        assertEquals(want, got, ea + " vs " + eb);
                        pairs++;
                    }
                }
            }
        }
        assertTrue(pairs > 1000, "pairs " + pairs);
    }

    /** Whether two plans take incompatible modes on one lock; a POINT on a file is its tree lock. */
    private static boolean conflict(final BenchCommand.MultiLockContender.Plan x, final BenchCommand.MultiLockContender.Plan y,
        final LockPath a, final LockPath b)
    {
        final Map<MultiLock, Byte> modes = new IdentityHashMap<>();
        for (int i = 0; i < x.locks().length; i++)
        {
            modes.put(x.locks()[i], x.modes()[i]);
        }
        for (int i = 0; i < y.locks().length; i++)
        {
            final Byte other = modes.get(y.locks()[i]);
            if (other != null && !COMPATIBLE[other][y.modes()[i]])
            {
                return true;
            }
        }
        return false;
    }

    @Test
    void theNaiveMapExcludesEverythingTheMatrixSaysAndExactlyThatForExclusiveLocks() throws Exception
    {
        final ExecutorService other = Executors.newSingleThreadExecutor();
        try
        {
            for (final LockPath a : paths())
            {
                for (final LockPath b : paths())
                {
                    for (final LockRequest.Entry ea : kinds(a))
                    {
                        for (final LockRequest.Entry eb : kinds(b))
                        {
                            final NaiveHierarchicalLock naive = new NaiveHierarchicalLock();
                            final List<Lock> held = naive.lock(request(ea));
                            final Future<Boolean> granted = other.submit(() -> tryNaive(naive, request(eb)));
                            final boolean refused = !granted.get();
                            naive.unlock(held);
                            final boolean want = ea.conflictsWith(eb);
                            if (want || (!ea.isShared() && !eb.isShared()))
                            {
                                assertEquals(want, refused, ea + " vs " + eb);
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            other.shutdownNow();
        }
    }

    /** Whether the naive map grants the request now: {@link NaiveHierarchicalLock#tryLock}. */
    private static boolean tryNaive(final NaiveHierarchicalLock naive, final LockRequest r)
    {
        final List<Lock> taken = naive.tryLock(r);
        if (taken == null)
        {
            return false;
        }
        naive.unlock(taken);
        return true;
    }
}

package io.pathlock.stress.lincheck;

import io.pathlock.core.LockBusyException;
import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.table.LockTable;
import io.pathlock.table.TableProbe;
import io.pathlock.table.TrieNode;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What {@link LockManagerLincheckTest} runs: a {@link LockManager} over the in-memory store with
 * three handles on paths {@code /a}, {@code /a/b}, {@code /c}; per handle: tryAcquire POINT or
 * SUBTREE, releaseAll, and whether it holds a lock exactly on a path (its fencing token is not -1).
 * Each handle's operations run on one thread ({@code nonParallelGroup}), as a caller would use it;
 * the handles race each other. {@link LockModel} is the sequential specification.
 *
 * <p>Fencing tokens cannot be part of the sequential result (concurrent grants on unrelated paths
 * take them in any order), so each new grant checks the property of DESIGN §2 in place: its token
 * exceeds the token of every earlier grant that conflicts with it. Earlier grants record their token
 * per (path, type) before their handle can release them, and a conflicting grant can only happen
 * after that release, so the check has no false alarms. A violation is returned as a result that
 * the model never produces.
 *
 * <p>Lincheck creates one instance per invocation, through the public no-argument constructor of
 * {@link Plain} or {@link Inflated}.
 */
@Param(name = "path", gen = IntGen.class, conf = "0:2")
public abstract class LockManagerOperations
{
    static final String[] PATHS = {"/a", "/a/b", "/c"};
    static final int HANDLES = 3;
    static final String GRANTED = "granted";
    static final String BUSY = "busy";

    private static final LockType[] TYPES = {LockType.POINT, LockType.SUBTREE};

    private final LockManager manager = LockManager.builder().startAgent(false).build();
    private final LockHandle[] handles = new LockHandle[HANDLES];
    /** Highest token granted per path index and type (0 POINT, 1 SUBTREE). */
    private final AtomicLong[][] lastToken = new AtomicLong[PATHS.length][TYPES.length];

    /**
     * A fresh manager with three idle handles.
     *
     * @param inflated whether to create the nodes of every path and inflate them first, so that
     *        the explored interleavings cover the striped-cell protocol (inflation otherwise needs a
     *        lost CAS, deep in the search).
     */
    LockManagerOperations(final boolean inflated)
    {
        if (inflated)
        {
            final LockTable table = manager.table();
            for (final String p : PATHS)
            {
                final LockPath path = LockPath.parse(p);
                final TrieNode n = table.tryLock(path, LockType.POINT, 0, false, null, new LockTable.Conflict());
                table.unlock(n);
                for (TrieNode m = n; m != null; m = TableProbe.parent(m))
                {
                    TableProbe.inflate(m);
                }
            }
        }
        for (int h = 0; h < HANDLES; h++)
        {
            handles[h] = manager.open("h" + h);
        }
        for (final AtomicLong[] row : lastToken)
        {
            for (int t = 0; t < row.length; t++)
            {
                row[t] = new AtomicLong();
            }
        }
    }

    /** Plain nodes: inflation happens only if the search finds a lost CAS. */
    public static final class Plain extends LockManagerOperations
    {
        /** A fresh manager with three idle handles. */
        public Plain()
        {
            super(false);
        }
    }

    /** Every path's nodes, root included, created and inflated before the scenario starts. */
    public static final class Inflated extends LockManagerOperations
    {
        /** A fresh manager with three idle handles and inflated nodes. */
        public Inflated()
        {
            super(true);
        }
    }

    // ---- operations ---------------------------------------------------------------------------

    /** @param path index into {@link #PATHS}. @return granted, busy, or a token violation. */
    @Operation(nonParallelGroup = "h0")
    public String point0(@Param(name = "path") final int path)
    {
        return acquire(0, path, 0);
    }

    /** @param path index into {@link #PATHS}. @return granted, busy, or a token violation. */
    @Operation(nonParallelGroup = "h0")
    public String subtree0(@Param(name = "path") final int path)
    {
        return acquire(0, path, 1);
    }

    /** Releases every lock of handle 0. */
    @Operation(nonParallelGroup = "h0")
    public void release0()
    {
        handles[0].releaseAll();
    }

    /** @param path index into {@link #PATHS}. @return whether handle 0 holds a lock exactly there. */
    @Operation(nonParallelGroup = "h0")
    public boolean holds0(@Param(name = "path") final int path)
    {
        return handles[0].fencingToken(PATHS[path]) != -1;
    }

    /** @param path index into {@link #PATHS}. @return granted, busy, or a token violation. */
    @Operation(nonParallelGroup = "h1")
    public String point1(@Param(name = "path") final int path)
    {
        return acquire(1, path, 0);
    }

    /** @param path index into {@link #PATHS}. @return granted, busy, or a token violation. */
    @Operation(nonParallelGroup = "h1")
    public String subtree1(@Param(name = "path") final int path)
    {
        return acquire(1, path, 1);
    }

    /** Releases every lock of handle 1. */
    @Operation(nonParallelGroup = "h1")
    public void release1()
    {
        handles[1].releaseAll();
    }

    /** @param path index into {@link #PATHS}. @return whether handle 1 holds a lock exactly there. */
    @Operation(nonParallelGroup = "h1")
    public boolean holds1(@Param(name = "path") final int path)
    {
        return handles[1].fencingToken(PATHS[path]) != -1;
    }

    /** @param path index into {@link #PATHS}. @return granted, busy, or a token violation. */
    @Operation(nonParallelGroup = "h2")
    public String point2(@Param(name = "path") final int path)
    {
        return acquire(2, path, 0);
    }

    /** @param path index into {@link #PATHS}. @return granted, busy, or a token violation. */
    @Operation(nonParallelGroup = "h2")
    public String subtree2(@Param(name = "path") final int path)
    {
        return acquire(2, path, 1);
    }

    /** Releases every lock of handle 2. */
    @Operation(nonParallelGroup = "h2")
    public void release2()
    {
        handles[2].releaseAll();
    }

    /** @param path index into {@link #PATHS}. @return whether handle 2 holds a lock exactly there. */
    @Operation(nonParallelGroup = "h2")
    public boolean holds2(@Param(name = "path") final int path)
    {
        return handles[2].fencingToken(PATHS[path]) != -1;
    }

    private String acquire(final int handle, final int pathIndex, final int typeIndex)
    {
        final LockHandle h = handles[handle];
        final String path = PATHS[pathIndex];
        final LockType type = TYPES[typeIndex];
        final long before = h.fencingToken(path);
        try
        {
            h.tryAcquire(LockRequest.builder().add(path, type).build());
        }
        catch (final LockBusyException e)
        {
            return BUSY;
        }
        final long token = h.fencingToken(path);
        if (token == -1 || token == before)
        {
            return GRANTED; // covered by a lock the handle already held: no new grant
        }
        for (int p = 0; p < PATHS.length; p++)
        {
            for (int t = 0; t < TYPES.length; t++)
            {
                final long earlier = lastToken[p][t].get();
                if (earlier >= token && LockModel.conflicts(PATHS[p], TYPES[t].code(), path, type.code()))
                {
                    return "token " + token + " for " + type + " " + path + " not above " + earlier
                        + " of an earlier conflicting " + TYPES[t] + " " + PATHS[p];
                }
            }
        }
        lastToken[pathIndex][typeIndex].accumulateAndGet(token, Math::max);
        return GRANTED;
    }
}

package io.pathlock.stress.lincheck;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.HeldLock;
import io.pathlock.core.LockBusyException;
import io.pathlock.core.LockMode;
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
 * What {@link SharedLockManagerLincheckTest} runs: a {@link LockManager} over the in-memory store with
 * three handles on paths {@code /a}, {@code /a/b}, {@code /c}; per handle: tryAcquire of any of the
 * four lock kinds (POINT or SUBTREE, SHARED or EXCLUSIVE), releaseAll, and which kind it holds
 * exactly on a path. Each handle's operations run on one thread ({@code nonParallelGroup}); the
 * handles race each other. {@link SharedLockModel} is the sequential specification.
 *
 * <p>Fencing is checked in place, as {@link LockManagerOperations} does, with the shared rule: a
 * new grant's token must exceed the token of every earlier grant of <em>another</em> handle whose
 * lock conflicts with it by the matrix (shared grants that do not conflict may share tokens).
 * Every grant records its token per (handle, path, kind) before its handle can release it, and a
 * conflicting grant of another handle can only happen after that release, so the check has no
 * false alarms. A grant is new when the handle's lock on the path changed kind or token (an
 * upgrade is new even if the engine kept the token: then the check judges the kept token). A
 * violation is returned as a result that the model never produces.
 *
 * <p>Lincheck creates one instance per invocation, through the public no-argument constructor of
 * {@link Plain} or {@link Inflated}.
 */
@Param(name = "path", gen = IntGen.class, conf = "0:2")
@Param(name = "kind", gen = IntGen.class, conf = "0:3")
public abstract class SharedLockManagerOperations
{
    static final String[] PATHS = {"/a", "/a/b", "/c"};
    static final int HANDLES = 3;
    static final String GRANTED = "granted";
    static final String BUSY = "busy";

    private static final LockType[] TYPES = {LockType.POINT, LockType.POINT, LockType.SUBTREE, LockType.SUBTREE};
    private static final LockMode[] MODES = {LockMode.SHARED, LockMode.EXCLUSIVE, LockMode.SHARED, LockMode.EXCLUSIVE};

    private final LockManager manager = LockManager.builder().startAgent(false).build();
    private final LockHandle[] handles = new LockHandle[HANDLES];
    /** Highest token granted per handle, path index and kind index. */
    private final AtomicLong[][][] lastToken = new AtomicLong[HANDLES][PATHS.length][TYPES.length];

    SharedLockManagerOperations(final boolean inflated)
    {
        if (inflated)
        {
            final LockTable table = manager.table();
            for (final String p : PATHS)
            {
                final TrieNode n = table.tryLock(LockPath.parse(p), LockType.POINT, 0, false, null, new LockTable.Conflict());
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
            for (final AtomicLong[] row : lastToken[h])
            {
                for (int k = 0; k < row.length; k++)
                {
                    row[k] = new AtomicLong();
                }
            }
        }
    }

    /** Plain nodes. */
    public static final class Plain extends SharedLockManagerOperations
    {
        /** A fresh manager with three idle handles. */
        public Plain()
        {
            super(false);
        }
    }

    /** Every path's nodes, root included, created and inflated before the scenario starts. */
    public static final class Inflated extends SharedLockManagerOperations
    {
        /** A fresh manager with three idle handles and inflated nodes. */
        public Inflated()
        {
            super(true);
        }
    }

    // ---- operations ---------------------------------------------------------------------------

    /** @param path index into {@link #PATHS}. @param kind 0 PS, 1 PX, 2 SS, 3 SX. @return granted, busy, or a token violation. */
    @Operation(nonParallelGroup = "h0")
    public String acquire0(@Param(name = "path") final int path, @Param(name = "kind") final int kind)
    {
        return acquire(0, path, kind);
    }

    /** Releases every lock of handle 0. */
    @Operation(nonParallelGroup = "h0")
    public void release0()
    {
        handles[0].releaseAll();
    }

    /** @param path index into {@link #PATHS}. @return the kind handle 0 holds exactly there, or none. */
    @Operation(nonParallelGroup = "h0")
    public String holds0(@Param(name = "path") final int path)
    {
        return holds(0, path);
    }

    /** @param path index into {@link #PATHS}. @param kind 0 PS, 1 PX, 2 SS, 3 SX. @return granted, busy, or a token violation. */
    @Operation(nonParallelGroup = "h1")
    public String acquire1(@Param(name = "path") final int path, @Param(name = "kind") final int kind)
    {
        return acquire(1, path, kind);
    }

    /** Releases every lock of handle 1. */
    @Operation(nonParallelGroup = "h1")
    public void release1()
    {
        handles[1].releaseAll();
    }

    /** @param path index into {@link #PATHS}. @return the kind handle 1 holds exactly there, or none. */
    @Operation(nonParallelGroup = "h1")
    public String holds1(@Param(name = "path") final int path)
    {
        return holds(1, path);
    }

    /** @param path index into {@link #PATHS}. @param kind 0 PS, 1 PX, 2 SS, 3 SX. @return granted, busy, or a token violation. */
    @Operation(nonParallelGroup = "h2")
    public String acquire2(@Param(name = "path") final int path, @Param(name = "kind") final int kind)
    {
        return acquire(2, path, kind);
    }

    /** Releases every lock of handle 2. */
    @Operation(nonParallelGroup = "h2")
    public void release2()
    {
        handles[2].releaseAll();
    }

    /** @param path index into {@link #PATHS}. @return the kind handle 2 holds exactly there, or none. */
    @Operation(nonParallelGroup = "h2")
    public String holds2(@Param(name = "path") final int path)
    {
        return holds(2, path);
    }

    // ---- the harness ----------------------------------------------------------------------------

    private String holds(final int handle, final int pathIndex)
    {
        final int k = heldKind(handles[handle], PATHS[pathIndex]);
        return k < 0 ? SharedLockModel.NONE : SharedLockModel.KIND_NAMES[k];
    }

    /** The kind index of the lock the handle holds exactly on {@code path}, or -1. */
    private static int heldKind(final LockHandle h, final String path)
    {
        for (final HeldLock l : h.locks())
        {
            if (l.path().toString().equals(path))
            {
                return (l.type() == LockType.SUBTREE ? 2 : 0) + (l.mode() == LockMode.EXCLUSIVE ? 1 : 0);
            }
        }
        return -1;
    }

    private String acquire(final int handle, final int pathIndex, final int kind)
    {
        final LockHandle h = handles[handle];
        final String path = PATHS[pathIndex];
        final long tokenBefore = h.fencingToken(path);
        final int kindBefore = heldKind(h, path);
        try
        {
            h.tryAcquire(LockRequest.builder().add(path, TYPES[kind], MODES[kind]).build());
        }
        catch (final LockBusyException e)
        {
            return BUSY;
        }
        final long token = h.fencingToken(path);
        final int kindNow = heldKind(h, path);
        if (token == -1 || kindNow < 0 || token == tokenBefore && kindNow == kindBefore)
        {
            return GRANTED; // covered by a lock the handle already held: no new grant
        }
        for (int o = 0; o < HANDLES; o++)
        {
            if (o == handle)
            {
                continue;
            }
            for (int p = 0; p < PATHS.length; p++)
            {
                for (int k = 0; k < TYPES.length; k++)
                {
                    final long earlier = lastToken[o][p][k].get();
                    if (earlier != 0 && earlier >= token && SharedLockModel.conflicts(PATHS[p], k, path, kindNow))
                    {
                        return "token " + token + " for " + SharedLockModel.KIND_NAMES[kindNow] + " " + path
                            + " of h" + handle + " not above " + earlier + " of an earlier conflicting "
                            + SharedLockModel.KIND_NAMES[k] + " " + PATHS[p] + " of h" + o;
                    }
                }
            }
        }
        lastToken[handle][pathIndex][kindNow].accumulateAndGet(token, Math::max);
        return GRANTED;
    }
}

package io.pathlock.stress.lincheck;

import java.util.HashMap;
import java.util.Map;

/**
 * The sequential specification of the facade with shared locks, for
 * {@link SharedLockManagerLincheckTest}: docs/design.md "Shared locks: the conflict matrix" as a map
 * from handle to the locks it holds (path to kind). Written from the design notes, not from the
 * engine, and independent of {@code LockType.conflictsWith}.
 *
 * <ul>
 *   <li>Kinds, by index: 0 POINT-SHARED, 1 POINT-EXCLUSIVE, 2 SUBTREE-SHARED, 3 SUBTREE-EXCLUSIVE.</li>
 *   <li>Two locks meet on the same path, or where one is a SUBTREE on a strict ancestor of the
 *       other's path; locks that meet conflict unless both are shared. Locks of one handle never
 *       conflict.</li>
 *   <li>Reentrancy: a request covered by a lock of the handle (the lock reaches the path with at
 *       least the request's type there and at least its mode) is granted with no change.</li>
 *   <li>One lock per path per handle: a request not covered on a path where the handle holds a
 *       lock, if granted, leaves the stronger type and the stronger mode of the two (so an upgrade
 *       shared → exclusive is in place, and nothing is ever downgraded). A refused request changes
 *       nothing: an upgrade that is refused keeps the shared lock.</li>
 *   <li>{@code tryAcquire} is all-or-nothing and refuses only for a conflict with another handle.</li>
 * </ul>
 *
 * <p>Operation names and parameters mirror {@link SharedLockManagerOperations}.
 */
public final class SharedLockModel
{
    static final String[] KIND_NAMES = {"PS", "PX", "SS", "SX"};
    static final String NONE = "none";

    private final Map<Integer, Map<String, Integer>> held = new HashMap<>();

    /** Creates a model with nothing held. */
    public SharedLockModel()
    {
        for (int h = 0; h < SharedLockManagerOperations.HANDLES; h++)
        {
            held.put(h, new HashMap<>());
        }
    }

    // ---- operations, one set per handle (see SharedLockManagerOperations) ---------------------

    /** @param path index into the path set. @param kind kind index. @return the result. */
    public String acquire0(final int path, final int kind)
    {
        return acquire(0, path, kind);
    }

    /** Releases everything of handle 0. */
    public void release0()
    {
        held.get(0).clear();
    }

    /** @param path index into the path set. @return the kind handle 0 holds exactly there, or none. */
    public String holds0(final int path)
    {
        return holds(0, path);
    }

    /** @param path index into the path set. @param kind kind index. @return the result. */
    public String acquire1(final int path, final int kind)
    {
        return acquire(1, path, kind);
    }

    /** Releases everything of handle 1. */
    public void release1()
    {
        held.get(1).clear();
    }

    /** @param path index into the path set. @return the kind handle 1 holds exactly there, or none. */
    public String holds1(final int path)
    {
        return holds(1, path);
    }

    /** @param path index into the path set. @param kind kind index. @return the result. */
    public String acquire2(final int path, final int kind)
    {
        return acquire(2, path, kind);
    }

    /** Releases everything of handle 2. */
    public void release2()
    {
        held.get(2).clear();
    }

    /** @param path index into the path set. @return the kind handle 2 holds exactly there, or none. */
    public String holds2(final int path)
    {
        return holds(2, path);
    }

    // ---- the model ------------------------------------------------------------------------------

    private String holds(final int handle, final int pathIndex)
    {
        final Integer k = held.get(handle).get(SharedLockManagerOperations.PATHS[pathIndex]);
        return k == null ? NONE : KIND_NAMES[k];
    }

    private String acquire(final int handle, final int pathIndex, final int kind)
    {
        final String path = SharedLockManagerOperations.PATHS[pathIndex];
        final Map<String, Integer> mine = held.get(handle);
        for (final Map.Entry<String, Integer> e : mine.entrySet())
        {
            if (covers(e.getKey(), e.getValue(), path, kind))
            {
                return SharedLockManagerOperations.GRANTED;
            }
        }
        for (final Map.Entry<Integer, Map<String, Integer>> other : held.entrySet())
        {
            if (other.getKey() == handle)
            {
                continue;
            }
            for (final Map.Entry<String, Integer> e : other.getValue().entrySet())
            {
                if (conflicts(e.getKey(), e.getValue(), path, kind))
                {
                    return SharedLockManagerOperations.BUSY;
                }
            }
        }
        mine.merge(path, kind, (a, b) -> kind(isSubtree(a) || isSubtree(b), !isShared(a) || !isShared(b)));
        return SharedLockManagerOperations.GRANTED;
    }

    static boolean isSubtree(final int kind)
    {
        return kind >= 2;
    }

    static boolean isShared(final int kind)
    {
        return kind % 2 == 0;
    }

    private static int kind(final boolean subtree, final boolean exclusive)
    {
        return (subtree ? 2 : 0) + (exclusive ? 1 : 0);
    }

    /** Whether a lock of kind {@code heldKind} on {@code heldPath} already grants the request. */
    static boolean covers(final String heldPath, final int heldKind, final String path, final int kind)
    {
        if (isShared(heldKind) && !isShared(kind))
        {
            return false;
        }
        if (isSubtree(heldKind))
        {
            return isAncestorOrSelf(heldPath, path);
        }
        return !isSubtree(kind) && heldPath.equals(path);
    }

    /** The matrix: the two locks meet, and they are not both shared. */
    static boolean conflicts(final String heldPath, final int heldKind, final String path, final int kind)
    {
        final boolean meet = heldPath.equals(path)
            || isSubtree(heldKind) && isAncestorOrSelf(heldPath, path)
            || isSubtree(kind) && isAncestorOrSelf(path, heldPath);
        return meet && !(isShared(heldKind) && isShared(kind));
    }

    private static boolean isAncestorOrSelf(final String ancestor, final String path)
    {
        if (ancestor.equals("/") || ancestor.equals(path))
        {
            return true;
        }
        return path.startsWith(ancestor) && path.length() > ancestor.length() && path.charAt(ancestor.length()) == '/';
    }
}

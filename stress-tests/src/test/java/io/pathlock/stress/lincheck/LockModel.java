package io.pathlock.stress.lincheck;

import java.util.HashMap;
import java.util.Map;

/**
 * The sequential specification of the facade for the Lincheck test: DESIGN §2 as a map from handle
 * to the locks it holds, path to type. Written from the design, not from the engine.
 *
 * <ul>
 *   <li>Conflict: same path; or SUBTREE held on a strict ancestor of the requested path; or a
 *       requested SUBTREE on a strict ancestor of a held path. Locks of the same handle never
 *       conflict.</li>
 *   <li>Reentrancy: a request already covered (same POINT, or at/below an own SUBTREE) is granted
 *       without a new grant; SUBTREE where the handle holds POINT upgrades in place.</li>
 *   <li>{@code tryAcquire} is all-or-nothing and refuses only for a conflict with another handle.</li>
 * </ul>
 *
 * <p>Operation names and parameters mirror {@link LockManagerOperations}.
 */
public final class LockModel
{
    private static final char POINT = 'P';
    private static final char SUBTREE = 'S';

    private final Map<Integer, Map<String, Character>> held = new HashMap<>();

    /** Creates a model with nothing held. */
    public LockModel()
    {
        for (int h = 0; h < LockManagerOperations.HANDLES; h++)
        {
            held.put(h, new HashMap<>());
        }
    }

    // ---- operations, one set per handle (see LockManagerOperations) ---------------------------

    /** @param path index into the path set. @return the result. */
    public String point0(final int path)
    {
        return acquire(0, path, POINT);
    }

    /** @param path index into the path set. @return the result. */
    public String subtree0(final int path)
    {
        return acquire(0, path, SUBTREE);
    }

    /** Releases everything of handle 0. */
    public void release0()
    {
        held.get(0).clear();
    }

    /** @param path index into the path set. @return whether handle 0 holds a lock exactly there. */
    public boolean holds0(final int path)
    {
        return held.get(0).containsKey(LockManagerOperations.PATHS[path]);
    }

    /** @param path index into the path set. @return the result. */
    public String point1(final int path)
    {
        return acquire(1, path, POINT);
    }

    /** @param path index into the path set. @return the result. */
    public String subtree1(final int path)
    {
        return acquire(1, path, SUBTREE);
    }

    /** Releases everything of handle 1. */
    public void release1()
    {
        held.get(1).clear();
    }

    /** @param path index into the path set. @return whether handle 1 holds a lock exactly there. */
    public boolean holds1(final int path)
    {
        return held.get(1).containsKey(LockManagerOperations.PATHS[path]);
    }

    /** @param path index into the path set. @return the result. */
    public String point2(final int path)
    {
        return acquire(2, path, POINT);
    }

    /** @param path index into the path set. @return the result. */
    public String subtree2(final int path)
    {
        return acquire(2, path, SUBTREE);
    }

    /** Releases everything of handle 2. */
    public void release2()
    {
        held.get(2).clear();
    }

    /** @param path index into the path set. @return whether handle 2 holds a lock exactly there. */
    public boolean holds2(final int path)
    {
        return held.get(2).containsKey(LockManagerOperations.PATHS[path]);
    }

    // ---- the model ------------------------------------------------------------------------------

    private String acquire(final int handle, final int pathIndex, final char type)
    {
        final String path = LockManagerOperations.PATHS[pathIndex];
        final Map<String, Character> mine = held.get(handle);
        for (final Map.Entry<String, Character> e : mine.entrySet())
        {
            if (e.getValue() == SUBTREE ? isAncestorOrSelf(e.getKey(), path) : type == POINT && e.getKey().equals(path))
            {
                return LockManagerOperations.GRANTED;
            }
        }
        for (final Map.Entry<Integer, Map<String, Character>> other : held.entrySet())
        {
            if (other.getKey() == handle)
            {
                continue;
            }
            for (final Map.Entry<String, Character> e : other.getValue().entrySet())
            {
                if (conflicts(e.getKey(), e.getValue(), path, type))
                {
                    return LockManagerOperations.BUSY;
                }
            }
        }
        mine.put(path, type);
        return LockManagerOperations.GRANTED;
    }

    static boolean conflicts(final String heldPath, final char heldType, final String path, final char type)
    {
        if (heldPath.equals(path))
        {
            return true;
        }
        if (heldType == SUBTREE && isAncestorOrSelf(heldPath, path))
        {
            return true;
        }
        return type == SUBTREE && isAncestorOrSelf(path, heldPath);
    }

    private static boolean isAncestorOrSelf(final String ancestor, final String path)
    {
        if (ancestor.equals("/") || ancestor.equals(path))
        {
            return true;
        }
        return path.startsWith(ancestor) && path.charAt(ancestor.length()) == '/';
    }
}

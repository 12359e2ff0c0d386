package io.pathlock.host.spec;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockType;

/**
 * The conflict matrix of DESIGN §2 written out by hand on plain strings (no engine code): two locks
 * meet on the same path, or where one is a SUBTREE on a strict ancestor of the other; locks that
 * meet conflict unless both are shared.
 */
final class SpecMatrix
{
    private SpecMatrix()
    {
    }

    /** Whether {@code a} is a strict ancestor of {@code b} (both normalised absolute paths). */
    static boolean strictAncestor(final String a, final String b)
    {
        if (a.equals(b))
        {
            return false;
        }
        if (a.equals("/"))
        {
            return true;
        }
        return b.startsWith(a + "/");
    }

    /** Whether two locks of different owners conflict. */
    static boolean conflicts(final String heldPath, final LockType heldType, final LockMode heldMode,
        final String reqPath, final LockType reqType, final LockMode reqMode)
    {
        final boolean meet;
        if (heldPath.equals(reqPath))
        {
            meet = true;
        }
        else if (strictAncestor(heldPath, reqPath))
        {
            meet = heldType == LockType.SUBTREE;
        }
        else if (strictAncestor(reqPath, heldPath))
        {
            meet = reqType == LockType.SUBTREE;
        }
        else
        {
            meet = false;
        }
        return meet && !(heldMode == LockMode.SHARED && reqMode == LockMode.SHARED);
    }
}

package io.pathlock;

import io.pathlock.core.LockRequest;

import java.util.ArrayList;
import java.util.List;

/**
 * The waiting upgrades of one manager, to refuse the one wait that would close an upgrade deadlock
 * (DESIGN §2, {@link io.pathlock.core.LockUpgradeException}).
 *
 * <p>An upgrade wait is a waiting request of a handle that asks for an exclusive lock across one
 * of its own shared locks (the exclusive entry meets the shared one: same path, or one is a SUBTREE
 * on an ancestor of the other). Upgrade {@code u} waits for upgrade {@code v} when a shared lock
 * {@code v} holds meets an exclusive entry {@code u} asks for: {@code u} cannot be granted while
 * {@code v} holds it, and {@code v}, waiting itself, does not release it. A cycle of such edges is a
 * deadlock that no release can end, so the upgrade whose entry would close a cycle is refused at
 * once (U1); the check and the entry happen under this object's monitor, so of the upgraders of one
 * cycle exactly one (the last to enter) is refused (U2), and the others wait until it releases
 * its shared lock. Edges are judged on the entries alone (conservative: an upgrade may be refused
 * for a cycle that its holders' other releases would have broken, never the reverse).
 *
 * <p>Thread-safety: all methods synchronise on this object; waits are rare and few.
 */
final class UpgradeWaits
{
    /** One waiting upgrade: who, what exclusive entries it asks for, what shared locks it holds. */
    static final class Wait
    {
        final Object handle;
        final String ownerId;
        final List<LockRequest.Entry> exclusive;
        final List<LockRequest.Entry> sharedHeld;

        Wait(final Object handle, final String ownerId, final List<LockRequest.Entry> exclusive,
            final List<LockRequest.Entry> sharedHeld)
        {
            this.handle = handle;
            this.ownerId = ownerId;
            this.exclusive = exclusive;
            this.sharedHeld = sharedHeld;
        }
    }

    private final ArrayList<Wait> waits = new ArrayList<>();

    /**
     * Enters a wait unless it would close a cycle of upgrade waits.
     *
     * @param w the wait.
     * @return null if entered; else the owner id of an upgrader of the cycle (w is not entered).
     */
    synchronized String enter(final Wait w)
    {
        final ArrayList<Wait> frontier = new ArrayList<>();
        final ArrayList<Wait> seen = new ArrayList<>();
        for (final Wait v : waits)
        {
            if (waitsFor(w, v))
            {
                frontier.add(v);
                seen.add(v);
            }
        }
        while (!frontier.isEmpty())
        {
            final Wait v = frontier.remove(frontier.size() - 1);
            if (waitsFor(v, w))
            {
                return v.ownerId;
            }
            for (final Wait x : waits)
            {
                if (!seen.contains(x) && waitsFor(v, x))
                {
                    seen.add(x);
                    frontier.add(x);
                }
            }
        }
        waits.add(w);
        return null;
    }

    /**
     * Leaves a wait (no-op if it was not entered).
     *
     * @param w the wait.
     */
    synchronized void exit(final Wait w)
    {
        waits.remove(w);
    }

    /** Number of waits entered (for tests). */
    synchronized int size()
    {
        return waits.size();
    }

    /** Whether {@code u} cannot be granted while {@code v} holds its shared locks. */
    private static boolean waitsFor(final Wait u, final Wait v)
    {
        if (u.handle == v.handle)
        {
            return false;
        }
        for (final LockRequest.Entry x : u.exclusive)
        {
            for (final LockRequest.Entry s : v.sharedHeld)
            {
                if (x.conflictsWith(s))
                {
                    return true;
                }
            }
        }
        return false;
    }
}

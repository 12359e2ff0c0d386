package io.pathlock.host;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pending marks a {@link HostLockStore} keeps in the host table for its waiting owners, so that
 * other sessions' new requests that would starve them are refused (the anti-starvation rule of the
 * in-process table, across processes).
 *
 * <p>The table keeps marks per session ({@link HostSession#markPending}, {@link HostSession#clearMarks}),
 * a store has one session and many owners (handles). This class keeps, per owner, the blocker of its
 * current wait:
 * <ol>
 *   <li><b>HM1 — one mark per waiting owner.</b> An owner that waits on a table blocker has exactly
 *   that blocker marked; a wait on a new blocker replaces its old one.</li>
 *   <li><b>HM2 — an ended wait marks nothing.</b> When the owner's wait ends (granted, timed out,
 *   interrupted, cancelled, failed: {@code LockStore#waitEnded}) or the owner is granted, its mark
 *   is removed. Because the table can only clear all of a session's marks, removing or replacing one
 *   mark clears them all and places the remaining owners' again; in that short window other sessions
 *   may overtake a waiter once, which costs fairness, never exclusion.</li>
 * </ol>
 * Two acquisitions of one handle waiting at once (an unusual use) share the owner's mark: the end of
 * either removes it, and the other's next wait places it again.
 *
 * <p>Thread-safety: thread-safe; changes are serialised on this object, the check on the grant path
 * ({@link #clear}) reads a concurrent map without locking when the owner has no mark.
 */
final class HostStoreMarks
{
    private final HostSession session;
    private final Map<String, HostSession.Blocker> byOwner = new ConcurrentHashMap<>();

    HostStoreMarks(final HostSession session)
    {
        this.session = session;
    }

    /** HM1: marks {@code blocker} for {@code ownerId}, replacing the owner's earlier mark. */
    void mark(final String ownerId, final HostSession.Blocker blocker)
    {
        synchronized (this)
        {
            final HostSession.Blocker old = byOwner.put(ownerId, blocker);
            if (old == null)
            {
                session.markPending(blocker);
            }
            else if (!old.equals(blocker))
            {
                rebuild();
            }
        }
    }

    /** HM2: removes the owner's mark, if any. Cheap when it has none. */
    void clear(final String ownerId)
    {
        if (!byOwner.containsKey(ownerId))
        {
            return;
        }
        synchronized (this)
        {
            if (byOwner.remove(ownerId) != null)
            {
                rebuild();
            }
        }
    }

    /** Drops every mark (closing). */
    synchronized void clearAll()
    {
        if (!byOwner.isEmpty())
        {
            byOwner.clear();
            session.clearMarks();
        }
    }

    /**
     * How many owners have a mark now.
     *
     * @return the count.
     */
    int size()
    {
        return byOwner.size();
    }

    private void rebuild()
    {
        session.clearMarks();
        for (final HostSession.Blocker b : byOwner.values())
        {
            session.markPending(b);
        }
    }
}

package io.pathlock.host;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pending marks a {@link HostLockStore} keeps in the host table for its waiting owners, so that
 * other sessions' new requests that would starve them are refused (the anti-starvation rule of the
 * in-process table, across processes).
 *
 * <p>The table keeps marks per session ({@link HostSession#markPending}, {@link HostSession#clearMark},
 * {@link HostSession#clearMarks}); a store has one session and many owners (handles). This class
 * keeps, per owner, the mark of its current wait:
 * <ol>
 *   <li><b>HM1 — one mark per waiting owner.</b> An owner waiting on a table blocker that needs a
 *   mark has exactly that mark placed. A retry refused at the same place (same node, generation and
 *   kind: {@link HostSession#markKey}) places nothing new, so a long wait does not pile up marks; a
 *   wait that needs another mark removes the old one and places the new one; a wait on a table
 *   refusal that needs no mark (refused at a raise by another session's mark, or by a hold that
 *   places none) removes the old one. So an owner's mark stands only on the node where its table
 *   wait is refused now: a mark kept where its owner no longer waits makes the owner a holder of the
 *   mark, which the table's exemption rules do not know. Two batch waiters of two sessions then wait
 *   for each other for ever: Y {@code [POINT /a/y, SUBTREE /e]} marks /e, W {@code [SUBTREE /a,
 *   POINT /e/x]} marks /a; once the holders are gone W passes /a through its own mark and is refused
 *   at /e by Y's, Y is refused at /a by W's (host-spec finding 7, {@code HostMarkPlaceTest}).</li>
 *   <li><b>HM2 — an ended wait marks nothing.</b> When the owner's wait ends (granted, timed out,
 *   interrupted, cancelled, failed: {@code LockStore#waitEnded}) or the owner is granted, its mark
 *   is removed, and only its own: two owners waiting on one node hold one mark each.</li>
 * </ol>
 * Two acquisitions of one handle waiting at once (an unusual use) share the owner's mark.
 *
 * <p>Thread-safety: thread-safe; changes are serialised on this object; the check on the grant path
 * ({@link #clear}) reads a concurrent map without locking.
 */
final class HostStoreMarks
{
    private record Mark(String key, HostSession.Blocker blocker)
    {
    }

    private final HostSession session;
    private final Map<String, Mark> byOwner = new ConcurrentHashMap<>();

    HostStoreMarks(final HostSession session)
    {
        this.session = session;
    }

    /** HM1: marks {@code blocker} for {@code ownerId}, replacing the owner's earlier mark. */
    void mark(final String ownerId, final HostSession.Blocker blocker)
    {
        final String key = HostSession.markKey(blocker);
        if (key == null)
        {
            // HM1: a wait that needs no mark keeps none (the old one would stand where it no longer waits)
            clear(ownerId);
            return;
        }
        if (sameKey(byOwner.get(ownerId), key))
        {
            return;
        }
        synchronized (this)
        {
            final Mark old = byOwner.get(ownerId);
            if (sameKey(old, key))
            {
                return;
            }
            if (old != null)
            {
                session.clearMark(old.blocker());
            }
            byOwner.put(ownerId, new Mark(key, blocker));
            session.markPending(blocker);
        }
    }

    private static boolean sameKey(final Mark m, final String key)
    {
        return m != null && m.key().equals(key);
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
            final Mark m = byOwner.remove(ownerId);
            if (m != null)
            {
                session.clearMark(m.blocker());
            }
        }
    }

    /**
     * The blocker of the owner's mark, or null when it has none (the table exempts the owner from
     * other sessions' marks where its own stands: {@link HostSession#tryAcquire(java.util.List, boolean,
     * HostSession.Blocker)}).
     *
     * @param ownerId the owner.
     * @return its mark's blocker, or null.
     */
    HostSession.Blocker markOf(final String ownerId)
    {
        final Mark m = byOwner.get(ownerId);
        return m == null ? null : m.blocker();
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
}

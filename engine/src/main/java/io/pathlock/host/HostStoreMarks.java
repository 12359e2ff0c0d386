package io.pathlock.host;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pending marks a {@link HostLockStore} keeps in the host table for its waiting owners, so that
 * other sessions' new requests that would starve them are refused (the anti-starvation rule of the
 * in-process table, across processes).
 *
 * <p>The table keeps marks per session: {@link HostSession#markPending} (idempotent per blocker
 * object) and {@link HostSession#clearMarks} (all of the session's at once). A store has one session
 * and many owners (handles). This class keeps, per owner, the mark of its current wait:
 * <ol>
 *   <li><b>HM1 — one mark per waiting owner.</b> An owner waiting on a table blocker that needs a
 *   mark has exactly that mark placed (node, generation and kind: a retry refused at the same place
 *   places nothing new, so a long wait does not pile up marks). A wait that needs another mark
 *   replaces it.</li>
 *   <li><b>HM2 — an ended wait marks nothing.</b> When the owner's wait ends (granted, timed out,
 *   interrupted, cancelled, failed: {@code LockStore#waitEnded}) or the owner is granted, its mark
 *   goes. The table can only clear all of a session's marks, so removing or replacing one mark
 *   clears them all and forgets every owner's: each other waiting owner places its mark again at
 *   its next wait, which follows within one wait slice ({@link HostLockStore}) or poll interval
 *   ({@link HostStoreWaiter}). In that window other sessions may overtake a waiter, which costs
 *   fairness, never exclusion.</li>
 * </ol>
 * Two acquisitions of one handle waiting at once (an unusual use) share the owner's mark.
 *
 * <p>Thread-safety: thread-safe; changes are serialised on this object; the check on the grant path
 * ({@link #clear}) reads a concurrent map without locking when the owner has no mark.
 */
final class HostStoreMarks
{
    private final HostSession session;
    private final Map<String, String> byOwner = new ConcurrentHashMap<>();

    HostStoreMarks(final HostSession session)
    {
        this.session = session;
    }

    /** HM1: marks {@code blocker} for {@code ownerId}, replacing the owner's earlier mark. */
    void mark(final String ownerId, final HostSession.Blocker blocker)
    {
        final String key = HostSession.markKey(blocker);
        if (key == null || key.equals(byOwner.get(ownerId)))
        {
            return;
        }
        synchronized (this)
        {
            final String old = byOwner.get(ownerId);
            if (key.equals(old))
            {
                return;
            }
            if (old != null)
            {
                clearAllLocked();
            }
            byOwner.put(ownerId, key);
            session.markPending(blocker);
        }
    }

    /** HM2: removes the owner's mark, if any (and, with it, every mark of the session). Cheap when it has none. */
    void clear(final String ownerId)
    {
        if (!byOwner.containsKey(ownerId))
        {
            return;
        }
        synchronized (this)
        {
            if (byOwner.containsKey(ownerId))
            {
                clearAllLocked();
            }
        }
    }

    /** Drops every mark (closing). */
    synchronized void clearAll()
    {
        if (!byOwner.isEmpty())
        {
            clearAllLocked();
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

    private void clearAllLocked()
    {
        byOwner.clear();
        session.clearMarks();
    }
}

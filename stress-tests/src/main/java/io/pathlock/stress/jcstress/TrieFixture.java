package io.pathlock.stress.jcstress;

import io.pathlock.core.LockPath;
import io.pathlock.core.LockMode;
import io.pathlock.core.LockType;
import io.pathlock.table.ConflictKind;
import io.pathlock.table.LockTable;
import io.pathlock.table.TableProbe;
import io.pathlock.table.TableWaiter;
import io.pathlock.table.TrieNode;

import java.util.concurrent.locks.LockSupport;

/**
 * Set-up and checks shared by the lock-table stress tests. Each test state owns a fresh
 * {@link LockTable}; nothing here is shared between states except immutable paths.
 */
final class TrieFixture
{
    static final LockPath ROOT = LockPath.root();
    static final LockPath A = LockPath.parse("/a");
    static final LockPath AB = LockPath.parse("/a/b");
    static final LockPath AC = LockPath.parse("/a/c");
    static final LockPath ABC = LockPath.parse("/a/b/c");
    static final LockPath ABX = LockPath.parse("/a/b/x");
    static final LockPath ABY = LockPath.parse("/a/b/y");

    /** Node count below which the table never sweeps on its own (the minimum allowed). */
    static final int RECLAIM_MIN = 16;

    private TrieFixture()
    {
    }

    /** A table that never sweeps during a test (the tests create far fewer than 16 nodes). */
    static LockTable table()
    {
        return new LockTable(RECLAIM_MIN);
    }

    /** One tryLock without a waiter. */
    static TrieNode tryLock(final LockTable table, final LockPath path, final LockType type)
    {
        return table.tryLock(path, type, 0, false, null, new LockTable.Conflict());
    }

    /** One tryLock of any kind without a waiter (a new lock). */
    static TrieNode tryLock(final LockTable table, final LockPath path, final LockType type, final LockMode mode)
    {
        return table.tryLock(path, type, mode, 0, 0, LockTable.FROM_NONE, null, null, new LockTable.Conflict(), null);
    }

    /** Takes a lock of any kind in a state constructor, where nothing can conflict. */
    static TrieNode hold(final LockTable table, final LockPath path, final LockType type, final LockMode mode)
    {
        final TrieNode n = tryLock(table, path, type, mode);
        if (n == null)
        {
            throw new IllegalStateException("could not lock " + path + " " + type + "-" + mode);
        }
        return n;
    }

    /** Unlocks a lock of any kind if the actor got it. */
    static void unlockIfHeld(final LockTable table, final TrieNode n, final LockPath path, final LockType type,
        final LockMode mode)
    {
        if (n != null)
        {
            table.unlock(n, path, type, mode, null, null, null);
        }
    }

    /** IX + IS of the node linked at a path now, or -1 if there is none. */
    static long intentBoth(final LockTable table, final LockPath path)
    {
        final TrieNode n = TableProbe.lookup(table, path);
        return n == null ? -1 : n.exclusiveIntentCount() + n.sharedIntentCount();
    }

    /**
     * Waits for a lock of any kind as the facade does (see {@link #lockWaiting(LockTable, LockPath,
     * LockType)}), placing the facade's mark kinds.
     */
    static TrieNode lockWaiting(final LockTable table, final LockPath path, final LockType type, final LockMode mode)
    {
        final ParkingWaiter w = new ParkingWaiter();
        final LockTable.Conflict c = new LockTable.Conflict();
        final boolean shared = mode == LockMode.SHARED;
        try
        {
            for (;;)
            {
                TrieNode n = table.tryLock(path, type, mode, 0, 0, LockTable.FROM_NONE, null, w, c, null);
                if (n != null)
                {
                    return n;
                }
                final int mark = type == LockType.SUBTREE && c.atTarget()
                    ? (shared ? LockTable.MARK_EXCLUSIVE : LockTable.MARK_ALL)
                    : !shared && (c.kind() == ConflictKind.HELD_POINT_SHARED || c.kind() == ConflictKind.HELD_SUBTREE_SHARED)
                    ? LockTable.MARK_SHARED : LockTable.MARK_NONE;
                if (!table.register(w, c, mark))
                {
                    continue;
                }
                n = table.tryLock(path, type, mode, 0, 0, LockTable.FROM_NONE, null, w, c, null);
                if (n != null)
                {
                    return n;
                }
                if (table.registrationCovers(w, c))
                {
                    while (!w.isSignalled())
                    {
                        LockSupport.park(w);
                        if (Thread.currentThread().isInterrupted())
                        {
                            return null;
                        }
                    }
                }
                table.deregister(w);
            }
        }
        finally
        {
            table.finish(w);
        }
    }

    /** Creates the nodes of a path (lock then unlock) and returns the node of the path. */
    static TrieNode create(final LockTable table, final LockPath path)
    {
        final TrieNode n = tryLock(table, path, LockType.POINT);
        if (n == null)
        {
            throw new IllegalStateException("could not create " + path);
        }
        table.unlock(n);
        return n;
    }

    /** Creates a path and inflates the root and every node on it, as contended raises would. */
    static void createInflated(final LockTable table, final LockPath path)
    {
        TrieNode n = create(table, path);
        while (n != null)
        {
            TableProbe.inflate(n);
            n = TableProbe.parent(n);
        }
    }

    /** Takes a lock in a state constructor, where nothing can conflict. */
    static TrieNode hold(final LockTable table, final LockPath path, final LockType type)
    {
        final TrieNode n = tryLock(table, path, type);
        if (n == null)
        {
            throw new IllegalStateException("could not lock " + path + " " + type);
        }
        return n;
    }

    /** Intention count of the node linked at a path now, or -1 if there is none. */
    static long intent(final LockTable table, final LockPath path)
    {
        final TrieNode n = TableProbe.lookup(table, path);
        return n == null ? -1 : n.intentCount();
    }

    /** Unlocks a node if the actor got it. */
    static void unlockIfHeld(final LockTable table, final TrieNode n)
    {
        if (n != null)
        {
            table.unlock(n);
        }
    }

    /** A waiter that unparks the thread that created it. */
    static final class ParkingWaiter extends TableWaiter
    {
        private final Thread thread = Thread.currentThread();

        @Override
        protected void onSignal()
        {
            LockSupport.unpark(thread);
        }
    }

    /**
     * Waits for a lock the way the facade does (LockHandle.acquireBlocking): try; register on the
     * blocking node; retry once; park only if the registration covers the retry's conflict; every
     * signal leads to a new attempt (invariant 5). Returns the node once granted.
     */
    static TrieNode lockWaiting(final LockTable table, final LockPath path, final LockType type)
    {
        final ParkingWaiter w = new ParkingWaiter();
        final LockTable.Conflict c = new LockTable.Conflict();
        try
        {
            for (;;)
            {
                TrieNode n = table.tryLock(path, type, 0, false, w, c);
                if (n != null)
                {
                    return n;
                }
                final boolean markPending = type == LockType.SUBTREE && c.atTarget();
                if (!table.register(w, c, markPending))
                {
                    continue;
                }
                n = table.tryLock(path, type, 0, false, w, c);
                if (n != null)
                {
                    return n;
                }
                if (table.registrationCovers(w, c))
                {
                    while (!w.isSignalled())
                    {
                        LockSupport.park(w);
                        if (Thread.currentThread().isInterrupted())
                        {
                            // jcstress interrupts a stale actor to end the run; give up.
                            return null;
                        }
                    }
                }
                table.deregister(w);
            }
        }
        finally
        {
            table.finish(w);
        }
    }
}

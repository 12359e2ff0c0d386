package io.pathlock.table;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A party waiting for a trie node to change, and the pending marks it has placed (anti-starvation,
 * see {@link LockTable} invariant 6).
 *
 * <p>The lock table calls {@link #signal()} when the node it waits on changes; subclasses decide
 * what waking means (unpark a thread, or schedule an asynchronous retry). One waiter belongs to one
 * acquisition at a time, which uses it from one thread at a time; {@link #signal()} may come from any
 * thread.
 */
public abstract class TableWaiter
{
    private static final VarHandle SIGNALLED;

    static
    {
        try
        {
            SIGNALLED = MethodHandles.lookup().findVarHandle(TableWaiter.class, "signalled", int.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through SIGNALLED
    private volatile int signalled;

    private TrieNode[] pendingAt; // created by the first mark: most waiters never place one
    private int[] pendingKinds;
    private int pendingCount;

    /**
     * Whether the owner of this waiter holds a lock on {@code n} or below it, so that a SUBTREE
     * waiter pending on {@code n} may be waiting for it: only then does the requester ignore the
     * pending marks on {@code n} (see {@link LockTable}, invariant 6). Called during an attempt,
     * only for nodes that carry pending marks.
     *
     * @param n a node with pending marks on the requester's walk.
     * @return true if a pending SUBTREE waiter on {@code n} may be waiting for this requester.
     */
    protected boolean mayBeAwaitedAt(final TrieNode n)
    {
        return false;
    }

    TrieNode registeredOn;
    boolean registeredForIntent;

    /** Creates a waiter with no marks. */
    protected TableWaiter()
    {
    }

    /**
     * Wakes the waiter once per registration; later calls are no-ops until it registers again.
     */
    public final void signal()
    {
        if (SIGNALLED.compareAndSet(this, 0, 1))
        {
            onSignal();
        }
    }

    /**
     * Whether {@link #signal()} was called since the last registration.
     *
     * @return true once signalled.
     */
    public final boolean isSignalled()
    {
        return (int)SIGNALLED.getVolatile(this) != 0;
    }

    /**
     * Called once per registration, from the thread that changed the node.
     * Must be short and must not block.
     */
    protected abstract void onSignal();

    /**
     * The node this waiter is registered on.
     *
     * @return the node, or null when not registered.
     */
    public final TrieNode registeredOn()
    {
        return registeredOn;
    }

    void resetSignal()
    {
        SIGNALLED.setVolatile(this, 0);
    }

    boolean isPendingAt(final TrieNode node)
    {
        for (int i = 0; i < pendingCount; i++)
        {
            if (pendingAt[i] == node)
            {
                return true;
            }
        }
        return false;
    }

    void addPendingMark(final TrieNode node)
    {
        addPendingMark(node, LockTable.MARK_ALL);
    }

    void addPendingMark(final TrieNode node, final int kind)
    {
        if (pendingAt == null)
        {
            pendingAt = new TrieNode[2];
            pendingKinds = new int[2];
        }
        else if (pendingCount == pendingAt.length)
        {
            pendingAt = java.util.Arrays.copyOf(pendingAt, pendingCount * 2);
            pendingKinds = java.util.Arrays.copyOf(pendingKinds, pendingCount * 2);
        }
        pendingKinds[pendingCount] = kind;
        pendingAt[pendingCount++] = node;
    }

    int pendingMarkKind(final int i)
    {
        return pendingKinds[i];
    }

    int pendingMarkCount()
    {
        return pendingCount;
    }

    TrieNode pendingMark(final int i)
    {
        return pendingAt[i];
    }

    void clearPendingMarks()
    {
        for (int i = 0; i < pendingCount; i++)
        {
            pendingAt[i] = null;
        }
        pendingCount = 0;
    }
}

package io.pathlock.table;

import io.pathlock.core.LockPath;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One raise of the intention count of every node from the root to a parent node, kept after the
 * lock it was made for was released, so that the next lock below the same parent skips the walk
 * (see {@link LockTable}, invariant 8); a chain that ends at a top-level directory also serves locks
 * further below it, which raise only the nodes in between (8f). Opaque to the facade: it keeps the chain a grant used and
 * hands it back to {@link LockTable#unlock(TrieNode, LockPath, IntentChain, ChainCache)}.
 *
 * <pre>
 *   state:  IN_USE ──release──► CACHED ──use (CAS)──► IN_USE
 *              │                  │
 *              └──abandon (CAS)───┴──revoke (CAS)──► REVOKED (final: the raises are lowered)
 * </pre>
 *
 * <p>Thread-safety: state changes by CAS only; IN_USE belongs to the one grant that uses the chain,
 * CACHED chains may be revoked by any thread.
 */
public final class IntentChain
{
    static final int CACHED = 0;
    static final int IN_USE = 1;
    static final int REVOKED = 2;

    private static final VarHandle STATE;

    static
    {
        try
        {
            STATE = MethodHandles.lookup().findVarHandle(IntentChain.class, "state", int.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A weak reference to a chain, for thread caches (one per chain, made with it). */
    static final class WeakRef extends java.lang.ref.WeakReference<IntentChain>
    {
        WeakRef(final IntentChain c)
        {
            super(c);
        }
    }

    /** The reference thread caches hold. */
    final WeakRef weakRef = new WeakRef(this);
    /** Root first, the parent last: every node whose intention count this chain raised. */
    final TrieNode[] nodes;
    /** The path of the last node (the parent of the locks that use the chain). */
    final LockPath parentPath;
    @SuppressWarnings("unused") // through STATE
    private volatile int state = IN_USE;
    /** Set by every use, cleared by a sweep: a chain unused between two sweeps is revoked. */
    boolean recentlyUsed;
    /** The path of the last lock granted through this chain: the same path instance needs no parent check; used by the taker only. */
    LockPath lastChildPath;
    /** The last child of {@link #last()} a taker claimed (any node, checked by name and DEAD); used by the taker only. */
    TrieNode lastChild;
    /** Slot in the table's registry while registered; guarded by the registry. */
    int registrySlot = -1;

    IntentChain(final TrieNode[] nodes, final LockPath parentPath)
    {
        this.nodes = nodes;
        this.parentPath = parentPath;
    }

    TrieNode last()
    {
        return nodes[nodes.length - 1];
    }

    int stateVolatile()
    {
        return (int)STATE.getVolatile(this);
    }

    boolean compareAndSetState(final int expected, final int value)
    {
        return STATE.compareAndSet(this, expected, value);
    }

    void stateVolatile(final int value)
    {
        STATE.setVolatile(this, value);
    }

    /** Whether this chain's raises lie on {@code n}. */
    boolean passes(final TrieNode n)
    {
        for (final TrieNode m : nodes)
        {
            if (m == n)
            {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString()
    {
        final int s = stateVolatile();
        return "IntentChain[" + parentPath + " " + (s == CACHED ? "cached" : s == IN_USE ? "in use" : "revoked") + "]";
    }
}

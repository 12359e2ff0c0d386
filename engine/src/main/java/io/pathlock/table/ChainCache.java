package io.pathlock.table;

import io.pathlock.core.LockPath;

/**
 * One thread's cached {@link IntentChain}s for one lock table: a small direct-mapped array keyed by
 * the parent path of the locks that use them (see {@link LockTable}, invariant 8).
 *
 * <p>The slots refer to the chains weakly (the table's registry holds them).
 *
 * <p>Not thread-safe: owned by one thread (the facade keeps one per thread and table), which passes
 * it to {@code LockTable.tryLock} and {@link LockTable#unlock(TrieNode, LockPath, IntentChain, ChainCache)}.
 * The chains in it are shared with the table's registry, where other threads may revoke them.
 */
public final class ChainCache
{
    /** Slots per thread and table for the chains of the parents of the locks (8). */
    static final int SLOTS = 8;
    /**
     * Further slots for the chains of top-level directories (8f), after the parent slots: a thread
     * whose locks spread over many parents keeps its top-level chains, which parent chains would
     * otherwise crowd out of a shared set of slots.
     */
    static final int TOP_SLOTS = 8;
    /**
     * Misses on an occupied slot (releases below another parent, with no use of the slot's chain in
     * between) before its cached chain is replaced: high, so that a thread whose locks are spread
     * over many parents keeps lowering its raises (as without chains) instead of churning chains,
     * and a thread that moves on to another directory still gets its chain after a while.
     */
    static final int EVICT_AFTER_MISSES = 64;

    // Weak: a thread's cache must not keep a table's chains (and through their nodes the trie, its
    // holders, their handles and manager) reachable once the table is gone; the table's registry
    // holds every registered chain strongly while the table lives.
    private final IntentChain.WeakRef[] slots = new IntentChain.WeakRef[SLOTS + TOP_SLOTS];
    final int[] misses = new int[SLOTS + TOP_SLOTS];

    ChainCache()
    {
    }

    /** The chain cached in a slot, or null. */
    IntentChain get(final int slot)
    {
        final IntentChain.WeakRef r = slots[slot];
        return r == null ? null : r.get();
    }

    /** Caches a chain in a slot (null empties it). */
    void set(final int slot, final IntentChain c)
    {
        slots[slot] = c == null ? null : c.weakRef;
    }

    /** The slot of the chain of a path's parent (by {@link LockPath#parentHash()}, no allocation). */
    static int slotOfChild(final LockPath child)
    {
        return slotOfHash(child.parentHash());
    }

    /** The slot of a parent path's chain. */
    static int slotOf(final LockPath parent)
    {
        return slotOfHash(parent.hashCode());
    }

    /** The slot of a top-level directory's chain (8f). */
    static int topSlotOf(final LockPath top)
    {
        return topSlotOfHash(top.hashCode());
    }

    /** The slot of a top-level directory's chain, by the {@link String#hashCode()} of its path. */
    static int topSlotOfHash(final int h)
    {
        return SLOTS + ((h ^ (h >>> 16)) & (TOP_SLOTS - 1));
    }

    static int slotOfHash(final int h)
    {
        return (h ^ (h >>> 16)) & (SLOTS - 1);
    }
}

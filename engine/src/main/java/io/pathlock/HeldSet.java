package io.pathlock;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockType;
import io.pathlock.core.LockRequest;
import io.pathlock.core.HeldLock;
import io.pathlock.table.IntentChain;
import io.pathlock.table.LockOwner;
import io.pathlock.table.LockTable;
import io.pathlock.table.TrieNode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The locks one handle holds, in parallel arrays (request entry, trie node, the cached intent chain
 * the grant took, upgrade flag), indexed
 * by path once there are more than {@link #INDEX_THRESHOLD}, so that a new request costs O(1) in
 * the number held (plus O(SUBTREE locks held) for coverage), not O(held) as a list walk did: a job
 * that locks 16,000 files one by one paid ~70 µs per lock for the walk.
 *
 * <p>No allocation per grant: the grant's token, time and owner (this set, as the handle's
 * {@link LockOwner}) live on the trie node ({@link LockTable#attachHolder}), the entry is the request's own, and the arrays and the index grow
 * by doubling. Memory per held lock: three references and a flag in the arrays, and one {@code int}
 * bucket (at most half full) in the open-addressing index; plus two {@code long}s once the handle
 * has held a shared lock (H5).
 *
 * <ul>
 * <li>H1: at most one entry per path; an upgrade POINT to SUBTREE replaces the entry in place.</li>
 * <li>H2: {@code subtreeCount} counts the SUBTREE entries, {@code sharedCount} the SHARED ones (of
 *     either type).</li>
 * <li>H5: a SHARED entry's token and grant time are in {@code tokens} and {@code grantNanos} (its
 *     node is shared with other holders, whose grants overwrite the node's record); an EXCLUSIVE
 *     entry's are on its node. The two arrays are allocated by the first shared grant (a handle that
 *     holds only exclusive locks pays nothing for them) and from then on have the length of
 *     {@code entries}: {@code tokens.length == 0 || tokens.length == entries.length}.</li>
 * <li>H3: slots {@code 0..size-1} are in grant order, so releases and snapshots are stable.</li>
 * <li>H4: while {@code index != null}, it maps the paths of slots {@code 0..indexed-1} to their slot
 *     (bucket value slot + 1, 0 empty, linear probing, at most half full); every lookup first adds the
 *     slots appended since ({@link #append} defers the index, so that a stream of new POINT locks
 *     touches only the ends of the arrays, whatever the number held).</li>
 * </ul>
 *
 * <p>Not thread-safe: guarded by the owning handle's monitor.
 */
final class HeldSet implements LockOwner
{
    /** Below this many entries a scan beats hashing; above it the index is built. */
    static final int INDEX_THRESHOLD = 8;

    private static final LockRequest.Entry[] NO_ENTRIES = new LockRequest.Entry[0];
    private static final TrieNode[] NO_NODES = new TrieNode[0];
    private static final boolean[] NO_FLAGS = new boolean[0];
    private static final IntentChain[] NO_CHAINS = new IntentChain[0];
    private static final long[] NO_LONGS = new long[0];

    private LockRequest.Entry[] entries = NO_ENTRIES;
    private TrieNode[] nodes = NO_NODES;
    private boolean[] upgrading = NO_FLAGS;
    private IntentChain[] chains = NO_CHAINS;
    private int size;
    private int subtreeCount;
    private int sharedCount;
    private long[] tokens = NO_LONGS;
    private long[] grantNanos = NO_LONGS;
    private int[] index;
    // Slots [0, indexed) are in the index; later appends are added when a lookup needs it (H4).
    private int indexed;
    private final LockHandle handle;

    /**
     * Creates the set of a handle; it is the owner attached to the trie nodes the handle holds.
     *
     * @param handle the handle (for its owner id), or null in tests.
     */
    HeldSet(final LockHandle handle)
    {
        this.handle = handle;
    }

    @Override
    public String ownerId()
    {
        return handle == null ? "?" : handle.ownerId();
    }

    int size()
    {
        return size;
    }

    boolean isEmpty()
    {
        return size == 0;
    }

    LockRequest.Entry entry(final int slot)
    {
        return entries[slot];
    }

    TrieNode node(final int slot)
    {
        return nodes[slot];
    }

    /** The cached intent chain the lock of a slot took, or null. */
    IntentChain chain(final int slot)
    {
        return chains[slot];
    }

    boolean isUpgrading(final int slot)
    {
        return upgrading[slot];
    }

    void setUpgrading(final int slot, final boolean value)
    {
        upgrading[slot] = value;
    }

    /** The grant record of a slot, built from the entry and the grant recorded on its node. */
    HeldLock info(final int slot, final String ownerId)
    {
        final TrieNode n = nodes[slot];
        final LockRequest.Entry e = entries[slot];
        if (e.isShared())
        {
            return new HeldLock(ownerId, e.path(), e.type(), tokens[slot], grantNanos[slot], LockMode.SHARED);
        }
        return new HeldLock(ownerId, e.path(), e.type(), n.grantToken(), n.grantNanos(), LockMode.EXCLUSIVE);
    }

    /** The fencing token of a slot's grant (H5). */
    long token(final int slot)
    {
        return entries[slot].isShared() ? tokens[slot] : nodes[slot].grantToken();
    }

    /** Records a shared grant's token and time (H5); call after {@link #put} or {@link #append}. */
    void setSharedGrant(final int slot, final long token, final long nanos)
    {
        if (tokens.length == 0)
        {
            tokens = new long[entries.length];
            grantNanos = new long[entries.length];
        }
        tokens[slot] = token;
        grantNanos[slot] = nanos;
    }

    /** The slot of the entry exactly on {@code p}, or -1. */
    int slotOf(final LockPath p)
    {
        if (size == 0)
        {
            return -1;
        }
        if (size > INDEX_THRESHOLD)
        {
            catchUpIndex();
        }
        final int[] ix = index;
        if (ix != null)
        {
            final int mask = ix.length - 1;
            for (int b = spread(p.hashCode()) & mask; ; b = (b + 1) & mask)
            {
                final int v = ix[b];
                if (v == 0)
                {
                    return -1;
                }
                if (samePath(entries[v - 1].path(), p))
                {
                    return v - 1;
                }
            }
        }
        for (int i = 0; i < size; i++)
        {
            if (samePath(entries[i].path(), p))
            {
                return i;
            }
        }
        return -1;
    }

    private static boolean samePath(final LockPath a, final LockPath b)
    {
        return a == b || a.equals(b);
    }

    private static int spread(final int h)
    {
        return (h ^ (h >>> 16)) * 0x9E3779B9;
    }

    /**
     * Whether a request entry is already covered: the same POINT or SUBTREE held, or a SUBTREE held
     * on the path or an ancestor.
     */
    boolean covers(final LockRequest.Entry e)
    {
        if (size == 0)
        {
            return false;
        }
        final int exact = slotOf(e.path());
        if (exact >= 0 && entries[exact].covers(e))
        {
            return true;
        }
        if (subtreeCount > 0)
        {
            for (int i = 0; i < size; i++)
            {
                if (entries[i].type() == LockType.SUBTREE && entries[i].covers(e))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * What this handle holds exactly on {@code p}, as a conversion source of the lock table
     * ({@code LockTable.FROM_*}), or -1 when it holds nothing there.
     */
    int conversionFrom(final LockPath p)
    {
        final int i = slotOf(p);
        if (i < 0)
        {
            return -1;
        }
        final LockRequest.Entry e = entries[i];
        if (!e.isShared())
        {
            return e.type() == LockType.POINT ? LockTable.FROM_POINT_EXCLUSIVE : -1;
        }
        return e.type() == LockType.POINT ? LockTable.FROM_POINT_SHARED : LockTable.FROM_SUBTREE_SHARED;
    }

    /** How many held EXCLUSIVE locks lie strictly below {@code p} (O(held): SUBTREE requests only). */
    int countExclusiveBelow(final LockPath p)
    {
        int c = 0;
        for (int i = 0; i < size; i++)
        {
            if (!entries[i].isShared() && p.isAncestorOf(entries[i].path()))
            {
                c++;
            }
        }
        return c;
    }

    /**
     * The nodes of the SUBTREE-SHARED locks held on strict ancestors of {@code p}, or null if none:
     * the lock table lets this handle's exclusive raises through them.
     */
    TrieNode[] sharedSubtreesAbove(final LockPath p)
    {
        if (sharedCount == 0 || subtreeCount == 0)
        {
            return null;
        }
        TrieNode[] out = null;
        int k = 0;
        for (int i = 0; i < size; i++)
        {
            final LockRequest.Entry e = entries[i];
            if (e.isShared() && e.type() == LockType.SUBTREE && e.path().isAncestorOf(p))
            {
                if (out == null)
                {
                    out = new TrieNode[2];
                }
                else if (k == out.length)
                {
                    out = Arrays.copyOf(out, k * 2);
                }
                out[k++] = nodes[i];
            }
        }
        return out == null || k == out.length ? out : Arrays.copyOf(out, k);
    }

    /** Number of SHARED entries (H2). */
    int sharedCount()
    {
        return sharedCount;
    }

    /** Whether a POINT is held exactly on {@code p}. */
    boolean holdsPointOn(final LockPath p)
    {
        final int i = slotOf(p);
        return i >= 0 && entries[i].type() == LockType.POINT;
    }

    /** How many held locks lie strictly below {@code p} (O(held): SUBTREE requests only). */
    int countBelow(final LockPath p)
    {
        int c = 0;
        for (int i = 0; i < size; i++)
        {
            if (p.isAncestorOf(entries[i].path()))
            {
                c++;
            }
        }
        return c;
    }

    /**
     * Whether a held lock lies on {@code n} or below it in the trie: a SUBTREE waiter pending on
     * {@code n} may then be waiting for this handle. O(held x depth); called only on nodes that
     * carry pending marks.
     */
    boolean holdsAtOrBelow(final TrieNode n)
    {
        for (int i = 0; i < size; i++)
        {
            if (LockTable.isAncestorOrSelf(n, nodes[i]))
            {
                return true;
            }
        }
        return false;
    }

    /** Number of SUBTREE entries (H2). */
    int subtreeCount()
    {
        return subtreeCount;
    }

    /**
     * Adds a grant the caller knows is on a path not held (the table just granted it to this
     * handle), without looking it up; the index catches up at the next lookup (H4).
     */
    void append(final LockRequest.Entry e, final TrieNode node, final IntentChain chain)
    {
        grow();
        set(size++, e, node, chain);
    }

    /** Fills a slot and counts its entry (H2). */
    private void set(final int slot, final LockRequest.Entry e, final TrieNode node, final IntentChain chain)
    {
        entries[slot] = e;
        nodes[slot] = node;
        chains[slot] = chain;
        upgrading[slot] = false;
        if (e.type() == LockType.SUBTREE)
        {
            subtreeCount++;
        }
        if (e.isShared())
        {
            sharedCount++;
        }
    }

    private void grow()
    {
        if (size == entries.length)
        {
            final int cap = Math.max(2, size * 2);
            entries = Arrays.copyOf(entries, cap);
            nodes = Arrays.copyOf(nodes, cap);
            upgrading = Arrays.copyOf(upgrading, cap);
            chains = Arrays.copyOf(chains, cap);
            if (tokens.length != 0)
            {
                tokens = Arrays.copyOf(tokens, cap);
                grantNanos = Arrays.copyOf(grantNanos, cap);
            }
        }
    }

    /** Adds the slots appended since the last lookup to the index, building or doubling it as needed (H4). */
    private void catchUpIndex()
    {
        if (index == null || size * 2 > index.length)
        {
            rebuildIndex(Integer.highestOneBit(size) * 4);
            return;
        }
        for (int i = indexed; i < size; i++)
        {
            insert(index, i);
        }
        indexed = size;
    }

    /**
     * Adds a grant, or replaces the entry on the same path (an upgrade), keeping its slot.
     *
     * @return the slot.
     */
    int put(final LockRequest.Entry e, final TrieNode node, final IntentChain chain)
    {
        final int existing = slotOf(e.path());
        if (existing < 0)
        {
            append(e, node, chain);
            return size - 1;
        }
        if (entries[existing].type() == LockType.SUBTREE)
        {
            subtreeCount--;
        }
        if (entries[existing].isShared())
        {
            sharedCount--;
        }
        set(existing, e, node, chain);
        return existing;
    }

    private void rebuildIndex(final int buckets)
    {
        final int[] ix = new int[buckets];
        for (int i = 0; i < size; i++)
        {
            insert(ix, i);
        }
        index = ix;
        indexed = size;
    }

    private void insert(final int[] ix, final int slot)
    {
        final int mask = ix.length - 1;
        int b = spread(entries[slot].path().hashCode()) & mask;
        while (ix[b] != 0)
        {
            b = (b + 1) & mask;
        }
        ix[b] = slot + 1;
    }

    List<HeldLock> infos(final String ownerId)
    {
        final List<HeldLock> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++)
        {
            out.add(info(i, ownerId));
        }
        return out;
    }

    void clear()
    {
        if (size == 0)
        {
            return;
        }
        if (entries.length > 64)
        {
            entries = NO_ENTRIES;
            nodes = NO_NODES;
            upgrading = NO_FLAGS;
            chains = NO_CHAINS;
            tokens = NO_LONGS;
            grantNanos = NO_LONGS;
        }
        else if (size == 1)
        {
            // the common case (a handle that held one lock) without the loop
            entries[0] = null;
            nodes[0] = null;
            chains[0] = null;
            upgrading[0] = false;
        }
        else
        {
            for (int i = 0; i < size; i++)
            {
                entries[i] = null;
                nodes[i] = null;
                chains[i] = null;
                upgrading[i] = false;
            }
        }
        if (index != null)
        {
            index = null;
        }
        indexed = 0;
        size = 0;
        subtreeCount = 0;
        sharedCount = 0;
    }
}

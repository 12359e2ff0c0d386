package io.pathlock.table;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Every registered {@link IntentChain} of one lock table, so that a SUBTREE claim can find and
 * revoke the cached chains that pass through its node (see {@link LockTable}, invariant 8), and
 * the sweep can revoke the idle ones.
 *
 * <p>Registration and removal are rare (a chain is registered once, when a released lock's raises
 * are kept, and removed when it is revoked) and take this object's monitor. Scans take no lock:
 * they read the slot array and its elements with volatile reads, so a scan sees every chain
 * registered before it started and may or may not see one registered meanwhile, which is as good
 * (the release that registers it has not finished). Bounded by {@link #MAX_CHAINS}: a full registry
 * refuses, and the caller lowers its raises instead of keeping them.
 *
 * <p>Thread-safe.
 */
final class ChainRegistry
{
    /** Most chains kept per table (a bound on the memory and the intention they pin). */
    static final int MAX_CHAINS = 4096;

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(IntentChain[].class);

    private volatile IntentChain[] slots = new IntentChain[16];
    private int count;
    private int freeHint;

    synchronized boolean add(final IntentChain c)
    {
        IntentChain[] s = slots;
        if (count == s.length)
        {
            if (s.length >= MAX_CHAINS)
            {
                return false;
            }
            s = Arrays.copyOf(s, s.length * 2);
            freeHint = count;
            slots = s;
        }
        for (int i = 0; i < s.length; i++)
        {
            final int j = (freeHint + i) % s.length;
            if (s[j] == null)
            {
                c.registrySlot = j;
                SLOT.setVolatile(s, j, c);
                count++;
                freeHint = j + 1;
                return true;
            }
        }
        throw new IllegalStateException("chain registry count " + count + " disagrees with its slots");
    }

    synchronized void remove(final IntentChain c)
    {
        final int j = c.registrySlot;
        final IntentChain[] s = slots;
        if (j >= 0 && j < s.length && s[j] == c)
        {
            SLOT.setVolatile(s, j, null);
            c.registrySlot = -1;
            count--;
            freeHint = j;
        }
    }

    /** Calls {@code action} with every chain registered now (and perhaps some registered or removed meanwhile). */
    void forEach(final Consumer<IntentChain> action)
    {
        final IntentChain[] s = slots;
        for (int i = 0; i < s.length; i++)
        {
            final IntentChain c = (IntentChain)SLOT.getVolatile(s, i);
            if (c != null)
            {
                action.accept(c);
            }
        }
    }

    /**
     * Revokes every cached chain that passes through {@code n}.
     *
     * @param table the table that lowers the raises.
     * @param n the node.
     * @return how many were revoked.
     */
    int revokeThrough(final LockTable table, final TrieNode n)
    {
        int revoked = 0;
        final IntentChain[] s = slots;
        for (int i = 0; i < s.length; i++)
        {
            final IntentChain c = (IntentChain)SLOT.getVolatile(s, i);
            if (c != null && c.stateVolatile() == IntentChain.CACHED && c.passes(n) && table.revoke(c))
            {
                revoked++;
            }
        }
        return revoked;
    }

    synchronized int size()
    {
        return count;
    }
}

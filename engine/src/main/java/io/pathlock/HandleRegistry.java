package io.pathlock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The open handles of one manager, for snapshots, the background agent and {@code close()}.
 *
 * <p>Opening a handle is on the hot path of the realistic call (open, lock, close), so registration
 * costs one uncontended CAS: the handles are kept in striped intrusive lists, each guarded by a
 * spin flag, and a thread adds to its own stripe ({@link ThreadState#stripe}), moving to another
 * when it finds the flag taken (as {@code Striped64} rehashes a colliding thread). Closing costs
 * nothing here: closed handles are unlinked lazily, by the next add to their stripe once the stripe
 * holds more than twice the handles it kept after its last sweep (amortised O(1)), and by every
 * traversal.
 *
 * <ul>
 * <li>R1: a handle is in exactly one stripe's list from {@link #add} until a sweep finds it closed.</li>
 * <li>R2: a stripe's list and count change only while its flag is held.</li>
 * <li>R3: memory: a stripe holds at most 2 x (handles open at its last sweep) + {@link #SWEEP_MIN}
 *     handles, open or closed.</li>
 * </ul>
 *
 * <p>Thread-safe. Traversals take each stripe's flag in turn and copy the open handles, so they
 * never see a half-linked list; critical sections are a few pointer writes, so a thread that finds
 * a flag taken spins briefly (yielding).
 */
final class HandleRegistry
{
    /** A stripe may grow to this many handles before its first sweep. */
    static final int SWEEP_MIN = 16;

    private static final VarHandle LOCK;

    static
    {
        try
        {
            LOCK = MethodHandles.lookup().findVarHandle(Stripe.class, "lock", int.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One list; padded so that two threads' stripes do not share a cache line. */
    @SuppressWarnings("unused")
    static final class Stripe
    {
        long p01, p02, p03, p04, p05, p06, p07;
        volatile int lock;
        LockHandle head;
        int count;
        int sweepAt = SWEEP_MIN;
        long p11, p12, p13, p14, p15, p16, p17;
    }

    private final Stripe[] stripes;

    HandleRegistry()
    {
        int n = 1;
        while (n < 2 * Runtime.getRuntime().availableProcessors())
        {
            n <<= 1;
        }
        stripes = new Stripe[Math.max(4, Math.min(n, 64))];
        for (int i = 0; i < stripes.length; i++)
        {
            stripes[i] = new Stripe();
        }
    }

    /**
     * Registers a newly opened handle.
     *
     * @param h the handle (not registered yet).
     * @param ts the calling thread's state (its stripe may move).
     */
    void add(final LockHandle h, final ThreadState ts)
    {
        final int mask = stripes.length - 1;
        int i = ts.stripe & mask;
        for (int tries = 0; ; tries++)
        {
            final Stripe s = stripes[i];
            if (LOCK.compareAndSet(s, 0, 1))
            {
                try
                {
                    h.registryNext = s.head;
                    s.head = h;
                    if (++s.count > s.sweepAt)
                    {
                        sweepLocked(s, null);
                    }
                }
                finally
                {
                    LOCK.setRelease(s, 0);
                }
                ts.stripe = i;
                return;
            }
            i = (i + 1 + (tries & 7)) & mask;
            if (tries > stripes.length)
            {
                Thread.yield();
            }
        }
    }

    /**
     * The open handles now (a copy; handles opened or closed meanwhile may or may not be in it).
     * Unlinks the closed ones it passes.
     *
     * @return a new list.
     */
    List<LockHandle> openHandles()
    {
        final List<LockHandle> out = new ArrayList<>();
        for (final Stripe s : stripes)
        {
            lock(s);
            try
            {
                sweepLocked(s, out);
            }
            finally
            {
                LOCK.setRelease(s, 0);
            }
        }
        return out;
    }

    private static void lock(final Stripe s)
    {
        while (!LOCK.compareAndSet(s, 0, 1))
        {
            Thread.yield();
        }
    }

    /** Unlinks closed handles (R1), optionally collecting the open ones; resets the sweep mark (R3). */
    private static void sweepLocked(final Stripe s, final List<LockHandle> open)
    {
        LockHandle prev = null;
        int live = 0;
        for (LockHandle h = s.head; h != null; )
        {
            final LockHandle next = h.registryNext;
            if (h.isClosedForRegistry())
            {
                if (prev == null)
                {
                    s.head = next;
                }
                else
                {
                    prev.registryNext = next;
                }
                h.registryNext = null;
            }
            else
            {
                live++;
                if (open != null)
                {
                    open.add(h);
                }
                prev = h;
            }
            h = next;
        }
        s.count = live;
        s.sweepAt = Math.max(SWEEP_MIN, 2 * live);
    }
}

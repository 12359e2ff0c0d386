package io.pathlock.table;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Table-wide counts of pending marks and of intent waiters (see {@link LockTable}, invariant 8b and
 * 8c): written only by waiters, read by every grant and release that uses a cached intent chain, so
 * that, when nobody waits, those look at no node of the chain. Padded: the line every chained grant
 * reads is not written by unrelated neighbours.
 *
 * <p>Thread-safe: volatile counters changed by atomic adds.
 */
@SuppressWarnings("unused")
final class WaitCounts
{
    private static final VarHandle PENDING;
    private static final VarHandle INTENT_WAITERS;

    static
    {
        try
        {
            final MethodHandles.Lookup l = MethodHandles.lookup();
            PENDING = l.findVarHandle(WaitCounts.class, "pending", int.class);
            INTENT_WAITERS = l.findVarHandle(WaitCounts.class, "intentWaiters", int.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    private long p01, p02, p03, p04, p05, p06, p07;
    private volatile int pending;
    private volatile int intentWaiters;
    private long p11, p12, p13, p14, p15, p16, p17;

    int pendingVolatile()
    {
        return (int)PENDING.getVolatile(this);
    }

    int intentWaitersVolatile()
    {
        return (int)INTENT_WAITERS.getVolatile(this);
    }

    void addPending(final int delta)
    {
        PENDING.getAndAdd(this, delta);
    }

    void addIntentWaiters(final int delta)
    {
        INTENT_WAITERS.getAndAdd(this, delta);
    }
}

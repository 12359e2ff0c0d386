package io.pathlock.table;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

abstract class FencingEpochsLhsPadding
{
    @SuppressWarnings("unused")
    protected long p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
}

abstract class FencingEpochsValue extends FencingEpochsLhsPadding
{
    protected volatile long value;
}

abstract class FencingEpochsRhsPadding extends FencingEpochsValue
{
    @SuppressWarnings("unused")
    protected long p16, p17, p18, p19, p20, p21, p22, p23, p24, p25, p26, p27, p28, p29, p30;
}

/**
 * The epoch counter of the lock table's fencing tokens (see FENCING TOKENS in {@link LockTable}):
 * read by every POINT grant, written only by SUBTREE grants, token overflows and reclamation.
 * Padded, so that the line every grant reads is not also written by unrelated neighbours.
 *
 * <p>Thread-safe.
 */
final class FencingEpochs extends FencingEpochsRhsPadding
{
    private static final VarHandle VALUE;

    static
    {
        try
        {
            VALUE = MethodHandles.lookup().findVarHandle(FencingEpochsValue.class, "value", long.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The current epoch. */
    long current()
    {
        return (long)VALUE.getVolatile(this);
    }

    /** Moves to a new epoch and returns it. */
    long next()
    {
        return (long)VALUE.getAndAdd(this, 1L) + 1L;
    }

    /** Raises the epoch to at least {@code epoch} (no write when it is there already). */
    void advanceTo(final long epoch)
    {
        for (;;)
        {
            final long e = current();
            if (e >= epoch || VALUE.compareAndSet(this, e, epoch))
            {
                return;
            }
        }
    }
}

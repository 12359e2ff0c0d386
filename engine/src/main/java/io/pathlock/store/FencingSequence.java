package io.pathlock.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

abstract class FencingSequenceLhsPadding
{
    @SuppressWarnings("unused")
    protected long p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
}

abstract class FencingSequenceValue extends FencingSequenceLhsPadding
{
    protected volatile long value;
}

abstract class FencingSequenceRhsPadding extends FencingSequenceValue
{
    @SuppressWarnings("unused")
    protected long p16, p17, p18, p19, p20, p21, p22, p23, p24, p25, p26, p27, p28, p29, p30;
}

/**
 * An in-process, strictly increasing 64-bit sequence, padded against false sharing (the value is
 * written by every granting thread).
 *
 * <p>Thread-safe: {@link #next()} is one atomic add.
 */
public final class FencingSequence extends FencingSequenceRhsPadding
{
    private static final VarHandle VALUE;

    static
    {
        try
        {
            VALUE = MethodHandles.lookup().findVarHandle(FencingSequenceValue.class, "value", long.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Creates a sequence whose first token is 1. */
    public FencingSequence()
    {
        this(0);
    }

    /**
     * Creates a sequence whose first token is {@code last + 1}.
     *
     * @param last the last token already handed out.
     */
    public FencingSequence(final long last)
    {
        VALUE.setVolatile(this, last);
    }

    /**
     * The next token.
     *
     * @return a value greater than every value returned before.
     */
    public long next()
    {
        return (long)VALUE.getAndAdd(this, 1L) + 1L;
    }

    /**
     * The last token handed out.
     *
     * @return the current value.
     */
    public long current()
    {
        return (long)VALUE.getVolatile(this);
    }
}

package io.pathlock.core;

/**
 * A lock that {@code tryAcquire} could not grant at once because another holder has it. Nothing was
 * acquired by the failed call.
 */
public class LockBusyException extends LockException
{
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param request what was requested.
     * @param conflict what blocked it.
     */
    public LockBusyException(final LockRequest request, final LockConflict conflict)
    {
        super("lock busy: " + request + " refused: " + conflict, conflict, null);
    }

    /**
     * Creates the exception with its own message (for subclasses).
     *
     * @param message the message.
     * @param conflict what blocked the request, or null.
     */
    protected LockBusyException(final String message, final LockConflict conflict)
    {
        super(message, conflict, null);
    }
}

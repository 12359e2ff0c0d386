package io.pathlock.core;

/**
 * A lock that {@code tryAcquire} could not grant at once because another holder has it. Nothing was
 * acquired by the failed call.
 */
public final class LockBusyException extends LockException
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
}

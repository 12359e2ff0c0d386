package io.pathlock.core;

import java.time.Duration;

/**
 * A timed acquisition that did not get every lock within its total timeout. Nothing was acquired by
 * the failed call.
 */
public final class LockTimeoutException extends LockException
{
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param request what was requested.
     * @param timeout the total timeout that elapsed.
     * @param conflict the last conflict seen, or null.
     */
    public LockTimeoutException(final LockRequest request, final Duration timeout, final LockConflict conflict)
    {
        super("lock timeout after " + timeout.toMillis() + " ms: " + request
            + (conflict == null ? "" : ", last blocked by " + conflict), conflict, null);
    }
}

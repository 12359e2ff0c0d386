package io.pathlock.core;

/**
 * The lock store failed (I/O error, full disk, permission denied, unreadable lock file). The store
 * fails closed: the lock was not granted, and nothing the failed call acquired is kept.
 */
public final class LockStoreException extends LockException
{
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what failed, naming the path.
     * @param cause the underlying failure, or null.
     */
    public LockStoreException(final String message, final Throwable cause)
    {
        super(message, null, cause);
    }
}

package io.pathlock.core;

/**
 * Base of the exceptions a lock operation throws when it cannot grant a lock. Unchecked, so that
 * try-with-resources blocks stay readable; the subclasses tell busy, timeout, lost and I/O failure
 * apart.
 */
public abstract class LockException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final transient LockConflict conflict;

    /**
     * Creates the exception.
     *
     * @param message the message.
     * @param conflict the conflict that caused it, or null.
     * @param cause the cause, or null.
     */
    protected LockException(final String message, final LockConflict conflict, final Throwable cause)
    {
        super(message, cause);
        this.conflict = conflict;
    }

    /**
     * The conflict that refused the lock: path, holder, type, age.
     *
     * @return the conflict, or null when the failure was not a conflict (e.g. I/O).
     */
    public LockConflict conflict()
    {
        return conflict;
    }
}

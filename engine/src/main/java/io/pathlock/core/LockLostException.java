package io.pathlock.core;

/**
 * A handle that lost its locks (collected for inactivity, lock file removed or taken over, store
 * failure) was used again. The handle holds nothing; open a new one.
 */
public final class LockLostException extends LockException
{
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param ownerId the handle's owner id.
     * @param reason why the locks were lost.
     */
    public LockLostException(final String ownerId, final String reason)
    {
        super("handle " + ownerId + " lost its locks: " + reason, null, null);
    }
}

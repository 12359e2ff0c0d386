package io.pathlock.core;

/**
 * One lock held by a lock handle: the grant record that conflict reports and snapshots show.
 * Immutable.
 *
 * @param ownerId the handle's owner id.
 * @param path the path.
 * @param type the lock type.
 * @param fencingToken the token of the grant that acquired it (strictly increasing per store
 *        scope: a grant that happens before a conflicting one has a smaller token).
 * @param acquiredNanos when it was granted, on the manager's nano clock.
 * @param mode shared or exclusive.
 */
public record HeldLock(String ownerId, LockPath path, LockType type, long fencingToken, long acquiredNanos, LockMode mode)
{
    /**
     * Validates the record.
     *
     * @param ownerId the handle's owner id.
     * @param path the path.
     * @param type the lock type.
     * @param fencingToken the grant's token.
     * @param acquiredNanos when it was granted.
     * @param mode shared or exclusive, not null.
     */
    public HeldLock
    {
        if (mode == null)
        {
            throw new IllegalArgumentException("a held lock needs a mode");
        }
    }

    /**
     * An exclusive held lock.
     *
     * @param ownerId the handle's owner id.
     * @param path the path.
     * @param type the lock type.
     * @param fencingToken the grant's token.
     * @param acquiredNanos when it was granted.
     */
    public HeldLock(final String ownerId, final LockPath path, final LockType type, final long fencingToken, final long acquiredNanos)
    {
        this(ownerId, path, type, fencingToken, acquiredNanos, LockMode.EXCLUSIVE);
    }

    @Override
    public String toString()
    {
        return type + (mode == LockMode.SHARED ? "-SHARED " : " ") + path + " (token " + fencingToken + ", owner " + ownerId + ")";
    }
}

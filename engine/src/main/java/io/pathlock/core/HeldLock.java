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
 */
public record HeldLock(String ownerId, LockPath path, LockType type, long fencingToken, long acquiredNanos)
{
    @Override
    public String toString()
    {
        return type + " " + path + " (token " + fencingToken + ", owner " + ownerId + ")";
    }
}

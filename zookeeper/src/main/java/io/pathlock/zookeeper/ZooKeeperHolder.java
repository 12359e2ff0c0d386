package io.pathlock.zookeeper;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockType;

/**
 * One lock (or one waiter) found in a ZooKeeper namespace by {@link ZooKeeperLockStore#holders()}:
 * what a {@code status} command shows.
 *
 * @param path the lock path.
 * @param type POINT or SUBTREE.
 * @param mode SHARED or EXCLUSIVE.
 * @param host the holder's host name.
 * @param pid the holder's process id, or -1 if unknown.
 * @param ownerId the holder's owner id (a handle's id).
 * @param ageMillis how long ago the node was created, by the server's clock.
 * @param waiting true for a waiter's place in the queue, false for a lock (a granted lock or an
 *        attempt being decided).
 * @param node the znode.
 */
public record ZooKeeperHolder(String path, LockType type, LockMode mode, String host, long pid, String ownerId,
    long ageMillis, boolean waiting, String node)
{
}

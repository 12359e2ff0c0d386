/**
 * The ZooKeeper lock store: path locks arbitrated through a ZooKeeper ensemble (Apache Curator), for
 * processes on several hosts. {@link io.pathlock.zookeeper.ZooKeeperLockStore} has the znode layout,
 * the protocol and its invariants (Z1-Z11). Depends on the engine's {@code store} and {@code core}
 * packages, Curator and ZooKeeper; nothing in the engine depends on it.
 */
package io.pathlock.zookeeper;

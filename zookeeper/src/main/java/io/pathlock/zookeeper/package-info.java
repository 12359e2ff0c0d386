/**
 * The ZooKeeper lock store: path locks arbitrated through a ZooKeeper ensemble (Apache Curator), for
 * processes on several hosts. {@link io.pathlock.zookeeper.ZooKeeperLockStore} has the znode layout,
 * the protocol and its invariants (Z1-Z11). Depends on the engine's {@code store} and {@code core}
 * packages, Curator and ZooKeeper; nothing in the engine depends on it.
 * {@link io.pathlock.zookeeper.ZooKeeperStoreProvider} registers it as the engine's
 * {@code LockStoreProvider} named {@code zookeeper} (how the command line finds it, with
 * {@link java.util.ServiceLoader}, without linking to it) and runs the development server of
 * {@code pathlock dev-zookeeper}.
 */
package io.pathlock.zookeeper;

package io.pathlock.store;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A lock store that lives in another module and is found with {@link java.util.ServiceLoader}, so
 * that the command line can offer it without depending on it at compile time (the ZooKeeper store:
 * its jars cannot be read by a named module, see {@code docs/cli.md}).
 *
 * <p>A provider is registered in {@code META-INF/services/io.pathlock.store.LockStoreProvider}.
 * Implementations are thread-safe and cheap to construct: nothing connects before {@link #open}.
 */
public interface LockStoreProvider
{
    /**
     * The provider's name, as the command line knows it (e.g. {@code zookeeper}).
     *
     * @return a short lower-case name.
     */
    String name();

    /**
     * Connects to the service and opens a store.
     *
     * @param address where the service is (for ZooKeeper a connect string {@code host:port,...}).
     * @param namespace where the store keeps its data in the service (for ZooKeeper a znode path).
     * @param connectionTimeout how long to wait for the service: opening fails after this long.
     * @return the store; the caller closes it.
     * @throws IllegalArgumentException naming a bad address or namespace.
     * @throws io.pathlock.core.LockStoreException naming the address if the service cannot be reached.
     */
    AdministeredStore open(String address, String namespace, Duration connectionTimeout);

    /**
     * Starts a single-node development server of the service in this JVM, with its data in
     * {@code dataDir}. Not for production: no replication, no durability guarantee.
     *
     * @param port the port on the loopback interface, 0 for any free one.
     * @param dataDir an existing, empty directory for the server's data.
     * @return the running server; closing it stops it.
     * @throws IOException if the server cannot start (the port is taken, say).
     * @throws UnsupportedOperationException if the provider has no development server.
     */
    DevServer startDevServer(int port, Path dataDir) throws IOException;

    /**
     * A lock store that can also list and remove what every client published: what {@code status}
     * and {@code break} need.
     */
    interface AdministeredStore extends LockStore
    {
        /**
         * Every lock and waiter in the store's namespace. Not a snapshot: entries may come and go
         * during the listing.
         *
         * @return the holders and waiters found.
         * @throws io.pathlock.core.LockStoreException on a failure of the service.
         */
        List<StoreHolder> listHolders();

        /**
         * Removes everything one holder published (its locks, the intentions that stand for them on
         * ancestors, and its places in wait queues), so that its locks are free at once. The holder
         * learns it lost them on its next heartbeat.
         *
         * @param holder a holder from {@link #listHolders()}: its host, pid and owner id select the nodes.
         * @return how many nodes were removed.
         * @throws io.pathlock.core.LockStoreException on a failure of the service.
         */
        int removeHolder(StoreHolder holder);
    }

    /**
     * A running development server.
     */
    interface DevServer extends AutoCloseable
    {
        /**
         * The connect string clients use.
         *
         * @return e.g. {@code 127.0.0.1:2181}.
         */
        String connectString();

        /** Stops the server; idempotent. */
        @Override
        void close();
    }

    /**
     * One lock or waiter of some client, as {@link AdministeredStore#listHolders()} lists it.
     *
     * @param path the lock path.
     * @param type {@code POINT} or {@code SUBTREE}.
     * @param mode {@code SHARED} or {@code EXCLUSIVE}.
     * @param host the client's host name.
     * @param pid the client's process id, -1 if unknown.
     * @param ownerId the owner id (a handle's id).
     * @param ageMillis how long ago it was published, by the service's clock.
     * @param waiting true for a place in a wait queue, false for a lock.
     * @param node where it lives in the service (a znode path).
     */
    record StoreHolder(String path, io.pathlock.core.LockType type, io.pathlock.core.LockMode mode, String host,
        long pid, String ownerId, long ageMillis, boolean waiting, String node)
    {
    }
}

package io.pathlock.zookeeper;

import io.pathlock.store.LockStore;
import io.pathlock.store.contract.LockStoreContract;
import org.junit.jupiter.api.BeforeEach;

/** The store contract over the ZooKeeper store: two store instances (two sessions) on one namespace. */
class ZooKeeperLockStoreContractTest extends LockStoreContract
{
    private String namespace;

    @BeforeEach
    void namespace()
    {
        namespace = ZkTestServer.freshNamespace();
    }

    @Override
    protected LockStore openStore()
    {
        return ZkTestServer.store(namespace).build();
    }
}

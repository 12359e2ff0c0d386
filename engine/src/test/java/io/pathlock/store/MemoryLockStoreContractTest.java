package io.pathlock.store;

/** {@link MemoryLockStore} against the store contract (it arbitrates nothing: one process). */
class MemoryLockStoreContractTest extends LockStoreContractTest
{
    @Override
    protected LockStore newStore()
    {
        return new MemoryLockStore();
    }

    @Override
    protected boolean arbitrates()
    {
        return false;
    }
}

package io.pathlock.file;

import io.pathlock.store.LockStore;
import io.pathlock.store.ArbitratingLockStoreContractTest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/**
 * {@link FileLockStore} against the store contract: each store instance on one root stands for one
 * process (own nonce, registry and open file descriptions), in each dialect and on each backend that
 * changes the protocol's system calls.
 */
class FileLockStoreContractTest
{
    abstract static class OnRoot extends ArbitratingLockStoreContractTest
    {
        @TempDir
        Path root;

        abstract FileLockStore.Builder configure(FileLockStore.Builder b);

        @Override
        protected LockStore newStore()
        {
            return configure(FileLockStore.builder(root)).build();
        }

        @Override
        protected boolean breakBehindItsBack(final String path)
        {
            try (FileLockStore admin = FileLockStore.builder(root).administration().build())
            {
                return !admin.breakLock(path, true).removed().isEmpty();
            }
        }
    }

    @Nested
    class Ragfs extends OnRoot
    {
        @Override
        FileLockStore.Builder configure(final FileLockStore.Builder b)
        {
            return b.dialect(Dialect.RAGFS);
        }
    }

    @Nested
    class Ov431 extends OnRoot
    {
        @Override
        FileLockStore.Builder configure(final FileLockStore.Builder b)
        {
            return b.dialect(Dialect.OV431);
        }
    }

    @Nested
    class RagfsOnJnr extends OnRoot
    {
        @Override
        FileLockStore.Builder configure(final FileLockStore.Builder b)
        {
            return b.dialect(Dialect.RAGFS).backend("jnr");
        }
    }

    @Nested
    class RagfsOnNio extends OnRoot
    {
        @Override
        FileLockStore.Builder configure(final FileLockStore.Builder b)
        {
            return b.dialect(Dialect.RAGFS).backend("nio");
        }
    }
}

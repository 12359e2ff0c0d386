package io.pathlock.host;

import io.pathlock.store.ArbitratingLockStoreContractTest;
import io.pathlock.store.LockStore;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link HostLockStore} against the store contract: each store instance on one root is one session
 * of the real table in a real mapped file (as another process would be), in each interop mode.
 * Taking a lock away behind a participant's back is {@code pathlock break --store host --slot K --force}.
 */
class HostLockStoreContractTest
{
    /** Small tables: the contract needs few nodes and sessions. */
    static HostLockStore.Builder small(final Path root, final String interop)
    {
        return HostLockStore.builder(root).interop(interop).capacity(1024).slots(8).recordsPerSlot(256).syncFence(false)
            .fileStore(b -> b.syncFence(false));
    }

    abstract static class OnRoot extends ArbitratingLockStoreContractTest
    {
        @TempDir
        Path root;

        private final List<HostLockStore> mine = new ArrayList<>();

        abstract String interop();

        @Override
        protected LockStore newStore()
        {
            final HostLockStore s = small(root, interop()).build();
            mine.add(s);
            return s;
        }

        /**
         * The table refuses by counts per session and intention counts: it names the holding session,
         * not the holding handle's owner id, nor the path of locks below a refused SUBTREE (with
         * interop on the table refuses first, before the lock files could name them).
         */
        @Override
        protected boolean conflictsNameTheHolder()
        {
            return false;
        }

        @Override
        protected boolean breakBehindItsBack(final String path)
        {
            final HostTable table = mine.get(0).table();
            for (final HostTable.LockInfo l : table.locks())
            {
                if (l.path().equals(path))
                {
                    return table.breakSlot(l.slot(), true);
                }
            }
            return false;
        }
    }

    @Nested
    class InteropNone extends OnRoot
    {
        @Override
        String interop()
        {
            return "none";
        }
    }

    @Nested
    class InteropRagfs extends OnRoot
    {
        @Override
        String interop()
        {
            return "ragfs";
        }
    }

    @Nested
    class InteropOv431 extends OnRoot
    {
        @Override
        String interop()
        {
            return "ov431";
        }
    }
}

package io.pathlock.host.spec;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockStoreException;
import io.pathlock.host.HostLockStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Creation and slots: racing creators of a new root's table (threads of one JVM, and processes) all
 * end on one table; closed sessions give their slots back; records per session through the facade.
 */
class HostCreationSpecTest
{
    @TempDir
    Path root;

    @Test
    void threadsRacingToCreateTheTableAllShareOne() throws Exception
    {
        final int n = 6;
        final CyclicBarrier start = new CyclicBarrier(n);
        final ExecutorService pool = Executors.newFixedThreadPool(n);
        try (HostSpec.Managers managers = new HostSpec.Managers())
        {
            final List<Future<HostLockStore>> stores = new ArrayList<>();
            for (int i = 0; i < n; i++)
            {
                stores.add(pool.submit(() ->
                {
                    start.await();
                    return HostLockStore.builder(root).interop("none").build();
                }));
            }
            final List<LockManager> ms = new ArrayList<>();
            for (final Future<HostLockStore> f : stores)
            {
                ms.add(managers.add(f.get(120, TimeUnit.SECONDS)));
            }
            try (LockHandle h = ms.get(0).tryLock(LockRequest.point("/x")))
            {
                assertNotNull(h);
                for (int i = 1; i < n; i++)
                {
                    assertNull(ms.get(i).tryLock(LockRequest.point("/x")), "store " + i + " is on another table");
                }
            }
        }
        finally
        {
            pool.shutdownNow();
        }
    }

    @Test
    void processesRacingToCreateTheTableAllShareOne() throws Exception
    {
        final List<SpecChild> children = new ArrayList<>();
        try
        {
            for (int i = 0; i < 4; i++)
            {
                children.add(SpecChild.start(root, "none"));
            }
            for (final SpecChild c : children)
            {
                c.expect("READY");
            }
            int granted = 0;
            for (int i = 0; i < children.size(); i++)
            {
                if (children.get(i).ask("lockfor " + i + " P X /race 1", "HELD " + i, "ERROR " + i).startsWith("HELD"))
                {
                    granted++;
                }
            }
            assertEquals(1, granted, "more than one table, or none granted");
            for (final SpecChild c : children)
            {
                c.ask("exit", "BYE");
            }
        }
        finally
        {
            for (final SpecChild c : children)
            {
                c.close();
            }
        }
    }

    @Test
    void closedSessionsGiveTheirSlotsBack()
    {
        HostLockStore.builder(root).interop("none").slots(3).build().close();
        for (int i = 0; i < 50; i++)
        {
            try (HostLockStore a = HostLockStore.builder(root).interop("none").build();
                 HostLockStore b = HostLockStore.builder(root).interop("none").build();
                 HostLockStore c = HostLockStore.builder(root).interop("none").build())
            {
                assertNotNull(a);
                assertNotNull(b);
                assertNotNull(c);
                assertThrows(LockStoreException.class, () -> HostLockStore.builder(root).interop("none").build(), "a fourth of three slots");
            }
        }
    }

    @Test
    void recordsPerSessionExhaustedThroughTheFacadeLeaveNothingHeld()
    {
        try (HostSpec.Managers managers = new HostSpec.Managers())
        {
            final LockManager a = managers.add(HostLockStore.builder(root).interop("none").recordsPerSlot(16).build());
            final LockManager b = managers.open(root, "none");
            final String[] paths = new String[30];
            for (int k = 0; k < paths.length; k++)
            {
                paths[k] = "/r/" + k;
            }
            final LockStoreException e = assertThrows(LockStoreException.class, () -> a.tryLock(LockRequest.point(paths)));
            assertTrue(e.getMessage().contains("16"), "names the record limit: " + e.getMessage());
            try (LockHandle all = b.tryLock(LockRequest.subtree("/")))
            {
                assertNotNull(all, "the refused batch left something in the table");
            }
            try (LockHandle h = a.tryLock(LockRequest.point(paths[0], paths[1], paths[2])))
            {
                assertNotNull(h, "the session works again, and its own table has nothing left claimed");
            }
        }
    }
}

package io.pathlock.host.spec;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockTimeoutException;
import io.pathlock.host.HostLockStore;
import io.pathlock.host.HostTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Death detection must never take a live session for dead. Sessions of one JVM share the process
 * (process-owned {@code fcntl} locks would make every slot of the JVM look free to the JVM itself), a
 * root may be reached through a symbolic link, and an administration view may run in the same JVM
 * as the stores; none of them may recover, and so release, a live session's locks.
 */
class HostLivenessSpecTest
{
    @TempDir
    Path root;

    private final HostSpec.Managers managers = new HostSpec.Managers();

    @AfterEach
    void close()
    {
        managers.close();
    }

    @Test
    void waiterInTheSameJvmNeverRecoversALiveSession() throws Exception
    {
        final LockManager a = managers.open(root, "none");
        final LockManager b = managers.open(root, "none");
        try (LockHandle h = a.tryLock(LockRequest.point("/l")))
        {
            assertNotNull(h);
            // 100 liveness intervals (2 ms by default) of waiting: a waiter that took A for dead would
            // recover its slot and be granted.
            assertThrows(LockTimeoutException.class, () -> b.open("waiter").acquire(LockRequest.point("/l"), Duration.ofMillis(200)));
            assertTrue(h.isValid(), h.lostReason());
            assertNull(b.tryLock(LockRequest.point("/l")), "A's lock is still in the table");
        }
    }

    @Test
    void administrationViewInTheSameJvmSeesLiveSessionsAsLive() throws Exception
    {
        final LockManager a = managers.open(root, "none");
        final LockManager b = managers.open(root, "none");
        try (LockHandle h = a.tryLock(LockRequest.subtree("/adm")))
        {
            assertNotNull(h);
            try (HostTable t = HostLockStore.openTable(root))
            {
                final List<HostTable.SlotInfo> slots = t.slots();
                assertEquals(2, slots.size(), slots.toString());
                for (final HostTable.SlotInfo s : slots)
                {
                    assertEquals("LIVE", s.state(), s.toString());
                    assertEquals(ProcessHandle.current().pid(), s.pid());
                }
                assertTrue(t.locks().stream().allMatch(HostTable.LockInfo::alive), t.locks().toString());
                assertEquals(0, t.recoverDead(), "recovered a live session of this JVM");
                for (final HostTable.SlotInfo s : slots)
                {
                    assertFalse(t.breakSlot(s.slot(), false), "broke a live session without force");
                }
            }
            assertNull(b.tryLock(LockRequest.point("/adm/x")), "A's SUBTREE survived the administration view");
            assertTrue(h.isValid(), h.lostReason());
        }
        try (LockHandle h = b.tryLock(LockRequest.subtree("/")))
        {
            assertNotNull(h, "and the table still works after the administration view closed");
        }
    }

    @Test
    void aRootReachedThroughASymbolicLinkIsTheSameTable() throws Exception
    {
        final Path real = Files.createDirectories(root.resolve("real"));
        final Path link = Files.createSymbolicLink(root.resolve("link"), real);
        final LockManager a = managers.open(real, "none");
        final LockManager b = managers.open(link, "none");
        try (LockHandle h = a.tryLock(LockRequest.point("/same")))
        {
            assertNotNull(h);
            assertNull(b.tryLock(LockRequest.point("/same")), "two tables for one root");
            assertThrows(LockTimeoutException.class, () -> b.open("w").acquire(LockRequest.point("/same"), Duration.ofMillis(100)));
            assertTrue(h.isValid());
        }
        try (LockHandle h = b.tryLock(LockRequest.point("/same")))
        {
            assertNotNull(h);
        }
    }

    @Test
    void childWaitingOnALiveParentNeverRecoversIt() throws Exception
    {
        final LockManager a = managers.open(root, "none");
        try (LockHandle h = a.tryLock(LockRequest.subtree("/p")); SpecChild child = SpecChild.start(root, "none"))
        {
            assertNotNull(h);
            child.expect("READY");
            child.ask("wait 1 P X /p/q", "WAITING 1");
            // While the child waits (checking liveness every 2 ms), this process runs a round trip
            // of other work through the table: the parent's SUBTREE must stay held throughout.
            for (int i = 0; i < 200; i++)
            {
                try (LockHandle other = a.tryLock(LockRequest.point("/other/" + i)))
                {
                    assertNotNull(other);
                }
            }
            assertEquals("VALID 1 false", child.ask("valid 1", "VALID 1"), "the child got /p/q while the parent holds SUBTREE /p");
            assertTrue(h.isValid());
            h.close();
            assertTrue(child.expect("HELD 1", "ERROR 1").startsWith("HELD 1"), child.transcript());
            child.ask("exit", "BYE");
        }
    }
}

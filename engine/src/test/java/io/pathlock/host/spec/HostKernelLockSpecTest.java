package io.pathlock.host.spec;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.host.HostLockStore;
import io.pathlock.host.HostTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernel lock that proves a session alive must not be dropped by the session's own process. With
 * process-owned {@code fcntl} locks (the NIO backend), closing any descriptor of a slot file drops
 * the lock: an administration view opened and closed in the holder's process, or a stopped
 * (SIGSTOP) holder, must still leave the holder alive for everyone else.
 */
class HostKernelLockSpecTest
{
    @TempDir
    Path root;

    @ParameterizedTest(name = "holder backend {0}")
    @ValueSource(strings = {"jni", "jnr", "nio"})
    void administrationViewInTheHoldersProcessDoesNotMakeItLookDead(final String backend) throws Exception
    {
        try (SpecChild holder = SpecChild.start(List.of(), List.of("-Dpathlock.posix.backend=" + backend), root.toString(), "none");
             SpecChild other = SpecChild.start(root, "none"))
        {
            holder.expect("READY");
            other.expect("READY");
            assertTrue(holder.ask("lock 1 S X /x", "HELD 1", "ERROR 1").startsWith("HELD"));
            assertEquals("ADMIN 2 1 0", holder.ask("admin", "ADMIN"), "the administration view in the holder's process");
            // The other process waits (checking liveness) for a while: the holder is alive and holds /x.
            final String answer = other.ask("lockfor 2 P X /x/y 300", "HELD 2", "ERROR 2");
            assertTrue(answer.startsWith("ERROR 2 LockTimeoutException"),
                "the other process took /x/y from a live holder after an admin view in the holder's process: " + answer);
            assertEquals("VALID 1 true", holder.ask("valid 1", "VALID 1"));
            holder.ask("release 1", "RELEASED 1");
            assertTrue(other.ask("lockfor 3 P X /x/y 60000", "HELD 3", "ERROR 3").startsWith("HELD 3"));
            holder.ask("exit", "BYE");
            other.ask("exit", "BYE");
        }
    }

    @Test
    void administrationViewInThisJvmThenAChildWaiting() throws Exception
    {
        try (HostSpec.Managers managers = new HostSpec.Managers())
        {
            final LockManager a = managers.open(root, "none");
            try (LockHandle h = a.tryLock(LockRequest.subtree("/x")))
            {
                assertNotNull(h);
                try (HostTable t = HostLockStore.openTable(root))
                {
                    assertEquals(1, t.slots().size());
                    assertEquals(0, t.recoverDead());
                }
                try (SpecChild other = SpecChild.start(root, "none"))
                {
                    other.expect("READY");
                    final String answer = other.ask("lockfor 2 P X /x/y 300", "HELD 2", "ERROR 2");
                    assertTrue(answer.startsWith("ERROR 2 LockTimeoutException"),
                        "a child took /x/y from this live JVM after an admin view here: " + answer);
                    other.ask("exit", "BYE");
                }
                assertTrue(h.isValid(), h.lostReason());
            }
        }
    }

    @ParameterizedTest(name = "holder backend {0}")
    @ValueSource(strings = {"jni", "jnr", "nio"})
    void aStoppedHolderIsAliveAndKeepsItsLocks(final String backend) throws Exception
    {
        // Both on one backend: mixing backends is aLiveHolderIsNeverTakenForDeadByAnotherProcess.
        try (SpecChild holder = SpecChild.start(List.of(), List.of("-Dpathlock.posix.backend=" + backend), root.toString(), "none");
             SpecChild other = SpecChild.start(List.of(), List.of("-Dpathlock.posix.backend=" + backend), root.toString(), "none"))
        {
            holder.expect("READY");
            other.expect("READY");
            assertTrue(holder.ask("lock 1 P X /s", "HELD 1", "ERROR 1").startsWith("HELD"));
            signal("STOP", holder.pid());
            try
            {
                final String answer = other.ask("lockfor 2 P X /s 300", "HELD 2", "ERROR 2");
                assertTrue(answer.startsWith("ERROR 2 LockTimeoutException"), "took the lock of a stopped, live holder: " + answer);
            }
            finally
            {
                signal("CONT", holder.pid());
            }
            assertEquals("VALID 1 true", holder.ask("valid 1", "VALID 1"));
            holder.ask("exit", "BYE");
            assertTrue(other.ask("lockfor 3 P X /s 60000", "HELD 3", "ERROR 3").startsWith("HELD 3"));
            other.ask("exit", "BYE");
        }
    }

    /**
     * The plainest case: a live holder, another process waiting for its lock, for every pair of
     * backends (processes of one host need not load the same one: the native library may be missing
     * in one of them).
     */
    @ParameterizedTest(name = "holder backend {0}, waiter backend {1}")
    @org.junit.jupiter.params.provider.CsvSource({"jni,jni", "nio,nio", "jnr,jnr", "nio,jni", "jni,nio", "jnr,nio", "nio,jnr"})
    void aLiveHolderIsNeverTakenForDeadByAnotherProcess(final String backend, final String otherBackend) throws Exception
    {
        try (SpecChild holder = SpecChild.start(List.of(), List.of("-Dpathlock.posix.backend=" + backend), root.toString(), "none");
             SpecChild other = SpecChild.start(List.of(), List.of("-Dpathlock.posix.backend=" + otherBackend), root.toString(), "none"))
        {
            holder.expect("READY");
            other.expect("READY");
            assertTrue(holder.ask("lock 1 P X /s", "HELD 1", "ERROR 1").startsWith("HELD"));
            final String answer = other.ask("lockfor 2 P X /s 300", "HELD 2", "ERROR 2");
            assertTrue(answer.startsWith("ERROR 2 LockTimeoutException"), "took the lock of a live holder: " + answer);
            assertEquals("VALID 1 true", holder.ask("valid 1", "VALID 1"));
            holder.ask("exit", "BYE");
            other.ask("exit", "BYE");
        }
    }

    private static void signal(final String sig, final long pid) throws Exception
    {
        final Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
        assertEquals(0, p.waitFor());
    }
}

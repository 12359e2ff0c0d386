package io.pathlock.host.spec;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockTimeoutException;
import io.pathlock.posix.PosixBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Closing: uses of a closed table or session never crash the JVM; a waiter whose manager closes
 * returns; and two sessions of one process on the NIO backend (process-owned fcntl locks) keep each
 * other alive for other processes, however often one probes the other's slot.
 */
class HostCloseSpecTest
{
    @TempDir
    Path root;

    @ParameterizedTest(name = "{0} after the table was closed")
    @ValueSource(strings = {"tryAcquire", "release", "isIntact", "await", "markPending", "clearMarks", "slot", "sessionClose",
        "attach", "locks", "slots", "nodesInUse", "recoverDead", "breakSlot", "waiterClose"})
    void usesAfterCloseThrowAndNeverCrashTheJvm(final String call) throws Exception
    {
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(TableCloseChild.class.getName());
        cmd.add(root.toString());
        cmd.add(call);
        // The working directory is the temporary root, so that a crash report (hs_err) lands there.
        final Process p = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "the child JVM died (SIGSEGV on unmapped memory?):\n" + out);
        assertTrue(out.contains("GRANTED true REFUSED true"), out);
        assertTrue(out.contains("END"), out);
        if (call.equals("tryAcquire") || call.equals("attach") || call.equals("markPending"))
        {
            assertTrue(out.contains("CALL " + call + " threw IllegalStateException"), call + " on a closed table must fail clearly:\n" + out);
        }
    }

    @Test
    void twoSessionsOfOneNioProcessStayAliveForOthers() throws Exception
    {
        final String before = System.getProperty(PosixBackends.BACKEND_PROP_NAME);
        System.setProperty(PosixBackends.BACKEND_PROP_NAME, "nio");
        try (HostSpec.Managers managers = new HostSpec.Managers())
        {
            final LockManager a = managers.open(root, "none");
            final LockManager b = managers.open(root, "none");
            try (LockHandle h = a.tryLock(LockRequest.point("/l")))
            {
                assertNotNull(h);
                // B's waiter probes A's slot for liveness (every 2 ms) for 200 ms.
                assertThrows(LockTimeoutException.class, () -> b.open("w").acquire(LockRequest.point("/l"), Duration.ofMillis(200)));
                assertTrue(h.isValid(), h.lostReason());
                try (SpecChild other = SpecChild.start(List.of(), List.of("-Dpathlock.posix.backend=nio"), root.toString(), "none"))
                {
                    other.expect("READY");
                    final String answer = other.ask("lockfor 1 P X /l 300", "HELD 1", "ERROR 1");
                    assertTrue(answer.startsWith("ERROR 1 LockTimeoutException"),
                        "another process took /l from this live process after its two sessions probed each other: " + answer);
                    other.ask("exit", "BYE");
                }
                assertTrue(h.isValid(), h.lostReason());
            }
        }
        finally
        {
            if (before == null)
            {
                System.clearProperty(PosixBackends.BACKEND_PROP_NAME);
            }
            else
            {
                System.setProperty(PosixBackends.BACKEND_PROP_NAME, before);
            }
        }
    }
}

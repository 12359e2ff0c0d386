package io.pathlock.cli;

import io.pathlock.core.LockRequest;
import io.pathlock.file.FileLockStore;
import io.pathlock.store.LockStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code pathlock run}, {@code status} and {@code break} on real lock trees; {@code run} starts real
 * commands ({@code sh}). A {@link FileLockStore} opened by the test stands for another process.
 */
class FileCommandsTest
{
    @TempDir
    Path root;

    record Outcome(int exit, String out, String err)
    {
    }

    static Outcome exec(final String... args)
    {
        final CommandLine cl = PathlockCommand.commandLine();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        final int exit = cl.execute(args);
        return new Outcome(exit, out.toString(), err.toString());
    }

    @Test
    void runHoldsTheLocksWhileTheCommandRunsAndExitsWithItsStatus() throws Exception
    {
        Files.createDirectories(root.resolve("a"));
        final Path marker = root.resolve("seen");
        // The command checks that the SUBTREE lock file exists while it runs, and passes its exit status.
        final Outcome o = exec("run", "--root", root.toString(), "--subtree", "/a", "--point", "/b/f", "--",
            "sh", "-c", "test -f \"$PATHLOCK_ROOT/a/.path.ovlock\" && test -f \"$PATHLOCK_ROOT/b/" + io.pathlock.file.SidecarNames.sidecarName("/b/f") + "\" && " +
            "echo \"$PATHLOCK_FENCING_TOKEN\" > " + marker + " && exit 7");
        assertEquals(7, o.exit(), o.err());
        assertTrue(Long.parseLong(Files.readString(marker).trim()) > 0);
        assertFalse(Files.exists(root.resolve("a/.path.ovlock")), "released after the command");
        assertFalse(Files.exists(root.resolve("b").resolve(io.pathlock.file.SidecarNames.sidecarName("/b/f"))));
    }

    @Test
    void runReportsALostLockAtOnceAndExits76AfterTheCommand() throws Exception
    {
        Files.createDirectories(root.resolve("a"));
        final Path marker = root.resolve("go-on");
        final StringWriter err = new StringWriter();
        final java.util.concurrent.atomic.AtomicInteger exit = new java.util.concurrent.atomic.AtomicInteger(-1);
        final String old = System.getProperty(FileLockStore.LOCK_EXPIRE_PROP_NAME);
        System.setProperty(FileLockStore.LOCK_EXPIRE_PROP_NAME, "PT0.3S"); // heartbeat every 100 ms
        try
        {
            // The command removes its own lock file (as break --force or an operator would), then
            // waits (bounded) until the test has seen run report the loss.
            final Thread t = new Thread(() ->
            {
                final CommandLine cl = PathlockCommand.commandLine();
                cl.setOut(new PrintWriter(new StringWriter(), true));
                cl.setErr(new PrintWriter(err, true));
                exit.set(cl.execute("run", "--root", root.toString(), "--subtree", "/a", "--", "sh", "-c",
                    "rm \"$PATHLOCK_ROOT/a/.path.ovlock\" && for i in $(seq 1 400); do test -f " + marker +
                    " && exit 0; sleep 0.05; done; exit 9"));
            }, "run");
            t.start();
            final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!err.toString().contains("LOCK LOST") && System.nanoTime() < deadline && t.isAlive())
            {
                Thread.onSpinWait();
            }
            assertTrue(err.toString().contains("LOCK LOST"), "run did not report the loss: " + err);
            assertTrue(err.toString().contains("removed"), err.toString());
            Files.writeString(marker, "");
            t.join(Duration.ofSeconds(20).toMillis());
            assertFalse(t.isAlive());
        }
        finally
        {
            if (old == null)
            {
                System.clearProperty(FileLockStore.LOCK_EXPIRE_PROP_NAME);
            }
            else
            {
                System.setProperty(FileLockStore.LOCK_EXPIRE_PROP_NAME, old);
            }
        }
        assertEquals(RunCommand.EXIT_LOST, exit.get(), err.toString());
    }

    @Test
    void interopChoosesTheWriteDialect() throws Exception
    {
        Files.createDirectories(root.resolve("a"));
        final Outcome ov = exec("run", "--root", root.toString(), "--interop", "ov431", "--subtree", "/a", "--",
            "sh", "-c", "grep -q ':S$' \"$PATHLOCK_ROOT/a/.path.ovlock\"");
        assertEquals(0, ov.exit(), ov.err());
        final Outcome rg = exec("run", "--root", root.toString(), "--interop", "ragfs", "--subtree", "/a", "--",
            "sh", "-c", "grep -q ':T$' \"$PATHLOCK_ROOT/a/.path.ovlock\"");
        assertEquals(0, rg.exit(), rg.err());
        final Outcome bad = exec("status", "--root", root.toString(), "--interop", "ov999");
        assertEquals(64, bad.exit(), bad.err());
        assertTrue(bad.err().contains("ov999"), bad.err());
    }

    @Test
    void anEmptyRootIsABadUsageNotTheCurrentDirectory()
    {
        for (final String cmd : new String[] {"status", "break"})
        {
            final Outcome o = cmd.equals("status") ? exec(cmd, "--root", "") : exec(cmd, "--root", "", "/a");
            assertEquals(64, o.exit(), cmd + ": " + o.err());
            assertTrue(o.err().contains("--root"), o.err());
        }
        assertFalse(Files.exists(Path.of(FileLockStore.RESERVED_DIR_NAME)), "status created .pathlock in the working directory");
    }

    @Test
    void runWithMvLocksBothSides() throws Exception
    {
        Files.createDirectories(root.resolve("src/d"));
        Files.createDirectories(root.resolve("dst"));
        final Outcome o = exec("run", "--root", root.toString(), "--mv", "/src/d", "/dst", "--dir", "--",
            "sh", "-c", "test -f \"$PATHLOCK_ROOT/src/d/.path.ovlock\" && test -f \"$PATHLOCK_ROOT/dst/.path.ovlock\"");
        assertEquals(0, o.exit(), o.err());
    }

    @Test
    void runIsBusyWith75AndNamesTheHolder() throws Exception
    {
        try (FileLockStore other = FileLockStore.open(root))
        {
            final LockStore.PublishResult held = other.tryPublish("other-writer", LockRequest.subtree("/x").entries());
            assertTrue(held.isGranted());
            final Outcome o = exec("run", "--root", root.toString(), "-n", "--point", "/x/y", "--", "true");
            assertEquals(RunCommand.EXIT_BUSY, o.exit());
            assertTrue(o.err().contains("busy"), o.err());
            assertTrue(o.err().contains("other-writer"), o.err());
            final long t0 = System.nanoTime();
            final Outcome timed = exec("run", "--root", root.toString(), "--timeout", "200ms", "--point", "/x/y", "--", "true");
            assertEquals(RunCommand.EXIT_BUSY, timed.exit());
            assertTrue(timed.err().contains("timed out"), timed.err());
            assertTrue(System.nanoTime() - t0 >= Duration.ofMillis(200).toNanos());
        }
        assertEquals(0, exec("run", "--root", root.toString(), "--point", "/x/y", "--", "true").exit());
    }

    @Test
    void badUsageIs64()
    {
        assertEquals(PathlockCommand.EXIT_USAGE, exec("run", "--root", root.toString(), "--", "true").exit());
        assertEquals(PathlockCommand.EXIT_USAGE, exec("run", "--root", root.toString(), "--point", "/a").exit());
        assertEquals(PathlockCommand.EXIT_USAGE, exec("run", "--point", "/a", "--", "true").exit());
        assertEquals(PathlockCommand.EXIT_USAGE, exec("run", "--root", root.toString(), "--point", "relative", "--", "true").exit());
        assertEquals(PathlockCommand.EXIT_USAGE, exec("run", "--root", root.toString(), "--timeout", "soon", "--point", "/a",
            "--", "true").exit());
        assertEquals(RunCommand.EXIT_NOT_STARTED, exec("run", "--root", root.toString(), "--point", "/a", "--",
            "/no/such/command").exit());
    }

    @Test
    void statusListsLocksAsTableAndJson() throws Exception
    {
        Files.createDirectories(root.resolve("p"));
        Files.writeString(root.resolve("p/.path.ovlock"), "python-owner:" + java.time.temporal.ChronoUnit.NANOS.between(java.time.Instant.EPOCH, java.time.Instant.now()) + ":P");
        Files.writeString(root.resolve(".junk.path.ovlock"), "");
        try (FileLockStore other = FileLockStore.open(root))
        {
            assertTrue(other.tryPublish("live-one", LockRequest.subtree("/live").entries()).isGranted());
            final Outcome table = exec("status", "--root", root.toString());
            assertEquals(0, table.exit(), table.err());
            assertTrue(table.out().contains("3 lock file(s)"), table.out());
            assertTrue(table.out().contains("alive"), table.out());
            assertTrue(table.out().contains("foreign"), table.out());
            assertTrue(table.out().contains("unparseable"), table.out());
            final Outcome json = exec("status", "--root", root.toString(), "--json");
            assertEquals(0, json.exit());
            assertTrue(json.out().contains("\"path\": \"/live\""), json.out());
            assertTrue(json.out().contains("\"state\": \"alive\""), json.out());
            assertTrue(json.out().contains("\"owner\": \"python-owner\""), json.out());
            assertTrue(json.out().contains("\"state\": \"unparseable\""), json.out());
            assertTrue(json.out().contains("\"pid\": " + ProcessHandle.current().pid()), json.out());
        }
    }

    @Test
    void breakRemovesStaleLocksAndLiveOnesOnlyWithForce() throws Exception
    {
        Files.writeString(root.resolve(".dead.path.ovlock"), "pl1|1|h|0000000000000000|gone:1:P");
        final Outcome stale = exec("break", "--root", root.toString(), "/dead");
        assertEquals(0, stale.exit(), stale.err());
        assertTrue(stale.out().contains("removed stale"), stale.out());
        assertFalse(Files.exists(root.resolve(".dead.path.ovlock")));
        assertEquals(1, exec("break", "--root", root.toString(), "/dead").exit());
        try (FileLockStore other = FileLockStore.open(root))
        {
            assertTrue(other.tryPublish("live", LockRequest.point("/live").entries()).isGranted());
            final Outcome kept = exec("break", "--root", root.toString(), "/live");
            assertEquals(RunCommand.EXIT_BUSY, kept.exit());
            assertTrue(Files.exists(root.resolve(io.pathlock.file.SidecarNames.sidecarName("/live"))));
            final Outcome forced = exec("break", "--root", root.toString(), "/live", "--force");
            assertEquals(0, forced.exit(), forced.err());
            assertFalse(Files.exists(root.resolve(io.pathlock.file.SidecarNames.sidecarName("/live"))));
        }
    }
}

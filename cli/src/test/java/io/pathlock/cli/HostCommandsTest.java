package io.pathlock.cli;

import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.file.FileLockStore;
import io.pathlock.host.HostLockStore;
import io.pathlock.host.HostTable;
import io.pathlock.store.LockStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.pathlock.cli.FileCommandsTest.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code run}, {@code status} and {@code break} with {@code --store host} on real roots, real host
 * tables and real commands; a {@link HostLockStore} opened by the test is another session (as another
 * process would be), and a killed {@code pathlock run} JVM leaves a dead session behind.
 */
class HostCommandsTest
{
    @TempDir
    Path root;

    private final List<CliProcess> started = new ArrayList<>();

    @AfterEach
    void killLeftovers()
    {
        for (final CliProcess p : started)
        {
            p.process.descendants().forEach(ProcessHandle::destroyForcibly);
            p.process.destroyForcibly();
        }
    }

    private static List<LockRequest.Entry> entries(final String path, final LockType type)
    {
        return List.of(new LockRequest.Entry(LockPath.parse(path), type));
    }

    @Test
    void runHoldsTheTableLocksWhileTheCommandRunsWithInteropNone() throws Exception
    {
        final Path startedFile = root.resolve("started");
        final Path go = root.resolve("go");
        final Path env = root.resolve("env");
        final CliProcess run = CliProcess.start(root, "run", "run", "--root", root.toString(), "--store", "host",
            "--interop", "none", "--subtree", "/d", "--", "sh", "-c",
            "echo \"$PATHLOCK_STORE $PATHLOCK_FENCING_TOKEN\" > " + env + "; touch " + startedFile + "; " +
                "for i in $(seq 1 1200); do test -f " + go + " && exit 3; sleep 0.05; done; exit 9");
        started.add(run);
        run.await("the command started", () -> Files.exists(startedFile), true);
        try (HostLockStore other = HostLockStore.open(root))
        {
            assertEquals("none", other.interop());
            assertFalse(other.tryPublish("other", entries("/d/x", LockType.POINT)).isGranted(),
                "the table granted a lock under run's SUBTREE while the command ran");
            Files.writeString(go, "");
            assertEquals(3, run.waitFor(Duration.ofSeconds(60)), run.errText());
            assertTrue(run.errText().contains("SIGKILL"), "no warning that interop none has no keeper: " + run.errText());
            assertTrue(other.tryPublish("other", entries("/d/x", LockType.POINT)).isGranted(), "released after the command");
        }
        final String seen = Files.readString(env).trim();
        assertTrue(seen.startsWith("host:"), seen);
        assertTrue(Long.parseLong(seen.substring(seen.lastIndexOf(' ') + 1)) > 0, seen);
        try (java.util.stream.Stream<Path> s = Files.walk(root))
        {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains("ovlock")), "interop none wrote a lock file");
        }
    }

    @Test
    void runWithRagfsPublishesTheLockFilesToo() throws Exception
    {
        Files.createDirectories(root.resolve("a"));
        final FileCommandsTest.Outcome o = exec("run", "--root", root.toString(), "--store", "host", "--subtree", "/a",
            "--", "sh", "-c", "test -f \"$PATHLOCK_ROOT/a/.path.ovlock\" && exit 7");
        assertEquals(7, o.exit(), o.err());
        assertFalse(Files.exists(root.resolve("a/.path.ovlock")), "released after the command");
        try (HostTable t = HostLockStore.openTable(root))
        {
            assertNotNull(t);
            assertEquals("ragfs", t.interop(), "the default mode of a new root");
            assertTrue(t.locks().isEmpty(), t.locks().toString());
        }
    }

    @Test
    void optionsOfOneStoreKindAreRefusedWithTheOther()
    {
        final FileCommandsTest.Outcome none = exec("run", "--root", root.toString(), "--interop", "none", "--point", "/a",
            "--", "true");
        assertEquals(PathlockCommand.EXIT_USAGE, none.exit());
        assertTrue(none.err().contains("--store host"), none.err());
        final FileCommandsTest.Outcome cap = exec("status", "--root", root.toString(), "--host-capacity", "10");
        assertEquals(PathlockCommand.EXIT_USAGE, cap.exit());
        assertTrue(cap.err().contains("--host-capacity"), cap.err());
        final FileCommandsTest.Outcome kind = exec("status", "--root", root.toString(), "--store", "shm");
        assertEquals(PathlockCommand.EXIT_USAGE, kind.exit());
        assertTrue(kind.err().contains("shm"), kind.err());
        final FileCommandsTest.Outcome zk = exec("status", "--zookeeper", "127.0.0.1:1", "--store", "host");
        assertEquals(PathlockCommand.EXIT_USAGE, zk.exit());
        assertTrue(zk.err().contains("--store"), zk.err());
        final FileCommandsTest.Outcome slot = exec("break", "--root", root.toString(), "--slot", "1");
        assertEquals(PathlockCommand.EXIT_USAGE, slot.exit());
        assertTrue(slot.err().contains("--slot"), slot.err());
        final FileCommandsTest.Outcome badMode = exec("status", "--root", root.toString(), "--store", "host", "--interop",
            "ov999");
        assertEquals(PathlockCommand.EXIT_USAGE, badMode.exit());
        assertTrue(badMode.err().contains("ov999"), badMode.err());
        assertFalse(Files.exists(root.resolve(FileLockStore.RESERVED_DIR_NAME)), "a refused command created .pathlock");
    }

    @Test
    void statusListsTheModeCapacitySessionsAndTableLocks() throws Exception
    {
        final FileCommandsTest.Outcome empty = exec("status", "--root", root.toString(), "--store", "host");
        assertEquals(0, empty.exit(), empty.err());
        assertTrue(empty.out().contains("no host table"), empty.out());
        assertFalse(Files.exists(root.resolve(FileLockStore.RESERVED_DIR_NAME)), "status created the table");
        try (HostLockStore s = HostLockStore.builder(root).interop("none").capacity(512).build())
        {
            assertTrue(s.tryPublish("holder", entries("/st/a", LockType.SUBTREE)).isGranted());
            final FileCommandsTest.Outcome o = exec("status", "--root", root.toString(), "--store", "host");
            assertEquals(0, o.exit(), o.err());
            assertTrue(o.out().contains("interop none"), o.out());
            assertTrue(o.out().contains("capacity 512"), o.out());
            final String line = o.out().lines().filter(l -> l.endsWith(" /st/a")).findFirst().orElse(null);
            assertNotNull(line, o.out());
            assertTrue(line.startsWith("alive"), line);
            assertTrue(line.contains(" " + ProcessHandle.current().pid() + " "), line);
            assertTrue(line.contains(" " + s.slot() + " "), line);
            assertTrue(o.out().contains("# 1 table lock(s)"), o.out());
            final FileCommandsTest.Outcome json = exec("status", "--root", root.toString(), "--store", "host", "--json");
            assertEquals(0, json.exit(), json.err());
            assertTrue(json.out().contains("\"interop\": \"none\""), json.out());
            assertTrue(json.out().contains("\"capacity\": 512"), json.out());
            assertTrue(json.out().contains("\"path\": \"/st/a\""), json.out());
            assertTrue(json.out().contains("\"slot\": " + s.slot()), json.out());
        }
    }

    @Test
    void breakRefusesALiveSessionWithoutForceClearsItWithForceAndExplainsPaths() throws Exception
    {
        try (HostLockStore live = HostLockStore.open(root))
        {
            final LockStore.PublishResult mine = live.tryPublish("live-holder", entries("/live", LockType.POINT));
            assertTrue(mine.isGranted());

            final FileCommandsTest.Outcome explain = exec("break", "--root", root.toString(), "--store", "host", "/live");
            assertEquals(PathlockCommand.EXIT_USAGE, explain.exit());
            assertTrue(explain.err().contains("--slot") && explain.err().contains("slot " + live.slot()), explain.err());

            final FileCommandsTest.Outcome kept = exec("break", "--root", root.toString(), "--store", "host", "--slot",
                Integer.toString(live.slot()));
            assertEquals(RunCommand.EXIT_BUSY, kept.exit(), kept.err());
            assertNull(live.check(mine.publication()), "a refused break took the lock away");

            final FileCommandsTest.Outcome forced = exec("break", "--root", root.toString(), "--store", "host", "--slot",
                Integer.toString(live.slot()), "--force");
            assertEquals(0, forced.exit(), forced.err());
            assertTrue(forced.out().contains("cleared live session slot " + live.slot()), forced.out());
            assertNotNull(live.check(mine.publication()), "the forced break left the lock intact");

            final FileCommandsTest.Outcome free = exec("break", "--root", root.toString(), "--store", "host", "--slot",
                "99");
            assertEquals(1, free.exit(), free.err());
        }
    }

    @Test
    void runWhoseSessionIsBrokenWithForceExits76AfterTheCommand() throws Exception
    {
        final Path startedFile = root.resolve("started");
        final Path go = root.resolve("go");
        final CliProcess run = CliProcess.start(root, "run", "run", "--root", root.toString(), "--store", "host",
            "--interop", "none", "--point", "/b", "--", "sh", "-c", "touch " + startedFile + "; for i in $(seq 1 1200); " +
                "do test -f " + go + " && exit 0; sleep 0.05; done; exit 9");
        started.add(run);
        run.await("the command started", () -> Files.exists(startedFile), true);
        final int slot;
        try (HostTable t = HostLockStore.openTable(root))
        {
            slot = t.locks().stream().filter(l -> l.path().equals("/b")).findFirst().orElseThrow().slot();
        }
        final FileCommandsTest.Outcome forced = exec("break", "--root", root.toString(), "--store", "host", "--slot",
            Integer.toString(slot), "--force");
        assertEquals(0, forced.exit(), forced.err());
        try (HostLockStore other = HostLockStore.open(root))
        {
            assertTrue(other.tryPublish("other", entries("/b", LockType.POINT)).isGranted(), "the broken lock is still held");
        }
        Files.writeString(go, "");
        assertEquals(RunCommand.EXIT_LOST, run.waitFor(Duration.ofSeconds(60)), run.errText());
        assertTrue(run.errText().contains("slot " + slot), run.errText());
    }

    @Test
    void breakOfAPathOnAHostRootNotesTheTable() throws Exception
    {
        Files.createDirectories(root.resolve("a"));
        try (HostLockStore s = HostLockStore.open(root))
        {
            assertTrue(s.tryPublish("holder", entries("/a", LockType.SUBTREE)).isGranted());
            final FileCommandsTest.Outcome o = exec("break", "--root", root.toString(), "/a");
            assertEquals(RunCommand.EXIT_BUSY, o.exit(), o.err());
            assertTrue(o.err().contains("host lock table") && o.err().contains("--slot"), o.err());
            assertTrue(Files.exists(root.resolve("a/.path.ovlock")), "a live lock file was removed without --force");
        }
    }

    @Test
    void afterKillNineOfRunWithRagfsTheKeepersLockFilesStillExcludeHostStoreProcesses() throws Exception
    {
        Files.createDirectories(root.resolve("d"));
        final Path startedFile = root.resolve("started");
        final Path go = root.resolve("go");
        final CliProcess run = CliProcess.start(root, "run", "run", "--root", root.toString(), "--store", "host",
            "--subtree", "/d", "--", "sh", "-c", "touch " + startedFile + "; for i in $(seq 1 1200); do test -f " + go +
                " && exit 0; sleep 0.05; done; exit 9");
        started.add(run);
        run.await("the command started", () -> Files.exists(startedFile), true);
        final List<ProcessHandle> survivors = run.process.descendants().toList();
        assertFalse(survivors.isEmpty(), "no keeper/command below run");
        run.process.destroyForcibly().waitFor();
        try (HostLockStore other = HostLockStore.open(root))
        {
            other.table().recoverDead();
            assertTrue(other.table().locks().stream().noneMatch(l -> l.path().equals("/d")),
                "the killed run's table lock survived recovery: " + other.table().locks());
            final LockStore.PublishResult r = other.tryPublish("other", entries("/d/x", LockType.POINT));
            assertFalse(r.isGranted(), "granted while the killed run's command still runs");
            assertFalse("host".equals(r.conflict().source()), "refused by the table, not by the keeper's files: " +
                r.conflict());
            Files.writeString(go, "");
            for (final ProcessHandle p : survivors)
            {
                p.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            LockStore.PublishResult later = other.tryPublish("other", entries("/d/x", LockType.POINT));
            while (!later.isGranted() && System.nanoTime() < deadline)
            {
                other.awaitChange(later.blocker(), Duration.ofSeconds(1).toNanos());
                later = other.tryPublish("other", entries("/d/x", LockType.POINT));
            }
            assertTrue(later.isGranted(), "the lock files outlived the command: " + later.conflict());
        }
    }

    @Test
    void breakOfADeadSessionBeforeAnyoneRecoveredIt() throws Exception
    {
        final Path startedFile = root.resolve("started");
        final CliProcess run = CliProcess.start(root, "run", "run", "--root", root.toString(), "--store", "host",
            "--interop", "none", "--point", "/k", "--", "sh", "-c", "touch " + startedFile + "; sleep 120");
        started.add(run);
        run.await("the command started", () -> Files.exists(startedFile), true);
        final List<ProcessHandle> command = run.process.descendants().toList();
        run.process.destroyForcibly().waitFor();
        command.forEach(ProcessHandle::destroyForcibly);
        final FileCommandsTest.Outcome status = exec("status", "--root", root.toString(), "--store", "host");
        assertEquals(0, status.exit(), status.err());
        final String line = status.out().lines().filter(l -> l.endsWith(" /k")).findFirst().orElse(null);
        assertNotNull(line, "status (which recovers nothing) lost the dead session's lock: " + status.out());
        assertTrue(line.startsWith("dead"), line);
        final String slot = line.trim().split("\\s+")[5];
        final FileCommandsTest.Outcome cleared = exec("break", "--root", root.toString(), "--store", "host", "--slot", slot);
        assertEquals(0, cleared.exit(), cleared.err());
        assertTrue(cleared.out().contains("1 table lock(s) released"), cleared.out());
        try (HostTable t = HostLockStore.openTable(root))
        {
            assertTrue(t.locks().isEmpty(), t.locks().toString());
        }
    }
}

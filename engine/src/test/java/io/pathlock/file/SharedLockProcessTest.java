package io.pathlock.file;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.file.interop.OvDialectModel;
import io.pathlock.file.interop.OvVerdict;
import io.pathlock.file.interop.Ov431Model;
import io.pathlock.file.interop.RagfsModel;
import io.pathlock.store.LockStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shared locks between real processes: child JVMs ({@link FileLockChild} mode {@code store}) drive
 * their own {@link FileLockStore}, ordered by stdin/stdout handshakes and killed with
 * {@code kill -9}. Invariants are {@link SharedGroups}' (M1–M6).
 */
class SharedLockProcessTest
{
    @TempDir
    Path root;

    private static List<LockRequest.Entry> entry(final String path, final LockType type, final LockMode mode)
    {
        return List.of(new LockRequest.Entry(LockPath.parse(path), type, mode));
    }

    private ChildProcess child(final Dialect d) throws Exception
    {
        final ChildProcess c = ChildProcess.start("store", root.toString(), d.id());
        c.expect("READY");
        return c;
    }

    private OvDialectModel model(final Dialect d)
    {
        return d == Dialect.RAGFS ? new RagfsModel(root, "") : new Ov431Model(root, "");
    }

    /**
     * Two processes share a lock; an exclusive request in a third waits (by notification and polling,
     * no timing in the test) until both left; OpenViking's model judges the group's file HELD while
     * any member remains.
     */
    @ParameterizedTest
    @EnumSource(Dialect.class)
    void twoProcessesShareAndAnExclusiveOneInAThirdWaitsForBoth(final Dialect d) throws Exception
    {
        Files.createDirectories(root.resolve("a"));
        final Path file = root.resolve("a/.path.ovlock");
        try (ChildProcess c1 = child(d); ChildProcess c2 = child(d); ChildProcess c3 = child(d))
        {
            c1.send("pub 1 reader1 ps /a");
            c1.expect("GRANTED 1");
            c2.send("pub 2 reader2 ss /a");
            c2.expect("GRANTED 2");
            assertEquals(OvVerdict.HELD, model(d).judge(file, FileLockStore.systemWallNanos()).verdict());
            c3.send("wait 3 writer px /a 120000");
            final String waiting = c3.expect("WAITING 3");
            assertTrue(waiting.contains("SHARED"), waiting);
            c1.send("unpub 1");
            c1.expect("UNPUBLISHED 1");
            assertTrue(Files.exists(file), "one member remains: the file stays");
            assertEquals(OvVerdict.HELD, model(d).judge(file, FileLockStore.systemWallNanos()).verdict());
            try (FileLockStore probe = FileLockStore.builder(root).dialect(d).build())
            {
                assertFalse(probe.tryPublish("probe", entry("/a", LockType.POINT, LockMode.EXCLUSIVE)).isGranted(),
                    "the exclusive lock is still refused while reader2 holds");
            }
            assertFalse(c3.transcript().contains("GRANTED 3"), c3.transcript());
            c2.send("unpub 2");
            c2.expect("UNPUBLISHED 2");
            c3.expect("GRANTED 3", 60);
            final LockTokenDescriptor.Token t = LockTokenDescriptor.parse(Files.readAllBytes(file),
                (int)Files.size(file));
            assertEquals(LockTokenDescriptor.Origin.FLOCK, t.origin(), "the writer's own exclusive token now");
            c3.send("unpub 3");
            c3.expect("UNPUBLISHED 3");
        }
    }

    /** M4: kill -9 one shared member: its record is reaped and the file stays while the other remains. */
    @Test
    void aKilledMembersRecordIsReapedAndTheFileStays() throws Exception
    {
        Files.createDirectories(root.resolve("a"));
        final Path file = root.resolve("a/.path.ovlock");
        try (ChildProcess c1 = child(Dialect.RAGFS); ChildProcess c2 = child(Dialect.RAGFS))
        {
            c1.send("pub 1 r1 ps /a");
            c1.expect("GRANTED 1");
            c2.send("pub 2 r2 ps /a");
            c2.expect("GRANTED 2");
            c1.kill();
            assertTrue(Files.exists(file));
            try (FileLockStore s = FileLockStore.open(root))
            {
                final LockFileInfo info = s.status().get(0);
                assertEquals(LockMode.SHARED, info.mode());
                assertEquals(LockFileState.ALIVE, info.state());
                assertEquals(2, info.members().size());
                assertEquals(1, info.members().stream().filter(m -> m.state() == LockFileState.STALE).count(),
                    info.members().toString());
                final LockStore.PublishResult x = s.tryPublish("w", entry("/a", LockType.POINT, LockMode.EXCLUSIVE));
                assertFalse(x.isGranted(), "the other member is alive");
                c2.send("refresh 2");
                c2.expect("REFRESHED 2 true");
                final LockFileInfo after = s.status().get(0);
                assertEquals(1, after.members().size(), "the heartbeat reaped the killed member's record");
                assertEquals(LockFileState.ALIVE, after.members().get(0).state());
                assertTrue(Files.exists(file));
                assertEquals(OvVerdict.HELD, model(Dialect.RAGFS).judge(file, FileLockStore.systemWallNanos()).verdict());
                c2.send("unpub 2");
                c2.expect("UNPUBLISHED 2");
                assertFalse(Files.exists(file));
                assertTrue(s.tryPublish("w", entry("/a", LockType.POINT, LockMode.EXCLUSIVE)).isGranted());
            }
        }
    }

    /** M1, M4: kill -9 every member: the group is stale and taken over at once, like any stale lock. */
    @Test
    void killingEveryMemberMakesTheGroupStaleAndItIsTakenOver() throws Exception
    {
        Files.createDirectories(root.resolve("a/b"));
        final Path file = root.resolve("a/.path.ovlock");
        try (ChildProcess c1 = child(Dialect.OV431); ChildProcess c2 = child(Dialect.OV431))
        {
            c1.send("pub 1 r1 ss /a");
            c1.expect("GRANTED 1");
            c2.send("pub 2 r2 ps /a");
            c2.expect("GRANTED 2");
            c1.kill();
            c2.kill();
        }
        assertTrue(Files.exists(file), "kill -9 left the group's file behind");
        try (FileLockStore s = FileLockStore.builder(root).dialect(Dialect.OV431).build())
        {
            assertEquals(LockFileState.STALE, s.status().get(0).state());
            final LockStore.PublishResult r = s.tryPublish("w", entry("/a/b", LockType.POINT, LockMode.EXCLUSIVE));
            assertTrue(r.isGranted(), () -> "refused: " + r.conflict());
            assertEquals(1, s.reapedCount());
            assertFalse(Files.exists(file));
            try (var dirs = Files.list(root.resolve(".pathlock/shared")))
            {
                assertEquals(0, dirs.count(), "the dead members' records went with the group");
            }
        }
    }
}

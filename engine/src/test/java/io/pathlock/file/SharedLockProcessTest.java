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

    /**
     * The four kinds' rule, written out by hand from issue 15 (independent of {@code LockType} and
     * {@code LockRequest.Entry}): two locks conflict where they meet (same path; a SUBTREE and a path
     * below it) unless both are shared.
     */
    static boolean conflict(final String a, final String b)
    {
        final boolean aShared = a.charAt(1) == 's';
        final boolean bShared = b.charAt(1) == 's';
        if (aShared && bShared)
        {
            return false;
        }
        final String pa = a.substring(2);
        final String pb = b.substring(2);
        if (pa.equals(pb))
        {
            return true;
        }
        return a.charAt(0) == 's' && below(pb, pa) || b.charAt(0) == 's' && below(pa, pb);
    }

    private static boolean below(final String p, final String ancestor)
    {
        return ancestor.equals("/") ? !p.equals("/") : p.startsWith(ancestor + "/");
    }

    /**
     * Replays ENTER/EXIT records in file order against {@link #conflict}; returns {sections, shared
     * overlaps (shared sections inside together where they meet)}. Fencing tokens must increase between conflicting sections in entry order.
     */
    static long[] verifySharedLog(final Path log) throws Exception
    {
        final java.util.Map<String, String[]> inside = new java.util.HashMap<>();
        final java.util.Map<String, Long> lastExit = new java.util.HashMap<>();
        long sections = 0;
        long overlaps = 0;
        int lineNo = 0;
        for (final String line : Files.readAllLines(log))
        {
            lineNo++;
            final String[] f = line.split(" ");
            if (f[0].equals("ENTER"))
            {
                for (final java.util.Map.Entry<String, String[]> other : inside.entrySet())
                {
                    if (conflict(other.getValue()[0], f[2]))
                    {
                        org.junit.jupiter.api.Assertions.fail("line " + lineNo + ": " + f[1] + " entered " + f[2] +
                            " while " + other.getKey() + " held " + other.getValue()[0]);
                    }
                    if (conflict(other.getValue()[0].charAt(0) + "x" + other.getValue()[0].substring(2), f[2]))
                    {
                        // Two shared sections that meet (they would conflict if one were exclusive).
                        overlaps++;
                    }
                }
                for (final java.util.Map.Entry<String, Long> done : lastExit.entrySet())
                {
                    if (conflict(done.getKey(), f[2]))
                    {
                        assertTrue(Long.parseLong(f[3]) > done.getValue(), "line " + lineNo + ": token " + f[3] +
                            " of " + f[2] + " not above " + done.getValue() + " of an earlier conflicting " + done.getKey());
                    }
                }
                inside.put(f[1], new String[] {f[2], f[3]});
                sections++;
            }
            else
            {
                final String[] was = inside.remove(f[1]);
                assertTrue(was != null, "line " + lineNo + ": EXIT without ENTER");
                lastExit.merge(was[0], Long.parseLong(was[1]), Math::max);
            }
        }
        assertTrue(inside.isEmpty(), "sections left open: " + inside.keySet());
        return new long[] {sections, overlaps};
    }

    @Test
    void theVerifierIsNotVacuous() throws Exception
    {
        final Path log = root.resolve("bad.txt");
        Files.writeString(log, "ENTER 1 ss/t 1\nENTER 2 px/t/a 2\nEXIT 1 ss/t 1\nEXIT 2 px/t/a 2\n");
        final AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
            () -> verifySharedLog(log));
        assertTrue(e.getMessage().contains("while 1 held ss/t"), e.getMessage());
        Files.writeString(log, "ENTER 1 ss/t 1\nENTER 2 ps/t/a 2\nENTER 3 ss/t 3\nEXIT 1 ss/t 1\nEXIT 2 ps/t/a 2\n" +
            "EXIT 3 ss/t 3\nENTER 4 sx/t 2\nEXIT 4 sx/t 2\n");
        final AssertionError t = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
            () -> verifySharedLog(log));
        assertTrue(t.getMessage().contains("token 2"), t.getMessage());
        Files.writeString(log, "ENTER 1 ss/t 1\nENTER 2 ps/t/a 2\nENTER 3 ss/t 3\nEXIT 1 ss/t 1\nEXIT 2 ps/t/a 2\n" +
            "EXIT 3 ss/t 3\nENTER 4 sx/t 4\nEXIT 4 sx/t 4\n");
        assertEquals(3, verifySharedLog(log)[1], "2 meets 1, 3 meets 1 and 2");
    }

    /**
     * Mutual exclusion with the four kinds across 3 processes x 3 threads (one owner each, straight
     * on the store): no exclusive section overlaps a conflicting one, shared sections do overlap, and
     * fencing tokens increase between conflicting sections, checked on an O_APPEND log by a verifier
     * that does not use the lock code.
     */
    @Test
    void sharedAndExclusiveKindsAcrossProcesses() throws Exception
    {
        Files.createDirectories(root.resolve("t/a/x/deep"));
        Files.createDirectories(root.resolve("t/b/y"));
        Files.writeString(root.resolve("t/a/f"), "file");
        Files.writeString(root.resolve("t/b/g"), "file");
        final Path log = root.resolve("log.txt");
        final int processes = 3;
        final int threads = 3;
        final int iterations = 60;
        final java.util.List<ChildProcess> children = new java.util.ArrayList<>();
        try
        {
            for (int p = 0; p < processes; p++)
            {
                children.add(ChildProcess.start("sharedmutex", root.toString(), log.toString(), "" + threads,
                    "" + iterations, "" + (41 + p)));
            }
            for (final ChildProcess c : children)
            {
                c.expect("READY");
            }
            for (final ChildProcess c : children)
            {
                c.send("go");
            }
            for (final ChildProcess c : children)
            {
                final String done = c.expect("DONE", 300);
                assertFalse(c.transcript().contains("FAILED"), c.transcript());
                assertTrue(done.contains("grants=" + threads * iterations), done);
            }
            final long[] v = verifySharedLog(log);
            assertEquals(processes * threads * iterations, v[0]);
            System.out.println("sharedmutex: " + v[0] + " sections, " + v[1] + " shared overlaps where they meet");
            assertTrue(v[1] > 0, "shared holders never met (the test would prove little)");
        }
        finally
        {
            for (final ChildProcess c : children)
            {
                c.close();
            }
        }
        try (var files = Files.walk(root.resolve("t")))
        {
            assertEquals(0, files.filter(f -> f.getFileName().toString().endsWith(".path.ovlock") ||
                f.getFileName().toString().startsWith(".exact.ovlock.")).count(), "every lock file was removed");
        }
        try (var dirs = Files.list(root.resolve(".pathlock/shared")))
        {
            assertEquals(0, dirs.count(), "every group's directory was removed");
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

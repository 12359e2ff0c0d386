package io.pathlock.file;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockConflict;
import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockTimeoutException;
import io.pathlock.core.LockType;
import io.pathlock.core.LockUpgradeException;
import io.pathlock.file.interop.Ov431Model;
import io.pathlock.file.interop.OvDialectModel;
import io.pathlock.file.interop.OvFileJudgement;
import io.pathlock.file.interop.OvVerdict;
import io.pathlock.file.interop.RagfsModel;
import io.pathlock.posix.PosixBackends;
import io.pathlock.store.LockStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shared to exclusive upgrades in the lock-file store ({@link SharedGroups} M7, M8; DESIGN §3.2,
 * "Upgrades"): alone, with another member, timed out, two upgraders of two processes, and a process
 * killed in the middle of one; in both dialects, judged by OpenViking's independent models.
 */
class SharedUpgradeTest
{
    private static final String RAGFS_PREFIX = "/local";
    private static final String LOCK = ".path.ovlock";
    /** The name suffix of an upgrade mark (M8), spelt out so that the test does not depend on the constant. */
    private static final String UPGRADE_SUFFIX = ".upgrade";

    @TempDir
    Path root;

    private final List<FileLockStore> stores = new ArrayList<>();
    private final List<LockManager> managers = new ArrayList<>();

    @AfterEach
    void close()
    {
        for (final LockManager m : managers)
        {
            m.close();
        }
        for (final FileLockStore s : stores)
        {
            s.close();
        }
    }

    private static String prefix(final Dialect d)
    {
        return d == Dialect.RAGFS ? RAGFS_PREFIX : "";
    }

    private OvDialectModel model(final Dialect d)
    {
        return d == Dialect.RAGFS ? new RagfsModel(root, RAGFS_PREFIX) : new Ov431Model(root, "");
    }

    private FileLockStore store(final Dialect d, final InterposedPosix posix)
    {
        final FileLockStore.Builder b = FileLockStore.builder(root).dialect(d).ovPathPrefix(prefix(d));
        final FileLockStore s = (posix == null ? b : b.posix(posix)).build();
        stores.add(s);
        return s;
    }

    private LockManager manager(final Dialect d)
    {
        final LockManager m = LockManager.builder().store(FileLockStore.builder(root).dialect(d).ovPathPrefix(prefix(d))
            .build()).startAgent(false).build();
        managers.add(m);
        return m;
    }

    private static List<LockRequest.Entry> entry(final String path, final LockType type, final LockMode mode)
    {
        return List.of(new LockRequest.Entry(LockPath.parse(path), type, mode));
    }

    private static void granted(final LockStore.PublishResult r)
    {
        assertTrue(r.isGranted(), () -> "refused: " + r.conflict());
    }

    private LockTokenDescriptor.Token token(final Path file) throws IOException
    {
        final byte[] b = Files.readAllBytes(file);
        return LockTokenDescriptor.parse(b, b.length);
    }

    private List<Path> groupFiles(final String gid, final String suffix) throws IOException
    {
        final Path dir = root.resolve(".pathlock/shared/" + gid);
        if (!Files.isDirectory(dir))
        {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir))
        {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().collect(Collectors.toList());
        }
    }

    private void assertHeldByOpenViking(final Dialect d, final Path file, final String when)
    {
        final OvFileJudgement j = model(d).judge(file, FileLockStore.systemWallNanos());
        assertEquals(OvVerdict.HELD, j.verdict(), () -> d.id() + " judges " + file + " " + when + " as " + j);
    }

    /** Waits (by polling the file system, bounded) until the upgrade mark of the group appears (M8). */
    private void awaitMark(final String gid) throws IOException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (groupFiles(gid, UPGRADE_SUFFIX).isEmpty())
        {
            assertTrue(System.nanoTime() - deadline < 0, "no upgrade mark appeared in group " + gid);
            Thread.onSpinWait();
        }
    }

    static Stream<Arguments> upgrades()
    {
        final List<Arguments> out = new ArrayList<>();
        for (final Dialect d : Dialect.values())
        {
            out.add(Arguments.of(d, LockType.POINT, LockType.POINT));
            out.add(Arguments.of(d, LockType.SUBTREE, LockType.SUBTREE));
            out.add(Arguments.of(d, LockType.POINT, LockType.SUBTREE));
        }
        return out.stream();
    }

    /**
     * M7: the only member's upgrade replaces the group's file by its own exclusive file; OpenViking's
     * models judge the file HELD before, right before the rename, right after it (before the record
     * goes) and after. Failed before M7: the store refused with "release the shared lock first".
     */
    @ParameterizedTest(name = "{0}: {1}-SHARED to {2}")
    @MethodSource("upgrades")
    void anUpgradeAloneBecomesAnExclusiveFileHeldThroughout(final Dialect d, final LockType from, final LockType to)
        throws IOException
    {
        Files.createDirectories(root.resolve("d/t"));
        final InterposedPosix posix = new InterposedPosix(PosixBackends.select(null).posix());
        final FileLockStore s = store(d, posix);
        final LockStore.PublishResult shared = s.tryPublish("one", entry("/d/t", from, LockMode.SHARED));
        granted(shared);
        final Path file = root.resolve("d/t/" + LOCK);
        final String gid = token(file).groupId();
        assertNotNull(gid);
        assertHeldByOpenViking(d, file, "before the upgrade");
        final List<Path> records = groupFiles(gid, SharedGroups.MEMBER_SUFFIX);
        assertEquals(1, records.size());

        final List<String> steps = new ArrayList<>();
        posix.before(InterposedPosix.Call.RENAME_AT, LOCK, () ->
        {
            assertHeldByOpenViking(d, file, "right before the conversion's rename");
            steps.add("rename");
            posix.before(InterposedPosix.Call.UNLINK_AT, records.get(0).getFileName().toString(), () ->
            {
                assertHeldByOpenViking(d, file, "after the rename, before the member record goes");
                try
                {
                    assertNull(token(file).groupId(), "the file is the owner's exclusive one now");
                }
                catch (final IOException e)
                {
                    throw new AssertionError(e);
                }
                steps.add("commit");
            });
        });
        final LockStore.PublishResult up = s.tryPublish("one", entry("/d/t", to, LockMode.EXCLUSIVE));
        granted(up);
        assertEquals(List.of("rename", "commit"), steps);

        assertHeldByOpenViking(d, file, "after the upgrade");
        final LockTokenDescriptor.Token t = token(file);
        assertNull(t.groupId());
        assertTrue(t.ownerId().endsWith("one"), t.ownerId());
        assertEquals(to, t.type());
        assertEquals(d.code(to), model(d).judge(file, FileLockStore.systemWallNanos()).type().charValue());
        assertFalse(Files.exists(root.resolve(".pathlock/shared/" + gid)), "the group's directory went");
        assertEquals(0, s.sharedMembershipCount());
        assertEquals(1, s.heldFileCount());

        // Another process: neither an exclusive request nor a shared joiner gets in.
        final FileLockStore other = store(d, null);
        final LockStore.PublishResult x = other.tryPublish("two", entry("/d/t", LockType.POINT, LockMode.EXCLUSIVE));
        assertFalse(x.isGranted());
        assertEquals(LockConflict.Reason.HELD, x.conflict().reason());
        assertFalse(other.tryPublish("two", entry("/d/t", LockType.POINT, LockMode.SHARED)).isGranted());

        // The old shared publication is spent: its heartbeat and check pass, its release removes nothing.
        assertTrue(s.refresh(shared.publication()));
        assertNull(s.check(shared.publication()));
        s.unpublish(shared.publication());
        assertTrue(Files.exists(file));
        assertNull(s.check(up.publication()));
        assertTrue(s.refresh(up.publication()));
        s.unpublish(up.publication());
        assertFalse(Files.exists(file));
        granted(other.tryPublish("two", entry("/d/t", LockType.POINT, LockMode.EXCLUSIVE)));
    }

    /**
     * M7: with another live member the upgrade is refused as an ordinary conflict and the group, the
     * upgrader's membership included, is left as it was; once the other left, it succeeds. Failed
     * before M7 (an exception instead of a refusal, then no upgrade at all).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Dialect.class)
    void anUpgradeWithAnotherMemberIsRefusedUntilItLeaves(final Dialect d) throws IOException
    {
        Files.createDirectories(root.resolve("a"));
        final FileLockStore s1 = store(d, null);
        final FileLockStore s2 = store(d, null);
        granted(s1.tryPublish("one", entry("/a", LockType.POINT, LockMode.SHARED)));
        final LockStore.PublishResult two = s2.tryPublish("two", entry("/a", LockType.POINT, LockMode.SHARED));
        granted(two);
        final Path file = root.resolve("a/" + LOCK);
        final String gid = token(file).groupId();

        final LockStore.PublishResult refused = s1.tryPublish("one", entry("/a", LockType.POINT, LockMode.EXCLUSIVE));
        assertFalse(refused.isGranted());
        assertEquals(LockConflict.Reason.HELD, refused.conflict().reason());
        assertEquals(gid, token(file).groupId(), "the group's file is untouched");
        assertEquals(2, groupFiles(gid, SharedGroups.MEMBER_SUFFIX).size());
        assertEquals(1, s1.sharedMembershipCount());

        s2.unpublish(two.publication());
        granted(s1.tryPublish("one", entry("/a", LockType.POINT, LockMode.EXCLUSIVE)));
        assertNull(token(file).groupId());
        assertHeldByOpenViking(d, file, "after the upgrade");
    }

    /**
     * M7, undo: SUBTREE-SHARED /d upgraded to SUBTREE while another process shares POINT /d/t below.
     * The conversion happens, the subtree check finds the group below and the request backs off: the
     * group's file is put back with the same gid and the upgrader is still its member; after the
     * other left, the upgrade succeeds. Failed before M7.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Dialect.class)
    void aSubtreeUpgradeThatMeetsASharedGroupBelowIsUndone(final Dialect d) throws IOException
    {
        Files.createDirectories(root.resolve("d/t"));
        final FileLockStore s1 = store(d, null);
        final FileLockStore s2 = store(d, null);
        final LockStore.PublishResult mine = s1.tryPublish("one", entry("/d", LockType.SUBTREE, LockMode.SHARED));
        granted(mine);
        final LockStore.PublishResult below = s2.tryPublish("two", entry("/d/t", LockType.POINT, LockMode.SHARED));
        granted(below);
        final Path file = root.resolve("d/" + LOCK);
        final String gid = token(file).groupId();

        final LockStore.PublishResult refused = s1.tryPublish("one", entry("/d", LockType.SUBTREE, LockMode.EXCLUSIVE));
        assertFalse(refused.isGranted());
        assertEquals("/d/t", refused.conflict().path());
        final LockTokenDescriptor.Token back = token(file);
        assertEquals(gid, back.groupId(), "the group's file is back");
        assertEquals(LockType.SUBTREE, back.type());
        assertHeldByOpenViking(d, file, "after the undone upgrade");
        assertEquals(1, s1.sharedMembershipCount());
        assertEquals(0, s1.heldFileCount());
        assertNull(s1.check(mine.publication()));
        assertTrue(s1.refresh(mine.publication()));

        s2.unpublish(below.publication());
        final LockStore.PublishResult up = s1.tryPublish("one", entry("/d", LockType.SUBTREE, LockMode.EXCLUSIVE));
        granted(up);
        assertNull(token(file).groupId());
        assertFalse(s2.tryPublish("two", entry("/d/t", LockType.POINT, LockMode.SHARED)).isGranted(),
            "SUBTREE exclusive now excludes shared locks below");
    }

    /**
     * Through the facade across two managers (two processes): the upgrade waits for the other member
     * (its upgrade mark shows it waits, M8) and completes when that member leaves; the mark goes.
     * Failed before M7: the acquire threw a LockStoreException.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Dialect.class)
    void anUpgradeWaitsUntilTheOtherMemberLeaves(final Dialect d) throws Exception
    {
        Files.createDirectories(root.resolve("w"));
        final LockHandle up = manager(d).open("up");
        final LockHandle reader = manager(d).open("reader");
        up.tryAcquire(LockRequest.pointShared("/w"));
        reader.tryAcquire(LockRequest.pointShared("/w"));
        final Path file = root.resolve("w/" + LOCK);
        final String gid = token(file).groupId();

        final CompletableFuture<Void> upgraded = CompletableFuture.runAsync(() ->
        {
            try
            {
                up.acquire(LockRequest.point("/w"), Duration.ofSeconds(60));
            }
            catch (final InterruptedException e)
            {
                throw new AssertionError(e);
            }
        });
        awaitMark(gid);
        assertFalse(upgraded.isDone());
        assertEquals(gid, token(file).groupId());
        reader.releaseAll();
        upgraded.get(60, TimeUnit.SECONDS);
        final LockTokenDescriptor.Token t = token(file);
        assertNull(t.groupId());
        assertTrue(t.ownerId().endsWith(up.ownerId()), t.ownerId());
        assertFalse(Files.exists(root.resolve(".pathlock/shared/" + gid)));
        up.releaseAll();
        assertFalse(Files.exists(file));
    }

    /**
     * An upgrade that times out keeps its shared membership and leaves no upgrade mark (M8), so a
     * later upgrader of another process is not refused because of it. Failed before M7 (a
     * LockStoreException instead of the timeout).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Dialect.class)
    void anUpgradeThatTimesOutKeepsTheSharedMembership(final Dialect d) throws Exception
    {
        Files.createDirectories(root.resolve("w"));
        final LockHandle up = manager(d).open("up");
        final LockHandle reader = manager(d).open("reader");
        up.tryAcquire(LockRequest.pointShared("/w"));
        reader.tryAcquire(LockRequest.pointShared("/w"));
        final Path file = root.resolve("w/" + LOCK);
        final String gid = token(file).groupId();

        final LockTimeoutException e = assertThrows(LockTimeoutException.class,
            () -> up.acquire(LockRequest.point("/w"), Duration.ofMillis(100)));
        assertEquals(gid, token(file).groupId());
        assertEquals(2, groupFiles(gid, SharedGroups.MEMBER_SUFFIX).size(), "both memberships stay");
        assertTrue(groupFiles(gid, UPGRADE_SUFFIX).isEmpty(), "the mark went with the wait");

        // The reader may now upgrade and wait: no stale mark of the first makes it fail fast.
        final CompletableFuture<Void> second = CompletableFuture.runAsync(() ->
        {
            try
            {
                reader.acquire(LockRequest.point("/w"), Duration.ofSeconds(60));
            }
            catch (final InterruptedException ie)
            {
                throw new AssertionError(ie);
            }
        });
        awaitMark(gid);
        up.releaseAll();
        second.get(60, TimeUnit.SECONDS);
        assertTrue(token(file).ownerId().endsWith(reader.ownerId()));
    }

    /**
     * M8, two upgraders of one group in two processes: the one that enters its wait second fails fast
     * with LockUpgradeException, keeping its shared lock; the first completes once the loser releases.
     * Real child processes. Failed before M8 (both got a LockStoreException at once).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Dialect.class)
    void twoUpgradersInTwoProcessesExactlyOneFailsFast(final Dialect d) throws Exception
    {
        Files.createDirectories(root.resolve("w"));
        try (ChildProcess first = ChildProcess.start("upgrader", root.toString(), d.id(), prefix(d));
            ChildProcess second = ChildProcess.start("upgrader", root.toString(), d.id(), prefix(d)))
        {
            first.expect("READY");
            second.expect("READY");
            first.send("shared ps /w");
            first.expect("SHARED");
            second.send("shared ps /w");
            second.expect("SHARED");
            final String gid = token(root.resolve("w/" + LOCK)).groupId();

            first.send("upgrade px /w 120000");
            awaitMark(gid);
            second.send("upgrade px /w 120000");
            final String lost = second.expectAny("UPGRADE_REFUSED", "UPGRADED", "TIMEOUT", "FAILED");
            assertTrue(lost.startsWith("UPGRADE_REFUSED"), lost);
            final long ms = Long.parseLong(lost.split(" ")[1]);
            assertTrue(ms < 60_000, "failed fast, not at its timeout: " + lost);
            assertEquals(gid, token(root.resolve("w/" + LOCK)).groupId(), "the loser still shares the lock");
            assertEquals(2, groupFiles(gid, SharedGroups.MEMBER_SUFFIX).size());

            second.send("release");
            second.expect("RELEASED");
            final String won = first.expectAny("UPGRADED", "UPGRADE_REFUSED", "TIMEOUT", "FAILED");
            assertTrue(won.startsWith("UPGRADED"), won);
            final LockTokenDescriptor.Token t = token(root.resolve("w/" + LOCK));
            assertNull(t.groupId());
            first.send("release");
            first.expect("RELEASED");
        }
    }

    /**
     * A process killed with SIGKILL in the middle of an upgrade: stopped right before the conversion's
     * rename (the group is held by the member) or right after it (the exclusive file is held, the
     * member record not yet removed). While stopped, OpenViking judges the file HELD; after the kill,
     * the file is stale to pathlock and taken over by exactly one new holder. Failed before M7 (the
     * child never reached a conversion: its upgrade failed at once).
     */
    @ParameterizedTest(name = "{0}: stopped before {1}")
    @MethodSource("stops")
    void aKillMidUpgradeLeavesAHeldOrStaleLockNeverTwoHolders(final Dialect d, final String at) throws Exception
    {
        Files.createDirectories(root.resolve("w"));
        final Path file = root.resolve("w/" + LOCK);
        final String gid;
        try (ChildProcess child = ChildProcess.start("upgrader", root.toString(), d.id(), prefix(d)))
        {
            child.expect("READY");
            child.send("shared ps /w");
            child.expect("SHARED");
            gid = token(file).groupId();
            child.send("stop " + at);
            child.expect("ARMED");
            child.send("upgrade px /w 120000");
            child.expect("STOPPED");
            assertHeldByOpenViking(d, file, "while the upgrader is stopped before " + at);
            final LockTokenDescriptor.Token mid = token(file);
            if (at.equals("rename"))
            {
                assertEquals(gid, mid.groupId(), "still the group's file");
            }
            else
            {
                assertNull(mid.groupId(), "already the exclusive file");
            }
            child.kill();
        }
        final FileLockStore a = store(d, null);
        final FileLockStore b = store(d, null);
        final LockStore.PublishResult took = a.tryPublish("a", entry("/w", LockType.POINT, LockMode.EXCLUSIVE));
        granted(took);
        assertTrue(token(file).ownerId().endsWith("a"));
        final LockStore.PublishResult again = b.tryPublish("b", entry("/w", LockType.POINT, LockMode.EXCLUSIVE));
        assertFalse(again.isGranted(), "never two holders");
        assertFalse(b.tryPublish("b", entry("/w", LockType.POINT, LockMode.SHARED)).isGranted());
        a.unpublish(took.publication());
        granted(b.tryPublish("b", entry("/w", LockType.POINT, LockMode.SHARED)));
    }

    static Stream<Arguments> stops()
    {
        final List<Arguments> out = new ArrayList<>();
        for (final Dialect d : Dialect.values())
        {
            out.add(Arguments.of(d, "rename"));
            out.add(Arguments.of(d, "commit"));
        }
        return out.stream();
    }
}

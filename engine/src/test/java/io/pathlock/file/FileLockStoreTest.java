package io.pathlock.file;

import io.pathlock.core.LockConflict;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockStoreException;
import io.pathlock.core.LockType;
import io.pathlock.store.LockStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FileLockStore} in one JVM: two store instances on one root behave as two processes (each has
 * its own nonce, registry and open file descriptions, so {@code flock} separates them). Invariant
 * numbers refer to the class comment of {@link FileLockStore}.
 */
class FileLockStoreTest
{
    @TempDir
    Path root;

    private Path sidecar(final String lockPath)
    {
        return Layouts.sidecar(root, lockPath);
    }

    private final List<FileLockStore> stores = new ArrayList<>();

    @AfterEach
    void closeStores()
    {
        for (final FileLockStore s : stores)
        {
            s.close();
        }
    }

    private FileLockStore store()
    {
        return store(FileLockStore.builder(root));
    }

    private FileLockStore store(final FileLockStore.Builder b)
    {
        final FileLockStore s = b.build();
        stores.add(s);
        return s;
    }

    static List<LockRequest.Entry> point(final String... paths)
    {
        return LockRequest.point(paths).entries();
    }

    static List<LockRequest.Entry> subtree(final String... paths)
    {
        return LockRequest.subtree(paths).entries();
    }

    static String read(final Path p) throws Exception
    {
        return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
    }

    @Test
    void pointOnDirectoryUsesDirectoryFormAndReleaseRemovesIt() throws Exception
    {
        Files.createDirectories(root.resolve("a/b"));
        final FileLockStore s = store();
        final LockStore.PublishResult r = s.tryPublish("w1", point("/a/b"));
        assertTrue(r.isGranted(), () -> "refused: " + r.conflict());
        final Path lock = root.resolve("a/b/.path.ovlock");
        final String token = read(lock);
        assertTrue(token.startsWith("pl1|" + ProcessHandle.current().pid() + "|"), token);
        assertTrue(token.endsWith("|w1:" + token.split(":")[1] + ":E"), token);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(lock)));
        s.unpublish(r.publication());
        assertFalse(Files.exists(lock));
        assertEquals(0, s.heldFileCount());
    }

    @ParameterizedTest
    @ValueSource(strings = {"jni", "jnr", "nio"})
    void protocolOnEveryBackend(final String backend) throws Exception
    {
        Files.createDirectories(root.resolve("a/b/c"));
        Files.writeString(root.resolve("a/b/file"), "x");
        final FileLockStore a = store(FileLockStore.builder(root).backend(backend));
        final FileLockStore b = store(FileLockStore.builder(root).backend(backend));
        assertTrue(a.describe().contains("(" + backend), a.describe());
        assertEquals("nio".equals(backend), a.describe().contains("degraded"), a.describe());
        final LockStore.PublishResult p1 = a.tryPublish("A", point("/a/b/c", "/a/b/file"));
        assertTrue(p1.isGranted(), () -> String.valueOf(p1.conflict()));
        assertTrue(Files.exists(root.resolve("a/b/c/.path.ovlock")));
        assertTrue(Files.exists(sidecar("/a/b/file")));
        final LockStore.PublishResult r1 = b.tryPublish("B", subtree("/a"));
        assertFalse(r1.isGranted());
        assertEquals(LockConflict.Reason.HELD, r1.conflict().reason());
        assertFalse(b.tryPublish("B", point("/a/b/file")).isGranted());
        assertTrue(b.tryPublish("B", point("/a/b")).isGranted(), "POINT on the parent does not conflict");
        final LockStore.PublishResult up = a.tryPublish("A", subtree("/a/b/c"));
        assertTrue(up.isGranted(), () -> String.valueOf(up.conflict()));
        assertTrue(a.refresh(p1.publication()) && a.refresh(up.publication()));
        a.unpublish(p1.publication());
        a.unpublish(up.publication());
        assertEquals(0, a.heldFileCount());
        assertFalse(Files.exists(root.resolve("a/b/c/.path.ovlock")));
        assertFalse(Files.exists(sidecar("/a/b/file")));
        if (!"nio".equals(backend))
        {
            Files.writeString(root.resolve("a/b/c/.path.ovlock"), "pl1|1|h|0000000000000000|gone:1:P");
            assertTrue(b.tryPublish("B2", point("/a/b/c")).isGranted(), "a dead pl1 holder is reclaimed at once");
        }
        else
        {
            Files.writeString(root.resolve("a/b/c/.path.ovlock"), "pl1|1|h|0000000000000000|gone:" + FileLockStore.systemWallNanos() + ":P");
            assertFalse(b.tryPublish("B2", point("/a/b/c")).isGranted(), "without flock a young pl1 token is held");
        }
    }

    @Test
    void fileAndMissingPathsUseSidecarsSoSiblingsDoNotBlock() throws Exception
    {
        Files.createDirectories(root.resolve("d"));
        Files.writeString(root.resolve("d/f1"), "x");
        final FileLockStore a = store();
        final FileLockStore b = store();
        final LockStore.PublishResult r1 = a.tryPublish("w1", point("/d/f1"));
        final LockStore.PublishResult r2 = b.tryPublish("w2", point("/d/f2"));
        assertTrue(r1.isGranted());
        assertTrue(r2.isGranted());
        assertTrue(Files.exists(sidecar("/d/f1")));
        assertTrue(Files.exists(sidecar("/d/f2")));
        final LockStore.PublishResult r3 = b.tryPublish("w3", point("/d/f1"));
        assertFalse(r3.isGranted());
        assertEquals(LockConflict.Reason.HELD, r3.conflict().reason());
        assertEquals("/d/f1", r3.conflict().path());
        assertTrue(r3.conflict().holderOwnerId().endsWith("|w1"), r3.conflict().toString());
    }

    @Test
    void rootIsLockable() throws Exception
    {
        final FileLockStore a = store();
        final FileLockStore b = store();
        final LockStore.PublishResult r = a.tryPublish("w1", subtree("/"));
        assertTrue(r.isGranted());
        assertTrue(Files.exists(root.resolve(".path.ovlock")));
        assertFalse(b.tryPublish("w2", point("/x/y")).isGranted());
        a.unpublish(r.publication());
        assertTrue(b.tryPublish("w2", point("/x/y")).isGranted());
        assertFalse(a.tryPublish("w1", subtree("/")).isGranted(), "SUBTREE on / sees the lock below");
    }

    @Test
    void conflictMatrixBetweenTwoStores() throws Exception
    {
        Files.createDirectories(root.resolve("a/b/c"));
        final FileLockStore a = store();
        final FileLockStore b = store();
        // SUBTREE above blocks POINT below
        LockStore.PublishResult held = a.tryPublish("A", subtree("/a"));
        assertTrue(held.isGranted());
        assertFalse(b.tryPublish("B", point("/a/b/c")).isGranted());
        assertFalse(b.tryPublish("B", subtree("/a/b")).isGranted());
        assertFalse(b.tryPublish("B", point("/a")).isGranted());
        assertTrue(b.tryPublish("B", point("/z")).isGranted());
        a.unpublish(held.publication());
        // POINT above does not block below
        held = a.tryPublish("A", point("/a"));
        assertTrue(held.isGranted());
        final LockStore.PublishResult below = b.tryPublish("B", point("/a/b/c"));
        assertTrue(below.isGranted());
        // POINT below blocks SUBTREE above (scan), the conflict names the descendant
        final LockStore.PublishResult st = a.tryPublish("A2", subtree("/a/b"));
        assertFalse(st.isGranted());
        assertEquals("/a/b/c", st.conflict().path());
        // and the refused SUBTREE left nothing behind
        assertFalse(Files.exists(root.resolve("a/b/.path.ovlock")));
        b.unpublish(below.publication());
        assertTrue(a.tryPublish("A2", subtree("/a/b")).isGranted());
    }

    @Test
    void lockOnAFileSeesASubtreeLockTakenBeforeItsParentExisted() throws Exception
    {
        // Invariant 1: /n was a file when A locked it (sidecar form, as ragfs does for an existing
        // file); then the file was replaced by a directory.
        Files.writeString(root.resolve("n"), "data");
        final FileLockStore a = store();
        final FileLockStore b = store();
        final LockStore.PublishResult held = a.tryPublish("A", subtree("/n"));
        assertTrue(held.isGranted());
        assertTrue(Files.exists(sidecar("/n")));
        Files.delete(root.resolve("n"));
        Files.createDirectories(root.resolve("n/m"));
        final LockStore.PublishResult r = b.tryPublish("B", point("/n/m"));
        assertFalse(r.isGranted());
        assertEquals("/n", r.conflict().path());
        assertFalse(b.tryPublish("B", point("/n")).isGranted(), "directory form of /n must see the sidecar");
    }

    @Test
    void ownLocksDoNotConflictAndUpgradeReplacesTheFile() throws Exception
    {
        Files.createDirectories(root.resolve("a/b"));
        final FileLockStore s = store();
        final FileLockStore other = store();
        final LockStore.PublishResult p1 = s.tryPublish("w", point("/a/b"));
        assertTrue(p1.isGranted());
        final Path lock = root.resolve("a/b/.path.ovlock");
        final Object inode1 = Files.getAttribute(lock, "unix:ino");
        // SUBTREE above own POINT
        final LockStore.PublishResult p2 = s.tryPublish("w", subtree("/a"));
        assertTrue(p2.isGranted(), () -> String.valueOf(p2.conflict()));
        // upgrade own POINT to SUBTREE in place
        final LockStore.PublishResult p3 = s.tryPublish("w", subtree("/a/b"));
        assertTrue(p3.isGranted(), () -> String.valueOf(p3.conflict()));
        assertTrue(read(lock).endsWith(":T"));
        assertFalse(inode1.equals(Files.getAttribute(lock, "unix:ino")), "replaced by rename");
        // another owner is refused
        assertFalse(other.tryPublish("x", point("/a/b/c")).isGranted());
        assertTrue(s.refresh(p1.publication()), "a superseded publication is still intact");
        s.unpublish(p1.publication());
        assertTrue(Files.exists(lock), "releasing the superseded POINT keeps the SUBTREE file");
        s.unpublish(p3.publication());
        s.unpublish(p2.publication());
        assertFalse(Files.exists(lock));
        assertFalse(Files.exists(root.resolve("a/.path.ovlock")));
        assertEquals(0, s.heldFileCount());
    }

    @Test
    void upgradeThatBacksOffRestoresThePoint() throws Exception
    {
        Files.createDirectories(root.resolve("a/b/c"));
        final FileLockStore s = store();
        final FileLockStore other = store();
        final LockStore.PublishResult p1 = s.tryPublish("w", point("/a/b"));
        final LockStore.PublishResult below = other.tryPublish("x", point("/a/b/c"));
        assertTrue(p1.isGranted() && below.isGranted());
        final LockStore.PublishResult up = s.tryPublish("w", subtree("/a/b"));
        assertFalse(up.isGranted());
        assertEquals("/a/b/c", up.conflict().path());
        final Path lock = root.resolve("a/b/.path.ovlock");
        assertTrue(read(lock).endsWith(":E"), "the POINT is back");
        assertTrue(s.refresh(p1.publication()));
        assertFalse(other.tryPublish("y", point("/a/b")).isGranted(), "and still held");
        s.unpublish(p1.publication());
        assertFalse(Files.exists(lock));
    }

    @Test
    void deadHolderOfOurFormatIsReclaimedAtOnce() throws Exception
    {
        // A pl1 token nobody flocks: its holder died (invariant 3), whatever its age.
        Files.createDirectories(root.resolve("a"));
        Files.writeString(root.resolve("a/.path.ovlock"),
            "pl1|999999|host|0123456789abcdef|dead@1.1.1:" + FileLockStore.systemWallNanos() + ":S");
        final FileLockStore s = store();
        final LockStore.PublishResult r = s.tryPublish("w", point("/a/b"));
        assertTrue(r.isGranted(), () -> String.valueOf(r.conflict()));
        assertEquals(1, s.reapedCount());
        assertFalse(Files.exists(root.resolve("a/.path.ovlock")));
    }

    @Test
    void foreignTokensAreHeldUntilTheyExpireByAge() throws Exception
    {
        Files.createDirectories(root.resolve("p"));
        Files.createDirectories(root.resolve("s"));
        final long now = FileLockStore.systemWallNanos();
        Files.writeString(root.resolve("p/.path.ovlock"), "openviking-abc:" + now + ":P");
        Files.writeString(root.resolve("s/.path.ovlock"), "host:1234:worker:" + now + ":S");
        final TestClock clock = new TestClock();
        final FileLockStore s = store(FileLockStore.builder(root).clock(clock).wallClock(clock::wallNanos).lockExpire(Duration.ofSeconds(300)));
        LockStore.PublishResult r = s.tryPublish("w", point("/p"));
        assertFalse(r.isGranted());
        assertEquals(LockConflict.Reason.FOREIGN, r.conflict().reason());
        assertEquals(LockType.POINT, r.conflict().holderType());
        assertEquals("openviking-abc", r.conflict().holderOwnerId());
        // a foreign P on an ancestor does not block; a foreign S does, and its owner may contain ':'
        assertTrue(s.tryPublish("w", point("/p/x")).isGranted());
        r = s.tryPublish("w", point("/s/x"));
        assertFalse(r.isGranted());
        assertEquals("host:1234:worker", r.conflict().holderOwnerId());
        assertEquals(LockType.SUBTREE, r.conflict().holderType());

        clock.advance(Duration.ofSeconds(301));
        assertTrue(s.tryPublish("w", point("/p")).isGranted());
        assertTrue(s.tryPublish("w", point("/s/x")).isGranted());
        assertEquals(2, s.reapedCount());
    }

    @Test
    void garbageAndEmptyFilesAreHeldForeverAndReported() throws Exception
    {
        Files.createDirectories(root.resolve("g"));
        Files.createDirectories(root.resolve("e"));
        Files.writeString(root.resolve("g/.path.ovlock"), "garbage without fields");
        Files.writeString(root.resolve("e/.path.ovlock"), "");
        final TestClock clock = new TestClock();
        final FileLockStore s = store(FileLockStore.builder(root).clock(clock).wallClock(clock::wallNanos));
        clock.advance(Duration.ofDays(1));
        for (final String p : new String[] {"/g", "/e"})
        {
            final LockStore.PublishResult r = s.tryPublish("w", point(p));
            assertFalse(r.isGranted(), p);
            assertEquals(LockConflict.Reason.UNPARSEABLE, r.conflict().reason());
        }
        final LockStore.PublishResult sub = s.tryPublish("w", subtree("/"));
        assertFalse(sub.isGranted());
        assertEquals(LockConflict.Reason.UNPARSEABLE, sub.conflict().reason());
        final List<LockFileInfo> status = s.status();
        assertEquals(2, status.size());
        assertEquals(LockFileState.UNPARSEABLE, status.get(0).state());
        assertEquals("empty", status.get(0).detail());
        assertEquals(0, s.breakLock("/g", false).removed().size());
        assertTrue(Files.exists(root.resolve("g/.path.ovlock")));
        assertEquals(1, s.breakLock("/g", true).removed().size());
        assertFalse(Files.exists(root.resolve("g/.path.ovlock")));
    }

    @Test
    void releaseAfterTakeoverKeepsTheNewHoldersLock() throws Exception
    {
        Files.createDirectories(root.resolve("t"));
        final FileLockStore a = store();
        final FileLockStore b = store();
        final LockStore.PublishResult ra = a.tryPublish("A", point("/t"));
        assertTrue(ra.isGranted());
        // An operator breaks A's live lock and B takes it.
        assertEquals(1, b.breakLock("/t", true).removed().size());
        final LockStore.PublishResult rb = b.tryPublish("B", point("/t"));
        assertTrue(rb.isGranted());
        final Path lock = root.resolve("t/.path.ovlock");
        final String bToken = read(lock);
        assertFalse(a.refresh(ra.publication()), "A learns it lost the lock");
        a.unpublish(ra.publication());
        assertEquals(bToken, read(lock), "A's release did not remove B's file (invariant 6)");
        b.unpublish(rb.publication());
        assertFalse(Files.exists(lock));
    }

    @Test
    void refreshKeepsAnAgeJudgedLockAlivePastLockExpire() throws Exception
    {
        // On the java.nio backend tokens are pl1n: judged by age, so only the heartbeat keeps them held.
        final TestClock clock = new TestClock();
        final FileLockStore a = store(FileLockStore.builder(root).backend("nio").clock(clock).wallClock(clock::wallNanos).lockExpire(Duration.ofSeconds(3)));
        final FileLockStore b = store(FileLockStore.builder(root).backend("nio").clock(clock).wallClock(clock::wallNanos).lockExpire(Duration.ofSeconds(3)));
        assertFalse(a.detectsDeathImmediately());
        assertTrue(a.describeDetail().contains("DEGRADED"), a.describeDetail());
        assertEquals(Duration.ofSeconds(1), a.heartbeatInterval());
        final LockStore.PublishResult r = a.tryPublish("A", point("/long"));
        assertTrue(r.isGranted());
        for (int i = 0; i < 5; i++)
        {
            clock.advance(Duration.ofSeconds(2));
            assertTrue(a.refresh(r.publication()));
            assertFalse(b.tryPublish("B", point("/long")).isGranted(), "round " + i);
        }
        // 10 s after acquisition, well past lock_expire, still held; without refresh it expires
        clock.advance(Duration.ofSeconds(4));
        assertTrue(b.tryPublish("B", point("/long")).isGranted());
        assertFalse(a.refresh(r.publication()), "taken over");
    }

    @Test
    void missingDirectoriesCreateOrFail() throws Exception
    {
        final FileLockStore create = store();
        assertTrue(create.tryPublish("w", point("/m/n/o")).isGranted());
        assertTrue(Files.isDirectory(root.resolve("m/n")));
        assertTrue(Files.exists(sidecar("/m/n/o")));
        final FileLockStore fail = store(FileLockStore.builder(root).missingDirectories(MissingDirectories.FAIL));
        final LockStoreException e = assertThrows(LockStoreException.class, () -> fail.tryPublish("w", point("/q/r/s")));
        assertTrue(e.getMessage().contains(root.toRealPath().resolve("q").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        assertFalse(Files.exists(root.resolve("q")));
        // a refused request creates no directory inside the holder's subtree
        final FileLockStore other = store();
        assertTrue(other.tryPublish("holder", subtree("/m/k")).isGranted());
        assertFalse(create.tryPublish("w2", point("/m/k/x/y")).isGranted());
        // SUBTREE on the missing /m/k made the directory (ragfs's tree-lock form); the refused POINT
        // below it created nothing inside the holder's subtree.
        assertFalse(Files.exists(root.resolve("m/k/x")));
    }

    @Test
    void symlinksBelowTheRootAreNeverFollowedInsideOrOutside(@TempDir final Path outside) throws Exception
    {
        // Invariant R1: every operation is descriptor-relative with O_NOFOLLOW, so a lock path through
        // a link is refused by name, whether the link points outside the root or inside it.
        Files.createDirectories(root.resolve("real/sub"));
        Files.createSymbolicLink(root.resolve("escape"), outside);
        Files.createSymbolicLink(root.resolve("inside"), root.resolve("real"));
        final FileLockStore s = store();
        final LockStoreException e = assertThrows(LockStoreException.class, () -> s.tryPublish("w", point("/escape/x")));
        assertTrue(e.getMessage().contains("is a symbolic link"), e.getMessage());
        assertTrue(e.getMessage().contains("escape"), e.getMessage());
        assertThrows(LockStoreException.class, () -> s.tryPublish("w", subtree("/escape")));
        try (var files = Files.list(outside))
        {
            assertEquals(0, files.count(), "nothing written outside the root");
        }
        assertThrows(LockStoreException.class, () -> s.tryPublish("w", point("/inside/sub")));
        assertTrue(s.tryPublish("w", point("/real/sub")).isGranted());
        assertTrue(Files.exists(root.resolve("real/sub/.path.ovlock")));
    }

    @Test
    void aFailingEntryRollsBackTheWholeBatch() throws Exception
    {
        // Fail closed (invariant 9): the second entry fails, the first one's file is removed again.
        final FileLockStore s = store(FileLockStore.builder(root).missingDirectories(MissingDirectories.FAIL));
        final LockStoreException e = assertThrows(LockStoreException.class, () -> s.tryPublish("w", point("/ok", "/q/r/s")));
        assertTrue(e.getMessage().contains("/q"), e.getMessage());
        assertFalse(Files.exists(sidecar("/ok")));
        assertEquals(0, s.heldFileCount());
        try (var tmp = Files.list(root.resolve(".pathlock/tmp/" + ((Number)Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue())))
        {
            assertEquals(0, tmp.count());
        }
    }

    @Test
    void everyDurabilityPolicyPublishesAndReleases() throws Exception
    {
        for (final Durability d : Durability.values())
        {
            final FileLockStore s = store(FileLockStore.builder(root).durability(d));
            final LockStore.PublishResult r = s.tryPublish("w", subtree("/d-" + d));
            assertTrue(r.isGranted(), d::toString);
            assertTrue(s.refresh(r.publication()));
            s.unpublish(r.publication());
            assertFalse(Files.exists(root.resolve(".d-" + d + ".path.ovlock")));
            assertTrue(s.describeDetail().contains("durability " + d.name().toLowerCase(java.util.Locale.ROOT)));
        }
        assertEquals(Durability.DATA_AND_DIRECTORY, Durability.parse("data+directory"));
        assertThrows(IllegalArgumentException.class, () -> Durability.parse("always"));
    }

    @Test
    void badConfigurationIsRefusedByName() throws Exception
    {
        assertThrows(IllegalArgumentException.class, () -> FileLockStore.builder(root).fileMode(0777).build());
        assertThrows(IllegalArgumentException.class, () -> FileLockStore.builder(root).lockExpire(Duration.ZERO).build());
        assertThrows(IllegalArgumentException.class, () -> FileLockStore.builder(root).guardStripes(3).build());
        final LockStoreException e = assertThrows(LockStoreException.class,
            () -> FileLockStore.builder(root.resolve("missing")).build());
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
        final Path file = Files.writeString(root.resolve("plain"), "x");
        assertThrows(LockStoreException.class, () -> FileLockStore.builder(file).build());
    }

    @Test
    void reservedNamesAreRefused()
    {
        final FileLockStore s = store();
        assertThrows(LockStoreException.class, () -> s.tryPublish("w", point("/.pathlock/x")));
        assertThrows(LockStoreException.class, () -> s.tryPublish("w", point("/a/.x.path.ovlock")));
        assertThrows(IllegalArgumentException.class, () -> s.tryPublish("a:b", point("/a")));
    }

    @Test
    void fencingTokensIncreaseAcrossStoresAndReopen()
    {
        final FileLockStore a = store();
        final FileLockStore b = store();
        final long t1 = a.nextFencingToken();
        final long t2 = b.nextFencingToken();
        final long t3 = a.nextFencingToken();
        assertTrue(t1 > 0 && t1 < t2 && t2 < t3, t1 + " " + t2 + " " + t3);
        a.close();
        b.close();
        final FileLockStore c = store();
        final long t4 = c.nextFencingToken();
        assertTrue(t4 > t3, t3 + " " + t4);
        assertTrue((t4 >>> FencingCounter.EPOCH_SHIFT) > (t3 >>> FencingCounter.EPOCH_SHIFT), "epoch bumped on open");
    }

    @Test
    void statusReportsEveryLockFile() throws Exception
    {
        Files.createDirectories(root.resolve("a"));
        Files.writeString(root.resolve("a/f"), "x");
        final FileLockStore s = store();
        assertTrue(s.tryPublish("w1", subtree("/a")).isGranted());
        final FileLockStore t = store();
        assertTrue(t.tryPublish("w2", point("/b/f")).isGranted());
        Files.writeString(sidecar("/a/g"), "py:" + FileLockStore.systemWallNanos() + ":P");
        final List<LockFileInfo> st = t.status();
        assertEquals(3, st.size(), st.toString());
        assertEquals("/a", st.get(0).lockPath());
        assertEquals(LockFileState.ALIVE, st.get(0).state());
        assertEquals(LockType.SUBTREE, st.get(0).type());
        assertEquals(ProcessHandle.current().pid(), st.get(0).pid());
        assertEquals("/a/g", st.get(1).lockPath());
        assertEquals(LockFileState.FOREIGN, st.get(1).state());
        assertEquals("/b/f", st.get(2).lockPath());
        assertNotNull(s.describeDetail());
        assertTrue(s.describe().startsWith("file:"), s.describe());
    }

    @Test
    void lockPathOfParsesBothForms()
    {
        assertEquals(LockPath.parse("/x/a/b"), FileLockStore.lockPathOf(LockPath.parse("/x"), Path.of("a/b/.path.ovlock")));
        assertEquals(LockPath.parse("/x/a/f"), FileLockStore.lockPathOf(LockPath.parse("/x"), Path.of("a/.f.path.ovlock")));
        assertEquals(LockPath.parse("/"), FileLockStore.lockPathOf(LockPath.root(), Path.of(".path.ovlock")));
        assertNull(FileLockStore.lockPathOf(LockPath.root(), Path.of("a/x.path.ovlock")));
    }
}

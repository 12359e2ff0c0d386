package io.pathlock.file;

import io.pathlock.core.LockConflict;
import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.posix.PosixBackends;
import io.pathlock.store.LockStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shared locks in lock files ({@link SharedGroups} M1–M6), with several store instances on one root
 * standing for several processes (each has its own guard descriptors, nonce and flocks, so they meet
 * only through the files). Real processes: {@link SharedLockProcessTest}.
 */
class SharedLockFilesTest
{
    @TempDir
    Path root;

    private final List<FileLockStore> stores = new ArrayList<>();

    @AfterEach
    void close()
    {
        for (final FileLockStore s : stores)
        {
            s.close();
        }
    }

    private FileLockStore store()
    {
        final FileLockStore s = FileLockStore.open(root);
        stores.add(s);
        return s;
    }

    private FileLockStore store(final InterposedPosix posix)
    {
        final FileLockStore s = FileLockStore.builder(root).posix(posix).build();
        stores.add(s);
        return s;
    }

    private static List<LockRequest.Entry> entry(final String path, final LockType type, final LockMode mode)
    {
        return List.of(new LockRequest.Entry(LockPath.parse(path), type, mode));
    }

    private static LockStore.PublishResult ps(final FileLockStore s, final String owner, final String path)
    {
        return s.tryPublish(owner, entry(path, LockType.POINT, LockMode.SHARED));
    }

    private static LockStore.PublishResult ss(final FileLockStore s, final String owner, final String path)
    {
        return s.tryPublish(owner, entry(path, LockType.SUBTREE, LockMode.SHARED));
    }

    private static LockStore.PublishResult px(final FileLockStore s, final String owner, final String path)
    {
        return s.tryPublish(owner, entry(path, LockType.POINT, LockMode.EXCLUSIVE));
    }

    private static LockStore.PublishResult sx(final FileLockStore s, final String owner, final String path)
    {
        return s.tryPublish(owner, entry(path, LockType.SUBTREE, LockMode.EXCLUSIVE));
    }

    private LockTokenDescriptor.Token token(final Path file) throws IOException
    {
        final byte[] b = Files.readAllBytes(file);
        return LockTokenDescriptor.parse(b, b.length);
    }

    private List<Path> members(final String gid) throws IOException
    {
        final Path dir = root.resolve(".pathlock/shared/" + gid);
        if (!Files.isDirectory(dir))
        {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir))
        {
            return s.sorted().collect(Collectors.toList());
        }
    }

    private static void granted(final LockStore.PublishResult r)
    {
        assertTrue(r.isGranted(), () -> "refused: " + r.conflict());
    }

    /** Two holders share one ordinary lock file; an exclusive request waits until both left (M1, M3). */
    @Test
    void twoHoldersShareOneFileAndAnExclusiveRequestWaitsForBoth() throws IOException
    {
        Files.createDirectories(root.resolve("a"));
        final FileLockStore s1 = store();
        final FileLockStore s2 = store();
        final FileLockStore s3 = store();
        final LockStore.PublishResult r1 = ps(s1, "one", "/a");
        granted(r1);
        final LockStore.PublishResult r2 = ps(s2, "two", "/a");
        granted(r2);
        final Path file = root.resolve("a/.path.ovlock");
        final LockTokenDescriptor.Token t = token(file);
        assertEquals(LockTokenDescriptor.Origin.GROUP, t.origin());
        assertEquals(LockType.POINT, t.type());
        assertEquals(2, members(t.groupId()).size(), "one member record per shared holder");

        for (final LockStore.PublishResult x : List.of(px(s3, "x", "/a"), sx(s3, "x", "/a"), sx(s3, "x", "/")))
        {
            assertFalse(x.isGranted());
            assertEquals(LockMode.SHARED, x.conflict().holderMode());
            assertEquals(LockConflict.Reason.HELD, x.conflict().reason());
            assertEquals("/a", x.conflict().path());
        }
        s1.unpublish(r1.publication());
        assertTrue(Files.exists(file), "the file stays while one shared holder remains");
        assertEquals(t.groupId(), token(file).groupId());
        assertFalse(px(s3, "x", "/a").isGranted());
        s2.unpublish(r2.publication());
        assertFalse(Files.exists(file), "the last holder removed the file");
        assertFalse(Files.exists(root.resolve(".pathlock/shared/" + t.groupId())), "and the group's directory");
        final LockStore.PublishResult x = px(s3, "x", "/a");
        granted(x);
        // Fencing: every grant still takes a token from the root's counter.
        final long a = s1.nextFencingToken();
        final long b = s2.nextFencingToken();
        assertTrue(b > a);
    }

    /** Holders of one process (one store, two owners) share as well, and an exclusive one of it waits. */
    @Test
    void twoOwnersOfOneStoreShareAndItsExclusiveOwnerIsRefused() throws IOException
    {
        Files.createDirectories(root.resolve("a"));
        final FileLockStore s = store();
        final LockStore.PublishResult r1 = ps(s, "one", "/a");
        final LockStore.PublishResult r2 = ss(s, "two", "/a");
        granted(r1);
        granted(r2);
        assertEquals(LockType.SUBTREE, token(root.resolve("a/.path.ovlock")).type());
        assertFalse(px(s, "three", "/a/b").isGranted(), "SUBTREE-SHARED /a refuses an exclusive POINT below");
        assertTrue(ps(s, "four", "/a/b").isGranted(), "but not a shared one");
        s.unpublish(r1.publication());
        s.unpublish(r2.publication());
        assertEquals(1, s.sharedMembershipCount());
    }

    /** SUBTREE-SHARED refuses exclusive locks below and on p, not shared ones; SUBTREE-EXCLUSIVE refuses shared groups below. */
    @Test
    void subtreeChecksSeparateSharedFromExclusive() throws IOException
    {
        Files.createDirectories(root.resolve("d/x/y"));
        Files.createDirectories(root.resolve("e/x"));
        final FileLockStore s1 = store();
        final FileLockStore s2 = store();
        granted(ps(s1, "reader", "/d/x"));
        granted(ss(s2, "tree-reader", "/d"));
        assertFalse(sx(s2, "writer", "/d").isGranted(), "a shared group on /d");
        final LockStore.PublishResult above = sx(s2, "writer", "/");
        assertFalse(above.isGranted(), "SUBTREE-EXCLUSIVE refuses shared groups below");
        assertEquals(LockMode.SHARED, above.conflict().holderMode());
        assertFalse(px(s2, "writer", "/d/x/y").isGranted(), "an exclusive POINT below a SUBTREE-SHARED");
        granted(ps(s2, "reader2", "/d/x/y"));

        granted(px(s1, "writer", "/e/x"));
        final LockStore.PublishResult tree = ss(s2, "tree-reader", "/e");
        assertFalse(tree.isGranted(), "SUBTREE-SHARED refuses an exclusive lock below it");
        assertEquals("/e/x", tree.conflict().path());
        assertEquals(LockMode.EXCLUSIVE, tree.conflict().holderMode());
        assertFalse(ss(s2, "tree-reader", "/").isGranted());
        assertFalse(ps(s2, "reader", "/e/x").isGranted(), "shared on an exclusive lock's path");
    }

    /** M5: the type letter is the strongest of the live members', and goes back when the SUBTREE member leaves. */
    @Test
    void theGroupFileCarriesTheStrongestLiveMembersType() throws IOException
    {
        Files.createDirectories(root.resolve("a/b"));
        final FileLockStore s1 = store();
        final FileLockStore s2 = store();
        final Path file = root.resolve("a/.path.ovlock");
        final LockStore.PublishResult point = ps(s1, "p", "/a");
        granted(point);
        assertEquals(LockType.POINT, token(file).type());
        granted(px(s2, "below", "/a/b"));
        final LockStore.PublishResult refused = ss(s2, "t", "/a");
        assertFalse(refused.isGranted(), "the exclusive POINT below refuses the SUBTREE-SHARED");
        assertEquals(LockType.POINT, token(file).type(), "a refused joiner left the type as it was");
        assertEquals(1, members(token(file).groupId()).size(), "and no member record");
        final FileLockStore s3 = store();
        final LockStore.PublishResult sub = ss(s3, "t", "/a/b/c");
        granted(sub);
        s3.unpublish(sub.publication());

        final FileLockStore s4 = store();
        Files.createDirectories(root.resolve("z"));
        final Path zf = root.resolve("z/.path.ovlock");
        final LockStore.PublishResult zp = ps(s4, "p", "/z");
        final LockStore.PublishResult zt = ss(s3, "t", "/z");
        granted(zp);
        granted(zt);
        assertEquals(LockType.SUBTREE, token(zf).type(), "a SUBTREE-SHARED joiner turns the file into S");
        s3.unpublish(zt.publication());
        assertEquals(LockType.POINT, token(zf).type(), "and its leave turns it back");
        assertTrue(s4.refresh(zp.publication()));
        assertEquals(LockType.POINT, token(zf).type());
        s4.unpublish(zp.publication());
        assertFalse(Files.exists(zf));
    }

    /** M4: a dead member's record is reaped under the guard by a live member's heartbeat; the file stays. */
    @Test
    void aDeadMembersRecordIsReapedAndTheFileStays() throws IOException
    {
        Files.createDirectories(root.resolve("a"));
        final FileLockStore s1 = store();
        final LockStore.PublishResult r1 = ps(s1, "alive", "/a");
        granted(r1);
        final Path file = root.resolve("a/.path.ovlock");
        final String gid = token(file).groupId();
        // A member whose process died: a token of this engine that nobody keeps flocked.
        final Path dead = root.resolve(".pathlock/shared/" + gid + "/0000000000000000.1.member");
        Files.writeString(dead, "pl1|1|h|0000000000000000|dead:" + FileLockStore.systemWallNanos() + ":E");
        final List<LockFileInfo> before = store().status();
        assertEquals(1, before.size());
        assertEquals(2, before.get(0).members().size());
        assertEquals(1, before.get(0).members().stream().filter(m -> m.state() == LockFileState.STALE).count());
        assertTrue(Files.exists(dead), "status changed nothing (M6)");
        final long oldTime = token(file).timeNanos();
        assertTrue(s1.refresh(r1.publication()));
        assertFalse(Files.exists(dead), "the heartbeat reaped the dead record");
        assertTrue(Files.exists(file));
        assertTrue(token(file).timeNanos() >= oldTime, "and refreshed the group's time");
        assertNull(s1.check(r1.publication()));
    }

    /** M1, M4: a group whose members all died is stale and taken over like any stale lock. */
    @Test
    void aGroupWithNoLiveMemberIsTakenOver() throws IOException
    {
        Files.createDirectories(root.resolve("a"));
        final String gid = "0123456789abcdef";
        final Path dir = root.resolve(".pathlock/shared/" + gid);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("0000000000000000.1.member"), "pl1|1|h|0000000000000000|x:1:E");
        Files.writeString(dir.resolve("0000000000000000.2.member"), "pl1|1|h|0000000000000000|y:1:T");
        final Path file = root.resolve("a/.path.ovlock");
        Files.writeString(file, LockTokenDescriptor.groupOwnerId(1, "h", gid) + ":" + FileLockStore.systemWallNanos() + ":T");
        final FileLockStore s = store();
        assertEquals(LockFileState.STALE, s.status().get(0).state());
        final LockStore.PublishResult r = px(s, "taker", "/a/b");
        granted(r);
        assertEquals(1, s.reapedCount());
        assertFalse(Files.exists(dir), "the dead records went with the group");
        final LockStore.PublishResult again = ps(store(), "reader", "/a");
        granted(again);
        assertNotEquals(gid, token(file).groupId(), "a new group");
    }

    /** M1: garbage member records, a FIFO among them, keep the group held, are reported, and change nothing. */
    @Test
    void garbageMemberRecordsAreHeldReportedAndLeftInPlace() throws Exception
    {
        Files.createDirectories(root.resolve("a"));
        final FileLockStore s1 = store();
        final LockStore.PublishResult r1 = ps(s1, "alive", "/a");
        granted(r1);
        final Path file = root.resolve("a/.path.ovlock");
        final String gid = token(file).groupId();
        final Path dir = root.resolve(".pathlock/shared/" + gid);
        final Path garbage = dir.resolve("ffffffffffffffff.1.member");
        Files.write(garbage, new byte[] {0, 1, 2, ':', 'x'});
        final Path fifo = dir.resolve("ffffffffffffffff.2.member");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        final Path foreign = dir.resolve("ffffffffffffffff.3.member");
        Files.writeString(foreign, "ov-proc:" + FileLockStore.systemWallNanos() + ":E");

        s1.unpublish(r1.publication());
        assertTrue(Files.exists(file), "records that cannot be judged count as live: the group is kept");
        assertTrue(Files.exists(garbage) && Files.exists(fifo) && Files.exists(foreign), "and nothing was removed");

        final FileLockStore s2 = store();
        final LockStore.PublishResult x = px(s2, "writer", "/a");
        assertFalse(x.isGranted());
        assertEquals(LockMode.SHARED, x.conflict().holderMode());
        final LockFileInfo info = s2.status().get(0);
        assertEquals(LockMode.SHARED, info.mode());
        assertEquals(LockFileState.ALIVE, info.state());
        assertTrue(info.detail().contains("cannot be judged"), info.detail());
        assertEquals(3, info.members().size());
        for (final LockFileInfo.Member m : info.members())
        {
            assertEquals(LockFileState.UNPARSEABLE, m.state(), m.toString());
        }
        assertTrue(info.members().stream().anyMatch(m -> m.detail().contains("not a regular file (FIFO")),
            info.members().toString());
        assertTrue(info.members().stream().anyMatch(m -> m.detail().contains("not a pathlock holder's token")),
            info.members().toString());
        // break without force keeps it; with force it goes (the operator's decision).
        assertEquals(0, s2.breakLock("/a", false).removed().size());
        assertTrue(Files.exists(file));
        assertEquals(1, s2.breakLock("/a", true).removed().size());
        assertFalse(Files.exists(file));
    }

    /**
     * Member directories of dead processes that no group file names (a creator killed before it
     * linked the group's file, a group file broken with force) are removed when a store opens, if old
     * and holding no record that lives or cannot be judged; young ones and those with garbage stay.
     */
    @Test
    void orphanMemberDirectoriesAreRemovedAtOpen() throws IOException
    {
        final java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.fromMillis(
            System.currentTimeMillis() - 2 * HeldFiles.TEMP_ORPHAN_AGE_MILLIS);
        store().close();
        final Path shared = root.resolve(".pathlock/shared");
        final Path dead = Files.createDirectories(shared.resolve("00000000000000aa"));
        Files.writeString(dead.resolve("0000000000000000.1.member"), "pl1|1|h|0000000000000000|x:1:E");
        Files.setLastModifiedTime(dead, old);
        final Path young = Files.createDirectories(shared.resolve("00000000000000bb"));
        Files.writeString(young.resolve("0000000000000000.2.member"), "pl1|1|h|0000000000000000|x:1:E");
        final Path garbage = Files.createDirectories(shared.resolve("00000000000000cc"));
        Files.writeString(garbage.resolve("0000000000000000.3.member"), "garbage");
        Files.setLastModifiedTime(garbage, old);
        final Path notAGroup = Files.createDirectories(shared.resolve("not-a-group"));
        Files.setLastModifiedTime(notAGroup, old);
        store();
        assertFalse(Files.exists(dead), "an old directory of dead records is removed");
        assertTrue(Files.exists(young.resolve("0000000000000000.2.member")), "a young one may be a creator's: kept");
        assertTrue(Files.exists(garbage.resolve("0000000000000000.3.member")), "a record that cannot be judged is kept");
        assertTrue(Files.exists(notAGroup), "what is not a group directory is not touched");
    }

    /** H6 for shared locks: the keeper's share gets the member records' descriptors, held now and later. */
    @Test
    void membersDescriptorsAreSharedWithTheKeeper() throws IOException
    {
        Files.createDirectories(root.resolve("a"));
        Files.createDirectories(root.resolve("b"));
        final FileLockStore s = store();
        final LockStore.PublishResult held = ps(s, "run", "/a");
        granted(held);
        final List<String> events = new ArrayList<>();
        final FileLockStore.DescriptorShare share = new FileLockStore.DescriptorShare()
        {
            @Override
            public void add(final int fd)
            {
                events.add("add");
            }

            @Override
            public void remove(final int fd)
            {
                events.add("remove");
            }
        };
        try (AutoCloseable registration = s.shareDescriptors("run", share))
        {
            assertEquals(List.of("add"), events, "the record held at registration");
            final LockStore.PublishResult later = ss(s, "run", "/b");
            granted(later);
            assertEquals(List.of("add", "add"), events, "a record created later, before it was linked");
            s.unpublish(later.publication());
            s.unpublish(held.publication());
            assertEquals(List.of("add", "add", "remove", "remove"), events);
        }
        catch (final Exception e)
        {
            throw new AssertionError(e);
        }
    }

    /**
     * On java.nio (no flock) member records are judged by age (J2): the heartbeat keeps them young,
     * and a group whose members stopped refreshing expires.
     */
    @Test
    void onJavaNioMembersAreJudgedByAgeAndRefreshed() throws IOException
    {
        Files.createDirectories(root.resolve("a"));
        final TestClock clock = new TestClock();
        final FileLockStore s1 = FileLockStore.builder(root).backend("nio").clock(clock).wallClock(clock::wallNanos).build();
        final FileLockStore s2 = FileLockStore.builder(root).backend("nio").clock(clock).wallClock(clock::wallNanos).build();
        stores.add(s1);
        stores.add(s2);
        final LockStore.PublishResult r1 = ps(s1, "one", "/a");
        granted(r1);
        granted(ps(s2, "two", "/a"));
        assertFalse(px(s2, "w", "/a").isGranted());
        final long beat = s1.heartbeatInterval().toNanos();
        for (int i = 0; i < 6; i++)
        {
            clock.advance(java.time.Duration.ofNanos(beat));
            assertTrue(s1.refresh(r1.publication()));
        }
        // "two" never refreshed: its record expired and the heartbeat of "one" reaped it; the group lives.
        final LockFileInfo info = s2.status().get(0);
        assertEquals(LockFileState.ALIVE, info.state());
        assertEquals(1, info.members().size(), info.members().toString());
        assertFalse(px(s2, "w", "/a").isGranted());
        clock.advance(s1.lockExpire().plusNanos(beat));
        final LockStore.PublishResult x = px(s2, "w", "/a");
        granted(x);
    }

    /** A group token whose id is not 16 hex digits is unparseable: held, never followed as a path. */
    @Test
    void aMalformedGroupIdIsHeldAndNeverUsedAsAPath() throws IOException
    {
        Files.createDirectories(root.resolve("a"));
        final Path file = root.resolve("a/.path.ovlock");
        Files.writeString(file, "pl1g|1|h|../../../etc|shared:" + FileLockStore.systemWallNanos() + ":E");
        final FileLockStore s = store();
        final LockStore.PublishResult r = px(s, "x", "/a");
        assertFalse(r.isGranted());
        assertEquals(LockConflict.Reason.UNPARSEABLE, r.conflict().reason());
        assertFalse(ps(s, "y", "/a").isGranted(), "nor joined");
        assertTrue(Files.exists(file));
    }

    /** A member learns when the group's file is removed (H5); a dead store's memberships go with close (F3). */
    @Test
    void aMemberLearnsItLostTheGroupsFile() throws IOException
    {
        Files.createDirectories(root.resolve("a"));
        final FileLockStore s = store();
        final LockStore.PublishResult r = ps(s, "one", "/a");
        granted(r);
        Files.delete(root.resolve("a/.path.ovlock"));
        final String lost = s.check(r.publication());
        assertNotNull(lost);
        assertTrue(lost.contains("shared lock on /a"), lost);
        assertFalse(s.refresh(r.publication()));
        s.unpublish(r.publication());
        assertEquals(0, s.sharedMembershipCount());
    }

    /**
     * M3, leave first: the last member has removed its record under the guard when a joiner reaches
     * the guard. The joiner must not join the dying group: it creates a new one. Fails if a join
     * does not re-read the file under the guard (it would join a group whose file is gone).
     */
    @Test
    void aJoinerThatMeetsTheLastLeaveCreatesANewGroup() throws Exception
    {
        Files.createDirectories(root.resolve("a"));
        final InterposedPosix pa = new InterposedPosix(PosixBackends.select(null).posix());
        final InterposedPosix pb = new InterposedPosix(PosixBackends.select(null).posix());
        final FileLockStore a = store(pa);
        final FileLockStore b = store(pb);
        final LockStore.PublishResult ra = ps(a, "A", "/a");
        granted(ra);
        final Path file = root.resolve("a/.path.ovlock");
        final String gid = token(file).groupId();
        final CountDownLatch bAtGuard = new CountDownLatch(1);
        final CompletableFuture<LockStore.PublishResult> rb = new CompletableFuture<>();
        // A holds the guard and is about to unlink its record: B runs until it waits for the guard.
        pa.before(InterposedPosix.Call.UNLINK_AT, null, () ->
        {
            pb.before(InterposedPosix.Call.FLOCK, null, bAtGuard::countDown);
            new Thread(() ->
            {
                try
                {
                    rb.complete(ps(b, "B", "/a"));
                }
                catch (final RuntimeException e)
                {
                    rb.completeExceptionally(e);
                }
            }).start();
            try
            {
                assertTrue(bAtGuard.await(30, TimeUnit.SECONDS), "B never reached the guard");
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
        });
        a.unpublish(ra.publication());
        final LockStore.PublishResult r = rb.get(30, TimeUnit.SECONDS);
        assertTrue(pa.fired() && pb.fired(), "the interleaving was not reached");
        granted(r);
        assertTrue(Files.exists(file));
        assertNotEquals(gid, token(file).groupId(), "B made a new group");
        assertTrue(members(gid).isEmpty(), "the old group is gone");
        assertEquals(1, members(token(file).groupId()).size());
        assertNull(b.check(r.publication()));
    }

    /**
     * M3, join first: a joiner holds the guard, has counted the live members and is about to link its
     * record when the last old member leaves. The leave waits for the guard, then sees the joiner and
     * keeps the file. Fails if a leave counts the members without the guard.
     */
    @Test
    void aLeaveThatMeetsAJoinKeepsTheFile() throws Exception
    {
        Files.createDirectories(root.resolve("a"));
        final InterposedPosix pa = new InterposedPosix(PosixBackends.select(null).posix());
        final InterposedPosix pb = new InterposedPosix(PosixBackends.select(null).posix());
        final FileLockStore a = store(pa);
        final FileLockStore b = store(pb);
        final LockStore.PublishResult ra = ps(a, "A", "/a");
        granted(ra);
        final Path file = root.resolve("a/.path.ovlock");
        final String gid = token(file).groupId();
        final CountDownLatch aAtGuard = new CountDownLatch(1);
        final CompletableFuture<Void> leave = new CompletableFuture<>();
        // B's create fails on the existing group's file (its first link of .path.ovlock); the next link
        // is its member record inside join, under the guard: there A starts leaving.
        pb.before(InterposedPosix.Call.LINK_AT, ".path.ovlock", () ->
            pb.before(InterposedPosix.Call.LINK_AT, null, () ->
            {
                pa.before(InterposedPosix.Call.FLOCK, null, aAtGuard::countDown);
                new Thread(() ->
                {
                    try
                    {
                        a.unpublish(ra.publication());
                        leave.complete(null);
                    }
                    catch (final RuntimeException e)
                    {
                        leave.completeExceptionally(e);
                    }
                }).start();
                try
                {
                    assertTrue(aAtGuard.await(30, TimeUnit.SECONDS), "A never reached the guard");
                }
                catch (final InterruptedException e)
                {
                    Thread.currentThread().interrupt();
                }
            }));
        final LockStore.PublishResult rb = ps(b, "B", "/a");
        leave.get(30, TimeUnit.SECONDS);
        assertTrue(pa.fired() && pb.fired(), "the interleaving was not reached");
        granted(rb);
        assertTrue(Files.exists(file), "the leave removed the file of a group with a live member");
        assertEquals(gid, token(file).groupId(), "B joined the old group");
        assertEquals(1, members(gid).size(), "only B's record is left");
        assertNull(b.check(rb.publication()));
        b.unpublish(rb.publication());
        assertFalse(Files.exists(file));
    }

    /** The member records and the group's file are the only things written; both dialects write ordinary tokens. */
    @Test
    void bothDialectsWriteTheGroupAsAnOrdinaryToken() throws IOException
    {
        Files.createDirectories(root.resolve("a"));
        for (final Dialect d : Dialect.values())
        {
            final FileLockStore s = FileLockStore.builder(root).dialect(d).build();
            stores.add(s);
            final LockStore.PublishResult p = ps(s, "p", "/a");
            granted(p);
            final String content = Files.readString(root.resolve("a/.path.ovlock"), StandardCharsets.UTF_8);
            assertTrue(content.matches("pl1g\\|\\d+\\|[^|:]+\\|[0-9a-f]{16}\\|shared:\\d{19}:" + d.code(LockType.POINT)),
                content);
            s.unpublish(p.publication());
            final LockStore.PublishResult t = ss(s, "t", "/a");
            granted(t);
            assertTrue(Files.readString(root.resolve("a/.path.ovlock")).endsWith(":" + d.code(LockType.SUBTREE)));
            s.unpublish(t.publication());
        }
    }
}

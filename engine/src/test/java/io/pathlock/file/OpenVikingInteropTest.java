package io.pathlock.file;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.file.interop.Ov431Model;
import io.pathlock.file.interop.OvDecision;
import io.pathlock.file.interop.OvDialectModel;
import io.pathlock.file.interop.OvFileJudgement;
import io.pathlock.file.interop.OvKind;
import io.pathlock.file.interop.OvVerdict;
import io.pathlock.file.interop.RagfsModel;
import io.pathlock.store.LockStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pathlock and OpenViking on one tree, judged by OpenViking's behaviour: the independent models in
 * {@code io.pathlock.file.interop} (written from OpenViking's sources, sharing no code with the
 * store) decide what an OpenViking process would do. For every cell of the conflict matrix (lock
 * kinds × relations), in both directions and both dialects:
 * <ul>
 *   <li>pathlock holds, OpenViking asks: OpenViking is refused exactly where the matrix says
 *   conflict, and every file pathlock wrote is HELD to it (never free, stale or invalid);</li>
 *   <li>OpenViking holds (a token planted exactly as that version writes it), pathlock asks:
 *   refused exactly where the matrix says conflict; a stale planted token is taken over.</li>
 * </ul>
 */
class OpenVikingInteropTest
{
    private static final String OV_OWNER = "ov-proc-7";
    private static final String RAGFS_PREFIX = "/local";

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

    /** Relations of the requested path to the held one. */
    enum Relation
    {
        SAME, DESCENDANT, ANCESTOR, SIBLING, UNRELATED
    }

    private static final String HELD = "/d/t";

    private static String requested(final Relation r)
    {
        switch (r)
        {
            case SAME:
                return HELD;
            case DESCENDANT:
                return "/d/t/c";
            case ANCESTOR:
                return "/d";
            case SIBLING:
                return "/d/s";
            default:
                return "/u";
        }
    }

    /** The design's conflict matrix (DESIGN §2), written out by hand. */
    private static boolean conflict(final LockType held, final Relation r, final LockType requested)
    {
        switch (r)
        {
            case SAME:
                return true;
            case DESCENDANT:
                return held == LockType.SUBTREE;
            case ANCESTOR:
                return requested == LockType.SUBTREE;
            default:
                return false;
        }
    }

    static Stream<Arguments> cells()
    {
        final List<Arguments> out = new ArrayList<>();
        for (final Dialect d : Dialect.values())
        {
            for (final LockType held : LockType.values())
            {
                for (final LockType req : LockType.values())
                {
                    for (final Relation r : Relation.values())
                    {
                        out.add(Arguments.of(d, held, r, req));
                    }
                }
            }
        }
        return out.stream();
    }

    private static OvKind kind(final LockType t)
    {
        return t == LockType.SUBTREE ? OvKind.SUBTREE : OvKind.POINT;
    }

    private static String prefix(final Dialect d)
    {
        return d == Dialect.RAGFS ? RAGFS_PREFIX : "";
    }

    private OvDialectModel model(final Dialect d)
    {
        return d == Dialect.RAGFS ? new RagfsModel(root, RAGFS_PREFIX) : new Ov431Model(root, "");
    }

    private FileLockStore store(final Dialect d)
    {
        final FileLockStore s = FileLockStore.builder(root).dialect(d).ovPathPrefix(prefix(d)).build();
        stores.add(s);
        return s;
    }

    private void tree() throws IOException
    {
        for (final String dir : new String[] {"d/t/c", "d/s", "u"})
        {
            Files.createDirectories(root.resolve(dir));
        }
    }

    private static LockStore.PublishResult publish(final FileLockStore s, final String path, final LockType type)
    {
        return s.tryPublish("pl-holder", List.of(new LockRequest.Entry(LockPath.parse(path), type)));
    }

    private List<Path> lockFiles() throws IOException
    {
        try (Stream<Path> files = Files.walk(root))
        {
            return files.filter(p -> !p.startsWith(root.resolve(FileLockStore.RESERVED_DIR_NAME)))
                .filter(p ->
                {
                    final String n = p.getFileName().toString();
                    return n.equals(".path.ovlock") || n.startsWith(".exact.ovlock.");
                })
                .collect(Collectors.toList());
        }
    }

    @ParameterizedTest(name = "{0}: pathlock holds {1} /d/t, OpenViking asks {3} on the {2} path")
    @MethodSource("cells")
    void openVikingRespectsPathlocksLocks(final Dialect d, final LockType held, final Relation r, final LockType req)
        throws IOException
    {
        tree();
        final FileLockStore s = store(d);
        assertTrue(publish(s, HELD, held).isGranted());
        final OvDialectModel ov = model(d);
        final long now = FileLockStore.systemWallNanos();
        final List<Path> files = lockFiles();
        assertEquals(1, files.size(), files.toString());
        for (final Path f : files)
        {
            final OvFileJudgement j = ov.judge(f, now);
            assertEquals(OvVerdict.HELD, j.verdict(), () -> d.id() + " judges pathlock's " + f + " as " + j);
            assertEquals(d.code(held), j.type().charValue(), "the lock type letter OpenViking reads");
        }
        final OvDecision dec = ov.wouldAcquire(requested(r), kind(req), OV_OWNER, now);
        assertEquals(!conflict(held, r, req), dec.granted(), () -> d.id() + " " + req + " " + requested(r) +
            " while pathlock holds " + held + " " + HELD + ": " + dec);
        assertTrue(dec.staleRemoved().isEmpty(), () -> "OpenViking would delete a live pathlock file: " + dec);
    }

    @ParameterizedTest(name = "{0}: OpenViking holds {1} /d/t, pathlock asks {3} on the {2} path")
    @MethodSource("cells")
    void pathlockRespectsOpenVikingsLocks(final Dialect d, final LockType held, final Relation r, final LockType req)
        throws IOException
    {
        tree();
        final OvDialectModel ov = model(d);
        final long now = FileLockStore.systemWallNanos();
        final Path planted = ov.plant(HELD, kind(held), OV_OWNER, now);
        final FileLockStore s = store(d);
        final LockStore.PublishResult res = publish(s, requested(r), req);
        assertEquals(!conflict(held, r, req), res.isGranted(), () -> "pathlock " + req + " " + requested(r) +
            " while " + d.id() + " holds " + held + " " + HELD + ": " + res.conflict());
        assertTrue(Files.exists(planted), "pathlock removed a live OpenViking lock");
        if (res.isGranted())
        {
            s.unpublish(res.publication());
        }
    }

    @ParameterizedTest(name = "{0}: a stale OpenViking {1} /d/t is taken over by pathlock's {3} on the {2} path")
    @MethodSource("cells")
    void staleOpenVikingLocksAreTakenOver(final Dialect d, final LockType held, final Relation r, final LockType req)
        throws IOException
    {
        tree();
        final OvDialectModel ov = model(d);
        final long old = FileLockStore.systemWallNanos() - ov.defaultExpireNanos() - TimeUnit.SECONDS.toNanos(5);
        ov.plant(HELD, kind(held), OV_OWNER, old);
        final FileLockStore s = store(d);
        final LockStore.PublishResult res = publish(s, requested(r), req);
        assertTrue(res.isGranted(), () -> "a stale token must not block: " + res.conflict());
    }

    private static LockStore.PublishResult publishShared(final FileLockStore s, final String owner, final String path,
        final LockType type)
    {
        return s.tryPublish(owner, List.of(new LockRequest.Entry(LockPath.parse(path), type, LockMode.SHARED)));
    }

    /**
     * The shared kinds in the matrix: pathlock holds POINT-SHARED or SUBTREE-SHARED /d/t, shared by
     * two holders of two store instances (two processes), and OpenViking asks: OpenViking has no
     * shared mode, so the group's one file must be HELD to it with the kind's own letter, and refuse
     * exactly what the exclusive kind refuses; it never deletes the file.
     */
    @ParameterizedTest(name = "{0}: two pathlock holders share {1} /d/t, OpenViking asks {3} on the {2} path")
    @MethodSource("cells")
    void openVikingSeesASharedGroupAsAnOrdinaryHeldLock(final Dialect d, final LockType held, final Relation r,
        final LockType req) throws IOException
    {
        tree();
        final FileLockStore s1 = store(d);
        final FileLockStore s2 = store(d);
        assertTrue(publishShared(s1, "reader-1", HELD, held).isGranted());
        assertTrue(publishShared(s2, "reader-2", HELD, held).isGranted());
        final OvDialectModel ov = model(d);
        final long now = FileLockStore.systemWallNanos();
        final List<Path> files = lockFiles();
        assertEquals(1, files.size(), "one ordinary lock file for the whole group: " + files);
        final OvFileJudgement j = ov.judge(files.get(0), now);
        assertEquals(OvVerdict.HELD, j.verdict(), () -> d.id() + " judges the shared group's " + files.get(0) + " as " + j);
        assertEquals(d.code(held), j.type().charValue(), "the lock type letter OpenViking reads");
        final OvDecision dec = ov.wouldAcquire(requested(r), kind(req), OV_OWNER, now);
        assertEquals(!conflict(held, r, req), dec.granted(), () -> d.id() + " " + req + " " + requested(r) +
            " while pathlock shares " + held + " " + HELD + ": " + dec);
        assertTrue(dec.staleRemoved().isEmpty(), () -> "OpenViking would delete a live shared group: " + dec);
    }

    /**
     * OpenViking holds (always exclusive to pathlock: it has no shared mode), pathlock asks a shared
     * kind: refused exactly where the exclusive matrix says conflict, and the conflict says EXCLUSIVE.
     */
    @ParameterizedTest(name = "{0}: OpenViking holds {1} /d/t, pathlock asks {3}-SHARED on the {2} path")
    @MethodSource("cells")
    void pathlocksSharedRequestsTreatOpenVikingLocksAsExclusive(final Dialect d, final LockType held, final Relation r,
        final LockType req) throws IOException
    {
        tree();
        final OvDialectModel ov = model(d);
        final Path planted = ov.plant(HELD, kind(held), OV_OWNER, FileLockStore.systemWallNanos());
        final FileLockStore s = store(d);
        final LockStore.PublishResult res = publishShared(s, "reader", requested(r), req);
        assertEquals(!conflict(held, r, req), res.isGranted(), () -> "pathlock " + req + "-SHARED " + requested(r) +
            " while " + d.id() + " holds " + held + " " + HELD + ": " + res.conflict());
        if (!res.isGranted())
        {
            assertEquals(LockMode.EXCLUSIVE, res.conflict().holderMode());
        }
        assertTrue(Files.exists(planted), "pathlock removed a live OpenViking lock");
        if (res.isGranted())
        {
            s.unpublish(res.publication());
        }
    }

    @ParameterizedTest(name = "{0}: a stale OpenViking {1} /d/t is taken over by pathlock's {3}-SHARED on the {2} path")
    @MethodSource("cells")
    void staleOpenVikingLocksAreTakenOverBySharedRequests(final Dialect d, final LockType held, final Relation r,
        final LockType req) throws IOException
    {
        tree();
        final OvDialectModel ov = model(d);
        final long old = FileLockStore.systemWallNanos() - ov.defaultExpireNanos() - TimeUnit.SECONDS.toNanos(5);
        ov.plant(HELD, kind(held), OV_OWNER, old);
        final FileLockStore s = store(d);
        final LockStore.PublishResult res = publishShared(s, "reader", requested(r), req);
        assertTrue(res.isGranted(), () -> "a stale token must not block: " + res.conflict());
        // The group's file pathlock wrote is HELD to OpenViking (a planted stale token that was not in
        // the way may stay, stale).
        int groups = 0;
        for (final Path f : lockFiles())
        {
            if (Files.readString(f).startsWith(LockTokenDescriptor.TAG_GROUP + "|"))
            {
                groups++;
                assertEquals(OvVerdict.HELD, ov.judge(f, FileLockStore.systemWallNanos()).verdict(), f.toString());
            }
        }
        assertEquals(1, groups, lockFiles().toString());
    }

    @Test
    void theMembersHeartbeatKeepsTheGroupYoungToRagfs() throws IOException
    {
        tree();
        final AtomicLong wall = new AtomicLong(FileLockStore.systemWallNanos());
        final FileLockStore s = FileLockStore.builder(root).dialect(Dialect.RAGFS).ovPathPrefix(RAGFS_PREFIX)
            .wallClock(wall::get).build();
        stores.add(s);
        final FileLockStore other = store(Dialect.RAGFS);
        final LockStore.PublishResult held = publishShared(s, "reader", HELD, LockType.SUBTREE);
        assertTrue(publishShared(other, "reader-2", HELD, LockType.POINT).isGranted());
        final OvDialectModel ov = model(Dialect.RAGFS);
        final Path file = root.resolve("d/t/.path.ovlock");
        for (int beat = 1; beat <= 6; beat++)
        {
            wall.addAndGet(s.heartbeatInterval().toNanos());
            assertTrue(s.refresh(held.publication()));
            assertEquals(OvVerdict.HELD, ov.judge(file, wall.get()).verdict(), "after heartbeat " + beat);
            assertFalse(ov.wouldAcquire("/d/t/c", OvKind.POINT, OV_OWNER, wall.get()).granted());
        }
        assertEquals(OvVerdict.STALE, ov.judge(file, wall.get() + TimeUnit.SECONDS.toNanos(31)).verdict());
    }

    @Test
    void theHeartbeatKeepsPathlocksTokenYoungToRagfsAndAMissedOneLetsItExpire() throws IOException
    {
        tree();
        final AtomicLong wall = new AtomicLong(FileLockStore.systemWallNanos());
        final FileLockStore s = FileLockStore.builder(root).dialect(Dialect.RAGFS).ovPathPrefix(RAGFS_PREFIX)
            .wallClock(wall::get).build();
        stores.add(s);
        final LockStore.PublishResult held = publish(s, HELD, LockType.SUBTREE);
        final OvDialectModel ov = model(Dialect.RAGFS);
        final Path file = root.resolve("d/t/.path.ovlock");
        assertEquals(TimeUnit.SECONDS.toNanos(10), s.heartbeatInterval().toNanos(), "expire / 3 of ragfs");
        for (int beat = 1; beat <= 6; beat++)
        {
            wall.addAndGet(s.heartbeatInterval().toNanos());
            assertTrue(s.refresh(held.publication()));
            assertEquals(OvVerdict.HELD, ov.judge(file, wall.get()).verdict(), "after heartbeat " + beat);
            assertFalse(ov.wouldAcquire("/d/t/c", OvKind.POINT, OV_OWNER, wall.get()).granted());
        }
        // Without the heartbeat, ragfs would take the lock after 30 s: this is why it must run.
        assertEquals(OvVerdict.STALE, ov.judge(file, wall.get() + TimeUnit.SECONDS.toNanos(31)).verdict());
    }

    @Test
    void filesAndMissingPathsUseTheSidecarRagfsReads() throws IOException
    {
        tree();
        Files.writeString(root.resolve("d/f.txt"), "data");
        final FileLockStore s = store(Dialect.RAGFS);
        assertTrue(publish(s, "/d/f.txt", LockType.POINT).isGranted());
        assertTrue(publish(s, "/d/missing.txt", LockType.POINT).isGranted());
        final OvDialectModel ov = model(Dialect.RAGFS);
        final long now = FileLockStore.systemWallNanos();
        assertEquals(ov.lockFileFor("/d/f.txt", OvKind.POINT), Layouts.sidecarWithPrefix(root, RAGFS_PREFIX, "/d/f.txt"));
        assertFalse(ov.wouldAcquire("/d/f.txt", OvKind.POINT, OV_OWNER, now).granted());
        assertFalse(ov.wouldAcquire("/d/missing.txt", OvKind.POINT, OV_OWNER, now).granted());
        assertFalse(ov.wouldAcquire("/d", OvKind.SUBTREE, OV_OWNER, now).granted());
        assertTrue(ov.wouldAcquire("/d/g.txt", OvKind.POINT, OV_OWNER, now).granted());
        assertTrue(ov.wouldAcquire("/d", OvKind.POINT, OV_OWNER, now).granted());
        // And the other way round.
        ov.plant("/d/h.txt", OvKind.POINT, OV_OWNER, now);
        assertFalse(publish(s, "/d/h.txt", LockType.POINT).isGranted());
        assertFalse(publish(s, "/d", LockType.SUBTREE).isGranted());
    }

    @Test
    void ov431CannotSeeARootSubtreeSoPathlockRefusesItThere() throws IOException
    {
        tree();
        final FileLockStore s = store(Dialect.OV431);
        final io.pathlock.core.LockStoreException e = assertThrows(io.pathlock.core.LockStoreException.class,
            () -> publish(s, "/", LockType.SUBTREE));
        assertTrue(e.getMessage().contains("ov431"), e.getMessage());
        // With a prefix, the root is an ordinary directory to ov431 and is checked.
        final FileLockStore p = FileLockStore.builder(root).dialect(Dialect.OV431).ovPathPrefix("/local").build();
        stores.add(p);
        assertTrue(publish(p, "/", LockType.SUBTREE).isGranted());
        assertFalse(new Ov431Model(root, "/local").wouldAcquire("/d", OvKind.POINT, OV_OWNER,
            FileLockStore.systemWallNanos()).granted());
    }

    @Test
    void theDialectsMustNotBeMixedOnOneTree() throws IOException
    {
        // Documented, and shown: ov431 reads a ragfs E token as a stale P (time 0) and would delete it,
        // so a tree shared with ov431 processes must be written in ov431.
        tree();
        final FileLockStore s = store(Dialect.RAGFS);
        assertTrue(publish(s, HELD, LockType.POINT).isGranted());
        final OvDecision dec = new Ov431Model(root, "").wouldAcquire(HELD, OvKind.POINT, OV_OWNER,
            FileLockStore.systemWallNanos());
        assertNotEquals(0, dec.staleRemoved().size() + (dec.granted() ? 1 : 0), dec.toString());
    }
}

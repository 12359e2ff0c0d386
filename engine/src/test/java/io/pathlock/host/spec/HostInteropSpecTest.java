package io.pathlock.host.spec;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.file.Dialect;
import io.pathlock.file.FileLockStore;
import io.pathlock.file.interop.Ov431Model;
import io.pathlock.host.HostLockStore;
import io.pathlock.file.interop.OvDecision;
import io.pathlock.file.interop.OvDialectModel;
import io.pathlock.file.interop.OvFileJudgement;
import io.pathlock.file.interop.OvKind;
import io.pathlock.file.interop.OvVerdict;
import io.pathlock.file.interop.RagfsModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Interop modes of a root (issue 12): with {@code none} no lock file is written anywhere in the
 * tree; with an OpenViking dialect, the grants of the host table are published as lock files that
 * the independent OpenViking models ({@code io.pathlock.file.interop}, not the engine's judge) find
 * HELD and that make OpenViking refuse a conflicting request; and a SUBTREE of the host store is
 * refused by a foreign OpenViking token planted below it.
 */
class HostInteropSpecTest
{
    private static final String OV_OWNER = "3f0c2a4e-ov-proc";

    @TempDir
    Path root;

    private final HostSpec.Managers managers = new HostSpec.Managers();

    @AfterEach
    void close()
    {
        managers.close();
    }

    private void tree() throws IOException
    {
        for (final String d : new String[] {"d/t/c", "d/s", "u/v"})
        {
            Files.createDirectories(root.resolve(d));
        }
        Files.writeString(root.resolve("d/f.txt"), "data");
    }

    /** Every path under the root outside {@code .pathlock/}. */
    private TreeSet<String> treeOutsideReserved() throws IOException
    {
        try (Stream<Path> s = Files.walk(root))
        {
            return s.filter(p -> !p.startsWith(root.resolve(".pathlock")))
                .map(p -> root.relativize(p).toString())
                .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private List<Path> lockFiles() throws IOException
    {
        try (Stream<Path> s = Files.walk(root))
        {
            return s.filter(p -> !p.startsWith(root.resolve(".pathlock")))
                .filter(p -> p.getFileName().toString().equals(".path.ovlock") || p.getFileName().toString().startsWith(".exact.ovlock."))
                .collect(Collectors.toList());
        }
    }

    @Test
    void interopNoneWritesNoFileUnderTheTree() throws Exception
    {
        tree();
        final TreeSet<String> before = treeOutsideReserved();
        final LockManager a = managers.open(root, "none");
        final LockManager b = managers.open(root, "none");
        try (LockHandle h1 = a.tryLock(LockRequest.point("/d/t"));
             LockHandle h2 = a.tryLock(LockRequest.subtree("/u"));
             LockHandle h3 = b.tryLock(LockRequest.pointShared("/d/s"));
             LockHandle h4 = b.tryLock(LockRequest.point("/d/f.txt"));
             LockHandle h5 = b.tryLock(LockRequest.point("/missing/x"));
             LockHandle h6 = b.tryLock(LockRequest.subtreeShared("/d/t/c")))
        {
            for (final LockHandle h : new LockHandle[] {h1, h2, h3, h4, h5, h6})
            {
                assertNotNull(h);
            }
            assertEquals(before, treeOutsideReserved(), "interop none wrote or created something in the tree");
        }
        assertEquals(before, treeOutsideReserved());
        assertFalse(Files.exists(root.resolve("missing")), "a missing directory was created");
    }

    /**
     * The OpenViking path of the root: ragfs hashes {@code prefix + path} into sidecar names and cannot
     * name a sidecar directly under its own {@code /} (RagfsModel R1), so the root is mounted below it.
     */
    private static String prefix(final String interop)
    {
        return "ragfs".equals(interop) ? "/local" : "";
    }

    private OvDialectModel model(final String interop)
    {
        return "ragfs".equals(interop) ? new RagfsModel(root, prefix(interop)) : new Ov431Model(root, prefix(interop));
    }

    /** A manager over a host store (one session) whose lock files use the models' OpenViking prefix. */
    private LockManager open(final String interop)
    {
        return managers.add(HostLockStore.builder(root).interop(interop).fileStore(b -> b.ovPathPrefix(prefix(interop))).build());
    }

    @ParameterizedTest(name = "interop {0}")
    @ValueSource(strings = {"ragfs", "ov431"})
    void grantsArePublishedAsLockFilesOpenVikingJudgesHeld(final String interop) throws Exception
    {
        tree();
        final OvDialectModel ov = model(interop);
        final LockManager a = open(interop);
        try (LockHandle point = a.tryLock(LockRequest.point("/d/t"));
             LockHandle tree = a.tryLock(LockRequest.subtree("/u")))
        {
            assertNotNull(point);
            assertNotNull(tree);
            final long now = HostSpec.wallNanos();
            final List<Path> files = lockFiles();
            assertEquals(2, files.size(), files.toString());
            for (final Path f : files)
            {
                final OvFileJudgement j = ov.judge(f, now);
                assertEquals(OvVerdict.HELD, j.verdict(), () -> interop + " judges " + f + " as " + j);
            }
            assertEquals(OvVerdict.HELD, ov.judge(ov.lockFileFor("/d/t", OvKind.POINT), now).verdict());
            assertEquals(OvVerdict.HELD, ov.judge(ov.lockFileFor("/u", OvKind.SUBTREE), now).verdict());
            assertFalse(ov.wouldAcquire("/d/t", OvKind.POINT, OV_OWNER, now).granted(), "OpenViking takes pathlock's POINT");
            assertFalse(ov.wouldAcquire("/d", OvKind.SUBTREE, OV_OWNER, now).granted(), "OpenViking's SUBTREE above pathlock's POINT");
            assertFalse(ov.wouldAcquire("/u", OvKind.POINT, OV_OWNER, now).granted());
            assertFalse(ov.wouldAcquire("/u/v", OvKind.POINT, OV_OWNER, now).granted(), "below pathlock's SUBTREE");
            assertTrue(ov.wouldAcquire("/d/s", OvKind.POINT, OV_OWNER, now).granted(), "a sibling is free");
            assertTrue(ov.wouldAcquire("/d/s", OvKind.SUBTREE, OV_OWNER, now).granted());
            for (final Path f : files)
            {
                assertTrue(ov.wouldAcquire("/d/s", OvKind.SUBTREE, OV_OWNER, now).staleRemoved().stream()
                    .noneMatch(j -> j.file().equals(f)), "OpenViking would remove a live pathlock file");
            }
        }
        assertEquals(List.of(), lockFiles(), "released grants leave no lock file");
        final long now = HostSpec.wallNanos();
        final OvDecision whole = ov.wouldAcquire("/d", OvKind.SUBTREE, OV_OWNER, now);
        assertTrue(whole.granted(), whole.toString());
        final OvDecision u = ov.wouldAcquire("/u", OvKind.SUBTREE, OV_OWNER, now);
        assertTrue(u.granted(), u.toString());
    }

    @Test
    void lockFileOnlyProcessesAndAnotherHostSessionAreBothKeptOut() throws Exception
    {
        tree();
        final LockManager host1 = open("ragfs");
        final LockManager host2 = open("ragfs");
        try (LockManager files = LockManager.builder().store(FileLockStore.builder(root).dialect(Dialect.RAGFS).ovPathPrefix(prefix("ragfs")).build())
            .startAgent(false).build())
        {
            try (LockHandle h = host1.tryLock(LockRequest.subtree("/d")))
            {
                assertNotNull(h);
                assertNull(host2.tryLock(LockRequest.point("/d/t/c")), "another host session");
                assertNull(files.tryLock(LockRequest.point("/d/t/c")), "a lock-file-only pathlock process");
            }
            try (LockHandle f = files.tryLock(LockRequest.point("/d/t")))
            {
                assertNotNull(f);
                assertNull(host1.tryLock(LockRequest.subtree("/d")), "the host store's SUBTREE checks the files below");
                assertNull(host1.tryLock(LockRequest.point("/d/t")), "and the file of the same path");
            }
            try (LockHandle h = host1.tryLock(LockRequest.subtree("/d")))
            {
                assertNotNull(h, "free again");
            }
        }
    }

    @ParameterizedTest(name = "interop {0}")
    @ValueSource(strings = {"ragfs", "ov431"})
    void foreignOpenVikingTokenBelowRefusesTheHostStoresSubtree(final String interop) throws Exception
    {
        tree();
        final OvDialectModel ov = model(interop);
        final LockManager a = open(interop);
        final LockManager b = open(interop);
        final Path planted = ov.plant("/d/t/c", OvKind.POINT, OV_OWNER, HostSpec.wallNanos());
        assertNull(a.tryLock(LockRequest.subtree("/d")), "SUBTREE /d over OpenViking's live lock on /d/t/c");
        assertNull(b.tryLock(LockRequest.subtree("/d/t")), "SUBTREE /d/t over OpenViking's live lock");
        assertNull(a.tryLock(LockRequest.point("/d/t/c")), "POINT on OpenViking's own path");
        try (LockHandle sibling = a.tryLock(LockRequest.subtree("/d/s")))
        {
            assertNotNull(sibling, "the table was left clean by the refusals above");
        }
        assertTrue(Files.exists(planted), "a live foreign token is never removed");
        Files.delete(planted);
        // (ov431 cannot lock SUBTREE on the root: its processes never read the root's lock file.)
        try (LockHandle h = b.tryLock(LockRequest.subtree("/d")))
        {
            assertNotNull(h, "the refused requests left nothing in the table");
        }
    }
}

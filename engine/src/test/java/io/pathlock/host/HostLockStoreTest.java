package io.pathlock.host;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockBusyException;
import io.pathlock.core.LockMode;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockStoreException;
import io.pathlock.core.LockTimeoutException;
import io.pathlock.core.LockType;
import io.pathlock.file.FileLockStore;
import io.pathlock.store.LockStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link HostLockStore} on a real table in a real mapped file and real lock files: two stores on one
 * root in one JVM are two sessions of the table, as two processes would be; each behind its own
 * {@link LockManager}, so every request passes the manager's own table first, as in production.
 * The invariants cited are those of {@link HostLockStore} (HS), {@link HostStoreMarks} (HM) and
 * {@link HostStoreWaiter} (HW).
 */
class HostLockStoreTest
{
    private static final String OV_OWNER = "ov-proc-7";

    @TempDir
    Path root;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception
    {
        for (int i = toClose.size() - 1; i >= 0; i--)
        {
            toClose.get(i).close();
        }
    }

    private HostLockStore store(final String interop)
    {
        final HostLockStore s = HostLockStoreContractTest.small(root, interop).build();
        toClose.add(s);
        return s;
    }

    private LockManager manager(final HostLockStore store)
    {
        final LockManager m = LockManager.builder().store(store).build();
        toClose.add(m);
        return m;
    }

    private static List<LockRequest.Entry> entries(final String path, final LockType type)
    {
        return List.of(new LockRequest.Entry(io.pathlock.core.LockPath.parse(path), type));
    }

    /** Waits (bounded, without sleeping) until a condition other threads make true holds. */
    private static void awaitTrue(final String what, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /** The refusal of a request that must be busy (tryLock returns null; a handle's tryAcquire names the conflict). */
    private static LockBusyException busy(final LockManager m, final LockRequest r, final String what)
    {
        try (LockHandle h = m.open("busy-check"))
        {
            return assertThrows(LockBusyException.class, () -> h.tryAcquire(r), what);
        }
    }

    /** Takes a request that must be free. */
    private static LockHandle granted(final LockManager m, final LockRequest r, final String what)
    {
        final LockHandle h = m.tryLock(r);
        assertNotNull(h, what + ": refused");
        return h;
    }

    private static long wallNanos()
    {
        return ChronoUnit.NANOS.between(Instant.EPOCH, Instant.now());
    }

    // ---- exclusion between sessions ---------------------------------------------------------------

    /** The design's conflict matrix (DESIGN §2) for exclusive locks, written out by hand. */
    private static boolean conflict(final LockType held, final String heldPath, final LockType req, final String reqPath)
    {
        if (heldPath.equals(reqPath))
        {
            return true;
        }
        if (reqPath.startsWith(heldPath + "/"))
        {
            return held == LockType.SUBTREE;
        }
        if (heldPath.startsWith(reqPath + "/"))
        {
            return req == LockType.SUBTREE;
        }
        return false;
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "ragfs"})
    void twoManagersOnTwoSessionsExcludeEachOtherByTheMatrix(final String interop) throws Exception
    {
        Files.createDirectories(root.resolve("d/t/c"));
        Files.createDirectories(root.resolve("d/s"));
        final HostLockStore as = store(interop);
        final LockManager a = manager(as);
        final LockManager b = manager(store(interop));
        final String held = "/d/t";
        final String holderName = "pid " + ProcessHandle.current().pid() + " (host slot " + as.slot() + ")";
        for (final LockType heldType : LockType.values())
        {
            try (LockHandle h = granted(a, heldType == LockType.POINT ? LockRequest.point(held) : LockRequest.subtree(held),
                "held"))
            {
                for (final String req : new String[] {"/d/t", "/d/t/c", "/d", "/d/s", "/u"})
                {
                    for (final LockType reqType : LockType.values())
                    {
                        final LockRequest r = reqType == LockType.POINT ? LockRequest.point(req) : LockRequest.subtree(req);
                        final boolean expectConflict = conflict(heldType, held, reqType, req);
                        final String cell = heldType + " " + held + " held, " + reqType + " " + req + " asked (" + interop + ")";
                        if (expectConflict)
                        {
                            final LockBusyException e = busy(b, r, cell);
                            assertNotNull(e.conflict(), cell);
                            if (e.conflict().reason() == io.pathlock.core.LockConflict.Reason.HELD)
                            {
                                // HS0: the table names the holding session.
                                assertEquals(holderName, e.conflict().holderOwnerId(), cell);
                                assertEquals(heldType, e.conflict().holderType(), cell);
                            }
                        }
                        else
                        {
                            granted(b, r, cell).close();
                        }
                    }
                }
            }
        }
    }

    @Test
    void sharedLocksOfTwoSessionsAreCompatibleAndExcludeExclusiveOnes() throws Exception
    {
        final LockManager a = manager(store("none"));
        final LockManager b = manager(store("none"));
        try (LockHandle h = granted(a, LockRequest.subtreeShared("/r"), "shared"))
        {
            granted(b, LockRequest.subtreeShared("/r"), "shared beside shared").close();
            granted(b, LockRequest.pointShared("/r/x"), "shared below shared").close();
            busy(b, LockRequest.point("/r/x"), "exclusive below shared");
            busy(b, LockRequest.subtree("/"), "exclusive above shared");
        }
        granted(b, LockRequest.point("/r/x"), "after release").close();
    }

    // ---- waiting ---------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"none", "ragfs"})
    void aBlockingWaiterIsWokenByAReleaseInAnotherSession(final String interop) throws Exception
    {
        Files.createDirectories(root.resolve("w"));
        final LockManager a = manager(store(interop));
        final LockManager b = manager(store(interop));
        final LockHandle held = granted(a, LockRequest.subtree("/w"), "SUBTREE /w");
        final AtomicReference<Object> result = new AtomicReference<>();
        final Thread t = new Thread(() ->
        {
            try
            {
                result.set(b.lock(LockRequest.point("/w/x"), Duration.ofSeconds(60)));
            }
            catch (final Throwable e)
            {
                result.set(e);
            }
        }, "waiter");
        t.start();
        awaitTrue("b has a waiter", () -> !b.snapshot().waiters().isEmpty());
        assertNull(result.get(), "granted while the SUBTREE was held");
        held.close();
        t.join(TimeUnit.SECONDS.toMillis(60));
        assertInstanceOf(LockHandle.class, result.get(), String.valueOf(result.get()));
        ((LockHandle)result.get()).close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "ragfs"})
    void anAsyncWaiterIsWokenByAReleaseWithoutAThreadOfItsOwn(final String interop) throws Exception
    {
        Files.createDirectories(root.resolve("w"));
        final LockManager a = manager(store(interop));
        final HostLockStore bs = store(interop);
        final LockManager b = manager(bs);
        final LockHandle held = granted(a, LockRequest.subtree("/w"), "SUBTREE /w");
        final List<CompletableFuture<LockHandle>> waits = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            waits.add(b.acquireAsync(LockRequest.point("/w/" + i), Duration.ofSeconds(60)));
        }
        awaitTrue("b has waiters", () -> !b.snapshot().waiters().isEmpty());
        for (final CompletableFuture<LockHandle> w : waits)
        {
            assertFalse(w.isDone(), "granted while /w was held");
        }
        held.close();
        for (final CompletableFuture<LockHandle> w : waits)
        {
            // HW1 wakes the oldest, HW2 the others within a poll interval.
            w.get(60, TimeUnit.SECONDS).close();
        }
    }

    // ---- interop ---------------------------------------------------------------------------------

    @Test
    void withRagfsTheLockFilesExistWhileHeldAndGoWithTheRelease() throws Exception
    {
        Files.createDirectories(root.resolve("a"));
        final HostLockStore s = store("ragfs");
        assertEquals("ragfs", s.interop());
        assertNotNull(s.fileStore());
        final LockManager m = manager(s);
        final Path file = root.resolve("a/.path.ovlock");
        try (LockHandle h = granted(m, LockRequest.subtree("/a"), "SUBTREE /a"))
        {
            assertTrue(Files.exists(file), "no lock file while held");
            assertTrue(Files.readString(file).endsWith(":T"), Files.readString(file));
            assertEquals(1, s.table().locks().stream().filter(l -> l.path().equals("/a")).count(), s.table().locks().toString());
        }
        assertFalse(Files.exists(file), "the lock file outlived the release");
        assertTrue(s.table().locks().isEmpty(), s.table().locks().toString());
    }

    @Test
    void aPlantedOpenVikingTokenBlocksAHostStoreRequestAndLeavesTheTableFree() throws Exception
    {
        Files.createDirectories(root.resolve("ov/d/x"));
        Files.writeString(root.resolve("ov/d/.path.ovlock"), OV_OWNER + ":" + wallNanos() + ":T");
        final HostLockStore s = store("ragfs");
        final LockManager m = manager(s);
        final LockBusyException e = busy(m, LockRequest.point("/ov/d/x"), "below a planted ragfs T token");
        assertEquals(OV_OWNER, e.conflict().holderOwnerId(), e.getMessage());
        // SUBTREE above the planted lock: the inner store checks the files below.
        busy(m, LockRequest.subtree("/ov"), "SUBTREE above a planted ragfs token");
        assertTrue(s.table().locks().isEmpty(), "a refused file publication kept its table grant: " + s.table().locks());
        final HostLockStore other = store("ragfs");
        assertTrue(other.tryPublish("x", entries("/ov/q", LockType.SUBTREE)).isGranted());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ragfs", "ov431"})
    void withInteropOnHostStoreAndLockFileOnlyProcessesExcludeEachOther(final String interop) throws Exception
    {
        Files.createDirectories(root.resolve("m/x"));
        final HostLockStore host = store(interop);
        try (FileLockStore files = FileLockStore.builder(root).dialect(io.pathlock.file.Dialect.parse(interop))
            .syncFence(false).build())
        {
            final LockStore.PublishResult f = files.tryPublish("file-only", entries("/m/x", LockType.POINT));
            assertTrue(f.isGranted());
            final LockStore.PublishResult refused = host.tryPublish("host-owner", entries("/m", LockType.SUBTREE));
            assertFalse(refused.isGranted(), "the host store's SUBTREE ignored a lock file below it");
            assertTrue(refused.conflict().holderOwnerId().contains("file-only"), refused.conflict().toString());
            assertTrue(host.table().locks().isEmpty(), "the refused publication kept its table grant");
            files.unpublish(f.publication());

            final LockStore.PublishResult held = host.tryPublish("host-owner", entries("/m", LockType.SUBTREE));
            assertTrue(held.isGranted(), () -> String.valueOf(held.conflict()));
            final LockStore.PublishResult other = files.tryPublish("file-only", entries("/m/x", LockType.POINT));
            assertFalse(other.isGranted(), "a lock-file-only process ignored the host store's SUBTREE");
            assertTrue(other.conflict().holderOwnerId().contains("host-owner"), other.conflict().toString());
            host.unpublish(held.publication());
            assertTrue(files.tryPublish("file-only", entries("/m/x", LockType.POINT)).isGranted());
        }
    }

    @Test
    void withInteropNoneNoFileIsCreatedUnderTheTreeAndSubtreeScansNothing() throws Exception
    {
        Files.createDirectories(root.resolve("n/d"));
        // A planted OpenViking lock below: with interop none it is not looked at (no scan).
        Files.writeString(root.resolve("n/d/.path.ovlock"), OV_OWNER + ":" + wallNanos() + ":T");
        final List<Path> before = walk();
        final HostLockStore s = store("none");
        assertNull(s.fileStore());
        final LockManager m = manager(s);
        try (LockHandle h = granted(m, LockRequest.subtree("/n"), "SUBTREE over a planted token with interop none"))
        {
            granted(m, LockRequest.point("/elsewhere/f"), "POINT").close();
            try (LockHandle p = granted(m, LockRequest.point("/n2/new/file"), "POINT on a missing path"))
            {
                assertEquals(before, walk(), "interop none created files under the tree");
            }
        }
        assertEquals(before, walk(), "interop none created files under the tree");
        assertTrue(Files.exists(root.resolve(HostLockStore.TABLE_FILE)));
    }

    /** Every path under the root except the reserved {@code .pathlock/} directory, sorted. */
    private List<Path> walk() throws Exception
    {
        try (Stream<Path> s = Files.walk(root))
        {
            return s.filter(p -> !root.relativize(p).startsWith(FileLockStore.RESERVED_DIR_NAME)).sorted()
                .collect(Collectors.toList());
        }
    }

    @Test
    void theInteropModeIsTheTablesAndAMismatchIsRefusedNamingBoth() throws Exception
    {
        final HostLockStore first = store("none");
        assertEquals("none", HostLockStore.open(root).interop(), "the default is the existing table's mode");
        final LockStoreException e = assertThrows(LockStoreException.class,
            () -> HostLockStoreContractTest.small(root, "ragfs").build());
        assertTrue(e.getMessage().contains("none") && e.getMessage().contains("ragfs"), e.getMessage());
        assertTrue(first.tryPublish("still-works", entries("/m", LockType.POINT)).isGranted());
        final Path fresh = Files.createDirectories(root.resolve("fresh-root"));
        try (HostLockStore s = HostLockStore.builder(fresh).capacity(256).slots(4).recordsPerSlot(64).build())
        {
            assertEquals(HostLockStore.INTEROP_DEFAULT, s.interop());
            assertEquals("ragfs", s.interop());
            assertTrue(s.describe().startsWith("host:" + fresh.toRealPath() + " (interop ragfs, slot "), s.describe());
        }
    }

    @Test
    void aNewRootTakesTheLockFileDialectOfTheSystemPropertyAsItsDefaultMode() throws Exception
    {
        final String old = System.getProperty(io.pathlock.file.Dialect.PROP_NAME);
        System.setProperty(io.pathlock.file.Dialect.PROP_NAME, "ov431");
        try (HostLockStore s = HostLockStore.builder(root).capacity(256).slots(4).recordsPerSlot(64).build())
        {
            assertEquals("ov431", s.interop());
        }
        finally
        {
            if (old == null)
            {
                System.clearProperty(io.pathlock.file.Dialect.PROP_NAME);
            }
            else
            {
                System.setProperty(io.pathlock.file.Dialect.PROP_NAME, old);
            }
        }
        try (HostLockStore s = HostLockStore.open(root))
        {
            assertEquals("ov431", s.interop(), "an existing table keeps its mode whatever the property says");
        }
    }

    @Test
    void badSettingsAreRefusedNamingThemAndCreateNothing() throws Exception
    {
        final IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
            () -> HostLockStore.builder(root).interop("ov999").build());
        assertTrue(bad.getMessage().contains("ov999"), bad.getMessage());
        final IllegalArgumentException cap = assertThrows(IllegalArgumentException.class,
            () -> HostLockStore.builder(root).capacity(0).build());
        assertTrue(cap.getMessage().contains("capacity"), cap.getMessage());
        final IllegalArgumentException slots = assertThrows(IllegalArgumentException.class,
            () -> HostLockStore.builder(root).slots(1 << 20).build());
        assertTrue(slots.getMessage().contains("slots"), slots.getMessage());
        final Path missing = root.resolve("no-such-dir");
        final LockStoreException gone = assertThrows(LockStoreException.class, () -> HostLockStore.open(missing));
        assertTrue(gone.getMessage().contains(missing.toString()), gone.getMessage());
        assertFalse(Files.exists(root.resolve(FileLockStore.RESERVED_DIR_NAME)), "bad settings created .pathlock");
        assertNull(HostLockStore.openTable(root), "no table yet");
    }

    // ---- starvation marks (HS5, HM1, HM2) ----------------------------------------------------------

    @Test
    void aWaitOnTheTableMarksTheOwnerAndWaitEndedRemovesTheMark() throws Exception
    {
        final HostLockStore a = store("none");
        final HostLockStore b = store("none");
        final HostLockStore c = store("none");
        assertTrue(a.tryPublish("holder", entries("/s/x", LockType.POINT)).isGranted());
        final LockStore.PublishResult refused = b.tryPublish("subtree-waiter", entries("/s", LockType.SUBTREE));
        assertFalse(refused.isGranted());
        assertEquals(0, b.pendingMarkCount());
        b.awaitChange(refused.blocker(), TimeUnit.MILLISECONDS.toNanos(1));
        assertEquals(1, b.pendingMarkCount(), "HM1: the wait marks the owner");
        final LockStore.PublishResult point = c.tryPublish("point", entries("/s/y", LockType.POINT));
        assertFalse(point.isGranted(), "a POINT below a marked SUBTREE waiter was granted");
        b.waitEnded("subtree-waiter");
        assertEquals(0, b.pendingMarkCount(), "HM2: the ended wait keeps its mark");
        assertTrue(c.tryPublish("point", entries("/s/y", LockType.POINT)).isGranted(), "the mark outlived waitEnded");
    }

    @Test
    void aSubtreeWaiterThatTimedOutNoLongerBlocksPoints() throws Exception
    {
        final LockManager a = manager(store("none"));
        final HostLockStore bs = store("none");
        final LockManager b = manager(bs);
        final LockManager c = manager(store("none"));
        final LockHandle held = granted(a, LockRequest.point("/s/x"), "POINT /s/x");
        final AtomicReference<Throwable> thrown = new AtomicReference<>();
        final Thread t = new Thread(() ->
        {
            try
            {
                b.lock(LockRequest.subtree("/s"), Duration.ofSeconds(3)).close();
            }
            catch (final Throwable e)
            {
                thrown.set(e);
            }
        }, "subtree-waiter");
        t.start();
        awaitTrue("the SUBTREE waiter placed its mark", () -> bs.pendingMarkCount() == 1);
        busy(c, LockRequest.point("/s/y"), "a POINT below the waiting SUBTREE");
        assertTrue(t.isAlive(), "the waiter ended before the check (the machine stalled for 3 s)");
        t.join(TimeUnit.SECONDS.toMillis(60));
        assertInstanceOf(LockTimeoutException.class, thrown.get());
        assertEquals(0, bs.pendingMarkCount(), "the timed-out waiter kept its mark");
        granted(c, LockRequest.point("/s/y"), "a POINT after the SUBTREE waiter timed out").close();
        held.close();
    }

    @Test
    void anOwnerThatHoldsNothingRespectsMarksWhereItsSessionHasCountsAndAHolderGoesPast() throws Exception
    {
        final HostLockStore a = store("none");
        final HostLockStore b = store("none");
        assertTrue(a.tryPublish("h1", entries("/o/1", LockType.POINT)).isGranted());
        final LockStore.PublishResult refused = b.tryPublish("tree", entries("/o", LockType.SUBTREE));
        assertFalse(refused.isGranted());
        b.awaitChange(refused.blocker(), TimeUnit.MILLISECONDS.toNanos(1));
        assertEquals(1, b.pendingMarkCount());
        // Session a has counts below /o (h1's POINT), but h2 holds nothing: the mark refuses it (HS5).
        final LockStore.PublishResult h2 = a.tryPublish("h2", entries("/o/2", LockType.POINT));
        assertFalse(h2.isGranted(), "a new owner of a session with counts below the mark starved the SUBTREE waiter");
        assertEquals(io.pathlock.core.LockConflict.Reason.PENDING, h2.conflict().reason(), h2.conflict().toString());
        // h1 holds a lock the waiter waits for: it may go past (deadlock-freedom over fairness).
        assertTrue(a.tryPublish("h1", entries("/o/3", LockType.POINT)).isGranted());
    }

    @Test
    void waitersPendingOnOneNodeInTwoSessionsDoNotRefuseEachOther() throws Exception
    {
        final HostLockStore a = store("none");
        final HostLockStore b = store("none");
        final HostLockStore c = store("none");
        final LockStore.PublishResult held = a.tryPublish("h", entries("/c/x", LockType.POINT));
        final LockStore.PublishResult w2 = b.tryPublish("w2", entries("/c", LockType.SUBTREE));
        b.awaitChange(w2.blocker(), TimeUnit.MILLISECONDS.toNanos(1));
        final LockStore.PublishResult w3 = c.tryPublish("w3", entries("/c", LockType.SUBTREE));
        c.awaitChange(w3.blocker(), TimeUnit.MILLISECONDS.toNanos(1));
        assertEquals(1, b.pendingMarkCount());
        assertEquals(1, c.pendingMarkCount());
        a.unpublish(held.publication());
        // Each waiter's session has its own mark on /c: a cycle of marks alone must not form (HS5).
        final LockStore.PublishResult again = b.tryPublish("w2", entries("/c", LockType.SUBTREE));
        assertTrue(again.isGranted(), "two pending SUBTREE waiters refuse each other: " + again.conflict());
    }

    @Test
    void aGrantRemovesTheOwnersMark() throws Exception
    {
        final HostLockStore a = store("none");
        final HostLockStore b = store("none");
        final LockStore.PublishResult held = a.tryPublish("holder", entries("/g/x", LockType.POINT));
        final LockStore.PublishResult refused = b.tryPublish("w", entries("/g", LockType.SUBTREE));
        b.awaitChange(refused.blocker(), TimeUnit.MILLISECONDS.toNanos(1));
        assertEquals(1, b.pendingMarkCount());
        a.unpublish(held.publication());
        assertTrue(b.tryPublish("w", entries("/g", LockType.SUBTREE)).isGranted());
        assertEquals(0, b.pendingMarkCount(), "HM2: the grant kept the owner's mark");
    }

    // ---- fencing (HS2) -----------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"none", "ragfs"})
    void fencingTokensIncreaseAcrossStoresReopensAndTheFileStoreOfTheRoot(final String interop)
    {
        long last = 0;
        for (int round = 0; round < 3; round++)
        {
            try (HostLockStore a = HostLockStoreContractTest.small(root, interop).build();
                HostLockStore b = HostLockStoreContractTest.small(root, interop).build();
                FileLockStore f = FileLockStore.builder(root).syncFence(false).build())
            {
                for (int i = 0; i < 20; i++)
                {
                    final LockStore s = i % 3 == 0 ? a : i % 3 == 1 ? b : f;
                    final long t = s.nextFencingToken();
                    assertTrue(t > last, "round " + round + ": token " + t + " after " + last + " from " + s.describe());
                    last = t;
                }
            }
        }
    }

    // ---- close (HS6) -------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"none", "ragfs"})
    void closingReleasesEverythingAndFreesTheSlot(final String interop) throws Exception
    {
        Files.createDirectories(root.resolve("c"));
        final HostLockStore keeper = store(interop);
        final HostLockStore s = HostLockStoreContractTest.small(root, interop).build();
        final int slot = s.slot();
        assertTrue(s.tryPublish("h", entries("/c", LockType.SUBTREE)).isGranted());
        assertTrue(keeper.table().slots().stream().anyMatch(i -> i.slot() == slot));
        s.close();
        s.close();
        assertTrue(keeper.table().slots().stream().noneMatch(i -> i.slot() == slot), keeper.table().slots().toString());
        assertTrue(keeper.table().locks().isEmpty(), keeper.table().locks().toString());
        assertFalse(Files.exists(root.resolve("c/.path.ovlock")));
        assertThrows(IllegalStateException.class, () -> s.tryPublish("h", entries("/c", LockType.POINT)));
    }

    @Test
    void closingCompletesPendingAsyncWaitsAndLetsABlockedThreadLeaveTheTable() throws Exception
    {
        final HostLockStore a = store("none");
        final HostLockStore b = HostLockStoreContractTest.small(root, "none").build();
        assertTrue(a.tryPublish("holder", entries("/z", LockType.SUBTREE)).isGranted());
        final LockStore.PublishResult refused = b.tryPublish("w", entries("/z/1", LockType.POINT));
        final CompletableFuture<Void> async = b.onChange(refused.blocker(), TimeUnit.HOURS.toNanos(1));
        // A thread that keeps waiting on the table, as a blocked acquisition does (HS7).
        final AtomicReference<Throwable> waiterFailure = new AtomicReference<>();
        final java.util.concurrent.CountDownLatch waiting = new java.util.concurrent.CountDownLatch(1);
        final Thread t = new Thread(() ->
        {
            try
            {
                for (int i = 0; i < 1_000_000; i++)
                {
                    final LockStore.PublishResult r = b.tryPublish("w2", entries("/z/2", LockType.POINT));
                    assertFalse(r.isGranted());
                    waiting.countDown();
                    b.awaitChange(r.blocker(), TimeUnit.HOURS.toNanos(1));
                }
            }
            catch (final Throwable e)
            {
                waiterFailure.set(e);
            }
        }, "table-waiter");
        t.start();
        assertTrue(waiting.await(30, TimeUnit.SECONDS));
        b.close();
        async.get(30, TimeUnit.SECONDS);
        t.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(t.isAlive(), "the waiting thread did not leave after close");
        assertInstanceOf(IllegalStateException.class, waiterFailure.get(), "the retry after close must fail as closed");
        assertTrue(waiterFailure.get().getMessage().contains("closed"), waiterFailure.get().getMessage());
        assertEquals(0, b.pendingAsyncWaitCount());
    }

    @Test
    void aBrokenSessionIsReportedLostByCheckNamingTheSlot()
    {
        final HostLockStore a = store("none");
        final HostLockStore b = store("none");
        final LockStore.PublishResult r = a.tryPublish("victim", entries("/v", LockType.POINT));
        assertEquals(Duration.ZERO, a.heartbeatInterval(), "interop none needs no heartbeat");
        assertNull(a.check(r.publication()));
        assertTrue(b.table().breakSlot(a.slot(), true));
        final String lost = a.check(r.publication());
        assertNotNull(lost);
        assertTrue(lost.contains("slot " + a.slot()), lost);
        assertTrue(b.tryPublish("next", entries("/v", LockType.POINT)).isGranted());
        assertEquals(LockMode.EXCLUSIVE, r.publication().entries().get(0).mode());
    }
}

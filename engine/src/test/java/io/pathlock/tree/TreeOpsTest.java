package io.pathlock.tree;

import io.pathlock.LockHandle;
import io.pathlock.core.InvalidLockPathException;
import io.pathlock.core.LockBusyException;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.tree.TreeOpsFixture.Store;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.pathlock.tree.TreeOpsFixture.bytes;
import static io.pathlock.tree.TreeOpsFixture.hash;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What each tree operation does, the errors it refuses with (changing nothing), and the locks it takes. */
class TreeOpsTest
{
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Store.class)
    void writeCreatesAndReplacesAFileAndLeavesNothingElse(final Store store) throws Exception
    {
        try (TreeOpsFixture f = new TreeOpsFixture(dir, store))
        {
            f.mkdirs("/in");
            final TreeResult r = f.ops.write("/in/a.bin", bytes("one"));
            assertEquals("one", f.read("/in/a.bin"));
            assertTrue(r.taskId() >= 0,
                "a write is bracketed by the redo log (its temporary is removed after a crash)");
            assertTrue(r.tokens().containsKey("/in"), r.toString());
            f.ops.write("/in/a.bin", bytes("two"));
            f.ops.write("/in/b.bin", new ByteArrayInputStream(bytes("three")));
            assertEquals(Map.of("/in", "D", "/in/a.bin", "F:" + hash("two"), "/in/b.bin", "F:" + hash("three")),
                f.all());
        }
    }

    @ParameterizedTest
    @EnumSource(TreeDurability.class)
    void everyDurabilityPolicyDoesTheSameToTheTree(final TreeDurability durability) throws Exception
    {
        try (TreeOpsFixture f = new TreeOpsFixture(dir, Store.MEMORY, b -> b.durability(durability)))
        {
            f.put("/a/f", "old");
            f.put("/s/t/u", "u");
            f.ops.write("/a/f", bytes("new"));
            f.ops.write("/a/g", bytes("g"));
            f.ops.move("/s", "/a/s");
            f.ops.batch(TreeOp.move("/a/s/t", "/t2"), TreeOp.write("/t2/v", bytes("v")), TreeOp.delete("/a/g"));
            TreeOps.builder(f.locks, f.root).durability(durability).moveStrategy(MoveStrategy.COPY).build()
                .move("/t2", "/a/t3");
            final Map<String, String> expected = new TreeMap<>();
            expected.put("/a", "D");
            expected.put("/a/f", "F:" + hash("new"));
            expected.put("/a/s", "D");
            expected.put("/a/t3", "D");
            expected.put("/a/t3/u", "F:" + hash("u"));
            expected.put("/a/t3/v", "F:" + hash("v"));
            assertEquals(expected, f.all(), durability.name());
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void deleteRemovesAFileOrAWholeSubtree(final Store store) throws Exception
    {
        try (TreeOpsFixture f = new TreeOpsFixture(dir, store))
        {
            f.put("/a/f", "x");
            f.put("/b/c/d/e", "y");
            f.put("/b/g", "z");
            f.ops.delete("/a/f");
            final TreeResult r = f.ops.delete("/b");
            assertTrue(r.taskId() >= 0, "a delete is bracketed by the redo log");
            assertEquals(Map.of("/a", "D"), f.all());
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void moveRenamesOrCopiesFilesAndDirectories(final Store store) throws Exception
    {
        for (final MoveStrategy strategy : MoveStrategy.values())
        {
            final Path sub = Files.createDirectories(dir.resolve(strategy.name()));
            try (TreeOpsFixture f = new TreeOpsFixture(sub, store, b -> b.moveStrategy(strategy)))
            {
                f.put("/s/f", "1");
                f.put("/s/d/g", "2");
                Files.createSymbolicLink(f.file("/s/d/link"), Path.of("g"));
                f.put("/file", "3");
                f.mkdirs("/t");
                f.ops.move("/s", "/t/s2");
                f.ops.move("/file", "/t/file2");
                final Map<String, String> expected = new TreeMap<>();
                expected.put("/t", "D");
                expected.put("/t/s2", "D");
                expected.put("/t/s2/f", "F:" + hash("1"));
                expected.put("/t/s2/d", "D");
                expected.put("/t/s2/d/g", "F:" + hash("2"));
                expected.put("/t/s2/d/link", "L:g");
                expected.put("/t/file2", "F:" + hash("3"));
                assertEquals(expected, f.all(), strategy.name());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void createDirectoriesCreatesTheMissingOnesOnly(final Store store) throws Exception
    {
        try (TreeOpsFixture f = new TreeOpsFixture(dir, store))
        {
            f.mkdirs("/x");
            f.ops.createDirectories("/x/y/z");
            f.ops.createDirectories("/x/y/z");
            final TreeResult r = f.ops.createDirectories("/x");
            assertEquals(Set.of("/x"), r.tokens().keySet(), "nothing to create: POINT /x, ordered with its removal");
            assertEquals(-1, r.taskId());
            assertEquals(Map.of("/x", "D", "/x/y", "D", "/x/y/z", "D"), f.all());
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void batchSeesWhatItsEarlierOperationsDid(final Store store) throws Exception
    {
        try (TreeOpsFixture f = new TreeOpsFixture(dir, store))
        {
            f.put("/old/f", "old");
            f.put("/keep", "k1");
            f.ops.batch(TreeOp.createDirectories("/x/y"), TreeOp.write("/x/y/z", bytes("z")),
                TreeOp.move("/x", "/old2"), TreeOp.delete("/old"), TreeOp.createDirectories("/old/new"),
                TreeOp.write("/keep", bytes("k2")), TreeOp.write("/old2/y/w", bytes("w")));
            final Map<String, String> expected = new TreeMap<>();
            expected.put("/old", "D");
            expected.put("/old/new", "D");
            expected.put("/old2", "D");
            expected.put("/old2/y", "D");
            expected.put("/old2/y/z", "F:" + hash("z"));
            expected.put("/old2/y/w", "F:" + hash("w"));
            expected.put("/keep", "F:" + hash("k2"));
            assertEquals(expected, f.all());
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void badInputIsRefusedNamingItAndChangesNothing(final Store store) throws Exception
    {
        try (TreeOpsFixture f = new TreeOpsFixture(dir, store))
        {
            f.put("/a/f", "x");
            f.put("/b/g", "y");
            f.mkdirs("/a/sub");
            Files.createSymbolicLink(f.file("/ln"), f.file("/a"));
            final Map<String, String> before = f.all();
            final TreeOps ops = f.ops;

            assertMessage(NoSuchFileException.class, "/missing", () -> ops.write("/missing/f", bytes("1")));
            assertMessage(NoSuchFileException.class, "/nope", () -> ops.delete("/nope"));
            assertMessage(NoSuchFileException.class, "/nope", () -> ops.move("/nope", "/b/x"));
            assertMessage(NoSuchFileException.class, "/missing", () -> ops.move("/a/f", "/missing/f"));
            assertMessage(FileAlreadyExistsException.class, "/b/g", () -> ops.move("/a/f", "/b/g"));
            assertMessage(FileAlreadyExistsException.class, "/b", () -> ops.move("/a", "/b"));
            assertMessage(NotDirectoryException.class, "/a/f", () -> ops.write("/a/f/g", bytes("1")));
            assertMessage(NotDirectoryException.class, "/a/f", () -> ops.createDirectories("/a/f/g/h"));
            assertMessage(FileAlreadyExistsException.class, "/a/f", () -> ops.createDirectories("/a/f"));
            assertMessage(FileSystemException.class, "is a directory", () -> ops.write("/a/sub", bytes("1")));
            final FileSystemException into = assertThrows(FileSystemException.class, () -> ops.move("/a", "/a/sub/a"));
            assertEquals("cannot move a directory into itself", into.getReason());
            assertMessage(InvalidLockPathException.class, "root", () -> ops.delete("/"));
            assertMessage(InvalidLockPathException.class, "root", () -> ops.move("/", "/z"));
            assertMessage(InvalidLockPathException.class, "root", () -> ops.move("/a", "/"));
            assertMessage(FileSystemException.class, "/ln", () -> ops.write("/ln/f2", bytes("1")));
            assertMessage(FileSystemException.class, "/ln", () -> ops.delete("/ln/f"));
            assertMessage(FileSystemException.class, "/ln", () -> ops.move("/ln", "/b/ln"));
            for (final String reserved : List.of("/.pathlock/x", "/a/.path.ovlock", "/a/x.path.ovlock",
                "/a/.exact.ovlock.f.123", "/.pathlock-tmp.x", "/a/.pathlock-tmp.1.f"))
            {
                assertMessage(InvalidLockPathException.class, reserved, () -> ops.write(reserved, bytes("1")));
                assertMessage(InvalidLockPathException.class, reserved, () -> ops.delete(reserved));
            }
            assertMessage(InvalidLockPathException.class, "a/b", () -> ops.write("a/b", bytes("1")));
            assertMessage(NoSuchFileException.class, "/missing", () -> ops.batch(TreeOp.write("/a/new", bytes("n")),
                TreeOp.delete("/b"), TreeOp.write("/missing/f", bytes("1"))));
            assertThrows(IllegalArgumentException.class, () -> ops.batch(List.of()));
            assertEquals(before, f.all());
        }
    }

    private static void assertMessage(final Class<? extends Exception> type, final String part, final Call call)
    {
        final Exception e = assertThrows(type, call::run);
        assertTrue(String.valueOf(e.getMessage()).contains(part), "'" + e.getMessage() + "' should name " + part);
    }

    @FunctionalInterface
    private interface Call
    {
        void run() throws Exception;
    }

    @Test
    void eachOperationTakesTheLocksOfTheTable() throws Exception
    {
        final TreeFs fs = new TreeFs(Files.createDirectories(dir.resolve("root")));
        Files.createDirectories(fs.root().resolve("a/dir/sub"));
        Files.writeString(fs.root().resolve("a/file"), "x");
        Files.createDirectories(fs.root().resolve("b"));
        assertEquals(LockRequest.point("/a"), locks(fs, TreeOp.write("/a/new", bytes("1"))));
        assertEquals(LockRequest.point("/a"), locks(fs, TreeOp.delete("/a/file")));
        assertEquals(LockRequest.builder().add("/a/dir", LockType.SUBTREE).add("/a", LockType.POINT).build(),
            locks(fs, TreeOp.delete("/a/dir")));
        assertEquals(LockRequest.point("/a", "/b"), locks(fs, TreeOp.move("/a/file", "/b/file")));
        assertEquals(LockRequest.builder().add("/a/dir", LockType.SUBTREE).add("/a", LockType.POINT)
            .add("/b", LockType.SUBTREE).build(), locks(fs, TreeOp.move("/a/dir", "/b/dir")));
        assertEquals(LockRequest.subtree("/a/dir"), locks(fs, TreeOp.createDirectories("/a/dir/x/y")));
        assertEquals(LockRequest.subtree("/a/dir/sub"), locks(fs, TreeOp.createDirectories("/a/dir/sub/z")));
        assertEquals(LockRequest.point("/a/dir/sub"), locks(fs, TreeOp.createDirectories("/a/dir/sub")));
        assertEquals(LockRequest.builder().add("/a/dir", LockType.SUBTREE).add("/a", LockType.POINT).build(),
            locks(fs, TreeOp.write("/a/new", bytes("1")), TreeOp.delete("/a/dir")),
            "the union, a path listed twice with the stronger type");
        assertEquals(LockRequest.subtree("/a"), locks(fs, TreeOp.write("/a/new", bytes("1")), TreeOp.delete("/a/dir"),
            TreeOp.createDirectories("/a/dir2")),
            "the union, a path listed twice with the stronger type");
    }

    private static LockRequest locks(final TreeFs fs, final TreeOp... ops) throws IOException
    {
        return Planner.plan(fs, MoveStrategy.AUTO, List.of(ops), "t").lockRequest();
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void createDirectoriesConflictsWithOperationsInsideWhatItCreates(final Store store) throws Exception
    {
        final CountDownLatch paused = new CountDownLatch(1);
        final CountDownLatch resume = new CountDownLatch(1);
        try (TreeOpsFixture f = new TreeOpsFixture(dir, store,
            b -> b.stepListener(pauseAt("mkdirs", 3, paused, resume))))
        {
            f.mkdirs("/x");
            final CompletableFuture<TreeResult> mkdirs = CompletableFuture.supplyAsync(() -> call(() ->
                f.ops.createDirectories("/x/y/z")));
            assertTrue(paused.await(30, TimeUnit.SECONDS));
            // /x/y exists now, /x/y/z not yet: an operation inside /x/y/z must wait for the whole createDirectories
            assertTrue(Files.isDirectory(f.file("/x/y")));
            try (LockHandle h = f.locks.tryLock(LockRequest.point("/x/y")))
            {
                assertNull(h, "POINT /x/y (a write of /x/y/z/f once /x/y/z exists, or a mkdir in /x/y) is busy");
            }
            try (LockHandle h = f.locks.tryLock(LockRequest.point("/x")))
            {
                assertNull(h, "POINT /x is busy");
            }
            resume.countDown();
            mkdirs.get(30, TimeUnit.SECONDS);
            assertEquals(LockRequest.point("/x/y/z"), locks(f.ops.fs(), TreeOp.write("/x/y/z/f", bytes("1"))));
            f.ops.write("/x/y/z/f", bytes("1"));
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void conflictingOperationsWaitForEachOtherAndIndependentOnesDoNot(final Store store) throws Exception
    {
        final CountDownLatch paused = new CountDownLatch(1);
        final CountDownLatch resume = new CountDownLatch(1);
        try (TreeOpsFixture f = new TreeOpsFixture(dir, store,
            b -> b.stepListener(pauseAt("delete", 2, paused, resume))))
        {
            f.put("/a/d/f", "1");
            f.put("/a/g", "2");
            f.put("/b/h", "3");
            final TreeOps now = f.impatient();
            final CompletableFuture<TreeResult> delete = CompletableFuture.supplyAsync(() -> call(() ->
                f.ops.delete("/a/d")));
            assertTrue(paused.await(30, TimeUnit.SECONDS));
            // the delete of directory /a/d holds SUBTREE /a/d + POINT /a
            assertThrows(LockBusyException.class, () -> now.write("/a/d/f2", bytes("x")));
            assertThrows(LockBusyException.class, () -> now.write("/a/g", bytes("x")));
            assertThrows(LockBusyException.class, () -> now.move("/b/h", "/a/h"));
            assertThrows(LockBusyException.class, () -> now.createDirectories("/a/new"));
            assertThrows(LockBusyException.class, () -> now.delete("/a"));
            now.write("/b/h2", bytes("4"));
            now.move("/b/h", "/b/h3");
            resume.countDown();
            delete.get(30, TimeUnit.SECONDS);
            assertFalse(Files.exists(f.file("/a/d")));
            now.write("/a/d", bytes("x"));
            assertEquals("x", f.read("/a/d"));
        }
    }

    @Test
    void aDirectoryThatVanishesBeforeTheLockIsGrantedIsPlannedAgain() throws Exception
    {
        // POINT /a/b's sidecar needs /a: the lock-file store under MissingDirectories.FAIL refuses it; TreeOps
        // plans again and reports what the tree says (before: LockStoreException 'does not exist')
        try (TreeOpsFixture f = new TreeOpsFixture(dir, Store.FILE))
        {
            f.put("/a/b/x", "x");
            final CompletableFuture<TreeResult> write;
            try (LockHandle h = f.locks.lock(LockRequest.point("/a/b")))
            {
                write = CompletableFuture.supplyAsync(() -> call(() -> f.ops.write("/a/b/f", bytes("f"))));
                while (f.locks.snapshot().waiters().isEmpty())
                {
                    assertFalse(write.isDone(), "the write waits for POINT /a/b");
                    Thread.onSpinWait();
                }
                TreeFs.removeTree(f.file("/a"), p -> false);
            }
            final java.util.concurrent.ExecutionException e =
                assertThrows(java.util.concurrent.ExecutionException.class, () -> write.get(30, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof NoSuchFileException, e.getCause().toString());
            assertEquals(Map.of(), f.all());
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void aSourceWhoseKindChangedWhileWaitingIsLockedAgainForItsNewKind(final Store store) throws Exception
    {
        try (TreeOpsFixture f = new TreeOpsFixture(dir, store))
        {
            f.put("/x", "a file");
            final CompletableFuture<TreeResult> delete;
            try (LockHandle h = f.locks.lock(LockRequest.point("/")))
            {
                delete = CompletableFuture.supplyAsync(() -> call(() -> f.ops.delete("/x")));
                // the delete planned for a file (POINT /) and waits behind h
                while (f.locks.snapshot().waiters().isEmpty())
                {
                    assertFalse(delete.isDone(), "the delete waits for POINT /");
                    Thread.onSpinWait();
                }
                Files.delete(f.file("/x"));
                f.put("/x/y/z", "now a directory");
            }
            final TreeResult r = delete.get(30, TimeUnit.SECONDS);
            assertTrue(r.tokens().containsKey("/x"), "deleted under SUBTREE /x, the lock of a directory: " + r);
            assertEquals(Map.of(), f.all());
        }
    }

    private record Probe(TreeOp op, boolean busy)
    {
    }

    private static Probe busy(final TreeOp op)
    {
        return new Probe(op, true);
    }

    private static Probe free(final TreeOp op)
    {
        return new Probe(op, false);
    }

    /**
     * Pauses {@code held} at step {@code step} and checks, with a TreeOps that never waits, which other
     * operations conflict with it; then lets it finish.
     */
    private void conflicts(final Store store, final String name, final int step, final TreeOp held,
        final Probe... probes) throws Exception
    {
        final CountDownLatch paused = new CountDownLatch(1);
        final CountDownLatch resume = new CountDownLatch(1);
        final Path sub = Files.createDirectories(dir.resolve(name + "-" + store));
        try (TreeOpsFixture f = new TreeOpsFixture(sub, store,
            b -> b.stepListener(pauseAt(name, step, paused, resume))))
        {
            f.put("/a/d/x", "x");
            f.put("/a/f", "f");
            f.mkdirs("/b");
            f.put("/c/g", "g");
            final CompletableFuture<TreeResult> first = CompletableFuture.supplyAsync(() -> call(() ->
                f.ops.batch(held)));
            assertTrue(paused.await(30, TimeUnit.SECONDS), name);
            final TreeOps now = f.impatient();
            for (final Probe p : probes)
            {
                if (p.busy)
                {
                    assertThrows(LockBusyException.class, () -> now.batch(p.op), held + " vs " + p.op);
                }
                else
                {
                    now.batch(p.op);
                }
            }
            resume.countDown();
            first.get(30, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void whichOperationsConflictFollowsTheLockTable(final Store store) throws Exception
    {
        conflicts(store, "write", 2, TreeOp.write("/a/new", bytes("n")),
            busy(TreeOp.write("/a/other", bytes("o"))), busy(TreeOp.delete("/a/f")), busy(TreeOp.delete("/a/d")),
            busy(TreeOp.move("/c/g", "/a/g")), busy(TreeOp.createDirectories("/a/n")), busy(TreeOp.delete("/a")),
            free(TreeOp.write("/a/d/y", bytes("y"))), free(TreeOp.write("/b/z", bytes("z"))),
            free(TreeOp.move("/c/g", "/b/g")));
        conflicts(store, "move", 1, TreeOp.move("/a/f", "/b/f"),
            busy(TreeOp.write("/b/q", bytes("q"))), busy(TreeOp.write("/a/q", bytes("q"))), busy(TreeOp.delete("/b")),
            free(TreeOp.write("/c/q", bytes("q"))), free(TreeOp.write("/a/d/q", bytes("q"))));
        conflicts(store, "move", 2, TreeOp.move("/a/d", "/b/d"),
            busy(TreeOp.write("/a/d/q", bytes("q"))), busy(TreeOp.write("/a/q", bytes("q"))),
            busy(TreeOp.write("/b/q", bytes("q"))), busy(TreeOp.createDirectories("/b/x/y")),
            free(TreeOp.write("/c/q", bytes("q"))), free(TreeOp.delete("/c/g")));
        conflicts(store, "delete", 2, TreeOp.delete("/a/f"),
            busy(TreeOp.write("/a/f", bytes("q"))), busy(TreeOp.move("/a/d", "/c/d")),
            free(TreeOp.write("/a/d/q", bytes("q"))), free(TreeOp.move("/c/g", "/b/g")));
    }

    static StepListener pauseAt(final String op, final int step, final CountDownLatch paused,
        final CountDownLatch resume)
    {
        return (o, n, what) ->
        {
            if (o.equals(op) && n == step)
            {
                paused.countDown();
                try
                {
                    assertTrue(resume.await(60, TimeUnit.SECONDS), "resumed");
                }
                catch (final InterruptedException e)
                {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }

    @FunctionalInterface
    interface ThrowingSupplier<T>
    {
        T get() throws Exception;
    }

    static <T> T call(final ThrowingSupplier<T> s)
    {
        try
        {
            return s.get();
        }
        catch (final Exception e)
        {
            throw new java.util.concurrent.CompletionException(e);
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void aFailingBatchIsUndoneWithoutLosingData(final Store store) throws Exception
    {
        // the batch's last step (a directory rename) fails: the earlier delete and write are undone
        final StepListener breakTarget = (op, n, what) ->
        {
            if (what.equals("rename /m to /n"))
            {
                try
                {
                    Files.createDirectories(dir.resolve("root/n/blocker"));
                }
                catch (final IOException e)
                {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        try (TreeOpsFixture f = new TreeOpsFixture(dir, store, b -> b.stepListener(breakTarget)))
        {
            f.put("/a/f", "old");
            f.put("/old/x/y", "keep me");
            f.put("/m/z", "m");
            final Map<String, String> before = f.data();
            final IOException e = assertThrows(IOException.class, () -> f.ops.batch(TreeOp.write("/a/f", bytes("new")),
                TreeOp.delete("/old"), TreeOp.createDirectories("/c/d"), TreeOp.move("/m", "/n")));
            assertTrue(e.getMessage().contains("/n"), e.toString());
            final Map<String, String> expected = new TreeMap<>(before);
            expected.put("/n", "D");
            expected.put("/n/blocker", "D");
            assertEquals(expected, f.all(), "everything as before (but the blocker); no temporary, no created parent");
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void aFailingStreamLeavesNoTemporary(final Store store) throws Exception
    {
        try (TreeOpsFixture f = new TreeOpsFixture(dir, store))
        {
            f.put("/a/f", "old");
            f.put("/d/g", "g");
            final Map<String, String> before = f.all();
            final InputStream failing = new InputStream()
            {
                private int n;

                @Override
                public int read() throws IOException
                {
                    if (n++ > 10)
                    {
                        throw new IOException("stream broke");
                    }
                    return 'x';
                }
            };
            final IOException e = assertThrows(IOException.class, () -> f.ops.batch(TreeOp.delete("/d"),
                TreeOp.write("/a/f", failing)));
            assertEquals("stream broke", e.getMessage());
            assertEquals(before, f.all());
        }
    }

    @Test
    void aManagerWithoutRedoLogIsRefused() throws Exception
    {
        try (io.pathlock.LockManager m = io.pathlock.LockManager.builder().startAgent(false).build())
        {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TreeOps.of(m, dir));
            assertTrue(e.getMessage().contains("redo log"), e.getMessage());
        }
    }

    @Test
    void recoveryOfACleanLogReportsNothing() throws Exception
    {
        try (TreeOpsFixture f = new TreeOpsFixture(dir, Store.MEMORY))
        {
            assertNotNull(f.ops.recovery().get(30, TimeUnit.SECONDS));
            assertEquals(List.of(), f.ops.recovery().get().operations());
            assertEquals(f.root.toRealPath(), f.ops.root());
        }
    }
}

package io.pathlock.tree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input changes nothing (docs/tree-ops.md §1, §3): each refused operation throws the documented
 * exception naming the input, and the tree ({@link TreeSnapshot}) is the same before and after, with
 * no temporary left and nothing for recovery to do. On the memory store and the lock-file store
 * ({@code MissingDirectories.FAIL}). The cases needing another user or a full disk are in
 * {@link TreeBadInputProcessTest}.
 */
final class TreeBadInputTest
{
    private static final String REDO = ".pathlock/redo/bad";

    @TempDir
    Path dir;

    private Path root;
    private Path outside;
    private String store;
    private TreeCrashChild.Stack stack;

    private TreeOps open(final String storeName, final MoveStrategy strategy) throws Exception
    {
        store = storeName;
        root = dir.resolve("root");
        outside = dir.resolve("outside");
        Files.createDirectories(root);
        Files.createDirectories(outside);
        Files.writeString(outside.resolve("x"), "outside");
        TreeCrashScenario.setup(root);
        Files.createSymbolicLink(root.resolve("lnk"), Path.of("tree"));
        Files.createSymbolicLink(root.resolve("ext"), outside);
        stack = TreeCrashChild.Stack.open(storeName, root, root.resolve(REDO), strategy);
        assertTrue(stack.ops.recovery().get(60, TimeUnit.SECONDS).operations().isEmpty());
        return stack.ops;
    }

    private TreeOps open(final String storeName) throws Exception
    {
        return open(storeName, MoveStrategy.AUTO);
    }

    /** After every test: nothing is left for recovery, and recovery changes nothing. */
    @AfterEach
    void nothingToRecover() throws Exception
    {
        if (stack == null)
        {
            return;
        }
        stack.close();
        final TreeSnapshot before = TreeSnapshot.of(root);
        final TreeRecoveryReport report = TreeCrashChild.Stack.recover(store, root, root.resolve(REDO),
            MoveStrategy.AUTO);
        assertTrue(report.operations().isEmpty(), "a refused operation left a plan to recover: " + report);
        final TreeSnapshot after = TreeSnapshot.of(root);
        assertTrue(after.sameTree(before), after.diff(before));
    }

    /** Runs a refused operation: the exception is of the type, names {@code mustName}, and the tree is unchanged. */
    private <T extends Throwable> T refused(final Class<T> type, final String mustName, final Executable op)
        throws IOException
    {
        final TreeSnapshot before = TreeSnapshot.of(root);
        final TreeSnapshot outsideBefore = TreeSnapshot.of(outside);
        final T e = assertThrows(type, op);
        assertTrue(String.valueOf(e.getMessage()).contains(mustName),
            "the error names '" + mustName + "': " + e);
        final TreeSnapshot after = TreeSnapshot.of(root);
        assertTrue(after.sameTree(before), "bad input changed the tree (" + e + "):\n" + after.diff(before));
        after.assertClean();
        assertTrue(TreeSnapshot.of(outside).sameTree(outsideBefore), "something outside the root changed");
        return e;
    }

    @ParameterizedTest(name = "{0} store")
    @ValueSource(strings = {"memory", "file"})
    void aDirectoryCannotMoveIntoItself(final String s) throws Exception
    {
        final TreeOps ops = open(s);
        final FileSystemException e = refused(FileSystemException.class, "tree",
            () -> ops.move("/tree", "/tree/d1/inside"));
        assertTrue(String.valueOf(e.getReason()).contains("into itself"), e.toString());
        refused(FileSystemException.class, "tree", () -> ops.move("/tree", "/tree/inside"));
    }

    @ParameterizedTest(name = "{0} store")
    @ValueSource(strings = {"memory", "file"})
    void aDirectoryCannotMoveIntoItselfByCopyEither(final String s) throws Exception
    {
        final TreeOps ops = open(s, MoveStrategy.COPY);
        final FileSystemException e = refused(FileSystemException.class, "tree",
            () -> ops.move("/tree", "/tree/d1/inside"));
        assertTrue(String.valueOf(e.getReason()).contains("into itself"), e.toString());
    }

    @ParameterizedTest(name = "{0} store")
    @ValueSource(strings = {"memory", "file"})
    void nothingMovesOntoAnExistingTarget(final String s) throws Exception
    {
        final TreeOps ops = open(s);
        refused(FileAlreadyExistsException.class, "in/b", () -> ops.move("/in/a", "/in/b"));
        refused(FileAlreadyExistsException.class, "out", () -> ops.move("/tree", "/out"));
        refused(FileAlreadyExistsException.class, "tree/empty", () -> ops.move("/in", "/tree/empty"));
        refused(FileAlreadyExistsException.class, "tree", () -> ops.move("/in/a", "/tree"));
    }

    @ParameterizedTest(name = "{0} store")
    @ValueSource(strings = {"memory", "file"})
    void nothingMovesOntoAnExistingTargetByCopy(final String s) throws Exception
    {
        final TreeOps ops = open(s, MoveStrategy.COPY);
        refused(FileAlreadyExistsException.class, "out", () -> ops.move("/tree", "/out"));
        refused(FileAlreadyExistsException.class, "in/b", () -> ops.move("/in/a", "/in/b"));
    }

    @ParameterizedTest(name = "{0} store")
    @ValueSource(strings = {"memory", "file"})
    void aMissingParentOrSourceIsNamed(final String s) throws Exception
    {
        final TreeOps ops = open(s);
        refused(NoSuchFileException.class, "nope", () -> ops.move("/in/a", "/nope/x/a"));
        refused(NoSuchFileException.class, "nope", () -> ops.move("/tree", "/nope/tree"));
        refused(NoSuchFileException.class, "in/zzz", () -> ops.move("/in/zzz", "/out/zzz"));
        refused(NoSuchFileException.class, "in/zzz", () -> ops.delete("/in/zzz"));
        refused(NoSuchFileException.class, "nope", () -> ops.write("/nope/f", new byte[] {1}));
        refused(NoSuchFileException.class, "nope", () -> ops.delete("/nope/f"));
    }

    @ParameterizedTest(name = "{0} store")
    @ValueSource(strings = {"memory", "file"})
    void aFileWhereADirectoryMustBeIsNamed(final String s) throws Exception
    {
        final TreeOps ops = open(s);
        refused(NotDirectoryException.class, "in/a", () -> ops.write("/in/a/x", new byte[] {1}));
        refused(NotDirectoryException.class, "in/a", () -> ops.move("/in/b", "/in/a/b"));
        refused(FileSystemException.class, "in/a", () -> ops.createDirectories("/in/a/x/y"));
        refused(FileSystemException.class, "tree", () -> ops.write("/tree", new byte[] {1}));
    }

    @ParameterizedTest(name = "{0} store")
    @ValueSource(strings = {"memory", "file"})
    void theRootCannotBeMovedOrDeleted(final String s) throws Exception
    {
        final TreeOps ops = open(s);
        for (final Executable op : List.<Executable>of(() -> ops.delete("/"), () -> ops.move("/", "/out/root"),
            () -> ops.move("/in", "/"), () -> ops.move("/in/a", "/")))
        {
            final Exception e = refused(Exception.class, "root", op);
            assertTrue(e instanceof IOException || e instanceof IllegalArgumentException,
                "an IOException or IllegalArgumentException: " + e);
        }
    }

    @ParameterizedTest(name = "{0} store")
    @ValueSource(strings = {"memory", "file"})
    void noOperationGoesThroughASymbolicLink(final String s) throws Exception
    {
        final TreeOps ops = open(s);
        refused(IOException.class, "lnk", () -> ops.move("/lnk/top", "/out/top"));
        refused(IOException.class, "lnk", () -> ops.move("/in/a", "/lnk/a"));
        refused(IOException.class, "lnk", () -> ops.write("/lnk/new", new byte[] {1}));
        refused(IOException.class, "lnk", () -> ops.delete("/lnk/d1"));
        refused(IOException.class, "lnk", () -> ops.createDirectories("/lnk/n/m"));
        refused(IOException.class, "ext", () -> ops.write("/ext/x", new byte[] {1}));
        refused(IOException.class, "ext", () -> ops.delete("/ext/x"));
        refused(IOException.class, "ext", () -> ops.move("/ext/x", "/in/x"));
        refused(IOException.class, "ext", () -> ops.move("/tree", "/ext/tree"));
        assertEquals("outside", Files.readString(outside.resolve("x")));
    }

    @ParameterizedTest(name = "{0} store")
    @ValueSource(strings = {"memory", "file"})
    void reservedNamesAreRefused(final String s) throws Exception
    {
        final TreeOps ops = open(s);
        for (final String bad : List.of("/in/.pathlock-tmp.1.x", "/.pathlock/x", "/in/.path.ovlock",
            "/in/a.path.ovlock", "/in/.exact.ovlock.a.1234", "/.pathlock"))
        {
            final String name = bad.substring(bad.lastIndexOf('/') + 1);
            reservedRefused(name, () -> ops.write(bad, new byte[] {1}));
            reservedRefused(name, () -> ops.move("/in/a", bad));
            reservedRefused(name, () -> ops.createDirectories(bad));
            reservedRefused(name, () -> ops.delete(bad));
        }
    }

    private void reservedRefused(final String name, final Executable op) throws IOException
    {
        final Exception e = refused(Exception.class, name.startsWith(".pathlock/") ? ".pathlock" : name, op);
        assertTrue(e instanceof IOException || e instanceof IllegalArgumentException,
            "an IOException or IllegalArgumentException (InvalidLockPathException): " + e);
    }

    @ParameterizedTest(name = "{0} store")
    @ValueSource(strings = {"memory", "file"})
    void malformedLockPathsAreNamed(final String s) throws Exception
    {
        final TreeOps ops = open(s);
        for (final String bad : List.of("in/a", "/in//a", "/in/../a", "/in/./a", "/in/a/", ""))
        {
            refused(IllegalArgumentException.class, bad, () -> ops.write(bad, new byte[] {1}));
            refused(IllegalArgumentException.class, bad, () -> ops.move(bad, "/out/x"));
            refused(IllegalArgumentException.class, bad, () -> ops.move("/in/a", bad));
            refused(IllegalArgumentException.class, bad, () -> ops.delete(bad));
        }
        refused(NullPointerException.class, "", () -> ops.write(null, new byte[] {1}));
        refused(NullPointerException.class, "", () -> ops.batch((List<TreeOp>) null));
    }

    @ParameterizedTest(name = "{0} store")
    @ValueSource(strings = {"memory", "file"})
    void aBatchWhoseLastOperationIsRefusedLeavesNoDirectoryBehind(final String s) throws Exception
    {
        final TreeOps ops = open(s);
        refused(FileAlreadyExistsException.class, "in/b", () -> ops.batch(TreeOp.createDirectories("/new/deep"),
            TreeOp.write("/new/deep/f", new byte[] {1, 2}), TreeOp.delete("/out"), TreeOp.move("/in/a", "/in/b")));
        refused(NoSuchFileException.class, "gone", () -> ops.batch(TreeOp.move("/tree", "/out/tree"),
            TreeOp.delete("/out/tree/d1/gone")));
    }

    @ParameterizedTest(name = "{0} store")
    @ValueSource(strings = {"memory", "file"})
    void aBatchThatFailsHalfWayLosesNoData(final String s) throws Exception
    {
        final TreeOps ops = open(s);
        final byte[] a = Files.readAllBytes(root.resolve("in/a"));
        final IOException e = refused(IOException.class, "broke", () -> ops.batch(TreeOp.createDirectories("/b/c"),
            TreeOp.write("/b/c/f", new byte[] {1}), TreeOp.move("/tree", "/b/c/tree"), TreeOp.delete("/in/a"),
            TreeOp.write("/in/a", new byte[] {9}), TreeOp.write("/in/broken",
                new TreeCrashScenario.BreakingStream(TreeCrashScenario.bytes(9000, 4), 4096))));
        assertArrayEquals(a, Files.readAllBytes(root.resolve("in/a")), "the deleted then rewritten file is back: " + e);
        // The tree operations still work after the failure.
        ops.batch(TreeOp.createDirectories("/b/c"), TreeOp.move("/tree", "/b/c/tree"));
        assertTrue(Files.isRegularFile(root.resolve("b/c/tree/d1/d2/two")));
    }

    @ParameterizedTest(name = "{0} store")
    @ValueSource(strings = {"memory", "file"})
    void aWriteFromABrokenStreamLeavesTheOldFile(final String s) throws Exception
    {
        final TreeOps ops = open(s);
        refused(IOException.class, "broke", () -> ops.write("/in/a",
            new TreeCrashScenario.BreakingStream(TreeCrashScenario.bytes(9000, 4), 5000)));
        refused(IOException.class, "broke", () -> ops.write("/in/new",
            new TreeCrashScenario.BreakingStream(TreeCrashScenario.bytes(9000, 4), 0)));
    }
}

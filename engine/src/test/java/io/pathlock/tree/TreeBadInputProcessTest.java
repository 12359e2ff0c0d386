package io.pathlock.tree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Failures half-way through an operation, which need another process: permission denied in the
 * middle of a copy (a child without the capabilities that bypass file permissions, {@code setpriv
 * --bounding-set -dac_override,-dac_read_search}, meets a directory it cannot read) and a full disk
 * (a 256 KiB tmpfs below the root in a private mount namespace, {@code unshare -Urm}). Each must throw
 * the documented exception naming the path, undo what it changed and remove its temporaries: the tree
 * ({@link TreeSnapshot}) is as before.
 */
final class TreeBadInputProcessTest
{
    private static final String REDO = ".pathlock/redo/bad";

    @TempDir
    Path dir;

    private Path permissionFixture() throws Exception
    {
        final Path root = dir.resolve("root");
        Files.createDirectories(root);
        TreeCrashScenario.setup(root);
        Files.createDirectories(root.resolve("tree/d1/locked/inner"));
        Files.write(root.resolve("tree/d1/locked/secret"), TreeCrashScenario.bytes(1000, 30));
        Files.write(root.resolve("tree/d1/locked/inner/deeper"), TreeCrashScenario.bytes(1000, 31));
        Files.write(root.resolve("tree/d1/later"), TreeCrashScenario.bytes(1000, 32));
        Files.setPosixFilePermissions(root.resolve("tree/d1/locked"), PosixFilePermissions.fromString("---------"));
        return root;
    }

    private static boolean withoutDacWorks(final Path probe) throws Exception
    {
        final Process p = new ProcessBuilder("setpriv", "--bounding-set", "-dac_override,-dac_read_search",
            "ls", probe.toString()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() != 0;
    }

    private static List<String> withoutDac()
    {
        return List.of("setpriv", "--bounding-set", "-dac_override,-dac_read_search");
    }

    @ParameterizedTest(name = "{0} store")
    @ValueSource(strings = {"memory", "file"})
    void permissionDeniedHalfWayThroughACopyUndoesTheCopy(final String store) throws Exception
    {
        final Path root = permissionFixture();
        assumeTrue(withoutDacWorks(root.resolve("tree/d1/locked")),
            "setpriv cannot drop the capabilities that bypass permissions here (or the locked directory is readable)");
        final TreeSnapshot before = TreeSnapshot.of(root);
        final TreeCrashChild.Result r = TreeCrashChild.exec(TreeCrashChild.command(withoutDac(), List.of(),
            TreeBadInputChild.class, "copy", store, root.toString(), root.resolve(REDO).toString()));
        assertEquals(0, r.exitCode(), r.output());
        final TreeSnapshot after = TreeSnapshot.of(root);
        refusedNamingTheLockedDirectory(store, line(r.output(), "RESULT copy "), r.output(), after);
        assertTrue(after.sameTree(before), "the tree changed:\n" + after.diff(before));
        after.assertClean();
        assertNothingToRecover(store, root, before);
    }

    /**
     * Operations that must change a read-only directory ({@code /ro}, r-x) fail with
     * AccessDeniedException naming it and change nothing, also a batch whose earlier operations were
     * applied before its last one failed (they are undone: no data lost, no directory left behind).
     * On the lock-file store the lock on {@code /ro} itself may be refused first (its lock file cannot
     * be written there): a LockStoreException naming the directory, also changing nothing.
     */
    @ParameterizedTest(name = "{0} store")
    @ValueSource(strings = {"memory", "file"})
    void whatMustChangeAReadOnlyDirectoryFailsAndChangesNothing(final String store) throws Exception
    {
        final Path root = dir.resolve("root");
        Files.createDirectories(root);
        TreeCrashScenario.setup(root);
        Files.createDirectories(root.resolve("ro"));
        Files.write(root.resolve("ro/a"), TreeCrashScenario.bytes(300, 41));
        Files.setPosixFilePermissions(root.resolve("ro"), PosixFilePermissions.fromString("r-xr-xr-x"));
        final Path probe = Files.createDirectory(dir.resolve("probe"));
        Files.setPosixFilePermissions(probe, PosixFilePermissions.fromString("---------"));
        assumeTrue(withoutDacWorks(probe), "setpriv cannot drop the capabilities that bypass permissions here");
        final TreeSnapshot before = TreeSnapshot.of(root);
        final TreeCrashChild.Result r = TreeCrashChild.exec(TreeCrashChild.command(withoutDac(), List.of(),
            TreeBadInputChild.class, "readonly", store, root.toString(), root.resolve(REDO).toString()));
        assertEquals(0, r.exitCode(), r.output());
        final TreeSnapshot after = TreeSnapshot.of(root);
        final String ctx = r.output() + "\ntree now:\n" + after.format();
        for (final String label : List.of("write-new", "write-over", "move-in", "move-out", "move-dir-in", "delete",
            "mkdirs", "batch"))
        {
            final String result = line(r.output(), "RESULT " + label + " ");
            final boolean denied = result.contains(" thrown java.nio.file.AccessDeniedException|");
            final boolean lockRefused = store.equals("file")
                && result.contains(" thrown io.pathlock.core.LockStoreException|");
            assertTrue(denied || lockRefused, label + ": AccessDeniedException expected: " + result + "\n" + ctx);
            assertTrue(result.contains("/ro"), label + ": names the read-only directory: " + result);
        }
        assertTrue(after.sameTree(before), "the tree changed:\n" + after.diff(before) + "\n" + r.output());
        after.assertClean();
        assertNothingToRecover(store, root, before);
    }

    /**
     * Not bad input: read-only directories (r-x) in a tree moved by copy. The copy must be able to fill
     * them (a copy that gives a directory its mode before its entries cannot, without the
     * capabilities that bypass permissions) and the copied directories keep their mode.
     */
    @ParameterizedTest(name = "{0} store")
    @ValueSource(strings = {"memory", "file"})
    void readOnlyDirectoriesAreCopiedWithTheirMode(final String store) throws Exception
    {
        final Path root = dir.resolve("root");
        Files.createDirectories(root);
        TreeCrashScenario.setup(root);
        final Path probe = Files.createDirectory(dir.resolve("probe"));
        Files.setPosixFilePermissions(probe, PosixFilePermissions.fromString("---------"));
        assumeTrue(withoutDacWorks(probe), "setpriv cannot drop the capabilities that bypass permissions here");
        final Set<PosixFilePermission> readOnly = PosixFilePermissions.fromString("r-xr-xr-x");
        Files.setPosixFilePermissions(root.resolve("tree/d1/d2"), readOnly);
        Files.setPosixFilePermissions(root.resolve("tree/d1"), readOnly);
        final TreeSnapshot before = TreeSnapshot.of(root);
        final TreeCrashChild.Result r = TreeCrashChild.exec(TreeCrashChild.command(withoutDac(), List.of(),
            TreeBadInputChild.class, "copy", store, root.toString(), root.resolve(REDO).toString()));
        assertEquals(0, r.exitCode(), r.output());
        final TreeSnapshot after = TreeSnapshot.of(root);
        assertEquals("RESULT copy ok", line(r.output(), "RESULT copy "), r.output() + "\ntree now:\n" + after.format());
        after.assertClean();
        final List<String> expected = before.entries().keySet().stream()
            .map(k -> k.equals("tree") || k.startsWith("tree/") ? "out/" + k : k).sorted().toList();
        assertEquals(expected, List.copyOf(after.entries().keySet()), after.diff(before));
        assertEquals(before.entries().get("tree/d1/d2/two").sha256(),
            after.entries().get("out/tree/d1/d2/two").sha256());
        assertEquals(readOnly, Files.getPosixFilePermissions(root.resolve("out/tree/d1")), "the copy keeps the mode");
        assertEquals(readOnly, Files.getPosixFilePermissions(root.resolve("out/tree/d1/d2")),
            "the copy keeps the mode");
    }

    @ParameterizedTest(name = "{0} store")
    @ValueSource(strings = {"memory", "file"})
    void aTreeThatCannotBeRemovedIsNotHalfDeleted(final String store) throws Exception
    {
        final Path root = permissionFixture();
        assumeTrue(withoutDacWorks(root.resolve("tree/d1/locked")),
            "setpriv cannot drop the capabilities that bypass permissions here (or the locked directory is readable)");
        final TreeSnapshot before = TreeSnapshot.of(root);
        final TreeCrashChild.Result r = TreeCrashChild.exec(TreeCrashChild.command(withoutDac(), List.of(),
            TreeBadInputChild.class, "delete", store, root.toString(), root.resolve(REDO).toString()));
        assertEquals(0, r.exitCode(), r.output());
        // The directory cannot be emptied: the delete must fail as a whole (naming it) rather than
        // succeed and leave its contents behind as trash.
        final TreeSnapshot after = TreeSnapshot.of(root);
        refusedNamingTheLockedDirectory(store, line(r.output(), "RESULT delete "), r.output(), after);
        assertTrue(after.sameTree(before), "the tree changed:\n" + after.diff(before));
        after.assertClean();
        assertNothingToRecover(store, root, before);
    }

    @ParameterizedTest(name = "{0} store")
    @ValueSource(strings = {"memory", "file"})
    void aFullDiskHalfWayUndoesTheWriteAndTheCopy(final String store) throws Exception
    {
        assumeTrue(TreeCrashTest.unshareMountWorks(), "unshare --user --map-root-user --mount cannot mount a tmpfs");
        final Path root = dir.resolve("root");
        Files.createDirectories(root.resolve("mnt"));
        final String script = "mount -t tmpfs -o size=256k tmpfs \"$0\" || exit 99\nexec \"$@\"";
        final List<String> wrapper = List.of("unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script,
            root.resolve("mnt").toString());
        final TreeCrashChild.Result r = TreeCrashChild.exec(TreeCrashChild.command(wrapper, List.of(),
            TreeBadInputChild.class, "full", store, root.toString(), root.resolve(REDO).toString()));
        final String out = r.output();
        assertEquals(0, r.exitCode(), out);
        final TreeSnapshot start = snapshot(out, "start");
        assertTrue(start.entries().containsKey("tree/d1/big2"), out);

        final String write = line(out, "RESULT write ");
        assertTrue(FileSystemException.class.isAssignableFrom(thrown(write)), "a FileSystemException: " + out);
        assertTrue(write.contains("No space left on device"), "the reason: " + write);
        assertTrue(write.contains("mnt/") && write.contains("big"), "names the path: " + write);
        final TreeSnapshot afterWrite = snapshot(out, "write");
        assertTrue(afterWrite.sameTree(start), "the failed write changed the tree:\n" + afterWrite.diff(start));
        afterWrite.assertClean();

        final String move = line(out, "RESULT move ");
        assertTrue(FileSystemException.class.isAssignableFrom(thrown(move)), "a FileSystemException: " + out);
        assertTrue(move.contains("No space left on device"), "the reason: " + move);
        assertTrue(move.contains("mnt/"), "names the path: " + move);
        final TreeSnapshot afterMove = snapshot(out, "move");
        assertTrue(afterMove.sameTree(start), "the failed move changed the tree:\n" + afterMove.diff(start));
        afterMove.assertClean();

        // The space the failures used is free again: a 100 KiB file fits on the 256 KiB file system.
        assertEquals("RESULT small ok", line(out, "RESULT small "), out);
        final TreeSnapshot afterSmall = snapshot(out, "small");
        afterSmall.assertClean();
        assertTrue(afterSmall.entries().containsKey("mnt/small"), afterSmall.format());
        assertFalse(afterSmall.entries().containsKey("mnt/big"), afterSmall.format());
        assertEquals(start.entries().size() + 1, afterSmall.entries().size(), afterSmall.diff(start));
    }

    /**
     * The operation failed naming the unreadable directory: AccessDeniedException; on the lock-file
     * store the SUBTREE lock itself may refuse first (it cannot rule out lock files in a directory it
     * cannot read, LockFileScanner S2), which ends in a LockTimeoutException naming the directory.
     */
    private static void refusedNamingTheLockedDirectory(final String store, final String result, final String output,
        final TreeSnapshot now)
    {
        final String ctx = output + "\ntree now:\n" + now.format();
        final boolean denied = result.contains(" thrown java.nio.file.AccessDeniedException|");
        final boolean lockRefused = store.equals("file")
            && result.contains(" thrown io.pathlock.core.LockTimeoutException|");
        assertTrue(denied || lockRefused, "AccessDeniedException expected: " + result + "\n" + ctx);
        assertTrue(result.contains("tree/d1/locked"), "names the unreadable directory: " + result + "\n" + ctx);
    }

    private static void assertNothingToRecover(final String store, final Path root, final TreeSnapshot before)
        throws Exception
    {
        final TreeRecoveryReport report = TreeCrashChild.Stack.recover(store, root, root.resolve(REDO),
            MoveStrategy.AUTO);
        assertTrue(report.operations().isEmpty(), "a failed operation left a plan to recover: " + report);
        assertTrue(TreeSnapshot.of(root).sameTree(before), "recovery changed the tree");
    }

    /** The exception class of a {@code RESULT <label> thrown <class>|...} line. */
    private static Class<?> thrown(final String resultLine) throws ClassNotFoundException
    {
        final int i = resultLine.indexOf(" thrown ");
        assertTrue(i >= 0, "the operation should have failed: " + resultLine);
        return Class.forName(resultLine.substring(i + " thrown ".length(), resultLine.indexOf('|', i)));
    }

    private static String line(final String output, final String prefix)
    {
        for (final String l : output.split("\n"))
        {
            if (l.startsWith(prefix))
            {
                return l;
            }
        }
        throw new AssertionError("no line '" + prefix + "' in:\n" + output);
    }

    private static TreeSnapshot snapshot(final String output, final String label)
    {
        final String marker = "SNAPSHOT " + label + "\n";
        final int i = output.indexOf(marker);
        assertTrue(i >= 0, "no " + marker + " in:\n" + output);
        return TreeSnapshot.parse(output.substring(i + marker.length()));
    }
}

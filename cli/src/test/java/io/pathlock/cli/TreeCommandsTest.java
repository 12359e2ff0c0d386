package io.pathlock.cli;

import io.pathlock.core.LockRequest;
import io.pathlock.file.FileLockStore;
import io.pathlock.redo.RedoLog;
import io.pathlock.redo.RedoLogConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.pathlock.cli.FileCommandsTest.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code pathlock mv|rm|write} on real trees: each command's effect, each exit code, bad input that
 * changes nothing, a busy lock held by another process, and the redo directory of each command
 * ({@link CliRedoDirectory}: removed after the command; A2 adoption judged by pid and redo lock).
 * Most commands run in this JVM ({@link FileCommandsTest#exec}); those that read standard input or
 * must meet another process's lock run as real processes ({@link CliProcess}).
 */
class TreeCommandsTest
{
    @TempDir
    Path root;

    @TempDir
    Path logs;

    // ---- effects -------------------------------------------------------------------------------

    @Test
    void mvMovesADirectoryTreeWithoutItsLockFilesAndRemovesItsRedoDirectory() throws Exception
    {
        Files.createDirectories(root.resolve("in/b7/sub"));
        Files.writeString(root.resolve("in/b7/a.txt"), "alpha");
        Files.writeString(root.resolve("in/b7/sub/b.txt"), "beta");
        Files.createDirectories(root.resolve("done"));
        final Map<String, String> before = snapshot(root.resolve("in/b7"));

        final FileCommandsTest.Outcome o = exec("mv", "--root", root.toString(), "--verbose", "/in/b7", "/done/b7");
        assertEquals(0, o.exit(), o.err());
        assertFalse(Files.exists(root.resolve("in/b7")));
        assertEquals(before, snapshot(root.resolve("done/b7")));
        assertEquals(List.of(), lockFiles(root), "no lock file left behind or carried along");
        assertTrue(o.err().contains("moved /in/b7 to /done/b7"), o.err());
        assertTrue(o.err().contains("fencing token"), o.err());
        assertEquals(List.of(), redoDirectories(root), "the command's redo directory is removed");
    }

    @Test
    void mvCopyMovesAFileAndADirectoryByCopying() throws Exception
    {
        Files.createDirectories(root.resolve("a/d/e"));
        Files.writeString(root.resolve("a/f.txt"), "file");
        Files.writeString(root.resolve("a/d/e/g.txt"), "deep");
        final Map<String, String> dir = snapshot(root.resolve("a/d"));

        assertEquals(0, exec("mv", "--root", root.toString(), "--copy", "/a/f.txt", "/f.txt").exit());
        assertEquals("file", Files.readString(root.resolve("f.txt")));
        assertFalse(Files.exists(root.resolve("a/f.txt")));
        final FileCommandsTest.Outcome o = exec("mv", "--root", root.toString(), "--copy", "/a/d", "/d2");
        assertEquals(0, o.exit(), o.err());
        assertEquals(dir, snapshot(root.resolve("d2")));
        assertFalse(Files.exists(root.resolve("a/d")));
        assertEquals(List.of(), temporaries(root));
        assertEquals(List.of(), lockFiles(root));
        assertEquals(List.of(), redoDirectories(root));
    }

    @Test
    void rmDeletesAFileAndAWholeSubtree() throws Exception
    {
        Files.createDirectories(root.resolve("x/y/z"));
        Files.writeString(root.resolve("x/y/z/f"), "f");
        Files.writeString(root.resolve("x/keep"), "k");
        assertEquals(0, exec("rm", "--root", root.toString(), "/x/keep").exit());
        assertFalse(Files.exists(root.resolve("x/keep")));
        final FileCommandsTest.Outcome o = exec("rm", "--root", root.toString(), "/x/y");
        assertEquals(0, o.exit(), o.err());
        assertFalse(Files.exists(root.resolve("x/y")));
        assertTrue(Files.isDirectory(root.resolve("x")));
        assertEquals(List.of(), temporaries(root));
        assertEquals(List.of(), lockFiles(root));
        assertEquals(List.of(), redoDirectories(root));
    }

    @Test
    void writeReplacesAFileFromAFile() throws Exception
    {
        Files.createDirectories(root.resolve("out"));
        Files.writeString(root.resolve("out/data.bin"), "old content that is longer");
        final Path from = logs.resolve("payload");
        final byte[] payload = new byte[100_000];
        new java.util.Random(7).nextBytes(payload);
        Files.write(from, payload);
        final FileCommandsTest.Outcome o = exec("write", "--root", root.toString(), "--durability", "data",
            "--verbose", "/out/data.bin", "--from", from.toString());
        assertEquals(0, o.exit(), o.err());
        assertTrue(java.util.Arrays.equals(payload, Files.readAllBytes(root.resolve("out/data.bin"))));
        assertTrue(o.err().contains("wrote 100000 bytes to /out/data.bin"), o.err());
        assertEquals(List.of(), temporaries(root));
        assertEquals(List.of(), redoDirectories(root));
    }

    @Test
    void writeReadsStandardInputByDefaultAndWithDash() throws Exception
    {
        Files.createDirectories(root.resolve("out"));
        final Path input = logs.resolve("stdin");
        Files.writeString(input, "from standard input\n");
        assertEquals(0, runWithInput(input, "write", "--root", root.toString(), "/out/a.txt"));
        assertEquals("from standard input\n", Files.readString(root.resolve("out/a.txt")));
        assertEquals(0, runWithInput(input, "write", "--root", root.toString(), "--durability", "none", "/out/b.txt",
            "--from", "-"));
        assertEquals("from standard input\n", Files.readString(root.resolve("out/b.txt")));
        assertEquals(List.of(), redoDirectories(root));
    }

    @Test
    void theHostStoreServesTheTreeCommandsToo() throws Exception
    {
        Files.createDirectories(root.resolve("h/d"));
        Files.writeString(root.resolve("h/d/f"), "h");
        final FileCommandsTest.Outcome o = exec("mv", "--root", root.toString(), "--store", "host", "/h/d", "/d");
        assertEquals(0, o.exit(), o.err());
        assertEquals("h", Files.readString(root.resolve("d/f")));
        assertEquals(0, exec("rm", "--root", root.toString(), "--store", "host", "/d").exit());
        assertFalse(Files.exists(root.resolve("d")));
    }

    // ---- refusals: exit 1, the path named, nothing changed --------------------------------------

    @Test
    void aMissingSourceIsRefusedWith1NamingItAndChangesNothing() throws Exception
    {
        fixture();
        final Map<String, String> before = snapshot(root);
        final FileCommandsTest.Outcome o = exec("mv", "--root", root.toString(), "/nope", "/dst");
        assertEquals(TreeCommand.EXIT_REFUSED, o.exit(), o.err());
        assertTrue(o.err().contains(root.resolve("nope").toString()), o.err());
        assertTrue(o.err().contains("no such file"), o.err());
        assertEquals(before, snapshot(root));
        final FileCommandsTest.Outcome rm = exec("rm", "--root", root.toString(), "/a/nope");
        assertEquals(TreeCommand.EXIT_REFUSED, rm.exit(), rm.err());
        assertTrue(rm.err().contains(root.resolve("a/nope").toString()), rm.err());
        assertEquals(before, snapshot(root));
    }

    @Test
    void anExistingTargetIsRefusedWith1AndChangesNothing() throws Exception
    {
        fixture();
        final Map<String, String> before = snapshot(root);
        for (final String[] args : new String[][] {{"/a", "/b"}, {"/a/f", "/b/g"}})
        {
            for (final String copy : new String[] {"--copy", "--verbose"})
            {
                final FileCommandsTest.Outcome o = exec("mv", "--root", root.toString(), copy, args[0], args[1]);
                assertEquals(TreeCommand.EXIT_REFUSED, o.exit(), o.err());
                assertTrue(o.err().contains(root.resolve(args[1].substring(1)).toString()), o.err());
                assertTrue(o.err().contains("exists"), o.err());
                assertEquals(before, snapshot(root));
            }
        }
        assertEquals(List.of(), redoDirectories(root));
    }

    @Test
    void movingADirectoryIntoItselfIsRefusedWith1AndChangesNothing() throws Exception
    {
        fixture();
        final Map<String, String> before = snapshot(root);
        for (final String copy : new String[] {"--copy", "--verbose"})
        {
            final FileCommandsTest.Outcome o = exec("mv", "--root", root.toString(), copy, "/a", "/a/inside");
            assertEquals(TreeCommand.EXIT_REFUSED, o.exit(), o.err());
            assertTrue(o.err().contains("itself"), o.err());
            assertTrue(o.err().contains(root.resolve("a").toString()), o.err());
            assertEquals(before, snapshot(root));
        }
    }

    @Test
    void aMissingParentIsRefusedWith1AndCreatesNoDirectory() throws Exception
    {
        fixture();
        final Map<String, String> before = snapshot(root);
        final Path from = logs.resolve("in");
        Files.writeString(from, "x");
        final FileCommandsTest.Outcome w = exec("write", "--root", root.toString(), "/no/such/dir/f", "--from",
            from.toString());
        assertEquals(TreeCommand.EXIT_REFUSED, w.exit(), w.err());
        assertTrue(w.err().contains(root.resolve("no").toString()), w.err());
        final FileCommandsTest.Outcome m = exec("mv", "--root", root.toString(), "/a", "/no/such/a");
        assertEquals(TreeCommand.EXIT_REFUSED, m.exit(), m.err());
        assertEquals(before, snapshot(root));
        assertFalse(Files.exists(root.resolve("no")), "--missing-dirs fail: the lock created no directory");
    }

    @Test
    void aMissingInputFileIsRefusedWith1BeforeAnythingIsLockedOrChanged() throws Exception
    {
        fixture();
        final Map<String, String> before = snapshot(root);
        final Path missing = logs.resolve("missing");
        final FileCommandsTest.Outcome o = exec("write", "--root", root.toString(), "/a/f", "--from", missing.toString());
        assertEquals(TreeCommand.EXIT_REFUSED, o.exit(), o.err());
        assertTrue(o.err().contains(missing.toString()), o.err());
        final FileCommandsTest.Outcome dir = exec("write", "--root", root.toString(), "/a/f", "--from", logs.toString());
        assertEquals(TreeCommand.EXIT_REFUSED, dir.exit(), dir.err());
        assertTrue(dir.err().contains("is a directory"), dir.err());
        assertEquals(before, snapshot(root));
        assertFalse(Files.exists(root.resolve(".pathlock")), "nothing was opened under the root");
    }

    @Test
    void aMissingRootIsRefusedWith1() throws Exception
    {
        final Path missing = root.resolve("missing");
        final FileCommandsTest.Outcome o = exec("rm", "--root", missing.toString(), "/a");
        assertEquals(TreeCommand.EXIT_REFUSED, o.exit(), o.err());
        assertTrue(o.err().contains(missing + ": no such directory"), o.err());
        assertFalse(Files.exists(missing));
    }

    // ---- I/O: exit 74, nothing changed -----------------------------------------------------------

    @Test
    void aStoreOrRedoDirectoryThatCannotBeOpenedIs74AndChangesNothing() throws Exception
    {
        fixture();
        final Map<String, String> before = snapshot(root);
        Files.writeString(root.resolve(".pathlock"), "not a directory");
        final FileCommandsTest.Outcome store = exec("rm", "--root", root.toString(), "/a");
        assertEquals(TreeCommand.EXIT_IO, store.exit(), store.err());
        assertTrue(store.err().contains(root.resolve(".pathlock").toString()), store.err());
        Files.delete(root.resolve(".pathlock"));
        Files.createDirectories(root.resolve(".pathlock"));
        Files.writeString(root.resolve(CliRedoDirectory.REDO_PARENT), "not a directory");
        final FileCommandsTest.Outcome redo = exec("mv", "--root", root.toString(), "/a", "/c");
        assertEquals(TreeCommand.EXIT_IO, redo.exit(), redo.err());
        assertTrue(redo.err().contains("redo directory"), redo.err());
        assertEquals(before, snapshot(root));
    }

    /**
     * A full disk half-way (a 64 KiB tmpfs mounted below the root in the child's own mount namespace,
     * {@code unshare -Urm}): {@code write} and a cross-file-system {@code mv} (copy + remove) are
     * refused with 1, naming the path and the reason, and leave both file systems as before; a move
     * that fits crosses the mount.
     */
    @Test
    void aFullDiskHalfWayIsRefusedWith1AndLeavesBothFileSystemsAsBefore() throws Exception
    {
        assumeTrue(unshareMountWorks(), "unshare -Urm cannot mount a tmpfs here");
        Files.createDirectories(root.resolve("small"));
        Files.createDirectories(root.resolve("big"));
        Files.createDirectories(root.resolve("fits"));
        final byte[] chunk = new byte[30_000];
        new java.util.Random(3).nextBytes(chunk);
        for (int i = 0; i < 4; i++)
        {
            Files.write(root.resolve("big/part" + i), chunk);
        }
        Files.writeString(root.resolve("fits/small.txt"), "fits");
        final Path payload = logs.resolve("payload");
        Files.write(payload, new byte[1 << 20]);
        final Map<String, String> big = snapshot(root.resolve("big"));
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final String pathlock = "\"$2\" -XX:TieredStopAtLevel=1 -cp \"$3\" " + PathlockCommand.class.getName();
        final String script = "mount -t tmpfs -o size=64k tmpfs \"$1/small\" || exit 99\n" +
            "echo old > \"$1/small/f\"\n" +
            pathlock + " write --root \"$1\" /small/f --from \"$4\"; echo \"write=$?\"\n" +
            pathlock + " mv --root \"$1\" /big /small/big; echo \"mv=$?\"\n" +
            pathlock + " mv --root \"$1\" /fits /small/fits; echo \"fits=$?\"\n" +
            "echo \"small: $(ls -A \"$1/small\" | tr '\\n' ' ')\"\n" +
            "echo \"f: $(cat \"$1/small/f\")\"\n" +
            "echo \"fits: $(cat \"$1/small/fits/small.txt\")\"\n";
        final Path out = logs.resolve("full.out");
        final Path err = logs.resolve("full.err");
        final Process p = new ProcessBuilder("unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh",
            root.toString(), java, System.getProperty("java.class.path"), payload.toString())
            .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the child did not end");
        final String o = Files.readString(out);
        final String e = Files.readString(err);
        assertEquals(0, p.exitValue(), o + e);
        assertTrue(o.contains("write=1\n"), o + e);
        assertTrue(o.contains("mv=1\n"), o + e);
        assertTrue(o.contains("fits=0\n"), o + e);
        assertTrue(o.contains("small: f fits \n"), "temporaries or lock files left on the tmpfs: " + o + e);
        assertTrue(o.contains("f: old\n"), o + e);
        assertTrue(o.contains("fits: fits\n"), o + e);
        assertTrue(e.contains("pathlock write: " + root.resolve("small")), e);
        assertTrue(e.contains("pathlock mv: " + root.resolve("small")) || e.contains("pathlock mv: " + root.resolve("big")),
            e);
        assertEquals(2, e.split("No space left on device", -1).length - 1, e);
        assertEquals(big, snapshot(root.resolve("big")), "the source of the refused move is intact");
        assertFalse(Files.exists(root.resolve("fits")), "the move that fitted removed its source");
        assertEquals(List.of(), temporaries(root));
        assertEquals(List.of(), lockFiles(root));
        assertEquals(List.of(), redoDirectories(root));
    }

    private static boolean unshareMountWorks() throws Exception
    {
        try
        {
            final Process p = new ProcessBuilder("unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                "d=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs \"$d\" && umount \"$d\" && rmdir \"$d\"")
                .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        }
        catch (final IOException e)
        {
            return false;
        }
    }

    // ---- usage: exit 64, nothing changed ---------------------------------------------------------

    @Test
    void badUsageAndBadLockPathsAre64AndChangeNothing() throws Exception
    {
        fixture();
        final Map<String, String> before = snapshot(root);
        final String r = root.toString();
        final String[][] cases = {
            {"mv", "--root", r, "a", "/b2"},
            {"mv", "--root", r, "/a", "/x/../b2"},
            {"mv", "--root", r, "/a"},
            {"mv", "--root", r, "/a", "/b2", "/c2"},
            {"rm", "--root", r},
            {"rm", "--root", r, "/"},
            {"rm", "--root", r, "/.pathlock"},
            {"rm", "--root", r, "-n", "-w", "1", "/a"},
            {"rm", "--root", r, "-w", "soon", "/a"},
            {"rm", "--root", r, "-E", "300", "/a"},
            {"rm", "--root", r, "--durability", "always", "/a"},
            {"rm", "--root", r, "--missing-dirs", "maybe", "/a"},
            {"rm", "--root", r, "--store", "zoo", "/a"},
            {"rm", "--root", "", "/a"},
            {"rm", "/a"},
            {"rm", "--zookeeper", "localhost:2181", "/a"},
            {"write", "--root", r},
        };
        for (final String[] args : cases)
        {
            final FileCommandsTest.Outcome o = exec(args);
            assertEquals(PathlockCommand.EXIT_USAGE, o.exit(), String.join(" ", args) + ": " + o.err());
            assertTrue(o.err().startsWith("pathlock"), o.err());
            assertEquals(before, snapshot(root), String.join(" ", args));
        }
        final FileCommandsTest.Outcome bad = exec("rm", "--root", r, "--durability", "always", "/a");
        assertTrue(bad.err().contains("always"), bad.err());
        assertTrue(exec("rm", "--root", r, "/x/../a").err().contains("/x/../a"));
    }

    @Test
    void helpFitsEightyColumnsAndOffersNoZooKeeperOption()
    {
        final String top = exec("--help").out();
        for (final String cmd : new String[] {"mv", "rm", "write"})
        {
            final FileCommandsTest.Outcome help = exec(cmd, "--help");
            assertEquals(0, help.exit());
            for (final String line : help.out().split("\n"))
            {
                assertTrue(line.length() <= 80, cmd + ": line longer than 80: " + line);
            }
            assertFalse(help.out().contains("--zookeeper"), help.out());
            assertTrue(help.out().contains("--missing-dirs"), help.out());
            assertTrue(help.out().contains("--durability"), help.out());
            assertTrue(help.out().contains("Exit status"), help.out());
            final String line = top.lines().filter(l -> l.startsWith("  " + cmd + " ")).findFirst().orElseThrow();
            assertTrue(line.trim().endsWith("."), "summary of " + cmd + " is cut: " + line);
        }
    }

    @Test
    void manPagesOfTheTreeCommandsAreGenerated() throws Exception
    {
        DocsGenerator.main(new String[] {logs.toString()});
        for (final String cmd : new String[] {"mv", "rm", "write"})
        {
            final Path page = logs.resolve("man/pathlock-" + cmd + ".1");
            final String text = Files.readString(page);
            assertTrue(text.contains(".TH \"PATHLOCK-" + cmd.toUpperCase(java.util.Locale.ROOT) + "\" \"1\""), text);
            assertTrue(text.contains("\\-\\-durability"), cmd);
            assertTrue(text.contains(".SH \"EXIT STATUS\""), cmd);
            final Path groff = Path.of("/usr/bin/groff");
            if (Files.isExecutable(groff))
            {
                final Process p = new ProcessBuilder(groff.toString(), "-man", "-Tutf8", "-ww", "-z", page.toString())
                    .redirectErrorStream(true).start();
                final String warnings = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(60, TimeUnit.SECONDS));
                assertEquals("", warnings.trim(), "groff warnings on " + page);
            }
        }
        assertTrue(Files.readString(logs.resolve("completion/pathlock.bash")).contains("--durability"));
    }

    // ---- busy: another process holds the lock ----------------------------------------------------

    @Test
    void aLockHeldByAnotherProcessIsBusy75WithNAndChangesNothing() throws Exception
    {
        fixture();
        final Map<String, String> before = snapshot(root);
        try (FileLockStore other = FileLockStore.open(root))
        {
            assertTrue(other.tryPublish("other-writer", LockRequest.subtree("/a").entries()).isGranted());
            final CliProcess p = CliProcess.start(logs, "busy", "mv", "--root", root.toString(), "-n", "/a/f", "/b/f2");
            assertEquals(RunCommand.EXIT_BUSY, p.waitFor(Duration.ofSeconds(60)), p.errText());
            assertTrue(p.errText().contains("busy"), p.errText());
            assertTrue(p.errText().contains("other-writer"), p.errText());
            final FileCommandsTest.Outcome e = exec("rm", "--root", root.toString(), "-n", "-E", "9", "/a");
            assertEquals(9, e.exit(), e.err());
            final FileCommandsTest.Outcome timed = exec("rm", "--root", root.toString(), "-w", "100ms", "/a/f");
            assertEquals(RunCommand.EXIT_BUSY, timed.exit(), timed.err());
            assertTrue(timed.err().contains("timed out"), timed.err());
            assertEquals(before, snapshotWithoutLocks(root));
        }
        assertEquals(List.of(), redoDirectories(root));
        assertEquals(0, exec("rm", "--root", root.toString(), "-n", "/a/f").exit());
    }

    // ---- redo directories ------------------------------------------------------------------------

    @Test
    void aDirectoryOfALiveProcessIsNotAdoptedNorOneWhoseRedoLockIsHeld() throws Exception
    {
        fixture();
        final Path redo = Files.createDirectories(root.resolve(CliRedoDirectory.REDO_PARENT));
        // This JVM is alive and started before the directory: a command starting now (A2's window).
        final Path mine = Files.createDirectories(redo.resolve("cli-" + ProcessHandle.current().pid() + "-0a"));
        // A dead process's directory whose redo lock is held (by this JVM, standing for another host).
        final Path locked = redo.resolve("cli-" + deadPid() + "-0b");
        try (RedoLog held = RedoLog.open(new RedoLogConfig().directory(locked)))
        {
            final FileCommandsTest.Outcome o = exec("rm", "--root", root.toString(), "/a/f");
            assertEquals(0, o.exit(), o.err());
            assertTrue(Files.isDirectory(mine), "a live process's directory was adopted");
            assertTrue(Files.isDirectory(locked), "a directory whose redo lock is held was adopted");
            assertFalse(held.isClosed());
        }
        assertTrue(CliRedoDirectory.isCreatorAlive(mine));
        // Once the lock is free, the dead process's directory is adopted; the live one's still is not.
        final FileCommandsTest.Outcome o = exec("rm", "--root", root.toString(), "/b/g");
        assertEquals(0, o.exit(), o.err());
        assertFalse(Files.exists(locked));
        assertTrue(Files.isDirectory(mine));
        assertEquals(List.of(mine.getFileName().toString()), redoDirectories(root));
    }

    @Test
    void aPidReusedByALaterProcessDoesNotKeepADeadCommandsDirectory() throws Exception
    {
        final Path redo = Files.createDirectories(root.resolve(CliRedoDirectory.REDO_PARENT));
        final Path reused = Files.createDirectories(redo.resolve("cli-" + ProcessHandle.current().pid() + "-0c"));
        // Last changed long before this JVM started: this JVM cannot have created it.
        Files.setLastModifiedTime(reused, FileTime.from(java.time.Instant.parse("2001-01-01T00:00:00Z")));
        assertFalse(CliRedoDirectory.isCreatorAlive(reused));
        final Path dead = Files.createDirectories(redo.resolve("cli-" + deadPid() + "-0d"));
        assertFalse(CliRedoDirectory.isCreatorAlive(dead));
        Files.writeString(root.resolve("f"), "f");
        final FileCommandsTest.Outcome o = exec("rm", "--root", root.toString(), "/f");
        assertEquals(0, o.exit(), o.err());
        assertEquals(List.of(), redoDirectories(root));
        assertEquals(List.of(), Files.list(redo).map(p -> p.getFileName().toString()).toList(),
            "nothing left in " + redo);
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** /a/f, /a/d/e, /b/g. */
    private void fixture() throws IOException
    {
        Files.createDirectories(root.resolve("a/d"));
        Files.createDirectories(root.resolve("b"));
        Files.writeString(root.resolve("a/f"), "f");
        Files.writeString(root.resolve("a/d/e"), "e");
        Files.writeString(root.resolve("b/g"), "g");
    }

    private int runWithInput(final Path input, final String... args) throws Exception
    {
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(PathlockCommand.class.getName());
        cmd.addAll(List.of(args));
        final Path err = logs.resolve("stdin-run.err");
        final Process p = new ProcessBuilder(cmd).redirectInput(input.toFile()).redirectError(err.toFile())
            .redirectOutput(logs.resolve("stdin-run.out").toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "pathlock did not end");
        if (p.exitValue() != 0)
        {
            System.err.println(Files.readString(err));
        }
        return p.exitValue();
    }

    /** The pid of a process that has ended. */
    static long deadPid() throws Exception
    {
        final Process p = new ProcessBuilder("true").start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return p.pid();
    }

    /** Names of the redo directories of tree commands under the root (any state). */
    static List<String> redoDirectories(final Path root) throws IOException
    {
        final Path redo = root.resolve(CliRedoDirectory.REDO_PARENT);
        if (!Files.isDirectory(redo))
        {
            return List.of();
        }
        try (Stream<Path> s = Files.list(redo))
        {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.contains("cli-")).sorted().toList();
        }
    }

    static boolean isLockFile(final String name)
    {
        return name.equals(".path.ovlock") || name.endsWith(".path.ovlock") || name.startsWith(".exact.ovlock.");
    }

    /** Lock files in the tree (outside .pathlock). */
    static List<String> lockFiles(final Path root) throws IOException
    {
        return names(root, TreeCommandsTest::isLockFile);
    }

    /** Temporaries and trash of tree operations in the tree. */
    static List<String> temporaries(final Path root) throws IOException
    {
        return names(root, n -> n.startsWith(io.pathlock.tree.TreeOps.TEMP_PREFIX));
    }

    private static List<String> names(final Path root, final java.util.function.Predicate<String> which)
        throws IOException
    {
        try (Stream<Path> s = Files.walk(root))
        {
            return s.filter(p -> !root.relativize(p).startsWith(".pathlock"))
                .filter(p -> p.getFileName() != null && which.test(p.getFileName().toString()))
                .map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    /**
     * Every path under {@code dir} (but .pathlock) with "dir" or its size and SHA-256: an independent
     * picture of the tree to compare before and after.
     */
    static Map<String, String> snapshot(final Path dir) throws IOException
    {
        return snapshot(dir, false);
    }

    /** {@link #snapshot(Path)} without lock files (a holder's own files are not the tree's data). */
    static Map<String, String> snapshotWithoutLocks(final Path dir) throws IOException
    {
        return snapshot(dir, true);
    }

    private static Map<String, String> snapshot(final Path dir, final boolean withoutLocks) throws IOException
    {
        final Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir))
        {
            for (final Path p : (Iterable<Path>)s::iterator)
            {
                final Path rel = dir.relativize(p);
                if (rel.toString().isEmpty() || rel.startsWith(".pathlock") ||
                    withoutLocks && isLockFile(p.getFileName().toString()))
                {
                    continue;
                }
                m.put(rel.toString(), Files.isDirectory(p) ? "dir" : Files.size(p) + " " + sha256(p));
            }
        }
        return m;
    }

    private static String sha256(final Path p) throws IOException
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
        }
        catch (final NoSuchAlgorithmException e)
        {
            throw new AssertionError(e);
        }
    }

    static String utf8(final byte[] b)
    {
        return new String(b, StandardCharsets.UTF_8);
    }
}

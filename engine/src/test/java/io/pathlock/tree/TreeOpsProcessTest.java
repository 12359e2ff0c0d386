package io.pathlock.tree;

import io.pathlock.LockManager;
import io.pathlock.redo.RedoLogConfig;
import io.pathlock.tree.TreeOpsFixture.Store;
import io.pathlock.tree.TreeRecoveryReport.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static io.pathlock.tree.TreeOpsFixture.hash;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Tree operations in child JVMs: the crash hook halts a real process before the named step (lock files
 * of a dead process left behind) and recovery in another process finishes the operation; a move onto
 * another file system (a tmpfs mounted below the root in {@code unshare -Urm}) is detected and done by
 * copy, without carrying lock files.
 */
class TreeOpsProcessTest
{
    @TempDir
    Path dir;

    private record Run(int exit, String output)
    {
    }

    private static Run run(final List<String> wrapper, final List<String> jvm, final String... args) throws Exception
    {
        final List<String> cmd = new ArrayList<>(wrapper);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.addAll(jvm);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(TreeOpsChild.class.getName());
        cmd.addAll(List.of(args));
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        final byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child ended");
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private static void setup(final Path root) throws IOException
    {
        Files.createDirectories(root.resolve("s/sub"));
        Files.writeString(root.resolve("s/f"), "f");
        Files.writeString(root.resolve("s/sub/g"), "g");
        Files.writeString(root.resolve("s/.path.ovlock"), "pl1|1|h|0000000000000000|gone:1:P");
        Files.createDirectories(root.resolve("t"));
    }

    private static Map<String, String> moved(final String at)
    {
        final Map<String, String> expected = new TreeMap<>();
        expected.put(at, "D");
        expected.put(at + "/s", "D");
        expected.put(at + "/s/f", "F:" + hash("f"));
        expected.put(at + "/s/sub", "D");
        expected.put(at + "/s/sub/g", "F:" + hash("g"));
        return expected;
    }

    @Test
    void theCrashHookHaltsAProcessBeforeTheStepAndAfterACrashDuringRecoveryAnotherProcessFinishesTheMove()
        throws Exception
    {
        final Path root = Files.createDirectories(dir.resolve("root"));
        setup(root);
        final Run crashed = run(List.of(), List.of("-D" + TreeOps.CRASH_AT_PROP_NAME + "=moveCopy:5"),
            root.toString(), dir.resolve("redo").toString(), "moveCopy", "/s", "/t/s");
        assertEquals(137, crashed.exit(), crashed.output());
        assertTrue(crashed.output().contains("pathlock: crash hook moveCopy:5: halting before rename /s to /" +
            TreeOps.TEMP_PREFIX), crashed.output());
        assertTrue(Files.exists(root.resolve("t/s/f")) && Files.exists(root.resolve("s/f")),
            "halted between the two renames of the copy");
        // a second process crashes during its recovery, before recovery step 2 (the removal of the trash)
        final Run recovering = run(List.of(), List.of("-D" + TreeOps.CRASH_AT_PROP_NAME + "=recover:2"),
            root.toString(), dir.resolve("redo").toString(), "write", "/other", "x");
        assertEquals(137, recovering.exit(), recovering.output());
        assertTrue(recovering.output().contains("pathlock: crash hook recover:2: halting before remove /" +
            TreeOps.TEMP_PREFIX), recovering.output());
        assertTrue(!Files.exists(root.resolve("s")) && !Files.exists(root.resolve("other")),
            "recovery step 1 (rename /s to the trash) was done, the write not begun");
        try (LockManager m = TreeOpsFixture.manager(root, dir.resolve("redo"), Store.FILE, new RedoLogConfig());
             TreeOps ops = TreeOps.of(m, root))
        {
            final TreeRecoveryReport report = ops.recovery().get(60, TimeUnit.SECONDS);
            assertEquals(1, report.operations().size(), report.toString());
            assertEquals(Outcome.ROLLED_FORWARD, report.operations().get(0).outcome(), report.toString());
            assertEquals("move /s -> /t/s (copy)", report.operations().get(0).operation());
        }
        assertEquals(moved("/t"), TreeOpsFixture.snapshot(root, true),
            "complete; no lock file of the dead process left");
    }

    /** Runs the child in a mount namespace where {@code shell} (with $0 = the root) ran first. */
    private Run inNamespace(final Path root, final String shell, final String... args) throws Exception
    {
        return inNamespace(root, Store.FILE, shell, args);
    }

    private Run inNamespace(final Path root, final Store store, final String shell, final String... args)
        throws Exception
    {
        final List<String> wrapper = List.of("unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
            shell + " && exec \"$@\"", root.toString());
        final List<String> all = new ArrayList<>(List.of(root.toString(), dir.resolve("redo").toString()));
        all.addAll(List.of(args));
        final Run r;
        try
        {
            r = run(wrapper, List.of("-Dtreeops.child.store=" + store), all.toArray(new String[0]));
        }
        catch (final IOException e)
        {
            assumeTrue(false, "unshare is not available: " + e);
            return null;
        }
        assumeTrue(r.output().contains("RECOVERY "), "cannot mount in unshare -Urm here:\n" + r.output());
        assertEquals(0, r.exit(), r.output());
        return r;
    }

    private static List<String> lines(final Run r, final String prefix)
    {
        final List<String> out = new ArrayList<>();
        for (final String l : r.output().split("\n"))
        {
            if (l.startsWith(prefix))
            {
                out.add(l.substring(prefix.length()));
            }
        }
        out.sort(null);
        return out;
    }

    private static List<String> treeLines(final Map<String, String> tree)
    {
        final List<String> out = new ArrayList<>();
        tree.forEach((k, v) -> out.add(k + "=" + v));
        out.sort(null);
        return out;
    }

    @Test
    void aFullFileSystemFailsTheCopyNamingThePathAndLeavesNothingBehind() throws Exception
    {
        final Path root = Files.createDirectories(dir.resolve("root"));
        setup(root);
        Files.write(root.resolve("s/sub/big"), new byte[3 << 20]);
        Files.createDirectories(root.resolve("mnt"));
        // the stale lock file in /s is reclaimed by the store and removed at release: compare the data
        final Map<String, String> before = TreeOpsFixture.snapshot(root, false);
        final Run r = inNamespace(root, "mount -t tmpfs -o size=2m tmpfs \"$0/mnt\"", "move", "/s", "/mnt/s");
        final List<String> failed = lines(r, "FAILED ");
        assertEquals(1, failed.size(), r.output());
        assertTrue(failed.get(0).contains("No space left on device") && failed.get(0).contains(root + "/mnt/"),
            "the error names the path: " + failed.get(0));
        assertEquals(treeLines(before), lines(r, "TREE "),
            "nothing changed, no temporary left on the full file system");

        final Run w = inNamespace(root, "mount -t tmpfs -o size=1m tmpfs \"$0/mnt\"", "writeSize", "/mnt/f",
            Integer.toString(2 << 20));
        final List<String> wf = lines(w, "FAILED ");
        assertEquals(1, wf.size(), w.output());
        assertTrue(wf.get(0).contains("No space left on device") && wf.get(0).contains(root + "/mnt/"), wf.get(0));
        assertEquals(treeLines(before), lines(w, "TREE "), "no temporary file left");
    }

    @Test
    void aRenameAcrossABindMountFallsBackToACopy() throws Exception
    {
        final Path root = Files.createDirectories(dir.resolve("root"));
        setup(root);
        // a bind mount of /t onto itself: one st_dev on both sides, yet rename(2) from /s into /t fails with EXDEV.
        // The memory store: the lock-file store cannot publish into such a mount (its link from
        // R/.pathlock/tmp fails with EXDEV too: H7 tells file systems apart by st_dev only)
        final Run r = inNamespace(root, Store.MEMORY, "mount --bind \"$0/t\" \"$0/t\"", "move", "/s", "/t/s");
        final String[] dev = lines(r, "DEVICES ").get(0).split(" ");
        assertEquals(dev[0], dev[1], "one device number: " + r.output());
        assertEquals(1, lines(r, "RESULT ").size(), r.output());
        assertEquals(treeLines(moved("/t")), lines(r, "TREE "), "moved by copy, the stale lock file not carried: " +
            r.output());
    }

    @Test
    void aMoveOntoAnotherFileSystemIsACopyThatCarriesNoLockFile() throws Exception
    {
        final Path root = Files.createDirectories(dir.resolve("root"));
        setup(root);
        Files.createDirectories(root.resolve("mnt"));
        final List<String> wrapper = List.of("unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
            "mount -t tmpfs -o size=4m tmpfs \"$0\" && exec \"$@\"", root.resolve("mnt").toString());
        final Run r;
        try
        {
            r = run(wrapper, List.of(), root.toString(), dir.resolve("redo").toString(), "move", "/s", "/mnt/s");
        }
        catch (final IOException e)
        {
            assumeTrue(false, "unshare is not available: " + e);
            return;
        }
        assumeTrue(r.output().contains("RECOVERY "), "cannot mount a tmpfs in unshare -Urm here:\n" + r.output());
        assertEquals(0, r.exit(), r.output());
        final List<String> tree = new ArrayList<>();
        String devices = null;
        for (final String l : r.output().split("\n"))
        {
            if (l.startsWith("TREE "))
            {
                tree.add(l.substring(5));
            }
            if (l.startsWith("DEVICES "))
            {
                devices = l;
            }
        }
        final String[] dev = devices.split(" ");
        assertTrue(!dev[1].equals(dev[2]), "the source and the target are on two file systems: " + devices);
        final List<String> expected = new ArrayList<>();
        expected.add("/mnt=D");
        for (final Map.Entry<String, String> e : moved("/mnt").entrySet())
        {
            if (!e.getKey().equals("/mnt"))
            {
                expected.add(e.getKey() + "=" + e.getValue());
            }
        }
        expected.add("/t=D");
        expected.sort(null);
        tree.sort(null);
        assertEquals(expected, tree, r.output());
    }
}

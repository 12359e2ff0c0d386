package io.pathlock.cli;

import io.pathlock.core.LockRequest;
import io.pathlock.file.FileLockStore;
import io.pathlock.tree.TreeOps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.pathlock.cli.FileCommandsTest.exec;
import static io.pathlock.cli.TreeCommandsTest.lockFiles;
import static io.pathlock.cli.TreeCommandsTest.redoDirectories;
import static io.pathlock.cli.TreeCommandsTest.snapshotWithoutLocks;
import static io.pathlock.cli.TreeCommandsTest.temporaries;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A tree command killed at every step ({@code -Dpathlock.tree.crashAt=OP:N}, {@code Runtime.halt}: no
 * shutdown hooks, like {@code kill -9}) leaves its redo directory behind; the next tree command on the
 * same root adopts it ({@link CliRedoDirectory} A2): the tree is then exactly as before the operation
 * or as after it (paths, sizes and SHA-256 of every file), no temporary is left, and the dead
 * command's redo directory is gone. N rises until the command completes; both outcomes must be seen.
 */
class TreeCommandsCrashTest
{
    @TempDir
    Path base;

    @TempDir
    Path logs;

    @ParameterizedTest
    @ValueSource(strings = {"move", "moveCopy", "delete", "write"})
    void aCrashedCommandIsFinishedOrUndoneByTheNextCommandOnTheRoot(final String op) throws Exception
    {
        final Path payload = logs.resolve("payload");
        Files.writeString(payload, "the new content of w/target, longer than the old one");
        final Path unrelated = logs.resolve("unrelated");
        Files.writeString(unrelated, "u");
        boolean sawBefore = false;
        boolean sawAfter = false;
        for (int n = 1; ; n++)
        {
            if (n > 40)
            {
                fail(op + ": the command never completed");
            }
            final Path root = Files.createDirectories(base.resolve(op + "-" + n));
            fixture(root);
            final Map<String, String> before = snapshotWithoutLocks(root);
            final Map<String, String> after = after(op, before, payload);
            final CliProcess p = CliProcess.start(logs, op + "-" + n, List.of("-D" + TreeOps.CRASH_AT_PROP_NAME + "=" +
                op + ":" + n), command(op, root, payload));
            final int exit = p.waitFor(Duration.ofSeconds(120));
            if (exit == 0)
            {
                assertEquals(after, snapshotWithoutLocks(root), op + ": completed without a crash at step " + n);
                assertEquals(List.of(), redoDirectories(root));
                assertTrue(n > 1, op + ": the crash hook never fired");
                break;
            }
            assertEquals(137, exit, op + ":" + n + ": " + p.errText());
            final String dead = "cli-" + p.process.pid() + "-";
            assertTrue(redoDirectories(root).stream().anyMatch(d -> d.startsWith(dead)),
                op + ":" + n + ": the crashed command left no redo directory: " + redoDirectories(root));

            // The next command on the root, unrelated to the crashed one, adopts its redo directory.
            final FileCommandsTest.Outcome next = exec("write", "--root", root.toString(), "/unrelated",
                "--from", unrelated.toString());
            assertEquals(0, next.exit(), op + ":" + n + ": " + next.err());
            Files.delete(root.resolve("unrelated"));
            final Map<String, String> now = snapshotWithoutLocks(root);
            if (now.equals(before))
            {
                sawBefore = true;
            }
            else if (now.equals(after))
            {
                sawAfter = true;
            }
            else
            {
                fail(op + ":" + n + ": the tree is neither as before nor as after the operation:\n" + now +
                    "\nbefore: " + before + "\nafter:  " + after + "\nadopter said: " + next.err());
            }
            assertEquals(List.of(), redoDirectories(root), op + ":" + n + ": " + next.err());
            assertEquals(List.of(), temporaries(root), op + ":" + n);
            if (n > 1)
            {
                // The plan was begun: its recovery took its locks (stale files taken over and released),
                // and no lock file travelled into moved data.
                assertTrue(next.err().contains("recovered"), op + ":" + n + ": " + next.err());
                assertEquals(List.of(), lockFiles(root), op + ":" + n + ": " + next.err());
            }
        }
        assertTrue(sawBefore, op + ": no crash left the operation undone");
        assertTrue(sawAfter, op + ": no crash left the operation to be finished");
    }

    /**
     * The dead command's plan needs locks another process holds: with {@code -n} the next command
     * fails with 75 and leaves the dead command's redo directory as it was (not quarantined: a later
     * command finishes the operation once the locks are free); with {@code -w} it waits that long.
     */
    @Test
    void anAdoptionWhoseLocksAreBusyFailsWith75AndLeavesTheDeadDirectoryForLater() throws Exception
    {
        final Path root = Files.createDirectories(base.resolve("busy"));
        fixture(root);
        final Map<String, String> before = snapshotWithoutLocks(root);
        final Map<String, String> after = after("move", before, logs.resolve("unused"));
        final CliProcess p = CliProcess.start(logs, "busy-crash", List.of("-D" + TreeOps.CRASH_AT_PROP_NAME + "=move:2"),
            command("move", root, logs.resolve("unused")));
        assertEquals(137, p.waitFor(Duration.ofSeconds(120)), p.errText());
        final List<String> dead = redoDirectories(root);
        assertEquals(1, dead.size(), dead.toString());
        final Path unrelated = logs.resolve("unrelated");
        Files.writeString(unrelated, "u");
        try (FileLockStore other = FileLockStore.open(root))
        {
            assertTrue(other.tryPublish("other-writer", LockRequest.subtree("/src").entries()).isGranted());
            final FileCommandsTest.Outcome busy = exec("write", "--root", root.toString(), "-n", "/unrelated",
                "--from", unrelated.toString());
            assertEquals(RunCommand.EXIT_BUSY, busy.exit(), busy.err());
            assertTrue(busy.err().contains(dead.get(0)), busy.err());
            final FileCommandsTest.Outcome timed = exec("write", "--root", root.toString(), "-w", "200ms",
                "/unrelated", "--from", unrelated.toString());
            assertEquals(RunCommand.EXIT_BUSY, timed.exit(), timed.err());
            assertEquals(dead, redoDirectories(root), "the dead command's directory must wait for a later command");
            assertTrue(io.pathlock.redo.RedoLogReader.read(root.resolve(CliRedoDirectory.REDO_PARENT).resolve(dead.get(0)))
                .quarantined().isEmpty(), "a busy lock must not quarantine the dead command's plan");
            assertFalse(Files.exists(root.resolve("unrelated")), "the command did not run before the recovery");
        }
        final FileCommandsTest.Outcome next = exec("write", "--root", root.toString(), "-n", "/unrelated", "--from",
            unrelated.toString());
        assertEquals(0, next.exit(), next.err());
        assertTrue(next.err().contains("recovered"), next.err());
        Files.delete(root.resolve("unrelated"));
        final Map<String, String> now = snapshotWithoutLocks(root);
        assertTrue(now.equals(before) || now.equals(after), now.toString());
        assertEquals(List.of(), redoDirectories(root));
        assertEquals(List.of(), Files.list(root.resolve(CliRedoDirectory.REDO_PARENT)).toList(), "scratch left");
        assertEquals(List.of(), temporaries(root));
    }

    /** src/d/f1, src/d/sub/f2, dst/, w/target. */
    private static void fixture(final Path root) throws IOException
    {
        Files.createDirectories(root.resolve("src/d/sub"));
        Files.createDirectories(root.resolve("dst"));
        Files.createDirectories(root.resolve("w"));
        Files.writeString(root.resolve("src/d/f1"), "one");
        Files.writeString(root.resolve("src/d/sub/f2"), "two, a little longer");
        Files.writeString(root.resolve("w/target"), "old");
    }

    private static String[] command(final String op, final Path root, final Path payload)
    {
        final List<String> args = new ArrayList<>();
        switch (op)
        {
            case "move" -> args.addAll(List.of("mv", "/src/d", "/dst/d"));
            case "moveCopy" -> args.addAll(List.of("mv", "--copy", "/src/d", "/dst/d"));
            case "delete" -> args.addAll(List.of("rm", "/src/d"));
            default -> args.addAll(List.of("write", "/w/target", "--from", payload.toString()));
        }
        args.addAll(1, List.of("--root", root.toString()));
        return args.toArray(new String[0]);
    }

    /** The snapshot the operation should leave, derived from the one before. */
    private static Map<String, String> after(final String op, final Map<String, String> before, final Path payload)
        throws IOException
    {
        final Map<String, String> m = new HashMap<>();
        for (final Map.Entry<String, String> e : before.entrySet())
        {
            final String k = e.getKey();
            if (k.equals("src/d") || k.startsWith("src/d/"))
            {
                if (op.equals("move") || op.equals("moveCopy"))
                {
                    m.put("dst/d" + k.substring("src/d".length()), e.getValue());
                }
                else if (op.equals("write"))
                {
                    m.put(k, e.getValue());
                }
                continue;
            }
            m.put(k, e.getValue());
        }
        if (op.equals("write"))
        {
            final Path tmp = Files.createTempDirectory("tree-cli-expected");
            try
            {
                Files.copy(payload, tmp.resolve("target"));
                m.put("w/target", snapshotWithoutLocks(tmp).get("target"));
            }
            finally
            {
                CliRedoDirectory.removeTree(tmp);
            }
        }
        return new java.util.TreeMap<>(m);
    }
}

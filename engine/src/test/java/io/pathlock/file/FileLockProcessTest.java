package io.pathlock.file;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.store.LockStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The lock-file protocol between real processes: child JVMs ({@link FileLockChild}) started with
 * {@link ProcessBuilder}, ordered by stdin/stdout handshakes, killed with {@code kill -9}. Invariant
 * numbers refer to {@link FileLockStore}.
 */
class FileLockProcessTest
{
    @TempDir
    Path root;

    private Path sidecar(final String lockPath)
    {
        return Layouts.sidecar(root, lockPath);
    }

    /**
     * Mutual exclusion (invariants 1, 4, 5) across 3 processes x 4 threads doing POINT, SUBTREE and
     * mv on one small tree, checked by an independent recorder: every critical section appends ENTER
     * and EXIT records with O_APPEND to one log, and the verifier replays the log in file order and
     * fails if a conflicting section is inside when another enters.
     */
    @Test
    void mutualExclusionAcrossProcessesAndThreads() throws Exception
    {
        Files.createDirectories(root.resolve("t/a/x/deep"));
        Files.createDirectories(root.resolve("t/b/y"));
        Files.writeString(root.resolve("t/a/f"), "file");
        Files.writeString(root.resolve("t/b/g"), "file");
        final Path log = root.resolve("log.txt");
        final int processes = 3;
        final int threads = 4;
        final int iterations = 120;
        final List<ChildProcess> children = new ArrayList<>();
        try
        {
            for (int p = 0; p < processes; p++)
            {
                children.add(ChildProcess.start("mutex", root.toString(), log.toString(), "" + threads, "" + iterations,
                    "" + (17 + p)));
            }
            for (final ChildProcess c : children)
            {
                c.expect("READY");
            }
            for (final ChildProcess c : children)
            {
                c.send("go");
            }
            long reaped = 0;
            long backoffs = 0;
            for (final ChildProcess c : children)
            {
                final String done = c.expect("DONE", 300);
                assertFalse(c.transcript().contains("FAILED"), c.transcript());
                assertTrue(done.contains("grants=" + threads * iterations), done);
                reaped += Long.parseLong(done.replaceAll(".*reaped=(\\d+).*", "$1"));
                backoffs += Long.parseLong(done.replaceAll(".*backoffs=(\\d+).*", "$1"));
            }
            assertEquals(0, reaped, "nobody died, so nothing was stale");
            final int sections = verifyLog(log);
            assertEquals(processes * threads * iterations, sections);
            System.out.println("mutex: " + sections + " sections, " + backoffs + " store back-offs");
            assertTrue(backoffs > 0, "the processes did contend in the store (else the test proves little)");
        }
        finally
        {
            for (final ChildProcess c : children)
            {
                c.close();
            }
        }
        try (var files = Files.walk(root.resolve("t")))
        {
            assertEquals(0, files.filter(f -> f.getFileName().toString().endsWith(".path.ovlock")).count(),
                "every lock file was removed");
        }
    }

    /** Replays ENTER/EXIT records in file order; returns the number of sections. */
    static int verifyLog(final Path log) throws Exception
    {
        final Map<String, List<LockRequest.Entry>> inside = new HashMap<>();
        int sections = 0;
        int lineNo = 0;
        for (final String line : Files.readAllLines(log))
        {
            lineNo++;
            final String[] f = line.split(" ");
            final List<LockRequest.Entry> entries = new ArrayList<>();
            for (final String e : f[2].split(","))
            {
                entries.add(new LockRequest.Entry(LockPath.parse(e.substring(1)), LockType.fromCode(e.charAt(0))));
            }
            if (f[0].equals("ENTER"))
            {
                for (final Map.Entry<String, List<LockRequest.Entry>> other : inside.entrySet())
                {
                    for (final LockRequest.Entry held : other.getValue())
                    {
                        for (final LockRequest.Entry want : entries)
                        {
                            if (held.type().conflictsWith(held.path(), want.type(), want.path()))
                            {
                                fail("line " + lineNo + ": " + f[1] + " entered " + want + " while " + other.getKey() +
                                    " held " + held);
                            }
                        }
                    }
                }
                inside.put(f[1], entries);
                sections++;
            }
            else
            {
                assertTrue(inside.remove(f[1]) != null, "line " + lineNo + ": EXIT without ENTER");
            }
        }
        assertTrue(inside.isEmpty(), "sections left open: " + inside.keySet());
        return sections;
    }

    /** The verifier is not vacuous: it rejects an overlapping pair. */
    @Test
    void verifierRejectsOverlap() throws Exception
    {
        final Path log = root.resolve("bad.txt");
        Files.writeString(log, "ENTER 1/0/0 S/t/a\nENTER 2/0/0 P/t/a/x\nEXIT 1/0/0 S/t/a\nEXIT 2/0/0 P/t/a/x\n");
        final AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> verifyLog(log));
        assertTrue(e.getMessage().contains("while 1/0/0 held SUBTREE /t/a"), e.getMessage());
        Files.writeString(log, "ENTER 1/0/0 P/t/a\nENTER 2/0/0 P/t/a/x\nEXIT 1/0/0 P/t/a\nEXIT 2/0/0 P/t/a/x\n");
        assertEquals(2, verifyLog(log));
    }

    /** Invariant 3: a holder killed with -9 leaves its file, and the next acquirer takes it at once. */
    @Test
    void killedHolderIsReclaimedAtOnce() throws Exception
    {
        try (ChildProcess holder = ChildProcess.start("hold", root.toString(), "auto", "SUBTREE", "/k"))
        {
            holder.expect("HELD");
            assertTrue(Files.exists(root.resolve("k/.path.ovlock")));
            holder.kill();
        }
        assertTrue(Files.exists(root.resolve("k/.path.ovlock")), "kill -9 left the lock file behind");
        final FileLockStore store = FileLockStore.open(root);
        assertEquals(Dialect.RAGFS.expire(), store.lockExpire());
        try (LockManager m = LockManager.builder().store(store).build();
            LockHandle h = m.open("next"))
        {
            final long t0 = System.nanoTime();
            h.tryAcquire(LockRequest.point("/k/x"));
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos());
            assertEquals(1, store.reapedCount());
        }
    }

    /** A waiter in another process is woken when a holder is killed (polling probes the flock). */
    @Test
    void waiterInAnotherProcessGetsTheLockOfAKilledHolder() throws Exception
    {
        try (ChildProcess holder = ChildProcess.start("hold", root.toString(), "auto", "POINT", "/w");
            ChildProcess waiter = ChildProcess.start("waiter", root.toString(), "/w", "60000"))
        {
            holder.expect("HELD");
            waiter.expect("WAITING");
            holder.kill();
            final String got = waiter.expect("ACQUIRED", 60);
            assertTrue(Long.parseLong(got.split(" ")[1]) < 60_000, got);
        }
    }

    /** A waiter in another process is woken when the holder releases (inotify). */
    @Test
    void waiterInAnotherProcessIsWokenOnRelease() throws Exception
    {
        try (ChildProcess holder = ChildProcess.start("hold", root.toString(), "auto", "SUBTREE", "/h");
            ChildProcess waiter = ChildProcess.start("waiter", root.toString(), "/h/x", "60000"))
        {
            holder.expect("HELD");
            waiter.expect("WAITING");
            holder.send("release");
            holder.expect("RELEASED");
            waiter.expect("ACQUIRED", 60);
        }
    }

    /**
     * Invariant 6: many processes race to reclaim one stale lock (left by a killed holder): exactly
     * one file is removed, exactly one racer gets the lock, and its file is never removed by the
     * others.
     */
    @Test
    void racingReapersRemoveExactlyOneStaleLockAndNeverALiveOne() throws Exception
    {
        try (ChildProcess holder = ChildProcess.start("hold", root.toString(), "auto", "POINT", "/r"))
        {
            holder.expect("HELD");
            holder.kill();
        }
        final Path lock = sidecar("/r");
        assertTrue(Files.exists(lock));
        final int n = 6;
        final List<ChildProcess> racers = new ArrayList<>();
        try
        {
            for (int i = 0; i < n; i++)
            {
                racers.add(ChildProcess.start("reap", root.toString(), "/r", "racer" + i));
            }
            for (final ChildProcess r : racers)
            {
                r.expect("READY");
            }
            for (final ChildProcess r : racers)
            {
                r.send("go");
            }
            int granted = 0;
            int reaped = 0;
            int winner = -1;
            for (int i = 0; i < n; i++)
            {
                final String res = racers.get(i).expect("RESULT");
                if (res.contains("granted"))
                {
                    granted++;
                    winner = i;
                }
                reaped += Integer.parseInt(res.replaceAll(".*reaped=(\\d+).*", "$1"));
            }
            assertEquals(1, granted, "exactly one racer holds the lock");
            assertEquals(1, reaped, "exactly one stale file was removed");
            final String token = Files.readString(lock);
            assertTrue(token.contains("|racer" + winner + ":"), "the winner's file survived: " + token);
        }
        finally
        {
            for (final ChildProcess r : racers)
            {
                r.close();
            }
        }
        assertFalse(Files.exists(lock));
    }

    /**
     * Invariant 2: a reader in another process that reads the lock file in a tight loop while it is
     * published, refreshed and released thousands of times never sees it empty or partial.
     */
    @Test
    void readerNeverSeesAnEmptyOrPartialLockFile() throws Exception
    {
        Files.createDirectories(root.resolve("hot"));
        final Path lock = root.resolve("hot/.path.ovlock");
        try (FileLockStore s = FileLockStore.open(root);
            ChildProcess reader = ChildProcess.start("reader", lock.toString(), "200000"))
        {
            reader.expect("READY");
            reader.send("go");
            String counts;
            int rounds = 0;
            while ((counts = reader.poll("COUNTS")) == null)
            {
                final LockStore.PublishResult r = s.tryPublish("w", LockRequest.point("/hot").entries());
                assertTrue(r.isGranted());
                assertTrue(s.refresh(r.publication()));
                s.unpublish(r.publication());
                rounds++;
            }
            final long ok = Long.parseLong(counts.replaceAll(".*ok=(\\d+).*", "$1"));
            final long bad = Long.parseLong(counts.replaceAll(".*bad=(\\d+).*", "$1"));
            assertEquals(0, bad, counts);
            assertTrue(ok > 0, "the reader saw the lock file at least once (else the test proves nothing): " + counts);
            assertTrue(rounds > 0);
        }
    }

    /** Fencing tokens strictly increase across two processes and across a reopen. */
    @Test
    void fencingTokensIncreaseAcrossProcessesAndReopen() throws Exception
    {
        long last;
        try (FileLockStore s = FileLockStore.open(root);
            ChildProcess child = ChildProcess.start("fence", root.toString()))
        {
            child.expect("READY");
            last = s.nextFencingToken();
            for (int i = 0; i < 50; i++)
            {
                child.send("next");
                final long theirs = Long.parseLong(child.expect("TOKEN").split(" ")[1]);
                assertTrue(theirs > last, last + " then " + theirs);
                final long mine = s.nextFencingToken();
                assertTrue(mine > theirs, theirs + " then " + mine);
                last = mine;
            }
        }
        try (FileLockStore s = FileLockStore.open(root))
        {
            final long next = s.nextFencingToken();
            assertTrue(next > last, last + " then " + next + " after reopen");
        }
    }

    /** Permission denied: a directory the process cannot write fails with a clear error, nothing left behind. */
    @Test
    void permissionDeniedIsAClearErrorNamingThePath() throws Exception
    {
        final Path ro = Files.createDirectories(root.resolve("ro"));
        FileLockStore.open(root).close();
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        try
        {
            final List<String> wrapper = "root".equals(System.getProperty("user.name")) ?
                List.of("/usr/bin/setpriv", "--bounding-set=-dac_override,-dac_read_search") : List.of();
            // setpriv drops the capability from the bounding set only; --inh-caps/-ambient are empty for a
            // root shell, so the JVM's effective set loses it on exec.
            try (ChildProcess c = ChildProcess.start(wrapper, List.of(), FileLockChild.class, "publish",
                root.toString(), "/ro/x"))
            {
                final String line = c.expect("ERROR");
                assertTrue(line.contains("EACCES"), line);
                assertTrue(line.contains(Layouts.sidecar(root.toRealPath(), "/ro/x").toString()), line);
            }
            try (var tmp = Files.list(root.resolve(".pathlock/tmp/" + ((Number)Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue())))
            {
                assertEquals(0, tmp.count(), "the temporary file was removed");
            }
            // An unreadable lock file is held (fail closed), and the refusal says why.
            final Path unreadable = Files.createDirectories(root.resolve("unr")).resolve(".path.ovlock");
            Files.writeString(unreadable, "x:1:P");
            Files.setPosixFilePermissions(unreadable, PosixFilePermissions.fromString("---------"));
            try (ChildProcess c = ChildProcess.start(wrapper, List.of(), FileLockChild.class, "publish",
                root.toString(), "/unr"))
            {
                final String line = c.expect("REFUSED");
                assertTrue(line.contains("unparseable") && line.contains("EACCES"), line);
            }
        }
        finally
        {
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }
}

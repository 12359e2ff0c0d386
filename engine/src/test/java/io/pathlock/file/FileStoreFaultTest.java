package io.pathlock.file;

import io.pathlock.core.LockBusyException;
import io.pathlock.LockHandle;
import io.pathlock.core.LockLostException;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.store.LockStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The faults found by trying the lock-file store from outside (hostile trees, swaps, operators),
 * one test or more each, numbered as in the issue "Lock files that OpenViking really respects" §2.
 * Every test is bounded: a hang fails it instead of hanging the build.
 */
class FileStoreFaultTest
{
    private static final Duration BOUND = Duration.ofSeconds(20);

    @TempDir
    Path root;

    @TempDir
    Path outside;

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception
    {
        for (int i = closeables.size() - 1; i >= 0; i--)
        {
            closeables.get(i).close();
        }
    }

    private FileLockStore store()
    {
        final FileLockStore s = FileLockStore.builder(root).build();
        closeables.add(s);
        return s;
    }

    private LockManager manager()
    {
        final LockManager m = LockManager.builder().store(FileLockStore.builder(root).build()).startAgent(false).build();
        closeables.add(m);
        return m;
    }

    private static void sh(final String script) throws IOException, InterruptedException
    {
        final Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "shell step timed out: " + script);
        assertEquals(0, p.exitValue(), "shell step failed: " + script + "\n" + out);
    }

    private static String q(final Path p)
    {
        return "'" + p.toString().replace("'", "'\\''") + "'";
    }

    private static byte[] foreignToken(final char type)
    {
        final long now = FileLockStore.systemWallNanos();
        return ("ov-proc-1:" + now + ":" + type).getBytes(StandardCharsets.UTF_8);
    }

    private static LockStore.PublishResult publish(final FileLockStore s, final String path, final LockType type)
    {
        return s.tryPublish("t", List.of(new LockRequest.Entry(io.pathlock.core.LockPath.parse(path), type)));
    }

    // ---- 1. FIFOs ---------------------------------------------------------------------------------

    @Test
    void fault1_aFifoNamedLikeALockFileIsHeldAndNothingBlocksOnIt() throws Exception
    {
        Files.createDirectories(root.resolve("a"));
        sh("mkfifo " + q(root.resolve("a/.path.ovlock")));
        final FileLockStore s = store();
        assertTimeoutPreemptively(BOUND, () ->
        {
            final LockStore.PublishResult r = publish(s, "/a", LockType.POINT);
            assertFalse(r.isGranted(), "a FIFO in the lock file's place must count as held");
            assertTrue(r.conflict().toString().contains("FIFO"), r.conflict().toString());
            assertFalse(publish(s, "/", LockType.SUBTREE).isGranted());
            final List<LockFileInfo> st = s.status();
            assertEquals(1, st.size(), st.toString());
            assertEquals(LockFileState.UNPARSEABLE, st.get(0).state());
            assertTrue(st.get(0).detail().contains("FIFO"), st.get(0).detail());
            final FileLockStore.BreakResult kept = s.breakLock("/a", false);
            assertEquals(1, kept.kept().size());
            final FileLockStore.BreakResult removed = s.breakLock("/a", true);
            assertEquals(1, removed.removed().size());
        });
        assertFalse(Files.exists(root.resolve("a/.path.ovlock"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void fault1_aFifoAsASidecarOrLegacySidecarBlocksTheSubtreeScanWithoutHanging() throws Exception
    {
        Files.createDirectories(root.resolve("d"));
        sh("mkfifo " + q(root.resolve("d/.f.path.ovlock")) + " " + q(root.resolve("d/.exact.ovlock.g.0123456789abcdef")));
        final FileLockStore s = store();
        assertTimeoutPreemptively(BOUND, () ->
        {
            assertFalse(publish(s, "/d", LockType.SUBTREE).isGranted());
            assertEquals(2, s.status().size());
        });
    }

    // ---- 2. names that are not UTF-8 --------------------------------------------------------------

    @Test
    void fault2_aForeignLockBelowANonUtf8DirectoryIsSeenAndBlocksAncestorSubtrees() throws Exception
    {
        sh("cd " + q(root) + " && mkdir -p top/$'\\xff' && printf '%s' 'ov-proc-1:" + FileLockStore.systemWallNanos() +
            ":S' > top/$'\\xff'/.path.ovlock");
        final FileLockStore s = store();
        final List<LockFileInfo> st = s.status();
        assertEquals(1, st.size(), "status must list the lock below the \\xff directory: " + st);
        assertTrue(st.get(0).lockPath().contains("\\xff"), st.get(0).lockPath());
        assertFalse(publish(s, "/top", LockType.SUBTREE).isGranted(), "SUBTREE /top granted over a foreign S below it");
        assertFalse(publish(s, "/", LockType.SUBTREE).isGranted(), "SUBTREE / granted over a foreign S below it");
        assertTrue(publish(s, "/other", LockType.SUBTREE).isGranted());
    }

    // ---- 3. non-regular lock files fail closed everywhere alike ------------------------------------

    @Test
    void fault3_aDirectoryOrSymlinkNamedLikeALockFileBlocksPointAndSubtreeAlike() throws Exception
    {
        Files.createDirectories(root.resolve("a/b/.path.ovlock"));
        Files.createDirectories(root.resolve("c/d"));
        Files.writeString(outside.resolve("tok"), "ov-proc-1:1:S");
        Files.createSymbolicLink(root.resolve("c/d/.path.ovlock"), outside.resolve("tok"));
        final FileLockStore s = store();
        assertFalse(publish(s, "/a/b", LockType.POINT).isGranted());
        assertFalse(publish(s, "/a", LockType.SUBTREE).isGranted(), "the SUBTREE scan skipped a directory lock file");
        assertFalse(publish(s, "/c/d", LockType.POINT).isGranted());
        assertFalse(publish(s, "/c", LockType.SUBTREE).isGranted(), "the SUBTREE scan skipped a symlink lock file");
        assertEquals(2, s.status().size());
    }

    // ---- 4. control characters, depth, PATH_MAX -----------------------------------------------------

    @Test
    void fault4_aControlCharacterInADirectoryNameIsInspectableAndBlocks() throws Exception
    {
        sh("cd " + q(root) + " && mkdir -p $'x\\ty' && printf '%s' 'ov-proc-1:" + FileLockStore.systemWallNanos() +
            ":E' > $'x\\ty'/.path.ovlock");
        final FileLockStore s = store();
        final List<LockFileInfo> st = s.status();
        assertEquals(1, st.size(), st.toString());
        assertEquals("/x\\x09y", st.get(0).lockPath(), "status names the entry as it is, escaped");
        final LockStore.PublishResult r = publish(s, "/", LockType.SUBTREE);
        assertFalse(r.isGranted());
        assertTrue(publish(s, "/z", LockType.SUBTREE).isGranted(), "an unrelated SUBTREE must still be lockable");
    }

    @Test
    void fault4_aLockFileDeeperThanPathMaxIsFoundAndBlocksItsAncestors() throws Exception
    {
        // 300 levels of 20-character names: 6,300 bytes, beyond PATH_MAX (4,096).
        sh("cd " + q(root) + " && mkdir -p top && cd top && for i in $(seq 1 300); do mkdir dddddddddddddddddddd && cd dddddddddddddddddddd; done " +
            "&& printf '%s' 'ov-proc-1:" + FileLockStore.systemWallNanos() + ":E' > .path.ovlock");
        final FileLockStore s = store();
        assertTimeoutPreemptively(BOUND, () ->
        {
            final List<LockFileInfo> st = s.status();
            assertEquals(1, st.size(), st.toString());
            assertFalse(publish(s, "/top", LockType.SUBTREE).isGranted());
            assertFalse(publish(s, "/", LockType.SUBTREE).isGranted());
            assertTrue(publish(s, "/top/dddddddddddddddddddd", LockType.POINT).isGranted(), "a POINT above it is fine");
        });
        sh("rm -rf " + q(root.resolve("top"))); // JUnit's @TempDir cannot delete below PATH_MAX.
    }

    // ---- 5. symlink swaps ---------------------------------------------------------------------------

    @Test
    void fault5_aDirectorySwappedForALinkToOutsideNeverLetsALockFileLeaveTheRoot() throws Exception
    {
        Files.createDirectories(root.resolve("d"));
        Files.createSymbolicLink(root.resolve("lnk"), outside);
        // Foreign stale tokens outside the root that a confused break would delete.
        for (int i = 0; i < 20; i++)
        {
            Files.createDirectories(outside.resolve("v" + i));
            Files.writeString(outside.resolve("v" + i + "/.path.ovlock"), "ov-proc-1:1:E");
        }
        Files.writeString(outside.resolve(".path.ovlock"), "ov-proc-1:1:E");
        // Missing directories are not created: while d is mid-swap the store must not make a new one.
        final FileLockStore s = FileLockStore.builder(root).missingDirectories(MissingDirectories.FAIL).build();
        closeables.add(s);
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<Throwable> swapFailure = new AtomicReference<>();
        final CountDownLatch swapping = new CountDownLatch(1);
        final Thread swapper = new Thread(() ->
        {
            try
            {
                final Path d = root.resolve("d");
                final Path l = root.resolve("lnk");
                final Path t = root.resolve("tmp-swap");
                swapping.countDown();
                while (!stop.get())
                {
                    Files.move(d, t, StandardCopyOption.ATOMIC_MOVE);
                    Files.move(l, d, StandardCopyOption.ATOMIC_MOVE);
                    Files.move(t, l, StandardCopyOption.ATOMIC_MOVE);
                    // Now d -> outside and lnk is the directory; swap back.
                    Files.move(d, t, StandardCopyOption.ATOMIC_MOVE);
                    Files.move(l, d, StandardCopyOption.ATOMIC_MOVE);
                    Files.move(t, l, StandardCopyOption.ATOMIC_MOVE);
                }
            }
            catch (final Throwable e)
            {
                swapFailure.set(e);
            }
        }, "swapper");
        swapper.start();
        assertTrue(swapping.await(10, TimeUnit.SECONDS));
        try
        {
            for (int i = 0; i < 3_000; i++)
            {
                try
                {
                    final LockStore.PublishResult r = publish(s, "/d/x" + (i % 7), LockType.POINT);
                    if (r.isGranted())
                    {
                        s.unpublish(r.publication());
                    }
                }
                catch (final io.pathlock.core.LockStoreException expected)
                {
                    // "is a symbolic link" or a vanished component: refused, never followed.
                }
                try
                {
                    s.breakLock("/d", true);
                    s.breakLock("/d/v" + (i % 20), true);
                }
                catch (final io.pathlock.core.LockStoreException expected)
                {
                    // Same.
                }
            }
        }
        finally
        {
            stop.set(true);
            swapper.join(TimeUnit.SECONDS.toMillis(20));
        }
        assertFalse(swapper.isAlive(), "swapper did not stop");
        if (swapFailure.get() != null)
        {
            throw new AssertionError("swapper failed", swapFailure.get());
        }
        try (Stream<Path> files = Files.walk(outside))
        {
            final long lockFiles = files.filter(p -> p.getFileName().toString().contains("ovlock")).count();
            assertEquals(21, lockFiles, "lock files outside the root were created or deleted");
        }
    }

    // ---- 6. a holder that moves its own directory ----------------------------------------------------

    @Test
    void fault6_aMovedHoldersLockFileIsRemovedWhereItWentAtRelease() throws Exception
    {
        Files.createDirectories(root.resolve("data/in/b7"));
        Files.createDirectories(root.resolve("data/done"));
        final LockManager m = manager();
        try (LockHandle h = m.open("mover"))
        {
            h.acquire(LockRequest.mv("/data/in/b7", "/data/done", true), Duration.ofSeconds(5));
            assertTrue(Files.exists(root.resolve("data/in/b7/.path.ovlock")));
            Files.move(root.resolve("data/in/b7"), root.resolve("data/done/b7"), StandardCopyOption.ATOMIC_MOVE);
        }
        assertFalse(Files.exists(root.resolve("data/done/b7/.path.ovlock")),
            "the moved SUBTREE lock file was left behind in the moved directory");
        assertTrue(store().status().isEmpty(), store().status().toString());
    }

    // ---- 7. operations that must change nothing, and loud failures ----------------------------------

    @Test
    void fault7_anEmptyRootIsRefusedByName()
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> FileLockStore.builder(Path.of("")).build());
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void fault7_statusAndBreakOnAnAdministrationStoreCreateNothingAndBumpNoEpoch() throws Exception
    {
        Files.createDirectories(root.resolve("a"));
        try (FileLockStore admin = FileLockStore.builder(root).administration().build())
        {
            assertTrue(admin.status().isEmpty());
            assertTrue(admin.breakLock("/a", false).removed().isEmpty());
            assertThrows(IllegalStateException.class, admin::nextFencingToken);
        }
        assertFalse(Files.exists(root.resolve(FileLockStore.RESERVED_DIR_NAME)), "status/break created .pathlock/");
    }

    @Test
    void fault7_missingDirectoriesGetTheConfiguredModeNot0755() throws Exception
    {
        try (FileLockStore s = FileLockStore.builder(root).fileMode(0600).build())
        {
            assertTrue(publish(s, "/new/dir/f", LockType.POINT).isGranted());
        }
        final String perms = java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(root.resolve("new/dir")));
        assertEquals("rwx------", perms);
    }

    // ---- §1: a holder learns at once that it lost a lock --------------------------------------------

    @Test
    void aHolderWhoseLockFileIsBrokenLearnsItOnItsNextCall() throws Exception
    {
        Files.createDirectories(root.resolve("a"));
        final LockManager m = manager();
        final LockHandle h = m.open("holder");
        final AtomicReference<String> heard = new AtomicReference<>();
        h.onLost(heard::set);
        h.tryAcquire(LockRequest.subtree("/a"));
        assertTrue(h.isValid());
        try (FileLockStore admin = FileLockStore.builder(root).administration().build())
        {
            assertEquals(1, admin.breakLock("/a", true).removed().size());
        }
        assertFalse(h.isValid(), "isValid must notice the removed lock file");
        assertNotNull(heard.get(), "the lost listener did not fire");
        assertTrue(heard.get().contains("removed"), heard.get());
        assertThrows(LockLostException.class, () -> h.fencingToken("/a"));
        assertThrows(LockLostException.class, () -> h.tryAcquire(LockRequest.point("/b")));
    }

    @Test
    void theHeartbeatNoticesAReplacedLockFile() throws Exception
    {
        Files.createDirectories(root.resolve("a"));
        final LockManager m = manager();
        final LockHandle h = m.open("holder");
        final AtomicReference<String> heard = new AtomicReference<>();
        h.onLost(heard::set);
        h.tryAcquire(LockRequest.point("/a"));
        final Path file = root.resolve("a/.path.ovlock");
        final Path other = root.resolve("a/replacement");
        Files.write(other, foreignToken('E'));
        Files.move(other, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        m.runMaintenance();
        assertNotNull(heard.get(), "the heartbeat did not notice");
        assertTrue(heard.get().contains("replaced"), heard.get());
        assertFalse(h.isValid());
        // The foreign file it did not write is left alone.
        assertTrue(Files.exists(file));
    }

    @Test
    void heartbeatIsAThirdOfTheWriteDialectsExpiry()
    {
        try (FileLockStore r = FileLockStore.builder(root).dialect(Dialect.RAGFS).build();
            FileLockStore o = FileLockStore.builder(root).dialect(Dialect.OV431).build())
        {
            assertEquals(Duration.ofSeconds(10), r.heartbeatInterval());
            assertEquals(Duration.ofSeconds(100), o.heartbeatInterval());
        }
    }

    @Test
    void aLockPathThroughASymlinkIsRefusedNamingTheLink() throws Exception
    {
        Files.createDirectories(root.resolve("real"));
        Files.createSymbolicLink(root.resolve("link"), root.resolve("real"));
        final FileLockStore s = store();
        final io.pathlock.core.LockStoreException e = assertThrows(io.pathlock.core.LockStoreException.class,
            () -> publish(s, "/link/f", LockType.POINT));
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
        final LockManager m = manager();
        assertThrows(LockBusyException.class, () ->
        {
            try (LockHandle a = m.open("a"); LockHandle b = manager().open("b"))
            {
                a.tryAcquire(LockRequest.point("/real/f"));
                b.tryAcquire(LockRequest.point("/real/f"));
            }
        });
    }
}

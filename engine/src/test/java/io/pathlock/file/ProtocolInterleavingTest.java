package io.pathlock.file;

import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.posix.PosixBackends;
import io.pathlock.store.LockStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Deterministic interleavings of the lock-file protocol, forced through {@link InterposedPosix}
 * hooks instead of timing, for the two protocol bugs a mutation check found only by luck: the reap
 * ABA race and a post-publication re-check that skips the ancestors.
 */
class ProtocolInterleavingTest
{
    @TempDir
    Path root;

    private final List<FileLockStore> stores = new ArrayList<>();

    @AfterEach
    void close()
    {
        for (final FileLockStore s : stores)
        {
            s.close();
        }
    }

    private FileLockStore store(final InterposedPosix posix)
    {
        final FileLockStore s = FileLockStore.builder(root).posix(posix).build();
        stores.add(s);
        return s;
    }

    private static List<LockRequest.Entry> entry(final String path, final LockType type)
    {
        return List.of(new LockRequest.Entry(LockPath.parse(path), type));
    }

    private static long wallNow()
    {
        return FileLockStore.systemWallNanos();
    }

    /**
     * Reap ABA: a stale file is judged dead; before the reaper removes it, someone replaces it with a
     * live lock (same name, new inode). The reaper must see the inode changed and keep the live file.
     * Fails if the same-inode check under the guard is removed.
     */
    @Test
    void aLockFileReplacedBetweenJudgementAndRemovalSurvives() throws Exception
    {
        Files.createDirectories(root.resolve("a"));
        final Path lock = root.resolve("a/.path.ovlock");
        // A dead holder of this engine: flock token, nobody holds the flock.
        Files.writeString(lock, "pl1|1|h|0000000000000000|dead:" + wallNow() + ":E");
        final byte[] live = ("ov-live:" + wallNow() + ":E").getBytes(StandardCharsets.UTF_8);
        final Path replacement = root.resolve("a/replacement");
        Files.write(replacement, live);
        final InterposedPosix posix = new InterposedPosix(PosixBackends.select(null).posix());
        final FileLockStore s = store(posix);
        // The judge's flock probe succeeds (holder dead); the reaper then fstats the name under the
        // guard: right before that, the name is given to a live foreign lock.
        posix.before(InterposedPosix.Call.FLOCK, null, () ->
            posix.before(InterposedPosix.Call.FSTAT_AT, ".path.ovlock", () ->
            {
                try
                {
                    Files.move(replacement, lock, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
                catch (final IOException e)
                {
                    throw new UncheckedIOException(e);
                }
            }));
        final LockStore.PublishResult r = s.tryPublish("me", entry("/a", LockType.POINT));
        assertTrue(posix.fired(), "the interleaving was not reached");
        assertFalse(r.isGranted(), "granted over a live foreign lock");
        assertTrue(Files.exists(lock), "the reaper removed the live file that replaced the judged one");
        assertEquals(new String(live, StandardCharsets.UTF_8), Files.readString(lock));
        assertEquals(0, s.reapedCount());
    }

    /**
     * Post-publication re-check: A (POINT /a/b) passes its pre-check, then B takes SUBTREE /a whole
     * (its scan of /a finds nothing, A has not published yet), then A publishes. Only A's re-check
     * of its ancestors can see B now: A must back off. Fails if the re-check skips the ancestors.
     */
    @Test
    void aPointPublishedAfterAnAncestorSubtreeIsGrantedBacksOff() throws Exception
    {
        Files.createDirectories(root.resolve("a/b"));
        final InterposedPosix pa = new InterposedPosix(PosixBackends.select(null).posix());
        final FileLockStore a = store(pa);
        final FileLockStore b = store(new InterposedPosix(PosixBackends.select(null).posix()));
        final CompletableFuture<LockStore.PublishResult> bResult = new CompletableFuture<>();
        // Right before A links its lock file into place, B runs its whole SUBTREE acquisition.
        pa.before(InterposedPosix.Call.LINK_AT, ".path.ovlock", () ->
            bResult.complete(b.tryPublish("B", entry("/a", LockType.SUBTREE))));
        final LockStore.PublishResult ra = a.tryPublish("A", entry("/a/b", LockType.POINT));
        final LockStore.PublishResult rb = bResult.get(30, TimeUnit.SECONDS);
        assertTrue(pa.fired());
        assertTrue(rb.isGranted(), "B's SUBTREE found nothing below /a: granted");
        assertFalse(ra.isGranted(), "A's POINT /a/b was granted under B's SUBTREE /a: both hold");
        assertEquals("/a", ra.conflict().path());
        assertFalse(Files.exists(root.resolve("a/b/.path.ovlock")), "A backed off and removed its file");
    }

    /** {@code break} names the real error of a failed {@code fstat}, not EIO (fault 7). */
    @Test
    void breakReportsTheRealErrno() throws Exception
    {
        Files.createDirectories(root.resolve("a"));
        Files.writeString(root.resolve("a/.path.ovlock"), "ov:" + wallNow() + ":E");
        final InterposedPosix posix = new InterposedPosix(PosixBackends.select(null).posix());
        try (FileLockStore admin = FileLockStore.builder(root).posix(posix).administration().build())
        {
            posix.failNextFstat(io.pathlock.posix.Errno.EOVERFLOW);
            final io.pathlock.core.LockStoreException e = org.junit.jupiter.api.Assertions.assertThrows(
                io.pathlock.core.LockStoreException.class, () -> admin.breakLock("/a", true));
            assertTrue(e.getMessage().contains("EOVERFLOW"), e.getMessage());
        }
        assertTrue(Files.exists(root.resolve("a/.path.ovlock")), "nothing removed on the failure");
    }
}

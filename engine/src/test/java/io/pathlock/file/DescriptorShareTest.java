package io.pathlock.file;

import io.pathlock.core.LockRequest;
import io.pathlock.store.LockStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * H6 of {@link HeldFiles}: {@link FileLockStore#shareDescriptors} hands each descriptor of the
 * owner's lock files to the share before the file is published under the lock's name (publication,
 * heartbeat refresh, upgrade) and withdraws it before it is closed; other owners' are not shared.
 * The share records, at each call, the inode the descriptor refers to (through /proc) and the inode
 * under the lock's name, so the test sees the order of events, not only their count.
 */
class DescriptorShareTest
{
    @TempDir
    Path root;

    private static Object inodeOf(final int fd)
    {
        try
        {
            return Files.readAttributes(Path.of("/proc/self/fd/" + fd), BasicFileAttributes.class).fileKey();
        }
        catch (final java.io.IOException e)
        {
            return "closed: " + e;
        }
    }

    private static Object inodeAt(final Path file)
    {
        try
        {
            return Files.readAttributes(file, BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey();
        }
        catch (final java.io.IOException e)
        {
            return null;
        }
    }

    /** Records adds (whether the descriptor's file is the one under the lock's name yet) and removes. */
    private static final class Recorder implements FileLockStore.DescriptorShare
    {
        final Path lockFile;
        final Map<Integer, Object> held = new HashMap<>();
        final List<String> events = new ArrayList<>();

        Recorder(final Path lockFile)
        {
            this.lockFile = lockFile;
        }

        @Override
        public void add(final int fd)
        {
            final Object inode = inodeOf(fd);
            events.add(inode.equals(inodeAt(lockFile)) ? "add(published)" : "add(unpublished)");
            held.put(fd, inode);
        }

        @Override
        public void remove(final int fd)
        {
            assertEquals(held.remove(fd), inodeOf(fd), "withdrawn after it was closed");
            events.add("remove");
        }

        /** Whether the file under the lock's name is one whose descriptor the share holds. */
        boolean holdsPublished()
        {
            final Object now = inodeAt(lockFile);
            return now != null && held.containsValue(now);
        }
    }

    @Test
    void descriptorsAreSharedBeforePublicationAndWithdrawnBeforeClose() throws Exception
    {
        Files.createDirectories(root.resolve("a"));
        final Path lockFile = root.resolve("a").resolve(FileLockStore.LOCK_FILE_NAME);
        try (FileLockStore store = FileLockStore.open(root))
        {
            final Recorder share = new Recorder(lockFile);
            final LockStore.PublishResult first = store.tryPublish("owner", LockRequest.subtree("/a").entries());
            assertTrue(first.isGranted());
            try (AutoCloseable registration = store.shareDescriptors("owner", share))
            {
                assertEquals(List.of("add(published)"), share.events, "the held file is shared at registration");
                assertTrue(share.holdsPublished());
                for (int i = 0; i < 3; i++)
                {
                    final Object before = inodeAt(lockFile);
                    assertTrue(store.refresh(first.publication()));
                    assertFalse(before.equals(inodeAt(lockFile)), "a refresh replaces the inode");
                    assertTrue(share.holdsPublished(), "after refresh " + i);
                }
                assertEquals(List.of("add(published)", "add(unpublished)", "remove", "add(unpublished)", "remove",
                    "add(unpublished)", "remove"), share.events);
                // Another owner's files are not shared; a new publication of this owner is, before its link.
                final Path other = root.resolve("b").resolve(FileLockStore.LOCK_FILE_NAME);
                Files.createDirectories(root.resolve("b"));
                final LockStore.PublishResult foreign = store.tryPublish("someone-else", LockRequest.subtree("/b").entries());
                assertTrue(foreign.isGranted());
                assertEquals(7, share.events.size());
                store.unpublish(foreign.publication());
                final LockStore.PublishResult second = store.tryPublish("owner", LockRequest.subtree("/b").entries());
                assertTrue(second.isGranted());
                assertEquals("add(unpublished)", share.events.get(7));
                assertTrue(share.held.containsValue(inodeAt(other)));
                store.unpublish(second.publication());
                assertEquals("remove", share.events.get(8));
                assertFalse(Files.exists(other));
                assertThrows(IllegalStateException.class, () -> store.shareDescriptors("owner", new Recorder(lockFile)),
                    "one share per owner");
            }
            store.unpublish(first.publication());
            assertEquals(9, share.events.size(), "nothing shared after the registration closed");
            assertTrue(share.held.size() == 1, "the registration's own descriptor stays the share's to drop");
        }
    }

    @Test
    void aBackendWithoutFlockCannotShare() throws Exception
    {
        try (FileLockStore store = FileLockStore.builder(root).backend("nio").build())
        {
            assertThrows(UnsupportedOperationException.class, () -> store.shareDescriptors("owner", new Recorder(root)));
        }
    }
}

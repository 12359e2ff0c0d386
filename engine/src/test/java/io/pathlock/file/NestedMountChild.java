package io.pathlock.file;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.store.LockStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Child of {@link NestedMountTest}, run inside a mount namespace where {@code ROOT/mnt} is a mount (a
 * tmpfs, or a bind mount of a directory of the root's own file system): publishes, refreshes and
 * unpublishes locks whose files live on that mount, upgrades a POINT to a SUBTREE there through a lock
 * manager, and prints what it sees after each stage ({@code HELD}, {@code REFRESHED}, {@code RELEASED},
 * {@code POINT}, {@code UPGRADED}, {@code CLOSED} lines: every name under {@code ROOT/mnt}), then
 * {@code DONE}.
 */
public final class NestedMountChild
{
    private NestedMountChild()
    {
    }

    /**
     * @param args the root and the posix backend.
     * @throws Exception on failure (printed, exit 1).
     */
    public static void main(final String[] args) throws Exception
    {
        final Path root = Path.of(args[0]);
        final Path mnt = root.resolve("mnt");
        System.out.println("DEVICES " + Files.getFileStore(root).name() + " " + Files.getFileStore(mnt).name() + " " +
            !Files.getFileStore(root).equals(Files.getFileStore(mnt)));
        System.out.println("SAME_ST_DEV " + Files.getAttribute(root, "unix:dev").equals(Files.getAttribute(mnt, "unix:dev")));
        try (FileLockStore store = FileLockStore.builder(root).backend(args[1]).build())
        {
            final List<LockStore.Publication> held = new ArrayList<>();
            publish(store, held, "a", LockRequest.point("/mnt"));               // directory form, inside the mount
            publish(store, held, "b", LockRequest.point("/mnt/f"));             // sidecar in the mount
            publish(store, held, "c", LockRequest.subtree("/mnt/d"));           // L2: creates mnt/d
            publish(store, held, "d", LockRequest.pointShared("/mnt/s"));       // a shared group ...
            publish(store, held, "e", LockRequest.pointShared("/mnt/s"));       // ... of two members
            print("HELD", mnt);
            for (final LockStore.Publication p : held)
            {
                System.out.println("REFRESH " + store.refresh(p));           // rewrites each file by rename
            }
            print("REFRESHED", mnt);
            for (final LockStore.Publication p : held)
            {
                store.unpublish(p);
            }
            print("RELEASED", mnt);
        }
        // Through the facade: a POINT upgraded to a SUBTREE in place (a new file renamed over the old).
        try (LockManager m = LockManager.builder().store(FileLockStore.builder(root).backend(args[1]).build()).build();
            LockHandle h = m.open("u"))
        {
            Files.createDirectories(mnt.resolve("u"));
            h.tryAcquire(LockRequest.point("/mnt/u"));
            print("POINT", mnt);
            h.tryAcquire(LockRequest.subtree("/mnt/u"));
            print("UPGRADED", mnt);
        }
        print("CLOSED", mnt);
        System.out.println("DONE");
    }

    private static void publish(final FileLockStore store, final List<LockStore.Publication> held, final String owner,
        final LockRequest request)
    {
        final LockStore.PublishResult r = store.tryPublish(owner, request.entries());
        System.out.println("PUBLISH " + owner + " " + request + " " + (r.isGranted() ? "granted" : "refused " + r.conflict()));
        if (r.isGranted())
        {
            held.add(r.publication());
        }
    }

    private static void print(final String tag, final Path dir) throws IOException
    {
        try (Stream<Path> s = Files.walk(dir))
        {
            s.filter(p -> !p.equals(dir)).sorted().forEach(p ->
                System.out.println(tag + " " + dir.relativize(p) + (Files.isDirectory(p) ? "/" : "")));
        }
    }
}

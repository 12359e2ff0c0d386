package io.pathlock.file;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockStoreException;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Child of {@link FullDiskTest}, run inside a mount namespace where {@code ROOT} is a small tmpfs:
 * takes a lock once, fills the file system, tries a POINT and a SUBTREE (printing {@code FULL} with
 * the exception's class and message), lists every name under the root ({@code TREE} lines), frees the
 * space and takes the POINT again ({@code AFTER}), then prints {@code DONE}.
 */
public final class FullDiskChild
{
    private FullDiskChild()
    {
    }

    /**
     * @param args the root and the posix backend.
     * @throws Exception on failure (printed, exit 1).
     */
    public static void main(final String[] args) throws Exception
    {
        final Path root = Path.of(args[0]);
        Files.createDirectories(root.resolve("a"));
        try (LockManager m = LockManager.builder().store(FileLockStore.builder(root).backend(args[1]).build()).build();
            LockHandle h = m.open("full"))
        {
            h.tryAcquire(LockRequest.point("/a/b"));
            h.releaseAll();
            final Path filler = root.resolve("filler");
            fill(filler);
            for (final LockRequest r : new LockRequest[] {LockRequest.point("/a/b"), LockRequest.subtree("/a")})
            {
                try
                {
                    h.tryAcquire(r);
                    System.out.println("FULL " + r + " granted");
                }
                catch (final LockStoreException e)
                {
                    System.out.println("FULL " + r + " " + e.getClass().getSimpleName() + ": " + e.getMessage());
                }
                System.out.println("HELD " + h.locks().size());
            }
            print(root);
            Files.delete(filler);
            h.tryAcquire(LockRequest.point("/a/b"));
            System.out.println("AFTER granted " + h.locks().size());
        }
        System.out.println("DONE");
    }

    /** Writes zeros to {@code file} until the file system is full. */
    private static void fill(final Path file) throws IOException
    {
        final byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(file))
        {
            for (;;)
            {
                out.write(block);
                out.flush();
            }
        }
        catch (final IOException e)
        {
            if (!String.valueOf(e.getMessage()).contains("No space left"))
            {
                throw e;
            }
            System.out.println("FILLED " + Files.size(file));
        }
    }

    private static void print(final Path dir) throws IOException
    {
        try (Stream<Path> s = Files.walk(dir))
        {
            s.filter(p -> !p.equals(dir)).sorted().forEach(p ->
                System.out.println("TREE " + dir.relativize(p) + (Files.isDirectory(p) ? "/" : "")));
        }
    }
}

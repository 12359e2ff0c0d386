package io.pathlock.packaging;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.file.FileLockStore;

/**
 * Child JVM of {@link OptionalDependenciesTest}: opens a lock-file store on a fresh root with the
 * default backend selection, takes and releases a SUBTREE lock, and prints the store's description
 * and whether jnr-posix and pathlock-native are visible. Log lines go to stderr through the JDK's
 * default {@code System.Logger} (java.util.logging, INFO and up).
 */
public final class FileStoreChild
{
    private FileStoreChild()
    {
    }

    /**
     * @param args root directory, and {@code noprobe} not to look for jnr-posix (which loads a class).
     * @throws Exception on any failure (the exit code says so).
     */
    public static void main(final String[] args) throws Exception
    {
        final Path root = Files.createDirectories(Path.of(args[0]));
        if (args.length < 2 || !args[1].equals("noprobe"))
        {
            System.out.println("jnr visible: " + visible("jnr.posix.POSIXFactory"));
            System.out.println("native visible: " + visible("io.pathlock.nativeio.PathlockNative"));
        }
        try (LockManager locks = LockManager.builder().store(FileLockStore.builder(root).build()).build())
        {
            System.out.println("store: " + locks.snapshot().store());
            try (LockHandle h = locks.lock(LockRequest.subtree("/a/b"), Duration.ofSeconds(5)))
            {
                System.out.println("locked: " + h);
            }
        }
        System.out.println("CHILD-OK");
    }

    private static boolean visible(final String name)
    {
        try
        {
            Class.forName(name, false, FileStoreChild.class.getClassLoader());
            return true;
        }
        catch (final ClassNotFoundException ex)
        {
            return false;
        }
    }
}

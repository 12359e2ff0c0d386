package io.pathlock.bench.posix;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Scratch directories for the benchmarks: under the system property {@code pathlock.bench.dir},
 * else under {@code java.io.tmpdir}. Put them on the disk being measured (not tmpfs, unless tmpfs is
 * what you mean to measure).
 */
public final class BenchDirs
{
    /** System property naming the parent of the scratch directories. */
    public static final String DIR_PROP_NAME = "pathlock.bench.dir";

    private BenchDirs()
    {
    }

    public static Path create(final String prefix) throws IOException
    {
        final Path parent = Path.of(System.getProperty(DIR_PROP_NAME, System.getProperty("java.io.tmpdir")));
        Files.createDirectories(parent);
        return Files.createTempDirectory(parent, prefix);
    }

    public static void delete(final Path root) throws IOException
    {
        if (root == null || !Files.exists(root))
        {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>()
        {
            @Override
            public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs) throws IOException
            {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(final Path dir, final IOException exc) throws IOException
            {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}

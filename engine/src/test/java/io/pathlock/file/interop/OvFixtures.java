package io.pathlock.file.interop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small helpers for the model tests: raw lock files, FIFOs. */
final class OvFixtures
{
    static final long T0 = 1_700_000_000_000_000_000L;

    private OvFixtures()
    {
    }

    static Path write(final Path file, final String content) throws IOException
    {
        Files.createDirectories(file.getParent());
        return Files.write(file, content.getBytes(StandardCharsets.UTF_8));
    }

    static Path write(final Path file, final byte[] content) throws IOException
    {
        Files.createDirectories(file.getParent());
        return Files.write(file, content);
    }

    static Path mkfifo(final Path file) throws IOException, InterruptedException
    {
        Files.createDirectories(file.getParent());
        final Process p = new ProcessBuilder("mkfifo", file.toString()).inheritIO().start();
        if (p.waitFor() != 0 || Files.isRegularFile(file) || !Files.exists(file))
        {
            throw new IOException("mkfifo failed: " + file);
        }
        return file;
    }

    static Object fileKey(final Path file) throws IOException
    {
        return Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    }
}

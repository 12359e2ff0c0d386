package io.pathlock.redo;

import java.nio.file.Path;

/**
 * What the log knows about one segment file. Owned by the scanner, then by the writer thread.
 */
final class Segment
{
    final long index;
    final Path path;
    final long firstTaskId;
    long validLength;
    long userBytes;
    int pending;
    int records;

    Segment(final long index, final Path path, final long firstTaskId)
    {
        this.index = index;
        this.path = path;
        this.firstTaskId = firstTaskId;
    }

    String name()
    {
        return path.getFileName().toString();
    }

    public String toString()
    {
        return name() + "{length=" + validLength + ", pending=" + pending + ", records=" + records + "}";
    }
}

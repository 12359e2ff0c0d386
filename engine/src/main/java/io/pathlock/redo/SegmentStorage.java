package io.pathlock.redo;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens, syncs and deletes segment files: the single seam between the redo log and the file system.
 * {@link FileSegmentStorage#INSTANCE} is the real one; tests supply their own to inject faults.
 * <p>
 * Implementations must be thread-safe.
 */
interface SegmentStorage
{
    /**
     * Opens a segment for reading and writing.
     *
     * @param file      path of the segment.
     * @param createNew true to create the file, failing if it exists.
     * @return an open channel.
     * @throws IOException if it cannot be opened or created.
     */
    SegmentChannel openReadWrite(Path file, boolean createNew) throws IOException;

    /**
     * Opens a segment for reading only.
     *
     * @param file path of the segment.
     * @return an open channel on which writes fail.
     * @throws IOException if it cannot be opened.
     */
    SegmentChannel openReadOnly(Path file) throws IOException;

    /**
     * Makes the directory entries (created or deleted files) durable: fsync of the directory.
     *
     * @param directory the redo directory.
     * @throws IOException if the sync failed.
     */
    void syncDirectory(Path directory) throws IOException;

    /**
     * Deletes a segment file if it exists.
     *
     * @param file path of the segment.
     * @throws IOException if it exists and cannot be deleted.
     */
    void delete(Path file) throws IOException;
}

package io.pathlock.redo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A {@link SegmentStorage} over the real files that records, in order, every write, sync and
 * truncation of every segment, and keeps two images of each file: what has been written and what
 * had been written when the file was last synced. {@link #isDurable} answers "is this record in a
 * segment, and was that segment synced after the record was written?" at any instant, e.g. the
 * instant {@code begin()} returns.
 *
 * <p>Hooks let a test act at a precise point of the writer's work: {@link #beforeForce} runs on the
 * writer's thread just before a data sync (the batch is written, not yet synced, not acknowledged);
 * {@link #failWrites} makes writes fail as a full disk does.
 *
 * <p>Thread-safe: every method is synchronized except the hooks, which run outside the monitor.
 */
final class RecordingStorage implements SegmentStorage
{
    private final List<String> events = new ArrayList<>();
    private final Map<Path, Image> images = new HashMap<>();
    private volatile Consumer<Path> beforeForce;
    private volatile boolean failWrites;

    private static final class Image
    {
        byte[] data = new byte[0];
        int length;
        byte[] synced = new byte[0];
        int syncedLength;
    }

    /**
     * Runs a hook once, on the writer's thread, before the next data sync of a segment.
     *
     * @param hook receives the segment path.
     */
    void beforeNextForce(final Consumer<Path> hook)
    {
        beforeForce = hook;
    }

    void failWrites(final boolean fail)
    {
        failWrites = fail;
    }

    synchronized List<String> events()
    {
        return List.copyOf(events);
    }

    /**
     * Whether a record of this kind for this task is in some segment's synced image.
     */
    synchronized boolean isDurable(final long taskId, final byte kind)
    {
        for (final Image image : images.values())
        {
            if (contains(image.synced, image.syncedLength, taskId, kind))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a record of this kind for this task has been written to some segment (synced or not).
     */
    synchronized boolean isWritten(final long taskId, final byte kind)
    {
        for (final Image image : images.values())
        {
            if (contains(image.data, image.length, taskId, kind))
            {
                return true;
            }
        }
        return false;
    }

    private static boolean contains(final byte[] data, final int length, final long taskId, final byte kind)
    {
        if (length < SegmentDescriptor.HEADER_LENGTH)
        {
            return false;
        }
        final UnsafeBuffer buffer = new UnsafeBuffer(data, 0, length);
        final RedoRecordFlyweight record = new RedoRecordFlyweight();
        int offset = SegmentDescriptor.HEADER_LENGTH;
        while (offset + RedoRecordDescriptor.HEADER_LENGTH <= length)
        {
            record.wrap(buffer, offset);
            final int recordLength = record.length();
            if (recordLength < RedoRecordDescriptor.HEADER_LENGTH || offset + recordLength > length)
            {
                return false;
            }
            if (record.kind() == kind && record.taskId() == taskId && record.computeBodyCrc() == record.bodyCrc())
            {
                return true;
            }
            offset += recordLength;
        }
        return false;
    }

    private synchronized void onWrite(final Path file, final ByteBuffer written, final long position)
    {
        final Image image = images.computeIfAbsent(file, (f) -> new Image());
        final int end = (int)position + written.remaining();
        if (end > image.data.length)
        {
            image.data = Arrays.copyOf(image.data, Math.max(end, image.data.length * 2));
        }
        written.get(image.data, (int)position, written.remaining());
        image.length = Math.max(image.length, end);
        events.add("write " + file.getFileName() + " @" + position + " +" + (end - position));
    }

    private synchronized void onForce(final Path file)
    {
        final Image image = images.computeIfAbsent(file, (f) -> new Image());
        image.synced = Arrays.copyOf(image.data, image.length);
        image.syncedLength = image.length;
        events.add("sync " + file.getFileName() + " (" + image.length + " bytes)");
    }

    private synchronized void onTruncate(final Path file, final long size)
    {
        final Image image = images.computeIfAbsent(file, (f) -> new Image());
        image.length = (int)Math.min(image.length, size);
        events.add("truncate " + file.getFileName() + " to " + size);
    }

    private synchronized void onOpen(final Path file, final boolean createNew) throws IOException
    {
        if (createNew)
        {
            images.put(file, new Image());
        }
        else if (!images.containsKey(file))
        {
            // An existing segment (a reopened log): its image is what is on disk, durable.
            final Image image = new Image();
            image.data = java.nio.file.Files.readAllBytes(file);
            image.length = image.data.length;
            image.synced = image.data.clone();
            image.syncedLength = image.length;
            images.put(file, image);
        }
        events.add("open " + file.getFileName() + (createNew ? " (new)" : ""));
    }

    public SegmentChannel openReadWrite(final Path file, final boolean createNew) throws IOException
    {
        final SegmentChannel delegate = FileSegmentStorage.INSTANCE.openReadWrite(file, createNew);
        onOpen(file, createNew);
        return new Channel(file, delegate);
    }

    public SegmentChannel openReadOnly(final Path file) throws IOException
    {
        return FileSegmentStorage.INSTANCE.openReadOnly(file);
    }

    public void syncDirectory(final Path directory) throws IOException
    {
        FileSegmentStorage.INSTANCE.syncDirectory(directory);
        synchronized (this)
        {
            events.add("sync directory");
        }
    }

    public void delete(final Path file) throws IOException
    {
        FileSegmentStorage.INSTANCE.delete(file);
        synchronized (this)
        {
            images.remove(file);
            events.add("delete " + file.getFileName());
        }
    }

    private final class Channel implements SegmentChannel
    {
        private final Path file;
        private final SegmentChannel delegate;

        Channel(final Path file, final SegmentChannel delegate)
        {
            this.file = file;
            this.delegate = delegate;
        }

        public int write(final ByteBuffer src, final long position) throws IOException
        {
            if (failWrites)
            {
                throw new IOException("No space left on device (injected)");
            }
            final ByteBuffer copy = src.duplicate();
            final int written = delegate.write(src, position);
            copy.limit(copy.position() + written);
            onWrite(file, copy, position);
            return written;
        }

        public int read(final ByteBuffer dst, final long position) throws IOException
        {
            return delegate.read(dst, position);
        }

        public void force() throws IOException
        {
            final Consumer<Path> hook = beforeForce;
            if (null != hook)
            {
                beforeForce = null;
                hook.accept(file);
            }
            delegate.force();
            onForce(file);
        }

        public long size() throws IOException
        {
            return delegate.size();
        }

        public void truncate(final long size) throws IOException
        {
            delegate.truncate(size);
            onTruncate(file, size);
        }

        public void close() throws IOException
        {
            delegate.close();
        }
    }
}

package io.pathlock.redo;

import java.time.Duration;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Shared helpers of the redo tests.
 */
final class RedoTestSupport
{
    private RedoTestSupport()
    {
    }

    /** A configuration for tests: small buffers, no retry delay, completions on the writer thread. */
    static RedoLogConfig config(final Path dir)
    {
        return new RedoLogConfig()
            .directory(dir)
            .ringCapacity(64 * 1024)
            .maxPayload(1024)
            .replayRetryDelay(Duration.ofMillis(0))
            .replayTimeout(Duration.ofMillis(10_000));
    }

    /** A configuration whose writer is driven by the test through {@code doWork()}. */
    static RedoLogConfig manualConfig(final Path dir)
    {
        return config(dir).writerThread(false).completionExecutor(Runnable::run);
    }

    static byte[] bytes(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(final byte[] b)
    {
        return new String(b, StandardCharsets.UTF_8);
    }

    static List<Path> segmentFiles(final Path dir) throws IOException
    {
        final List<Path> files = new ArrayList<>();
        try (var stream = Files.list(dir))
        {
            stream.filter((p) -> SegmentDescriptor.segmentIndex(p) > 0).sorted().forEach(files::add);
        }
        return files;
    }

    /** Start offsets of every complete record in a segment image, plus the end offset last. */
    static List<Integer> recordBoundaries(final byte[] segment)
    {
        final List<Integer> boundaries = new ArrayList<>();
        final RedoRecordFlyweight record = new RedoRecordFlyweight();
        final UnsafeBuffer buffer = new UnsafeBuffer(segment);
        int offset = SegmentDescriptor.HEADER_LENGTH;
        while (offset + RedoRecordDescriptor.HEADER_LENGTH <= segment.length)
        {
            boundaries.add(offset);
            offset += record.wrap(buffer, offset).length();
        }
        boundaries.add(offset);
        return boundaries;
    }

    static RedoRecordFlyweight recordAt(final byte[] segment, final int offset)
    {
        return new RedoRecordFlyweight().wrap(new UnsafeBuffer(segment), offset);
    }

    /**
     * The value of a future that must complete within 30 s: a {@code join()} that cannot hang. A
     * failed future throws {@link CompletionException} as {@code join()} does; a future still
     * pending after 30 s fails the test with an {@link AssertionError} naming it.
     */
    static <T> T joinWithin(final CompletableFuture<T> f)
    {
        try
        {
            return f.get(30, TimeUnit.SECONDS);
        }
        catch (final TimeoutException ex)
        {
            throw new AssertionError("future not completed within 30 s: " + f, ex);
        }
        catch (final ExecutionException ex)
        {
            throw new CompletionException(ex.getCause());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + f, ex);
        }
    }

    /** Drives a manual writer until it reports no work. */
    static void drain(final RedoLog log) throws Exception
    {
        while (log.doWriterWork() > 0)
        {
            Thread.onSpinWait();
        }
    }

    /** Storage that delegates to the real one and can be told to fail writes or syncs. */
    static final class FaultyStorage implements SegmentStorage
    {
        volatile boolean failSync;
        volatile long writeBudget = Long.MAX_VALUE;
        volatile int syncFailures;

        public SegmentChannel openReadWrite(final Path file, final boolean createNew) throws IOException
        {
            return new FaultyChannel(FileSegmentStorage.INSTANCE.openReadWrite(file, createNew));
        }

        public SegmentChannel openReadOnly(final Path file) throws IOException
        {
            return FileSegmentStorage.INSTANCE.openReadOnly(file);
        }

        public void syncDirectory(final Path directory) throws IOException
        {
            FileSegmentStorage.INSTANCE.syncDirectory(directory);
        }

        public void delete(final Path file) throws IOException
        {
            FileSegmentStorage.INSTANCE.delete(file);
        }

        final class FaultyChannel implements SegmentChannel
        {
            private final SegmentChannel delegate;

            FaultyChannel(final SegmentChannel delegate)
            {
                this.delegate = delegate;
            }

            public int write(final ByteBuffer src, final long position) throws IOException
            {
                final long budget = writeBudget;
                if (budget <= 0)
                {
                    throw new IOException("No space left on device");
                }
                if (src.remaining() > budget)
                {
                    // A partial write, as a disk filling up mid-batch produces.
                    final ByteBuffer part = src.duplicate();
                    part.limit(part.position() + (int)budget);
                    final int written = delegate.write(part, position);
                    src.position(src.position() + written);
                    writeBudget = 0;
                    return written;
                }
                final int written = delegate.write(src, position);
                writeBudget = budget - written;
                return written;
            }

            public int read(final ByteBuffer dst, final long position) throws IOException
            {
                return delegate.read(dst, position);
            }

            public void force() throws IOException
            {
                if (failSync)
                {
                    syncFailures++;
                    throw new IOException("Input/output error (injected fdatasync failure)");
                }
                delegate.force();
            }

            public long size() throws IOException
            {
                return delegate.size();
            }

            public void truncate(final long size) throws IOException
            {
                delegate.truncate(size);
            }

            public void close() throws IOException
            {
                delegate.close();
            }
        }
    }
}

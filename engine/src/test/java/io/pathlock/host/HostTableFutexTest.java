package io.pathlock.host;

import io.pathlock.nativeio.NativeLoader;
import io.pathlock.posix.Errno;
import io.pathlock.posix.JniPosix;
import io.pathlock.posix.Posix;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JNI futex on a shared file mapping, as the host table's wake stripes use it: value mismatch,
 * timeout, bad address, and a waiter on one mapping woken through ANOTHER mapping of the same file
 * (a private futex would never see that wake: different virtual addresses).
 */
class HostTableFutexTest
{
    private static final int ETIMEDOUT = 110;

    @TempDir
    Path dir;

    @Test
    void sharedFutexWakesAcrossTwoMappingsOfOneFile() throws Exception
    {
        Assumptions.assumeTrue(NativeLoader.isAvailable(), "no native library");
        final Posix posix = new JniPosix();
        assertTrue(posix.supportsFutex());
        final Path file = dir.resolve("words");
        MappedByteBuffer m1;
        MappedByteBuffer m2;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
        {
            raf.setLength(4096);
            m1 = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, 4096);
            m2 = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, 4096);
        }
        try
        {
            final UnsafeBuffer b1 = new UnsafeBuffer(m1);
            final UnsafeBuffer b2 = new UnsafeBuffer(m2);
            assertNotEquals(b1.addressOffset(), b2.addressOffset());
            b1.putIntVolatile(64, 7);
            assertEquals(7, b2.getIntVolatile(64));
            final long a1 = b1.addressOffset() + 64;
            final long a2 = b2.addressOffset() + 64;
            assertEquals(-Errno.EAGAIN, posix.futexWait(a1, 8, TimeUnit.SECONDS.toNanos(5)), "value differs");
            assertEquals(-ETIMEDOUT, posix.futexWait(a1, 7, TimeUnit.MILLISECONDS.toNanos(1)));
            assertEquals(-Errno.EINVAL, posix.futexWait(a1 + 1, 7, 1000), "unaligned");
            assertEquals(0, posix.futexWake(a2, Integer.MAX_VALUE), "nobody waits");

            final CompletableFuture<Integer> waiter = CompletableFuture.supplyAsync(
                () -> posix.futexWait(a1, 7, TimeUnit.SECONDS.toNanos(60)));
            // wake through the other mapping until the waiter is woken (no sleep to order the threads)
            int woken = 0;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (woken == 0 && !waiter.isDone() && System.nanoTime() < deadline)
            {
                woken = posix.futexWake(a2, 1);
                Thread.onSpinWait();
            }
            assertEquals(1, woken, "the waiter on mapping 1 was woken through mapping 2");
            assertEquals(0, waiter.get(60, TimeUnit.SECONDS));
        }
        finally
        {
            IoUtil.unmap(m1);
            IoUtil.unmap(m2);
        }
    }
}

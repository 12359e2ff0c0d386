package io.pathlock.file;

import io.pathlock.core.LockStoreException;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Fencing tokens shared by every process that uses one root: a 64-bit word W in a small
 * memory-mapped file ({@code R/.pathlock/fence}), incremented with one atomic add on the shared
 * mapping, so that a token costs nanoseconds and no system call. The word is accessed through a
 * {@link VarHandle} view of the mapped buffer (atomic on an aligned direct buffer): plain JDK, no
 * Unsafe and no JVM flag.
 *
 * <pre>
 *   fence file (4096 bytes, mapped shared)
 *   +-------------------------------+-------------------------------+-------- ... ---+
 *   | W: int64, native order        | MAGIC: int64                  | zero           |
 *   |  bits 63..40 epoch (24 bits)  |                               |                |
 *   |  bits 39..0  count            |                               |                |
 *   +-------------------------------+-------------------------------+-------- ... ---+
 *   0                               8                               16
 * </pre>
 *
 * <ol>
 *   <li>Token = {@code getAndAdd(W, 1) + 1}: strictly increasing across the threads and processes
 *   that share the mapping (the add is one locked instruction on shared memory).</li>
 *   <li>Opening bumps the epoch under a lock on the file: {@code W = (epoch(W) + 1) << 40} by CAS,
 *   then {@code msync}s the page before any token is handed out. Every token handed out so far is
 *   below the new W (fewer than 2^40 tokens per epoch), so the bump keeps tokens increasing.</li>
 *   <li>After a power loss the file may hold an older W, but never an epoch older than the last one
 *   synced, and every token handed out was below {@code (last synced epoch + 1) << 40}; the next
 *   open bumps past it, so no token ever repeats across restarts.</li>
 * </ol>
 *
 * <p>Public for the host-table store ({@code io.pathlock.host.HostLockStore}), which hands out the
 * root's tokens from the same file when it writes no lock files; a root's lock-file store and
 * host-table store therefore never repeat each other's tokens. Everything else stays internal.
 *
 * <p>Thread-safety: thread-safe.
 */
public final class FencingCounter implements AutoCloseable
{
    static final int FILE_SIZE = 4096;
    static final int WORD_OFFSET = 0;
    static final int MAGIC_OFFSET = 8;
    static final long MAGIC = 0x706c_6665_6e63_6531L; // "plfence1"
    static final int EPOCH_SHIFT = 40;

    /** One open at a time per JVM: {@code fcntl} locks are per process, a second lock would throw. */
    private static final Object OPEN_MONITOR = new Object();

    private final Path file;
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private final MappedByteBuffer mapped;
    private final long openedEpoch;

    private FencingCounter(final Path file, final MappedByteBuffer mapped, final long openedEpoch)
    {
        this.file = file;
        this.mapped = mapped;
        this.openedEpoch = openedEpoch;
    }

    /**
     * Opens (creating if needed, mode {@code 0600}) the fence file and bumps its epoch durably.
     *
     * @param file the fence file: {@code ROOT/.pathlock/fence} for the root's tokens (see
     *             {@link #fileOf(Path)}); its directory must exist.
     * @param sync whether to {@code msync} the bump (false only for benchmarks on throwaway roots).
     * @return the counter.
     * @throws LockStoreException if the file cannot be opened, locked, mapped or synced, or is not a
     *         fence file.
     */
    public static FencingCounter open(final Path file, final boolean sync)
    {
        return open(file, sync, 0600);
    }

    /**
     * Opens (creating if needed, with exactly {@code mode}, so that every user of a shared root can
     * write it) the fence file and bumps its epoch durably.
     *
     * @param file the fence file.
     * @param sync whether to sync the bumped epoch.
     * @param mode permission bits of a new file, not masked by the umask.
     * @return the counter.
     * @throws LockStoreException if the file cannot be used, naming it.
     */
    static FencingCounter open(final Path file, final boolean sync, final int mode)
    {
        try
        {
            java.nio.file.Files.createFile(file);
            java.nio.file.Files.setPosixFilePermissions(file, StoreContext.permissions(mode));
        }
        catch (final java.nio.file.FileAlreadyExistsException exists)
        {
            // Made by an earlier opener; its mode is what that opener chose.
        }
        catch (final java.io.IOException | UnsupportedOperationException e)
        {
            throw new LockStoreException("cannot create the fencing counter " + file + ": " + e, e);
        }
        synchronized (OPEN_MONITOR)
        {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
                FileLock lock = ch.lock())
            {
                assert lock.isValid();
                final boolean fresh = ch.size() < FILE_SIZE;
                final MappedByteBuffer mbb = ch.map(FileChannel.MapMode.READ_WRITE, 0, FILE_SIZE);
                final long magic = (long)LONGS.getVolatile(mbb, MAGIC_OFFSET);
                if (magic != MAGIC)
                {
                    if (magic != 0 || (long)LONGS.getVolatile(mbb, WORD_OFFSET) != 0)
                    {
                        throw new LockStoreException("fence file " + file + " is not a pathlock fence file " +
                            "(bad magic 0x" + Long.toHexString(magic) + "); move it away to start a new counter", null);
                    }
                    LONGS.setVolatile(mbb, MAGIC_OFFSET, MAGIC);
                }
                long epoch;
                for (;;)
                {
                    final long w = (long)LONGS.getVolatile(mbb, WORD_OFFSET);
                    epoch = (w >>> EPOCH_SHIFT) + 1;
                    if (epoch >= (1L << (63 - EPOCH_SHIFT)))
                    {
                        throw new LockStoreException("fencing counter " + file + " is exhausted: epoch " + epoch +
                            " would make tokens negative (every open of a store bumps it; 2^23 opens were made). " +
                            "Tokens cannot stay increasing: move the file away only once no holder's token matters", null);
                    }
                    if (LONGS.compareAndSet(mbb, WORD_OFFSET, w, epoch << EPOCH_SHIFT))
                    {
                        break;
                    }
                }
                if (sync)
                {
                    mbb.force();
                    if (fresh)
                    {
                        ch.force(true);
                    }
                }
                return new FencingCounter(file, mbb, epoch);
            }
            catch (final IOException | RuntimeException e)
            {
                if (e instanceof LockStoreException)
                {
                    throw (LockStoreException)e;
                }
                throw new LockStoreException("cannot open the fencing counter " + file + ": " + e +
                    (e instanceof java.nio.file.AccessDeniedException ? " (it belongs to another user: every user of a " +
                    "shared root must use file mode 640 (one group) or 644, which make it writable for them)" : ""), e);
            }
        }
    }

    /**
     * The fence file of a root, the one every store of the root shares.
     *
     * @param root the root directory (its real path).
     * @return {@code root/.pathlock/fence}.
     */
    public static Path fileOf(final Path root)
    {
        return root.resolve(LockLayout.RESERVED_DIR_NAME).resolve("fence");
    }

    /**
     * The next token.
     *
     * @return a value greater than every token handed out before, by any process, for this file.
     * @throws LockStoreException if the counter would overflow.
     */
    public long next()
    {
        final long t = (long)LONGS.getAndAdd(mapped, WORD_OFFSET, 1L) + 1L;
        if (t <= 0)
        {
            throw new LockStoreException("fencing counter " + file + " overflowed: tokens would no longer increase", null);
        }
        return t;
    }

    /**
     * The last token handed out (or the epoch base).
     *
     * @return W.
     */
    long current()
    {
        return (long)LONGS.getVolatile(mapped, WORD_OFFSET);
    }

    /**
     * The epoch this instance set when it opened.
     *
     * @return the epoch.
     */
    long openedEpoch()
    {
        return openedEpoch;
    }

    Path file()
    {
        return file;
    }

    /** Drops this instance's use of the mapping (tokens handed out stay valid). Idempotent. */
    @Override
    public void close()
    {
        // The mapping is released when the buffer is collected; nothing to flush (tokens need no
        // durability beyond the epoch, see invariant 3).
        mapped.isLoaded();
    }
}

package io.pathlock.host;

import io.pathlock.core.LockStoreException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kernel locks that say a slot's session is alive: {@code DIR/slot-k.lock}, locked by the
 * session for its whole life (and by a recoverer while it recovers the slot).
 *
 * <p>One mechanism for every process whatever its POSIX backend: {@link FileChannel#tryLock()}, a
 * POSIX {@code fcntl} record lock. {@code flock(2)} (JNI, jnr-posix) and {@code fcntl} locks never
 * conflict on Linux, so a process on the NIO backend and one on JNI would each take the other's
 * live slot for dead (found by host-spec's HostKernelLockSpecTest); every backend has
 * {@code fcntl} through the JDK. An {@code fcntl} lock is owned by the whole JVM and dropped when
 * <em>any</em> descriptor of the file in the process is closed, so a slot file held by this JVM
 * is never opened again: the per-JVM registry (keyed by the table file's real path) lists the
 * slots this JVM holds, and a slot in it is alive without any system call.
 *
 * <p>Thread-safety: thread-safe.
 */
final class SlotLocks
{
    private static final ConcurrentHashMap<String, Set<Integer>> HELD_IN_THIS_JVM = new ConcurrentHashMap<>();

    /** One held kernel lock. */
    static final class Held
    {
        final int slot;
        private final FileChannel channel;
        private final FileLock lock;
        private boolean released;

        Held(final int slot, final FileChannel channel, final FileLock lock)
        {
            this.slot = slot;
            this.channel = channel;
            this.lock = lock;
        }
    }

    private final Path dir;
    private final Set<Integer> held;

    SlotLocks(final Path dir, final String tableKey)
    {
        this.dir = dir;
        this.held = HELD_IN_THIS_JVM.computeIfAbsent(tableKey, k -> ConcurrentHashMap.newKeySet());
    }

    Path file(final int slot)
    {
        return dir.resolve("slot-" + slot + ".lock");
    }

    /**
     * Whether a session of this JVM (or a recoverer of this JVM) holds the slot's kernel lock.
     */
    boolean heldInThisJvm(final int slot)
    {
        return held.contains(slot);
    }

    /**
     * Takes the slot's kernel lock without waiting.
     *
     * @return the lock, or null when someone (this JVM included) holds it.
     */
    Held tryLock(final int slot)
    {
        if (!held.add(slot))
        {
            return null;
        }
        boolean ok = false;
        try
        {
            final FileChannel ch = FileChannel.open(file(slot), StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE);
            FileLock lock;
            try
            {
                lock = ch.tryLock();
            }
            catch (final OverlappingFileLockException e)
            {
                lock = null;
            }
            if (lock == null)
            {
                ch.close();
                return null;
            }
            ok = true;
            return new Held(slot, ch, lock);
        }
        catch (final IOException e)
        {
            throw new LockStoreException("cannot lock host slot file " + file(slot) + ": " + e, e);
        }
        finally
        {
            if (!ok)
            {
                held.remove(slot);
            }
        }
    }

    /**
     * Whether the slot's session is alive: held by this JVM, or its kernel lock is taken elsewhere.
     * A probe that takes the lock drops it at once.
     */
    boolean isAlive(final int slot)
    {
        if (held.contains(slot))
        {
            return true;
        }
        final Held h = tryLock(slot);
        if (h == null)
        {
            return true;
        }
        release(h);
        return false;
    }

    /** Releases a kernel lock (idempotent). */
    void release(final Held h)
    {
        synchronized (h)
        {
            if (h.released)
            {
                return;
            }
            h.released = true;
        }
        try
        {
            try
            {
                h.lock.release();
            }
            finally
            {
                h.channel.close();
            }
        }
        catch (final IOException e)
        {
            // the descriptor is gone either way, and the kernel lock with it
        }
        finally
        {
            held.remove(h.slot);
        }
    }
}

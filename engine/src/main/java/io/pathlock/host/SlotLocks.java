package io.pathlock.host;

import io.pathlock.core.LockStoreException;
import io.pathlock.posix.Errno;
import io.pathlock.posix.Posix;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kernel locks that say a slot's session is alive: {@code DIR/slot-k.lock}, locked by the
 * session for its whole life (and by a recoverer while it recovers the slot).
 *
 * <p>Two mechanisms: real {@code flock(2)} through the {@link Posix} backend when it has it (the
 * lock belongs to the open file description), else {@link FileChannel#tryLock()}, a POSIX
 * {@code fcntl} lock owned by the whole JVM and dropped when <em>any</em> descriptor of the file in
 * the process is closed. For the second, a slot file held by this JVM must never be opened again:
 * the per-JVM registry (keyed by the table file's real path) lists the slots this JVM holds, and a
 * slot in it is alive without any system call. The registry is used with both mechanisms.
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
        private final int fd;
        private final FileChannel channel;
        private final FileLock lock;
        private boolean released;

        Held(final int slot, final int fd, final FileChannel channel, final FileLock lock)
        {
            this.slot = slot;
            this.fd = fd;
            this.channel = channel;
            this.lock = lock;
        }
    }

    private final Path dir;
    private final Posix posix;
    private final Set<Integer> held;

    SlotLocks(final Path dir, final String tableKey, final Posix posix)
    {
        this.dir = dir;
        this.posix = posix != null && posix.supportsFlock() && posix.hasRealFileDescriptors() ? posix : null;
        this.held = HELD_IN_THIS_JVM.computeIfAbsent(tableKey, k -> ConcurrentHashMap.newKeySet());
    }

    /**
     * Which mechanism is in use.
     *
     * @return {@code flock} or {@code fcntl}.
     */
    String mechanism()
    {
        return posix != null ? "flock" : "fcntl";
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
            final Path file = file(slot);
            final Held h;
            if (posix != null)
            {
                int fd = posix.openRead(file);
                if (fd == -Errno.ENOENT)
                {
                    try
                    {
                        Files.createFile(file);
                    }
                    catch (final FileAlreadyExistsException ignored)
                    {
                        // created by someone else meanwhile
                    }
                    fd = posix.openRead(file);
                }
                if (fd < 0)
                {
                    throw new LockStoreException("cannot open host slot lock file " + file + ": errno " + -fd, null);
                }
                final int rc = posix.flock(fd, Posix.LOCK_EX | Posix.LOCK_NB);
                if (rc < 0)
                {
                    posix.close(fd);
                    return null;
                }
                h = new Held(slot, fd, null, null);
            }
            else
            {
                final FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.CREATE);
                FileLock lock = null;
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
                h = new Held(slot, -1, ch, lock);
            }
            ok = true;
            return h;
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
            if (h.channel != null)
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
            else
            {
                posix.close(h.fd);
            }
        }
        catch (final IOException e)
        {
            // the descriptor is gone either way; the kernel lock with it
        }
        finally
        {
            held.remove(h.slot);
        }
    }
}

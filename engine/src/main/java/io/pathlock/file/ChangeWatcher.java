package io.pathlock.file;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One file-system watcher per store: a {@link WatchService} (inotify on Linux) on the directories
 * that hold lock files someone waits for, and one daemon thread that completes the waiters'
 * futures when an entry of such a directory is created or deleted. A directory is watched only while
 * someone waits on it.
 *
 * <p>Notification is an accelerator, never the only way out: a holder killed with {@code -9} leaves
 * its file behind (no event), so waiters always also poll with a bounded backoff
 * ({@link FileLockStore#awaitChange}). When no watch service is available, {@link #subscribe}
 * returns null and waiters only poll.
 *
 * <p>Thread-safety: thread-safe; subscription bookkeeping is guarded by this object's monitor.
 */
final class ChangeWatcher implements AutoCloseable
{
    private static final class DirWatch
    {
        final WatchKey key;
        final List<CompletableFuture<Void>> waiters = new ArrayList<>(2);

        DirWatch(final WatchKey key)
        {
            this.key = key;
        }
    }

    private final WatchService service;
    private final String unavailableReason;
    private final Map<Path, DirWatch> dirs = new HashMap<>();
    private final Map<WatchKey, Path> byKey = new HashMap<>();
    private final Thread thread;
    private volatile boolean closed;

    ChangeWatcher(final String name)
    {
        WatchService ws = null;
        String reason = null;
        try
        {
            ws = FileSystems.getDefault().newWatchService();
        }
        catch (final IOException | UnsupportedOperationException e)
        {
            reason = e.toString();
            FileLockStore.LOG.log(System.Logger.Level.WARNING, "pathlock: no file-system notification ({0}): waiters "
                + "for other processes'' locks fall back to polling with backoff", reason);
        }
        this.service = ws;
        this.unavailableReason = reason;
        if (ws != null)
        {
            thread = new Thread(this::run, name);
            thread.setDaemon(true);
            thread.start();
        }
        else
        {
            thread = null;
        }
    }

    /**
     * Whether notifications are available.
     *
     * @return true when a watch service runs.
     */
    boolean isAvailable()
    {
        return service != null;
    }

    /**
     * Why notifications are unavailable.
     *
     * @return the reason, or null.
     */
    String unavailableReason()
    {
        return unavailableReason;
    }

    /**
     * A future completed on the next creation or deletion of an entry of {@code dir} (or when the
     * watch breaks). Cancel or complete it when no longer interested, then call
     * {@link #unsubscribe}.
     *
     * @param dir the directory.
     * @return the future, or null when the directory cannot be watched (poll instead).
     */
    CompletableFuture<Void> subscribe(final Path dir)
    {
        if (service == null || closed)
        {
            return null;
        }
        final CompletableFuture<Void> f = new CompletableFuture<>();
        synchronized (this)
        {
            DirWatch w = dirs.get(dir);
            if (w == null)
            {
                final WatchKey key;
                try
                {
                    key = dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE);
                }
                catch (final IOException | RuntimeException e)
                {
                    // The caller falls back to polling with backoff for this wait.
                    FileLockStore.LOG.log(System.Logger.Level.DEBUG, "pathlock: cannot watch {0} ({1}); polling", dir, e);
                    return null;
                }
                w = new DirWatch(key);
                dirs.put(dir, w);
                byKey.put(key, dir);
            }
            w.waiters.add(f);
        }
        return f;
    }

    /**
     * Forgets a subscription; stops watching the directory when nobody else waits on it.
     *
     * @param dir the directory given to {@link #subscribe}.
     * @param f   the future it returned (null is ignored).
     */
    void unsubscribe(final Path dir, final CompletableFuture<Void> f)
    {
        if (f == null)
        {
            return;
        }
        synchronized (this)
        {
            final DirWatch w = dirs.get(dir);
            if (w == null)
            {
                return;
            }
            w.waiters.remove(f);
            if (w.waiters.isEmpty())
            {
                dirs.remove(dir);
                byKey.remove(w.key);
                w.key.cancel();
            }
        }
    }

    /**
     * How many directories are watched now (for tests).
     *
     * @return the count.
     */
    synchronized int watchedDirectories()
    {
        return dirs.size();
    }

    private void run()
    {
        final List<CompletableFuture<Void>> wake = new ArrayList<>();
        while (!closed)
        {
            final WatchKey key;
            try
            {
                key = service.take();
            }
            catch (final InterruptedException | ClosedWatchServiceException e)
            {
                break;
            }
            key.pollEvents();
            final boolean valid = key.reset();
            synchronized (this)
            {
                final Path dir = byKey.get(key);
                final DirWatch w = dir == null ? null : dirs.get(dir);
                if (w != null)
                {
                    wake.addAll(w.waiters);
                    w.waiters.clear();
                    if (!valid)
                    {
                        dirs.remove(dir);
                        byKey.remove(key);
                    }
                }
            }
            for (final CompletableFuture<Void> f : wake)
            {
                f.complete(null);
            }
            wake.clear();
        }
    }

    @Override
    public void close()
    {
        closed = true;
        final List<CompletableFuture<Void>> wake = new ArrayList<>();
        synchronized (this)
        {
            for (final DirWatch w : dirs.values())
            {
                wake.addAll(w.waiters);
            }
            dirs.clear();
            byKey.clear();
        }
        if (service != null)
        {
            try
            {
                service.close();
            }
            catch (final IOException ignore)
            {
                // Closing the inotify descriptor cannot fail in a way worth reporting.
            }
        }
        for (final CompletableFuture<Void> f : wake)
        {
            f.complete(null);
        }
    }
}

package io.pathlock.file;

import io.pathlock.posix.Posix;
import io.pathlock.posix.PosixBackend;
import io.pathlock.posix.PosixStat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * A real backend with hooks between calls, to force one interleaving of the lock-file protocol
 * deterministically (no timing): a test arms a hook that runs right before a given call on a given
 * name, once. Every call is passed to the real backend.
 */
class InterposedPosix implements Posix
{
    /** Which call a hook precedes. */
    enum Call
    {
        FSTAT_AT, LINK_AT, UNLINK_AT, OPEN_READ_AT, FLOCK, FSTAT, RENAME_AT
    }

    private volatile int failNextFstat;

    /** Makes the next {@code fstat} fail with {@code -errno} without calling the real one. */
    void failNextFstat(final int errno)
    {
        failNextFstat = errno;
    }

    private final Posix real;
    private volatile Call armedCall;
    private volatile String armedName;
    private volatile Runnable armedHook;

    InterposedPosix(final Posix real)
    {
        this.real = real;
    }

    /**
     * Runs {@code hook} once, right before the next {@code call} whose name is {@code name} (any
     * name when null).
     */
    void before(final Call call, final String name, final Runnable hook)
    {
        armedName = name;
        armedHook = hook;
        armedCall = call;
    }

    boolean fired()
    {
        return armedCall == null;
    }

    private void at(final Call call, final byte[] name)
    {
        final Call c = armedCall;
        if (c != call)
        {
            return;
        }
        final String n = armedName;
        if (n != null && (name == null || !n.equals(new String(name, StandardCharsets.UTF_8))))
        {
            return;
        }
        final Runnable h;
        synchronized (this)
        {
            if (armedCall != call)
            {
                return;
            }
            h = armedHook;
            armedCall = null;
            armedHook = null;
        }
        h.run();
    }

    @Override
    public PosixBackend backend()
    {
        return real.backend();
    }

    @Override
    public boolean supportsFlock()
    {
        return real.supportsFlock();
    }

    @Override
    public boolean hasRealFileDescriptors()
    {
        return real.hasRealFileDescriptors();
    }

    @Override
    public int createExclusive(final Path path, final byte[] content, final int length, final int mode, final int flags)
    {
        return real.createExclusive(path, content, length, mode, flags);
    }

    @Override
    public int openRead(final Path path)
    {
        return real.openRead(path);
    }

    @Override
    public int readFile(final Path path, final byte[] dst)
    {
        return real.readFile(path, dst);
    }

    @Override
    public int preadAll(final int fd, final byte[] dst)
    {
        return real.preadAll(fd, dst);
    }

    @Override
    public int stat(final Path path, final PosixStat out)
    {
        return real.stat(path, out);
    }

    @Override
    public int lstat(final Path path, final PosixStat out)
    {
        return real.lstat(path, out);
    }

    @Override
    public int fstat(final int fd, final PosixStat out)
    {
        at(Call.FSTAT, null);
        final int fail = failNextFstat;
        if (fail != 0)
        {
            failNextFstat = 0;
            return -fail;
        }
        return real.fstat(fd, out);
    }

    @Override
    public int link(final Path existing, final Path newPath)
    {
        return real.link(existing, newPath);
    }

    @Override
    public int rename(final Path from, final Path to)
    {
        return real.rename(from, to);
    }

    @Override
    public int unlink(final Path path)
    {
        return real.unlink(path);
    }

    @Override
    public int mkdir(final Path path, final int mode)
    {
        return real.mkdir(path, mode);
    }

    @Override
    public int flock(final int fd, final int operation)
    {
        at(Call.FLOCK, null);
        return real.flock(fd, operation);
    }

    @Override
    public int fsync(final int fd)
    {
        return real.fsync(fd);
    }

    @Override
    public int fdatasync(final int fd)
    {
        return real.fdatasync(fd);
    }

    @Override
    public int fsyncDirectory(final Path dir)
    {
        return real.fsyncDirectory(dir);
    }

    @Override
    public int close(final int fd)
    {
        return real.close(fd);
    }

    @Override
    public int getpid()
    {
        return real.getpid();
    }

    @Override
    public int findFiles(final Path start, final String fileName, final String skipDirName, final List<Path> out)
    {
        return real.findFiles(start, fileName, skipDirName, out);
    }

    @Override
    public int openDirectory(final Path dir)
    {
        return real.openDirectory(dir);
    }

    @Override
    public int openDirAt(final int dirFd, final byte[] name)
    {
        return real.openDirAt(dirFd, name);
    }

    @Override
    public int fstatAt(final int dirFd, final byte[] name, final PosixStat out)
    {
        at(Call.FSTAT_AT, name);
        return real.fstatAt(dirFd, name, out);
    }

    @Override
    public int openReadAt(final int dirFd, final byte[] name, final PosixStat out)
    {
        at(Call.OPEN_READ_AT, name);
        return real.openReadAt(dirFd, name, out);
    }

    @Override
    public int createExclusiveAt(final int dirFd, final byte[] name, final byte[] content, final int length,
        final int mode, final int flags)
    {
        return real.createExclusiveAt(dirFd, name, content, length, mode, flags);
    }

    @Override
    public int linkAt(final int oldDirFd, final byte[] oldName, final int newDirFd, final byte[] newName)
    {
        at(Call.LINK_AT, newName);
        return real.linkAt(oldDirFd, oldName, newDirFd, newName);
    }

    @Override
    public int renameAt(final int oldDirFd, final byte[] oldName, final int newDirFd, final byte[] newName)
    {
        at(Call.RENAME_AT, newName);
        return real.renameAt(oldDirFd, oldName, newDirFd, newName);
    }

    @Override
    public int unlinkAt(final int dirFd, final byte[] name)
    {
        at(Call.UNLINK_AT, name);
        return real.unlinkAt(dirFd, name);
    }

    @Override
    public int mkdirAt(final int dirFd, final byte[] name, final int mode)
    {
        return real.mkdirAt(dirFd, name, mode);
    }

    @Override
    public int walkAt(final int dirFd, final byte[][] suffixes, final byte[][] prefixes, final byte[] skipDirName,
        final WalkVisitor visitor)
    {
        return real.walkAt(dirFd, suffixes, prefixes, skipDirName, visitor);
    }
}

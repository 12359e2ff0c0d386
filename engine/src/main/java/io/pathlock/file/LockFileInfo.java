package io.pathlock.file;

import io.pathlock.core.LockType;

import java.nio.file.Path;

/**
 * One lock file as {@link FileLockStore#status()} and {@link FileLockStore#breakLock} report it.
 * Immutable.
 *
 * @param lockPath  the lock path it stands for, such as {@code /a/b}.
 * @param file      the lock file.
 * @param type      the lock type, or null when unparseable.
 * @param ownerId   the whole owner id, or null when unparseable.
 * @param ageNanos  now minus the token's time, or -1 when unknown.
 * @param state     alive, stale, foreign or unparseable.
 * @param pid       the holder's process id for tokens of this engine, else -1.
 * @param detail    a short explanation (why stale, why unparseable).
 */
public record LockFileInfo(
    String lockPath,
    Path file,
    LockType type,
    String ownerId,
    long ageNanos,
    LockFileState state,
    long pid,
    String detail)
{
}

package io.pathlock.file;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockType;

import java.nio.file.Path;
import java.util.List;

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
 * @param mode      {@link LockMode#SHARED} for a shared group's file, else {@link LockMode#EXCLUSIVE}
 *                  (every foreign or unparseable file: OpenViking has no shared mode); null when
 *                  unparseable.
 * @param members   a shared group's member records (one per shared holder), else empty.
 */
public record LockFileInfo(
    String lockPath,
    Path file,
    LockType type,
    String ownerId,
    long ageNanos,
    LockFileState state,
    long pid,
    String detail,
    LockMode mode,
    List<Member> members)
{
    /**
     * A lock file that is not a shared group's: mode exclusive when its type is known, no members.
     *
     * @param lockPath  the lock path.
     * @param file      the lock file.
     * @param type      the lock type, or null when unparseable.
     * @param ownerId   the owner id, or null when unparseable.
     * @param ageNanos  the token's age, or -1.
     * @param state     the state.
     * @param pid       the holder's process id, or -1.
     * @param detail    a short explanation.
     */
    public LockFileInfo(final String lockPath, final Path file, final LockType type, final String ownerId,
        final long ageNanos, final LockFileState state, final long pid, final String detail)
    {
        this(lockPath, file, type, ownerId, ageNanos, state, pid, detail, type == null ? null : LockMode.EXCLUSIVE, List.of());
    }

    /**
     * Validates and copies the members.
     *
     * @param lockPath  the lock path.
     * @param file      the lock file.
     * @param type      the lock type, or null when unparseable.
     * @param ownerId   the owner id, or null when unparseable.
     * @param ageNanos  the token's age, or -1.
     * @param state     the state.
     * @param pid       the holder's process id, or -1.
     * @param detail    a short explanation.
     * @param mode      the mode, or null when unparseable.
     * @param members   the members (null means none).
     */
    public LockFileInfo
    {
        members = members == null ? List.of() : List.copyOf(members);
    }

    /**
     * One member record of a shared group: one shared holder. Immutable.
     *
     * @param ownerId  the member's owner id as written ({@code pl1|pid|host|nonce|handleOwnerId}), or null
     *                 when the record cannot be parsed.
     * @param type     the member's lock type, or null when unparseable.
     * @param pid      the member's process id, or -1.
     * @param ageNanos the record's age, or -1.
     * @param state    alive, stale (its holder died: reaped by the next process under the guard), or
     *                 unparseable (held: the group is kept).
     * @param file     the member record.
     * @param detail   a short explanation.
     */
    public record Member(String ownerId, LockType type, long pid, long ageNanos, LockFileState state, Path file,
        String detail)
    {
    }
}

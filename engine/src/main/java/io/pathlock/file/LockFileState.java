package io.pathlock.file;

/**
 * What {@link FileLockStore#status()} found a lock file to be.
 */
public enum LockFileState
{
    /**
     * Written by a holder of this engine that is alive: its {@code flock} is held (or, for a holder on
     * a backend without {@code flock}, its token is younger than {@code lock_expire}).
     */
    ALIVE,
    /** Its holder died (the {@code flock} is free) or its token is older than {@code lock_expire}. */
    STALE,
    /**
     * No liveness to probe (another program, or this engine on a backend without {@code flock}):
     * held until older than {@code lock_expire}.
     */
    FOREIGN,
    /** Empty, garbage, too long or unreadable: treated as held (fail closed); only {@code break --force} removes it. */
    UNPARSEABLE
}

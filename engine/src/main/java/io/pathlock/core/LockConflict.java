package io.pathlock.core;

import java.util.concurrent.TimeUnit;

/**
 * Why a lock was refused: the blocking path, the holder and its lock type, how long it has held it,
 * and in what state the holder is. Immutable.
 *
 * @param path the path where the conflict was found (the requested path, an ancestor, or a
 *        descendant).
 * @param reason the kind of conflict.
 * @param holderOwnerId the holder's owner id, or null when unknown.
 * @param holderType the holder's lock type, or null when unknown.
 * @param heldForNanos how long the holder has held it, or -1 when unknown.
 * @param source which store reported it ({@code "memory"} for this process's lock table).
 * @param holderMode the holder's lock mode, or null when unknown (a foreign lock: OpenViking has
 *        only exclusive locks, but a reader of its file cannot tell a pathlock shared group's file).
 */
public record LockConflict(
    String path,
    Reason reason,
    String holderOwnerId,
    LockType holderType,
    long heldForNanos,
    String source,
    LockMode holderMode)
{
    /**
     * A conflict with an exclusive holder, or with a holder of unknown mode when the type is unknown.
     *
     * @param path the path where the conflict was found.
     * @param reason the kind of conflict.
     * @param holderOwnerId the holder's owner id, or null.
     * @param holderType the holder's lock type, or null.
     * @param heldForNanos how long it has been held, or -1.
     * @param source which store reported it.
     */
    public LockConflict(final String path, final Reason reason, final String holderOwnerId, final LockType holderType,
        final long heldForNanos, final String source)
    {
        this(path, reason, holderOwnerId, holderType, heldForNanos, source, holderType == null ? null : LockMode.EXCLUSIVE);
    }

    /** The kind of conflict. */
    public enum Reason
    {
        /** A live holder has a conflicting lock on {@code path}. */
        HELD,
        /** Live holders have locks below {@code path} (a SUBTREE request). */
        HELD_BELOW,
        /** A SUBTREE waiter has priority on {@code path} (anti-starvation). */
        PENDING,
        /** A lock left by a dead or expired holder that could not be reclaimed yet. */
        STALE,
        /** A lock written by another program (no liveness information), not expired yet. */
        FOREIGN,
        /** A lock file whose content cannot be parsed: treated as held (fail closed). */
        UNPARSEABLE
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder();
        sb.append(path).append(' ');
        switch (reason)
        {
            case HELD_BELOW:
                sb.append("has locks held below it");
                break;
            case PENDING:
                sb.append("has a SUBTREE waiter queued first");
                break;
            case UNPARSEABLE:
                sb.append("has an unparseable lock (treated as held)");
                break;
            default:
                sb.append("is ").append(reason == Reason.HELD ? "held" : reason.name().toLowerCase(java.util.Locale.ROOT)
                    + " lock held");
                break;
        }
        if (holderOwnerId != null || holderType != null)
        {
            sb.append(" by ").append(holderOwnerId == null ? "unknown owner" : "'" + holderOwnerId + "'");
            if (holderType != null)
            {
                sb.append(" (").append(holderType);
                if (holderMode == LockMode.SHARED)
                {
                    sb.append("-SHARED");
                }
                if (heldForNanos >= 0)
                {
                    sb.append(", held for ").append(TimeUnit.NANOSECONDS.toMillis(heldForNanos)).append(" ms");
                }
                sb.append(')');
            }
        }
        sb.append(" [").append(source).append(']');
        return sb.toString();
    }
}

package io.pathlock.table;

/**
 * Why the lock table refused a lock.
 */
public enum ConflictKind
{
    /** A POINT lock is held on the blocking node. */
    HELD_POINT,
    /** A SUBTREE lock is held on the blocking node (the requested path or an ancestor). */
    HELD_SUBTREE,
    /** Locks are held below the requested SUBTREE path. */
    HELD_BELOW,
    /** A SUBTREE waiter is queued on the blocking node and has priority (no barging). */
    PENDING_SUBTREE
}

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
    /** POINT-SHARED locks are held on the blocking node (the requested path). */
    HELD_POINT_SHARED,
    /** A SUBTREE-SHARED lock is held on the blocking node (the requested path or an ancestor). */
    HELD_SUBTREE_SHARED,
    /** Locks are held below the requested SUBTREE path. */
    HELD_BELOW,
    /** A waiter has placed a pending mark on the blocking node and has priority (no barging). */
    PENDING_SUBTREE
}

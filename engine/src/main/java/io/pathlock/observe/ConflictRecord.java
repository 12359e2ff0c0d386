package io.pathlock.observe;

import io.pathlock.core.LockConflict;

/**
 * One refused request, as {@link LockSnapshot#recentConflicts()} lists it.
 *
 * @param atNanos when, on the manager's monotonic clock ({@link LockSnapshot#at(long)} converts it
 *        to wall-clock time).
 * @param ownerId the refused handle's owner id.
 * @param request the refused request.
 * @param conflict what refused it.
 */
public record ConflictRecord(long atNanos, String ownerId, String request, LockConflict conflict)
{
}

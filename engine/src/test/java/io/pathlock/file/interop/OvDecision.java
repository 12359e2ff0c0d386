package io.pathlock.file.interop;

import java.util.List;

/**
 * What one acquisition attempt of a dialect would decide, computed without writing anything.
 *
 * @param granted      true if the dialect would create (or keep, when reentrant) its lock without waiting
 * @param blocker      the file that stops it ({@code HELD} or {@code INVALID}); null when granted, and
 *                     null when the request fails for a reason that is not a lock file (missing
 *                     directory, a directory that cannot be created)
 * @param staleRemoved the files the attempt would delete on its way, in order
 * @param why          the rule of the source that decided
 */
public record OvDecision(boolean granted, OvFileJudgement blocker, List<OvFileJudgement> staleRemoved, String why)
{
    /** Copies the list so a decision cannot change after it is made. */
    public OvDecision
    {
        staleRemoved = List.copyOf(staleRemoved);
    }
}

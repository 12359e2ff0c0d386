package io.pathlock.observe;

/**
 * The counters of one lock manager, as {@link LockSnapshot#counters()} gives them.
 *
 * @param grants batches granted (reentrant no-ops excluded).
 * @param releases handles released with locks.
 * @param busy tryAcquire refusals.
 * @param waits acquisitions that had to wait at least once.
 * @param timeouts acquisitions that timed out.
 * @param conflicts conflicts seen (each refused attempt).
 * @param collected handles collected for inactivity.
 * @param lost handles that learned they lost their locks (collected, or lost in the store).
 * @param backgroundErrors failures in background work (agent, heartbeats, listeners), each also logged.
 */
public record LockCounters(long grants, long releases, long busy, long waits, long timeouts, long conflicts,
    long collected, long lost, long backgroundErrors)
{
}

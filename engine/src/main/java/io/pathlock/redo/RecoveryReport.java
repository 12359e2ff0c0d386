package io.pathlock.redo;

import java.util.List;

/**
 * Outcome of one recovery pass: which tasks were replayed, quarantined, or left pending because no
 * handler is registered for their type. Immutable.
 */
public final class RecoveryReport
{
    private final List<Long> replayed;
    private final List<RedoTaskInfo> quarantined;
    private final List<RedoTaskInfo> unhandled;
    private final long failedAttempts;

    RecoveryReport(
        final List<Long> replayed,
        final List<RedoTaskInfo> quarantined,
        final List<RedoTaskInfo> unhandled,
        final long failedAttempts)
    {
        this.replayed = List.copyOf(replayed);
        this.quarantined = List.copyOf(quarantined);
        this.unhandled = List.copyOf(unhandled);
        this.failedAttempts = failedAttempts;
    }

    /**
     * @return ids of the tasks replayed successfully and marked done, in replay order.
     */
    public List<Long> replayed()
    {
        return replayed;
    }

    /**
     * @return tasks quarantined in this pass or earlier (still in the log, not replayed).
     */
    public List<RedoTaskInfo> quarantined()
    {
        return quarantined;
    }

    /**
     * @return tasks left pending because no handler is registered for their type.
     */
    public List<RedoTaskInfo> unhandled()
    {
        return unhandled;
    }

    /**
     * @return failed attempts (errors and timeouts) in this pass.
     */
    public long failedAttempts()
    {
        return failedAttempts;
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "RecoveryReport{replayed=" + replayed.size() + ", quarantined=" + quarantined.size() +
            ", unhandled=" + unhandled.size() + ", failedAttempts=" + failedAttempts + "}";
    }
}

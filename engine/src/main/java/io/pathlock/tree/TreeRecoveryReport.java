package io.pathlock.tree;

import java.util.List;

/**
 * What the recovery of tree operations did after a crash.
 *
 * @param operations every interrupted plan found, in task-id order, with its outcome.
 */
public record TreeRecoveryReport(List<Recovered> operations)
{
    /** How an interrupted plan was recovered. */
    public enum Outcome
    {
        /** The plan had committed: its remaining steps were done; the operation is complete. */
        ROLLED_FORWARD,
        /** The plan had not committed: its temporaries were removed; the operation never happened. */
        ROLLED_BACK,
        /** The plan could not be recovered (its redo task was quarantined); {@code detail} says why. */
        FAILED
    }

    /**
     * One recovered plan.
     *
     * @param taskId    the plan's redo task id.
     * @param operation the operation, e.g. {@code move /a -> /b (copy)}.
     * @param outcome   rolled forward, rolled back, or failed.
     * @param detail    what recovery did (the steps it redid or the temporaries it removed), or why it failed.
     */
    public record Recovered(long taskId, String operation, Outcome outcome, String detail)
    {
    }

    /**
     * @param operations the recovered plans (copied).
     */
    public TreeRecoveryReport
    {
        operations = List.copyOf(operations);
    }
}

package io.pathlock.tree;

import java.util.Map;

/**
 * What a successful tree operation (or batch) did: the fencing tokens of its grant.
 *
 * @param tokens the fencing token of each lock path the operation held, in the order the lock API
 *               reports them (conflicting grants have increasing tokens on the paths they share).
 * @param token  the largest of {@code tokens}.
 * @param taskId the redo task id of the operation's plan, or -1 if it needed none.
 */
public record TreeResult(Map<String, Long> tokens, long token, long taskId)
{
    /**
     * @param tokens the fencing token of each lock path (copied).
     * @param token  the largest token.
     * @param taskId the plan's redo task id, or -1.
     */
    public TreeResult
    {
        tokens = Map.copyOf(tokens);
    }
}

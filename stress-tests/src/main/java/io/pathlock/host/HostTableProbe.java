package io.pathlock.host;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Read access to the host table's package-private diagnostics, for the chaos runner's final check
 * only. It lives in the engine's package (a split package on the class path, as
 * {@code io.pathlock.table.TableProbe} does) so that the engine needs no public test hook. It only
 * reads; call it when no session of the table is working (after every worker exited).
 */
public final class HostTableProbe
{
    private HostTableProbe()
    {
    }

    /**
     * Every live node with a non-zero count of any kind (holds, intents, pending marks).
     *
     * @param table a quiescent table.
     * @return one line per such node, {@code PATH KIND=N ...}; empty when every node is idle.
     */
    public static List<String> nodesWithCounts(final HostTable table)
    {
        final List<String> out = new ArrayList<>();
        for (final Map.Entry<String, long[]> e : table.nodeCounts().entrySet())
        {
            final StringBuilder b = new StringBuilder(e.getKey());
            final long[] c = e.getValue();
            for (int k = 0; k < HostLayout.KINDS; k++)
            {
                if (c[k] != 0)
                {
                    b.append(' ').append(HostLayout.KIND_NAMES[k]).append('=').append(c[k]);
                }
            }
            out.add(b.toString());
        }
        return out;
    }

    /**
     * The table's own consistency check: node counts equal the sums of the sessions' records, child
     * counts match, no micro lock owned, no undo log open, free list and DEAD nodes agree.
     *
     * @param table a quiescent table.
     * @return the problems; empty when consistent.
     */
    public static List<String> consistencyProblems(final HostTable table)
    {
        return table.checkConsistency();
    }
}

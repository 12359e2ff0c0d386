package io.pathlock.table;

import io.pathlock.core.LockPath;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Read and set-up access to the lock table's package-private node state, for the stress tests only.
 *
 * <p>It lives in the engine's package (a split package on the class path; the engine is not a named
 * module) so that the engine needs no test hook. Nothing here changes how the table behaves:
 * {@link #inflate} does exactly what the table does after a lost raise CAS (cells first, then the
 * INFLATED bit by CAS), and every other method only reads.
 *
 * <p>Thread-safety: the readers give snapshots; call them from a jcstress arbiter or state
 * constructor, when no actor runs.
 */
public final class TableProbe
{
    private TableProbe()
    {
    }

    /**
     * Inflates a node as a contended raise would (LockTable invariant 1, Dekker handshake): from
     * now on raises and lowers go to its striped cells.
     *
     * @param node a live node.
     */
    public static void inflate(final TrieNode node)
    {
        node.inflateCells();
        for (;;)
        {
            final long s = node.stateVolatile();
            if ((s & (TrieNode.INFLATED | TrieNode.DEAD)) != 0 || node.compareAndSetState(s, s | TrieNode.INFLATED))
            {
                return;
            }
        }
    }

    /**
     * Whether the node's intention count lives in cells.
     *
     * @param node the node.
     * @return true if inflated.
     */
    public static boolean isInflated(final TrieNode node)
    {
        return (node.stateVolatile() & TrieNode.INFLATED) != 0;
    }

    /**
     * Whether the node has been unlinked by reclamation (invariant 4: DEAD is final).
     *
     * @param node the node.
     * @return true if dead.
     */
    public static boolean isDead(final TrieNode node)
    {
        return (node.stateVolatile() & TrieNode.DEAD) != 0;
    }

    /**
     * The lock held on the node itself.
     *
     * @param node the node.
     * @return 0 none, 1 POINT, 2 SUBTREE.
     */
    public static int hold(final TrieNode node)
    {
        return (int)TrieNode.hold(node.stateVolatile());
    }

    /**
     * The node's parent.
     *
     * @param node the node.
     * @return the parent, or null for the root.
     */
    public static TrieNode parent(final TrieNode node)
    {
        return node.parent;
    }

    /**
     * Finds the linked node of a path without creating anything.
     *
     * @param table the table.
     * @param path the path.
     * @return the node linked at that path now, or null if some segment has no node.
     */
    public static TrieNode lookup(final LockTable table, final LockPath path)
    {
        TrieNode n = table.root();
        for (int i = 0; i < path.depth() && n != null; i++)
        {
            final ConcurrentHashMap<String, TrieNode> c = n.childrenOrNull();
            n = c == null ? null : c.get(path.segment(i));
        }
        return n;
    }

    /**
     * Whether a node and all its ancestors are live and reachable from the root: each is the
     * entry of its parent's child index and none is DEAD.
     *
     * @param table the table.
     * @param node the node.
     * @return true if the whole chain is linked.
     */
    public static boolean isLinked(final LockTable table, final TrieNode node)
    {
        TrieNode n = node;
        while (n.parent != null)
        {
            final ConcurrentHashMap<String, TrieNode> c = n.parent.childrenOrNull();
            if (isDead(n) || c == null || c.get(n.name) != n)
            {
                return false;
            }
            n = n.parent;
        }
        return n == table.root();
    }
}

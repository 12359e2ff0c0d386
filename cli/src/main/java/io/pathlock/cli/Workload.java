package io.pathlock.cli;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A generated tree and a pool of random requests over it, shared by every contender of a benchmark
 * so that each runs exactly the same mix.
 */
final class Workload
{
    final List<LockPath> leaves = new ArrayList<>();
    final List<LockPath> dirs = new ArrayList<>();
    final LockRequest[] requests;
    final int pathCount;
    private final Set<LockPath> leafSet;

    /**
     * Builds the tree and the pool.
     *
     * @param depth levels below the root (at least 2).
     * @param fanout children per directory (at least 1).
     * @param pointPct share of POINT requests, in percent.
     * @param subtreePct share of SUBTREE requests; the rest are moves.
     * @param sharedPct share of the POINT and SUBTREE requests that are shared (readers), in percent;
     *        moves are always exclusive.
     * @param poolSize number of requests to generate.
     * @param seed random seed.
     */
    Workload(final int depth, final int fanout, final int pointPct, final int subtreePct, final int sharedPct,
        final int poolSize, final long seed)
    {
        build(LockPath.root(), 0, depth, fanout);
        pathCount = leaves.size() + dirs.size();
        leafSet = new HashSet<>(leaves);
        final SplittableRandom rnd = new SplittableRandom(seed);
        requests = new LockRequest[poolSize];
        for (int i = 0; i < poolSize; i++)
        {
            final int roll = rnd.nextInt(100);
            if (roll < pointPct)
            {
                final LockPath leaf = leaves.get(rnd.nextInt(leaves.size()));
                requests[i] = LockRequest.builder().add(leaf, LockType.POINT, mode(rnd, sharedPct)).build();
            }
            else if (roll < pointPct + subtreePct)
            {
                // Deep subtrees are common, shallow ones rare: pick a directory weighted by depth.
                LockPath d = dirs.get(rnd.nextInt(dirs.size()));
                while (d.depth() < depth - 1 && rnd.nextInt(4) != 0)
                {
                    d = dirs.get(rnd.nextInt(dirs.size()));
                }
                requests[i] = LockRequest.builder().add(d, LockType.SUBTREE, mode(rnd, sharedPct)).build();
            }
            else
            {
                requests[i] = move(rnd, depth);
            }
        }
    }

    /**
     * Whether a path is a file of the tree (nothing below it can be locked).
     *
     * @param p the path.
     * @return true for a leaf.
     */
    boolean isLeaf(final LockPath p)
    {
        return leafSet.contains(p);
    }

    private static LockMode mode(final SplittableRandom rnd, final int sharedPct)
    {
        // No draw at 0 %: the pool of a run without shared locks is the one it always was.
        return sharedPct > 0 && rnd.nextInt(100) < sharedPct ? LockMode.SHARED : LockMode.EXCLUSIVE;
    }

    private LockRequest move(final SplittableRandom rnd, final int depth)
    {
        for (;;)
        {
            if (rnd.nextBoolean())
            {
                final LockPath src = leaves.get(rnd.nextInt(leaves.size()));
                final LockPath dst = dirs.get(rnd.nextInt(dirs.size()));
                return LockRequest.mv(src.toString(), dst.toString(), false);
            }
            final LockPath src = dirs.get(rnd.nextInt(dirs.size()));
            final LockPath dst = dirs.get(rnd.nextInt(dirs.size()));
            if (src.depth() >= depth - 1 && !src.isAncestorOrSelf(dst))
            {
                return LockRequest.mv(src.toString(), dst.toString(), true);
            }
        }
    }

    private void build(final LockPath at, final int level, final int depth, final int fanout)
    {
        if (level == depth)
        {
            leaves.add(at);
            return;
        }
        if (level > 0)
        {
            dirs.add(at);
        }
        for (int i = 0; i < fanout; i++)
        {
            build(at.child((level == depth - 1 ? "f" : "d") + i), level + 1, depth, fanout);
        }
    }
}

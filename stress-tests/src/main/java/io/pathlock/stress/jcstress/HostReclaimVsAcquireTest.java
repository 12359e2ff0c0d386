package io.pathlock.stress.jcstress;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockStoreException;
import io.pathlock.core.LockType;
import io.pathlock.host.HostSession;
import io.pathlock.host.HostTable;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Host table, reclamation against an acquire of an idle leaf. The state constructor leaves
 * /t/a/b idle (locked and released: the nodes stay in the table with no counts, so they are
 * reclaimable). Session 2 takes POINT-X(/t/a/b) through those idle nodes while session 1 inserts
 * three new nodes (POINT-X(/t/x/y/z), released at once). The test has a table of its own
 * ({@link Table}), filled with idle nodes when the JVM starts: from the first sample on, every
 * insert takes a node off the free list and, whenever the free list is empty, sweeps idle leaves in
 * clock order, so the sweeps of session 1 and of the other states' actors reclaim idle chains like
 * this state's /t/a/b while its session 2 walks them.
 *
 * <p>Race forbidden: a grant on a node that was reclaimed (marked DEAD, unlinked from its bucket)
 * under the walker: such a lock would be invisible to every later lookup. The arbiter checks, while
 * session 2 holds, that a third session is refused POINT-X(/t/a/b) (the lookup finds the held node)
 * and SUBTREE-X(/t/a) (the ancestor counts the hold), then that everything is free after the
 * release. Also forbidden: either refused (nothing else holds those paths) or told the table is
 * full (its capacity exceeds what the states in flight hold: a full table means nodes leaked).
 *
 * <p>Results: r1 = POINT-X(/t/x/y/z) by session 1: 1 granted, 0 refused, 2 table full; r2 = the same
 * for POINT-X(/t/a/b) by session 2; r3 = while session 2 holds, session 3 refused both POINT-X(/t/a/b)
 * and SUBTREE-X(/t/a); r4 = after the release, session 3 granted SUBTREE-X(/t).
 *
 * <p>Run: {@code stress-tests/run-jcstress.sh quick -t HostReclaimVsAcquireTest}.
 */
@JCStressTest
@Outcome(id = "1, 1, 1, 1", expect = ACCEPTABLE, desc = "both granted; the leaf's grant is on a live, linked, counted node")
@Outcome(id = "1, 1, 0, .*", expect = FORBIDDEN, desc = "grant on a reclaimed node: a third session got the same path")
@Outcome(id = ".*, 2, .*", expect = FORBIDDEN, desc = "table full although its capacity exceeds what is held: nodes leaked")
@Outcome(id = "2, .*", expect = FORBIDDEN, desc = "table full although its capacity exceeds what is held: nodes leaked")
@Outcome(expect = FORBIDDEN, desc = "a refusal with nothing held, or counts left after the release")
@State
public class HostReclaimVsAcquireTest
{
    /**
     * The test's own table. What the states in flight hold at once: only session 2's chains (the
     * inserter releases at once), /t, /t/a and /t/a/b in each of at most 10,240 states (jcstress
     * runs the actors of all strides of an epoch before their arbiters), 30,720 nodes plus the
     * root; the capacity leaves 6,143 more for inserts in flight. It is filled with idle nodes
     * (POINT-X of /wN taken and released) before the first sample, so that the sweep runs from the
     * start.
     */
    static final class Table
    {
        static final int CAPACITY = 36_864;
        static final HostTable TABLE = HostFixture.openTable(CAPACITY);
        static final HostSession S1 = TABLE.attach();
        static final HostSession S2 = TABLE.attach();
        static final HostSession S3 = TABLE.attach();

        static
        {
            for (int i = 0; TABLE.nodesInUse() < CAPACITY && i < CAPACITY; i++)
            {
                HostFixture.release(S3, HostFixture.hold(S3, "/w" + i, LockType.POINT, LockMode.EXCLUSIVE));
            }
        }

        private Table()
        {
        }
    }

    private final String t = HostFixture.prefix();
    private HostSession.Grant leaf;

    /** Leaves /t, /t/a and /t/a/b in the table, idle. */
    public HostReclaimVsAcquireTest()
    {
        HostFixture.release(Table.S2, HostFixture.hold(Table.S2, t + "/a/b", LockType.POINT, LockMode.EXCLUSIVE));
    }

    /** Inserts /t/x, /t/x/y and /t/x/y/z (each insert may sweep) and releases at once. */
    @Actor
    public void inserter(final IIII_Result r)
    {
        try
        {
            final HostSession.Grant g = HostFixture.tryAcquire(Table.S1, t + "/x/y/z", LockType.POINT, LockMode.EXCLUSIVE);
            r.r1 = g != null ? 1 : 0;
            HostFixture.release(Table.S1, g);
        }
        catch (final LockStoreException ex)
        {
            r.r1 = 2;
        }
    }

    /** Takes POINT-X(/t/a/b) through the idle nodes. */
    @Actor
    public void acquirer(final IIII_Result r)
    {
        try
        {
            leaf = HostFixture.tryAcquire(Table.S2, t + "/a/b", LockType.POINT, LockMode.EXCLUSIVE);
            r.r2 = leaf != null ? 1 : 0;
        }
        catch (final LockStoreException ex)
        {
            r.r2 = 2;
        }
    }

    /** Checks the leaf's grant is visible to a third session; releases; checks nothing is left. */
    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        if (leaf != null)
        {
            r.r3 = HostFixture.refused(Table.S3, t + "/a/b", LockType.POINT, LockMode.EXCLUSIVE)
                && HostFixture.refused(Table.S3, t + "/a", LockType.SUBTREE, LockMode.EXCLUSIVE) ? 1 : 0;
        }
        HostFixture.release(Table.S2, leaf);
        r.r4 = HostFixture.subtreeFree(Table.S3, t) ? 1 : 0;
    }
}

package io.pathlock.stress.jcstress;

import io.pathlock.core.LockType;
import io.pathlock.table.ConflictKind;
import io.pathlock.table.LockTable;
import io.pathlock.table.TableProbe;
import io.pathlock.table.TrieNode;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static io.pathlock.stress.jcstress.TrieFixture.A;
import static io.pathlock.stress.jcstress.TrieFixture.AB;
import static io.pathlock.stress.jcstress.TrieFixture.ABC;
import static io.pathlock.stress.jcstress.TrieFixture.ROOT;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Node reclamation racing an acquire: one actor sweeps idle nodes ({@code reclaimIdle()}) while
 * the other takes POINT(/a/b/c) through idle nodes /a, /a/b and /a/b/c left by an earlier lock.
 *
 * <p>Race forbidden: a lock granted on a node that is DEAD or unlinked (LockTable invariant 4: a
 * node is unlinked only when HOLD is NONE and its intent is 0, DEAD is final, and a walker that
 * meets a DEAD node looks the child up again). Such a lock would be invisible to every later
 * walker: the arbiter checks that the granted node and all its ancestors are live and linked, that
 * each ancestor counts the lock in its intent, and that a second POINT(/a/b/c) from the arbiter is
 * refused at that very node. The sweep may run before, during or after the walk; reclaiming any
 * part of the old chain makes the walker retry on fresh nodes, which is fine.
 *
 * <p>Results: r1 = granted; r2 = granted on the node created before the race (1) or on a fresh
 * one (0); r3 = chain live and linked with intent 1 on /, /a and /a/b; r4 = the arbiter's second
 * POINT(/a/b/c) refused as HELD_POINT at the granted node.
 *
 * <p>Run: {@code java -jar stress-tests/target/jcstress.jar -t ReclaimVsAcquireTest -m quick}.
 */
@JCStressTest
@Outcome(id = "1, 1, 1, 1", expect = ACCEPTABLE, desc = "walk won: lock on the original node, which the sweep then skipped")
@Outcome(id = "1, 0, 1, 1", expect = ACCEPTABLE, desc = "sweep reclaimed (part of) the chain first: walker retried on fresh nodes")
@Outcome(id = "0, .*", expect = FORBIDDEN, desc = "POINT refused though nothing holds a lock")
@Outcome(expect = FORBIDDEN, desc = "lock granted on a DEAD or unlinked node, or not counted by its ancestors")
@State
public class ReclaimVsAcquireTest
{
    private final LockTable table = TrieFixture.table();
    private final TrieNode original;
    private TrieNode granted;

    /** Creates /a, /a/b and /a/b/c, all idle. */
    public ReclaimVsAcquireTest()
    {
        original = TrieFixture.create(table, ABC);
    }

    /** Sweeps every idle node. */
    @Actor
    public void reclaimer()
    {
        table.reclaimIdle();
    }

    /** Takes POINT(/a/b/c). */
    @Actor
    public void acquirer(final IIII_Result r)
    {
        granted = TrieFixture.tryLock(table, ABC, LockType.POINT);
        r.r1 = granted != null ? 1 : 0;
        r.r2 = granted == original ? 1 : 0;
    }

    /** Checks the granted node is live, linked and counted, and that it conflicts. */
    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        if (granted == null)
        {
            return;
        }
        final boolean linked = TableProbe.isLinked(table, granted)
            && TableProbe.hold(granted) == 1
            && TableProbe.lookup(table, ABC) == granted
            && TrieFixture.intent(table, ROOT) == 1
            && TrieFixture.intent(table, A) == 1
            && TrieFixture.intent(table, AB) == 1;
        r.r3 = linked ? 1 : 0;
        final LockTable.Conflict c = new LockTable.Conflict();
        final TrieNode second = table.tryLock(ABC, LockType.POINT, 0, false, null, c);
        r.r4 = second == null && c.node() == granted && c.kind() == ConflictKind.HELD_POINT ? 1 : 0;
        TrieFixture.unlockIfHeld(table, second);
        table.unlock(granted);
    }
}

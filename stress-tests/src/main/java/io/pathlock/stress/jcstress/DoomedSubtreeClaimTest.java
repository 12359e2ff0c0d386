package io.pathlock.stress.jcstress;

import io.pathlock.core.LockType;
import io.pathlock.table.ConflictKind;
import io.pathlock.table.LockTable;
import io.pathlock.table.TrieNode;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static io.pathlock.stress.jcstress.TrieFixture.A;
import static io.pathlock.stress.jcstress.TrieFixture.AB;
import static io.pathlock.stress.jcstress.TrieFixture.AC;
import static io.pathlock.stress.jcstress.TrieFixture.ROOT;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A SUBTREE claim that is bound to fail, against an unrelated POINT, on an INFLATED node.
 * POINT(/a/b) is held; actor 1 tries SUBTREE(/a), which must be refused (held below); actor 2 tries
 * POINT(/a/c), which conflicts with nothing that is or could be held, so it must be granted.
 *
 * <p>On an inflated node the SUBTREE claimer sets HOLD = SUBTREE (with CLAIMING) before it sums the
 * cells, and backs out when the sum is not zero. A raise that reads the word inside that window
 * must wait for the outcome, not back off as if /a were held.
 *
 * <p>Race forbidden: POINT(/a/c) refused for the doomed claim's transient HOLD (a phantom conflict;
 * {@code LockHandle.tryAcquire} reported it as "/a held SUBTREE" with no holder; about 10% of
 * samples before the CLAIMING fix); SUBTREE(/a) granted over the held POINT(/a/b) (invariant 1);
 * intentions left behind (invariant 2).
 *
 * <p>Results: r1 = SUBTREE(/a) granted, r2 = POINT(/a/c) granted, r3 = intent(/a) after the
 * arbiter unlocked /a/c (1: the held /a/b only).
 *
 * <p>Run: {@code java -jar stress-tests/target/jcstress.jar -t DoomedSubtreeClaimTest -m quick}.
 */
@JCStressTest
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "SUBTREE(/a) refused (held below); POINT(/a/c) granted")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "POINT(/a/c) refused by the doomed SUBTREE claim's transient HOLD: phantom conflict")
@Outcome(id = "1, .*", expect = FORBIDDEN, desc = "SUBTREE(/a) granted over a held POINT(/a/b)")
@Outcome(expect = FORBIDDEN, desc = "intention count wrong after the race")
@State
public class DoomedSubtreeClaimTest
{
    private final LockTable table = TrieFixture.table();
    private TrieNode subtree;
    private TrieNode point;
    private final LockTable.Conflict pointConflict = new LockTable.Conflict();

    /** Creates /a/c, inflates /, /a and /a/b, then holds POINT(/a/b). */
    public DoomedSubtreeClaimTest()
    {
        TrieFixture.create(table, AC);
        TrieFixture.createInflated(table, AB);
        TrieFixture.hold(table, AB, LockType.POINT);
    }

    /** Tries SUBTREE(/a). */
    @Actor
    public void subtree(final III_Result r)
    {
        subtree = TrieFixture.tryLock(table, A, LockType.SUBTREE);
        r.r1 = subtree != null ? 1 : 0;
    }

    /** Tries POINT(/a/c). */
    @Actor
    public void point(final III_Result r)
    {
        point = table.tryLock(AC, LockType.POINT, 0, false, null, pointConflict);
        r.r2 = point != null ? 1 : 0;
    }

    /** Unlocks what the actors got and reads intent(/a). */
    @Arbiter
    public void arbiter(final III_Result r)
    {
        if (point == null && pointConflict.kind() != ConflictKind.HELD_SUBTREE)
        {
            throw new IllegalStateException("POINT(/a/c) refused for " + pointConflict.kind());
        }
        TrieFixture.unlockIfHeld(table, subtree);
        TrieFixture.unlockIfHeld(table, point);
        r.r3 = (int)TrieFixture.intent(table, A);
        if (TrieFixture.intent(table, ROOT) != 1)
        {
            r.r3 = -1;
        }
    }
}

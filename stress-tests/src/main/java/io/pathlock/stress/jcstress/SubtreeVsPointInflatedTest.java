package io.pathlock.stress.jcstress;

import io.pathlock.core.LockType;
import io.pathlock.table.LockTable;
import io.pathlock.table.TrieNode;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static io.pathlock.stress.jcstress.TrieFixture.A;
import static io.pathlock.stress.jcstress.TrieFixture.AB;
import static io.pathlock.stress.jcstress.TrieFixture.ROOT;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * SUBTREE(/a) against POINT(/a/b) with /, /a and /a/b INFLATED: the
 * intention count of /a lives in striped cells and the pair decides through the Dekker handshake of
 * LockTable (raiser: cell += 1, then read the word; claimer: CAS HOLD to SUBTREE|CLAIMING, then sum
 * the cells).
 *
 * <p>Race forbidden: both granted (invariant 1: with sequentially consistent accesses at least one
 * side sees the other); both refused (a phantom conflict: the raiser waits out the claimer's
 * CLAIMING window instead of backing off, so exactly one wins; before that fix this outcome showed
 * in about 6% of samples); intentions left behind after both unlock (invariant 2: a backed-off
 * raise is taken out of its cell again, the refused walk lowers what it raised).
 *
 * <p>Results: r1 = SUBTREE(/a) granted, r2 = POINT(/a/b) granted, r3 = intent(/) and r4 =
 * intent(/a) after the arbiter unlocked whatever was granted.
 *
 * <p>Run: {@code java -jar stress-tests/target/jcstress.jar -t SubtreeVsPointInflatedTest -m quick}.
 */
@JCStressTest
@Outcome(id = "1, 0, 0, 0", expect = ACCEPTABLE, desc = "SUBTREE(/a) claimed first; POINT(/a/b) refused at /a; intents back to zero")
@Outcome(id = "0, 1, 0, 0", expect = ACCEPTABLE, desc = "POINT(/a/b) raised /a first; SUBTREE(/a) refused (held below); intents back to zero")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "both granted: mutual exclusion broken")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "both refused: phantom conflict in the claim/raise handshake")
@Outcome(expect = FORBIDDEN, desc = "intention count not back to zero")
@State
public class SubtreeVsPointInflatedTest
{
    private final LockTable table = TrieFixture.table();
    private TrieNode subtree;
    private TrieNode point;

    /** Creates /a and /a/b and inflates /, /a and /a/b. */
    public SubtreeVsPointInflatedTest()
    {
        TrieFixture.createInflated(table, AB);
    }

    /** Takes SUBTREE(/a). */
    @Actor
    public void subtree(final IIII_Result r)
    {
        subtree = TrieFixture.tryLock(table, A, LockType.SUBTREE);
        r.r1 = subtree != null ? 1 : 0;
    }

    /** Takes POINT(/a/b). */
    @Actor
    public void point(final IIII_Result r)
    {
        point = TrieFixture.tryLock(table, AB, LockType.POINT);
        r.r2 = point != null ? 1 : 0;
    }

    /** Unlocks what was granted and reads the intention counts. */
    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        TrieFixture.unlockIfHeld(table, subtree);
        TrieFixture.unlockIfHeld(table, point);
        r.r3 = (int)TrieFixture.intent(table, ROOT);
        r.r4 = (int)TrieFixture.intent(table, A);
    }
}

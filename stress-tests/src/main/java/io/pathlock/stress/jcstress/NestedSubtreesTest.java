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
 * SUBTREE(/a) against SUBTREE(/a/b) (nested subtrees) on plain (not inflated) nodes: the ancestor/descendant pair must
 * never both be granted, and exactly one of them wins.
 *
 * <p>Race forbidden: both granted (LockTable invariant 1: the pair meets on /a's state word, where
 * the inner SUBTREE walk raises the intention count and the SUBTREE claim requires it to be zero); both
 * refused (on a plain word one CAS decides, so a refusal always names a winner); and intentions
 * left behind after both unlock (invariant 2: the refused walk rolls back its raises).
 *
 * <p>Results: r1 = SUBTREE(/a) granted, r2 = SUBTREE(/a/b) granted, r3 = intent(/) and r4 =
 * intent(/a) after the arbiter unlocked whatever was granted.
 *
 * <p>Run: {@code java -jar stress-tests/target/jcstress.jar -t NestedSubtreesTest -m quick}.
 */
@JCStressTest
@Outcome(id = "1, 0, 0, 0", expect = ACCEPTABLE, desc = "SUBTREE(/a) claimed first; SUBTREE(/a/b) refused at /a; intents back to zero")
@Outcome(id = "0, 1, 0, 0", expect = ACCEPTABLE, desc = "SUBTREE(/a/b) raised /a first; SUBTREE(/a) refused (held below); intents back to zero")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "both granted: mutual exclusion broken")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "both refused on a plain node: a phantom conflict")
@Outcome(expect = FORBIDDEN, desc = "intention count not back to zero")
@State
public class NestedSubtreesTest
{
    private final LockTable table = TrieFixture.table();
    private TrieNode outer;
    private TrieNode inner;

    /** Creates /a and /a/b so that the race is on the state words, not on node creation. */
    public NestedSubtreesTest()
    {
        TrieFixture.create(table, AB);
    }

    /** Takes SUBTREE(/a). */
    @Actor
    public void outer(final IIII_Result r)
    {
        outer = TrieFixture.tryLock(table, A, LockType.SUBTREE);
        r.r1 = outer != null ? 1 : 0;
    }

    /** Takes SUBTREE(/a/b). */
    @Actor
    public void inner(final IIII_Result r)
    {
        inner = TrieFixture.tryLock(table, AB, LockType.SUBTREE);
        r.r2 = inner != null ? 1 : 0;
    }

    /** Unlocks what was granted and reads the intention counts. */
    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        TrieFixture.unlockIfHeld(table, outer);
        TrieFixture.unlockIfHeld(table, inner);
        r.r3 = (int)TrieFixture.intent(table, ROOT);
        r.r4 = (int)TrieFixture.intent(table, A);
    }
}

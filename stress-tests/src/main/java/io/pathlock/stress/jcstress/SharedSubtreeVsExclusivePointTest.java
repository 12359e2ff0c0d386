package io.pathlock.stress.jcstress;

import io.pathlock.core.LockMode;
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
 * A shared claim against an exclusive raise on one plain (not inflated) word: SUBTREE-SHARED(/a)
 * (claim: XHOLD NONE and IX == 0, then SS += 1) against POINT-EXCLUSIVE(/a/b) (raise IX on /a:
 * refused if SS &gt; 0).
 *
 * <p>Race forbidden: both granted (LockTable invariant 1: the shared SUBTREE would cover an
 * exclusive lock below it); both refused (no third party: a phantom conflict); counts left behind
 * after both unlock (invariant 2: IX and IS of / and /a back to zero).
 *
 * <p>Results: r1 = SUBTREE-SHARED(/a) granted, r2 = POINT-EXCLUSIVE(/a/b) granted, r3 = IX + IS
 * of /, r4 = IX + IS of /a after the arbiter unlocked whatever was granted.
 *
 * <p>Run: {@code stress-tests/run-jcstress.sh quick -t SharedSubtreeVsExclusivePointTest}.
 */
@JCStressTest
@Outcome(id = "1, 0, 0, 0", expect = ACCEPTABLE, desc = "SUBTREE-SHARED(/a) first; the exclusive raise through /a refused")
@Outcome(id = "0, 1, 0, 0", expect = ACCEPTABLE, desc = "POINT-EXCLUSIVE(/a/b) raised /a first; SUBTREE-SHARED refused (IX below)")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "both granted: a shared SUBTREE over an exclusive lock")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "both refused: phantom conflict")
@Outcome(expect = FORBIDDEN, desc = "intention counts not back to zero")
@State
public class SharedSubtreeVsExclusivePointTest
{
    private final LockTable table = TrieFixture.table();
    private TrieNode subtree;
    private TrieNode point;

    /** Creates /a/b. */
    public SharedSubtreeVsExclusivePointTest()
    {
        TrieFixture.create(table, AB);
    }

    /** Takes SUBTREE-SHARED(/a). */
    @Actor
    public void subtreeShared(final IIII_Result r)
    {
        subtree = TrieFixture.tryLock(table, A, LockType.SUBTREE, LockMode.SHARED);
        r.r1 = subtree != null ? 1 : 0;
    }

    /** Takes POINT-EXCLUSIVE(/a/b). */
    @Actor
    public void pointExclusive(final IIII_Result r)
    {
        point = TrieFixture.tryLock(table, AB, LockType.POINT, LockMode.EXCLUSIVE);
        r.r2 = point != null ? 1 : 0;
    }

    /** Unlocks what was granted and reads the intention counts. */
    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        TrieFixture.unlockIfHeld(table, subtree, A, LockType.SUBTREE, LockMode.SHARED);
        TrieFixture.unlockIfHeld(table, point, AB, LockType.POINT, LockMode.EXCLUSIVE);
        r.r3 = (int)TrieFixture.intentBoth(table, ROOT);
        r.r4 = (int)TrieFixture.intentBoth(table, A);
    }
}

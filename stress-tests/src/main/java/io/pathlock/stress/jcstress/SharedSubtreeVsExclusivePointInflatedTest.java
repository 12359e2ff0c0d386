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
import static io.pathlock.stress.jcstress.TrieFixture.AC;
import static io.pathlock.stress.jcstress.TrieFixture.ROOT;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * SUBTREE-SHARED(/a) against POINT-EXCLUSIVE(/a/b) with /, /a and /a/b INFLATED, while a third
 * party holds POINT-SHARED(/a/c) (shared intent in /a's cells, which the shared claim must not
 * count). The pair decides through the Dekker handshake: the raiser adds to its IX cell, then
 * reads the word (waiting out CLAIMING); the claimer CASes SS += 1 | CLAIMING, then sums only the
 * IX cells.
 *
 * <p>Race forbidden: both granted (invariant 1); both refused (a phantom conflict: the raiser must
 * wait for the claim's outcome, and the IS of /a/c must not refuse the shared claim); counts left
 * behind (invariant 2).
 *
 * <p>Results: r1 = SUBTREE-SHARED(/a) granted, r2 = POINT-EXCLUSIVE(/a/b) granted, r3 = IX of /a,
 * r4 = IS of /a after the arbiter unlocked what the actors got (the third party's lock stays: 1).
 *
 * <p>Run: {@code stress-tests/run-jcstress.sh quick -t SharedSubtreeVsExclusivePointInflatedTest}.
 */
@JCStressTest
@Outcome(id = "1, 0, 0, 1", expect = ACCEPTABLE, desc = "SUBTREE-SHARED(/a) first; the exclusive raise backed off its cell")
@Outcome(id = "0, 1, 0, 1", expect = ACCEPTABLE, desc = "the exclusive raise first; the shared claim counted it and backed out")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "both granted: a shared SUBTREE over an exclusive lock")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "both refused: phantom conflict in the handshake")
@Outcome(expect = FORBIDDEN, desc = "intention counts wrong after the unlocks")
@State
public class SharedSubtreeVsExclusivePointInflatedTest
{
    private final LockTable table = TrieFixture.table();
    private TrieNode subtree;
    private TrieNode point;

    /** Creates and inflates /a/b, then holds POINT-SHARED(/a/c). */
    public SharedSubtreeVsExclusivePointInflatedTest()
    {
        TrieFixture.createInflated(table, AB);
        TrieFixture.hold(table, AC, LockType.POINT, LockMode.SHARED);
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

    /** Unlocks what the actors got and reads /a's counts. */
    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        TrieFixture.unlockIfHeld(table, subtree, A, LockType.SUBTREE, LockMode.SHARED);
        TrieFixture.unlockIfHeld(table, point, AB, LockType.POINT, LockMode.EXCLUSIVE);
        final TrieNode a = io.pathlock.table.TableProbe.lookup(table, A);
        r.r3 = (int)a.exclusiveIntentCount();
        r.r4 = (int)a.sharedIntentCount();
    }
}

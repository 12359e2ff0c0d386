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

import static io.pathlock.stress.jcstress.TrieFixture.AB;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * POINT-SHARED claims against a POINT-EXCLUSIVE claim on one node at once: one actor takes two
 * POINT-SHARED(/a/b) in a row (two holders: SP += 1 twice, each needing XHOLD NONE), the other
 * POINT-EXCLUSIVE(/a/b) (XHOLD := POINT, needing SP == SS == 0), all on one word. (Two actors, so
 * that it runs on 2 CPUs: jcstress skips tests with more actors than CPUs.)
 *
 * <p>Race forbidden: the writer granted with a reader (invariant 1); a reader refused while the
 * writer was refused too (shared claims are refused only by an exclusive hold: a phantom conflict
 * or a lost SP update); one reader granted and the other refused (the writer cannot get in between
 * them once SP is 1); holders left on the node after the arbiter unlocks everything.
 *
 * <p>Results: r1 = how many of the two POINT-SHARED(/a/b) were granted, r2 = POINT-EXCLUSIVE(/a/b)
 * granted, r3 = SP + SS of /a/b and r4 = 1 if it is still held exclusive, after the arbiter.
 *
 * <p>Run: {@code stress-tests/run-jcstress.sh quick -t SharedVsExclusivePointClaimTest}.
 */
@JCStressTest
@Outcome(id = "2, 0, 0, 0", expect = ACCEPTABLE, desc = "the readers first: the writer refused")
@Outcome(id = "0, 1, 0, 0", expect = ACCEPTABLE, desc = "the writer first: both readers refused")
@Outcome(id = "[12], 1, .*", expect = FORBIDDEN, desc = "writer granted together with a reader")
@Outcome(expect = FORBIDDEN, desc = "a reader refused without a writer, or holders left behind")
@State
public class SharedVsExclusivePointClaimTest
{
    private final LockTable table = TrieFixture.table();
    private TrieNode r1;
    private TrieNode r2;
    private TrieNode w;

    /** Creates /a/b. */
    public SharedVsExclusivePointClaimTest()
    {
        TrieFixture.create(table, AB);
    }

    /** Two readers, one after the other. */
    @Actor
    public void readers(final IIII_Result r)
    {
        r1 = TrieFixture.tryLock(table, AB, LockType.POINT, LockMode.SHARED);
        r2 = TrieFixture.tryLock(table, AB, LockType.POINT, LockMode.SHARED);
        r.r1 = (r1 != null ? 1 : 0) + (r2 != null ? 1 : 0);
    }

    /** The writer. */
    @Actor
    public void writer(final IIII_Result r)
    {
        w = TrieFixture.tryLock(table, AB, LockType.POINT, LockMode.EXCLUSIVE);
        r.r2 = w != null ? 1 : 0;
    }

    /** Unlocks everything granted and reads what is left on the node. */
    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        TrieFixture.unlockIfHeld(table, r1, AB, LockType.POINT, LockMode.SHARED);
        TrieFixture.unlockIfHeld(table, r2, AB, LockType.POINT, LockMode.SHARED);
        TrieFixture.unlockIfHeld(table, w, AB, LockType.POINT, LockMode.EXCLUSIVE);
        final TrieNode n = io.pathlock.table.TableProbe.lookup(table, AB);
        r.r3 = n.sharedHolders();
        r.r4 = n.heldMode() == LockMode.EXCLUSIVE ? 1 : 0;
    }
}

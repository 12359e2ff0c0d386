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
 * Two POINT-SHARED claims and one POINT-EXCLUSIVE claim on one node at once: SP += 1 (needs XHOLD
 * NONE) against XHOLD := POINT (needs SP == SS == 0), all on one word.
 *
 * <p>Race forbidden: the exclusive claim granted with any shared one (invariant 1); a shared claim
 * refused while the exclusive one is refused too (shared claims are only refused by an exclusive
 * hold: a phantom conflict, or a lost SP update); holders left on the node (r4).
 *
 * <p>Results: r1, r2 = the two POINT-SHARED(/a/b) granted, r3 = POINT-EXCLUSIVE(/a/b) granted,
 * r4 = SP + SS + XHOLD-held of /a/b after the arbiter unlocked all that was granted.
 *
 * <p>Run: {@code stress-tests/run-jcstress.sh quick -t SharedVsExclusivePointClaimTest}.
 */
@JCStressTest
@Outcome(id = "1, 1, 0, 0", expect = ACCEPTABLE, desc = "a reader first: the writer refused, both readers in")
@Outcome(id = "0, 0, 1, 0", expect = ACCEPTABLE, desc = "the writer first: both readers refused")
@Outcome(id = ".*, .*, 1, .*", expect = FORBIDDEN, desc = "writer together with a reader, or a reader lost")
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

    /** First reader. */
    @Actor
    public void reader1(final IIII_Result r)
    {
        r1 = TrieFixture.tryLock(table, AB, LockType.POINT, LockMode.SHARED);
        r.r1 = r1 != null ? 1 : 0;
    }

    /** Second reader. */
    @Actor
    public void reader2(final IIII_Result r)
    {
        r2 = TrieFixture.tryLock(table, AB, LockType.POINT, LockMode.SHARED);
        r.r2 = r2 != null ? 1 : 0;
    }

    /** The writer. */
    @Actor
    public void writer(final IIII_Result r)
    {
        w = TrieFixture.tryLock(table, AB, LockType.POINT, LockMode.EXCLUSIVE);
        r.r3 = w != null ? 1 : 0;
    }

    /** Unlocks everything granted and reads what is left on the node. */
    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        TrieFixture.unlockIfHeld(table, r1, AB, LockType.POINT, LockMode.SHARED);
        TrieFixture.unlockIfHeld(table, r2, AB, LockType.POINT, LockMode.SHARED);
        TrieFixture.unlockIfHeld(table, w, AB, LockType.POINT, LockMode.EXCLUSIVE);
        final TrieNode n = io.pathlock.table.TableProbe.lookup(table, AB);
        r.r4 = n.sharedHolders() + (n.heldMode() == LockMode.EXCLUSIVE ? 1 : 0);
    }
}

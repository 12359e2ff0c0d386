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
import io.pathlock.core.LockPath;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static io.pathlock.stress.jcstress.TrieFixture.A;
import static io.pathlock.stress.jcstress.TrieFixture.AB;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Two holders of POINT-SHARED(/a/b) both upgrade to POINT-EXCLUSIVE at once, each as the facade's
 * loser would: try the conversion (raise IX on /, /a, then SP - 1 + XHOLD POINT in one CAS that
 * counts its own SP out); if refused, release the shared lock.
 *
 * <p>Race forbidden: both upgraded (invariant 1: each conversion must see the other's SP);
 * counts left behind after the arbiter releases everything (invariant 2: a refused conversion
 * lowers the IX it raised; a granted one lowers the old IS in finishConversion). Both refused is
 * acceptable at this level (each saw the other's shared lock); the facade turns the deadlock of two
 * WAITING upgraders into one LockUpgradeException (UpgradeWaits), which SharedLocksTest checks.
 *
 * <p>Results: r1, r2 = actor 1, 2 upgraded; r3 = IX + IS of /a; r4 = holders left on /a/b, after
 * the arbiter released what each actor kept.
 *
 * <p>Run: {@code stress-tests/run-jcstress.sh quick -t TwoUpgradersTest}.
 */
@JCStressTest
@Outcome(id = "1, 0, 0, 0", expect = ACCEPTABLE, desc = "actor 2 refused and released; actor 1 upgraded after (or saw its SP gone)")
@Outcome(id = "0, 1, 0, 0", expect = ACCEPTABLE, desc = "actor 1 refused and released; actor 2 upgraded")
@Outcome(id = "0, 0, 0, 0", expect = ACCEPTABLE, desc = "both refused (each saw the other's shared lock), both released")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "both upgraded: two exclusive holders")
@Outcome(expect = FORBIDDEN, desc = "counts left behind")
@State
public class TwoUpgradersTest
{
    private static final LockPath P = AB;
    private final LockTable table = TrieFixture.table();
    private final TrieNode node;
    private volatile boolean up1;
    private volatile boolean up2;
    private volatile boolean kept1 = true;
    private volatile boolean kept2 = true;

    /** Both hold POINT-SHARED(/a/b). */
    public TwoUpgradersTest()
    {
        node = TrieFixture.hold(table, P, LockType.POINT, LockMode.SHARED);
        TrieFixture.hold(table, P, LockType.POINT, LockMode.SHARED);
    }

    private boolean upgrade()
    {
        final TrieNode n = table.tryLock(P, LockType.POINT, LockMode.EXCLUSIVE, 0, 0, LockTable.FROM_POINT_SHARED, null,
            null, new LockTable.Conflict(), null);
        if (n == null)
        {
            table.unlock(node, P, LockType.POINT, LockMode.SHARED, null, null, null);
            return false;
        }
        table.finishConversion(n);
        return true;
    }

    /** First upgrader. */
    @Actor
    public void upgrader1(final IIII_Result r)
    {
        up1 = upgrade();
        kept1 = up1;
        r.r1 = up1 ? 1 : 0;
    }

    /** Second upgrader. */
    @Actor
    public void upgrader2(final IIII_Result r)
    {
        up2 = upgrade();
        kept2 = up2;
        r.r2 = up2 ? 1 : 0;
    }

    /** Releases what each kept (an exclusive lock if upgraded) and reads the counts. */
    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        if (kept1)
        {
            table.unlock(node, P, LockType.POINT, up1 ? LockMode.EXCLUSIVE : LockMode.SHARED, null, null, null);
        }
        if (kept2)
        {
            table.unlock(node, P, LockType.POINT, up2 ? LockMode.EXCLUSIVE : LockMode.SHARED, null, null, null);
        }
        r.r3 = (int)TrieFixture.intentBoth(table, A);
        r.r4 = node.sharedHolders() + (node.heldMode() == LockMode.EXCLUSIVE ? 1 : 0);
    }
}

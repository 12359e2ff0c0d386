package io.pathlock.stress.jcstress;

import io.pathlock.core.LockType;
import io.pathlock.table.ChainCache;
import io.pathlock.table.LockTable;
import io.pathlock.table.TrieNode;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static io.pathlock.stress.jcstress.TrieFixture.A;
import static io.pathlock.stress.jcstress.TrieFixture.ABX;
import static io.pathlock.stress.jcstress.TrieFixture.ABY;
import static io.pathlock.stress.jcstress.TrieFixture.ROOT;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A cached intent chain (LockTable invariant 8) against a SUBTREE claim through it: POINT(/a/b/y)
 * takes the chain /, /a, /a/b that POINT(/a/b/x) left CACHED on release, while SUBTREE(/a) is
 * claimed; the chain's raise on /a is the only intention there.
 *
 * <p>Race forbidden: both granted (the taker's CAS CACHED -> IN_USE and the claimer's revocation
 * CAS CACHED -> REVOKED meet on the chain's state word: if the taker won, /a's intent is a held lock
 * and the claim is refused; if the claimer won, the taker walks and finds the SUBTREE); both
 * refused (a CACHED chain stands for no held lock, so the claim revokes it and decides again: a
 * phantom conflict otherwise); and intentions left behind after both unlock and the chains are
 * revoked (the revocation lowers exactly the chain's raises, once).
 *
 * <p>Results: r1 = POINT(/a/b/y) granted, r2 = SUBTREE(/a) granted, r3 = intent(/) and r4 =
 * intent(/a) after the arbiter unlocked what was granted and revoked every cached chain.
 *
 * <p>Run: {@code java -jar stress-tests/target/jcstress.jar -t ChainTakeVsSubtreeTest -m quick}.
 */
@JCStressTest
@Outcome(id = "1, 0, 0, 0", expect = ACCEPTABLE, desc = "the chain was taken first; SUBTREE(/a) refused (held below)")
@Outcome(id = "0, 1, 0, 0", expect = ACCEPTABLE, desc = "the chain was revoked first; POINT(/a/b/y) walked and was refused at /a")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "both granted: mutual exclusion broken")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "both refused: the cached chain counted as a held lock")
@Outcome(expect = FORBIDDEN, desc = "intention count not back to zero")
@State
public class ChainTakeVsSubtreeTest
{
    private final LockTable table = TrieFixture.table();
    private final ChainCache cache = table.newChainCache();
    private final LockTable.Conflict conflict = new LockTable.Conflict();
    private TrieNode point;
    private TrieNode subtree;

    /** POINT(/a/b/x) taken and released through the cache: the chain /, /a, /a/b stays CACHED. */
    public ChainTakeVsSubtreeTest()
    {
        final LockTable.Conflict c = new LockTable.Conflict();
        final TrieNode x = table.tryLock(ABX, LockType.POINT, 0, false, null, c, cache);
        table.unlock(x, ABX, c.chain(), cache);
        TrieFixture.create(table, ABY);
        if (table.cachedChains() != 1)
        {
            throw new IllegalStateException("expected one cached chain, got " + table.cachedChains());
        }
    }

    /** Takes POINT(/a/b/y) through the cached chain. */
    @Actor
    public void point(final IIII_Result r)
    {
        point = table.tryLock(ABY, LockType.POINT, 0, false, null, conflict, cache);
        r.r1 = point != null ? 1 : 0;
    }

    /** Takes SUBTREE(/a) (no cache). */
    @Actor
    public void subtree(final IIII_Result r)
    {
        subtree = TrieFixture.tryLock(table, A, LockType.SUBTREE);
        r.r2 = subtree != null ? 1 : 0;
    }

    /** Unlocks what was granted, revokes the cached chains, reads the intention counts. */
    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        if (point != null)
        {
            table.unlock(point, ABY, conflict.chain(), cache);
        }
        TrieFixture.unlockIfHeld(table, subtree);
        table.revokeCachedChains();
        r.r3 = (int)TrieFixture.intent(table, ROOT);
        r.r4 = (int)TrieFixture.intent(table, A);
    }
}

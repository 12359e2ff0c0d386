package io.pathlock.stress.jcstress;

import io.pathlock.core.LockPath;
import io.pathlock.core.LockType;
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
import static io.pathlock.stress.jcstress.TrieFixture.ABX;
import static io.pathlock.stress.jcstress.TrieFixture.ABY;
import static io.pathlock.stress.jcstress.TrieFixture.ROOT;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Intention counts return to zero after concurrent lock/unlock pairs on sibling paths that share
 * every ancestor (POINT(/a/b/x) and POINT(/a/b/y), twice each).
 *
 * <p>Race forbidden: a raise or lower lost between the two walkers, on the plain CAS word or in the
 * striped cells, leaving intent(/), intent(/a) or intent(/a/b) non-zero when quiescent (LockTable
 * invariant 2). The nodes start plain; a raise that loses its CAS inflates the node mid-run, so a
 * raise counted in the word can be lowered in a cell: the sum must still be zero. The fourth result
 * says how many of the three shared nodes ended inflated, to show both paths ran.
 *
 * <p>Results: r1 = intent(/), r2 = intent(/a), r3 = intent(/a/b) in the arbiter; r4 = inflated
 * nodes among them (0..3).
 *
 * <p>Run: {@code java -jar stress-tests/target/jcstress.jar -t IntentCountTest -m quick}.
 */
@JCStressTest
@Outcome(id = "0, 0, 0, 0", expect = ACCEPTABLE, desc = "all zero; no CAS was lost, nothing inflated")
@Outcome(id = "0, 0, 0, [123]", expect = ACCEPTABLE_INTERESTING, desc = "all zero; contended raises inflated shared nodes mid-run (word and cells both used)")
@Outcome(expect = FORBIDDEN, desc = "an intention count is not back to zero")
@State
public class IntentCountTest
{
    private final LockTable table = TrieFixture.table();

    /** Creates the shared nodes so that the actors race on counts, not on node creation. */
    public IntentCountTest()
    {
        TrieFixture.create(table, ABX);
        TrieFixture.create(table, ABY);
    }

    /** POINT(/a/b/x), twice. */
    @Actor
    public void x()
    {
        lockUnlockAt(ABX);
        lockUnlockAt(ABX);
    }

    /** POINT(/a/b/y), twice. */
    @Actor
    public void y()
    {
        lockUnlockAt(ABY);
        lockUnlockAt(ABY);
    }

    private void lockUnlockAt(final LockPath path)
    {
        final TrieNode n = TrieFixture.tryLock(table, path, LockType.POINT);
        if (n == null)
        {
            throw new IllegalStateException("POINT " + path + " refused with no conflicting lock");
        }
        table.unlock(n);
    }

    /** Reads the counts. */
    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        r.r1 = (int)TrieFixture.intent(table, ROOT);
        r.r2 = (int)TrieFixture.intent(table, A);
        r.r3 = (int)TrieFixture.intent(table, AB);
        r.r4 = (TableProbe.isInflated(table.root()) ? 1 : 0)
            + (TableProbe.isInflated(TableProbe.lookup(table, A)) ? 1 : 0)
            + (TableProbe.isInflated(TableProbe.lookup(table, AB)) ? 1 : 0);
    }
}

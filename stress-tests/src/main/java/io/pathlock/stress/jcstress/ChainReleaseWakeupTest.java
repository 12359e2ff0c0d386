package io.pathlock.stress.jcstress;

import io.pathlock.core.LockType;
import io.pathlock.table.ChainCache;
import io.pathlock.table.IntentChain;
import io.pathlock.table.LockTable;
import io.pathlock.table.TrieNode;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

import static io.pathlock.stress.jcstress.TrieFixture.A;
import static io.pathlock.stress.jcstress.TrieFixture.ABX;
import static io.pathlock.stress.jcstress.TrieFixture.ABY;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A SUBTREE(/a) waiter blocked by POINT(/a/b/y), which holds its ancestors through a cached intent
 * chain (LockTable invariant 8), is always woken when the POINT is released, although the release
 * keeps the chain (IN_USE -> CACHED) instead of lowering /a.
 *
 * <p>Race forbidden: a lost wake-up (invariant 8c: the release writes the chain's state and then
 * reads the intent-waiter counts of its nodes, revoking the chain if one is set; the waiter
 * increments the count before its retry, which revokes every CACHED chain through /a). STALE means
 * the actor never returned.
 *
 * <p>Run: {@code java -jar stress-tests/target/jcstress.jar -t ChainReleaseWakeupTest -m quick}.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "SUBTREE waiter granted after the chained POINT was released")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "SUBTREE waiter still parked after the release: lost wake-up")
@State
public class ChainReleaseWakeupTest
{
    private final LockTable table = TrieFixture.table();
    private final ChainCache cache = table.newChainCache();
    private final TrieNode held;
    private final IntentChain chain;

    /** Leaves the chain /, /a, /a/b cached by POINT(/a/b/x), then holds POINT(/a/b/y) through it. */
    public ChainReleaseWakeupTest()
    {
        final LockTable.Conflict c = new LockTable.Conflict();
        final TrieNode x = table.tryLock(ABX, LockType.POINT, 0, false, null, c, cache);
        table.unlock(x, ABX, c.chain(), cache);
        held = table.tryLock(ABY, LockType.POINT, 0, false, null, c, cache);
        chain = c.chain();
        if (held == null || chain == null)
        {
            throw new IllegalStateException("POINT(/a/b/y) did not take the cached chain");
        }
    }

    /** Waits for SUBTREE(/a). */
    @Actor
    public void waiter()
    {
        final TrieNode n = TrieFixture.lockWaiting(table, A, LockType.SUBTREE);
        TrieFixture.unlockIfHeld(table, n);
    }

    /** Releases POINT(/a/b/y), keeping its chain. */
    @Signal
    public void release()
    {
        table.unlock(held, ABY, chain, cache);
    }
}

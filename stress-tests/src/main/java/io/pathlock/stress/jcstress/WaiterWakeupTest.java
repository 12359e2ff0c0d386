package io.pathlock.stress.jcstress;

import io.pathlock.core.LockType;
import io.pathlock.table.LockTable;
import io.pathlock.table.TrieNode;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

import static io.pathlock.stress.jcstress.TrieFixture.AB;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A POINT waiter blocked on a held POINT(/a/b) is always woken by the release, also when the
 * release is followed at once by a sweep that reclaims the node the waiter registered on.
 *
 * <p>The actor waits the way the facade does (try, register on the blocking node, retry once,
 * park until signalled); the signal unlocks /a/b and then sweeps idle nodes.
 *
 * <p>Race forbidden: a lost wake-up (LockTable invariant 5: the waiter increments the node's
 * waiter count before its retry reads the state word; the releaser changes the word before it
 * reads the count, so one of them sees the other), and a waiter left parked on a node unlinked
 * under it (invariant 4: {@code register} re-checks DEAD after counting itself in, and a reclaim
 * that unlinks a node with waiters signals them). STALE means the actor never returned.
 *
 * <p>Run: {@code java -jar stress-tests/target/jcstress.jar -t WaiterWakeupTest -m quick}.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "waiter woken (or never had to wait) and got the lock")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "waiter still parked after the release: lost wake-up")
@State
public class WaiterWakeupTest
{
    private final LockTable table = TrieFixture.table();
    private final TrieNode held;

    /** Holds POINT(/a/b). */
    public WaiterWakeupTest()
    {
        held = TrieFixture.hold(table, AB, LockType.POINT);
    }

    /** Waits for POINT(/a/b). */
    @Actor
    public void waiter()
    {
        final TrieNode n = TrieFixture.lockWaiting(table, AB, LockType.POINT);
        TrieFixture.unlockIfHeld(table, n);
    }

    /** Releases POINT(/a/b), then reclaims idle nodes. */
    @Signal
    public void release()
    {
        table.unlock(held);
        table.reclaimIdle();
    }
}

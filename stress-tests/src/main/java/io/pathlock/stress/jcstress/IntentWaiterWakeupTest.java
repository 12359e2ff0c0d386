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

import static io.pathlock.stress.jcstress.TrieFixture.A;
import static io.pathlock.stress.jcstress.TrieFixture.AB;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A SUBTREE(/a) waiter blocked by POINT(/a/b) below it (conflict HELD_BELOW, so it registers as an
 * intent waiter and places a pending mark on /a) is always woken when /a/b is released, with /
 * and /a INFLATED so that the release lowers a striped cell rather than the state word.
 *
 * <p>Race forbidden: a lost wake-up on an intention change (LockTable invariant 5 for intent
 * waiters: the waiter increments the intent-waiter count before its retry sums the cells; the
 * releaser decrements its cell before it reads that count) and the mis-registration fixed earlier
 * (a retry whose conflict kind differs from the registration must not park:
 * {@code registrationCovers}). STALE means the actor never returned.
 *
 * <p>Run: {@code java -jar stress-tests/target/jcstress.jar -t IntentWaiterWakeupTest -m quick}.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "SUBTREE waiter woken by the lowered intent (or never had to wait)")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "SUBTREE waiter still parked after the lock below was released: lost wake-up")
@State
public class IntentWaiterWakeupTest
{
    private final LockTable table = TrieFixture.table();
    private final TrieNode held;

    /** Inflates /, /a and /a/b, then holds POINT(/a/b). */
    public IntentWaiterWakeupTest()
    {
        TrieFixture.createInflated(table, AB);
        held = TrieFixture.hold(table, AB, LockType.POINT);
    }

    /** Waits for SUBTREE(/a). */
    @Actor
    public void waiter()
    {
        final TrieNode n = TrieFixture.lockWaiting(table, A, LockType.SUBTREE);
        TrieFixture.unlockIfHeld(table, n);
    }

    /** Releases POINT(/a/b). */
    @Signal
    public void release()
    {
        table.unlock(held);
    }
}

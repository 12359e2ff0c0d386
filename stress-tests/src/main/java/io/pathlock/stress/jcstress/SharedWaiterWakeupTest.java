package io.pathlock.stress.jcstress;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockType;
import io.pathlock.table.LockTable;
import io.pathlock.table.TrieNode;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;
import static io.pathlock.stress.jcstress.TrieFixture.A;
import static io.pathlock.stress.jcstress.TrieFixture.AB;

/**
 * A SUBTREE-SHARED(/a) waiter blocked by an exclusive lock below (POINT-EXCLUSIVE(/a/b): IX on /a)
 * is always woken by its release. The waiter registers for intent changes of /a and places a
 * MARK_EXCLUSIVE there; the release clears the hold on /a/b and lowers /a's IX (the release path of
 * an exclusive lock, cached chains included, see invariant 8c).
 *
 * <p>Race forbidden: a lost wake-up (invariant 5: register then retry; change the word then read
 * the waiter counts). STALE means the waiter never returned.
 *
 * <p>Run: {@code stress-tests/run-jcstress.sh quick -t SharedWaiterWakeupTest}.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the shared waiter was woken (or never waited) and got /a")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "the shared waiter still parked after the release: lost wake-up")
@State
public class SharedWaiterWakeupTest
{
    private final LockTable table = TrieFixture.table();
    private final TrieNode held;

    /** Holds POINT-EXCLUSIVE(/a/b). */
    public SharedWaiterWakeupTest()
    {
        held = TrieFixture.hold(table, AB, LockType.POINT);
    }

    /** Waits for SUBTREE-SHARED(/a). */
    @Actor
    public void waiter()
    {
        final TrieNode n = TrieFixture.lockWaiting(table, A, LockType.SUBTREE, LockMode.SHARED);
        TrieFixture.unlockIfHeld(table, n, A, LockType.SUBTREE, LockMode.SHARED);
    }

    /** Releases POINT-EXCLUSIVE(/a/b). */
    @Signal
    public void release()
    {
        table.unlock(held);
    }
}

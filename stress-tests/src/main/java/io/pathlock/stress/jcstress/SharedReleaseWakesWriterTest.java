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
import static io.pathlock.stress.jcstress.TrieFixture.AB;

/**
 * A POINT-EXCLUSIVE(/a/b) waiter blocked by a reader (POINT-SHARED(/a/b)) is always woken when the
 * reader releases: the shared release lowers SP with a CAS and then reads the waiter count. The
 * waiter places a MARK_SHARED on /a/b (new readers would be refused, invariant 6).
 *
 * <p>Race forbidden: a lost wake-up (invariant 5). STALE means the waiter never returned.
 *
 * <p>Run: {@code stress-tests/run-jcstress.sh quick -t SharedReleaseWakesWriterTest}.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the writer was woken (or never waited) and got /a/b")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "the writer still parked after the reader released: lost wake-up")
@State
public class SharedReleaseWakesWriterTest
{
    private final LockTable table = TrieFixture.table();
    private final TrieNode held;

    /** Holds POINT-SHARED(/a/b). */
    public SharedReleaseWakesWriterTest()
    {
        held = TrieFixture.hold(table, AB, LockType.POINT, LockMode.SHARED);
    }

    /** Waits for POINT-EXCLUSIVE(/a/b). */
    @Actor
    public void writer()
    {
        final TrieNode n = TrieFixture.lockWaiting(table, AB, LockType.POINT, LockMode.EXCLUSIVE);
        TrieFixture.unlockIfHeld(table, n);
    }

    /** The reader releases. */
    @Signal
    public void release()
    {
        table.unlock(held, AB, LockType.POINT, LockMode.SHARED, null, null, null);
    }
}

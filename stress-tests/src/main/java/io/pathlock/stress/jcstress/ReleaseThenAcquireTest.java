package io.pathlock.stress.jcstress;

import io.pathlock.core.LockType;
import io.pathlock.table.LockTable;
import io.pathlock.table.TrieNode;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.util.concurrent.atomic.AtomicInteger;

import static io.pathlock.stress.jcstress.TrieFixture.A;
import static io.pathlock.stress.jcstress.TrieFixture.AB;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Release then acquire on plain nodes: once an acquirer knows (through a release/acquire flag
 * published after {@code unlock} returned) that POINT(/a/b) was released, it must see the released
 * state: POINT(/a/b) is free (HOLD cleared) and SUBTREE(/a) is free (intent(/a) lowered).
 *
 * <p>Race forbidden: {@code unlock} returning before its effects on the state words are visible
 * to a thread that synchronises with it, e.g. a lowered intention published lazily (LockTable
 * invariant 2; unlock clears HOLD and lowers leaf first with volatile CAS). Without the flag the
 * acquirer may run before or during the release, so every result is then acceptable.
 *
 * <p>Results: r1 = flag seen, r2 = POINT(/a/b) granted (then unlocked), r3 = SUBTREE(/a) granted.
 *
 * <p>Run: {@code java -jar stress-tests/target/jcstress.jar -t ReleaseThenAcquireTest -m quick}.
 */
@JCStressTest
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "saw the release: both locks free")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "flag not yet seen, release already visible")
@Outcome(id = "0, 0, 1", expect = ACCEPTABLE, desc = "POINT tried before the release, SUBTREE after it")
@Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "HOLD cleared, intent(/a) not yet lowered (unlock in progress)")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "acquirer ran before the release")
@Outcome(id = "1, .*", expect = FORBIDDEN, desc = "saw the release flag but still found the lock held")
@State
public class ReleaseThenAcquireTest
{
    private final LockTable table = TrieFixture.table();
    private final TrieNode held;
    private final AtomicInteger released = new AtomicInteger();

    /** Holds POINT(/a/b). */
    public ReleaseThenAcquireTest()
    {
        held = TrieFixture.hold(table, AB, LockType.POINT);
    }

    /** Releases, then publishes the flag. */
    @Actor
    public void releaser()
    {
        table.unlock(held);
        released.setRelease(1);
    }

    /** Reads the flag, then tries POINT(/a/b) and SUBTREE(/a). */
    @Actor
    public void acquirer(final III_Result r)
    {
        r.r1 = released.getAcquire();
        final TrieNode p = TrieFixture.tryLock(table, AB, LockType.POINT);
        r.r2 = p != null ? 1 : 0;
        TrieFixture.unlockIfHeld(table, p);
        final TrieNode s = TrieFixture.tryLock(table, A, LockType.SUBTREE);
        r.r3 = s != null ? 1 : 0;
    }
}

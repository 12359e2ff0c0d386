package io.pathlock.stress.jcstress;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockType;
import io.pathlock.host.HostSession;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import java.util.concurrent.atomic.AtomicInteger;

import static io.pathlock.stress.jcstress.HostFixture.S1;
import static io.pathlock.stress.jcstress.HostFixture.S2;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Host table, two sessions: hand-off of POINT-X(/t/a). Session 1 holds it (taken in the state
 * constructor) and releases it; session 2 tries to take it. The holder sets {@code leaving} before
 * it calls {@code release} and {@code released} after {@code release} returned.
 *
 * <p>Race forbidden: session 2 granted while {@code leaving} is still 0 (a grant before the holder
 * even began to release: both inside); session 2 refused although it saw {@code released} (a
 * release whose effect on the node's counts is not visible to a session that synchronised with
 * its return); counts left after the hand-off.
 *
 * <p>Results: r1 = session 2 saw {@code released}; r2 = session 2 granted; r3 = when granted, the
 * {@code leaving} it then read (0 when refused); r4 = at the end (everything released) session 3
 * granted SUBTREE-X(/t).
 *
 * <p>Run: {@code stress-tests/run-jcstress.sh quick -t HostHandoffTest}.
 */
@JCStressTest
@Outcome(id = "1, 1, 1, 1", expect = ACCEPTABLE, desc = "saw the release, took the lock")
@Outcome(id = "0, 1, 1, 1", expect = ACCEPTABLE, desc = "release visible before its flag: took the lock")
@Outcome(id = "0, 0, 0, 1", expect = ACCEPTABLE, desc = "tried before the release took effect: refused")
@Outcome(id = "1, 0, .*", expect = FORBIDDEN, desc = "saw the release returned, still refused")
@Outcome(id = ".*, 1, 0, .*", expect = FORBIDDEN, desc = "granted before the holder began to release: both inside")
@Outcome(expect = FORBIDDEN, desc = "counts left on /t or below after the hand-off")
@State
public class HostHandoffTest
{
    private final String t = HostFixture.reusedPrefix();
    private final HostSession.Grant held;
    private final AtomicInteger leaving = new AtomicInteger();
    private final AtomicInteger released = new AtomicInteger();
    private HostSession.Grant taken;

    /** Session 1 holds POINT-X(/t/a). */
    public HostHandoffTest()
    {
        held = HostFixture.hold(S1, t + "/a", LockType.POINT, LockMode.EXCLUSIVE);
    }

    /** The holder: leaving, release, released. */
    @Actor
    public void holder()
    {
        leaving.set(1);
        S1.release(held);
        released.set(1);
    }

    /** The taker: reads the flag, tries, reads leaving. */
    @Actor
    public void taker(final IIII_Result r)
    {
        r.r1 = released.get();
        taken = HostFixture.tryAcquire(S2, t + "/a", LockType.POINT, LockMode.EXCLUSIVE);
        r.r2 = taken != null ? 1 : 0;
        r.r3 = taken != null ? leaving.get() : 0;
    }

    /** Releases the taker's grant; checks nothing is left. */
    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        HostFixture.release(S2, taken);
        final boolean free = HostFixture.subtreeFree(t);
        r.r4 = free ? 1 : 0;
        HostFixture.recycle(t, free);
    }
}

package io.pathlock.stress.jcstress;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockType;
import io.pathlock.host.HostSession;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static io.pathlock.stress.jcstress.HostFixture.S1;
import static io.pathlock.stress.jcstress.HostFixture.S2;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Host table, two sessions: POINT-X(/t/a) against POINT-X(/t/a), the same path. Exactly one is
 * granted.
 *
 * <p>Race forbidden: both granted (the claim reads the other sessions' PX count and raises its own
 * inside /t/a's micro critical section); both refused (a claim is refused only by a hold another
 * session already has); counts left behind after both released.
 *
 * <p>Results: r1 = session 1 granted, r2 = session 2 granted, r3 = after both released, session 3
 * granted SUBTREE-X(/t).
 *
 * <p>Run: {@code stress-tests/run-jcstress.sh quick -t HostPointVsPointTest}.
 */
@JCStressTest
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "session 1 won; counts back to zero")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "session 2 won; counts back to zero")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "both granted: mutual exclusion broken")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "both refused: a phantom conflict")
@Outcome(expect = FORBIDDEN, desc = "counts left on /t or below after both released")
@State
public class HostPointVsPointTest
{
    private final String t = HostFixture.reusedPrefix();
    private HostSession.Grant first;
    private HostSession.Grant second;

    /** Creates /t/a (idle) so that the race is on the claim, not on the insert. */
    public HostPointVsPointTest()
    {
        HostFixture.release(S1, HostFixture.hold(S1, t + "/a", LockType.POINT, LockMode.EXCLUSIVE));
    }

    /** POINT-X(/t/a) in session 1. */
    @Actor
    public void first(final III_Result r)
    {
        first = HostFixture.tryAcquire(S1, t + "/a", LockType.POINT, LockMode.EXCLUSIVE);
        r.r1 = first != null ? 1 : 0;
    }

    /** POINT-X(/t/a) in session 2. */
    @Actor
    public void second(final III_Result r)
    {
        second = HostFixture.tryAcquire(S2, t + "/a", LockType.POINT, LockMode.EXCLUSIVE);
        r.r2 = second != null ? 1 : 0;
    }

    /** Releases what was granted; checks nothing is left. */
    @Arbiter
    public void arbiter(final III_Result r)
    {
        HostFixture.release(S1, first);
        HostFixture.release(S2, second);
        final boolean free = HostFixture.subtreeFree(t);
        r.r3 = free ? 1 : 0;
        HostFixture.recycle(t, free);
    }
}

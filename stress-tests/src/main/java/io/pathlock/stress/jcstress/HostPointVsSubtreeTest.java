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
 * Host table, two sessions: POINT-X(/t/a/b) against SUBTREE-X(/t/a) on an ancestor. Exactly one is
 * granted.
 *
 * <p>Race forbidden: both granted (the POINT walk raises IX on /t/a in a micro critical section and
 * the SUBTREE claim is refused while another session's IX there is non-zero; the claim itself is
 * made in the same node's critical section, so the two meet on /t/a's lock word); both refused
 * (neither can refuse the other without being granted); and counts left behind: a refused walk
 * rolls back every intent it raised, and a release subtracts exactly what the grant added, so the
 * arbiter's third session then takes SUBTREE-X(/t).
 *
 * <p>Results: r1 = POINT-X(/t/a/b) granted to session 1, r2 = SUBTREE-X(/t/a) granted to session 2,
 * r3 = after both released, session 3 granted SUBTREE-X(/t).
 *
 * <p>Run: {@code stress-tests/run-jcstress.sh quick -t HostPointVsSubtreeTest}.
 */
@JCStressTest
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "POINT raised /t/a first; SUBTREE refused; counts back to zero")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "SUBTREE claimed /t/a first; POINT refused at /t/a; counts back to zero")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "both granted: mutual exclusion broken")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "both refused: a phantom conflict")
@Outcome(expect = FORBIDDEN, desc = "counts left on /t or below after both released")
@State
public class HostPointVsSubtreeTest
{
    private final String t = HostFixture.reusedPrefix();
    private HostSession.Grant point;
    private HostSession.Grant subtree;

    /** Takes POINT-X(/t/a/b) in session 1. */
    @Actor
    public void point(final III_Result r)
    {
        point = HostFixture.tryAcquire(S1, t + "/a/b", LockType.POINT, LockMode.EXCLUSIVE);
        r.r1 = point != null ? 1 : 0;
    }

    /** Takes SUBTREE-X(/t/a) in session 2. */
    @Actor
    public void subtree(final III_Result r)
    {
        subtree = HostFixture.tryAcquire(S2, t + "/a", LockType.SUBTREE, LockMode.EXCLUSIVE);
        r.r2 = subtree != null ? 1 : 0;
    }

    /** Releases what was granted; checks nothing is left. */
    @Arbiter
    public void arbiter(final III_Result r)
    {
        HostFixture.release(S1, point);
        HostFixture.release(S2, subtree);
        final boolean free = HostFixture.subtreeFree(t);
        r.r3 = free ? 1 : 0;
        HostFixture.recycle(t, free);
    }
}

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
 * Host table, two sessions: SUBTREE-S(/t/a) against POINT-X(/t/a/b) below it. A shared subtree
 * excludes writers below: exactly one is granted.
 *
 * <p>Race forbidden: both granted (the POINT-X walk raises IX on /t/a, which a SUBTREE-S claim of
 * another session must see as zero, and the walk is refused where another session holds SS);
 * both refused; counts left behind (a refused walk must roll back the IX it raised).
 *
 * <p>Results: r1 = SUBTREE-S(/t/a) granted to session 1, r2 = POINT-X(/t/a/b) granted to session 2,
 * r3 = after both released, session 3 granted SUBTREE-X(/t).
 *
 * <p>Run: {@code stress-tests/run-jcstress.sh quick -t HostSharedSubtreeVsPointTest}.
 */
@JCStressTest
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "SUBTREE-S claimed first; the writer below refused; counts back to zero")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "the writer raised /t/a first; SUBTREE-S refused; counts back to zero")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "both granted: a writer inside a shared subtree")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "both refused: a phantom conflict")
@Outcome(expect = FORBIDDEN, desc = "counts left on /t or below after both released")
@State
public class HostSharedSubtreeVsPointTest
{
    private final String t = HostFixture.reusedPrefix();
    private HostSession.Grant subtree;
    private HostSession.Grant point;

    /** SUBTREE-S(/t/a) in session 1. */
    @Actor
    public void subtree(final III_Result r)
    {
        subtree = HostFixture.tryAcquire(S1, t + "/a", LockType.SUBTREE, LockMode.SHARED);
        r.r1 = subtree != null ? 1 : 0;
    }

    /** POINT-X(/t/a/b) in session 2. */
    @Actor
    public void point(final III_Result r)
    {
        point = HostFixture.tryAcquire(S2, t + "/a/b", LockType.POINT, LockMode.EXCLUSIVE);
        r.r2 = point != null ? 1 : 0;
    }

    /** Releases what was granted; checks nothing is left. */
    @Arbiter
    public void arbiter(final III_Result r)
    {
        HostFixture.release(S1, subtree);
        HostFixture.release(S2, point);
        final boolean free = HostFixture.subtreeFree(t);
        r.r3 = free ? 1 : 0;
        HostFixture.recycle(t, free);
    }
}

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

import static io.pathlock.stress.jcstress.HostFixture.S1;
import static io.pathlock.stress.jcstress.HostFixture.S2;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Host table, two sessions: SUBTREE-S(/t/a) against SUBTREE-S(/t/a). Shared subtrees are compatible:
 * both are always granted, and while both hold, a writer below is refused.
 *
 * <p>Race forbidden: either refused (shared holds of other sessions never refuse a shared claim;
 * a refusal would be a lost or phantom count); a third session's POINT-X(/t/a/b) granted while
 * both hold (an SS count overwritten by the other claim: a lost update inside the critical
 * section); counts left after both released.
 *
 * <p>Results: r1, r2 = sessions 1 and 2 granted; r3 = while both hold, session 3 refused
 * POINT-X(/t/a/b) and SUBTREE-X(/t); r4 = after both released, session 3 granted SUBTREE-X(/t).
 *
 * <p>Run: {@code stress-tests/run-jcstress.sh quick -t HostSharedSubtreesTest}.
 */
@JCStressTest
@Outcome(id = "1, 1, 1, 1", expect = ACCEPTABLE, desc = "both granted; a writer below refused while they hold; counts back to zero")
@Outcome(id = "1, 1, 0, .*", expect = FORBIDDEN, desc = "a writer below granted while two shared subtrees held: a lost count")
@Outcome(id = "0, .*", expect = FORBIDDEN, desc = "a shared subtree refused by another shared subtree")
@Outcome(id = "1, 0, .*", expect = FORBIDDEN, desc = "a shared subtree refused by another shared subtree")
@Outcome(expect = FORBIDDEN, desc = "counts left on /t or below after both released")
@State
public class HostSharedSubtreesTest
{
    private final String t = HostFixture.reusedPrefix();
    private HostSession.Grant first;
    private HostSession.Grant second;

    /** SUBTREE-S(/t/a) in session 1. */
    @Actor
    public void first(final IIII_Result r)
    {
        first = HostFixture.tryAcquire(S1, t + "/a", LockType.SUBTREE, LockMode.SHARED);
        r.r1 = first != null ? 1 : 0;
    }

    /** SUBTREE-S(/t/a) in session 2. */
    @Actor
    public void second(final IIII_Result r)
    {
        second = HostFixture.tryAcquire(S2, t + "/a", LockType.SUBTREE, LockMode.SHARED);
        r.r2 = second != null ? 1 : 0;
    }

    /** Checks a writer is refused while both hold, releases, checks nothing is left. */
    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        if (first != null && second != null)
        {
            r.r3 = HostFixture.refused(t + "/a/b", LockType.POINT, LockMode.EXCLUSIVE)
                && HostFixture.refused(t, LockType.SUBTREE, LockMode.EXCLUSIVE) ? 1 : 0;
        }
        HostFixture.release(S1, first);
        HostFixture.release(S2, second);
        final boolean free = HostFixture.subtreeFree(t);
        r.r4 = free ? 1 : 0;
        HostFixture.recycle(t, free);
    }
}

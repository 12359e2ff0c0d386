package io.pathlock.stress.jcstress;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockType;
import io.pathlock.host.HostSession;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;

import static io.pathlock.stress.jcstress.HostFixture.S1;
import static io.pathlock.stress.jcstress.HostFixture.S2;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Host table, two sessions insert the same new path at once: POINT-S(/t/n) in each, where neither
 * /t nor /t/n exists in the table yet. Both must end on ONE node per path: both are granted, and a
 * third session's POINT-X(/t/n) and SUBTREE-X(/t) are refused until BOTH released.
 *
 * <p>Race forbidden: two nodes for one path (both inserts linked a node after looking the name up
 * in the bucket: each session's count sits on its own node, so once the session whose node a
 * lookup finds first released, a writer is granted although the other reader still holds). The
 * arbiter releases session 1 first in even states and session 2 first in odd ones, so either order
 * of the duplicate nodes in the bucket is caught. Also forbidden: either reader refused (readers
 * are compatible); counts left after both released.
 *
 * <p>Results: r1, r2 = sessions 1 and 2 granted; r3 = session 3 refused POINT-X(/t/n) and
 * SUBTREE-X(/t) while both hold; r4 = the same after one of them released; r5 = session 3 granted
 * SUBTREE-X(/t) after both released.
 *
 * <p>Run: {@code stress-tests/run-jcstress.sh quick -t HostInsertRaceTest}.
 */
@JCStressTest
@Outcome(id = "1, 1, 1, 1, 1", expect = ACCEPTABLE, desc = "one node: writer refused until both readers released")
@Outcome(id = "1, 1, 1, 0, .*", expect = FORBIDDEN, desc = "writer granted while one reader still holds: two nodes for one path")
@Outcome(id = "1, 1, 0, .*", expect = FORBIDDEN, desc = "writer granted while both readers hold")
@Outcome(id = "0, .*", expect = FORBIDDEN, desc = "a reader refused by a reader")
@Outcome(id = "1, 0, .*", expect = FORBIDDEN, desc = "a reader refused by a reader")
@Outcome(expect = FORBIDDEN, desc = "counts left on /t or below after both released")
@State
public class HostInsertRaceTest
{
    private final long id = HostFixture.nextId();
    private final String t = HostFixture.prefix(id);
    private HostSession.Grant first;
    private HostSession.Grant second;

    /** POINT-S(/t/n) in session 1. */
    @Actor
    public void first(final IIIII_Result r)
    {
        first = HostFixture.tryAcquire(S1, t + "/n", LockType.POINT, LockMode.SHARED);
        r.r1 = first != null ? 1 : 0;
    }

    /** POINT-S(/t/n) in session 2. */
    @Actor
    public void second(final IIIII_Result r)
    {
        second = HostFixture.tryAcquire(S2, t + "/n", LockType.POINT, LockMode.SHARED);
        r.r2 = second != null ? 1 : 0;
    }

    /** A writer is refused while either reader holds; nothing is left at the end. */
    @Arbiter
    public void arbiter(final IIIII_Result r)
    {
        if (first != null && second != null)
        {
            r.r3 = writerRefused() ? 1 : 0;
            if ((id & 1) == 0)
            {
                S1.release(first);
            }
            else
            {
                S2.release(second);
            }
            r.r4 = writerRefused() ? 1 : 0;
        }
        // release is idempotent: the one already released is released again harmlessly
        HostFixture.release(S1, first);
        HostFixture.release(S2, second);
        r.r5 = HostFixture.subtreeFree(t) ? 1 : 0;
    }

    private boolean writerRefused()
    {
        return HostFixture.refused(t + "/n", LockType.POINT, LockMode.EXCLUSIVE)
            && HostFixture.refused(t, LockType.SUBTREE, LockMode.EXCLUSIVE);
    }
}

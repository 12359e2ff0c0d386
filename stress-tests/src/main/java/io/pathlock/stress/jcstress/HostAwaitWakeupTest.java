package io.pathlock.stress.jcstress;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockType;
import io.pathlock.host.HostSession;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.pathlock.stress.jcstress.HostFixture.S1;
import static io.pathlock.stress.jcstress.HostFixture.S2;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Host table, a waiter woken by a release in another session. Session 1 holds POINT-X(/t/a) (state
 * constructor); session 2 loops {@code tryAcquire} / {@code await(blocker)} for POINT-X(/t/a) with a
 * one-hour timeout per wait; the signal releases session 1's grant.
 *
 * <p>Race forbidden: a lost wake-up. A refusal returns a blocker carrying the node's wake-stripe
 * sequence read at the refusal; {@code await} sleeps (futex on the stripe word where the native
 * library is loaded, else a bounded backoff) only while the stripe still has that sequence, and
 * every release that lowers the node's counts bumps it. If the sequence were read after the
 * release's bump, or the release did not bump it, the waiter would sleep for the whole hour (its
 * periodic liveness check returns only when it recovered a dead session, and no session dies
 * here): STALE.
 *
 * <p>Run: {@code stress-tests/run-jcstress.sh quick -t HostAwaitWakeupTest}.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiter was woken (or never waited) and took /t/a")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "the waiter still sleeps after the release: lost wake-up")
@State
public class HostAwaitWakeupTest
{
    private final String t = HostFixture.reusedPrefix();
    private final HostSession.Grant held;

    /** Session 1 holds POINT-X(/t/a). */
    public HostAwaitWakeupTest()
    {
        held = HostFixture.hold(S1, t + "/a", LockType.POINT, LockMode.EXCLUSIVE);
    }

    /** Session 2 waits for POINT-X(/t/a), then releases it and returns the directory. */
    @Actor
    public void waiter() throws InterruptedException
    {
        final List<io.pathlock.core.LockRequest.Entry> want =
            List.of(HostFixture.entry(t + "/a", LockType.POINT, LockMode.EXCLUSIVE));
        while (true)
        {
            final HostSession.Result r = S2.tryAcquire(want);
            if (r.isGranted())
            {
                S2.release(r.grant());
                HostFixture.recycle(t, true);
                return;
            }
            S2.await(r.blocker(), TimeUnit.HOURS.toNanos(1));
        }
    }

    /** Session 1 releases. */
    @Signal
    public void release()
    {
        S1.release(held);
    }
}

package io.pathlock.stress.jcstress;

import io.pathlock.core.LockBusyException;
import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJ_Result;

import java.util.concurrent.atomic.AtomicInteger;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Fencing tokens of concurrent grants through the facade over the in-memory store, whose tokens
 * come from the lock table (LockTable, FENCING TOKENS). Handle h0 holds POINT(/a) with token 1.
 * Actor 1 releases h0, publishes a flag, then takes POINT(/b) with h1; actor 2 reads the flag and
 * takes POINT(/a) with h2.
 *
 * <p>Race forbidden: a token of /a not above the released holder's (DESIGN §2: if grant A of a
 * lock happens before a conflicting grant B then token(A) &lt; token(B); the token is taken inside
 * the claim, from /a's last token), and a refusal of /a after the release was seen. POINT(/b)
 * conflicts with neither and takes the epoch's first token, 1, as h0 did: tokens of grants that do
 * not conflict may be equal.
 *
 * <p>Results: r1 = token of h1's POINT(/b); r2 = flag seen; r3 = token of h2's POINT(/a), or 0 if
 * refused (busy).
 *
 * <p>Run: {@code java -jar stress-tests/target/jcstress.jar -t GrantTokenTest -m quick}.
 */
@JCStressTest
@Outcome(id = "1, [01], 2", expect = ACCEPTABLE, desc = "/a granted after the release: 2, above h0's 1")
@Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "/a tried before the release: busy")
@Outcome(id = "1, 1, 0", expect = FORBIDDEN, desc = "saw the release flag but /a still busy")
@Outcome(expect = FORBIDDEN, desc = "a token of /a not above the released holder's, or /b not the epoch's first")
@State
public class GrantTokenTest
{
    private static final LockRequest POINT_A = LockRequest.point("/a");
    private static final LockRequest POINT_B = LockRequest.point("/b");

    private final LockManager manager = LockManager.builder().startAgent(false).build();
    private final LockHandle h0 = manager.open("h0");
    private final LockHandle h1 = manager.open("h1");
    private final LockHandle h2 = manager.open("h2");
    private final AtomicInteger released = new AtomicInteger();

    /** h0 takes POINT(/a): token 1. */
    public GrantTokenTest()
    {
        h0.tryAcquire(POINT_A);
    }

    /** Releases h0, then takes POINT(/b). */
    @Actor
    public void releaser(final JJJ_Result r)
    {
        h0.releaseAll();
        released.setRelease(1);
        h1.tryAcquire(POINT_B);
        r.r1 = h1.fencingToken("/b");
    }

    /** Takes POINT(/a) after reading the flag. */
    @Actor
    public void acquirer(final JJJ_Result r)
    {
        r.r2 = released.getAcquire();
        try
        {
            h2.tryAcquire(POINT_A);
            r.r3 = h2.fencingToken("/a");
        }
        catch (final LockBusyException e)
        {
            r.r3 = 0;
        }
    }
}

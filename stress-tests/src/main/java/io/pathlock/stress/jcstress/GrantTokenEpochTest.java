package io.pathlock.stress.jcstress;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockBusyException;
import io.pathlock.core.LockRequest;
import io.pathlock.table.LockTable;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJ_Result;

import java.util.concurrent.atomic.AtomicInteger;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Fencing tokens across the two kinds of grant of the lock table's scheme (LockTable, FENCING
 * TOKENS), through the facade over the in-memory store: h0 holds SUBTREE(/a), whose grant moved the
 * epoch to 1 (token 1 &lt;&lt; 20); actor 1 releases it and publishes a flag; actor 2 reads the flag
 * and takes POINT(/a/b) with h1, a grant on another node whose token comes from the epoch it reads
 * after its claim.
 *
 * <p>Race forbidden: a POINT token not above the SUBTREE's (the POINT's walk raised /a after the
 * SUBTREE's release, which came after its epoch increment, so the epoch it reads is at least 1 and
 * its token at least (1 &lt;&lt; 20) + 1), and a refusal after the release was seen.
 *
 * <p>Results: r1 = flag seen; r2 = token of h1's POINT(/a/b), or 0 if refused (busy).
 *
 * <p>Run: {@code java -jar stress-tests/target/jcstress.jar -t GrantTokenEpochTest -m quick}.
 */
@JCStressTest
@Outcome(id = "[01], 1048577", expect = ACCEPTABLE, desc = "POINT(/a/b) granted after the release: (1 << 20) + 1")
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "POINT(/a/b) tried before the release: busy")
@Outcome(id = "1, 0", expect = FORBIDDEN, desc = "saw the release flag but /a/b still busy")
@Outcome(expect = FORBIDDEN, desc = "a POINT token not above the released SUBTREE's")
@State
public class GrantTokenEpochTest
{
    private static final LockRequest SUBTREE_A = LockRequest.subtree("/a");
    private static final LockRequest POINT_AB = LockRequest.point("/a/b");

    private final LockManager manager = LockManager.builder().startAgent(false).build();
    private final LockHandle h0 = manager.open("h0");
    private final LockHandle h1 = manager.open("h1");
    private final AtomicInteger released = new AtomicInteger();

    /** h0 takes SUBTREE(/a): token 1 &lt;&lt; 20. */
    public GrantTokenEpochTest()
    {
        h0.tryAcquire(SUBTREE_A);
        if (h0.fencingToken("/a") != 1L << LockTable.TOKEN_SUB_BITS)
        {
            throw new IllegalStateException("SUBTREE(/a) token " + h0.fencingToken("/a"));
        }
    }

    /** Releases h0, then publishes the flag. */
    @Actor
    public void releaser(final JJ_Result r)
    {
        h0.releaseAll();
        released.setRelease(1);
    }

    /** Takes POINT(/a/b) after reading the flag. */
    @Actor
    public void acquirer(final JJ_Result r)
    {
        r.r1 = released.getAcquire();
        try
        {
            h1.tryAcquire(POINT_AB);
            r.r2 = h1.fencingToken("/a/b");
        }
        catch (final LockBusyException e)
        {
            r.r2 = 0;
        }
    }
}

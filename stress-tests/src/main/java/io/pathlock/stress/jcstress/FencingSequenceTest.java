package io.pathlock.stress.jcstress;

import io.pathlock.store.FencingSequence;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJ_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Test.
 */
@JCStressTest
@Outcome(id = "1, 2, 3", expect = ACCEPTABLE, desc = "actor1 took both before actor2")
@Outcome(id = "1, 3, 2", expect = ACCEPTABLE, desc = "actor2 between actor1's two tokens")
@Outcome(id = "2, 3, 1", expect = ACCEPTABLE, desc = "actor2 first")
@Outcome(expect = FORBIDDEN, desc = "duplicate, gap or out of order")
@State
public class FencingSequenceTest
{
    private final FencingSequence sequence = new FencingSequence();

    @Actor
    public void actor1(final JJJ_Result r)
    {
        r.r1 = sequence.next();
        r.r2 = sequence.next();
    }

    @Actor
    public void actor2(final JJJ_Result r)
    {
        r.r3 = sequence.next();
    }
}

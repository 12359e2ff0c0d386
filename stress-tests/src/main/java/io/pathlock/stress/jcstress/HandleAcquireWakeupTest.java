package io.pathlock.stress.jcstress;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Through the facade: an untimed {@code LockHandle.acquire(POINT /a/b)} blocked by another handle's
 * SUBTREE(/a) returns once that handle calls {@code releaseAll()} from another thread.
 *
 * <p>Race forbidden: a lost wake-up in the facade's wait loop (LockTable invariant 5 as used by
 * {@code LockHandle}: register on the ancestor that blocked the walk, retry once, park only while
 * the registration covers the retry's conflict), and a release that is not visible to a waiter
 * woken on another thread (handles are not thread-bound, DESIGN §2). STALE means the actor never
 * returned.
 *
 * <p>Run: {@code java -jar stress-tests/target/jcstress.jar -t HandleAcquireWakeupTest -m quick}.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "acquire returned after the release (or found /a free)")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "acquire still blocked after releaseAll: lost wake-up")
@State
public class HandleAcquireWakeupTest
{
    private static final LockRequest SUBTREE_A = LockRequest.subtree("/a");
    private static final LockRequest POINT_AB = LockRequest.point("/a/b");

    private final LockManager manager = LockManager.builder().startAgent(false).build();
    private final LockHandle holder = manager.open("holder");
    private final LockHandle waiter = manager.open("waiter");

    /** The holder takes SUBTREE(/a). */
    public HandleAcquireWakeupTest()
    {
        holder.tryAcquire(SUBTREE_A);
    }

    /** Waits for POINT(/a/b), then releases it. */
    @Actor
    public void waiter()
    {
        try
        {
            waiter.acquire(POINT_AB);
            waiter.releaseAll();
        }
        catch (final InterruptedException e)
        {
            // jcstress interrupts a stale actor to end the run; the outcome is already STALE.
            Thread.currentThread().interrupt();
        }
    }

    /** Releases SUBTREE(/a) from the signalling thread. */
    @Signal
    public void release()
    {
        holder.releaseAll();
    }
}

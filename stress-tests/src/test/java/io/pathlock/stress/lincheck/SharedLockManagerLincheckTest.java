package io.pathlock.stress.lincheck;

import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.junit.jupiter.api.Test;

import java.util.List;

/**
 * Issue 15: model-checks the {@link io.pathlock.LockManager} facade with shared locks over the
 * in-memory store for linearizability against {@link SharedLockModel} (the matrix, reentrancy,
 * merge and upgrade rules of docs/design.md "Shared locks: the conflict matrix"), through
 * {@link SharedLockManagerOperations}, which also checks fencing order in place. The sibling of
 * {@link LockManagerLincheckTest}, with the same options and the same CI path (surefire in this
 * module, part of {@code mvn verify}).
 *
 * <p>Run only this class: {@code mvn -B -o -pl native,engine,stress-tests -am test
 * -Dtest=SharedLockManagerLincheckTest -Dsurefire.failIfNoSpecifiedTests=false}; longer runs with
 * {@code -Dlincheck.iterations=200 -Dlincheck.invocations=2000}.
 */
class SharedLockManagerLincheckTest
{
    /** Kept so the setting below is not collected: each invocation builds a manager, and each logs a start line. */
    private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("io.pathlock");

    static
    {
        QUIET.setLevel(java.util.logging.Level.WARNING);
    }

    private static final int ITERATIONS_DEFAULT = 4;
    private static final int INVOCATIONS_DEFAULT = 120;
    private static final int TARGETED_INVOCATIONS_DEFAULT = 200;

    /** Random scenarios over the four kinds, plain nodes. */
    @Test
    void facadeWithSharedLocksIsLinearizable()
    {
        check(SharedLockManagerOperations.Plain.class);
    }

    /** The same on inflated nodes (shared holders counted in striped cells). */
    @Test
    void facadeWithSharedLocksIsLinearizableOnInflatedNodes()
    {
        check(SharedLockManagerOperations.Inflated.class);
    }

    private static void check(final Class<? extends SharedLockManagerOperations> test)
    {
        options()
            .iterations(Integer.getInteger("lincheck.iterations", ITERATIONS_DEFAULT))
            .invocationsPerIteration(Integer.getInteger("lincheck.invocations", INVOCATIONS_DEFAULT))
            .threads(2)
            .actorsPerThread(3)
            .actorsBefore(2)
            .actorsAfter(1)
            .check(test);
    }

    private static ModelCheckingOptions options()
    {
        return new ModelCheckingOptions()
            .sequentialSpecification(SharedLockModel.class)
            .addGuarantee(ManagedStrategyGuaranteeKt.forClasses(
                "io.pathlock.core.LockConflict",
                "io.pathlock.core.LockException",
                "io.pathlock.core.LockBusyException",
                "io.pathlock.Observer",
                "io.pathlock.observe.jfr.LockConflictEvent",
                "io.pathlock.observe.jfr.LockWaitEvent").allMethods().ignore());
    }

    /**
     * Two shared holders of /a and an upgrade: before the race h0 and h1 hold POINT-SHARED(/a) and
     * h2 POINT-SHARED(/a/b). In parallel, h0 asks POINT-EXCLUSIVE(/a) (always refused: h1 keeps
     * reading /a), releases everything and asks SUBTREE-SHARED(/a) (granted unless h1 upgraded
     * first); h1 asks POINT-EXCLUSIVE(/a) (an upgrade, granted only once h0 released), says what it
     * holds on /a, and asks POINT-EXCLUSIVE(/a/b) (always refused: h2 reads it). Afterwards both say
     * what they hold on /a. Every interleaving must match the model: a refused upgrade keeps its
     * shared lock, a granted one leaves POINT-EXCLUSIVE, and never are both granted together.
     */
    @Test
    void sharedHoldersRaceToUpgrade() throws ReflectiveOperationException
    {
        final ExecutionScenario scenario = new ExecutionScenario(
            List.of(acquire(0, 0, 0), acquire(1, 0, 0), acquire(2, 1, 0)),
            List.of(
                List.of(acquire(0, 0, 1), actor("release0"), acquire(0, 0, 2)),
                List.of(acquire(1, 0, 1), actor("holds1", 0), acquire(1, 1, 1))),
            List.of(actor("holds0", 0), actor("holds1", 0)),
            null);
        options()
            .iterations(0)
            .invocationsPerIteration(Integer.getInteger("lincheck.targeted.invocations", TARGETED_INVOCATIONS_DEFAULT))
            .addCustomScenario(scenario)
            .check(SharedLockManagerOperations.Plain.class);
    }

    private static Actor acquire(final int handle, final int path, final int kind) throws NoSuchMethodException
    {
        return new Actor(SharedLockManagerOperations.class.getMethod("acquire" + handle, int.class, int.class),
            List.of(path, kind));
    }

    private static Actor actor(final String operation, final Object... args) throws NoSuchMethodException
    {
        final Class<?>[] types = new Class<?>[args.length];
        java.util.Arrays.fill(types, int.class);
        return new Actor(SharedLockManagerOperations.class.getMethod(operation, types), List.of(args));
    }
}

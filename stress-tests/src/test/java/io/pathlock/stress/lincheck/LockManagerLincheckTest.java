package io.pathlock.stress.lincheck;

import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

/**
 * Model-checks the {@link io.pathlock.LockManager} facade over the in-memory store for
 * linearizability against {@link LockModel} (DESIGN §5), through {@link LockManagerOperations}.
 * Lincheck explores interleavings of the engine's shared-memory accesses under sequential
 * consistency (memory-model effects are jcstress's job).
 *
 * <p>Run: {@code mvn -B -pl stress-tests -am verify} (part of the normal build), or only this
 * class with {@code -Dtest=LockManagerLincheckTest -Dsurefire.failIfNoSpecifiedTests=false}; longer
 * runs with {@code -Dlincheck.iterations=200 -Dlincheck.invocations=2000}.
 */
class LockManagerLincheckTest
{
    /** Defaults sized for CI: the three checks take well under a minute on two shared cores. */
    /** Kept so the setting below is not collected: each invocation builds a manager, and each logs a start line. */
    private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("io.pathlock");

    static
    {
        // Thousands of managers: their INFO start lines would bury the build log. Warnings still show.
        QUIET.setLevel(java.util.logging.Level.WARNING);
    }

    private static final int ITERATIONS_DEFAULT = 4;
    private static final int INVOCATIONS_DEFAULT = 120;
    /** Enough for the targeted scenario: before the CLAIMING fix it failed within 2 s. */
    private static final int TARGETED_INVOCATIONS_DEFAULT = 200;

    /**
     * Model checking, sequential consistency. Scenario count and invocations per scenario are
     * system properties ({@code lincheck.iterations}, {@code lincheck.invocations}) for longer runs.
     */
    @Test
    void facadeIsLinearizable()
    {
        check(LockManagerOperations.Plain.class);
    }

    /** The same on inflated nodes (every path's chain inflated before the scenario starts). */
    @Test
    void facadeIsLinearizableOnInflatedNodes()
    {
        check(LockManagerOperations.Inflated.class);
    }

    private static void check(final Class<? extends LockManagerOperations> test)
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

    /**
     * Options shared by every check. Reporting code (conflict descriptions, exception messages,
     * observer counters, JFR events) is not analysed: it does not decide any grant, and tracing its
     * string building costs most of the search time.
     */
    private static ModelCheckingOptions options()
    {
        return new ModelCheckingOptions()
            .sequentialSpecification(LockModel.class)
            .addGuarantee(ManagedStrategyGuaranteeKt.forClasses(
                "io.pathlock.core.LockConflict",
                "io.pathlock.core.LockException",
                "io.pathlock.core.LockBusyException",
                "io.pathlock.Observer",
                "io.pathlock.observe.jfr.LockConflictEvent",
                "io.pathlock.observe.jfr.LockWaitEvent").allMethods().ignore());
    }

    /**
     * The interleaving behind the phantom refusal (see DoomedSubtreeClaimTest and
     * JCSTRESS-RESULTS.md), on inflated nodes: h0 holds POINT(/a/b); h1's SUBTREE(/a), bound to fail,
     * briefly sets HOLD = SUBTREE on /a; h2's POINT(/a) and POINT(/c) must not be refused for it.
     */
    @Test
    void doomedSubtreeClaimRefusesNobody() throws ReflectiveOperationException
    {
        final ExecutionScenario scenario = new ExecutionScenario(
            List.of(actor("point0", 1)),
            List.of(
                List.of(actor("subtree1", 0)),
                List.of(actor("point2", 0), actor("release2"), actor("point2", 2))),
            List.of(),
            null);
        options()
            .iterations(0)
            .invocationsPerIteration(Integer.getInteger("lincheck.targeted.invocations", TARGETED_INVOCATIONS_DEFAULT))
            .addCustomScenario(scenario)
            .check(LockManagerOperations.Inflated.class);
    }

    private static Actor actor(final String operation, final Object... args) throws NoSuchMethodException
    {
        final Class<?>[] types = new Class<?>[args.length];
        Arrays.fill(types, int.class);
        return new Actor(LockManagerOperations.class.getMethod(operation, types), List.of(args));
    }
}

package io.pathlock.host.spec;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockBusyException;
import io.pathlock.core.LockMode;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The full conflict matrix (DESIGN §2) between two sessions of one host table: two managers, each
 * over its own {@code HostLockStore} on one root (interop none, so the table alone decides). For
 * every held kind (POINT/SUBTREE x shared/exclusive), every requested kind and every relation of
 * the paths (same, requested ancestor, requested descendant, sibling, requested root, held root),
 * the second session is refused exactly where the hand-written matrix ({@link SpecMatrix}) says
 * conflict. After each cell, a refused request must have left nothing raised: the holder's session,
 * once it released, takes SUBTREE on the root.
 */
class HostConflictMatrixSpecTest
{
    @TempDir
    static Path root;

    private static HostSpec.Managers managers;
    private static LockManager a;
    private static LockManager b;

    /** Relation of the requested path to the held one. */
    enum Relation
    {
        SAME("/m/h", "/m/h"),
        ANCESTOR("/m/h", "/m"),
        DESCENDANT("/m/h", "/m/h/c"),
        SIBLING("/m/h", "/m/s"),
        ROOT_REQUESTED("/m/h", "/"),
        ROOT_HELD("/", "/m/h");

        final String held;
        final String requested;

        Relation(final String held, final String requested)
        {
            this.held = held;
            this.requested = requested;
        }
    }

    @BeforeAll
    static void open()
    {
        managers = new HostSpec.Managers();
        a = managers.open(root, "none");
        b = managers.open(root, "none");
    }

    @AfterAll
    static void close()
    {
        managers.close();
    }

    static Stream<Arguments> cells()
    {
        final List<Arguments> out = new ArrayList<>();
        for (final LockType ht : LockType.values())
        {
            for (final LockMode hm : LockMode.values())
            {
                for (final LockType rt : LockType.values())
                {
                    for (final LockMode rm : LockMode.values())
                    {
                        for (final Relation r : Relation.values())
                        {
                            out.add(Arguments.of(ht, hm, r, rt, rm));
                        }
                    }
                }
            }
        }
        return out.stream();
    }

    private static LockRequest req(final String path, final LockType t, final LockMode m)
    {
        return LockRequest.builder().add(path, t, m).build();
    }

    @ParameterizedTest(name = "session A holds {0}-{1}, session B asks {3}-{4} ({2})")
    @MethodSource("cells")
    void secondSessionIsRefusedExactlyWhereTheMatrixSaysConflict(final LockType ht, final LockMode hm, final Relation r,
        final LockType rt, final LockMode rm)
    {
        final boolean expectConflict = SpecMatrix.conflicts(r.held, ht, hm, r.requested, rt, rm);
        final LockHandle holder = a.open("holder");
        final LockHandle requester = b.open("requester");
        try
        {
            holder.tryAcquire(req(r.held, ht, hm));
            boolean granted;
            try
            {
                requester.tryAcquire(req(r.requested, rt, rm));
                granted = true;
            }
            catch (final LockBusyException e)
            {
                granted = false;
                assertNotNull(e.conflict(), "a refusal names its conflict");
                assertTrue(requester.locks().isEmpty(), "a refused request holds nothing: " + requester.locks());
            }
            assertEquals(!expectConflict, granted, (expectConflict ? "granted, expected refused: " : "refused, expected granted: ") +
                hm + " " + ht + " " + r.held + " held by another session, " + rm + " " + rt + " " + r.requested + " asked");
            // Symmetric: with the roles swapped the answer is the same.
            holder.releaseAll();
            requester.releaseAll();
            requester.tryAcquire(req(r.requested, rt, rm));
            assertEquals(!expectConflict, holder.tryLock(req(r.held, ht, hm)), "the same cell with the sessions swapped");
        }
        finally
        {
            holder.close();
            requester.close();
        }
        // Nothing of either session is left in the table: each takes SUBTREE on the root in turn.
        for (final LockManager m : new LockManager[] {a, b})
        {
            try (LockHandle all = m.tryLock(LockRequest.subtree("/")))
            {
                if (all == null)
                {
                    fail("after the cell every lock was released, yet SUBTREE / is refused in " + m.store().describe());
                }
            }
        }
    }
}

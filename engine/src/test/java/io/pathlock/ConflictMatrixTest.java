package io.pathlock;

import io.pathlock.core.LockPath;
import io.pathlock.core.LockType;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockConflict;
import io.pathlock.core.LockBusyException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * DESIGN §2's matrix, exhaustively: every pair of lock types × every relation between the held and
 * the requested path, in both acquisition orders. Expectations are written out by hand (not
 * computed by the code under test). Exercises LockTable invariant 1.
 */
class ConflictMatrixTest
{
    private final LockManager manager = LockManager.builder().startAgent(false).build();

    @AfterEach
    void close()
    {
        manager.close();
    }

    private record Case(String relation, String held, String requested)
    {
    }

    private static final List<Case> CASES = List.of(
        new Case("same", "/a/b", "/a/b"),
        new Case("held on ancestor", "/a", "/a/b/c"),
        new Case("held on parent", "/a/b", "/a/b/c"),
        new Case("held on descendant", "/a/b/c", "/a"),
        new Case("held on child", "/a/b/c", "/a/b"),
        new Case("sibling", "/a/b", "/a/c"),
        new Case("name prefix, not ancestor", "/a/b", "/a/bc"),
        new Case("unrelated", "/x/y", "/a/b"),
        new Case("root held, requested below", "/", "/a/b"),
        new Case("requested root, held below", "/a/b", "/"),
        new Case("root both", "/", "/"));

    /** held type, requested type, relation → expected conflict. */
    private static boolean expected(final LockType held, final LockType requested, final String relation)
    {
        switch (relation)
        {
            case "same":
            case "root both":
                return true;
            case "held on ancestor":
            case "held on parent":
            case "root held, requested below":
                return held == LockType.SUBTREE;
            case "held on descendant":
            case "held on child":
            case "requested root, held below":
                return requested == LockType.SUBTREE;
            case "sibling":
            case "name prefix, not ancestor":
            case "unrelated":
                return false;
            default:
                throw new IllegalArgumentException(relation);
        }
    }

    @Test
    void everyTypePairAndRelation() throws Exception
    {
        final List<String> failures = new ArrayList<>();
        int checked = 0;
        for (final Case c : CASES)
        {
            for (final LockType held : LockType.values())
            {
                for (final LockType requested : LockType.values())
                {
                    final boolean want = expected(held, requested, c.relation);
                    if (want != held.conflictsWith(LockPath.parse(c.held), requested, LockPath.parse(c.requested)))
                    {
                        failures.add("LockType.conflictsWith disagrees: " + held + " " + c);
                    }
                    final boolean got = conflicts(held, c.held, requested, c.requested);
                    final boolean gotReversed = conflicts(requested, c.requested, held, c.held);
                    if (got != want || gotReversed != want)
                    {
                        failures.add(held + " " + c.held + " vs " + requested + " " + c.requested + " (" + c.relation
                            + "): expected conflict=" + want + ", got " + got + " / reversed " + gotReversed);
                    }
                    checked++;
                }
            }
        }
        assertEquals(CASES.size() * 4, checked);
        if (!failures.isEmpty())
        {
            fail(String.join("\n", failures));
        }
        assertEquals(1, manager.table().reclaimIdle(), "everything released: only the root is left");
    }

    /**
     * The same matrix with batches: the case's entry travels with unrelated entries, on the
     * holder's side, the requester's side or both. A batch conflicts exactly when the case's entry
     * does, and a refused batch holds nothing, not even its unrelated entry (all-or-nothing).
     */
    @Test
    void everyTypePairAndRelationInsideBatches()
    {
        final List<String> failures = new ArrayList<>();
        int checked = 0;
        for (final Case c : CASES)
        {
            for (final LockType held : LockType.values())
            {
                for (final LockType requested : LockType.values())
                {
                    final boolean want = expected(held, requested, c.relation);
                    for (int shape = 0; shape < 3; shape++)
                    {
                        final LockRequest.Builder hb = LockRequest.builder().add(c.held, held);
                        final LockRequest.Builder rb = LockRequest.builder().add(c.requested, requested);
                        if (shape != 1)
                        {
                            hb.add("/zz/holder-extra", LockType.SUBTREE);
                        }
                        if (shape != 0)
                        {
                            // One entry sorts before the case's paths, one after: a batch refused
                            // at its second entry must give back its first.
                            rb.add("/0/requester-first", LockType.POINT).add("/zz9/requester-last", LockType.SUBTREE);
                        }
                        final LockRequest hr = hb.build();
                        final LockRequest rr = rb.build();
                        final boolean got = batchConflicts(hr, rr);
                        final boolean gotReversed = batchConflicts(rr, hr);
                        if (got != want || gotReversed != want)
                        {
                            failures.add(hr + " vs " + rr + " (" + c.relation + "): expected conflict=" + want
                                + ", got " + got + " / reversed " + gotReversed);
                        }
                        checked++;
                    }
                }
            }
        }
        assertEquals(CASES.size() * 4 * 3, checked);
        if (!failures.isEmpty())
        {
            fail(String.join("\n", failures));
        }
        assertEquals(1, manager.table().reclaimIdle(), "everything released: only the root is left");
    }

    /** Two conflict-free entries of one batch never block each other, in either order of listing. */
    @Test
    void aBatchDoesNotConflictWithItselfWhateverTheOrder()
    {
        try (LockHandle h = manager.open("self"))
        {
            h.tryAcquire(LockRequest.builder().add("/a/b", LockType.POINT).add("/a", LockType.POINT)
                .add("/a/c", LockType.SUBTREE).build());
            assertEquals(3, h.locks().size());
            h.releaseAll();
            h.tryAcquire(LockRequest.builder().add("/a/c", LockType.SUBTREE).add("/a", LockType.POINT)
                .add("/a/b", LockType.POINT).build());
            assertEquals(3, h.locks().size());
        }
    }

    private boolean batchConflicts(final LockRequest heldRequest, final LockRequest request)
    {
        try (LockHandle holder = manager.open("holder");
             LockHandle requester = manager.open("requester"))
        {
            holder.tryAcquire(heldRequest);
            try
            {
                requester.tryAcquire(request);
                assertEquals(request.entries().size(), requester.locks().size());
                return false;
            }
            catch (final LockBusyException e)
            {
                assertTrue(requester.locks().isEmpty(), "a refused batch holds nothing");
                assertTrue(e.conflict().holderOwnerId().startsWith("holder@"), e.getMessage());
                holder.releaseAll();
                try (LockHandle probe = manager.open("probe"))
                {
                    assertDoesNotThrow(() -> probe.tryAcquire(request),
                        "part of the refused batch " + request + " stayed claimed in the table");
                }
                return true;
            }
        }
    }

    private boolean conflicts(final LockType heldType, final String heldPath, final LockType reqType, final String reqPath)
    {
        try (LockHandle holder = manager.open("holder");
             LockHandle requester = manager.open("requester"))
        {
            holder.tryAcquire(LockRequest.builder().add(heldPath, heldType).build());
            try
            {
                requester.tryAcquire(LockRequest.builder().add(reqPath, reqType).build());
                assertEquals(1, requester.locks().size());
                return false;
            }
            catch (final LockBusyException e)
            {
                assertTrue(requester.locks().isEmpty(), "a refused request holds nothing");
                assertTrue(e.conflict().holderOwnerId().startsWith("holder@"), e.getMessage());
                return true;
            }
        }
    }

    @Test
    void busyMessageNamesPathHolderTypeAndAge()
    {
        try (LockHandle a = manager.open("writer-a");
             LockHandle b = manager.open("writer-b"))
        {
            a.tryAcquire(LockRequest.subtree("/data/set1"));
            final LockBusyException e = assertThrows(LockBusyException.class,
                () -> b.tryAcquire(LockRequest.point("/data/set1/f.txt")));
            final LockConflict c = e.conflict();
            assertEquals("/data/set1", c.path());
            assertEquals(LockConflict.Reason.HELD, c.reason());
            assertEquals(LockType.SUBTREE, c.holderType());
            assertTrue(c.holderOwnerId().startsWith("writer-a@"));
            assertTrue(c.heldForNanos() >= 0);
            assertTrue(e.getMessage().contains("/data/set1 is held by 'writer-a@"), e.getMessage());
            assertTrue(e.getMessage().contains("SUBTREE, held for"), e.getMessage());
        }
    }

    @Test
    void subtreeRefusalNamesTheHolderBelow()
    {
        try (LockHandle a = manager.open("deep");
             LockHandle b = manager.open("wide"))
        {
            a.tryAcquire(LockRequest.point("/t/u/v"));
            final LockBusyException e = assertThrows(LockBusyException.class, () -> b.tryAcquire(LockRequest.subtree("/t")));
            assertEquals("/t/u/v", e.conflict().path());
            assertEquals(LockType.POINT, e.conflict().holderType());
            assertTrue(e.conflict().holderOwnerId().startsWith("deep@"));
        }
    }
}

package io.pathlock;

import io.pathlock.core.HeldLock;
import io.pathlock.core.LockBusyException;
import io.pathlock.core.LockConflict;
import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 15: the conflict matrix of the four lock kinds (docs/design.md, "Shared locks: the conflict
 * matrix"), exhaustively: every held kind × requested kind × relation between the paths. The
 * expected outcome of every cell is written out by hand below, one grid per relation (not computed
 * from {@link LockType#conflictsWith}), and checked three ways: against the conflict function,
 * through the facade with the holder first, and through the facade with the requester first. The
 * same-handle cases (reentrancy, no downgrade, one lock per path, own locks never conflict) follow.
 *
 * <p>Grids: rows are the held kind, columns the requested kind, {@code X} a conflict and {@code .}
 * compatible. PS = POINT-SHARED, PX = POINT-EXCLUSIVE, SS = SUBTREE-SHARED, SX = SUBTREE-EXCLUSIVE.
 */
class SharedConflictMatrixTest
{
    private final LockManager manager = LockManager.builder().startAgent(false).build();

    @AfterEach
    void close()
    {
        manager.close();
    }

    /** The four lock kinds, in the order of the grids' rows and columns. */
    private enum Kind
    {
        PS(LockType.POINT, LockMode.SHARED),
        PX(LockType.POINT, LockMode.EXCLUSIVE),
        SS(LockType.SUBTREE, LockMode.SHARED),
        SX(LockType.SUBTREE, LockMode.EXCLUSIVE);

        final LockType type;
        final LockMode mode;

        Kind(final LockType type, final LockMode mode)
        {
            this.type = type;
            this.mode = mode;
        }

        LockRequest.Entry entry(final String path)
        {
            return new LockRequest.Entry(LockPath.parse(path), type, mode);
        }

        LockRequest request(final String path)
        {
            return LockRequest.builder().add(path, type, mode).build();
        }
    }

    /** One relation between a held and a requested path, with its hand-written grid. */
    private record Case(String relation, String held, String requested, String grid)
    {
        /** Whether the held kind conflicts with the requested kind, read from the grid. */
        boolean expected(final Kind heldKind, final Kind requestedKind)
        {
            final String[] lines = grid.strip().split("\n");
            assertEquals(5, lines.length, relation + ": a grid is a header and four rows");
            assertEquals(List.of("PS", "PX", "SS", "SX"), List.of(lines[0].trim().split("\\s+")),
                relation + ": columns are PS PX SS SX");
            final String[] row = lines[1 + heldKind.ordinal()].trim().split("\\s+");
            assertEquals(5, row.length, relation + ": a row is a label and four cells");
            assertEquals(heldKind.name(), row[0], relation + ": rows are PS PX SS SX");
            final String cell = row[1 + requestedKind.ordinal()];
            switch (cell)
            {
                case "X":
                    return true;
                case ".":
                    return false;
                default:
                    throw new IllegalArgumentException(relation + ": bad cell '" + cell + "'");
            }
        }
    }

    private static final List<Case> CASES = List.of(
        new Case("same path", "/a/b", "/a/b", """
               PS PX SS SX
            PS  .  X  .  X
            PX  X  X  X  X
            SS  .  X  .  X
            SX  X  X  X  X
            """),
        new Case("requested on a child of held", "/a/b", "/a/b/c", """
               PS PX SS SX
            PS  .  .  .  .
            PX  .  .  .  .
            SS  .  X  .  X
            SX  X  X  X  X
            """),
        new Case("requested on a deep descendant of held", "/a", "/a/b/c", """
               PS PX SS SX
            PS  .  .  .  .
            PX  .  .  .  .
            SS  .  X  .  X
            SX  X  X  X  X
            """),
        new Case("requested on the parent of held", "/a/b/c", "/a/b", """
               PS PX SS SX
            PS  .  .  .  X
            PX  .  .  X  X
            SS  .  .  .  X
            SX  .  .  X  X
            """),
        new Case("requested on a far ancestor of held", "/a/b/c", "/a", """
               PS PX SS SX
            PS  .  .  .  X
            PX  .  .  X  X
            SS  .  .  .  X
            SX  .  .  X  X
            """),
        new Case("sibling", "/a/b", "/a/c", """
               PS PX SS SX
            PS  .  .  .  .
            PX  .  .  .  .
            SS  .  .  .  .
            SX  .  .  .  .
            """),
        new Case("sibling whose name has the held name as a prefix", "/a/b", "/a/bc", """
               PS PX SS SX
            PS  .  .  .  .
            PX  .  .  .  .
            SS  .  .  .  .
            SX  .  .  .  .
            """),
        new Case("unrelated", "/x/y", "/a/b", """
               PS PX SS SX
            PS  .  .  .  .
            PX  .  .  .  .
            SS  .  .  .  .
            SX  .  .  .  .
            """),
        new Case("root held, requested below", "/", "/a/b", """
               PS PX SS SX
            PS  .  .  .  .
            PX  .  .  .  .
            SS  .  X  .  X
            SX  X  X  X  X
            """),
        new Case("root requested, held below", "/a/b", "/", """
               PS PX SS SX
            PS  .  .  .  X
            PX  .  .  X  X
            SS  .  .  .  X
            SX  .  .  X  X
            """),
        new Case("root held and requested", "/", "/", """
               PS PX SS SX
            PS  .  X  .  X
            PX  X  X  X  X
            SS  .  X  .  X
            SX  X  X  X  X
            """));

    private static final int CELLS = CASES.size() * 4 * 4;

    // ---- (a) the conflict function ------------------------------------------------------------

    /** {@link LockType#conflictsWith} and {@link LockRequest.Entry#conflictsWith}, both ways round. */
    @Test
    void conflictFunctionAgreesWithEveryHandWrittenCell()
    {
        final List<String> failures = new ArrayList<>();
        int checked = 0;
        for (final Case c : CASES)
        {
            for (final Kind held : Kind.values())
            {
                for (final Kind requested : Kind.values())
                {
                    final boolean want = c.expected(held, requested);
                    final boolean byType = held.type.conflictsWith(LockPath.parse(c.held), held.mode, requested.type,
                        requested.mode, LockPath.parse(c.requested));
                    final boolean byEntry = held.entry(c.held).conflictsWith(requested.entry(c.requested));
                    final boolean byEntryReversed = requested.entry(c.requested).conflictsWith(held.entry(c.held));
                    if (byType != want || byEntry != want || byEntryReversed != want)
                    {
                        failures.add(cell(c, held, requested) + ": expected conflict=" + want + ", LockType " + byType
                            + ", Entry " + byEntry + ", Entry reversed " + byEntryReversed);
                    }
                    checked++;
                }
            }
        }
        assertEquals(CELLS, checked);
        if (!failures.isEmpty())
        {
            fail(failures.size() + " cells disagree:\n" + String.join("\n", failures));
        }
    }

    /** The grids are not all alike: a grid typed by copy-paste everywhere would prove nothing. */
    @Test
    void gridsCountTheConflictsTheDesignNotesList()
    {
        int conflicts = 0;
        for (final Case c : CASES)
        {
            for (final Kind held : Kind.values())
            {
                for (final Kind requested : Kind.values())
                {
                    conflicts += c.expected(held, requested) ? 1 : 0;
                }
            }
        }
        // same path and root both: 12 each; each descendant case: 6; each ancestor case: 6; others 0.
        assertEquals(12 + 6 + 6 + 6 + 6 + 0 + 0 + 0 + 6 + 6 + 12, conflicts);
    }

    // ---- (b) and (c) through the facade ---------------------------------------------------------

    /** (b) The held lock first, then another handle's {@code tryAcquire}: refused exactly on X. */
    @Test
    void facadeRefusesExactlyTheConflictingCellsHolderFirst()
    {
        checkFacade(false);
    }

    /** (c) The requested lock taken first, then the held one by another handle: the same answer. */
    @Test
    void facadeRefusesExactlyTheConflictingCellsRequesterFirst()
    {
        checkFacade(true);
    }

    private void checkFacade(final boolean requesterFirst)
    {
        final List<String> failures = new ArrayList<>();
        int checked = 0;
        for (final Case c : CASES)
        {
            for (final Kind held : Kind.values())
            {
                for (final Kind requested : Kind.values())
                {
                    final boolean want = c.expected(held, requested);
                    final String problem = requesterFirst
                        ? facadeCell(requested, c.requested, held, c.held, want)
                        : facadeCell(held, c.held, requested, c.requested, want);
                    if (problem != null)
                    {
                        failures.add(cell(c, held, requested) + (requesterFirst ? " (requester first): " : ": ") + problem);
                    }
                    checked++;
                }
            }
        }
        assertEquals(CELLS, checked);
        if (!failures.isEmpty())
        {
            fail(failures.size() + " cells wrong through the facade:\n" + String.join("\n", failures));
        }
        assertEquals(1, manager.table().reclaimIdle(), "everything released: only the root is left");
    }

    /**
     * One cell: {@code first} taken by handle "holder", then {@code second} tried by handle
     * "requester". Returns null if the facade did what the grid says, else what went wrong.
     */
    private String facadeCell(final Kind first, final String firstPath, final Kind second, final String secondPath,
        final boolean wantConflict)
    {
        try (LockHandle holder = manager.open("holder");
             LockHandle requester = manager.open("requester"))
        {
            holder.tryAcquire(first.request(firstPath));
            final String heldProblem = holdsExactly(holder, first, firstPath);
            if (heldProblem != null)
            {
                return "holder: " + heldProblem;
            }
            try
            {
                requester.tryAcquire(second.request(secondPath));
            }
            catch (final LockBusyException e)
            {
                if (!wantConflict)
                {
                    return "refused, expected granted: " + e.getMessage();
                }
                if (!requester.locks().isEmpty())
                {
                    return "a refused request holds " + requester.locks();
                }
                final LockConflict k = e.conflict();
                if (k.reason() != LockConflict.Reason.HELD
                    || !k.holderOwnerId().startsWith("holder@")
                    || k.holderType() != first.type
                    || k.holderMode() != first.mode
                    || !LockPath.parse(firstPath).toString().equals(k.path()))
                {
                    return "refused, but the conflict does not name the holder's " + first + " lock on " + firstPath
                        + ": " + k;
                }
                return null;
            }
            if (wantConflict)
            {
                return "granted, expected refused";
            }
            return holdsExactly(requester, second, secondPath);
        }
    }

    private static String holdsExactly(final LockHandle h, final Kind kind, final String path)
    {
        final List<HeldLock> locks = h.locks();
        if (locks.size() != 1)
        {
            return "holds " + locks + ", expected one " + kind + " lock on " + path;
        }
        final HeldLock l = locks.get(0);
        if (l.type() != kind.type || l.mode() != kind.mode || !l.path().equals(LockPath.parse(path)))
        {
            return "holds " + l + " (" + l.mode() + "), expected " + kind + " on " + path;
        }
        return null;
    }

    private static String cell(final Case c, final Kind held, final Kind requested)
    {
        return held + " " + c.held + " held vs " + requested + " " + c.requested + " requested (" + c.relation + ")";
    }

    /**
     * Every cell again with batches: the case's entry travels with unrelated entries of other kinds,
     * on the holder's side, the requester's side or both. A batch conflicts exactly when the case's
     * entry does, and a refused batch holds nothing, not even its unrelated entries (all-or-nothing).
     */
    @Test
    void facadeRefusesExactlyTheConflictingCellsInsideBatches()
    {
        final List<String> failures = new ArrayList<>();
        int checked = 0;
        for (final Case c : CASES)
        {
            for (final Kind held : Kind.values())
            {
                for (final Kind requested : Kind.values())
                {
                    final boolean want = c.expected(held, requested);
                    for (int shape = 0; shape < 3; shape++)
                    {
                        final LockRequest.Builder hb = LockRequest.builder().add(c.held, held.type, held.mode);
                        final LockRequest.Builder rb = LockRequest.builder().add(c.requested, requested.type, requested.mode);
                        if (shape != 1)
                        {
                            hb.add("/zz/holder-extra", LockType.SUBTREE, LockMode.SHARED);
                        }
                        if (shape != 0)
                        {
                            // One entry sorts before the case's paths, one after: a batch refused at
                            // its second entry must give back its first. Both shared, so that a
                            // SUBTREE-SHARED held on the root does not refuse them for themselves.
                            rb.add("/0/requester-first", LockType.POINT, LockMode.SHARED)
                                .add("/zz9/requester-last", LockType.SUBTREE, LockMode.SHARED);
                        }
                        final String problem = batchCell(hb.build(), rb.build(), want);
                        if (problem != null)
                        {
                            failures.add(cell(c, held, requested) + " in batch shape " + shape + ": " + problem);
                        }
                        checked++;
                    }
                }
            }
        }
        assertEquals(CELLS * 3, checked);
        if (!failures.isEmpty())
        {
            fail(failures.size() + " batch cells wrong through the facade:\n" + String.join("\n", failures));
        }
        assertEquals(1, manager.table().reclaimIdle(), "everything released: only the root is left");
    }

    private String batchCell(final LockRequest heldRequest, final LockRequest request, final boolean wantConflict)
    {
        try (LockHandle holder = manager.open("holder");
             LockHandle requester = manager.open("requester"))
        {
            holder.tryAcquire(heldRequest);
            try
            {
                requester.tryAcquire(request);
            }
            catch (final LockBusyException e)
            {
                if (!wantConflict)
                {
                    return "refused, expected granted: " + e.getMessage();
                }
                if (!requester.locks().isEmpty())
                {
                    return "a refused batch holds " + requester.locks();
                }
                if (!e.conflict().holderOwnerId().startsWith("holder@"))
                {
                    return "the refusal does not name the holder: " + e.getMessage();
                }
                holder.releaseAll();
                try (LockHandle probe = manager.open("probe"))
                {
                    if (!probe.tryLock(request))
                    {
                        return "part of the refused batch " + request + " stayed claimed";
                    }
                }
                return null;
            }
            if (wantConflict)
            {
                return "granted, expected refused";
            }
            if (requester.locks().size() != request.size())
            {
                return "granted but holds " + requester.locks() + " for " + request;
            }
            return null;
        }
    }

    // ---- same handle --------------------------------------------------------------------------

    /** An exclusive lock covers the shared request on its path: no new grant and no downgrade. */
    @Test
    void exclusiveCoversSharedOnTheSamePathWithoutDowngrade()
    {
        try (LockHandle h = manager.open("h");
             LockHandle other = manager.open("other"))
        {
            h.tryAcquire(LockRequest.point("/a"));
            final long token = h.fencingToken("/a");
            h.tryAcquire(LockRequest.pointShared("/a"));
            assertNull(holdsExactly(h, Kind.PX, "/a"));
            assertEquals(token, h.fencingToken("/a"), "a covered request makes no new grant");
            final LockBusyException e = assertThrows(LockBusyException.class,
                () -> other.tryAcquire(LockRequest.pointShared("/a")), "still exclusive: no silent downgrade");
            assertEquals(LockMode.EXCLUSIVE, e.conflict().holderMode());

            h.releaseAll();
            h.tryAcquire(LockRequest.subtree("/s"));
            final long subtreeToken = h.fencingToken("/s");
            h.tryAcquire(LockRequest.subtreeShared("/s"));
            h.tryAcquire(LockRequest.pointShared("/s"));
            h.tryAcquire(LockRequest.pointShared("/s/t/u"));
            h.tryAcquire(LockRequest.subtreeShared("/s/t"));
            assertNull(holdsExactly(h, Kind.SX, "/s"));
            assertEquals(subtreeToken, h.fencingToken("/s"));
            assertFalse(other.tryLock(LockRequest.pointShared("/s/t/u")), "SUBTREE-EXCLUSIVE still excludes readers below");
            assertFalse(other.tryLock(LockRequest.subtreeShared("/s")));
        }
    }

    /** SUBTREE-SHARED covers shared locks below it (no new grant), but not exclusive ones. */
    @Test
    void subtreeSharedCoversPointSharedBelowButNotPointExclusive()
    {
        try (LockHandle h = manager.open("h");
             LockHandle other = manager.open("other"))
        {
            h.tryAcquire(LockRequest.subtreeShared("/a"));
            h.tryAcquire(LockRequest.pointShared("/a/b"));
            h.tryAcquire(LockRequest.subtreeShared("/a/c"));
            assertNull(holdsExactly(h, Kind.SS, "/a"), "covered shared requests below make no new grant");
            assertEquals(-1, h.fencingToken("/a/b"));

            h.tryAcquire(LockRequest.point("/a/b"));
            final List<HeldLock> locks = h.locks();
            assertEquals(2, locks.size(), "POINT-EXCLUSIVE below a SUBTREE-SHARED is a new grant: " + locks);
            assertTrue(locks.stream().anyMatch(l -> l.path().toString().equals("/a/b") && l.type() == LockType.POINT
                && l.mode() == LockMode.EXCLUSIVE), locks.toString());
            assertTrue(h.fencingToken("/a/b") > 0);

            final LockBusyException e = assertThrows(LockBusyException.class,
                () -> other.tryAcquire(LockRequest.pointShared("/a/b")));
            assertEquals("/a/b", e.conflict().path());
            assertEquals(LockMode.EXCLUSIVE, e.conflict().holderMode());
            assertTrue(other.tryLock(LockRequest.pointShared("/a/c")), "the rest of /a is still only read");
            assertTrue(other.tryLock(LockRequest.subtreeShared("/a/d")));
        }
    }

    /** Not covered means arbitrated: another handle's shared lock above refuses the exclusive one below. */
    @Test
    void exclusiveBelowOwnSubtreeSharedIsRefusedByAnotherSharedHolder()
    {
        try (LockHandle h = manager.open("h");
             LockHandle reader = manager.open("reader"))
        {
            h.tryAcquire(LockRequest.subtreeShared("/a"));
            reader.tryAcquire(LockRequest.subtreeShared("/a"));
            final LockBusyException e = assertThrows(LockBusyException.class, () -> h.tryAcquire(LockRequest.point("/a/b")));
            assertEquals(LockMode.SHARED, e.conflict().holderMode());
            assertTrue(e.conflict().holderOwnerId().startsWith("reader@"), e.getMessage());
            assertNull(holdsExactly(h, Kind.SS, "/a"), "a refused request leaves what the handle held");
        }
    }

    /** One lock per path: the merged kind is the stronger type and the stronger mode (design notes). */
    @Test
    void aSecondKindOnTheSamePathMergesToTheStrongerTypeAndMode()
    {
        try (LockHandle h = manager.open("h");
             LockHandle other = manager.open("other"))
        {
            h.tryAcquire(LockRequest.pointShared("/p"));
            h.tryAcquire(LockRequest.point("/p"));
            assertNull(holdsExactly(h, Kind.PX, "/p"));
            h.releaseAll();

            h.tryAcquire(LockRequest.subtreeShared("/s"));
            h.tryAcquire(LockRequest.subtree("/s"));
            assertNull(holdsExactly(h, Kind.SX, "/s"));
            h.releaseAll();

            h.tryAcquire(LockRequest.point("/m"));
            h.tryAcquire(LockRequest.subtreeShared("/m"));
            assertNull(holdsExactly(h, Kind.SX, "/m"), "POINT-EXCLUSIVE + SUBTREE-SHARED is SUBTREE-EXCLUSIVE");
            assertFalse(other.tryLock(LockRequest.pointShared("/m")), "no downgrade of the exclusive POINT");
            h.releaseAll();

            h.tryAcquire(LockRequest.subtreeShared("/n"));
            h.tryAcquire(LockRequest.point("/n"));
            assertNull(holdsExactly(h, Kind.SX, "/n"), "SUBTREE-SHARED + POINT-EXCLUSIVE is SUBTREE-EXCLUSIVE");
            assertFalse(other.tryLock(LockRequest.pointShared("/n")));
            assertFalse(other.tryLock(LockRequest.pointShared("/n/below")));
        }
    }

    /** A batch's own entries never block each other, even where they would conflict between owners. */
    @Test
    void aBatchHoldsSubtreeSharedAndAnExclusiveLockBelowIt()
    {
        final LockRequest r = LockRequest.builder()
            .add("/a/b", LockType.POINT, LockMode.EXCLUSIVE)
            .add("/a", LockType.SUBTREE, LockMode.SHARED)
            .build();
        assertEquals(2, r.size(), "SUBTREE-SHARED does not cover POINT-EXCLUSIVE: both entries stay");
        try (LockHandle h = manager.open("h");
             LockHandle other = manager.open("other"))
        {
            h.tryAcquire(r);
            assertEquals(2, h.locks().size());
            assertFalse(other.tryLock(LockRequest.pointShared("/a/b")));
            assertTrue(other.tryLock(LockRequest.pointShared("/a/c")));
            assertFalse(other.tryLock(LockRequest.point("/a/c")), "SUBTREE-SHARED(/a) refuses writers below");
        }
    }

    private static void assertNull(final String problem)
    {
        assertNull(problem, "");
    }

    private static void assertNull(final String problem, final String context)
    {
        if (problem != null)
        {
            fail(context.isEmpty() ? problem : context + ": " + problem);
        }
    }
}

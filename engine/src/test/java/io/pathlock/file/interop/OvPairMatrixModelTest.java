package io.pathlock.file.interop;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.pathlock.file.interop.OvFixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every (held kind, requested kind, relation) on directories, in both dialects: a lock planted by
 * the dialect itself, then one acquisition by another owner and one by the holder.
 */
class OvPairMatrixModelTest
{
    /** Where the held lock is relative to the requested path /a/b. */
    enum Relation
    {
        SAME("/a/b"), HELD_ON_ANCESTOR("/a"), HELD_ON_DESCENDANT("/a/b/c"), SIBLING("/a/d");

        final String heldPath;

        Relation(final String heldPath)
        {
            this.heldPath = heldPath;
        }

        boolean conflicts(final OvKind held, final OvKind requested)
        {
            switch (this)
            {
                case SAME:
                    return true;
                case HELD_ON_ANCESTOR:
                    return held == OvKind.SUBTREE;
                case HELD_ON_DESCENDANT:
                    return requested == OvKind.SUBTREE;
                default:
                    return false;
            }
        }
    }

    @TempDir
    Path root;

    static Stream<Arguments> pairs()
    {
        final List<Arguments> out = new ArrayList<>();
        for (final String dialect : List.of("ov431", "ragfs"))
        {
            for (final OvKind held : OvKind.values())
            {
                for (final OvKind requested : OvKind.values())
                {
                    for (final Relation relation : Relation.values())
                    {
                        out.add(Arguments.of(dialect, held, requested, relation));
                    }
                }
            }
        }
        return out.stream();
    }

    private OvDialectModel model(final String dialect)
    {
        return "ov431".equals(dialect) ? new Ov431Model(root, "/local") : new RagfsModel(root, "/local");
    }

    @ParameterizedTest(name = "{0}: held {1} on {3}, request {2} on /a/b")
    @MethodSource("pairs")
    void liveLockOfAnotherOwnerConflictsExactlyAsTheKindsSay(
        final String dialect, final OvKind held, final OvKind requested, final Relation relation) throws IOException
    {
        Files.createDirectories(root.resolve("a/b/c"));
        Files.createDirectories(root.resolve("a/d"));
        final OvDialectModel m = model(dialect);
        final Path heldFile = m.plant(relation.heldPath, held, "holder", T0);
        assertEquals(m.lockFileFor(relation.heldPath, held), heldFile);

        final OvDecision other = m.wouldAcquire("/a/b", requested, "other", T0 + 1);
        if (relation.conflicts(held, requested))
        {
            assertEquals(false, other.granted(), other.why());
            assertEquals(heldFile, other.blocker().file());
            assertEquals(OvVerdict.HELD, other.blocker().verdict());
        }
        else
        {
            assertTrue(other.granted(), other.why());
            assertNull(other.blocker());
        }
        assertTrue(other.staleRemoved().isEmpty());

        final OvDecision same = m.wouldAcquire("/a/b", requested, "holder", T0 + 1);
        assertTrue(same.granted(), "the holder's own token never blocks it: " + same.why());

        final OvDecision late = m.wouldAcquire("/a/b", requested, "other", T0 + m.defaultExpireNanos() + 1);
        assertTrue(late.granted(), "expired: " + late.why());
    }
}

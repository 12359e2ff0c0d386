package io.pathlock.core;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Normalisation of requests (DESIGN §2): merge, SUBTREE wins, covered entries dropped, sorted; the modes. */
class LockRequestTest
{
    private static LockRequest.Entry e(final String path, final LockType type)
    {
        return new LockRequest.Entry(LockPath.parse(path), type);
    }

    @Test
    void duplicatesMergeAndSubtreeWinsWhateverTheOrder()
    {
        assertEquals(List.of(e("/a", LockType.POINT)), LockRequest.point("/a", "/a").entries());
        assertEquals(List.of(e("/a", LockType.SUBTREE)),
            LockRequest.builder().add("/a", LockType.POINT).add("/a", LockType.SUBTREE).build().entries());
        assertEquals(List.of(e("/a", LockType.SUBTREE)),
            LockRequest.builder().add("/a", LockType.SUBTREE).add("/a", LockType.POINT).build().entries());
        assertEquals(List.of(e("/a", LockType.SUBTREE)),
            LockRequest.builder().add("/a", LockType.SUBTREE).add("/a", LockType.SUBTREE).build().entries());
    }

    @Test
    void entriesCoveredByAnAncestorSubtreeAreDroppedOthersKept()
    {
        final LockRequest r = LockRequest.builder()
            .add("/a/b/c", LockType.SUBTREE)
            .add("/a/b", LockType.SUBTREE)
            .add("/a/bc", LockType.POINT)
            .add("/a", LockType.POINT)
            .add("/a/b/d", LockType.POINT)
            .add("/z", LockType.POINT)
            .add("/z/y", LockType.SUBTREE)
            .build();
        assertEquals(List.of(e("/a", LockType.POINT), e("/a/b", LockType.SUBTREE), e("/a/bc", LockType.POINT),
            e("/z", LockType.POINT), e("/z/y", LockType.SUBTREE)), r.entries());
        assertEquals(5, r.size());
        assertEquals(List.of(e("/", LockType.SUBTREE)),
            LockRequest.builder().add("/x/y", LockType.POINT).add("/", LockType.SUBTREE).build().entries());
        assertEquals(List.of(e("/", LockType.POINT), e("/x", LockType.POINT)),
            LockRequest.builder().add("/x", LockType.POINT).add("/", LockType.POINT).build().entries(),
            "a POINT covers nothing below it");
    }

    @Test
    void orderOfListingNeverMattersAndEqualityFollowsEntries()
    {
        final LockRequest a = LockRequest.point("/b", "/a/c", "/a");
        final LockRequest b = LockRequest.point("/a", "/b", "/a/c");
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(a.toString(), b.toString());
        assertEquals("[POINT /a, POINT /a/c, POINT /b]", a.toString());
        assertNotEquals(a, LockRequest.point("/a", "/b"));
        assertNotEquals(a.hashCode(), LockRequest.point("/a", "/b").hashCode(), "hash follows the entries");
        assertNotEquals(a, LockRequest.subtree("/b", "/a/c", "/a"));
        assertFalse(a.equals("[POINT /a, POINT /a/c, POINT /b]"));
        assertThrows(UnsupportedOperationException.class, () -> a.entries().add(e("/q", LockType.POINT)));
    }

    @Test
    void modes()
    {
        assertEquals(List.of(e("/a/x", LockType.SUBTREE), e("/b", LockType.SUBTREE)),
            LockRequest.mv("/a/x", "/b", true).entries());
        assertEquals(List.of(e("/a", LockType.POINT), e("/b", LockType.POINT)),
            LockRequest.mv("/a/x", "/b", false).entries());
        assertEquals(List.of(e("/a", LockType.POINT)), LockRequest.mv("/a/x", "/a", false).entries(),
            "a file renamed within its directory locks the directory once");
        assertEquals(List.of(e("/", LockType.POINT), e("/d", LockType.POINT)), LockRequest.mv("/f", "/d", false).entries());
        assertEquals(List.of(e("/b", LockType.SUBTREE)), LockRequest.mv("/b/x", "/b", true).entries(),
            "the destination parent's SUBTREE covers the source below it");
        final IllegalArgumentException own = assertThrows(IllegalArgumentException.class,
            () -> LockRequest.mv("/a", "/a/b", true));
        assertTrue(own.getMessage().contains("/a") && own.getMessage().contains("own subtree"), own.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LockRequest.mv("/a", "/a", true));
        LockRequest.mv("/a", "/a/b", false);
        assertThrows(InvalidLockPathException.class, () -> LockRequest.mv("/", "/a", true));
        assertThrows(InvalidLockPathException.class, () -> LockRequest.mv("/", "/a", false));
        assertThrows(InvalidLockPathException.class, () -> LockRequest.mv("/a", "b", true));
        assertEquals(List.of(e("/x", LockType.SUBTREE), e("/y", LockType.SUBTREE)),
            LockRequest.subtree("/y", "/x").entries());
    }

    @Test
    void emptyAndInvalidRequestsAreRejected()
    {
        assertThrows(IllegalArgumentException.class, LockRequest::point);
        assertThrows(IllegalArgumentException.class, () -> LockRequest.subtree((CharSequence[])null));
        assertThrows(IllegalArgumentException.class, () -> LockRequest.builder().build());
        assertThrows(InvalidLockPathException.class, () -> LockRequest.point("/a", "relative"));
        assertThrows(IllegalArgumentException.class, () -> LockRequest.builder().add((LockPath)null, LockType.POINT));
        assertThrows(IllegalArgumentException.class, () -> LockRequest.builder().add(LockPath.parse("/a"), null));
        assertThrows(IllegalArgumentException.class, () -> new LockRequest.Entry(null, LockType.POINT));
        assertThrows(IllegalArgumentException.class, () -> new LockRequest.Entry(LockPath.parse("/a"), null));
    }

    @Test
    void entryCoverage()
    {
        assertTrue(e("/a", LockType.SUBTREE).covers(e("/a", LockType.SUBTREE)));
        assertTrue(e("/a", LockType.SUBTREE).covers(e("/a/b", LockType.SUBTREE)));
        assertTrue(e("/a", LockType.SUBTREE).covers(e("/a/b/c", LockType.POINT)));
        assertFalse(e("/a", LockType.SUBTREE).covers(e("/ab", LockType.POINT)));
        assertFalse(e("/a/b", LockType.SUBTREE).covers(e("/a", LockType.POINT)));
        assertTrue(e("/a", LockType.POINT).covers(e("/a", LockType.POINT)));
        assertFalse(e("/a", LockType.POINT).covers(e("/a", LockType.SUBTREE)), "never a silent downgrade");
        assertFalse(e("/a", LockType.POINT).covers(e("/a/b", LockType.POINT)));
        assertEquals("SUBTREE /a", e("/a", LockType.SUBTREE).toString());
    }
}

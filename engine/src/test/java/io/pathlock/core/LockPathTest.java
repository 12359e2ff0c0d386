package io.pathlock.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LockPathTest
{
    @Test
    void parsesAndNormalisedTextRoundTrips()
    {
        final LockPath p = LockPath.parse("/a/b/c");
        assertEquals(3, p.depth());
        assertEquals("c", p.name());
        assertEquals("/a/b", p.parent().toString());
        assertEquals("/a", p.prefix(1).toString());
        assertSame(LockPath.root(), p.prefix(0));
        assertEquals("/a/b/c", p.toString());
        assertEquals(p, LockPath.parse(new StringBuilder("/a/b/c")));
    }

    @Test
    void rootIsLockableAndHasNoParent()
    {
        final LockPath root = LockPath.parse("/");
        assertTrue(root.isRoot());
        assertEquals(0, root.depth());
        assertTrue(root.isAncestorOf(LockPath.parse("/x")));
        final InvalidLockPathException e = assertThrows(InvalidLockPathException.class, root::parent);
        assertTrue(e.getMessage().contains("root has no parent"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/b", "/a/", "/a//b", "/a/./b", "/a/../b", "/..", "//", "/a/b/"})
    void rejectsMalformedPathsNamingTheInput(final String bad)
    {
        final InvalidLockPathException e = assertThrows(InvalidLockPathException.class, () -> LockPath.parse(bad));
        assertTrue(e.getMessage().contains("\"" + bad + "\""), e.getMessage());
        assertEquals(bad, e.input());
    }

    @Test
    void rejectsControlCharactersAndSaysWhere()
    {
        final InvalidLockPathException e = assertThrows(InvalidLockPathException.class, () -> LockPath.parse("/a\u0000b"));
        assertTrue(e.getMessage().contains("control character (code 0) at index 2"), e.getMessage());
        assertTrue(e.getMessage().contains("\\u0000"), "the message escapes the NUL: " + e.getMessage());
        assertThrows(InvalidLockPathException.class, () -> LockPath.parse("/a\nb"));
    }

    @Test
    void rejectsNullAndOverlongPaths()
    {
        assertThrows(InvalidLockPathException.class, () -> LockPath.parse(null));
        final String tooLong = "/" + "x".repeat(LockPath.MAX_LENGTH);
        final InvalidLockPathException e = assertThrows(InvalidLockPathException.class, () -> LockPath.parse(tooLong));
        assertTrue(e.getMessage().contains("more than " + LockPath.MAX_LENGTH), e.getMessage());
        final String tooDeep = "/a".repeat(LockPath.MAX_DEPTH + 1);
        assertThrows(InvalidLockPathException.class, () -> LockPath.parse(tooDeep));
    }

    @Test
    void ancestryAndOrdering()
    {
        final LockPath a = LockPath.parse("/a");
        final LockPath ab = LockPath.parse("/a/b");
        final LockPath abc = LockPath.parse("/a/bc");
        assertTrue(a.isAncestorOf(ab));
        assertFalse(ab.isAncestorOf(a));
        assertFalse(a.isAncestorOf(a));
        assertTrue(a.isAncestorOrSelf(a));
        assertFalse(ab.isAncestorOf(abc), "/a/b is not an ancestor of /a/bc");
        assertTrue(a.compareTo(ab) < 0);
        assertTrue(LockPath.root().compareTo(a) < 0);
    }

    @Test
    void requestNormalisationMergesAndDropsCoveredEntries()
    {
        final LockRequest r = LockRequest.builder()
            .add("/a/b", LockType.POINT)
            .add("/a", LockType.SUBTREE)
            .add("/c", LockType.POINT)
            .add("/c", LockType.SUBTREE)
            .add("/d", LockType.POINT)
            .add("/d/e", LockType.POINT)
            .build();
        assertEquals("[SUBTREE /a, SUBTREE /c, POINT /d, POINT /d/e]", r.toString());
        assertEquals(LockRequest.point("/y", "/x"), LockRequest.point("/x", "/y", "/x"));
    }

    @Test
    void mvModes()
    {
        assertEquals("[SUBTREE /a/x, SUBTREE /b]", LockRequest.mv("/a/x", "/b", true).toString());
        assertEquals("[POINT /a, POINT /b]", LockRequest.mv("/a/x", "/b", false).toString());
        assertEquals("[POINT /a]", LockRequest.mv("/a/x", "/a", false).toString());
        assertThrows(IllegalArgumentException.class, () -> LockRequest.mv("/a", "/a/b", true));
        assertThrows(InvalidLockPathException.class, () -> LockRequest.mv("/", "/b", true));
        assertThrows(IllegalArgumentException.class, () -> LockRequest.point());
    }

    /** The parse cache returns equal paths, never caches a refusal, and handles colliding slots. */
    @Test
    void parseCacheIsTransparent()
    {
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 5000; i++)
            {
                final String text = "/c/" + (i % 3000) + "/x";
                final LockPath p = LockPath.parse(text);
                assertEquals(text, p.toString());
                assertEquals(3, p.depth());
                assertEquals(String.valueOf(i % 3000), p.segment(1));
                assertEquals(p, LockPath.parse(new StringBuilder(text)), "String and CharSequence parse alike");
            }
            assertThrows(InvalidLockPathException.class, () -> LockPath.parse("/c/../x"));
            assertThrows(InvalidLockPathException.class, () -> LockPath.parse("/c/../x"), "refusals are not cached");
        }
        final String longPath = "/" + "s".repeat(300);
        assertEquals(longPath, LockPath.parse(longPath).toString());
    }

    /** parentHash() is the parent's hashCode() without making the parent; isChildOf is one segment below. */
    @Test
    void parentHashAndIsChildOf()
    {
        for (final String p : new String[] {"/a", "/a/b", "/a/b/c", "/data/u1/proj/src/main/f", "/\u00e9t\u00e9/x"})
        {
            final LockPath lp = LockPath.parse(p);
            org.junit.jupiter.api.Assertions.assertEquals(lp.parent().hashCode(), lp.parentHash(), p);
            org.junit.jupiter.api.Assertions.assertTrue(lp.isChildOf(lp.parent()), p);
            org.junit.jupiter.api.Assertions.assertFalse(lp.isChildOf(lp), p);
        }
        org.junit.jupiter.api.Assertions.assertFalse(LockPath.parse("/a/bc").isChildOf(LockPath.parse("/a/b")));
        org.junit.jupiter.api.Assertions.assertFalse(LockPath.parse("/ab/c").isChildOf(LockPath.parse("/a")));
        org.junit.jupiter.api.Assertions.assertFalse(LockPath.parse("/a/b/c").isChildOf(LockPath.parse("/a")));
        org.junit.jupiter.api.Assertions.assertFalse(LockPath.parse("/b/c").isChildOf(LockPath.parse("/a")));
        org.junit.jupiter.api.Assertions.assertTrue(LockPath.parse("/a").isChildOf(LockPath.root()));
        // a parent whose text is as long as the path's, or longer (found by host-spec: it threw)
        assertFalse(LockPath.parse("/k/p").isChildOf(LockPath.parse("/parent1")));
        assertFalse(LockPath.parse("/k/pq").isChildOf(LockPath.parse("/kpq")));
        org.junit.jupiter.api.Assertions.assertThrows(InvalidLockPathException.class, () -> LockPath.root().parentHash());
    }
}

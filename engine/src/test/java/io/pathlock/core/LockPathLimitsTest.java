package io.pathlock.core;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exact limits of {@link LockPath} (found by the mutation-test review): length, depth, characters, prefixes, children. */
class LockPathLimitsTest
{
    @Test
    void lengthLimitIsInclusive()
    {
        final String longest = "/" + "a".repeat(LockPath.MAX_LENGTH - 1);
        assertEquals(LockPath.MAX_LENGTH, longest.length());
        assertEquals(longest, LockPath.parse(longest).toString());
        final InvalidLockPathException e = assertThrows(InvalidLockPathException.class,
            () -> LockPath.parse(longest + "b"));
        assertTrue(e.getMessage().contains(String.valueOf(LockPath.MAX_LENGTH + 1)), e.getMessage());
    }

    @Test
    void depthLimitIsInclusive()
    {
        final String deepest = "/x".repeat(LockPath.MAX_DEPTH);
        assertEquals(LockPath.MAX_DEPTH, LockPath.parse(deepest).depth());
        final InvalidLockPathException e = assertThrows(InvalidLockPathException.class,
            () -> LockPath.parse(deepest + "/x"));
        assertTrue(e.getMessage().contains((LockPath.MAX_DEPTH + 1) + " segments"), e.getMessage());
    }

    @Test
    void controlCharactersAreRejectedAndSpaceIsNot()
    {
        assertEquals("/a b", LockPath.parse("/a b").toString());
        assertEquals("/a~", LockPath.parse("/a~").toString());
        assertThrows(InvalidLockPathException.class, () -> LockPath.parse("/a\u001fb"));
        assertThrows(InvalidLockPathException.class, () -> LockPath.parse("/a\u007fb"));
        assertThrows(InvalidLockPathException.class, () -> LockPath.parse("/a\u0000"));
    }

    @Test
    void prefixesAtEveryDepth()
    {
        final LockPath p = LockPath.parse("/a/b/c");
        assertSame(LockPath.root(), p.prefix(0));
        assertEquals(LockPath.parse("/a"), p.prefix(1));
        assertEquals(LockPath.parse("/a/b"), p.prefix(2));
        assertSame(p, p.prefix(3));
        assertThrows(IndexOutOfBoundsException.class, () -> p.prefix(4));
        assertThrows(IndexOutOfBoundsException.class, () -> p.prefix(-1));
        assertEquals("/a/b", p.prefix(2).toString());
    }

    @Test
    void childrenAndHashing()
    {
        assertEquals(LockPath.parse("/a"), LockPath.root().child("a"));
        assertEquals(LockPath.parse("/a/b"), LockPath.parse("/a").child("b"));
        assertThrows(InvalidLockPathException.class, () -> LockPath.parse("/a").child(""));
        final Set<Integer> hashes = new HashSet<>();
        for (final String s : new String[] {"/", "/a", "/b", "/a/b", "/b/a"})
        {
            assertEquals(LockPath.parse(s).hashCode(), LockPath.parse(s).hashCode());
            hashes.add(LockPath.parse(s).hashCode());
        }
        assertTrue(hashes.size() > 1, "hash codes are not all the same");
        assertNotEquals(LockPath.parse("/a/b"), LockPath.parse("/b/a"));
    }
}

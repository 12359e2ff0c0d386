package io.pathlock.core;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Modes in requests: the shared factories, merging on one path, coverage across modes, parsing. */
class LockModeRequestTest
{
    private static LockRequest.Entry e(final String path, final LockType type, final LockMode mode)
    {
        return new LockRequest.Entry(LockPath.parse(path), type, mode);
    }

    @Test
    void sharedFactoriesMakeSharedEntriesAndTheOthersStayExclusive()
    {
        assertEquals(List.of(e("/a", LockType.POINT, LockMode.SHARED)), LockRequest.pointShared("/a").entries());
        assertEquals(List.of(e("/a", LockType.SUBTREE, LockMode.SHARED)), LockRequest.subtreeShared("/a").entries());
        assertEquals(List.of(e("/a", LockType.POINT, LockMode.SHARED), e("/b", LockType.POINT, LockMode.SHARED)),
            LockRequest.pointShared("/b", "/a").entries());
        assertEquals(LockMode.EXCLUSIVE, LockRequest.point("/a").entries().get(0).mode());
        assertEquals(LockMode.EXCLUSIVE, LockRequest.subtree("/a").entries().get(0).mode());
        assertEquals(LockMode.EXCLUSIVE, new LockRequest.Entry(LockPath.parse("/a"), LockType.POINT).mode());
    }

    @Test
    void onOnePathTheTypeAndTheModeEachTakeTheStrongerWhateverTheOrder()
    {
        assertEquals(List.of(e("/a", LockType.POINT, LockMode.EXCLUSIVE)),
            LockRequest.builder().add("/a", LockType.POINT, LockMode.SHARED).add("/a", LockType.POINT).build().entries());
        assertEquals(List.of(e("/a", LockType.SUBTREE, LockMode.SHARED)),
            LockRequest.builder().add("/a", LockType.SUBTREE, LockMode.SHARED).add("/a", LockType.POINT, LockMode.SHARED).build().entries());
        assertEquals(List.of(e("/a", LockType.SUBTREE, LockMode.EXCLUSIVE)),
            LockRequest.builder().add("/a", LockType.POINT).add("/a", LockType.SUBTREE, LockMode.SHARED).build().entries());
        assertEquals(List.of(e("/a", LockType.SUBTREE, LockMode.EXCLUSIVE)),
            LockRequest.builder().add("/a", LockType.SUBTREE, LockMode.SHARED).add("/a", LockType.POINT).build().entries());
    }

    @Test
    void aSharedSubtreeCoversOnlySharedLocksBelowItAnExclusiveOneEverything()
    {
        assertEquals(List.of(e("/a", LockType.SUBTREE, LockMode.SHARED), e("/a/b", LockType.POINT, LockMode.EXCLUSIVE)),
            LockRequest.builder().add("/a", LockType.SUBTREE, LockMode.SHARED).add("/a/b", LockType.POINT)
                .add("/a/c", LockType.SUBTREE, LockMode.SHARED).add("/a/d", LockType.POINT, LockMode.SHARED).build().entries());
        assertEquals(List.of(e("/a", LockType.SUBTREE, LockMode.EXCLUSIVE)),
            LockRequest.builder().add("/a", LockType.SUBTREE).add("/a/b", LockType.POINT)
                .add("/a/c", LockType.SUBTREE, LockMode.SHARED).build().entries());
        final LockRequest.Entry ss = e("/a", LockType.SUBTREE, LockMode.SHARED);
        assertTrue(ss.covers(e("/a/b/c", LockType.SUBTREE, LockMode.SHARED)));
        assertTrue(ss.covers(e("/a", LockType.POINT, LockMode.SHARED)));
        assertFalse(ss.covers(e("/a", LockType.POINT, LockMode.EXCLUSIVE)));
        assertFalse(ss.covers(e("/a/b", LockType.POINT, LockMode.EXCLUSIVE)));
        assertFalse(ss.covers(e("/b", LockType.POINT, LockMode.SHARED)));
        final LockRequest.Entry px = e("/a", LockType.POINT, LockMode.EXCLUSIVE);
        assertTrue(px.covers(e("/a", LockType.POINT, LockMode.SHARED)));
        assertFalse(px.covers(e("/a", LockType.SUBTREE, LockMode.SHARED)));
        assertFalse(e("/a", LockType.POINT, LockMode.SHARED).covers(px));
    }

    @Test
    void entriesConflictOnlyWhereTheyMeetAndNotBothShared()
    {
        final LockRequest.Entry ssA = e("/a", LockType.SUBTREE, LockMode.SHARED);
        assertFalse(ssA.conflictsWith(e("/a/b", LockType.POINT, LockMode.SHARED)));
        assertTrue(ssA.conflictsWith(e("/a/b", LockType.POINT, LockMode.EXCLUSIVE)));
        assertTrue(e("/a/b", LockType.POINT, LockMode.EXCLUSIVE).conflictsWith(ssA));
        assertFalse(ssA.conflictsWith(e("/b", LockType.SUBTREE, LockMode.EXCLUSIVE)));
        assertFalse(e("/a", LockType.POINT, LockMode.EXCLUSIVE).conflictsWith(e("/a/b", LockType.POINT, LockMode.EXCLUSIVE)));
    }

    @Test
    void modesParseByNameOrLetterAndBadTextIsNamed()
    {
        assertEquals(LockMode.SHARED, LockMode.parse("s"));
        assertEquals(LockMode.SHARED, LockMode.parse("Shared"));
        assertEquals(LockMode.EXCLUSIVE, LockMode.parse("x"));
        assertEquals(LockMode.EXCLUSIVE, LockMode.parse("EXCLUSIVE"));
        final IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> LockMode.parse("read"));
        assertTrue(bad.getMessage().contains("'read'"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LockMode.parse(null));
        assertThrows(IllegalArgumentException.class, () -> new LockRequest.Entry(LockPath.parse("/a"), LockType.POINT, null));
    }

    @Test
    void heldLocksAndConflictsNameTheSharedMode()
    {
        final HeldLock h = new HeldLock("o", LockPath.parse("/a"), LockType.SUBTREE, 7, 0, LockMode.SHARED);
        assertTrue(h.toString().startsWith("SUBTREE-SHARED /a"), h.toString());
        assertEquals(LockMode.EXCLUSIVE, new HeldLock("o", LockPath.parse("/a"), LockType.POINT, 7, 0).mode());
        final LockConflict c = new LockConflict("/a", LockConflict.Reason.HELD, "o", LockType.POINT, -1, "memory", LockMode.SHARED);
        assertTrue(c.toString().contains("(POINT-SHARED)"), c.toString());
        assertEquals(LockMode.EXCLUSIVE, new LockConflict("/a", LockConflict.Reason.HELD, "o", LockType.POINT, -1, "memory").holderMode());
    }
}

package io.pathlock;

import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.table.LockOwner;
import io.pathlock.table.LockTable;
import io.pathlock.table.TrieNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lock table's fencing tokens (LockTable, FENCING TOKENS), used by the in-memory store: if
 * grant A happens before a conflicting grant B then token(A) &lt; token(B) (DESIGN §2), for every
 * kind of conflicting pair, across node reclamation, and across the overflow of a node's
 * per-epoch count. The concurrent cases are the jcstress tests GrantTokenTest and
 * GrantTokenEpochTest; that the token is taken inside the claim is FencingOrderTest's.
 */
class TableTokenTest
{
    private final LockManager manager = LockManager.builder().startAgent(false).build();

    @AfterEach
    void close()
    {
        manager.close();
    }

    static Stream<Arguments> conflictingPairs()
    {
        return Stream.of(
            Arguments.of(LockRequest.point("/f"), LockRequest.point("/f")),
            Arguments.of(LockRequest.point("/d/f"), LockRequest.subtree("/d")),
            Arguments.of(LockRequest.subtree("/d"), LockRequest.point("/d/e/f")),
            Arguments.of(LockRequest.subtree("/d/e"), LockRequest.subtree("/d")),
            Arguments.of(LockRequest.subtree("/d"), LockRequest.subtree("/d/e")),
            Arguments.of(LockRequest.point("/d"), LockRequest.subtree("/d")),
            Arguments.of(LockRequest.mv("/a/x", "/b", true), LockRequest.point("/b/y")),
            Arguments.of(LockRequest.point("/q"), LockRequest.mv("/p/x", "/q", true)));
    }

    private static long maxToken(final LockHandle h)
    {
        return h.locks().stream().mapToLong(l -> l.fencingToken()).max().orElseThrow();
    }

    /** Grant A, other grants that do not conflict, release A, grant B: token(B) &gt; token(A). */
    @ParameterizedTest(name = "{0} then {1}")
    @MethodSource("conflictingPairs")
    void laterConflictingGrantHasTheLargerToken(final LockRequest first, final LockRequest second)
    {
        for (final boolean reclaimBetween : new boolean[] {false, true})
        {
            final LockHandle a = manager.open("a");
            a.tryAcquire(first);
            a.tryAcquire(first);
            final long tokenA = maxToken(a);
            try (LockHandle other = manager.open("other"))
            {
                // Unrelated POINT grants in between must not lower what B gets.
                for (int i = 0; i < 5; i++)
                {
                    other.tryAcquire(LockRequest.point("/unrelated/" + i));
                }
            }
            a.close();
            if (reclaimBetween)
            {
                manager.table().reclaimIdle();
            }
            try (LockHandle b = manager.open("b"))
            {
                b.tryAcquire(second);
                final long tokenB = b.locks().stream().mapToLong(l -> l.fencingToken()).min().orElseThrow();
                assertTrue(tokenB > tokenA, second + " got " + tokenB + " after " + first + " had " + tokenA
                    + (reclaimBetween ? " (nodes reclaimed between)" : ""));
            }
        }
    }

    /** Repeated grants of one path strictly increase, through reclamation of its node. */
    @Test
    void samePathIncreasesThroughReclamation()
    {
        long last = 0;
        for (int i = 0; i < 50; i++)
        {
            try (LockHandle h = manager.open("f"))
            {
                h.tryAcquire(LockRequest.point("/f/g"));
                final long t = h.fencingToken("/f/g");
                assertTrue(t > last, t + " after " + last);
                last = t;
            }
            if (i % 7 == 0)
            {
                manager.table().reclaimIdle();
            }
        }
    }

    /** A node whose per-epoch count is exhausted moves the epoch on, so later SUBTREEs stay above. */
    @Test
    void perEpochOverflowMovesTheEpoch()
    {
        final LockTable t = manager.table();
        final LockTable.Conflict c = new LockTable.Conflict();
        final TrieNode n = t.tryLock(LockPath.parse("/o/f"), LockType.POINT, 0, false, null, c);
        final long full = (1L << LockTable.TOKEN_SUB_BITS) - 1;
        final LockOwner owner = () -> "test";
        LockTable.attachHolder(n, owner, full, 0);
        final long overflow = t.grantToken(new TrieNode[] {n}, 1, false);
        assertEquals(full + 1, overflow, "one above the node's last token");
        LockTable.attachHolder(n, owner, overflow, 0);
        t.unlock(n);
        final TrieNode sub = t.tryLock(LockPath.parse("/o"), LockType.SUBTREE, 0, false, null, c);
        assertTrue(t.grantToken(new TrieNode[] {sub}, 1, true) > overflow, "the SUBTREE after it is above it");
        t.unlock(sub);
    }
}

package io.pathlock.file;

import io.pathlock.core.LockType;
import io.pathlock.posix.PosixStat;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link LockJudge}: the one liveness rule, with injected wall and monotonic clocks (J2–J5). */
class LockJudgeTest
{
    private static final long S = TimeUnit.SECONDS.toNanos(1);
    private static final long T0 = 1_764_650_000L * S;

    private final AtomicLong wall = new AtomicLong(T0);
    private final AtomicLong mono = new AtomicLong(1_000 * S);

    private LockJudge judge(final long overrideNanos)
    {
        return new LockJudge(true, overrideNanos, Dialect.RAGFS, wall::get, mono::get);
    }

    private static LockTokenDescriptor.Token foreign(final long time, final char code)
    {
        return new LockTokenDescriptor.Token("ov-owner", time, Dialect.typeOfCode(code), LockTokenDescriptor.Origin.FOREIGN,
            Dialect.ofCode(code));
    }

    private void advance(final long nanos)
    {
        wall.addAndGet(nanos);
        mono.addAndGet(nanos);
    }

    @Test
    void eachForeignTokenExpiresByItsOwnDialect()
    {
        final LockJudge j = judge(0);
        final PosixStat st = new PosixStat();
        final LockTokenDescriptor.Token ragfs = foreign(T0, 'E');
        final LockTokenDescriptor.Token ov431 = foreign(T0, 'P');
        advance(30 * S);
        assertFalse(j.judge(ragfs, st, null, -1, false).stale(), "exactly 30 s is not older than 30 s");
        advance(1);
        assertTrue(j.judge(ragfs, st, null, -1, false).stale());
        assertFalse(j.judge(ov431, st, null, -1, false).stale());
        advance(270 * S);
        assertTrue(j.judge(ov431, st, null, -1, false).stale());
    }

    @Test
    void configuredExpiryAppliesToEveryDialect()
    {
        final LockJudge j = judge(5 * S);
        final LockTokenDescriptor.Token ov431 = foreign(T0, 'S');
        advance(5 * S + 1);
        assertTrue(j.judge(ov431, new PosixStat(), null, -1, false).stale());
    }

    @Test
    void aTokenFromTheFutureIsHeldWhileItsFileIsFromTheFutureToo()
    {
        final LockJudge j = judge(0);
        final LockTokenDescriptor.Token future = foreign(T0 + 3_600 * S, 'E');
        final PosixStat st = new PosixStat().set(1, 1, 10, PosixStat.S_IFREG, T0 + 3_600 * S, 1, 0);
        advance(1_000 * S);
        assertFalse(j.judge(future, st, null, -1, false).stale());
        assertEquals(LockFileState.FOREIGN, j.judge(future, st, null, -1, false).state());
        // A token clock ahead of the file system's: the file's time (written now) ages it instead.
        final PosixStat written = new PosixStat().set(1, 1, 10, PosixStat.S_IFREG, wall.get(), 1, 0);
        advance(31 * S);
        assertTrue(j.judge(foreign(wall.get() + 3_600 * S, 'E'), written, null, -1, false).stale());
    }

    @Test
    void aForwardWallClockJumpDoesNotMakeALiveLockStale()
    {
        final LockJudge j = judge(0);
        final PosixStat st = new PosixStat();
        final LockTokenDescriptor.Token t = foreign(T0, 'E');
        assertFalse(j.judge(t, st, null, -1, false).stale());
        advance(5 * S);
        wall.addAndGet(3_600 * S); // NTP step or an operator: the wall clock leaps an hour ahead.
        assertFalse(j.judge(t, st, null, -1, false).stale(), "5 s of real age must not become an hour");
        advance(26 * S);
        assertTrue(j.judge(t, st, null, -1, false).stale(), "31 s of real age is stale");
    }

    @Test
    void aBackwardJumpOnlyMakesLocksLiveLonger()
    {
        final LockJudge j = judge(0);
        final LockTokenDescriptor.Token t = foreign(T0, 'E');
        advance(10 * S);
        wall.addAndGet(-600 * S);
        final PosixStat writtenThen = new PosixStat().set(1, 1, 10, PosixStat.S_IFREG, T0, 1, 0);
        assertFalse(j.judge(t, writtenThen, null, -1, false).stale());
    }

    @Test
    void ourAgedTokensUseTheWriteDialectsExpiry()
    {
        final LockJudge j = judge(0);
        final LockTokenDescriptor.Token aged = new LockTokenDescriptor.Token("pl1n|1|h|n|o", T0, LockType.POINT,
            LockTokenDescriptor.Origin.AGED, Dialect.OV431);
        advance(31 * S);
        assertTrue(j.judge(aged, new PosixStat(), null, -1, false).stale(), "written by a ragfs-dialect store: 30 s");
    }
}

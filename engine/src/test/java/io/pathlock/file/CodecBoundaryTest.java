package io.pathlock.file;

import io.pathlock.core.LockType;
import io.pathlock.posix.Posix;
import io.pathlock.posix.PosixBackends;
import io.pathlock.posix.PosixStat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Boundaries of the token codec, the sidecar names and the liveness rule, written after the PIT run
 * over {@code io.pathlock.file} (each test kills mutants that survived it: see engine/MUTATION-RESULTS.md).
 */
class CodecBoundaryTest
{
    private static final long S = TimeUnit.SECONDS.toNanos(1);

    private static LockTokenDescriptor.Token parse(final String s)
    {
        final byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return LockTokenDescriptor.parse(b, b.length);
    }

    @Test
    void tokenLengthLimitsAreInclusive()
    {
        assertNull(parse("o:1"), "too short");
        assertNotNull(parse("o:1:E"), "the shortest token (5 bytes)");
        assertNull(parse(":1:E"), "an empty owner is not a token");
        final String owner = "o".repeat(LockTokenDescriptor.MAX_TOKEN_LENGTH - 4);
        assertNotNull(parse(owner + ":1:E"), "exactly MAX_TOKEN_LENGTH bytes");
        assertNull(parse(owner + "o:1:E"), "one more");
        assertNotNull(parse("o:1:E\n"), "one trailing newline is tolerated");
        assertNull(parse("o:1:E\n\n"));
    }

    @Test
    void timeDigitsAreDecimalAndBounded()
    {
        assertEquals(1234567890123456789L, parse("o:1234567890123456789:T").timeNanos());
        assertEquals(9, parse("o:9:T").timeNanos());
        assertEquals(0, parse("o:0:T").timeNanos());
        assertNull(parse("o:12345678901234567890:T"), "20 digits");
        assertNull(parse("o:9223372036854775808:T"), "overflows a long");
        assertEquals(Long.MAX_VALUE, parse("o:9223372036854775807:T").timeNanos());
        assertNull(parse("o:/:T"), "the character below '0'");
        assertNull(parse("o::::T"));
        assertNull(parse("o::T"), "no digits");
        assertEquals("a:b", parse("a:b:5:P").ownerId(), "ov431 splits the last two fields");
    }

    @Test
    void ownerControlCharactersAreRefusedAtTheExactBounds()
    {
        assertNull(parse("o\u001f:1:E"));
        assertNotNull(parse("o :1:E"), "space (0x20) is allowed");
        assertNull(parse("o\u007f:1:E"));
        assertNotNull(parse("o~:1:E"));
        assertNotNull(parse("é:1:E"), "non-ASCII UTF-8 is allowed");
    }

    @Test
    void originNeedsTheFullOwnerPrefix()
    {
        assertEquals(LockTokenDescriptor.Origin.FLOCK, parse("pl1|1|h|n|o:1:E").origin());
        assertEquals(LockTokenDescriptor.Origin.FOREIGN, parse("pl1|1|h|n:1:E").origin(), "three separators only");
        assertEquals(LockTokenDescriptor.Origin.AGED, parse("pl1n|1|h|n|o:1:E").origin());
        assertEquals(LockTokenDescriptor.Origin.FOREIGN, parse("pl1n|1|h|n:1:E").origin());
        assertEquals(LockTokenDescriptor.Origin.FOREIGN, parse("pl2|1|h|n|o:1:E").origin());
        final LockTokenDescriptor.Token t = parse("pl1|77|h|n|job|x:1:E");
        assertEquals(77, t.pid());
        assertEquals("job|x", t.handleOwnerId());
        assertEquals(-1, parse("ov:1:E").pid());
        assertEquals("ov", parse("ov:1:E").handleOwnerId());
        assertEquals(-1, parse("pl1|x|h|n|o:1:E").pid(), "a pid that is not a number");
        assertTrue(parse("a:1:E").compareAge(parse("a:2:E")) < 0);
        assertTrue(parse("b:1:E").compareAge(parse("a:1:E")) > 0, "same time: by owner");
        assertEquals(0, parse("a:1:E").compareAge(parse("a:1:T")));
    }

    @Test
    void sanitiseKeepsExactlyThePrintableAscii()
    {
        assertEquals("_", LockTokenDescriptor.sanitise(""));
        assertEquals("_", LockTokenDescriptor.sanitise(null));
        assertEquals("!~", LockTokenDescriptor.sanitise("!~"), "0x21 and 0x7e are kept");
        assertEquals("____", LockTokenDescriptor.sanitise(" \u007f:|"), "space, DEL, ':' and '|' are not");
        assertEquals("_", LockTokenDescriptor.sanitise("é"));
    }

    @Test
    void safeNameCharacterClassesHaveExactEdges()
    {
        assertEquals("azAZ09._-", SidecarNames.safeName("azAZ09._-"));
        // The characters just outside each range: '@' '[' '`' '{' '/' ':'.
        assertEquals("x_x_x_x_x_x", SidecarNames.safeName("x@x[x`x{x/x:x").replace("x_x_x_x_x_x_x", "x_x_x_x_x_x"));
        assertEquals("a_b", SidecarNames.safeName("a@[`{/:b"), "a run of others is one '_'");
        assertEquals(".exact.ovlock.f." + SidecarNames.hashPrefix("/d/f/"), SidecarNames.sidecarName("/d/f/"),
            "a trailing '/' is not part of the name but is part of the hash input");
        assertTrue(SidecarNames.isSidecar(".exact.ovlock.x"));
        assertFalse(SidecarNames.isSidecar(".exact.ovlock."), "the prefix alone");
        assertFalse(SidecarNames.isSidecar("exact.ovlock.x"));
        assertEquals("x", SidecarNames.displayName(".exact.ovlock.x"));
        assertEquals("a.b", SidecarNames.displayName(".exact.ovlock.a.b.0123456789abcdef"));
    }

    @Test
    void dialectIdsAndTheSystemProperty()
    {
        assertEquals("ragfs", Dialect.RAGFS.id());
        assertEquals("ov431", Dialect.OV431.id());
        final String old = System.getProperty(Dialect.PROP_NAME);
        try
        {
            System.clearProperty(Dialect.PROP_NAME);
            assertEquals(Dialect.DEFAULT, Dialect.fromSystemProperty());
            System.setProperty(Dialect.PROP_NAME, " ");
            assertEquals(Dialect.DEFAULT, Dialect.fromSystemProperty());
            System.setProperty(Dialect.PROP_NAME, "ov431");
            assertEquals(Dialect.OV431, Dialect.fromSystemProperty());
        }
        finally
        {
            if (old == null)
            {
                System.clearProperty(Dialect.PROP_NAME);
            }
            else
            {
                System.setProperty(Dialect.PROP_NAME, old);
            }
        }
        assertNull(Dialect.ofCode('X'));
        assertNull(Dialect.typeOfCode('X'));
    }

    // ---- LockJudge ---------------------------------------------------------------------------------

    private final AtomicLong wall = new AtomicLong(1_764_650_000L * S);
    private final AtomicLong mono = new AtomicLong(5_000 * S);

    private LockTokenDescriptor.Token foreign(final long time)
    {
        return new LockTokenDescriptor.Token("ov", time, LockType.POINT, LockTokenDescriptor.Origin.FOREIGN, Dialect.RAGFS);
    }

    @Test
    void theFutureSlackIsExactlyOneSecond()
    {
        final LockJudge j = new LockJudge(true, 0, Dialect.RAGFS, wall::get, mono::get);
        final PosixStat veryOld = new PosixStat().set(1, 1, 1, PosixStat.S_IFREG, 1, 1, 0);
        assertEquals(0, j.ageNanos(foreign(wall.get() + S), veryOld), "1 s ahead: within the slack, age 0");
        assertEquals(wall.get() - 1, j.ageNanos(foreign(wall.get() + S + 1), veryOld), "beyond: aged by mtime");
        assertEquals(-1, j.ageNanos(foreign(wall.get() + S + 1), null), "no stat: held");
        final PosixStat future = new PosixStat().set(1, 1, 1, PosixStat.S_IFREG, wall.get() + S + 1, 1, 0);
        assertEquals(-1, j.ageNanos(foreign(wall.get() + 2 * S), future));
        assertEquals(5 * S, j.ageNanos(foreign(wall.get() - 5 * S), null));
    }

    @Test
    void aJumpWithinTheSlackIsNotDiscountedAndAJumpIsForgottenAfterTheLongestExpiry()
    {
        final LockJudge j = new LockJudge(true, 0, Dialect.RAGFS, wall::get, mono::get);
        final LockTokenDescriptor.Token t = foreign(wall.get() - 10 * S);
        wall.addAndGet(S); // drift of exactly the slack: not a jump
        assertEquals(11 * S, j.ageNanos(t, null));
        wall.addAndGet(100 * S); // a jump
        // The whole drift since the last baseline (1 s + 100 s) is discounted: the real age is 10 s.
        assertEquals(10 * S, j.ageNanos(t, null), "the jump is discounted");
        mono.addAndGet(300 * S - 1);
        wall.addAndGet(300 * S - 1);
        assertEquals(310 * S - 1, j.ageNanos(t, null), "still inside the window");
        mono.addAndGet(1);
        wall.addAndGet(1);
        assertEquals(411 * S, j.ageNanos(t, null), "forgotten after the longest expiry (ov431's 300 s)");
        final LockJudge over = new LockJudge(true, 5 * S, Dialect.RAGFS, wall::get, mono::get);
        assertEquals(5 * S, over.expireNanos(t));
        assertEquals(30 * S, j.expireNanos(t));
        assertEquals(300 * S, j.expireNanos(new LockTokenDescriptor.Token("ov", 1, LockType.POINT,
            LockTokenDescriptor.Origin.FOREIGN, Dialect.OV431)));
        assertEquals(30 * S, j.expireNanos(new LockTokenDescriptor.Token("pl1n|1|h|n|o", 1, LockType.POINT,
            LockTokenDescriptor.Origin.AGED, Dialect.OV431)), "our own aged tokens: the write dialect's");
        assertEquals(wall.get(), j.wallNanos());
    }

    @Test
    void flockTokensAreJudgedByTheProbeAndTheDetailNamesTheDialect(@TempDir final Path dir) throws Exception
    {
        final Posix posix = PosixBackends.select("jni").posix();
        final Path f = dir.resolve("lock");
        Files.writeString(f, "pl1|1|h|n|o:1:E");
        final LockJudge j = new LockJudge(true, 0, Dialect.RAGFS, wall::get, mono::get);
        final LockTokenDescriptor.Token t = parse("pl1|1|h|n|o:1:E");
        final PosixStat st = new PosixStat();
        final int holder = posix.openRead(f);
        final int judge = posix.openRead(f);
        try
        {
            assertEquals(0, posix.flock(holder, Posix.LOCK_EX | Posix.LOCK_NB));
            assertEquals(LockFileState.ALIVE, j.judge(t, st, posix, judge, false).state(), "flock held: alive");
            assertEquals(LockFileState.ALIVE, j.judge(t, st, posix, -1, false).state(), "not probed: alive");
            posix.flock(holder, Posix.LOCK_UN);
            assertTrue(j.judge(t, st, posix, judge, false).stale(), "flock free: dead");
            // Not kept: the holder can take it again at once.
            assertEquals(0, posix.flock(holder, Posix.LOCK_EX | Posix.LOCK_NB));
            posix.flock(holder, Posix.LOCK_UN);
            assertTrue(j.judge(t, st, posix, judge, true).stale());
            assertTrue(posix.flock(holder, Posix.LOCK_EX | Posix.LOCK_NB) < 0, "kept by the judge for its takeover");
        }
        finally
        {
            posix.close(holder);
            posix.close(judge);
        }
        final LockJudge noFlock = new LockJudge(false, 0, Dialect.RAGFS, wall::get, mono::get);
        final LockJudge.Verdict v = noFlock.judge(foreign(wall.get()), st, posix, -1, false);
        assertEquals(LockFileState.FOREIGN, v.state());
        assertTrue(v.detail().contains("ragfs"), v.detail());
        assertTrue(noFlock.judge(foreign(wall.get() - 31 * S), st, posix, -1, false).detail().contains("ragfs"));
        assertTrue(noFlock.judge(t, st, posix, -1, false).detail().contains("pathlock"), "ours, judged by age");
        assertTrue(noFlock.judge(new LockTokenDescriptor.Token("x", wall.get(), LockType.POINT,
            LockTokenDescriptor.Origin.FOREIGN, null), st, posix, -1, false).detail().contains("unknown dialect"));
    }
}

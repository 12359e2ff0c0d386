package io.pathlock.file.interop;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.pathlock.file.interop.OvFixtures.T0;
import static io.pathlock.file.interop.OvFixtures.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ov431 model against the rules of path_lock.py at 1823a7c4f (invariants O1..O6 of {@link Ov431Model}). */
class Ov431ModelTest
{
    private static final long EXPIRE = 300_000_000_000L;

    @TempDir
    Path root;
    private Ov431Model ov;

    @BeforeEach
    void setUp() throws IOException
    {
        ov = new Ov431Model(root, "");
        Files.createDirectories(root.resolve("a/b/c"));
        Files.createDirectories(root.resolve("a/d"));
    }

    private Path lock(final String dir)
    {
        return "".equals(dir) ? root.resolve(".path.ovlock") : root.resolve(dir).resolve(".path.ovlock");
    }

    // ---- O6: tokens --------------------------------------------------------------------------

    @Test
    void tokenBytesAreTheLiteralStringsPythonWrites()
    {
        assertEquals("owner:1700000000000000000:P", new String(ov.token("owner", T0, OvKind.POINT), StandardCharsets.UTF_8));
        assertEquals("owner:1700000000000000000:S", new String(ov.token("owner", T0, OvKind.SUBTREE), StandardCharsets.UTF_8));
        assertEquals("ov431", ov.name());
        assertEquals(EXPIRE, ov.defaultExpireNanos());
    }

    @Test
    void parserSplitsTheLastTwoFieldsSoOwnersWithColonsRoundTrip()
    {
        final Ov431Token.Parsed p = Ov431Token.parse(Ov431Token.make("tenant:a:b", T0, 'S'));
        assertEquals("tenant:a:b", p.owner());
        assertEquals(BigInteger.valueOf(T0), p.ts());
        assertEquals('S', p.type());
    }

    @Test
    void parserCornerCasesFollowPythonIntAndTheFallbacks()
    {
        assertParsed("owner:123", "owner", 123, 'P');                 // no type: P, ts kept
        assertParsed("owner:abc:S", "owner:abc", 0, 'S');             // int() fails: everything before the type
        assertParsed("owner:S", "owner", 0, 'S');                     // no second ':'
        assertParsed("o:5:T", "o:5:T", 0, 'P');                       // a ragfs token: whole token, ts 0, P
        assertParsed("o:5:E", "o:5:E", 0, 'P');
        assertParsed("no-colons", "no-colons", 0, 'P');
        assertParsed("owner: 12_3 :P", "owner", 123, 'P');            // int() strips and takes underscores
        assertParsed("owner:\uFF11\uFF12:P", "owner", 12, 'P');       // full-width digits are decimal digits
        assertParsed("owner:1__2:P", "owner:1__2", 0, 'P');           // double underscore: ValueError
        assertParsed("owner:_12:P", "owner:_12", 0, 'P');
        assertParsed("owner:-5:P", "owner", -5, 'P');
        assertParsed("owner:+7:S", "owner", 7, 'S');
        assertParsed("a:b:c:d", "a:b:c:d", 0, 'P');
    }

    private static void assertParsed(final String token, final String owner, final long ts, final char type)
    {
        final Ov431Token.Parsed p = Ov431Token.parse(token);
        assertEquals(owner, p.owner(), token);
        assertEquals(BigInteger.valueOf(ts), p.ts(), token);
        assertEquals(type, p.type(), token);
    }

    @Test
    void pythonIntRejectsMoreThan4300Digits()
    {
        assertEquals(new BigInteger("1".repeat(4300)), Ov431Token.pyInt("1".repeat(4300)));
        assertNull(Ov431Token.pyInt("1".repeat(4301)));
    }

    // ---- O2/O3: judging one file ---------------------------------------------------------------

    @Test
    void heldAndStaleAtExpiryPlusMinusOneNanosecond() throws IOException
    {
        final Path f = write(lock("a"), "owner:" + T0 + ":P");
        assertEquals(OvVerdict.HELD, ov.judge(f, T0 + EXPIRE - 1).verdict());
        assertEquals(OvVerdict.HELD, ov.judge(f, T0 + EXPIRE).verdict());
        assertEquals(OvVerdict.STALE, ov.judge(f, T0 + EXPIRE + 1).verdict());
        assertEquals(OvVerdict.HELD, ov.judge(f, T0 - 1_000_000_000L).verdict(), "a future token is held");
        final OvFileJudgement j = ov.judge(f, T0);
        assertEquals("owner", j.owner());
        assertEquals(T0, j.timeNs());
        assertEquals('P', j.type());
    }

    @Test
    void configuredExpiryIsUsed() throws IOException
    {
        final Ov431Model short10 = new Ov431Model(root, "", 10.0);
        final Path f = write(lock("a"), "owner:" + T0 + ":S");
        assertEquals(OvVerdict.HELD, short10.judge(f, T0 + 10_000_000_000L).verdict());
        assertEquals(OvVerdict.STALE, short10.judge(f, T0 + 10_000_000_001L).verdict());
    }

    @Test
    void zeroOrUnparseableTimeIsStaleAtOnce() throws IOException
    {
        assertEquals(OvVerdict.STALE, ov.judge(write(lock("a"), "owner:0:P"), T0).verdict());
        assertEquals(OvVerdict.STALE, ov.judge(write(lock("a"), "garbage"), T0).verdict());
        assertEquals(OvVerdict.STALE, ov.judge(write(lock("a"), "owner:" + "1".repeat(4301) + ":P"), T0).verdict());
        final OvFileJudgement ragfs = ov.judge(write(lock("a"), "o:" + T0 + ":T"), T0);
        assertEquals(OvVerdict.STALE, ragfs.verdict(), "a live ragfs token is stale for ov431");
        assertEquals('P', ragfs.type());
        assertEquals("o:" + T0 + ":T", ragfs.owner());
    }

    @Test
    void timeBeyondFloatRangeRaisesOverflowError() throws IOException
    {
        final OvFileJudgement j = ov.judge(write(lock("a"), "owner:" + "9".repeat(400) + ":P"), T0);
        assertEquals(OvVerdict.INVALID, j.verdict());
        assertEquals(Long.MAX_VALUE, j.timeNs());
    }

    @Test
    void whatReadsAsNoTokenIsFree() throws IOException
    {
        assertEquals(OvVerdict.FREE, ov.judge(lock("a"), T0).verdict(), "missing");
        assertEquals(OvVerdict.FREE, ov.judge(write(lock("a"), ""), T0).verdict(), "empty");
        assertEquals(OvVerdict.FREE, ov.judge(write(lock("a"), " \n\t\u001c\u3000"), T0).verdict(), "Python whitespace only");
        assertEquals(OvVerdict.FREE, ov.judge(write(lock("a"), new byte[] {'o', ':', '1', ':', 'P', (byte)0xFF}), T0).verdict(), "not UTF-8");
        assertEquals(OvVerdict.HELD, ov.judge(write(lock("a"), "\n  owner:" + T0 + ":P \n"), T0).verdict(), "surrounding whitespace stripped");
    }

    @Test
    void directoryDanglingLinkAndUnreadableLockFilesAreFree() throws IOException
    {
        Files.createDirectories(lock("a"));
        assertEquals(OvVerdict.FREE, ov.judge(lock("a"), T0).verdict(), "a directory");
        Files.createSymbolicLink(lock("a/d"), root.resolve("nowhere"));
        assertEquals(OvVerdict.FREE, ov.judge(lock("a/d"), T0).verdict(), "a dangling link");
        final Path f = write(lock("a/b"), "owner:" + T0 + ":P");
        final Ov431Model denied = new Ov431Model(root, "", 300.0, file ->
        {
            throw new AccessDeniedException(file.toString());
        });
        assertEquals(OvVerdict.FREE, denied.judge(f, T0).verdict(), "EACCES on read");
        assertEquals(OvVerdict.HELD, ov.judge(f, T0).verdict());
    }

    @Test
    void symbolicLinkToATokenIsFollowed() throws IOException
    {
        final Path target = write(root.resolve("elsewhere"), "owner:" + T0 + ":S");
        Files.createSymbolicLink(lock("a"), target);
        assertEquals(OvVerdict.HELD, ov.judge(lock("a"), T0).verdict());
    }

    @Test
    void aFifoHangsAndIsNeverOpened() throws Exception
    {
        OvFixtures.mkfifo(lock("a"));
        assertEquals(OvVerdict.INVALID, ov.judge(lock("a"), T0).verdict());
        final OvDecision d = ov.wouldAcquire("/a", OvKind.POINT, "me", T0);
        assertFalse(d.granted());
        assertEquals(OvVerdict.INVALID, d.blocker().verdict());
    }

    // ---- O1: where ------------------------------------------------------------------------------

    @Test
    void lockFileIsAlwaysThePathsDotPathOvlock() throws IOException
    {
        write(root.resolve("a/f.txt"), "x");
        assertEquals(lock("a"), ov.lockFileFor("/a", OvKind.POINT));
        assertEquals(lock("a"), ov.lockFileFor("/a", OvKind.SUBTREE));
        assertEquals(lock(""), ov.lockFileFor("/", OvKind.POINT));
        assertEquals(root.resolve("a/f.txt/.path.ovlock"), ov.lockFileFor("/a/f.txt", OvKind.POINT));
        assertThrows(IllegalArgumentException.class, () -> ov.lockFileFor("a", OvKind.POINT));
        assertThrows(IllegalArgumentException.class, () -> ov.lockFileFor("/a/../b", OvKind.POINT));
    }

    @Test
    void missingPathOrFileCannotBeLocked() throws IOException
    {
        final OvDecision missing = ov.wouldAcquire("/nope", OvKind.POINT, "me", T0);
        assertFalse(missing.granted());
        assertNull(missing.blocker());
        assertTrue(missing.why().contains("does not exist"), missing.why());
        write(root.resolve("a/f.txt"), "x");
        final OvDecision file = ov.wouldAcquire("/a/f.txt", OvKind.POINT, "me", T0);
        assertFalse(file.granted());
        assertNull(file.blocker());
        assertTrue(file.why().contains("ENOTDIR"), file.why());
    }

    @Test
    void lockFileThatIsADirectoryReadsFreeButTheCreateFails() throws IOException
    {
        Files.createDirectories(lock("a"));
        final OvDecision d = ov.wouldAcquire("/a", OvKind.POINT, "me", T0);
        assertFalse(d.granted());
        assertNull(d.blocker());
        assertTrue(d.why().contains("is a directory"), d.why());
    }

    // ---- O4: the acquire loop ------------------------------------------------------------------

    @Test
    void ownPathAnyTypeOfAnotherOwnerBlocksAndMyOwnDoesNot() throws IOException
    {
        final Path f = write(lock("a/b"), "other:" + T0 + ":P");
        final OvDecision d = ov.wouldAcquire("/a/b", OvKind.POINT, "me", T0 + 1);
        assertFalse(d.granted());
        assertEquals(f, d.blocker().file());
        assertEquals(OvVerdict.HELD, d.blocker().verdict());
        assertTrue(ov.wouldAcquire("/a/b", OvKind.SUBTREE, "other", T0 + 1).granted(), "own token: overwritten");
    }

    @Test
    void staleOwnLockIsRemovedAndTheAttemptRestarts() throws IOException
    {
        final Path f = write(lock("a/b"), "other:" + T0 + ":S");
        final OvDecision d = ov.wouldAcquire("/a/b", OvKind.POINT, "me", T0 + EXPIRE + 1);
        assertTrue(d.granted(), d.why());
        assertEquals(List.of(f), d.staleRemoved().stream().map(OvFileJudgement::file).toList());
        assertTrue(Files.exists(f), "read-only: nothing deleted");
    }

    @Test
    void liveRagfsLockAtTheOwnPathIsDeletedAsStale() throws IOException
    {
        final Path f = write(lock("a/b"), "rust-owner:" + T0 + ":E");
        final OvDecision d = ov.wouldAcquire("/a/b", OvKind.POINT, "me", T0 + 1);
        assertTrue(d.granted());
        assertEquals(f, d.staleRemoved().get(0).file());
    }

    @Test
    void onlySubtreeAncestorsBlockAndTheyAreFoundNearestFirst() throws IOException
    {
        write(lock("a"), "far:" + T0 + ":S");
        final Path near = write(lock("a/b"), "near:" + T0 + ":S");
        final OvDecision d = ov.wouldAcquire("/a/b/c", OvKind.POINT, "me", T0);
        assertEquals(near, d.blocker().file());
        write(near, "near:" + T0 + ":P");
        assertEquals(lock("a"), ov.wouldAcquire("/a/b/c", OvKind.POINT, "me", T0).blocker().file(), "a P ancestor is skipped");
        write(lock("a"), "far:" + T0 + ":T");
        assertTrue(ov.wouldAcquire("/a/b/c", OvKind.SUBTREE, "me", T0).granted(), "a ragfs T ancestor parses as P: ignored");
    }

    @Test
    void staleSubtreeAncestorIsRemoved() throws IOException
    {
        final Path anc = write(lock("a"), "other:" + T0 + ":S");
        final OvDecision d = ov.wouldAcquire("/a/b", OvKind.POINT, "me", T0 + EXPIRE + 1);
        assertTrue(d.granted());
        assertEquals(anc, d.staleRemoved().get(0).file());
    }

    @Test
    void theRootIsNeverCheckedAsAnAncestorWhenItIsOpenVikingsSlash() throws IOException
    {
        write(lock(""), "other:" + T0 + ":S");
        assertTrue(ov.wouldAcquire("/a", OvKind.POINT, "me", T0).granted());
        assertFalse(ov.wouldAcquire("/", OvKind.POINT, "me", T0).granted(), "its own lock still counts");
        final Ov431Model prefixed = new Ov431Model(root, "/local/acc1");
        final OvDecision d = prefixed.wouldAcquire("/a", OvKind.POINT, "me", T0);
        assertFalse(d.granted(), "R is /local/acc1, an ordinary ancestor");
        assertEquals(lock(""), d.blocker().file());
    }

    @Test
    void ownLockIsCheckedBeforeAncestors() throws IOException
    {
        write(lock("a"), "anc:" + T0 + ":S");
        final Path own = write(lock("a/b"), "own:" + T0 + ":P");
        assertEquals(own, ov.wouldAcquire("/a/b", OvKind.POINT, "me", T0).blocker().file());
        write(own, "own:1:P");
        final OvDecision d = ov.wouldAcquire("/a/b", OvKind.POINT, "me", T0);
        assertEquals(List.of(own), d.staleRemoved().stream().map(OvFileJudgement::file).toList());
        assertEquals(lock("a"), d.blocker().file());
    }

    @Test
    void subtreeScansSubDirectoryLocksOfAnyTypeButNotSidecarsOrLinkedDirectories() throws IOException
    {
        final Path deep = write(lock("a/b/c"), "other:" + T0 + ":P");
        assertEquals(deep, ov.wouldAcquire("/a", OvKind.SUBTREE, "me", T0).blocker().file());
        assertTrue(ov.wouldAcquire("/a", OvKind.POINT, "me", T0).granted(), "POINT never scans");
        Files.delete(deep);
        write(root.resolve("a/b/.exact.ovlock.x.0123456789abcdef"), "other:" + T0 + ":E");
        assertTrue(ov.wouldAcquire("/a", OvKind.SUBTREE, "me", T0).granted(), "sidecars are not looked at");
        write(root.resolve("outside/.path.ovlock"), "other:" + T0 + ":P");
        Files.createSymbolicLink(root.resolve("a/link"), root.resolve("outside"));
        assertTrue(ov.wouldAcquire("/a", OvKind.SUBTREE, "me", T0).granted(), "a linked directory is not descended");
    }

    @Test
    void subtreeScanIsPreOrderInNameOrderAndRemovesStaleOnes() throws IOException
    {
        final Path b = write(lock("a/b"), "x:1:P");
        final Path c = write(lock("a/b/c"), "x:" + T0 + ":P");
        write(lock("a/d"), "x:" + T0 + ":P");
        final OvDecision d = ov.wouldAcquire("/a", OvKind.SUBTREE, "me", T0);
        assertEquals(List.of(b), d.staleRemoved().stream().map(OvFileJudgement::file).toList());
        assertEquals(c, d.blocker().file(), "b, then b/c, before d");
    }

    @Test
    void subtreeDeletesLiveRagfsLocksBelow() throws IOException
    {
        final Path r = write(lock("a/b"), "rust:" + T0 + ":T");
        final OvDecision d = ov.wouldAcquire("/a", OvKind.SUBTREE, "me", T0);
        assertTrue(d.granted());
        assertEquals(r, d.staleRemoved().get(0).file());
    }

    // ---- writing -----------------------------------------------------------------------------

    @Test
    void plantIsAPlainOverwriteOfTheSameInode() throws IOException
    {
        final Path f = ov.plant("/a", OvKind.SUBTREE, "o1", T0);
        assertEquals(lock("a"), f);
        assertArrayEquals("o1:1700000000000000000:S".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(f));
        final Object inode = OvFixtures.fileKey(f);
        ov.plant("/a", OvKind.POINT, "o2", T0 + 5);
        assertEquals("o2:1700000000000000005:P", Files.readString(f));
        assertEquals(inode, OvFixtures.fileKey(f));
        assertThrows(IOException.class, () -> ov.plant("/nope", OvKind.POINT, "o", T0));
        Files.createDirectories(lock("a/d"));
        assertThrows(IOException.class, () -> ov.plant("/a/d", OvKind.POINT, "o", T0));
    }

    @Test
    void plantWritesThroughASymbolicLinkAsAgfsDoes() throws IOException
    {
        final Path target = write(root.resolve("victim"), "precious");
        Files.createSymbolicLink(lock("a"), target);
        ov.plant("/a", OvKind.POINT, "o", T0);
        assertEquals("o:" + T0 + ":P", Files.readString(target));
        assertTrue(Files.isSymbolicLink(lock("a")));
    }

    @Test
    void refreshRewritesOnlyMyTokenKeepingItsType() throws IOException
    {
        final Path f = write(lock("a"), "me:" + T0 + ":S");
        final OvRefresh r = ov.wouldRefresh(f, "me", T0 + 9);
        assertTrue(r.writes());
        assertTrue(r.inPlace());
        assertEquals("me:" + (T0 + 9) + ":S", r.newToken());
        assertFalse(ov.wouldRefresh(f, "other", T0 + 9).writes());
        write(f, "me:123");
        assertEquals("me:" + (T0 + 9) + ":P", ov.wouldRefresh(f, "me", T0 + 9).newToken(), "no type parses as P");
        Files.delete(f);
        assertFalse(ov.wouldRefresh(f, "me", T0 + 9).writes());
    }
}

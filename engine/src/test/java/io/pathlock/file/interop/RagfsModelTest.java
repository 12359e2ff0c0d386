package io.pathlock.file.interop;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.pathlock.file.interop.OvFixtures.T0;
import static io.pathlock.file.interop.OvFixtures.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ragfs model against crates/ragfs/src/lock (invariants R1..R6 of {@link RagfsModel}). */
class RagfsModelTest
{
    private static final long EXPIRE = 30_000_000_000L;

    @TempDir
    Path root;
    private RagfsModel rg;

    @BeforeEach
    void setUp() throws IOException
    {
        // R mounted at /local, as OpenViking deploys it; a mount at "/" cannot lock its top-level entries (R1).
        rg = new RagfsModel(root, "/local");
        Files.createDirectories(root.resolve("a/b/c"));
        Files.createDirectories(root.resolve("a/d"));
        write(root.resolve("a/f.txt"), "data");
    }

    private Path lock(final String dir)
    {
        return "".equals(dir) ? root.resolve(".path.ovlock") : root.resolve(dir).resolve(".path.ovlock");
    }

    private Path sidecar(final String lockPath)
    {
        final String parent = lockPath.substring(0, lockPath.lastIndexOf('/'));
        return root.resolve(parent.isEmpty() ? "." : parent.substring(1)).resolve(RagfsModel.sidecarName("/local" + lockPath)).normalize();
    }

    // ---- tokens (codec.rs) --------------------------------------------------------------------

    @Test
    void tokenBytesAreTheLiteralStringsRustWrites()
    {
        assertEquals("abc-123:1700000000000000000:E", new String(rg.token("abc-123", T0, OvKind.POINT), StandardCharsets.UTF_8));
        assertEquals("xyz-456:42:T", new String(rg.token("xyz-456", 42, OvKind.SUBTREE), StandardCharsets.UTF_8));
        assertThrows(IllegalArgumentException.class, () -> rg.token("o", -1, OvKind.POINT));
        assertEquals("ragfs", rg.name());
        assertEquals(EXPIRE, rg.defaultExpireNanos());
    }

    @Test
    void decodeRejectsTheSourcesLegacyAndMalformedTokens() throws IOException
    {
        for (final String raw : List.of("owner:100:P", "owner:100:S", "no-colons", "a:b:c:d", "owner:100:E:1", "a:not-a-number:E"))
        {
            assertNotNull(RagfsToken.decode(raw).error(), raw);
            assertEquals(OvVerdict.INVALID, rg.judge(write(lock("a"), raw), T0).verdict(), raw);
        }
    }

    @Test
    void decodeCornerCases()
    {
        assertEquals("", RagfsToken.decode(":100:E").owner());
        assertEquals(BigInteger.valueOf(100), RagfsToken.decode("o:+100:E").ts());
        final BigInteger u128Max = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);
        assertEquals(u128Max, RagfsToken.decode("o:" + u128Max + ":T").ts());
        assertNotNull(RagfsToken.decode("o:" + u128Max.add(BigInteger.ONE) + ":T").error());
        assertNotNull(RagfsToken.decode("o:-1:E").error());
        assertNotNull(RagfsToken.decode("o:+:E").error());
        assertNotNull(RagfsToken.decode("o: 1:E").error());
        assertNotNull(RagfsToken.decode("o:1:").error());
        assertNotNull(RagfsToken.decode("o:1:e").error());
    }

    @Test
    void anOwnerWithAColonIsWrittenButNeverDecodes() throws IOException
    {
        final Path f = write(lock("a"), rg.token("tenant:x", T0, OvKind.POINT));
        assertEquals("tenant:x:" + T0 + ":E", Files.readString(f));
        assertEquals(OvVerdict.INVALID, rg.judge(f, T0).verdict());
        assertFalse(rg.wouldRefresh(f, "tenant:x", T0 + 1).writes(), "its own refresh fails with InvalidToken");
    }

    // ---- resolver.rs ----------------------------------------------------------------------

    @Test
    void safeNameAndSidecarNameMatchTheRustTests()
    {
        assertEquals("hello_world", RagfsModel.safeName("hello world"));
        assertEquals("a_b", RagfsModel.safeName("a/b"));
        assertEquals("ok.txt", RagfsModel.safeName("ok.txt"));
        assertEquals("path", RagfsModel.safeName("中文名"));
        assertEquals("path", RagfsModel.safeName(""));
        assertEquals(".exact.ovlock.name..txt.591847f8876e86f7", RagfsModel.sidecarName("/data/中文 name..txt"));
        assertEquals("a", RagfsModel.safeName("._a_."));
        assertEquals("x_y", RagfsModel.safeName("x \t\u00e9 y"));
        assertEquals("y".repeat(80), RagfsModel.safeName("y".repeat(100)));
    }

    @Test
    void lockFileForDependsOnWhatIsOnDisk()
    {
        assertEquals(lock("a/b"), rg.lockFileFor("/a/b", OvKind.POINT));
        assertEquals(lock("a/b"), rg.lockFileFor("/a/b", OvKind.SUBTREE));
        assertEquals(sidecar("/a/f.txt"), rg.lockFileFor("/a/f.txt", OvKind.POINT));
        assertEquals(sidecar("/a/f.txt"), rg.lockFileFor("/a/f.txt", OvKind.SUBTREE));
        assertEquals(sidecar("/a/new.txt"), rg.lockFileFor("/a/new.txt", OvKind.POINT));
        assertEquals(lock("a/new"), rg.lockFileFor("/a/new", OvKind.SUBTREE), "TREE on a missing path: {path}/.path.ovlock");
        assertEquals(lock(""), rg.lockFileFor("/", OvKind.POINT));
    }

    @Test
    void sidecarHashIsOverTheFullOpenVikingPath()
    {
        final RagfsModel prefixed = new RagfsModel(root, "/local/acc1");
        final Path f = prefixed.lockFileFor("/a/f.txt", OvKind.POINT);
        assertEquals(root.resolve("a").resolve(RagfsModel.sidecarName("/local/acc1/a/f.txt")), f);
        assertFalse(f.equals(rg.lockFileFor("/a/f.txt", OvKind.POINT)));
    }

    // ---- judging (provider.rs read_token, localfs read) ---------------------------------------

    @Test
    void heldAndStaleAtExpiryPlusMinusOneNanosecond() throws IOException
    {
        final Path f = write(lock("a"), "owner:" + T0 + ":T");
        assertEquals(OvVerdict.HELD, rg.judge(f, T0 + EXPIRE - 1).verdict());
        assertEquals(OvVerdict.HELD, rg.judge(f, T0 + EXPIRE).verdict());
        assertEquals(OvVerdict.STALE, rg.judge(f, T0 + EXPIRE + 1).verdict());
        assertEquals(OvVerdict.HELD, rg.judge(f, 0).verdict(), "saturating_sub: a future token is held");
        final OvFileJudgement j = rg.judge(f, T0);
        assertEquals("owner", j.owner());
        assertEquals(T0, j.timeNs());
        assertEquals('T', j.type());
        final RagfsModel long300 = new RagfsModel(root, "", 300.0);
        assertEquals(OvVerdict.HELD, long300.judge(f, T0 + 300_000_000_000L).verdict());
        assertEquals(OvVerdict.STALE, long300.judge(f, T0 + 300_000_000_001L).verdict());
    }

    @Test
    void timeBeyondLongIsHeldAndClamped() throws IOException
    {
        final OvFileJudgement j = rg.judge(write(lock("a"), "o:" + BigInteger.ONE.shiftLeft(100) + ":E"), T0);
        assertEquals(OvVerdict.HELD, j.verdict());
        assertEquals(Long.MAX_VALUE, j.timeNs());
    }

    @Test
    void emptyBlankMissingAndDanglingAreFreeButRustTrimIsNotPythonStrip() throws IOException
    {
        assertEquals(OvVerdict.FREE, rg.judge(lock("a"), T0).verdict());
        assertEquals(OvVerdict.FREE, rg.judge(write(lock("a"), ""), T0).verdict());
        assertEquals(OvVerdict.FREE, rg.judge(write(lock("a"), " \r\n\u3000"), T0).verdict());
        assertEquals(OvVerdict.INVALID, rg.judge(write(lock("a"), "\u001c"), T0).verdict(), "U+001C is not White_Space");
        assertEquals(OvVerdict.HELD, rg.judge(write(lock("a"), "o:" + T0 + ":E\n"), T0).verdict());
        Files.createSymbolicLink(lock("a/d"), root.resolve("nowhere"));
        assertEquals(OvVerdict.FREE, rg.judge(lock("a/d"), T0).verdict());
    }

    @Test
    void directoryUnreadableFifoFailTheRequest() throws Exception
    {
        Files.createDirectories(lock("a"));
        assertEquals(OvVerdict.INVALID, rg.judge(lock("a"), T0).verdict());
        final Path f = write(lock("a/b"), "o:" + T0 + ":E");
        final RagfsModel denied = new RagfsModel(root, "", 30.0, file ->
        {
            throw new AccessDeniedException(file.toString());
        });
        assertEquals(OvVerdict.INVALID, denied.judge(f, T0).verdict());
        OvFixtures.mkfifo(lock("a/d"));
        assertEquals(OvVerdict.INVALID, rg.judge(lock("a/d"), T0).verdict());
    }

    @Test
    void symbolicLinkToATokenIsFollowed() throws IOException
    {
        Files.createSymbolicLink(lock("a"), write(root.resolve("elsewhere"), "o:" + T0 + ":T"));
        assertEquals(OvVerdict.HELD, rg.judge(lock("a"), T0).verdict());
    }

    @Test
    void legacyEncryptedLockIsRemovedOnRead() throws IOException
    {
        final Path f = write(lock("a/b"), "OVE1legacy-ciphertext");
        assertEquals(OvVerdict.FREE, rg.judge(f, T0).verdict());
        final OvDecision d = rg.wouldAcquire("/a/b", OvKind.POINT, "me", T0);
        assertTrue(d.granted(), d.why());
        assertEquals(List.of(f), d.staleRemoved().stream().map(OvFileJudgement::file).toList());
    }

    // ---- acquire (manager.rs) -------------------------------------------------------------

    @Test
    void exactOnADirectoryChecksItsLockAndItsSidecar() throws IOException
    {
        assertTrue(rg.wouldAcquire("/a/b", OvKind.POINT, "me", T0).granted());
        final Path side = write(sidecar("/a/b"), "other:" + T0 + ":E");
        final OvDecision d = rg.wouldAcquire("/a/b", OvKind.POINT, "me", T0);
        assertFalse(d.granted());
        assertEquals(side, d.blocker().file());
    }

    @Test
    void exactOnAFileOrMissingPathUsesTheSidecar() throws IOException
    {
        final Path side = write(sidecar("/a/f.txt"), "other:" + T0 + ":E");
        assertEquals(side, rg.wouldAcquire("/a/f.txt", OvKind.POINT, "me", T0).blocker().file());
        final OvDecision missingParent = rg.wouldAcquire("/a/x/y/new.txt", OvKind.POINT, "me", T0);
        assertTrue(missingParent.granted());
        assertTrue(missingParent.why().contains("/a/x/y"), missingParent.why());
        final OvDecision underFile = rg.wouldAcquire("/a/f.txt/x", OvKind.POINT, "me", T0);
        assertFalse(underFile.granted(), "ensure_lock_dir cannot mkdir over a file");
        assertNull(underFile.blocker());
    }

    @Test
    void ancestorTreeBlocksAncestorExactDoesNotAndStaleIsSkippedNotRemoved() throws IOException
    {
        final Path anc = write(lock("a"), "other:" + T0 + ":T");
        assertEquals(anc, rg.wouldAcquire("/a/b/c", OvKind.POINT, "me", T0).blocker().file());
        final OvDecision stale = rg.wouldAcquire("/a/b/c", OvKind.POINT, "me", T0 + EXPIRE + 1);
        assertTrue(stale.granted());
        assertTrue(stale.staleRemoved().isEmpty(), "only the acquire path's stale token is removed");
        write(anc, "other:" + T0 + ":E");
        assertTrue(rg.wouldAcquire("/a/b/c", OvKind.SUBTREE, "me", T0).granted());
    }

    @Test
    void anyUnreadableAncestorFailsTheRequest() throws IOException
    {
        final Path anc = write(lock("a"), "ov431:" + T0 + ":P");
        final OvDecision d = rg.wouldAcquire("/a/b", OvKind.POINT, "me", T0);
        assertFalse(d.granted());
        assertEquals(anc, d.blocker().file());
        assertEquals(OvVerdict.INVALID, d.blocker().verdict());
    }

    @Test
    void theRootsOwnLockIsCheckedAsAnAncestor() throws IOException
    {
        final Path r = write(lock(""), "other:" + T0 + ":T");
        assertEquals(r, rg.wouldAcquire("/a", OvKind.POINT, "me", T0).blocker().file());
    }

    @Test
    void ownTokenIsReentrantAndExactUpgradesToTreeOnlyIfTheBytesMatch() throws IOException
    {
        final Path f = write(lock("a/b"), "me:" + T0 + ":E");
        assertTrue(rg.wouldAcquire("/a/b", OvKind.POINT, "me", T0).granted());
        final OvDecision up = rg.wouldAcquire("/a/b", OvKind.SUBTREE, "me", T0);
        assertTrue(up.granted());
        assertTrue(up.why().contains("upgrade"), up.why());
        write(f, "me:" + T0 + ":E\n");
        assertFalse(rg.wouldAcquire("/a/b", OvKind.SUBTREE, "me", T0).granted(), "compare_and_write needs the exact encoded bytes");
        assertTrue(rg.wouldAcquire("/a/b", OvKind.POINT, "me", T0).granted());
    }

    @Test
    void staleTokenAtTheAcquirePathIsRemovedThenCreated() throws IOException
    {
        final Path f = write(lock("a/b"), "other:" + T0 + ":T");
        assertFalse(rg.wouldAcquire("/a/b", OvKind.POINT, "me", T0 + EXPIRE).granted());
        final OvDecision d = rg.wouldAcquire("/a/b", OvKind.POINT, "me", T0 + EXPIRE + 1);
        assertTrue(d.granted());
        assertEquals(List.of(f), d.staleRemoved().stream().map(OvFileJudgement::file).toList());
        assertTrue(Files.exists(f));
    }

    @Test
    void emptyFileAtTheAcquirePathMakesTheRequestFailButElsewhereIsFree() throws IOException
    {
        final Path f = write(lock("a/b"), "");
        final OvDecision d = rg.wouldAcquire("/a/b", OvKind.POINT, "me", T0);
        assertFalse(d.granted());
        assertEquals(f, d.blocker().file());
        assertEquals(OvVerdict.INVALID, d.blocker().verdict());
        assertTrue(rg.wouldAcquire("/a/b/c", OvKind.POINT, "me", T0).granted(), "an empty ancestor is free");
        Files.delete(f);
        Files.createSymbolicLink(f, root.resolve("nowhere"));
        assertFalse(rg.wouldAcquire("/a/b", OvKind.POINT, "me", T0).granted(), "O_EXCL does not follow a dangling link");
    }

    @Test
    void topLevelEntriesOfARootMountCannotBeLockedBecauseTheirSidecarIsDoubleSlash()
    {
        final RagfsModel rootMount = new RagfsModel(root, "");
        for (final String p : List.of("/top.txt", "/a"))
        {
            for (final OvKind kind : OvKind.values())
            {
                final OvDecision d = rootMount.wouldAcquire(p, kind, "me", T0);
                assertFalse(d.granted(), p + " " + kind);
                assertEquals(OvVerdict.INVALID, d.blocker().verdict());
            }
        }
        assertTrue(rootMount.wouldAcquire("/a/b", OvKind.POINT, "me", T0).granted());
        assertTrue(rg.wouldAcquire("/top.txt", OvKind.POINT, "me", T0).granted());
    }

    @Test
    void treeScansLocksAndSidecarsBelowSkippingStaleAndLinkedDirectories() throws IOException
    {
        final Path deep = write(lock("a/b/c"), "other:" + T0 + ":E");
        final OvDecision first = rg.wouldAcquire("/a", OvKind.SUBTREE, "me", T0);
        assertNotNull(first.blocker(), first.why());
        assertEquals(deep, first.blocker().file());
        assertTrue(rg.wouldAcquire("/a", OvKind.SUBTREE, "me", T0 + EXPIRE + 1).staleRemoved().isEmpty());
        Files.delete(deep);
        final Path side = write(sidecar("/a/b/c/g.txt"), "other:" + T0 + ":E");
        assertEquals(side, rg.wouldAcquire("/a", OvKind.SUBTREE, "me", T0).blocker().file());
        Files.delete(side);
        write(root.resolve("outside/.path.ovlock"), "other:" + T0 + ":T");
        Files.createSymbolicLink(root.resolve("a/link"), root.resolve("outside"));
        assertTrue(rg.wouldAcquire("/a", OvKind.SUBTREE, "me", T0).granted());
        assertTrue(rg.wouldAcquire("/a", OvKind.POINT, "me", T0).granted());
    }

    @Test
    void treeScanOrderIsDirectoriesFirstThenCaseInsensitive() throws IOException
    {
        write(root.resolve("a/.exact.ovlock.f.txt.0000000000000000"), "other:" + T0 + ":E");
        write(lock("a/d"), "garbage");
        final OvDecision d = rg.wouldAcquire("/a", OvKind.SUBTREE, "me", T0);
        assertEquals(lock("a/d"), d.blocker().file(), "a/d is listed before a's own files");
        assertEquals(OvVerdict.INVALID, d.blocker().verdict());
        Files.createDirectories(root.resolve("a/B"));
        final Path upper = write(lock("a/B"), "other:" + T0 + ":T");
        assertEquals(upper, rg.wouldAcquire("/a", OvKind.SUBTREE, "me", T0).blocker().file(), "B sorts as b, before d");
    }

    @Test
    void lockNamedDirectoryBelowFailsATree() throws IOException
    {
        Files.createDirectories(lock("a/b/c"));
        final OvDecision d = rg.wouldAcquire("/a", OvKind.SUBTREE, "me", T0);
        assertFalse(d.granted());
        assertEquals(OvVerdict.INVALID, d.blocker().verdict());
    }

    @Test
    void treeOnAnExistingFileFailsInTheScanAndTreeOnAMissingPathCreatesIt()
    {
        final OvDecision file = rg.wouldAcquire("/a/f.txt", OvKind.SUBTREE, "me", T0);
        assertFalse(file.granted());
        assertNull(file.blocker());
        assertTrue(file.why().contains("not a directory"), file.why());
        final OvDecision missing = rg.wouldAcquire("/a/new", OvKind.SUBTREE, "me", T0);
        assertTrue(missing.granted());
        assertTrue(missing.why().contains("/a/new"), missing.why());
        assertFalse(Files.exists(root.resolve("a/new")), "read-only");
    }

    // ---- writing -----------------------------------------------------------------------------

    @Test
    void plantCreatesNewAtTheResolvedFile() throws IOException
    {
        final Path f = rg.plant("/a/b", OvKind.SUBTREE, "o", T0);
        assertEquals(lock("a/b"), f);
        assertArrayEquals(("o:" + T0 + ":T").getBytes(StandardCharsets.UTF_8), Files.readAllBytes(f));
        assertThrows(FileAlreadyExistsException.class, () -> rg.plant("/a/b", OvKind.POINT, "o", T0));
        final Path side = rg.plant("/a/x/new.txt", OvKind.POINT, "o", T0);
        assertEquals(sidecar("/a/x/new.txt"), side);
        assertEquals("o:" + T0 + ":E", Files.readString(side));
    }

    @Test
    void refreshIsInPlaceForMyTokenOnly() throws IOException
    {
        final Path f = write(lock("a"), "me:" + T0 + ":T");
        final OvRefresh r = rg.wouldRefresh(f, "me", T0 + 10);
        assertTrue(r.writes());
        assertTrue(r.inPlace());
        assertEquals("me:" + (T0 + 10) + ":T", r.newToken());
        assertFalse(rg.wouldRefresh(f, "other", T0).writes());
        assertFalse(rg.wouldRefresh(write(f, "OVE1x"), "me", T0).writes(), "refresh does not special-case legacy files");
        Files.delete(f);
        assertFalse(rg.wouldRefresh(f, "me", T0).writes());
    }
}

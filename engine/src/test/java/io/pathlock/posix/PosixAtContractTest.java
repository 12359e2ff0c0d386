package io.pathlock.posix;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The contract of the descriptor-relative calls of {@link Posix} ({@code openDirectory} ...
 * {@code walkAt}), run against every backend by one subclass each, on real files in a temporary
 * directory. Every test is bounded with {@link org.junit.jupiter.api.Assertions#assertTimeoutPreemptively}
 * so that a call that blocks (on a FIFO, say) fails the test instead of hanging the build.
 *
 * <p>Where {@link NioPosix} cannot keep the contract, the test asserts what it does instead (as its
 * class Javadoc documents): it refuses to open a FIFO ({@code -ENXIO}) rather than opening it
 * without blocking, and it cannot name an entry whose name is not valid UTF-8 ({@code -EINVAL})
 * except inside {@code walkAt}.
 */
abstract class PosixAtContractTest
{
    static final String LOCK_SUFFIX = ".path.ovlock";
    static final byte[] TOKEN = "owner-7f3a:pid=4242:token=000000000017:P".getBytes(StandardCharsets.UTF_8);
    static final Duration BOUND = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    Posix posix;

    private final List<Integer> openFds = new ArrayList<>();

    /**
     * The backend under test.
     *
     * @return a new instance.
     */
    abstract Posix createPosix();

    @BeforeEach
    void createBackend()
    {
        posix = createPosix();
    }

    @AfterEach
    void closeLeftovers()
    {
        for (final int fd : openFds)
        {
            posix.close(fd);
        }
    }

    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static void bounded(final Executable test)
    {
        assertTimeoutPreemptively(BOUND, test);
    }

    private int track(final int fd)
    {
        assertTrue(fd >= 0, () -> "expected a descriptor, got " + Errno.name(fd));
        openFds.add(fd);
        return fd;
    }

    private void closeTracked(final int fd)
    {
        assertEquals(0, posix.close(fd));
        openFds.remove(Integer.valueOf(fd));
    }

    private int root()
    {
        return track(posix.openDirectory(dir));
    }

    private boolean nio()
    {
        return posix.backend() == PosixBackend.NIO;
    }

    private static void run(final String... command) throws IOException, InterruptedException
    {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "command did not finish: " + String.join(" ", command));
        assertEquals(0, p.exitValue(), () -> String.join(" ", command) + ": " + out);
    }

    private static long ino(final Path p) throws IOException
    {
        return (Long)Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }

    // ---------------------------------------------------------------------------------------------
    // openDirectory, openDirAt

    @Test
    void openDirectoryFollowsALinkButRefusesAFile()
    {
        bounded(() ->
        {
            Files.write(dir.resolve("file"), TOKEN);
            final Path link = Files.createSymbolicLink(dir.resolve("link"), dir);
            closeTracked(track(posix.openDirectory(dir)));
            closeTracked(track(posix.openDirectory(link)));
            assertEquals(-Errno.ENOTDIR, posix.openDirectory(dir.resolve("file")));
            assertEquals(-Errno.ENOENT, posix.openDirectory(dir.resolve("missing")));
        });
    }

    @Test
    void openDirAtOpensARealDirectoryOnly()
    {
        bounded(() ->
        {
            Files.createDirectory(dir.resolve("sub"));
            Files.write(dir.resolve("sub/inner"), TOKEN);
            Files.write(dir.resolve("file"), TOKEN);
            Files.createSymbolicLink(dir.resolve("link"), dir.resolve("sub"));
            run("mkfifo", dir.resolve("fifo").toString());
            final int root = root();

            final int sub = track(posix.openDirAt(root, b("sub")));
            final PosixStat st = new PosixStat();
            assertEquals(0, posix.fstatAt(sub, b("inner"), st), "the new descriptor anchors further calls");
            assertEquals(TOKEN.length, st.size());
            closeTracked(sub);

            assertEquals(-Errno.ELOOP, posix.openDirAt(root, b("link")));
            assertEquals(-Errno.ENOTDIR, posix.openDirAt(root, b("file")));
            assertEquals(-Errno.ENOTDIR, posix.openDirAt(root, b("fifo")), "a FIFO is refused without blocking");
            assertEquals(-Errno.ENOENT, posix.openDirAt(root, b("missing")));
            assertEquals(-Errno.EBADF, posix.openDirAt(-1, b("sub")));
        });
    }

    @Test
    void everyCallRefusesANameThatIsNotOneComponent()
    {
        bounded(() ->
        {
            Files.createDirectory(dir.resolve("sub"));
            Files.write(dir.resolve("sub/f"), TOKEN);
            final int root = root();
            final PosixStat st = new PosixStat();
            for (final byte[] bad : List.of(b(""), b("."), b(".."), b("sub/f"), b("a\0b"), b("/etc")))
            {
                final String what = new String(bad, StandardCharsets.UTF_8);
                assertEquals(-Errno.EINVAL, posix.openDirAt(root, bad), what);
                assertEquals(-Errno.EINVAL, posix.fstatAt(root, bad, st), what);
                assertEquals(-Errno.EINVAL, posix.openReadAt(root, bad, st), what);
                assertEquals(-Errno.EINVAL, posix.createExclusiveAt(root, bad, TOKEN, TOKEN.length, 0644, 0), what);
                assertEquals(-Errno.EINVAL, posix.linkAt(root, bad, root, b("x")), what);
                assertEquals(-Errno.EINVAL, posix.linkAt(root, b("sub"), root, bad), what);
                assertEquals(-Errno.EINVAL, posix.renameAt(root, bad, root, b("x")), what);
                assertEquals(-Errno.EINVAL, posix.renameAt(root, b("sub"), root, bad), what);
                assertEquals(-Errno.EINVAL, posix.unlinkAt(root, bad), what);
                assertEquals(-Errno.EINVAL, posix.mkdirAt(root, bad, 0755), what);
            }
            assertEquals(-Errno.EINVAL, posix.walkAt(root, new byte[][] { b("f") }, null, b("a/b"), new Recorder()));
            assertTrue(Files.exists(dir.resolve("sub/f")));
            assertFalse(Files.exists(dir.resolve("x")));
        });
    }

    // ---------------------------------------------------------------------------------------------
    // fstatAt, openReadAt

    @Test
    void fstatAtDescribesTheEntryItselfWithoutFollowing()
    {
        bounded(() ->
        {
            final Path file = Files.write(dir.resolve("file"), TOKEN);
            Files.createDirectory(dir.resolve("sub"));
            final Path link = Files.createSymbolicLink(dir.resolve("link"), file);
            final int root = root();
            final PosixStat st = new PosixStat();

            assertEquals(0, posix.fstatAt(root, b("file"), st));
            assertTrue(st.isRegularFile());
            assertEquals(TOKEN.length, st.size());
            assertEquals(ino(file), st.ino());
            assertEquals(1, st.nlink());

            assertEquals(0, posix.fstatAt(root, b("sub"), st));
            assertTrue(st.isDirectory());

            assertEquals(0, posix.fstatAt(root, b("link"), st));
            assertTrue(st.isSymbolicLink(), "a symlink describes itself");
            assertEquals(ino(link), st.ino());

            assertEquals(-Errno.ENOENT, posix.fstatAt(root, b("missing"), st));
        });
    }

    @Test
    void openReadAtOpensAFileOrDirectoryButNeverASymlink()
    {
        bounded(() ->
        {
            final Path file = Files.write(dir.resolve("file"), TOKEN);
            Files.createDirectory(dir.resolve("sub"));
            Files.createSymbolicLink(dir.resolve("link"), file);
            final int root = root();
            final PosixStat st = new PosixStat();

            final int fd = track(posix.openReadAt(root, b("file"), st));
            assertTrue(st.isRegularFile());
            assertEquals(ino(file), st.ino());
            final byte[] content = new byte[64];
            assertEquals(TOKEN.length, posix.preadAll(fd, content));
            assertEquals(0, posix.flock(fd, Posix.LOCK_SH | Posix.LOCK_NB), "the descriptor can carry a lock");
            closeTracked(fd);

            closeTracked(track(posix.openReadAt(root, b("sub"), st)));
            assertTrue(st.isDirectory());

            assertEquals(-Errno.ELOOP, posix.openReadAt(root, b("link"), st));
            assertEquals(-Errno.ENOENT, posix.openReadAt(root, b("missing"), st));
        });
    }

    @Test
    void openReadAtOfAFifoReturnsWithoutBlocking()
    {
        bounded(() ->
        {
            run("mkfifo", dir.resolve("fifo").toString());
            final int root = root();
            final PosixStat st = new PosixStat();
            final int rc = posix.openReadAt(root, b("fifo"), st);
            if (nio())
            {
                // NIO has no O_NONBLOCK: it checks the type first and refuses what it cannot open safely
                assertEquals(-Errno.ENXIO, rc);
            }
            else
            {
                track(rc);
                closeTracked(rc);
            }
            assertEquals(PosixStat.S_IFIFO, st.mode() & PosixStat.S_IFMT, "the type is reported either way");
        });
    }

    // ---------------------------------------------------------------------------------------------
    // createExclusiveAt

    @Test
    void createExclusiveAtCreatesOnceAndWritesTheContent()
    {
        bounded(() ->
        {
            final int root = root();
            final int fd = track(posix.createExclusiveAt(root, b("lock"), TOKEN, TOKEN.length, 0640, Posix.CREATE_SYNC_DATA));
            assertArrayEquals(TOKEN, Files.readAllBytes(dir.resolve("lock")));
            assertEquals(-Errno.EEXIST, posix.createExclusiveAt(root, b("lock"), TOKEN, TOKEN.length, 0640, 0));
            closeTracked(fd);
            assertEquals(-Errno.EEXIST, posix.createExclusiveAt(root, b("lock"), TOKEN, TOKEN.length, 0640, 0),
                "closing does not remove the file");
            assertEquals(Set.of(), Files.getPosixFilePermissions(dir.resolve("lock")).stream()
                .filter(p -> p.name().startsWith("OTHERS")).collect(Collectors.toSet()));
            assertEquals(-Errno.EINVAL, posix.createExclusiveAt(root, b("other"), TOKEN, TOKEN.length + 1, 0644, 0));
            assertFalse(Files.exists(dir.resolve("other")));
        });
    }

    @Test
    void createExclusiveAtTreatsADanglingSymlinkAsExisting()
    {
        bounded(() ->
        {
            final Path target = dir.resolve("elsewhere");
            Files.createSymbolicLink(dir.resolve("lock"), target);
            final int root = root();
            assertEquals(-Errno.EEXIST, posix.createExclusiveAt(root, b("lock"), TOKEN, TOKEN.length, 0644, 0));
            assertFalse(Files.exists(target), "O_EXCL | O_NOFOLLOW must not create the symlink's target");
        });
    }

    @Test
    void createExclusiveAtCanLockTheNewFile()
    {
        bounded(() ->
        {
            final int root = root();
            final int fd = track(posix.createExclusiveAt(
                root, b("lock"), TOKEN, TOKEN.length, 0644, Posix.CREATE_LOCK_EXCLUSIVE));
            final int other = track(posix.openRead(dir.resolve("lock")));
            assertEquals(-Errno.EWOULDBLOCK, posix.flock(other, Posix.LOCK_SH | Posix.LOCK_NB));
            closeTracked(fd);
            assertEquals(0, posix.flock(other, Posix.LOCK_SH | Posix.LOCK_NB));
        });
    }

    // ---------------------------------------------------------------------------------------------
    // linkAt, renameAt, unlinkAt, mkdirAt

    @Test
    void linkAtPublishesOnlyIfTheNameIsFreeAndNeverFollows()
    {
        bounded(() ->
        {
            final Path a = Files.createDirectory(dir.resolve("a"));
            final Path bDir = Files.createDirectory(dir.resolve("b"));
            Files.write(a.resolve("tmp"), TOKEN);
            Files.write(bDir.resolve("taken"), b("other"));
            final Path target = Files.write(dir.resolve("target"), b("target"));
            Files.createSymbolicLink(a.resolve("link"), target);
            final int root = root();
            final int aFd = track(posix.openDirAt(root, b("a")));
            final int bFd = track(posix.openDirAt(root, b("b")));

            assertEquals(0, posix.linkAt(aFd, b("tmp"), bFd, b("lock")));
            assertEquals(ino(a.resolve("tmp")), ino(bDir.resolve("lock")));
            assertEquals(-Errno.EEXIST, posix.linkAt(aFd, b("tmp"), bFd, b("taken")));
            assertArrayEquals(b("other"), Files.readAllBytes(bDir.resolve("taken")), "never replaced");
            assertEquals(-Errno.ENOENT, posix.linkAt(aFd, b("missing"), bFd, b("x")));

            assertEquals(0, posix.linkAt(aFd, b("link"), bFd, b("link2")));
            assertTrue(Files.isSymbolicLink(bDir.resolve("link2")), "the symlink itself is linked, not its target");
            assertEquals(ino(a.resolve("link")), ino(bDir.resolve("link2")));
        });
    }

    @Test
    void renameAtReplacesAtomicallyAcrossDirectories()
    {
        bounded(() ->
        {
            final Path a = Files.createDirectory(dir.resolve("a"));
            final Path bDir = Files.createDirectory(dir.resolve("b"));
            Files.write(a.resolve("new"), TOKEN);
            Files.write(bDir.resolve("old"), b("old"));
            final long ino = ino(a.resolve("new"));
            final int root = root();
            final int aFd = track(posix.openDirAt(root, b("a")));
            final int bFd = track(posix.openDirAt(root, b("b")));

            assertEquals(0, posix.renameAt(aFd, b("new"), bFd, b("old")));
            assertEquals(ino, ino(bDir.resolve("old")));
            assertFalse(Files.exists(a.resolve("new")));
            assertEquals(-Errno.ENOENT, posix.renameAt(aFd, b("new"), bFd, b("x")));
        });
    }

    @Test
    void unlinkAtRemovesANameButNeverADirectoryOrASymlinkTarget()
    {
        bounded(() ->
        {
            Files.write(dir.resolve("file"), TOKEN);
            Files.createDirectory(dir.resolve("sub"));
            final Path target = Files.write(dir.resolve("target"), TOKEN);
            Files.createSymbolicLink(dir.resolve("link"), target);
            final int root = root();

            assertEquals(0, posix.unlinkAt(root, b("file")));
            assertFalse(Files.exists(dir.resolve("file"), LinkOption.NOFOLLOW_LINKS));
            assertEquals(-Errno.ENOENT, posix.unlinkAt(root, b("file")));
            assertEquals(-Errno.EISDIR, posix.unlinkAt(root, b("sub")));
            assertTrue(Files.isDirectory(dir.resolve("sub")));

            assertEquals(0, posix.unlinkAt(root, b("link")));
            assertFalse(Files.exists(dir.resolve("link"), LinkOption.NOFOLLOW_LINKS));
            assertTrue(Files.exists(target), "the link is removed, not its target");
        });
    }

    @Test
    void mkdirAtCreatesOneLevelOnce()
    {
        bounded(() ->
        {
            final int root = root();
            assertEquals(0, posix.mkdirAt(root, b("sub"), 0750));
            assertTrue(Files.isDirectory(dir.resolve("sub"), LinkOption.NOFOLLOW_LINKS));
            assertEquals(-Errno.EEXIST, posix.mkdirAt(root, b("sub"), 0750));
            final int sub = track(posix.openDirAt(root, b("sub")));
            assertEquals(0, posix.mkdirAt(sub, b("inner"), 0755));
            assertTrue(Files.isDirectory(dir.resolve("sub/inner")));
            Files.write(dir.resolve("file"), TOKEN);
            assertEquals(-Errno.EEXIST, posix.mkdirAt(root, b("file"), 0755));
        });
    }

    // ---------------------------------------------------------------------------------------------
    // walkAt

    /** Records what a walk reports, keyed by the relative path as UTF-8 (lossy only for odd names). */
    static final class Recorder implements Posix.WalkVisitor
    {
        final Map<String, Integer> matches = new HashMap<>();
        final List<byte[]> matchBytes = new ArrayList<>();
        final Map<String, Integer> errors = new HashMap<>();
        int stopAfter = Integer.MAX_VALUE;

        @Override
        public boolean match(final byte[] relativePath, final int fileType)
        {
            assertNull(matches.put(new String(relativePath, StandardCharsets.UTF_8), fileType), "reported twice");
            matchBytes.add(relativePath);
            return matches.size() < stopAfter;
        }

        @Override
        public boolean error(final byte[] relativePath, final int errno)
        {
            errors.put(new String(relativePath, StandardCharsets.UTF_8), errno);
            return Posix.WALK_CONTINUE;
        }
    }

    @Test
    void walkAtFindsEveryTypeBySuffixAndPrefixWithoutFollowingOrEnteringTheSkippedDirectory()
    {
        bounded(() ->
        {
            final Path outside = Files.createDirectories(dir.resolve("outside"));
            Files.write(outside.resolve("escaped" + LOCK_SUFFIX), TOKEN);
            final Path start = Files.createDirectories(dir.resolve("start/a/b"));
            final Path top = dir.resolve("start");
            Files.write(start.resolve(LOCK_SUFFIX), TOKEN);
            Files.write(start.resolve(".file" + LOCK_SUFFIX), TOKEN);
            Files.write(top.resolve("a/unrelated"), TOKEN);
            Files.createDirectory(top.resolve("a/dir" + LOCK_SUFFIX));
            Files.createSymbolicLink(top.resolve("a/link" + LOCK_SUFFIX), start.resolve(LOCK_SUFFIX));
            run("mkfifo", top.resolve("a/fifo" + LOCK_SUFFIX).toString());
            Files.write(top.resolve("tmp-123"), TOKEN);
            Files.createSymbolicLink(top.resolve("link-to-outside"), outside);
            Files.write(Files.createDirectories(top.resolve(".pathlock/x")).resolve("hidden" + LOCK_SUFFIX), TOKEN);

            final int startFd = track(posix.openDirectory(top));
            final Recorder r = new Recorder();
            final int n = posix.walkAt(startFd, new byte[][] { b(LOCK_SUFFIX) }, new byte[][] { b("tmp-"), b(".path") },
                b(".pathlock"), r);

            final Map<String, Integer> expected = Map.of(
                "a/b/" + LOCK_SUFFIX, PosixStat.S_IFREG,
                "a/b/.file" + LOCK_SUFFIX, PosixStat.S_IFREG,
                "a/dir" + LOCK_SUFFIX, PosixStat.S_IFDIR,
                "a/link" + LOCK_SUFFIX, PosixStat.S_IFLNK,
                "a/fifo" + LOCK_SUFFIX, PosixStat.S_IFIFO,
                "tmp-123", PosixStat.S_IFREG,
                ".pathlock", PosixStat.S_IFDIR);
            assertEquals(expected, r.matches, "a skipped directory is reported when it matches, but not entered");
            assertEquals(expected.size(), n);
            assertEquals(Map.of(), r.errors);

            final Recorder again = new Recorder();
            assertEquals(n, posix.walkAt(startFd, new byte[][] { b(LOCK_SUFFIX) },
                new byte[][] { b("tmp-"), b(".path") }, b(".pathlock"), again), "the start descriptor is reusable");
            assertEquals(expected, again.matches);

            final Recorder all = new Recorder();
            posix.walkAt(startFd, new byte[][] { b(LOCK_SUFFIX) }, null, null, all);
            assertTrue(all.matches.containsKey(".pathlock/x/hidden" + LOCK_SUFFIX), "no skip: entered");
            assertFalse(all.matches.keySet().stream().anyMatch(k -> k.contains("escaped")), "symlinks never followed");
        });
    }

    @Test
    void walkAtStopsWhenTheVisitorSaysSo()
    {
        bounded(() ->
        {
            for (int i = 0; i < 10; i++)
            {
                Files.write(Files.createDirectories(dir.resolve("d" + i)).resolve(LOCK_SUFFIX), TOKEN);
            }
            final int root = root();
            final Recorder r = new Recorder();
            r.stopAfter = 3;
            assertEquals(3, posix.walkAt(root, new byte[][] { b(LOCK_SUFFIX) }, null, null, r));
            assertEquals(3, r.matches.size());
            final Recorder none = new Recorder();
            assertEquals(0, posix.walkAt(root, null, null, null, none));
            assertEquals(-Errno.EBADF, posix.walkAt(-1, null, null, null, none));
        });
    }

    @Test
    void walkAtReportsAnUnreadableDirectoryAndGoesOn()
    {
        bounded(() ->
        {
            final Path hidden = Files.createDirectories(dir.resolve("hidden/inner"));
            Files.write(hidden.resolve(LOCK_SUFFIX), TOKEN);
            Files.write(Files.createDirectory(dir.resolve("visible")).resolve(LOCK_SUFFIX), TOKEN);
            Files.setPosixFilePermissions(dir.resolve("hidden"), PosixFilePermissions.fromString("---------"));
            try
            {
                if (ChildJvm.isRoot())
                {
                    // root reads any directory; a child without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH does not
                    assumeSetprivWorks();
                    final ChildJvm.Result result = ChildJvm.run(ChildJvm.WITHOUT_DAC_OVERRIDE, List.of(),
                        PosixChild.class, "walkAt", posix.backend().name(), dir.toString(), LOCK_SUFFIX);
                    assertTrue(result.output().contains("rc=1 matches=[visible/" + LOCK_SUFFIX + "] errors=[hidden:"
                        + Errno.EACCES + "]"), result.output());
                }
                else
                {
                    final Recorder r = new Recorder();
                    assertEquals(1, posix.walkAt(root(), new byte[][] { b(LOCK_SUFFIX) }, null, null, r));
                    assertEquals(Map.of("visible/" + LOCK_SUFFIX, PosixStat.S_IFREG), r.matches);
                    assertEquals(Map.of("hidden", Errno.EACCES), r.errors);
                }
            }
            finally
            {
                Files.setPosixFilePermissions(dir.resolve("hidden"), PosixFilePermissions.fromString("rwx------"));
            }
        });
    }

    private static void assumeSetprivWorks() throws Exception
    {
        assumeTrue(Files.isExecutable(Path.of(ChildJvm.WITHOUT_DAC_OVERRIDE.get(0))), "no setpriv");
        final List<String> probe = new ArrayList<>(ChildJvm.WITHOUT_DAC_OVERRIDE);
        probe.add("true");
        final Process p = new ProcessBuilder(probe).redirectErrorStream(true).start();
        assumeTrue(p.waitFor() == 0, "setpriv cannot drop capabilities here");
    }

    @Test
    void walkAtReportsNamesThatAreNotUtf8AsRawBytes()
    {
        bounded(() ->
        {
            // no String names \xff, so bash creates it: $'\xff' is the single byte 0xff
            run("bash", "-c", "cd \"$1\" && mkdir $'\\xff' && touch $'\\xff'/lock" + LOCK_SUFFIX
                + " && touch $'tmp-\\xfe'", "_", dir.toString());
            final int root = root();
            final Recorder r = new Recorder();
            assertEquals(2, posix.walkAt(root, new byte[][] { b(LOCK_SUFFIX) }, new byte[][] { b("tmp-") }, null, r));
            final byte[] expectedLock = concat(new byte[] { (byte)0xff, '/' }, b("lock" + LOCK_SUFFIX));
            final byte[] expectedTmp = concat(b("tmp-"), new byte[] { (byte)0xfe });
            assertTrue(r.matchBytes.stream().anyMatch(m -> java.util.Arrays.equals(m, expectedLock)), "0xff kept");
            assertTrue(r.matchBytes.stream().anyMatch(m -> java.util.Arrays.equals(m, expectedTmp)), "0xfe kept");

            final PosixStat st = new PosixStat();
            final byte[] odd = { (byte)0xff };
            if (nio())
            {
                assertEquals(-Errno.EINVAL, posix.openDirAt(root, odd), "NIO cannot name it outside a walk");
            }
            else
            {
                final int sub = track(posix.openDirAt(root, odd));
                assertEquals(0, posix.fstatAt(sub, b("lock" + LOCK_SUFFIX), st));
                assertEquals(0, posix.unlinkAt(sub, b("lock" + LOCK_SUFFIX)));
            }
        });
    }

    private static byte[] concat(final byte[] a, final byte[] c)
    {
        final byte[] out = java.util.Arrays.copyOf(a, a.length + c.length);
        System.arraycopy(c, 0, out, a.length, c.length);
        return out;
    }

    @Test
    void walkAtDescendsDeeperThanPathMax() throws Exception
    {
        final int depth = 320;
        final String component = "d0123456789abc";
        try
        {
            bounded(() ->
            {
                // cd -P one level at a time: every mkdir is relative, so no path handed to the kernel
                // exceeds PATH_MAX although the whole path does (320 * 15 bytes > 4096)
                run("bash", "-c", "cd -P \"$1\" && for i in $(seq 1 " + depth + "); do mkdir " + component
                    + " && cd -P " + component + " || exit 1; done; touch leaf" + LOCK_SUFFIX, "_", dir.toString());
                final int root = root();
                final Recorder r = new Recorder();
                assertEquals(1, posix.walkAt(root, new byte[][] { b(LOCK_SUFFIX) }, null, null, r));
                assertEquals(Map.of(), r.errors);
                final String expected = Stream.generate(() -> component).limit(depth).collect(Collectors.joining("/"))
                    + "/leaf" + LOCK_SUFFIX;
                assertTrue(expected.length() > 4096);
                assertEquals(Map.of(expected, PosixStat.S_IFREG), r.matches);

                // and the relative calls themselves reach the leaf
                int fd = root;
                for (int i = 0; i < depth; i++)
                {
                    final int next = posix.openDirAt(fd, b(component));
                    assertTrue(next >= 0, () -> "openDirAt failed: " + Errno.name(next));
                    if (fd != root)
                    {
                        assertEquals(0, posix.close(fd));
                    }
                    fd = next;
                }
                final PosixStat st = new PosixStat();
                assertEquals(0, posix.fstatAt(fd, b("leaf" + LOCK_SUFFIX), st));
                assertTrue(st.isRegularFile());
                assertEquals(0, posix.unlinkAt(fd, b("leaf" + LOCK_SUFFIX)));
                final int created = posix.createExclusiveAt(fd, b("new" + LOCK_SUFFIX), TOKEN, TOKEN.length, 0644, 0);
                assertTrue(created >= 0, () -> "createExclusiveAt failed: " + Errno.name(created));
                assertEquals(0, posix.close(created));
                assertEquals(0, posix.close(fd));
            });
        }
        finally
        {
            // @TempDir's clean-up walks absolute paths and cannot delete beyond PATH_MAX; rm can
            run("rm", "-rf", dir.resolve(component).toString());
        }
    }

    /**
     * One thread keeps swapping {@code root/d} between a real directory and a symlink to a
     * directory outside the root (two renames each way); another opens {@code d} relative to the
     * root and creates and removes a lock file in it. Whatever the interleaving, nothing outside
     * the root is created or removed: the outside directory holds a sentinel with the lock's name,
     * which a followed link would find ({@code EEXIST}) or remove. The loop runs until it has met both
     * the real directory and the symlink (or the missing name between two renames) 100 times each,
     * within a bounded number of iterations.
     */
    @Test
    void symlinkSwapNeverLeadsOutsideTheRoot()
    {
        bounded(() ->
        {
            final Path root = Files.createDirectory(dir.resolve("root"));
            final Path outside = Files.createDirectory(dir.resolve("outside"));
            final Path sentinel = Files.write(outside.resolve("lock"), b("sentinel"));
            final long sentinelIno = ino(sentinel);
            Files.createDirectory(root.resolve("d"));
            Files.createSymbolicLink(root.resolve("l"), outside);

            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicReference<Throwable> swapFailure = new AtomicReference<>();
            final CountDownLatch started = new CountDownLatch(1);
            final Thread swapper = new Thread(() ->
            {
                started.countDown();
                try
                {
                    while (!stop.get())
                    {
                        Files.move(root.resolve("d"), root.resolve("x"));
                        Files.move(root.resolve("l"), root.resolve("d"));
                        Files.move(root.resolve("d"), root.resolve("l"));
                        Files.move(root.resolve("x"), root.resolve("d"));
                    }
                }
                catch (final Throwable t)
                {
                    swapFailure.set(t);
                }
            }, "swapper");
            swapper.start();
            assertTrue(started.await(10, TimeUnit.SECONDS));

            final int rootFd = track(posix.openDirectory(root));
            int opened = 0;
            int refused = 0;
            try
            {
                // until both outcomes were seen often enough that the race is exercised, with a cap
                for (int i = 0; i < 200_000 && (opened < 100 || refused < 100); i++)
                {
                    final int fd = posix.openDirAt(rootFd, b("d"));
                    if (fd < 0)
                    {
                        assertTrue(fd == -Errno.ELOOP || fd == -Errno.ENOENT || fd == -Errno.ENOTDIR,
                            () -> "unexpected " + Errno.name(fd));
                        refused++;
                        continue;
                    }
                    opened++;
                    try
                    {
                        final int lock = posix.createExclusiveAt(fd, b("lock"), TOKEN, TOKEN.length, 0644, 0);
                        assertTrue(lock >= 0, () -> "create in the real directory failed: " + Errno.name(lock));
                        assertEquals(0, posix.close(lock));
                        assertEquals(0, posix.unlinkAt(fd, b("lock")));
                    }
                    finally
                    {
                        assertEquals(0, posix.close(fd));
                    }
                }
            }
            finally
            {
                stop.set(true);
                swapper.join(TimeUnit.SECONDS.toMillis(10));
            }
            assertFalse(swapper.isAlive());
            assertNull(swapFailure.get());
            final String counts = "opened " + opened + ", refused " + refused;
            assertTrue(opened > 0, "the real directory was opened at least once: " + counts);
            assertTrue(refused > 0, "the symlink was met at least once: " + counts);
            try (Stream<Path> left = Files.list(outside))
            {
                assertEquals(List.of(sentinel), left.collect(Collectors.toList()), "nothing created outside");
            }
            assertEquals(sentinelIno, ino(sentinel), "nothing removed outside");
            try (Stream<Path> left = Files.list(root.resolve("d")))
            {
                assertEquals(List.of(), left.collect(Collectors.toList()), "every lock created was removed");
            }
        });
    }
}

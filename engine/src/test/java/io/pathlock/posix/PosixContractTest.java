package io.pathlock.posix;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract of {@link Posix}, run against every backend by one subclass each, on real files in
 * a temporary directory.
 *
 * <p>Permission tests: the tests may run as root, for whom permission bits are no obstacle. As root
 * they (1) make a directory immutable with {@code chattr +i}, which stops root too, with
 * {@code EPERM}, and (2) run the operation in a child JVM started by {@code setpriv} without
 * {@code CAP_DAC_OVERRIDE} and {@code CAP_DAC_READ_SEARCH}, for whom permission bits apply
 * ({@code EACCES}). Where neither tool works (no {@code chattr} or {@code setpriv}, a file system
 * without the immutable flag, a container without the capability) those tests are skipped, and the
 * {@code ENOTDIR} / {@code ENOENT} tests still cover failures of the path itself.
 */
abstract class PosixContractTest
{
    static final String LOCK_NAME = ".path.ovlock";
    static final String RESERVED = ".pathlock";
    static final byte[] TOKEN =
        "owner-7f3a:pid=4242:token=000000000017:1732540000123456789:P".getBytes(StandardCharsets.UTF_8);

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

    private int create(final Path path, final byte[] content, final int flags)
    {
        return posix.createExclusive(path, content, content.length, 0644, flags);
    }

    // ---------------------------------------------------------------------------------------------
    // exclusive create, content, read back

    @Test
    void exclusiveCreateSucceedsOnceThenFailsWithEexist()
    {
        final Path lock = dir.resolve(LOCK_NAME);
        final int fd = track(create(lock, TOKEN, 0));
        assertEquals(-Errno.EEXIST, create(lock, TOKEN, 0));
        closeTracked(fd);
        assertEquals(-Errno.EEXIST, create(lock, TOKEN, 0), "closing does not remove the file");
        final PosixException ex = assertThrows(PosixException.class,
            () -> PosixException.check(create(lock, TOKEN, 0), "open", lock));
        assertInstanceOf(PosixException.AlreadyExists.class, ex);
        assertEquals(lock.toString(), ex.path());
    }

    @Test
    void exclusiveCreateTreatsSymlinkAsExisting() throws IOException
    {
        final Path target = dir.resolve("elsewhere");
        final Path link = Files.createSymbolicLink(dir.resolve(LOCK_NAME), target);
        assertEquals(-Errno.EEXIST, create(link, TOKEN, 0));
        assertFalse(Files.exists(target), "O_EXCL must not create the symlink's target");
    }

    @Test
    void contentIsWrittenWhole() throws IOException
    {
        final Path lock = dir.resolve(LOCK_NAME);
        closeTracked(track(create(lock, TOKEN, 0)));
        assertArrayEquals(TOKEN, Files.readAllBytes(lock));

        final byte[] big = new byte[100_000];
        for (int i = 0; i < big.length; i++)
        {
            big[i] = (byte)(i * 31);
        }
        final Path bigFile = dir.resolve("big");
        closeTracked(track(create(bigFile, big, Posix.CREATE_SYNC_DATA)));
        assertArrayEquals(big, Files.readAllBytes(bigFile));
    }

    @Test
    void createWritesOnlyLengthBytesAndRejectsBadLength() throws IOException
    {
        final Path a = dir.resolve("a");
        closeTracked(track(posix.createExclusive(a, TOKEN, 5, 0644, 0)));
        assertArrayEquals(Arrays.copyOf(TOKEN, 5), Files.readAllBytes(a));

        final Path empty = dir.resolve("empty");
        closeTracked(track(posix.createExclusive(empty, TOKEN, 0, 0644, 0)));
        assertEquals(0, Files.size(empty));

        assertEquals(-Errno.EINVAL, posix.createExclusive(dir.resolve("b"), TOKEN, TOKEN.length + 1, 0644, 0));
        assertFalse(Files.exists(dir.resolve("b")));
    }

    @Test
    void createAppliesModeUnderUmask() throws IOException
    {
        final Path lock = dir.resolve(LOCK_NAME);
        closeTracked(track(posix.createExclusive(lock, TOKEN, TOKEN.length, 0600, 0)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(lock)));
    }

    @Test
    void readFileReadsBackAndRefusesOversizedFiles() throws IOException
    {
        final Path lock = dir.resolve(LOCK_NAME);
        closeTracked(track(create(lock, TOKEN, 0)));

        final byte[] buffer = new byte[256];
        assertEquals(TOKEN.length, posix.readFile(lock, buffer));
        assertArrayEquals(TOKEN, Arrays.copyOf(buffer, TOKEN.length));

        final byte[] exact = new byte[TOKEN.length];
        assertEquals(TOKEN.length, posix.readFile(lock, exact));
        assertArrayEquals(TOKEN, exact);

        assertEquals(-Errno.EFBIG, posix.readFile(lock, new byte[TOKEN.length - 1]));

        final Path empty = Files.createFile(dir.resolve("empty"));
        assertEquals(0, posix.readFile(empty, buffer));

        final byte[] big = new byte[20_000];
        Arrays.fill(big, (byte)7);
        Files.write(dir.resolve("big"), big);
        final byte[] bigBuffer = new byte[20_000];
        assertEquals(big.length, posix.readFile(dir.resolve("big"), bigBuffer));
        assertArrayEquals(big, bigBuffer);

        assertEquals(-Errno.ENOENT, posix.readFile(dir.resolve("missing"), buffer));
        assertEquals(-Errno.EISDIR, posix.readFile(dir, buffer));
    }

    @Test
    void preadAllReadsTheOpenFileEvenAfterItIsReplaced() throws IOException
    {
        final Path lock = dir.resolve(LOCK_NAME);
        closeTracked(track(create(lock, TOKEN, 0)));
        final int fd = track(posix.openRead(lock));

        final byte[] buffer = new byte[128];
        assertEquals(TOKEN.length, posix.preadAll(fd, buffer));
        assertEquals(TOKEN.length, posix.preadAll(fd, buffer), "positional: a second read starts at 0 again");

        final Path replacement = dir.resolve("replacement");
        Files.write(replacement, "other:1:S".getBytes(StandardCharsets.UTF_8));
        assertEquals(0, posix.rename(replacement, lock));
        assertEquals(TOKEN.length, posix.preadAll(fd, buffer));
        assertArrayEquals(TOKEN, Arrays.copyOf(buffer, TOKEN.length));

        assertEquals(-Errno.EFBIG, posix.preadAll(fd, new byte[3]));
        assertEquals(-Errno.EBADF, posix.preadAll(-1, buffer));
    }

    // ---------------------------------------------------------------------------------------------
    // stat family

    @Test
    void statReportsInodeSizeTypeAndTime() throws IOException
    {
        final Path lock = dir.resolve(LOCK_NAME);
        closeTracked(track(create(lock, TOKEN, 0)));

        final PosixStat st = new PosixStat();
        assertEquals(0, posix.stat(lock, st));
        assertEquals(((Number)Files.getAttribute(lock, "unix:ino")).longValue(), st.ino());
        assertEquals(((Number)Files.getAttribute(lock, "unix:dev")).longValue(), st.dev());
        assertEquals(TOKEN.length, st.size());
        assertTrue(st.isRegularFile());
        assertFalse(st.isDirectory());
        assertEquals(1, st.nlink());
        assertEquals(((Number)Files.getAttribute(lock, "unix:uid")).intValue(), st.uid());
        assertEquals(Files.getLastModifiedTime(lock).to(TimeUnit.MICROSECONDS), TimeUnit.NANOSECONDS.toMicros(st.mtimeNanos()));
        assertEquals(0, st.mode() & 0133, "no execute bits, no group/other write at mode 0644");

        final PosixStat dirStat = new PosixStat();
        assertEquals(0, posix.stat(dir, dirStat));
        assertTrue(dirStat.isDirectory());
        assertFalse(dirStat.sameFile(st));

        assertEquals(-Errno.ENOENT, posix.stat(dir.resolve("missing"), st));
        assertEquals(TOKEN.length, st.size(), "a failed call leaves the result untouched");
    }

    @Test
    void lstatDescribesTheSymlinkAndStatItsTarget() throws IOException
    {
        final Path file = Files.write(dir.resolve("file"), TOKEN);
        final Path link = Files.createSymbolicLink(dir.resolve("link"), file);
        final PosixStat viaLink = new PosixStat();
        final PosixStat ofLink = new PosixStat();
        final PosixStat ofFile = new PosixStat();
        assertEquals(0, posix.stat(link, viaLink));
        assertEquals(0, posix.lstat(link, ofLink));
        assertEquals(0, posix.lstat(file, ofFile));
        assertTrue(viaLink.sameFile(ofFile));
        assertTrue(ofLink.isSymbolicLink());
        assertFalse(ofLink.sameFile(ofFile));

        final Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("nothing"));
        assertEquals(-Errno.ENOENT, posix.stat(dangling, viaLink));
        assertEquals(0, posix.lstat(dangling, ofLink));
    }

    @Test
    void fstatFollowsTheOpenFileAcrossUnlinkAndReplacement() throws IOException
    {
        final Path lock = dir.resolve(LOCK_NAME);
        final int fd = track(create(lock, TOKEN, 0));
        final PosixStat byFd = new PosixStat();
        final PosixStat byPath = new PosixStat();
        assertEquals(0, posix.fstat(fd, byFd));
        assertEquals(0, posix.stat(lock, byPath));
        assertTrue(byFd.sameFile(byPath));
        assertEquals(1, byFd.nlink());
        assertEquals(TOKEN.length, byFd.size());

        final long inode = byFd.ino();
        assertEquals(0, posix.unlink(lock));
        assertEquals(0, posix.fstat(fd, byFd));
        assertEquals(inode, byFd.ino());
        assertEquals(0, byFd.nlink(), "unlinked while open");

        closeTracked(track(create(lock, TOKEN, 0)));
        assertEquals(0, posix.stat(lock, byPath));
        assertEquals(0, posix.fstat(fd, byFd));
        assertFalse(byFd.sameFile(byPath), "a re-created lock file is a different file (the ABA check)");

        assertEquals(-Errno.EBADF, posix.fstat(-1, byFd));
    }

    // ---------------------------------------------------------------------------------------------
    // link, rename, unlink, mkdir

    @Test
    void linkPublishesOnlyIfTheNameIsFree() throws IOException
    {
        final Path tmp = dir.resolve(".path.ovlock.tmp");
        final Path lock = dir.resolve(LOCK_NAME);
        closeTracked(track(create(tmp, TOKEN, 0)));

        assertEquals(0, posix.link(tmp, lock));
        final PosixStat a = new PosixStat();
        final PosixStat b = new PosixStat();
        assertEquals(0, posix.stat(tmp, a));
        assertEquals(0, posix.stat(lock, b));
        assertTrue(a.sameFile(b));
        assertEquals(2, b.nlink());

        assertEquals(-Errno.EEXIST, posix.link(tmp, lock));
        final Path other = Files.write(dir.resolve("other"), "x".getBytes(StandardCharsets.UTF_8));
        assertEquals(-Errno.EEXIST, posix.link(other, lock));
        assertArrayEquals(TOKEN, Files.readAllBytes(lock), "a failed link leaves the existing file alone");
        assertEquals(-Errno.ENOENT, posix.link(dir.resolve("missing"), dir.resolve("c")));
        assertEquals(-Errno.ENOENT, posix.link(tmp, dir.resolve("no-dir").resolve("c")));
    }

    @Test
    void renameReplacesTheTargetAtomically() throws IOException
    {
        final Path from = Files.write(dir.resolve("from"), TOKEN);
        final Path to = Files.write(dir.resolve("to"), "old".getBytes(StandardCharsets.UTF_8));
        final PosixStat before = new PosixStat();
        assertEquals(0, posix.stat(from, before));

        assertEquals(0, posix.rename(from, to));
        final PosixStat after = new PosixStat();
        assertEquals(0, posix.stat(to, after));
        assertTrue(before.sameFile(after));
        assertFalse(Files.exists(from));
        assertEquals(-Errno.ENOENT, posix.rename(from, to));
    }

    @Test
    void unlinkRemovesOnceAndNeverADirectory() throws IOException
    {
        final Path lock = dir.resolve(LOCK_NAME);
        closeTracked(track(create(lock, TOKEN, 0)));
        assertEquals(0, posix.unlink(lock));
        assertFalse(Files.exists(lock));
        assertEquals(-Errno.ENOENT, posix.unlink(lock));

        final Path sub = Files.createDirectory(dir.resolve("sub"));
        assertEquals(-Errno.EISDIR, posix.unlink(sub));
        assertTrue(Files.isDirectory(sub));

        final Path link = Files.createSymbolicLink(dir.resolve("link"), sub);
        assertEquals(0, posix.unlink(link), "unlink removes the symlink itself");
        assertTrue(Files.isDirectory(sub));
    }

    @Test
    void mkdirCreatesOneLevel()
    {
        final Path sub = dir.resolve("sub");
        assertEquals(0, posix.mkdir(sub, 0755));
        assertTrue(Files.isDirectory(sub));
        assertEquals(-Errno.EEXIST, posix.mkdir(sub, 0755));
        assertEquals(-Errno.ENOENT, posix.mkdir(dir.resolve("a").resolve("b"), 0755));
    }

    // ---------------------------------------------------------------------------------------------
    // flock

    @Test
    void exclusiveFlockExcludesAnotherOpenFileDescriptionUntilReleased() throws IOException
    {
        final Path lock = dir.resolve(LOCK_NAME);
        closeTracked(track(create(lock, TOKEN, 0)));
        final int a = track(posix.openRead(lock));
        final int b = track(posix.openRead(lock));

        assertEquals(0, posix.flock(a, Posix.LOCK_EX | Posix.LOCK_NB));
        assertEquals(0, posix.flock(a, Posix.LOCK_EX | Posix.LOCK_NB), "re-locking the same description is a no-op");
        assertEquals(-Errno.EWOULDBLOCK, posix.flock(b, Posix.LOCK_EX | Posix.LOCK_NB));
        assertEquals(-Errno.EWOULDBLOCK, posix.flock(b, Posix.LOCK_SH | Posix.LOCK_NB));
        assertInstanceOf(PosixException.WouldBlock.class, assertThrows(PosixException.class,
            () -> PosixException.check(posix.flock(b, Posix.LOCK_EX | Posix.LOCK_NB), "flock", b)));

        assertEquals(0, posix.flock(a, Posix.LOCK_UN));
        assertEquals(0, posix.flock(b, Posix.LOCK_EX | Posix.LOCK_NB));
        assertEquals(-Errno.EWOULDBLOCK, posix.flock(a, Posix.LOCK_EX | Posix.LOCK_NB));
    }

    @Test
    void sharedFlocksAreCompatibleButExcludeExclusive() throws IOException
    {
        final Path lock = dir.resolve(LOCK_NAME);
        closeTracked(track(create(lock, TOKEN, 0)));
        final int a = track(posix.openRead(lock));
        final int b = track(posix.openRead(lock));
        final int c = track(posix.openRead(lock));

        assertEquals(0, posix.flock(a, Posix.LOCK_SH | Posix.LOCK_NB));
        assertEquals(0, posix.flock(b, Posix.LOCK_SH | Posix.LOCK_NB));
        assertEquals(-Errno.EWOULDBLOCK, posix.flock(c, Posix.LOCK_EX | Posix.LOCK_NB));
        assertEquals(0, posix.flock(a, Posix.LOCK_UN));
        assertEquals(-Errno.EWOULDBLOCK, posix.flock(c, Posix.LOCK_EX | Posix.LOCK_NB), "b still shares it");
        closeTracked(b);
        assertEquals(0, posix.flock(c, Posix.LOCK_EX | Posix.LOCK_NB), "closing b released its lock");
    }

    @Test
    void closingTheDescriptorReleasesTheLock() throws IOException
    {
        final Path lock = dir.resolve(LOCK_NAME);
        final int holder = track(create(lock, TOKEN, Posix.CREATE_LOCK_EXCLUSIVE));
        final int prober = track(posix.openRead(lock));
        assertEquals(-Errno.EWOULDBLOCK, posix.flock(prober, Posix.LOCK_EX | Posix.LOCK_NB),
            "CREATE_LOCK_EXCLUSIVE returns a locked descriptor");
        closeTracked(holder);
        assertEquals(0, posix.flock(prober, Posix.LOCK_EX | Posix.LOCK_NB));
    }

    @Test
    void blockingFlockWaitsForTheRelease() throws Exception
    {
        final Path lock = dir.resolve(LOCK_NAME);
        closeTracked(track(create(lock, TOKEN, 0)));
        final int holder = track(posix.openRead(lock));
        final int waiter = track(posix.openRead(lock));
        assertEquals(0, posix.flock(holder, Posix.LOCK_EX));

        final CountDownLatch started = new CountDownLatch(1);
        final CompletableFuture<Integer> waited = CompletableFuture.supplyAsync(() ->
        {
            started.countDown();
            return posix.flock(waiter, Posix.LOCK_EX);
        });
        assertTrue(started.await(10, TimeUnit.SECONDS));
        assertEquals(0, posix.flock(holder, Posix.LOCK_UN));
        assertEquals(0, waited.get(10, TimeUnit.SECONDS));
        assertEquals(-Errno.EWOULDBLOCK, posix.flock(holder, Posix.LOCK_EX | Posix.LOCK_NB), "the waiter holds it now");
    }

    @Test
    void flockExcludesAnotherProcessUsingTheSameBackend() throws Exception
    {
        final Path lock = dir.resolve(LOCK_NAME);
        final int holder = track(create(lock, TOKEN, Posix.CREATE_LOCK_EXCLUSIVE));

        final ChildJvm.Result held = ChildJvm.run(
            List.of(), List.of(), PosixChild.class, "lock", posix.backend().name(), lock.toString());
        assertEquals(0, held.exitCode(), held.output());
        assertTrue(held.output().contains("rc=" + (-Errno.EWOULDBLOCK)), held.output());

        closeTracked(holder);
        final ChildJvm.Result free = ChildJvm.run(
            List.of(), List.of(), PosixChild.class, "lock", posix.backend().name(), lock.toString());
        assertTrue(free.output().contains("rc=0"), free.output());
    }

    @Test
    void flockIsVisibleToFlockCommandExactlyWhenSupported() throws Exception
    {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/flock")), "util-linux flock(1) not installed");
        final Path lock = dir.resolve(LOCK_NAME);
        final int holder = track(create(lock, TOKEN, Posix.CREATE_LOCK_EXCLUSIVE));

        final Process probe = new ProcessBuilder("/usr/bin/flock", "-n", "-E", "99", lock.toString(), "true")
            .redirectErrorStream(true).start();
        assertTrue(probe.waitFor(30, TimeUnit.SECONDS));
        if (posix.supportsFlock())
        {
            assertEquals(99, probe.exitValue(), "flock(1) must see the lock as held");
        }
        else
        {
            assertEquals(0, probe.exitValue(), "documented: fcntl locks are invisible to flock(2) users");
        }
        closeTracked(holder);
    }

    // ---------------------------------------------------------------------------------------------
    // durability

    @Test
    void fsyncFdatasyncAndDirectoryFsyncSucceed() throws IOException
    {
        final Path lock = dir.resolve(LOCK_NAME);
        final int fd = track(create(lock, TOKEN, Posix.CREATE_SYNC_DATA));
        assertEquals(0, posix.fsync(fd));
        assertEquals(0, posix.fdatasync(fd));
        assertEquals(0, posix.fsyncDirectory(dir));
        final int readFd = track(posix.openRead(lock));
        assertEquals(0, posix.fsync(readFd), "fsync works on a read-only descriptor");

        assertEquals(-Errno.ENOENT, posix.fsyncDirectory(dir.resolve("missing")));
        assertEquals(-Errno.ENOTDIR, posix.fsyncDirectory(lock));
        assertEquals(-Errno.EBADF, posix.fsync(-1));
        assertEquals(-Errno.EBADF, posix.fdatasync(-1));
    }

    @Test
    void closeOfAnUnknownDescriptorIsEbadf()
    {
        assertEquals(-Errno.EBADF, posix.close(-1));
    }

    // ---------------------------------------------------------------------------------------------
    // failures of the path

    @Test
    void missingDirectoryIsEnoent()
    {
        final Path missing = dir.resolve("no").resolve("such").resolve(LOCK_NAME);
        assertEquals(-Errno.ENOENT, create(missing, TOKEN, 0));
        assertEquals(-Errno.ENOENT, posix.openRead(missing));
        assertEquals(-Errno.ENOENT, posix.stat(missing, new PosixStat()));
        assertEquals(-Errno.ENOENT, posix.findFiles(dir.resolve("no"), LOCK_NAME, null, new ArrayList<>()));
        assertInstanceOf(PosixException.NoSuchFile.class,
            assertThrows(PosixException.class, () -> PosixException.check(posix.openRead(missing), "open", missing)));
    }

    @Test
    void fileInPlaceOfADirectoryIsEnotdir() throws IOException
    {
        final Path file = Files.write(dir.resolve("file"), TOKEN);
        assertEquals(-Errno.ENOTDIR, create(file.resolve(LOCK_NAME), TOKEN, 0));
        assertEquals(-Errno.ENOTDIR, posix.mkdir(file.resolve("sub"), 0755));
        assertEquals(-Errno.ENOTDIR, posix.findFiles(file, LOCK_NAME, null, new ArrayList<>()));
    }

    @Test
    void permissionDeniedIsReportedAsAccessDenied() throws Exception
    {
        final Path locked = Files.createDirectory(dir.resolve("locked"));
        final Path victim = Files.write(locked.resolve("victim"), TOKEN);
        final boolean root = ChildJvm.isRoot();
        final int expected;
        if (root)
        {
            final Process chattr = new ProcessBuilder("chattr", "+i", locked.toString()).redirectErrorStream(true).start();
            final String out = new String(chattr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            Assumptions.assumeTrue(chattr.waitFor() == 0, () -> "running as root and chattr +i failed: " + out);
            expected = Errno.EPERM;
        }
        else
        {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-x------"));
            expected = Errno.EACCES;
        }
        try
        {
            final Path lock = locked.resolve(LOCK_NAME);
            assertEquals(-expected, create(lock, TOKEN, 0));
            assertFalse(Files.exists(lock));
            assertEquals(-expected, posix.mkdir(locked.resolve("sub"), 0755));
            assertEquals(-expected, posix.unlink(victim));
            assertEquals(-expected, posix.link(victim, lock));
            assertInstanceOf(PosixException.AccessDenied.class,
                assertThrows(PosixException.class, () -> PosixException.check(create(lock, TOKEN, 0), "open", lock)));
        }
        finally
        {
            if (root)
            {
                new ProcessBuilder("chattr", "-i", locked.toString()).start().waitFor();
            }
            else
            {
                Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
            }
        }
    }

    @Test
    void failedWriteRemovesTheHalfWrittenFile() throws Exception
    {
        // A child JVM with a 4 KiB file-size limit (RLIMIT_FSIZE): the write of 20,000 bytes fails with
        // EFBIG after a partial write, and the create must take its file away again.
        final Path lock = dir.resolve(LOCK_NAME);
        final ChildJvm.Result result = ChildJvm.run(
            List.of(), List.of(), PosixChild.class, "create", posix.backend().name(), lock.toString(), "20000", "4096");
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("rc=" + (-Errno.EFBIG) + " exists=false"), result.output());
    }

    // ---------------------------------------------------------------------------------------------
    // walk

    @Test
    void walkFindsLockFilesAtDepthAndSkipsSymlinksAndTheReservedDirectory() throws IOException
    {
        final Path deep = Files.createDirectories(dir.resolve("a/b/c/d"));
        Files.write(deep.resolve(LOCK_NAME), TOKEN);
        Files.write(dir.resolve(LOCK_NAME), TOKEN);
        Files.write(Files.createDirectories(dir.resolve("x")).resolve(LOCK_NAME), TOKEN);
        Files.write(dir.resolve("a/b").resolve("not-a-lock"), TOKEN);

        Files.write(Files.createDirectories(dir.resolve(RESERVED)).resolve(LOCK_NAME), TOKEN);
        Files.write(Files.createDirectories(dir.resolve("a/" + RESERVED)).resolve(LOCK_NAME), TOKEN);

        Files.createSymbolicLink(dir.resolve("link-to-a"), dir.resolve("a"));
        Files.createSymbolicLink(Files.createDirectories(dir.resolve("y")).resolve(LOCK_NAME), deep.resolve(LOCK_NAME));
        Files.createDirectories(dir.resolve("z").resolve(LOCK_NAME));

        final List<Path> found = new ArrayList<>();
        final int n = posix.findFiles(dir, LOCK_NAME, RESERVED, found);
        final Set<Path> expected = Set.of(Path.of(LOCK_NAME), Path.of("a/b/c/d/" + LOCK_NAME), Path.of("x/" + LOCK_NAME));
        assertEquals(expected, new HashSet<>(found));
        assertEquals(3, n);
        assertEquals(3, found.size(), "no duplicates: the symlinked directory is not followed");

        final List<Path> all = new ArrayList<>();
        assertEquals(5, posix.findFiles(dir, LOCK_NAME, null, all));
        assertTrue(all.contains(Path.of(RESERVED + "/" + LOCK_NAME)));
        assertTrue(all.contains(Path.of("a/" + RESERVED + "/" + LOCK_NAME)));

        final List<Path> below = new ArrayList<>();
        assertEquals(1, posix.findFiles(dir.resolve("a/b"), LOCK_NAME, RESERVED, below));
        assertEquals(List.of(Path.of("c/d/" + LOCK_NAME)), below);

        final List<Path> throughLink = new ArrayList<>();
        assertEquals(1, posix.findFiles(dir.resolve("link-to-a"), LOCK_NAME, RESERVED, throughLink),
            "the start itself may be a symlink");
    }

    @Test
    void walkWithASuffixPatternFindsDirectoryLocksAndSidecars() throws IOException
    {
        final Path a = Files.createDirectories(dir.resolve("a/b"));
        Files.write(a.resolve(LOCK_NAME), TOKEN);
        Files.write(a.resolve(".file" + LOCK_NAME), TOKEN);
        Files.write(dir.resolve(".top" + LOCK_NAME), TOKEN);
        Files.write(dir.resolve("a/unrelated"), TOKEN);
        Files.write(dir.resolve("a/" + LOCK_NAME + ".tmp"), TOKEN);
        Files.write(Files.createDirectories(dir.resolve(RESERVED)).resolve(".x" + LOCK_NAME), TOKEN);

        final List<Path> found = new ArrayList<>();
        assertEquals(3, posix.findFiles(dir, "*" + LOCK_NAME, RESERVED, found));
        assertEquals(Set.of(Path.of("a/b/" + LOCK_NAME), Path.of("a/b/.file" + LOCK_NAME), Path.of(".top" + LOCK_NAME)),
            new HashSet<>(found));
        final List<Path> exact = new ArrayList<>();
        assertEquals(1, posix.findFiles(dir, LOCK_NAME, RESERVED, exact), "without '*' the name is matched exactly");
    }

    @Test
    void walkCoversAWideTree() throws IOException
    {
        final Set<Path> expected = new HashSet<>();
        for (int i = 0; i < 20; i++)
        {
            for (int j = 0; j < 10; j++)
            {
                final Path leaf = Files.createDirectories(dir.resolve("d" + i).resolve("e" + j));
                if ((i + j) % 3 == 0)
                {
                    Files.write(leaf.resolve(LOCK_NAME), TOKEN);
                    expected.add(Path.of("d" + i, "e" + j, LOCK_NAME));
                }
            }
        }
        final List<Path> found = new ArrayList<>();
        assertEquals(expected.size(), posix.findFiles(dir, LOCK_NAME, RESERVED, found));
        assertEquals(expected, new HashSet<>(found));
    }

    @Test
    void walkHandlesNonAsciiNames() throws IOException
    {
        Assumptions.assumeTrue("UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding")),
            "file names are not UTF-8 in this JVM");
        final Path odd = Files.createDirectories(dir.resolve("répertoire-日本"));
        Files.write(odd.resolve(LOCK_NAME), TOKEN);
        final Path lock = odd.resolve("lock-é");
        closeTracked(track(create(lock, TOKEN, 0)));
        assertTrue(Files.exists(lock));

        final List<Path> found = new ArrayList<>();
        assertEquals(1, posix.findFiles(dir, LOCK_NAME, null, found));
        assertEquals(Path.of("répertoire-日本", LOCK_NAME), found.get(0));
        assertTrue(Files.exists(dir.resolve(found.get(0))));
    }

    @Test
    void walkRejectsBadNames()
    {
        final List<Path> out = new ArrayList<>();
        assertEquals(-Errno.EINVAL, posix.findFiles(dir, "a/b", null, out));
        assertEquals(-Errno.EINVAL, posix.findFiles(dir, "", null, out));
        assertEquals(-Errno.EINVAL, posix.findFiles(dir, "..", null, out));
        assertEquals(-Errno.EINVAL, posix.findFiles(dir, LOCK_NAME, "x/y", out));
        assertTrue(out.isEmpty());
    }

    @Test
    void walkFailsWholeOnAnUnreadableDirectory() throws Exception
    {
        final Path hidden = Files.createDirectories(dir.resolve("hidden/inner"));
        Files.write(hidden.resolve(LOCK_NAME), TOKEN);
        Files.write(dir.resolve(LOCK_NAME), TOKEN);
        Files.setPosixFilePermissions(dir.resolve("hidden"), PosixFilePermissions.fromString("---------"));
        try
        {
            if (ChildJvm.isRoot())
            {
                // root reads any directory; a child without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH does not
                assumeSetprivWorks();
                final ChildJvm.Result result = ChildJvm.run(ChildJvm.WITHOUT_DAC_OVERRIDE, List.of(), PosixChild.class,
                    "walk", posix.backend().name(), dir.toString(), LOCK_NAME);
                assertTrue(result.output().contains("rc=" + (-Errno.EACCES) + " found=[]"), result.output());
            }
            else
            {
                final List<Path> out = new ArrayList<>();
                assertEquals(-Errno.EACCES, posix.findFiles(dir, LOCK_NAME, null, out));
                assertTrue(out.isEmpty(), "nothing added on failure");
            }
        }
        finally
        {
            Files.setPosixFilePermissions(dir.resolve("hidden"), PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void permissionBitsDenyWithEacces() throws Exception
    {
        final Path readOnly = Files.createDirectory(dir.resolve("read-only"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        final Path lock = readOnly.resolve(LOCK_NAME);
        try
        {
            if (ChildJvm.isRoot())
            {
                assumeSetprivWorks();
                final ChildJvm.Result result = ChildJvm.run(ChildJvm.WITHOUT_DAC_OVERRIDE, List.of(), PosixChild.class,
                    "create", posix.backend().name(), lock.toString(), "16");
                assertTrue(result.output().contains("rc=" + (-Errno.EACCES) + " exists=false"), result.output());
            }
            else
            {
                assertEquals(-Errno.EACCES, create(lock, TOKEN, 0));
            }
        }
        finally
        {
            Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwx------"));
        }
    }

    private static void assumeSetprivWorks() throws Exception
    {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(ChildJvm.WITHOUT_DAC_OVERRIDE.get(0))), "no setpriv");
        final List<String> probe = new ArrayList<>(ChildJvm.WITHOUT_DAC_OVERRIDE);
        probe.add("true");
        final Process p = new ProcessBuilder(probe).redirectErrorStream(true).start();
        Assumptions.assumeTrue(p.waitFor() == 0, "setpriv cannot drop capabilities here");
    }

    // ---------------------------------------------------------------------------------------------
    // misc

    @Test
    void getpidIsThisProcess()
    {
        assertEquals(ProcessHandle.current().pid(), posix.getpid());
    }

    @Test
    void descriptorsAreDistinctAndCapabilitiesAreDeclared() throws IOException
    {
        final Path lock = dir.resolve(LOCK_NAME);
        final int a = track(create(lock, TOKEN, 0));
        final int b = track(posix.openRead(lock));
        assertNotEquals(a, b);
        assertEquals(posix.backend() != PosixBackend.NIO, posix.supportsFlock());
        assertEquals(posix.backend() != PosixBackend.NIO, posix.hasRealFileDescriptors());
    }
}

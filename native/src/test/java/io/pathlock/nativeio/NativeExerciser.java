package io.pathlock.nativeio;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Calls every function of {@link PathlockNative} on its success and error paths, checking each
 * result; run by {@link JniCheckTest} in a child JVM with {@code -Xcheck:jni}. Exits with 1 on the
 * first wrong result, 0 when all are right.
 */
public final class NativeExerciser
{
    private static int checks;

    private NativeExerciser()
    {
    }

    /**
     * Entry point.
     *
     * @param args an empty directory to work in.
     */
    public static void main(final String[] args) throws Exception
    {
        if (!NativeLoader.isAvailable())
        {
            fail("library not loaded: " + NativeLoader.unavailabilityCause());
        }
        final Path dir = Path.of(args[0]);
        final byte[] lock = bytes(dir.resolve(".path.ovlock"));
        final byte[] token = "owner:1732540000123456789:P".getBytes(StandardCharsets.UTF_8);
        final int eexist = -17;
        final int einval = -22;

        // create
        final int fd = PathlockNative.createExclusive(lock, token, token.length, 0644,
            PathlockNative.CREATE_SYNC_DATA | PathlockNative.CREATE_LOCK_EXCLUSIVE);
        expect(fd >= 0, "createExclusive " + fd);
        expect(PathlockNative.createExclusive(lock, token, token.length, 0644, 0) == eexist, "EEXIST");
        expect(PathlockNative.createExclusive(null, token, 1, 0644, 0) == einval, "null path");
        expect(PathlockNative.createExclusive(lock, null, 0, 0644, 0) == einval, "null content");
        expect(PathlockNative.createExclusive(lock, token, token.length + 1, 0644, 0) == einval, "length");
        expect(PathlockNative.createExclusive(new byte[0], token, 1, 0644, 0) == -2, "empty path");
        expect(PathlockNative.createExclusive("a\0b".getBytes(StandardCharsets.UTF_8), token, 1, 0644, 0) == einval, "NUL");
        final byte[] longPath = new byte[5000];
        Arrays.fill(longPath, (byte)'a');
        expect(PathlockNative.createExclusive(longPath, token, 1, 0644, 0) == -36, "ENAMETOOLONG");
        final byte[] big = new byte[20_000];
        final byte[] bigPath = bytes(dir.resolve("big"));
        final int bigFd = PathlockNative.createExclusive(bigPath, big, big.length, 0600, 0);
        expect(bigFd >= 0, "big create");
        expect(PathlockNative.close(bigFd) == 0, "close big");

        // read
        final byte[] buffer = new byte[100];
        expect(PathlockNative.readFile(lock, buffer) == token.length, "readFile");
        expect(Arrays.equals(Arrays.copyOf(buffer, token.length), token), "readFile content");
        expect(PathlockNative.readFile(lock, new byte[1]) == -27, "EFBIG");
        expect(PathlockNative.readFile(lock, null) == einval, "null dst");
        expect(PathlockNative.readFile(bigPath, new byte[20_000]) == 20_000, "big read");
        final int reader = PathlockNative.openRead(lock);
        expect(reader >= 0, "openRead");
        expect(PathlockNative.preadAll(reader, buffer) == token.length, "preadAll");
        expect(PathlockNative.preadAll(reader, null) == einval, "preadAll null");

        // flock
        expect(PathlockNative.flock(reader, PathlockNative.LOCK_EX | PathlockNative.LOCK_NB) == -11, "EWOULDBLOCK");
        expect(PathlockNative.flock(fd, PathlockNative.LOCK_UN) == 0, "unlock");
        expect(PathlockNative.flock(reader, PathlockNative.LOCK_SH | PathlockNative.LOCK_NB) == 0, "shared");

        // stat family
        final long[] st = new long[PathlockNative.STAT_LENGTH];
        expect(PathlockNative.stat(lock, st) == 0 && st[PathlockNative.STAT_SIZE] == token.length, "stat");
        final long inode = st[PathlockNative.STAT_INO];
        expect(PathlockNative.lstat(lock, st) == 0 && st[PathlockNative.STAT_INO] == inode, "lstat");
        expect(PathlockNative.fstat(fd, st) == 0 && st[PathlockNative.STAT_INO] == inode, "fstat");
        expect(PathlockNative.stat(lock, new long[3]) == einval, "short stat array");
        expect(PathlockNative.fstat(fd, null) == einval, "null stat array");
        expect(PathlockNative.stat(bytes(dir.resolve("missing")), st) == -2, "ENOENT");

        // sync
        expect(PathlockNative.fsync(fd) == 0, "fsync");
        expect(PathlockNative.fdatasync(fd) == 0, "fdatasync");
        expect(PathlockNative.fsyncDirectory(bytes(dir)) == 0, "fsyncDirectory");
        expect(PathlockNative.fsync(-1) == -9, "EBADF");

        // names
        final byte[] second = bytes(dir.resolve("second"));
        expect(PathlockNative.link(lock, second) == 0, "link");
        expect(PathlockNative.link(lock, second) == eexist, "link EEXIST");
        expect(PathlockNative.rename(second, bytes(dir.resolve("third"))) == 0, "rename");
        expect(PathlockNative.unlink(bytes(dir.resolve("third"))) == 0, "unlink");
        expect(PathlockNative.unlink(bytes(dir.resolve("third"))) == -2, "unlink ENOENT");
        expect(PathlockNative.mkdir(bytes(dir.resolve("sub")), 0755) == 0, "mkdir");
        expect(PathlockNative.mkdir(bytes(dir.resolve("sub")), 0755) == eexist, "mkdir EEXIST");
        Files.createDirectories(dir.resolve("sub/deeper/.pathlock"));
        Files.write(dir.resolve("sub/deeper/.path.ovlock"), token);
        Files.write(dir.resolve("sub/deeper/.pathlock/.path.ovlock"), token);

        // walk
        final byte[][] out = new byte[1][];
        final byte[] name = ".path.ovlock".getBytes(StandardCharsets.UTF_8);
        final byte[] skip = ".pathlock".getBytes(StandardCharsets.UTF_8);
        expect(PathlockNative.findFiles(bytes(dir), name, skip, out) == 2, "findFiles");
        final String found = new String(out[0], StandardCharsets.UTF_8);
        expect(found.contains(".path.ovlock\0") && found.contains("sub/deeper/.path.ovlock\0"), "findFiles result " + found);
        expect(PathlockNative.findFiles(bytes(dir), name, null, out) == 3, "findFiles without skip");
        expect(PathlockNative.findFiles(bytes(dir), name, skip, null) == einval, "null out");
        expect(PathlockNative.findFiles(bytes(dir), name, skip, new byte[0][]) == einval, "empty out");
        expect(PathlockNative.findFiles(bytes(dir), "a/b".getBytes(StandardCharsets.UTF_8), null, out) == einval, "bad name");
        expect(PathlockNative.findFiles(bytes(dir), new byte[0], null, out) == einval, "empty name");
        expect(PathlockNative.findFiles(bytes(dir.resolve("missing")), name, null, out) == -2, "walk ENOENT");
        expect(PathlockNative.walkFloor(bytes(dir), name, skip, 3) == 6, "walkFloor");

        // floor
        expect(PathlockNative.pointFloor(bytes(dir.resolve("floor")), token, token.length, 0644, 0, 100) == 100, "pointFloor");
        expect(!Files.exists(dir.resolve("floor")), "pointFloor cleans up");
        expect(PathlockNative.pointFloor(lock, token, token.length, 0644, 0, 1) == eexist, "pointFloor EEXIST");
        expect(PathlockNative.pointFloor(lock, token, 9000, 0644, 0, 1) == einval, "pointFloor length");

        // suffix pattern and the lock-sequence floor
        expect(PathlockNative.findFiles(bytes(dir), "*.path.ovlock".getBytes(StandardCharsets.UTF_8), skip, out) == 2,
            "findFiles *suffix");
        final java.nio.file.Path seq = Files.createDirectories(dir.resolve("seq/a"));
        final java.nio.file.Path guardFile = Files.write(dir.resolve("seq/guard"), new byte[0]);
        final byte[][] lstats = {bytes(seq)};
        final byte[][] probes = {bytes(dir.resolve("seq/.path.ovlock")), bytes(dir.resolve("seq/.a.path.ovlock"))};
        expect(PathlockNative.lockSequenceFloor(lstats, probes, bytes(dir.resolve("seq/tmp")), bytes(seq.resolve(".path.ovlock")),
            probes, bytes(seq), bytes(guardFile), token, token.length, 0600, 50) == 50, "lockSequenceFloor");
        expect(!Files.exists(seq.resolve(".path.ovlock")) && !Files.exists(dir.resolve("seq/tmp")), "lockSequenceFloor cleans up");
        expect(PathlockNative.lockSequenceFloor(lstats, new byte[][] {lock}, bytes(dir.resolve("seq/tmp")),
            bytes(seq.resolve(".path.ovlock")), null, null, bytes(guardFile), token, token.length, 0600, 1) == eexist,
            "lockSequenceFloor finds a lock");

        // descriptor-relative floors (ABI 5)
        final byte[][] suffixes = {name};
        final byte[][] prefixes = {".exact.ovlock.".getBytes(StandardCharsets.UTF_8)};
        expect(PathlockNative.walkAtFloor(bytes(dir), new byte[0], suffixes, prefixes, skip, 3) == 6, "walkAtFloor");
        expect(PathlockNative.walkAtFloor(bytes(dir), bytes("sub"), suffixes, null, null, 2) == 4, "walkAtFloor sub, no skip");
        expect(PathlockNative.walkAtFloor(bytes(dir), bytes("missing"), suffixes, null, null, 1) == -2, "walkAtFloor ENOENT");
        expect(PathlockNative.walkAtFloor(bytes(dir), bytes("/sub"), suffixes, null, null, 1) == einval, "walkAtFloor absolute");
        Files.createDirectories(dir.resolve("seq/t"));
        final byte[][] comps = {bytes("a")};
        final byte[][] pre = {bytes(".path.ovlock")};
        final byte[][] post = {bytes(".path.ovlock"), bytes(".exact.ovlock.a.0123456789abcdef")};
        expect(PathlockNative.lockSequenceAtFloor(bytes(dir.resolve("seq")), comps, pre, bytes("t"), bytes("n.1"),
            bytes("a/.path.ovlock"), post, null, null, null, null, bytes(guardFile), token, token.length, 0600, 50) == 50,
            "lockSequenceAtFloor POINT");
        expect(PathlockNative.lockSequenceAtFloor(bytes(dir.resolve("seq")), comps, pre, bytes("t"), bytes("n.1"),
            bytes("a/.path.ovlock"), post, bytes("a"), suffixes, prefixes, skip, bytes(guardFile), token, token.length, 0600,
            50) == 50, "lockSequenceAtFloor SUBTREE");
        expect(!Files.exists(seq.resolve(".path.ovlock")) && !Files.exists(dir.resolve("seq/t/n.1")),
            "lockSequenceAtFloor cleans up");
        Files.write(dir.resolve("seq/.path.ovlock"), token);
        expect(PathlockNative.lockSequenceAtFloor(bytes(dir.resolve("seq")), comps, pre, bytes("t"), bytes("n.1"),
            bytes("a/.path.ovlock"), post, null, null, null, null, bytes(guardFile), token, token.length, 0600, 1) == eexist,
            "lockSequenceAtFloor finds a lock");
        Files.delete(dir.resolve("seq/.path.ovlock"));

        // close
        expect(PathlockNative.close(reader) == 0, "close reader");
        expect(PathlockNative.close(fd) == 0, "close");
        expect(PathlockNative.getpid() == ProcessHandle.current().pid(), "getpid");
        processes(dir);
        System.out.println("OK " + checks + " checks");
    }

    /** ABI 7: the keeper of pathlock run, descriptor passing and the signal relay. */
    private static void processes(final Path dir) throws Exception
    {
        final int[] pair = new int[2];
        expect(PathlockNative.socketPair(pair) == 0, "socketPair");
        final byte[] buf = new byte[256];
        final int lockFd = PathlockNative.openRead(bytes(dir.resolve("seq").toString()));
        expect(PathlockNative.sendMessage(pair[0], bytes("A 1"), lockFd >= 0 ? lockFd : 0) == 3, "sendMessage with a descriptor");
        expect(PathlockNative.read(pair[1], buf) == 3 && buf[0] == 'A', "read one message");
        expect(PathlockNative.sendMessage(pair[0], new byte[0], -1) == -22, "sendMessage of nothing is EINVAL");
        PathlockNative.close(pair[0]);
        PathlockNative.close(pair[1]);
        if (lockFd >= 0)
        {
            PathlockNative.close(lockFd);
        }

        expect(PathlockNative.socketPair(pair) == 0, "socketPair for the keeper");
        final byte[] keeper = bytes(NativeLoader.keeperExecutable().toString());
        final byte[][] argv = {bytes("pathlock-keeper"), bytes("-"), bytes("sh"), bytes("-c"), bytes("exit 3")};
        final byte[][] envp = {bytes("PATH=/usr/bin:/bin")};
        final int pid = PathlockNative.spawnKeeper(keeper, argv, envp, pair[1]);
        expect(pid > 0, "spawnKeeper");
        PathlockNative.close(pair[1]);
        expect(PathlockNative.sendMessage(pair[0], bytes("G"), -1) == 1, "go");
        int n = PathlockNative.read(pair[0], buf);
        expect(n > 2 && buf[0] == 'S', "the keeper started the command");
        n = PathlockNative.read(pair[0], buf);
        expect(n > 2 && new String(buf, 0, n, StandardCharsets.US_ASCII).equals("X " + (3 << 8)), "the command's wait status");
        expect(PathlockNative.waitPid(pid) == 0, "the keeper exits 0");
        PathlockNative.close(pair[0]);
        expect(PathlockNative.kill(0, 0) == -22, "kill refuses a process group");
        expect(PathlockNative.waitPid(pid) == -10, "waitPid of a reaped child is ECHILD");

        // SIGTERM, not SIGHUP: a build started under nohup inherits SIGHUP ignored, and the relay
        // leaves an ignored signal ignored (as documented), which made this check fail there.
        final int[] installed = new int[1];
        final int relay = PathlockNative.signalRelayInstall(new int[] {15}, installed);
        expect(relay >= 0 && installed[0] == 1, "signalRelayInstall");
        expect(PathlockNative.signalRelayInstall(new int[] {15}, installed) == -16, "one relay per process");
        expect(PathlockNative.kill(PathlockNative.getpid(), 15) == 0, "kill self with SIGTERM");
        final byte[] record = new byte[12];
        expect(PathlockNative.read(relay, record) == 12 && record[0] == 15, "the relay reports SIGTERM");
        expect(PathlockNative.signalRelayRemove() == 0, "signalRelayRemove");
        expect(PathlockNative.read(relay, record) == 0, "end of file after remove");
        PathlockNative.close(relay);
    }

    private static byte[] bytes(final Path path)
    {
        return path.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(final String relative)
    {
        return relative.getBytes(StandardCharsets.UTF_8);
    }

    private static void expect(final boolean condition, final String what)
    {
        checks++;
        if (!condition)
        {
            fail(what);
        }
    }

    private static void fail(final String what)
    {
        System.out.println("FAILED: " + what);
        System.exit(1);
    }
}

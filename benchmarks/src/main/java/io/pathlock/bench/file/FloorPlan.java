package io.pathlock.bench.file;

import io.pathlock.core.LockType;
import io.pathlock.file.Dialect;
import io.pathlock.file.FileLockStore;
import io.pathlock.nativeio.PathlockNative;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The arguments of the C floors of one lock, from the store's own {@link FileLockStore#plan}: the
 * descriptor-relative floors ({@link PathlockNative#lockSequenceAtFloor}, {@link PathlockNative#walkAtFloor})
 * take the plan's paths relative to the root; the path-based floor of the store before it became
 * descriptor-relative ({@link PathlockNative#lockSequenceFloor}) takes them absolute.
 *
 * <p>The token is the store's shape ({@code fileOwnerId:wall-clock ns:letter}, the dialect's letter).
 */
final class FloorPlan
{
    /** The temporary file's name (the store's is {@code NONCE16.COUNTER}). */
    static final String TMP_NAME = "0123456789abcdef.1";

    /** What the store's scan matches (LockFileScanner): {@code *.path.ovlock} and {@code .exact.ovlock.*}. */
    static final byte[][] SUFFIXES = {FileLockStore.LOCK_FILE_NAME.getBytes(StandardCharsets.US_ASCII)};
    static final byte[][] PREFIXES = {".exact.ovlock.".getBytes(StandardCharsets.US_ASCII)};
    static final byte[] SKIP = ".pathlock".getBytes(StandardCharsets.US_ASCII);

    final byte[] root;
    final byte[][] components;
    final byte[][] pre;
    final byte[][] post;
    final byte[] tmpDir;
    final byte[] tmpName;
    final byte[] lockFile;
    final byte[] scanDir;
    final byte[] guard;
    final byte[] token;

    // path-based (pre-rework) floor: absolute paths
    final byte[][] absComponents;
    final byte[][] absPre;
    final byte[][] absPost;
    final byte[] absTmp;
    final byte[] absLockFile;
    final byte[] absScanDir;

    private FloorPlan(final FileLockStore s, final FileLockStore.AcquisitionPlan plan, final Dialect dialect,
        final LockType type)
    {
        final Path r = s.root();
        root = bytes(r);
        components = rel(r, plan.components());
        pre = rel(r, plan.preChecks());
        post = rel(r, plan.postChecks());
        tmpDir = rel(r, plan.tmpDir());
        tmpName = TMP_NAME.getBytes(StandardCharsets.US_ASCII);
        lockFile = rel(r, plan.lockFile());
        scanDir = plan.scanDir() == null ? null : rel(r, plan.scanDir());
        guard = bytes(plan.guardFile());
        token = (s.fileOwnerId("point@1.1.1") + ":" + System.currentTimeMillis() * 1_000_000L + ":" + dialect.code(type))
            .getBytes(StandardCharsets.UTF_8);
        absComponents = abs(plan.components());
        absPre = abs(plan.preChecks());
        absPost = abs(plan.postChecks());
        absTmp = bytes(plan.tmpDir().resolve(TMP_NAME));
        absLockFile = bytes(plan.lockFile());
        absScanDir = plan.scanDir() == null ? null : bytes(plan.scanDir());
    }

    /**
     * The floor arguments of one lock on a store.
     *
     * @param s       the store (its dialect is {@code dialect}).
     * @param path    the lock path.
     * @param type    the lock type.
     * @param dialect the store's write dialect (the token's letter).
     * @return the arguments.
     */
    static FloorPlan of(final FileLockStore s, final String path, final LockType type, final Dialect dialect)
    {
        return new FloorPlan(s, s.plan(path, type), dialect, type);
    }

    /** The descriptor-relative store sequence in C, {@code n} times; returns {@code n} or -errno. */
    long sequence(final int n)
    {
        return PathlockNative.lockSequenceAtFloor(root, components, pre, tmpDir, tmpName, lockFile, post, scanDir, SUFFIXES,
            PREFIXES, SKIP, guard, token, token.length, 0600, n);
    }

    /** The descriptor-relative walk of the scan directory in C, {@code n} times; returns the matches. */
    long walk(final int n)
    {
        return PathlockNative.walkAtFloor(root, scanDir, SUFFIXES, PREFIXES, SKIP, n);
    }

    /** The pre-rework, path-based store sequence in C, {@code n} times (same plan, absolute paths). */
    long pathSequence(final int n)
    {
        return PathlockNative.lockSequenceFloor(absComponents, absPre, absTmp, absLockFile, absPost, absScanDir, guard,
            token, token.length, 0600, n);
    }

    static byte[] bytes(final Path p)
    {
        return p.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] rel(final Path root, final Path p)
    {
        return root.relativize(p).toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[][] rel(final Path root, final List<Path> paths)
    {
        final byte[][] out = new byte[paths.size()][];
        for (int i = 0; i < out.length; i++)
        {
            out[i] = rel(root, paths.get(i));
        }
        return out;
    }

    private static byte[][] abs(final List<Path> paths)
    {
        final byte[][] out = new byte[paths.size()][];
        for (int i = 0; i < out.length; i++)
        {
            out[i] = bytes(paths.get(i));
        }
        return out;
    }
}

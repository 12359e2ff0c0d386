package io.pathlock.file;

import java.nio.file.Path;

/** Where the store puts lock files, computed independently of the store for assertions. */
final class Layouts
{
    private Layouts()
    {
    }

    /**
     * The ragfs sidecar of a lock path under a root (empty OpenViking prefix).
     *
     * @param root     the root.
     * @param lockPath such as {@code /a/b/f}.
     * @return {@code root/a/b/.exact.ovlock.f.<hash>}.
     */
    static Path sidecar(final Path root, final String lockPath)
    {
        final int slash = lockPath.lastIndexOf('/');
        final String parent = slash <= 0 ? "" : lockPath.substring(1, slash);
        final Path dir = parent.isEmpty() ? root : root.resolve(parent);
        return dir.resolve(SidecarNames.sidecarName(lockPath));
    }

    /**
     * The ragfs sidecar of a lock path when OpenViking names the root {@code prefix}.
     *
     * @param root     the root.
     * @param prefix   the OpenViking path of the root.
     * @param lockPath such as {@code /a/f}.
     * @return the sidecar file.
     */
    static Path sidecarWithPrefix(final Path root, final String prefix, final String lockPath)
    {
        final int slash = lockPath.lastIndexOf('/');
        final String parent = slash <= 0 ? "" : lockPath.substring(1, slash);
        final Path dir = parent.isEmpty() ? root : root.resolve(parent);
        return dir.resolve(SidecarNames.sidecarName(prefix + lockPath));
    }
}

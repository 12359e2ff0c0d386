package io.pathlock.cli;

import io.pathlock.file.Dialect;
import io.pathlock.file.FileLockStore;
import io.pathlock.file.MissingDirectories;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * Options every lock-file command shares: the root and how to open its store.
 */
final class RootOptions
{
    @Option(names = "--root", required = true, paramLabel = "DIR", description = "Root directory of the lock tree.")
    Path root;

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "NAME",
        description = "POSIX backend: auto, jni, jnr or nio (default ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--interop", paramLabel = "DIALECT",
        description = "OpenViking lock-file dialect to write: ragfs (OpenViking since July 2026: E/T tokens, sidecars " +
            "for files, 30 s expiry) or ov431 (PR #431 Python: P/S, directories only, 300 s). Both are always read. " +
            "Default: system property pathlock.file.interop, else ragfs.")
    String interop;

    @Option(names = "--ov-prefix", paramLabel = "PREFIX",
        description = "The path under which OpenViking processes name this root (their mount prefix, e.g. /local/acc1); " +
            "ragfs hashes it into sidecar names (default: empty).")
    String ovPrefix;

    /**
     * The store for taking locks.
     *
     * @param missingDirs the policy for missing parent directories of lock paths.
     */
    FileLockStore open(final String missingDirs)
    {
        return builder().missingDirectories(MissingDirectories.parse(missingDirs)).build();
    }

    /** The store for status and break: creates nothing under the root, bumps no fencing epoch. */
    FileLockStore openAdmin()
    {
        return builder().administration().build();
    }

    private FileLockStore.Builder builder()
    {
        if (root == null || root.toString().isEmpty())
        {
            throw new IllegalArgumentException("--root must name a directory (an empty --root would silently mean the " +
                "current directory)");
        }
        final FileLockStore.Builder b = FileLockStore.builder(root).backend(backend);
        if (interop != null)
        {
            b.dialect(Dialect.parse(interop));
        }
        if (ovPrefix != null)
        {
            b.ovPathPrefix(ovPrefix);
        }
        return b;
    }
}

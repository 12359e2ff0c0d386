package io.pathlock.cli;

import io.pathlock.file.FileLockStore;
import io.pathlock.file.MissingDirectories;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * Options every lock-file command shares: the root and how to open its store.
 */
final class RootOptions
{
    @Option(names = "--root", required = true, paramLabel = "DIR", description = "root directory of the lock tree")
    Path root;

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "NAME",
        description = "posix backend: auto, jni, jnr or nio (default ${DEFAULT-VALUE})")
    String backend;

    @Option(names = "--missing-dirs", defaultValue = "create", paramLabel = "POLICY",
        description = "missing parent directories of a lock path: create or fail (default ${DEFAULT-VALUE})")
    String missingDirs;

    FileLockStore open()
    {
        return FileLockStore.builder(root).backend(backend).missingDirectories(MissingDirectories.parse(missingDirs)).build();
    }
}

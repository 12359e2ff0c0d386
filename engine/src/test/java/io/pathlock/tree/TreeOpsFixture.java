package io.pathlock.tree;

import io.pathlock.LockManager;
import io.pathlock.file.FileLockStore;
import io.pathlock.file.MissingDirectories;
import io.pathlock.redo.RedoLog;
import io.pathlock.redo.RedoLogConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A root, a redo directory beside it, and a lock manager on the memory or lock-file store, for the
 * TreeOps tests; plus a snapshot of a tree (paths, kinds, content hashes) to compare before/after.
 */
final class TreeOpsFixture implements AutoCloseable
{
    /** Which store the manager uses. */
    enum Store
    {
        MEMORY, FILE
    }

    final Path root;
    final Path redoDir;
    final Store store;
    final LockManager locks;
    final TreeOps ops;

    TreeOpsFixture(final Path dir, final Store store) throws IOException
    {
        this(dir, store, b -> b);
    }

    TreeOpsFixture(final Path dir, final Store store, final java.util.function.UnaryOperator<TreeOps.Builder> settings)
        throws IOException
    {
        this.root = Files.createDirectories(dir.resolve("root"));
        this.redoDir = dir.resolve("redo");
        this.store = store;
        this.locks = manager(root, redoDir, store, new RedoLogConfig());
        this.ops = settings.apply(TreeOps.builder(locks, root)).build();
    }

    static LockManager manager(final Path root, final Path redoDir, final Store store, final RedoLogConfig config)
        throws IOException
    {
        // small segments: a new redo directory is made for every crash of the recovery tests
        final RedoLog log = RedoLog.open(config.directory(redoDir).segmentSize(256 * 1024));
        final LockManager.Builder b = LockManager.builder().startAgent(false).redoLog(log);
        if (store == Store.FILE)
        {
            b.store(FileLockStore.builder(root).missingDirectories(MissingDirectories.FAIL).build());
        }
        return b.build();
    }

    Path file(final String lockPath)
    {
        return root.resolve(lockPath.substring(1));
    }

    void mkdirs(final String... lockPaths) throws IOException
    {
        for (final String p : lockPaths)
        {
            Files.createDirectories(file(p));
        }
    }

    void put(final String lockPath, final String content) throws IOException
    {
        Files.createDirectories(file(lockPath).getParent());
        Files.writeString(file(lockPath), content);
    }

    String read(final String lockPath) throws IOException
    {
        return Files.readString(file(lockPath));
    }

    /** The data of the tree: every path but the store's reserved directory and lock files. */
    Map<String, String> data()
    {
        return snapshot(root, false);
    }

    /** Everything in the tree but the store's reserved directory (lock files included). */
    Map<String, String> all()
    {
        return snapshot(root, true);
    }

    static Map<String, String> snapshot(final Path root, final boolean lockFiles)
    {
        final Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root))
        {
            s.filter(p -> !p.equals(root)).forEach(p ->
            {
                final String rel = "/" + root.relativize(p).toString();
                if (rel.equals("/.pathlock") || rel.startsWith("/.pathlock/"))
                {
                    return;
                }
                if (!lockFiles && TreeFs.isLockFileName(p.getFileName().toString()))
                {
                    return;
                }
                try
                {
                    if (Files.isSymbolicLink(p))
                    {
                        out.put(rel, "L:" + Files.readSymbolicLink(p));
                    }
                    else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    {
                        out.put(rel, "D");
                    }
                    else
                    {
                        out.put(rel, "F:" + hash(Files.readAllBytes(p)));
                    }
                }
                catch (final IOException e)
                {
                    throw new UncheckedIOException(e);
                }
            });
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static String hash(final byte[] bytes)
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 8);
        }
        catch (final NoSuchAlgorithmException e)
        {
            throw new IllegalStateException(e);
        }
    }

    static String hash(final String s)
    {
        return hash(s.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] bytes(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A second TreeOps on the same manager that never waits for a lock. */
    TreeOps impatient() throws IOException
    {
        return TreeOps.builder(locks, root).timeout(Duration.ZERO).build();
    }

    @Override
    public void close()
    {
        ops.close();
        locks.close();
    }
}

package io.pathlock.tree;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The operations {@link TreeCrashTest} crashes at every step, shared with the child JVM
 * ({@link TreeCrashChild}) that runs them: each has a fixture (the tree before), the operation, the
 * name of its crash hook ({@code docs/tree-ops.md} §6) and the move strategy it needs.
 */
enum TreeCrashScenario
{
    /** A new file in an existing directory. */
    WRITE_NEW("write", MoveStrategy.AUTO, false, List.of())
    {
        @Override
        void run(final TreeOps ops) throws IOException, InterruptedException
        {
            ops.write("/in/new.bin", bytes(5000, 1));
        }
    },
    /** A file replaced by other content. */
    WRITE_OVERWRITE("write", MoveStrategy.AUTO, false, List.of())
    {
        @Override
        void run(final TreeOps ops) throws IOException, InterruptedException
        {
            ops.write("/in/a", bytes(3000, 2));
        }
    },
    /** One file removed. */
    DELETE_FILE("delete", MoveStrategy.AUTO, false, List.of())
    {
        @Override
        void run(final TreeOps ops) throws IOException, InterruptedException
        {
            ops.delete("/in/a");
        }
    },
    /** A directory tree removed. */
    DELETE_TREE("delete", MoveStrategy.AUTO, false, List.of())
    {
        @Override
        void run(final TreeOps ops) throws IOException, InterruptedException
        {
            ops.delete("/tree");
        }
    },
    /** A file renamed into another directory. */
    MOVE_FILE("move", MoveStrategy.AUTO, false, List.of())
    {
        @Override
        void run(final TreeOps ops) throws IOException, InterruptedException
        {
            ops.move("/in/a", "/out/a");
        }
    },
    /** A directory tree renamed into another directory (one file system). */
    MOVE_DIR("move", MoveStrategy.AUTO, false, List.of("out/tree"))
    {
        @Override
        void run(final TreeOps ops) throws IOException, InterruptedException
        {
            ops.move("/tree", "/out/tree");
        }
    },
    /** A directory tree copied and removed ({@link MoveStrategy#COPY}) on one file system. */
    MOVE_COPY("moveCopy", MoveStrategy.COPY, false, List.of("out/tree"))
    {
        @Override
        void run(final TreeOps ops) throws IOException, InterruptedException
        {
            ops.move("/tree", "/out/tree");
        }
    },
    /**
     * A flat directory of {@value #BIG_FILES} files copied and removed ({@link MoveStrategy#COPY}): long
     * enough to be killed in the middle of its copy step (not in the crash loop).
     */
    MOVE_COPY_BIG("moveCopy", MoveStrategy.COPY, false, List.of("out/big"))
    {
        @Override
        void run(final TreeOps ops) throws IOException, InterruptedException
        {
            ops.move("/big", "/out/big");
        }

        @Override
        void fixture(final Path root) throws IOException
        {
            setup(root);
            Files.createDirectories(root.resolve("big"));
            for (int i = 0; i < BIG_FILES; i++)
            {
                Files.write(root.resolve("big/f" + i), bytes(1024, 100 + i));
            }
        }

        @Override
        boolean inCrashLoop()
        {
            return false;
        }
    },
    /** A directory tree moved onto a tmpfs mounted at {@code /mnt} (copy + remove across file systems). */
    MOVE_CROSS_FS("moveCopy", MoveStrategy.AUTO, true, List.of("mnt/tree"))
    {
        @Override
        void run(final TreeOps ops) throws IOException, InterruptedException
        {
            ops.move("/tree", "/mnt/tree");
        }
    },
    /** Three missing directories created below an existing one. */
    MKDIRS("mkdirs", MoveStrategy.AUTO, false, List.of())
    {
        @Override
        void run(final TreeOps ops) throws IOException, InterruptedException
        {
            ops.createDirectories("/in/x/y/z");
        }
    },
    /** Directories created, a file written in them and a tree moved beside it, all or nothing. */
    BATCH("batch", MoveStrategy.AUTO, false, List.of("b/c/tree"))
    {
        @Override
        void run(final TreeOps ops) throws IOException, InterruptedException
        {
            ops.batch(TreeOp.createDirectories("/b/c"), TreeOp.write("/b/c/f", bytes(2000, 3)),
                TreeOp.delete("/in/a"), TreeOp.move("/tree", "/b/c/tree"));
        }
    },
    /**
     * A batch whose last operation fails after the others were prepared (its stream breaks half-way):
     * the tree after is the tree before.
     */
    BATCH_FAILS("batch", MoveStrategy.AUTO, false, List.of())
    {
        @Override
        void run(final TreeOps ops) throws IOException, InterruptedException
        {
            ops.batch(TreeOp.createDirectories("/b/c"), TreeOp.write("/b/c/f", bytes(2000, 3)),
                TreeOp.move("/tree", "/b/c/tree"), TreeOp.delete("/in/a"),
                TreeOp.write("/in/broken", new BreakingStream(bytes(9000, 4), 4096)));
        }

        @Override
        boolean fails()
        {
            return true;
        }
    };

    private final String hook;
    private final MoveStrategy strategy;
    private final boolean crossFs;
    private final List<String> movedTrees;

    TreeCrashScenario(final String hook, final MoveStrategy strategy, final boolean crossFs,
        final List<String> movedTrees)
    {
        this.hook = hook;
        this.strategy = strategy;
        this.crossFs = crossFs;
        this.movedTrees = movedTrees;
    }

    /**
     * Runs the operation.
     *
     * @param ops the tree operations on the fixture's root.
     * @throws IOException          if it fails.
     * @throws InterruptedException if interrupted.
     */
    abstract void run(TreeOps ops) throws IOException, InterruptedException;

    /** Files in the directory of {@link #MOVE_COPY_BIG}. */
    static final int BIG_FILES = 600;

    /**
     * Builds the tree before the operation (by default {@link #setup(Path)}).
     *
     * @param root the root.
     * @throws IOException if the tree cannot be written.
     */
    void fixture(final Path root) throws IOException
    {
        setup(root);
    }

    /** @return whether the crash loop of {@link TreeCrashTest} runs this scenario. */
    boolean inCrashLoop()
    {
        return true;
    }

    /** @return whether the operation is expected to fail (and change nothing). */
    boolean fails()
    {
        return false;
    }

    /** @return the op name of the crash hook. */
    String hook()
    {
        return hook;
    }

    /** @return the move strategy of the {@link TreeOps}. */
    MoveStrategy strategy()
    {
        return strategy;
    }

    /** @return whether {@code /mnt} must be another file system. */
    boolean crossFs()
    {
        return crossFs;
    }

    /** @return the directories (relative to the root) a move puts data into: no lock file may be in them. */
    List<String> movedTrees()
    {
        return movedTrees;
    }

    /**
     * Builds the tree before the operation: {@code in/a}, {@code in/b}, {@code out/}, {@code mnt/} and a
     * {@code tree/} of nested directories with files and an empty directory.
     *
     * @param root the root (exists; {@code mnt} may already be a mount point).
     * @throws IOException if the tree cannot be written.
     */
    static void setup(final Path root) throws IOException
    {
        Files.createDirectories(root.resolve("in"));
        Files.createDirectories(root.resolve("out"));
        Files.createDirectories(root.resolve("mnt"));
        Files.write(root.resolve("in/a"), bytes(1500, 10));
        Files.write(root.resolve("in/b"), bytes(700, 11));
        Files.createDirectories(root.resolve("tree/d1/d2"));
        Files.createDirectories(root.resolve("tree/empty"));
        Files.write(root.resolve("tree/top"), bytes(100, 12));
        Files.write(root.resolve("tree/d1/one"), bytes(4096, 13));
        Files.write(root.resolve("tree/d1/d2/two"), bytes(20000, 14));
        Files.write(root.resolve("tree/d1/d2/zero"), new byte[0]);
    }

    /** Deterministic content: {@code n} bytes of a simple generator seeded with {@code seed}. */
    static byte[] bytes(final int n, final int seed)
    {
        final byte[] b = new byte[n];
        int x = seed * 7919 + 17;
        for (int i = 0; i < n; i++)
        {
            x = x * 1103515245 + 12345;
            b[i] = (byte) (x >>> 16);
        }
        return b;
    }

    /** A stream that gives {@code limit} bytes of its data, then fails (a source that breaks half-way). */
    static final class BreakingStream extends InputStream
    {
        private final byte[] data;
        private final int limit;
        private int pos;

        BreakingStream(final byte[] data, final int limit)
        {
            this.data = data;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException
        {
            if (pos >= limit)
            {
                throw new IOException("source broke after " + limit + " bytes");
            }
            return data[pos++] & 0xff;
        }

        @Override
        public int read(final byte[] b, final int off, final int len) throws IOException
        {
            if (len == 0)
            {
                return 0;
            }
            if (pos >= limit)
            {
                throw new IOException("source broke after " + limit + " bytes");
            }
            final int n = Math.min(len, limit - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}

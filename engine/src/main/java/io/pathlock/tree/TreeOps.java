package io.pathlock.tree;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.config.Settings;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockStoreException;
import io.pathlock.redo.RedoLog;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Locked, crash-safe tree operations on the directory tree under one root: each takes the locks of
 * the seed's per-command table (see {@code docs/tree-ops.md} §2), changes the tree through a plan
 * bracketed by the manager's redo log, and after a crash is finished or undone by recovery, never left
 * in between.
 * <pre>{@code
 * try (LockManager locks = LockManager.builder().redoLog(redo).build();
 *      TreeOps ops = TreeOps.of(locks, root))
 * {
 *     ops.write("/in/a.bin", bytes);
 *     ops.move("/in", "/done/in");
 * }
 * }</pre>
 * Thread-safe. Operations wait for this instance's recovery to finish before they start.
 */
public final class TreeOps implements AutoCloseable
{
    /** Redo task type of a plan. */
    public static final String PLAN_TASK_TYPE = "pathlock.tree";

    /** Redo task type of a plan's commit record. */
    public static final String COMMIT_TASK_TYPE = "pathlock.tree.commit";

    /** Prefix of every temporary and trash name an operation creates in the tree. */
    public static final String TEMP_PREFIX = ".pathlock-tmp.";

    /**
     * How many times one operation asks the store for the same locks when the store refuses them with
     * a {@link io.pathlock.core.LockStoreException} and the tree, planned again, still asks for the
     * same locks (a directory that went and came back while the lock-file store published); the last
     * refusal is thrown.
     */
    static final int STORE_REFUSAL_ATTEMPTS = 3;

    /** System property of the crash hook: {@code <op>:<step>} (tests only; see docs/tree-ops.md §6). */
    public static final String CRASH_AT_PROP_NAME = "pathlock.tree.crashAt";

    static final System.Logger LOG = System.getLogger("io.pathlock.tree");

    private static final AtomicLong IDS = new AtomicLong();

    private final LockManager locks;
    private final Path root;
    private final TreeFs fs;
    private final StepRunner runner;
    private final Duration timeout;
    private final MoveStrategy moveStrategy;
    private final RedoLog log;
    private final TreeRecovery recovery;
    private final CompletableFuture<TreeRecoveryReport> recoveryFuture;
    private final String idPrefix;
    private volatile StepListener listener;
    private volatile boolean closed;

    private TreeOps(final Builder builder) throws IOException
    {
        this.locks = builder.locks;
        final RedoLog redo;
        try
        {
            redo = builder.locks.redoLog();
        }
        catch (final IllegalStateException e)
        {
            throw new IllegalArgumentException("tree operations need a lock manager with a redo log " +
                "(LockManager.Builder.redoLog)", e);
        }
        if (!Files.isDirectory(builder.root))
        {
            throw new IllegalArgumentException("root " + builder.root + " is not a directory");
        }
        this.root = builder.root.toRealPath();
        this.fs = new TreeFs(root);
        this.runner = new StepRunner(fs, builder.durability);
        this.timeout = builder.timeout;
        this.moveStrategy = builder.moveStrategy;
        this.log = redo;
        this.idPrefix = Long.toString(ProcessHandle.current().pid(), 36) + "-" +
            Long.toString(System.nanoTime() & 0xffffffffL, 36);
        this.recovery = new TreeRecovery(locks, fs, runner, redo, timeout);
        this.listener = builder.listener;
        recovery.listener(builder.listener);
        this.recoveryFuture = recovery.start(locks.redoRecovery());
    }

    /**
     * Tree operations with the default settings: the manager's redo log (required), its default
     * timeout, {@link TreeDurability#DATA_AND_DIRECTORY}, {@link MoveStrategy#AUTO}. Registers the
     * redo handlers and starts the recovery of interrupted plans ({@link #recovery()}).
     *
     * @param locks the lock manager; it must have a redo log.
     * @param root  the root directory of the tree (must exist).
     * @return the operations.
     * @throws IllegalArgumentException if the manager has no redo log or the root is not a directory.
     * @throws IOException if the root cannot be read.
     */
    public static TreeOps of(final LockManager locks, final Path root) throws IOException
    {
        return builder(locks, root).build();
    }

    /**
     * A builder for tree operations with settings other than the defaults of {@link #of}.
     *
     * @param locks the lock manager; it must have a redo log.
     * @param root  the root directory of the tree.
     * @return a builder.
     */
    public static Builder builder(final LockManager locks, final Path root)
    {
        return new Builder(locks, root);
    }

    /**
     * Recovers the interrupted plans of another redo log (e.g. that of a dead process) under this
     * manager's locks and waits for it: registers the handlers on {@code log}, runs its recovery and
     * returns what it did. Does not close {@code log}.
     *
     * @param locks the lock manager whose locks the replays take.
     * @param root  the root directory of the tree.
     * @param log   the redo log to recover.
     * @return the report.
     * @throws IOException if recovery failed.
     * @throws InterruptedException if interrupted while waiting.
     */
    public static TreeRecoveryReport recover(final LockManager locks, final Path root, final RedoLog log)
        throws IOException, InterruptedException
    {
        Objects.requireNonNull(log, "log");
        final Path real = root.toRealPath();
        final TreeFs fs = new TreeFs(real);
        final TreeRecovery r = new TreeRecovery(locks, fs, new StepRunner(fs, TreeDurability.DATA_AND_DIRECTORY), log,
            null);
        try
        {
            return r.start(null).get();
        }
        catch (final ExecutionException e)
        {
            throw new IOException("recovery of tree operations in redo log " + log.config().directory() + " failed: " +
                e.getCause(), e.getCause());
        }
    }

    /**
     * Moves a file or a directory tree; the destination must not exist and its parent must.
     *
     * @param src the lock path to move.
     * @param dst the lock path it will have.
     * @return the grant's tokens.
     * @throws IOException          if the file system refuses (see docs/tree-ops.md §3); nothing changed.
     * @throws InterruptedException if interrupted while waiting for the locks.
     */
    public TreeResult move(final String src, final String dst) throws IOException, InterruptedException
    {
        return batch(TreeOp.move(src, dst));
    }

    /**
     * Deletes a file or a whole directory tree.
     *
     * @param path the lock path to delete.
     * @return the grant's tokens.
     * @throws IOException          if the file system refuses; nothing changed.
     * @throws InterruptedException if interrupted while waiting for the locks.
     */
    public TreeResult delete(final String path) throws IOException, InterruptedException
    {
        return batch(TreeOp.delete(path));
    }

    /**
     * Writes a file atomically: temporary file, fsync per policy, rename over the target.
     *
     * @param path the lock path of the file; its parent directory must exist.
     * @param data the content.
     * @return the grant's tokens.
     * @throws IOException          if the file system refuses; the target is unchanged.
     * @throws InterruptedException if interrupted while waiting for the locks.
     */
    public TreeResult write(final String path, final byte[] data) throws IOException, InterruptedException
    {
        return batch(TreeOp.write(path, data));
    }

    /**
     * Writes a file atomically from a stream (read to its end, not closed).
     *
     * @param path the lock path of the file; its parent directory must exist.
     * @param in   the content.
     * @return the grant's tokens.
     * @throws IOException          if reading or the file system fails; the target is unchanged.
     * @throws InterruptedException if interrupted while waiting for the locks.
     */
    public TreeResult write(final String path, final InputStream in) throws IOException, InterruptedException
    {
        return batch(TreeOp.write(path, in));
    }

    /**
     * Creates a directory and its missing parents (nothing if it exists).
     *
     * @param path the lock path of the directory.
     * @return the grant's tokens.
     * @throws IOException          if a component is a file, or the file system refuses.
     * @throws InterruptedException if interrupted while waiting for the locks.
     */
    public TreeResult createDirectories(final String path) throws IOException, InterruptedException
    {
        return batch(TreeOp.createDirectories(path));
    }

    /**
     * Runs several operations, in order, under one all-or-nothing lock request: all happen or none
     * (also across a crash). Each sees the tree as the earlier ones left it.
     *
     * @param ops the operations.
     * @return the grant's tokens.
     * @throws IOException          if one fails; none happened.
     * @throws InterruptedException if interrupted while waiting for the locks.
     */
    public TreeResult batch(final TreeOp... ops) throws IOException, InterruptedException
    {
        return batch(List.of(ops));
    }

    /**
     * {@link #batch(TreeOp...)} with a list.
     *
     * @param ops the operations.
     * @return the grant's tokens.
     * @throws IOException          if one fails; none happened.
     * @throws InterruptedException if interrupted while waiting for the locks.
     */
    public TreeResult batch(final List<TreeOp> ops) throws IOException, InterruptedException
    {
        Objects.requireNonNull(ops, "ops");
        if (closed)
        {
            throw new IllegalStateException("tree operations on " + root + " are closed");
        }
        awaitRecovery();
        final String id = idPrefix + "-" + Long.toString(IDS.incrementAndGet(), 36);
        final long deadline = timeout == null ? 0 : System.nanoTime() + saturatedNanos(timeout);
        MoveStrategy strategy = moveStrategy;
        int storeRefusals = 0;
        while (true)
        {
            final Plan before = Planner.plan(fs, strategy, ops, id);
            if (before.locks.isEmpty())
            {
                return new TreeResult(Map.of(), 0, -1);
            }
            final LockRequest request = before.lockRequest();
            final LockHandle handle;
            try
            {
                handle = lock(request, deadline);
            }
            catch (final LockStoreException e)
            {
                // a path planned as existing may have gone before the request was made (the lock-file
                // store refuses a lock in a missing directory under MissingDirectories.FAIL): plan again;
                // it may also have gone and come back while the store published (the same plan): try
                // again a bounded number of times before the refusal counts
                final Plan again = Planner.plan(fs, strategy, ops, id);
                if (again.locks.isEmpty() || !again.lockRequest().equals(request)
                    || ++storeRefusals < STORE_REFUSAL_ATTEMPTS)
                {
                    continue;
                }
                throw e;
            }
            boolean released = false;
            try
            {
                final Plan plan = Planner.plan(fs, strategy, ops, id);
                if (plan.locks.isEmpty() || !plan.lockRequest().equals(request))
                {
                    // what a path is changed before the locks were granted: ask again for the new locks
                    continue;
                }
                released = true;
                return new PlanExecution(this, plan, ops, handle).run();
            }
            catch (final AtomicMoveNotSupportedException e)
            {
                // rename(2) said EXDEV although both ends have one st_dev (a bind mount): the plan was
                // undone; do the moves by copy
                if (strategy == MoveStrategy.COPY)
                {
                    throw e;
                }
                LOG.log(System.Logger.Level.DEBUG, "pathlock: {0}: rename across mount points ({1}); moving by copy",
                    ops, e.getMessage());
                strategy = MoveStrategy.COPY;
            }
            finally
            {
                if (!released)
                {
                    handle.close();
                }
            }
        }
    }

    private LockHandle lock(final LockRequest request, final long deadline) throws InterruptedException
    {
        if (timeout == null)
        {
            return locks.lock(request);
        }
        if (timeout.equals(Settings.FOREVER))
        {
            return locks.lock(request, Settings.FOREVER);
        }
        final long left = Math.max(0, deadline - System.nanoTime());
        return locks.lock(request, timeout.isZero() ? Duration.ZERO : Duration.ofNanos(left));
    }

    private static long saturatedNanos(final Duration d)
    {
        try
        {
            return d.toNanos();
        }
        catch (final ArithmeticException e)
        {
            return Long.MAX_VALUE / 2;
        }
    }

    private void awaitRecovery() throws InterruptedException
    {
        try
        {
            recoveryFuture.get();
        }
        catch (final ExecutionException e)
        {
            // reported through recovery(); operations go on
        }
    }

    LockManager locks()
    {
        return locks;
    }

    TreeFs fs()
    {
        return fs;
    }

    StepRunner runner()
    {
        return runner;
    }

    RedoLog log()
    {
        return log;
    }

    StepListener listener()
    {
        return listener;
    }

    /** Test hook: called before each numbered step of every operation (and recovery) of this instance. */
    void stepListener(final StepListener l)
    {
        this.listener = l;
        recovery.listener(l);
    }

    /**
     * The recovery of interrupted plans started when this instance was built.
     *
     * @return completes with what recovery did.
     */
    public CompletableFuture<TreeRecoveryReport> recovery()
    {
        return recoveryFuture.copy();
    }

    /**
     * @return the root directory.
     */
    public Path root()
    {
        return root;
    }

    /**
     * Stops accepting operations (those running finish). Does not close the manager or its redo log.
     */
    public void close()
    {
        closed = true;
    }

    /** Settings of a {@link TreeOps}. */
    public static final class Builder
    {
        final LockManager locks;
        final Path root;
        Duration timeout;
        TreeDurability durability = TreeDurability.DATA_AND_DIRECTORY;
        MoveStrategy moveStrategy = MoveStrategy.AUTO;
        StepListener listener;

        Builder(final LockManager locks, final Path root)
        {
            this.locks = Objects.requireNonNull(locks, "locks");
            this.root = Objects.requireNonNull(root, "root");
        }

        /**
         * How long an operation waits for its locks in all (default: the manager's default timeout).
         *
         * @param timeout {@code Duration.ZERO} fails at once; negative is refused.
         * @return this.
         */
        public Builder timeout(final Duration timeout)
        {
            if (timeout.isNegative())
            {
                throw new IllegalArgumentException("negative timeout: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * What an operation forces to disk (default {@link TreeDurability#DATA_AND_DIRECTORY}).
         *
         * @param durability the policy.
         * @return this.
         */
        public Builder durability(final TreeDurability durability)
        {
            this.durability = Objects.requireNonNull(durability, "durability");
            return this;
        }

        /**
         * How moves are done (default {@link MoveStrategy#AUTO}).
         *
         * @param strategy the strategy.
         * @return this.
         */
        public Builder moveStrategy(final MoveStrategy strategy)
        {
            this.moveStrategy = Objects.requireNonNull(strategy, "strategy");
            return this;
        }

        /** Test hook: told before every numbered step, recovery's included (set before recovery starts). */
        Builder stepListener(final StepListener l)
        {
            this.listener = l;
            return this;
        }

        /**
         * Builds, registers the redo handlers and starts recovery.
         *
         * @return the operations.
         * @throws IOException if the root cannot be read.
         */
        public TreeOps build() throws IOException
        {
            return new TreeOps(this);
        }
    }
}

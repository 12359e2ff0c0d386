package io.pathlock.tree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockBusyException;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockTimeoutException;
import io.pathlock.redo.RedoLog;
import io.pathlock.redo.RedoLogConfig;
import io.pathlock.store.MemoryLockStore;
import io.pathlock.tree.TreeModel.Op;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lock conflicts the concurrency oracle needs, checked one at a time and deterministically: another
 * handle holds the lock of the operation an order-dependent {@link TreeOps} operation must wait for, and
 * the {@link TreeOps} (timeout zero) must fail on the lock and change nothing. Each case is a pair of
 * operations whose results depend on their order ({@code docs/tree-ops.md} §2: such pairs conflict);
 * the oracle found the last one with {@link TreeOracleReferenceOps} and again in {@link TreeOps}.
 */
class TreeOracleLocksTest
{
    /** Runs {@code op} through TreeOps (timeout zero) while another handle holds {@code held}. */
    private static void assertWaits(final Path base, final TreeModel initial, final LockRequest held, final Op op)
        throws Exception
    {
        final Path root = Files.createDirectories(base.resolve("tree"));
        TreeOracle.materialize(initial, root);
        final RedoLog redo = RedoLog.open(new RedoLogConfig().directory(base.resolve("redo")));
        try (LockManager locks = LockManager.builder().store(new MemoryLockStore()).redoLog(redo).build();
             TreeOps ops = TreeOps.builder(locks, root).timeout(Duration.ZERO).build();
             LockHandle other = locks.lock(held))
        {
            ops.recovery().join();
            try
            {
                final TreeResult r = ops.batch(op.toTreeOps());
                fail(op + " ran (tokens " + r.tokens() + ") while another handle held " + held
                    + ": its result depends on the order with the operation holding that lock, so they must conflict");
            }
            catch (final LockTimeoutException | LockBusyException expected)
            {
                // It waited for the lock (and gave up at once).
            }
            catch (final Exception e)
            {
                throw new AssertionError(op + " did not wait for " + held + ": it failed with " + e, e);
            }
            assertTrue(other.isValid());
        }
        assertEquals(initial.snapshot(), TreeOracle.snapshot(root), "the refused operation changed the tree");
    }

    private static TreeModel tree(final Op... ops)
    {
        final TreeModel m = new TreeModel();
        for (final Op o : ops)
        {
            assertTrue(m.apply(o).ok(), o::toString);
        }
        return m;
    }

    /**
     * Decision 1: {@code createDirectories("/x/y/z")} with only /x existing against a write of
     * /x/y/z/f (POINT /x/y/z): the write fails before and succeeds after.
     */
    @Test
    void createDirectoriesWaitsForAWriteInsideWhatItCreates(@TempDir final Path base) throws Exception
    {
        assertWaits(base, tree(Op.mkdirs("/x")), LockRequest.point("/x/y/z"), Op.mkdirs("/x/y/z"));
    }

    /**
     * A batch with {@code createDirectories("/p")} of an existing /p against {@code delete("/p")}
     * (SUBTREE /p + POINT /): after the delete the batch creates /p, before it it does not. The batch is
     * ordered by its token, so "nothing to lock when p exists" lets it be ordered after a delete whose
     * effect it did not see: the real tree then lacks /p while the token-order replay has it.
     */
    @Test
    void aBatchCreatingAnExistingDirectoryWaitsForItsDelete(@TempDir final Path base) throws Exception
    {
        assertWaits(base, tree(Op.mkdirs("/p"), Op.mkdirs("/q")), LockRequest.builder()
            .add("/p", io.pathlock.core.LockType.SUBTREE).add("/", io.pathlock.core.LockType.POINT).build(),
            Op.batch(List.of(Op.mkdirs("/p"), Op.write("/q/f", "1"))));
    }

    /** The helper itself: an operation that does not meet the held lock runs. */
    @Test
    void anOperationElsewhereRuns(@TempDir final Path base) throws Exception
    {
        final Path root = Files.createDirectories(base.resolve("tree"));
        TreeOracle.materialize(tree(Op.mkdirs("/x"), Op.mkdirs("/q")), root);
        final RedoLog redo = RedoLog.open(new RedoLogConfig().directory(base.resolve("redo")));
        try (LockManager locks = LockManager.builder().store(new MemoryLockStore()).redoLog(redo).build();
             TreeOps ops = TreeOps.builder(locks, root).timeout(Duration.ZERO).build();
             LockHandle other = locks.lock(LockRequest.point("/x")))
        {
            ops.recovery().join();
            ops.write("/q/f", new byte[] {1});
        }
        assertEquals(Map.of("/x", "dir", "/q", "dir", "/q/f", "file:\u0001"), TreeOracle.snapshot(root));
    }
}

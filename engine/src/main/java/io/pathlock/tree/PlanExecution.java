package io.pathlock.tree;

import io.pathlock.LockHandle;
import io.pathlock.core.HeldLock;
import io.pathlock.core.LockPath;
import io.pathlock.redo.RedoTicket;
import io.pathlock.tree.Plan.Phase;
import io.pathlock.tree.Plan.Step;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One run of a plan under its granted locks: redo begin, prepare, commit, apply, cleanup, release,
 * done (docs/tree-ops.md §5, §6). On a failure before the apply phase ends it undoes what it did and
 * removes its temporaries before it throws. Releases the handle in every case.
 */
final class PlanExecution
{
    private final TreeOps ops;
    private final Plan plan;
    private final List<TreeOp> batch;
    private final LockHandle handle;
    private final StepRunner runner;
    private int step;

    PlanExecution(final TreeOps ops, final Plan plan, final List<TreeOp> batch, final LockHandle handle)
    {
        this.ops = ops;
        this.plan = plan;
        this.batch = batch;
        this.handle = handle;
        this.runner = ops.runner();
    }

    private void before(final String what)
    {
        StepListener.before(ops.listener(), plan.crashName, ++step, what);
    }

    /** Runs the plan and releases the handle. */
    TreeResult run() throws IOException
    {
        final Map<String, Long> tokens = new LinkedHashMap<>();
        long max = 0;
        for (final HeldLock h : handle.locks())
        {
            tokens.put(h.path().toString(), h.fencingToken());
            max = Math.max(max, h.fencingToken());
        }
        boolean release = true;
        try
        {
            for (final LockPath r : plan.removals)
            {
                runner.checkRemovable(r);
            }
            RedoTicket ticket = null;
            RedoTicket commit = null;
            if (plan.needsRedo())
            {
                before("begin " + plan.label);
                ticket = ops.log().begin(TreeOps.PLAN_TASK_TYPE, plan.encode());
            }
            try
            {
                for (final Step s : plan.phase(Phase.PREPARE))
                {
                    before(s.toString());
                    runner.prepare(s, batch.get(s.op()));
                }
                if (plan.needsCommit())
                {
                    // a committed plan is rolled forward after a crash: its temporaries must survive one
                    runner.forcePrepared(plan.temporaries());
                    before("commit " + plan.label);
                    commit = ops.log().begin(TreeOps.COMMIT_TASK_TYPE,
                        ByteBuffer.allocate(Long.BYTES).putLong(ticket.taskId()).array());
                }
            }
            catch (final IOException | RuntimeException e)
            {
                removeTemporaries(e);
                done(ticket, commit);
                throw e;
            }
            final List<Step> applied = new ArrayList<>();
            try
            {
                for (final Step s : plan.phase(Phase.APPLY))
                {
                    before(s.toString());
                    runner.apply(s);
                    applied.add(s);
                }
                runner.forceApplied(applied);
            }
            catch (final IOException | RuntimeException e)
            {
                if (applied.size() == plan.applyCount())
                {
                    // every apply step was done: the operation happened (only forcing failed)
                    TreeOps.LOG.log(System.Logger.Level.WARNING, "pathlock: " + plan.label +
                        " done, but forcing its directories failed", e);
                }
                else
                {
                    boolean undone = true;
                    for (int i = applied.size() - 1; i >= 0; i--)
                    {
                        try
                        {
                            runner.undo(applied.get(i));
                        }
                        catch (final IOException | RuntimeException u)
                        {
                            undone = false;
                            e.addSuppressed(u);
                        }
                    }
                    if (!undone)
                    {
                        // the redo task stays pending: recovery finishes the plan at the next start
                        throw new IOException(plan.label + " failed (" + e.getMessage() + ") and could not be " +
                            "undone; recovery finishes it at the next start of the redo log", e);
                    }
                    removeTemporaries(e);
                    done(ticket, commit);
                    throw e;
                }
            }
            final Set<Path> keep = heldLockFiles();
            boolean cleaned = true;
            for (final Step s : plan.phase(Phase.CLEANUP))
            {
                before(s.toString());
                try
                {
                    runner.cleanup(s, keep);
                }
                catch (final IOException e)
                {
                    cleaned = false;
                    TreeOps.LOG.log(System.Logger.Level.WARNING, "pathlock: " + plan.label + " done, but its cleanup " +
                        "step '" + s + "' failed; recovery retries it at the next start", e);
                }
            }
            if (plan.needsRedo())
            {
                before("done " + plan.label);
            }
            handle.close();
            release = false;
            if (cleaned && !keep.isEmpty())
            {
                // the lock files kept above are gone with the release: remove what is left of the trash
                for (final Step s : plan.phase(Phase.CLEANUP))
                {
                    if (s.kind() == Plan.StepKind.REMOVE)
                    {
                        try
                        {
                            runner.cleanup(s, Collections.emptySet());
                        }
                        catch (final IOException e)
                        {
                            cleaned = false;
                        }
                    }
                }
            }
            if (cleaned)
            {
                done(ticket, commit);
            }
            return new TreeResult(tokens, max, ticket == null ? -1 : ticket.taskId());
        }
        finally
        {
            if (release)
            {
                handle.close();
            }
        }
    }

    private void removeTemporaries(final Throwable failure)
    {
        for (final LockPath t : plan.temporaries())
        {
            try
            {
                runner.removeTemporary(t);
            }
            catch (final IOException | RuntimeException e)
            {
                failure.addSuppressed(e);
            }
        }
    }

    private void done(final RedoTicket ticket, final RedoTicket commit)
    {
        try
        {
            if (ticket != null)
            {
                ticket.done();
            }
            if (commit != null)
            {
                commit.done();
            }
        }
        catch (final RuntimeException e)
        {
            // the plan is finished or undone; its record stays pending and its replay finds nothing to do
            TreeOps.LOG.log(System.Logger.Level.WARNING, "pathlock: cannot mark " + plan.label + " done in the redo " +
                "log; it is replayed (idempotently) at the next start", e);
        }
    }

    /**
     * The directory-form lock files this handle holds, where they are once the plan's apply steps
     * are done (a lock file in a moved directory moved with it).
     */
    private Set<Path> heldLockFiles()
    {
        final Set<Path> keep = new HashSet<>();
        if (!(ops.locks().store() instanceof io.pathlock.file.FileLockStore))
        {
            return keep;
        }
        for (final HeldLock h : handle.locks())
        {
            final LockPath p = TreeRecovery.forward(h.path(), plan.phase(Phase.APPLY), 0);
            keep.add(ops.fs().file(p).resolve(TreeFs.LOCK_FILE_NAME));
        }
        return keep;
    }
}

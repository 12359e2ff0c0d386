package io.pathlock.tree;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.HeldLock;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.file.FileLockStore;
import io.pathlock.redo.RecoveryReport;
import io.pathlock.redo.RedoLog;
import io.pathlock.redo.RedoTask;
import io.pathlock.redo.RedoTaskInfo;
import io.pathlock.tree.Plan.Phase;
import io.pathlock.tree.Plan.Step;
import io.pathlock.tree.TreeRecoveryReport.Outcome;
import io.pathlock.tree.TreeRecoveryReport.Recovered;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The redo handlers of tree plans (docs/tree-ops.md §5): a committed plan is rolled forward from the
 * step the tree shows, an uncommitted one rolled back (its temporaries removed). Each replay takes the
 * plan's locks first. Collects a {@link TreeRecoveryReport}. Thread-safe.
 */
final class TreeRecovery
{
    private final LockManager locks;
    private final TreeFs fs;
    private final StepRunner runner;
    private final RedoLog log;
    private final Duration timeout;
    private final Map<Long, Recovered> outcomes = new ConcurrentSkipListMap<>();
    private final AtomicInteger steps = new AtomicInteger();
    private volatile Set<Long> committed = Set.of();
    private final Set<Long> replayed = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile StepListener listener;

    TreeRecovery(final LockManager locks, final TreeFs fs, final StepRunner runner, final RedoLog log,
        final Duration timeout)
    {
        this.locks = locks;
        this.fs = fs;
        this.runner = runner;
        this.log = log;
        this.timeout = timeout;
    }

    void listener(final StepListener l)
    {
        this.listener = l;
    }

    /**
     * Registers the handlers and starts a recovery pass once {@code earlier} (a pass that may have run
     * before the handlers were registered) completed.
     */
    CompletableFuture<TreeRecoveryReport> start(final CompletableFuture<RecoveryReport> earlier)
    {
        final Set<Long> ids = new HashSet<>();
        for (final RedoTask t : log.recoveredTasks())
        {
            if (TreeOps.COMMIT_TASK_TYPE.equals(t.type()) && t.payloadLength() == Long.BYTES)
            {
                ids.add(ByteBuffer.wrap(t.payload()).getLong());
            }
        }
        committed = Set.copyOf(ids);
        log.registerHandler(TreeOps.PLAN_TASK_TYPE, this::replay);
        log.registerHandler(TreeOps.COMMIT_TASK_TYPE, this::replayCommit);
        final CompletableFuture<?> before = earlier == null ? CompletableFuture.completedFuture(null) :
            earlier.handle((r, e) -> null);
        final CompletableFuture<TreeRecoveryReport> out = before
            .thenCompose(x -> log.startRecovery())
            .thenApply(this::report);
        out.whenComplete((r, e) ->
        {
            if (e != null)
            {
                TreeOps.LOG.log(System.Logger.Level.WARNING, "pathlock: recovery of tree operations in " +
                    log.config().directory() + " failed", e);
            }
        });
        return out;
    }

    private TreeRecoveryReport report(final RecoveryReport r)
    {
        for (final RedoTaskInfo q : r.quarantined())
        {
            if (TreeOps.PLAN_TASK_TYPE.equals(q.type()))
            {
                outcomes.merge(q.taskId(), new Recovered(q.taskId(), "?", Outcome.FAILED, q.reason()),
                    (a, b) -> a.outcome() == Outcome.FAILED ? a : b);
            }
        }
        for (final RedoTaskInfo u : r.unhandled())
        {
            if (TreeOps.PLAN_TASK_TYPE.equals(u.type()))
            {
                outcomes.putIfAbsent(u.taskId(), new Recovered(u.taskId(), "?", Outcome.FAILED, u.reason()));
            }
        }
        return new TreeRecoveryReport(new ArrayList<>(outcomes.values()));
    }

    private void record(final Recovered r)
    {
        outcomes.put(r.taskId(), r);
        TreeOps.LOG.log(r.outcome() == Outcome.FAILED ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
            "pathlock: tree recovery of task {0} ({1}) in {2}: {3}: {4}", r.taskId(), r.operation(),
            log.config().directory(), r.outcome(), r.detail());
    }

    private void before(final String what)
    {
        StepListener.before(listener, "recover", steps.incrementAndGet(), what);
    }

    /**
     * Replays a commit record: its plan, unless that was replayed already. The commit record must not
     * be marked done while its plan is pending (a pass may reach it first when the plan's handler was
     * registered too late for the plan, or the plan's replay failed): the next start would then roll
     * a committed plan back.
     */
    void replayCommit(final RedoTask task) throws Exception
    {
        if (task.payloadLength() != Long.BYTES)
        {
            return;
        }
        final long planId = ByteBuffer.wrap(task.payload()).getLong();
        if (replayed.contains(planId))
        {
            return;
        }
        for (final RedoTask t : log.recoveredTasks())
        {
            if (t.taskId() == planId && TreeOps.PLAN_TASK_TYPE.equals(t.type()))
            {
                replay(t);
            }
        }
    }

    /** Replays one plan task. */
    void replay(final RedoTask task) throws Exception
    {
        final Plan plan;
        try
        {
            plan = Plan.decode(task.payload());
        }
        catch (final IOException e)
        {
            record(new Recovered(task.taskId(), "?", Outcome.FAILED, "corrupt plan payload of task " + task.taskId() +
                " (" + task.payloadLength() + " bytes): " + e.getMessage()));
            throw e;
        }
        try
        {
            replay(task.taskId(), plan);
            replayed.add(task.taskId());
        }
        catch (final Exception e)
        {
            record(new Recovered(task.taskId(), plan.label, Outcome.FAILED, "attempt " + task.attempt() + ": " + e));
            throw e;
        }
    }

    private void replay(final long taskId, final Plan plan) throws IOException, InterruptedException
    {
        final LockRequest request = recoveryLocks(plan);
        final LockHandle handle = timeout == null ? locks.lock(request) : locks.lock(request, timeout);
        final List<String> did = new ArrayList<>();
        final List<Step> removes = new ArrayList<>();
        Outcome outcome;
        boolean keptLockFiles = false;
        try
        {
            final boolean[] present = new boolean[plan.keys.size()];
            for (int j = 0; j < present.length; j++)
            {
                present[j] = fs.exists(plan.keys.get(j));
            }
            final int n = plan.applyCount();
            final int k = plan.progress(present);
            final boolean isCommitted = !plan.needsCommit() || committed.contains(taskId);
            final boolean forward;
            if (plan.hasPrepare() && !isCommitted)
            {
                forward = false;
            }
            else if (plan.hasPrepare() && !plan.needsCommit())
            {
                // one apply step whose effect the tree shows: done (complete) or not (not begun)
                forward = k == n;
            }
            else
            {
                if (k < 0)
                {
                    throw new IOException("the tree matches no step of the plan " + plan.label + " (present: " +
                        describe(plan, present) + "); was it changed after the crash?");
                }
                forward = true;
            }
            if (forward)
            {
                final List<Step> apply = plan.phase(Phase.APPLY);
                final int from = Math.max(k, 0);
                for (int i = from; i < n; i++)
                {
                    final Step s = apply.get(i);
                    before(s.toString());
                    runner.apply(s);
                    did.add(s.toString());
                }
                runner.forceApplied(apply.subList(from, n));
                final Set<Path> keep = heldLockFiles(handle, apply, from);
                keptLockFiles = !keep.isEmpty();
                for (final Step s : plan.phase(Phase.CLEANUP))
                {
                    before(s.toString());
                    did.add(runner.cleanup(s, keep));
                    if (s.kind() == Plan.StepKind.REMOVE)
                    {
                        removes.add(s);
                    }
                }
                outcome = Outcome.ROLLED_FORWARD;
            }
            else
            {
                for (final LockPath t : plan.temporaries())
                {
                    before("remove " + t);
                    runner.removeTemporary(t);
                    did.add("removed " + t);
                }
                outcome = Outcome.ROLLED_BACK;
            }
        }
        finally
        {
            handle.close();
        }
        if (keptLockFiles)
        {
            for (final Step s : removes)
            {
                runner.cleanup(s, Collections.emptySet());
            }
        }
        record(new Recovered(taskId, plan.label, outcome,
            did.isEmpty() ? "nothing left to do" : String.join("; ", did)));
    }

    private static String describe(final Plan plan, final boolean[] present)
    {
        final StringBuilder sb = new StringBuilder();
        for (int j = 0; j < present.length; j++)
        {
            sb.append(j == 0 ? "" : ", ").append(plan.keys.get(j)).append(present[j] ? "=yes" : "=no");
        }
        return sb.toString();
    }

    /**
     * The plan's locks, each on its path if that exists as a directory, else SUBTREE on the deepest
     * directory above it that exists (the lock-file store cannot lock a missing directory under
     * MissingDirectories.FAIL, and what the plan moved away may be gone).
     */
    private LockRequest recoveryLocks(final Plan plan)
    {
        final LockRequest.Builder b = LockRequest.builder();
        for (final Plan.Lock l : plan.locks)
        {
            LockPath p = l.path();
            LockType type = l.type();
            while (!p.isRoot() && !isDirectory(p))
            {
                p = p.parent();
                type = LockType.SUBTREE;
            }
            b.add(p, type);
        }
        return b.build();
    }

    private boolean isDirectory(final LockPath p)
    {
        try
        {
            return fs.kind(p) == TreeFs.Kind.DIRECTORY;
        }
        catch (final IOException e)
        {
            return false;
        }
    }

    private Set<Path> heldLockFiles(final LockHandle handle, final List<Step> apply, final int from)
    {
        final Set<Path> keep = new HashSet<>();
        if (!(locks.store() instanceof FileLockStore))
        {
            return keep;
        }
        for (final HeldLock h : handle.locks())
        {
            keep.add(fs.file(forward(h.path(), apply, from)).resolve(TreeFs.LOCK_FILE_NAME));
        }
        return keep;
    }

    /** Where a path is after the apply steps from index {@code from} on are done. */
    static LockPath forward(final LockPath path, final List<Step> apply, final int from)
    {
        LockPath p = path;
        for (int i = from; i < apply.size(); i++)
        {
            final Step st = apply.get(i);
            if (st.kind() == Plan.StepKind.RENAME && st.a().isAncestorOrSelf(p))
            {
                p = Planner.rebase(p, st.a(), st.b());
            }
        }
        return p;
    }
}

package io.pathlock.tree;

import io.pathlock.core.InvalidLockPathException;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockType;
import io.pathlock.tree.Plan.Lock;
import io.pathlock.tree.Plan.Step;
import io.pathlock.tree.Plan.StepKind;
import io.pathlock.tree.TreeFs.Kind;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns operations into a {@link Plan}: checks each against the tree as the earlier operations of the
 * batch will have left it (a simulation over the real tree), chooses the locks (docs/tree-ops.md §2)
 * and the temporary names, and computes what recovery needs. Changes nothing. One instance per plan.
 */
final class Planner
{
    private final TreeFs fs;
    private final MoveStrategy strategy;
    private final boolean backups;
    private final String id;
    private final List<Lock> locks = new ArrayList<>();
    private final List<Step> prepare = new ArrayList<>();
    private final List<Step> apply = new ArrayList<>();
    private final List<Step> cleanup = new ArrayList<>();
    /** State-0 location of every temporary the prepare phase creates, with its kind. */
    private final Map<LockPath, Kind> temps = new HashMap<>();
    /** State-0 location of a copy temporary, to the state-0 location of what it copies. */
    private final Map<LockPath, LockPath> copies = new HashMap<>();
    private final Map<LockPath, Kind> diskCache = new HashMap<>();
    private int tempCounter;
    /** State-0 locations of the directory trees the plan removes (a delete's, a copy's source). */
    private final List<LockPath> removals = new ArrayList<>();

    private Planner(final TreeFs fs, final MoveStrategy strategy, final boolean backups, final String id)
    {
        this.fs = fs;
        this.strategy = strategy;
        this.backups = backups;
        this.id = id;
    }

    /**
     * Plans operations.
     *
     * @throws IOException              as docs/tree-ops.md §3 says, naming the path.
     * @throws InvalidLockPathException for a bad or reserved path, or the root where it is refused.
     */
    static Plan plan(final TreeFs fs, final MoveStrategy strategy, final List<TreeOp> ops, final String id)
        throws IOException
    {
        if (ops.isEmpty())
        {
            throw new IllegalArgumentException("a batch needs at least one operation");
        }
        final Planner p = new Planner(fs, strategy, ops.size() > 1, id);
        String crashName = "batch";
        for (int i = 0; i < ops.size(); i++)
        {
            final TreeOp op = Objects.requireNonNull(ops.get(i), "operation " + i);
            crashName = p.add(op, i);
        }
        final String label;
        if (ops.size() == 1)
        {
            label = ops.get(0).toString() + ("moveCopy".equals(crashName) ? " (copy)" : "");
        }
        else
        {
            crashName = "batch";
            final StringBuilder sb = new StringBuilder("batch [");
            for (int i = 0; i < ops.size(); i++)
            {
                sb.append(i == 0 ? "" : ", ").append(ops.get(i));
            }
            label = sb.append(']').toString();
        }
        return p.finish(label, crashName);
    }

    private String add(final TreeOp op, final int index) throws IOException
    {
        final int state = apply.size();
        switch (op.kind())
        {
            case WRITE:
                return write(TreeFs.parse(op.path()), state, index);
            case DELETE:
                return delete(TreeFs.parse(op.path()), state, index);
            case MOVE:
                return move(TreeFs.parse(op.path()), TreeFs.parse(op.target()), state, index);
            default:
                return mkdirs(TreeFs.parse(op.path()), state);
        }
    }

    private String write(final LockPath p, final int state, final int index) throws IOException
    {
        if (p.isRoot())
        {
            throw new InvalidLockPathException(p.toString(), "the root cannot be written");
        }
        requireDirectory(p.parent(), state);
        final Origin target = resolve(p, state);
        if (target.kind == Kind.DIRECTORY)
        {
            throw new FileSystemException(fs.file(p).toString(), null, "is a directory");
        }
        locks.add(new Lock(p.parent(), LockType.POINT));
        final Placed tmp = placeTemp(p, state, "w");
        temps.put(tmp.at0, Kind.FILE);
        prepare.add(new Step(StepKind.WRITE_TEMP, tmp.at0, null, null, index));
        LockPath backup = null;
        if (backups && target.kind == Kind.FILE)
        {
            final Placed b = placeTemp(p, state, "b");
            temps.put(b.at0, Kind.FILE);
            prepare.add(new Step(StepKind.LINK_TEMP, target.at0, b.at0, null, index));
            backup = b.atState;
            cleanup.add(new Step(StepKind.REMOVE, b.atState, null, null, index));
        }
        apply.add(new Step(StepKind.RENAME, tmp.atState, p, backup, index));
        return "write";
    }

    private String delete(final LockPath p, final int state, final int index) throws IOException
    {
        if (p.isRoot())
        {
            throw new InvalidLockPathException(p.toString(), "the root cannot be deleted");
        }
        final Origin o = resolve(p, state);
        if (o.kind == Kind.MISSING)
        {
            throw new NoSuchFileException(fs.file(p).toString());
        }
        if (o.kind == Kind.DIRECTORY)
        {
            locks.add(new Lock(p, LockType.SUBTREE));
            if (o.source == Source.DISK)
            {
                removals.add(o.at0);
            }
        }
        locks.add(new Lock(p.parent(), LockType.POINT));
        final LockPath trash = p.parent().child(tempName("d", p.name()));
        apply.add(new Step(StepKind.RENAME, p, trash, null, index));
        cleanup.add(new Step(StepKind.REMOVE, trash, null, null, index));
        return "delete";
    }

    private String move(final LockPath s, final LockPath d, final int state, final int index) throws IOException
    {
        if (s.isRoot())
        {
            throw new InvalidLockPathException(s.toString(), "the root cannot be moved");
        }
        if (d.isRoot())
        {
            throw new InvalidLockPathException(d.toString(), "the root cannot be a move's target");
        }
        final Origin src = resolve(s, state);
        if (src.kind == Kind.MISSING)
        {
            throw new NoSuchFileException(fs.file(s).toString());
        }
        if (s.equals(d))
        {
            throw new FileAlreadyExistsException(fs.file(s).toString(), fs.file(d).toString(),
                "source and target are the same");
        }
        if (src.kind == Kind.DIRECTORY && s.isAncestorOf(d))
        {
            throw new FileSystemException(fs.file(s).toString(), fs.file(d).toString(),
                "cannot move a directory into itself");
        }
        if (resolve(d, state).kind != Kind.MISSING)
        {
            throw new FileAlreadyExistsException(fs.file(d).toString());
        }
        requireDirectory(d.parent(), state);
        if (src.kind == Kind.DIRECTORY)
        {
            locks.add(new Lock(s, LockType.SUBTREE));
            locks.add(new Lock(s.parent(), LockType.POINT));
            locks.add(new Lock(d.parent(), LockType.SUBTREE));
        }
        else
        {
            locks.add(new Lock(s.parent(), LockType.POINT));
            locks.add(new Lock(d.parent(), LockType.POINT));
        }
        final Placed tmp = placeTemp(d, state, "m");
        boolean copy = strategy == MoveStrategy.COPY;
        if (!copy && src.source == Source.DISK)
        {
            final LockPath dirAt0 = tmp.at0.parent();
            copy = !fs.device(src.at0).equals(fs.device(dirAt0));
        }
        if (!copy)
        {
            apply.add(new Step(StepKind.RENAME, s, d, null, index));
            if (src.kind == Kind.DIRECTORY)
            {
                cleanup.add(new Step(StepKind.SWEEP, d, null, null, index));
            }
            return "move";
        }
        if (src.source != Source.DISK || touchedEarlier(s))
        {
            throw new FileSystemException(fs.file(s).toString(), fs.file(d).toString(),
                "cannot copy what an earlier operation of the same batch changes");
        }
        temps.put(tmp.at0, src.kind);
        copies.put(tmp.at0, src.at0);
        if (src.kind == Kind.DIRECTORY)
        {
            removals.add(src.at0);
        }
        prepare.add(new Step(StepKind.COPY_TEMP, src.at0, tmp.at0, null, index));
        apply.add(new Step(StepKind.RENAME, tmp.atState, d, null, index));
        final LockPath trash = s.parent().child(tempName("d", s.name()));
        apply.add(new Step(StepKind.RENAME, s, trash, null, index));
        cleanup.add(new Step(StepKind.REMOVE, trash, null, null, index));
        return "moveCopy";
    }

    private boolean touchedEarlier(final LockPath s)
    {
        for (final Step st : apply)
        {
            for (final LockPath p : new LockPath[] {st.a(), st.b()})
            {
                if (p != null && (p.isAncestorOrSelf(s) || s.isAncestorOrSelf(p)))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private String mkdirs(final LockPath p, final int state) throws IOException
    {
        LockPath deepest = null;
        final List<LockPath> missing = new ArrayList<>();
        for (int i = 0; i <= p.depth(); i++)
        {
            final LockPath a = p.prefix(i);
            final Kind k = resolve(a, state).kind;
            if (k == Kind.FILE)
            {
                if (a.equals(p))
                {
                    throw new FileAlreadyExistsException(fs.file(p).toString(), null, "exists and is not a directory");
                }
                throw new NotDirectoryException(fs.file(a).toString());
            }
            if (k == Kind.MISSING)
            {
                for (int j = i; j <= p.depth(); j++)
                {
                    missing.add(p.prefix(j));
                }
                break;
            }
            deepest = a;
        }
        if (!missing.isEmpty())
        {
            locks.add(new Lock(deepest, LockType.SUBTREE));
            for (final LockPath m : missing)
            {
                apply.add(new Step(StepKind.MKDIR, m, null, null, -1));
            }
        }
        else
        {
            // nothing to create, but the answer depends on p existing: ordered with what removes it
            locks.add(new Lock(p, LockType.POINT));
        }
        return "mkdirs";
    }

    private void requireDirectory(final LockPath dir, final int state) throws IOException
    {
        final Kind k = resolve(dir, state).kind;
        if (k == Kind.MISSING)
        {
            throw new NoSuchFileException(fs.file(dir).toString(), null, "parent directory does not exist");
        }
        if (k == Kind.FILE)
        {
            throw new NotDirectoryException(fs.file(dir).toString());
        }
    }

    private String tempName(final String role, final String name)
    {
        final String n = TreeOps.TEMP_PREFIX + id + "." + (tempCounter++) + role + "." + name;
        return n.length() > 200 ? n.substring(0, 200) : n;
    }

    /** A temporary's location now (state 0, where the prepare phase creates it) and when its op runs. */
    private record Placed(LockPath at0, LockPath atState)
    {
    }

    /**
     * A temporary beside {@code target}: in its parent if that directory exists on disk before the
     * plan, else in the nearest ancestor that does (a directory the batch creates is on its parent's
     * file system).
     */
    private Placed placeTemp(final LockPath target, final int state, final String role) throws IOException
    {
        LockPath dir = target.parent();
        while (true)
        {
            final Origin o = resolve(dir, state);
            if (o.kind == Kind.DIRECTORY && o.source == Source.DISK)
            {
                final String name = tempName(role, target.name());
                return new Placed(o.at0.child(name), dir.child(name));
            }
            if (dir.isRoot())
            {
                throw new NoSuchFileException(fs.root().toString(), null, "the root is not a directory");
            }
            dir = dir.parent();
        }
    }

    private enum Source
    {
        DISK, TEMP, CREATED, NONE
    }

    /** What a path is after {@code state} apply steps, and where it was before the first. */
    private record Origin(Kind kind, Source source, LockPath at0)
    {
    }

    private Origin resolve(final LockPath path, final int state) throws IOException
    {
        LockPath p = path;
        for (int i = state - 1; i >= 0; i--)
        {
            final Step st = apply.get(i);
            if (st.kind() == StepKind.RENAME)
            {
                if (st.b().isAncestorOrSelf(p))
                {
                    p = rebase(p, st.b(), st.a());
                }
                else if (st.a().isAncestorOrSelf(p))
                {
                    return new Origin(Kind.MISSING, Source.NONE, null);
                }
            }
            else if (st.kind() == StepKind.MKDIR)
            {
                if (st.a().equals(p))
                {
                    return new Origin(Kind.DIRECTORY, Source.CREATED, null);
                }
                if (st.a().isAncestorOf(p))
                {
                    return new Origin(Kind.MISSING, Source.NONE, null);
                }
            }
        }
        final Kind t = temps.get(p);
        if (t != null)
        {
            return new Origin(t, Source.TEMP, p);
        }
        for (final Map.Entry<LockPath, LockPath> c : copies.entrySet())
        {
            if (c.getKey().isAncestorOf(p))
            {
                final Kind k = disk(rebase(p, c.getKey(), c.getValue()));
                return new Origin(k, k == Kind.MISSING ? Source.NONE : Source.TEMP, p);
            }
        }
        final Kind k = disk(p);
        return new Origin(k, k == Kind.MISSING ? Source.NONE : Source.DISK, p);
    }

    private Kind disk(final LockPath p) throws IOException
    {
        Kind k = diskCache.get(p);
        if (k == null)
        {
            k = fs.kind(p);
            diskCache.put(p, k);
        }
        return k;
    }

    static LockPath rebase(final LockPath p, final LockPath from, final LockPath to)
    {
        LockPath out = to;
        for (int i = from.depth(); i < p.depth(); i++)
        {
            out = out.child(p.segment(i));
        }
        return out;
    }

    /** Where a path after {@code state} apply steps is once every apply step is done. */
    private LockPath forward(final LockPath path, final int state)
    {
        LockPath p = path;
        for (int i = state; i < apply.size(); i++)
        {
            final Step st = apply.get(i);
            if (st.kind() == StepKind.RENAME && st.a().isAncestorOrSelf(p))
            {
                p = rebase(p, st.a(), st.b());
            }
        }
        return p;
    }

    private Plan finish(final String label, final String crashName) throws IOException
    {
        // cleanup paths are named as of their operation's state: move them to the final state
        final List<Step> finalCleanup = new ArrayList<>();
        for (final Step c : cleanup)
        {
            finalCleanup.add(new Step(c.kind(), forward(c.a(), stateOf(c)), null, null, c.op()));
        }
        final LinkedHashSet<LockPath> keySet = new LinkedHashSet<>();
        for (final Step st : apply)
        {
            keySet.add(st.a());
            if (st.b() != null)
            {
                keySet.add(st.b());
            }
        }
        final List<LockPath> keys = new ArrayList<>(keySet);
        final int n = apply.size();
        final boolean[][] states = new boolean[n + 1][keys.size()];
        for (int k = 0; k <= n; k++)
        {
            for (int j = 0; j < keys.size(); j++)
            {
                states[k][j] = resolve(keys.get(j), k).kind != Kind.MISSING;
            }
        }
        final boolean[] vol = new boolean[keys.size()];
        for (int j = 0; j < keys.size(); j++)
        {
            vol[j] = states[n][j] && keys.get(j).name().startsWith(TreeOps.TEMP_PREFIX);
        }
        final List<Step> steps = new ArrayList<>(prepare);
        steps.addAll(apply);
        steps.addAll(finalCleanup);
        // the tree before the prepare phase finished: the temporaries are missing
        final Map<LockPath, Kind> prepared = new HashMap<>(temps);
        temps.clear();
        final boolean[] unprepared = new boolean[keys.size()];
        for (int j = 0; j < keys.size(); j++)
        {
            unprepared[j] = resolve(keys.get(j), 0).kind != Kind.MISSING;
        }
        temps.putAll(prepared);
        boolean commit = false;
        if (!prepare.isEmpty())
        {
            commit = n > 1;
            final Plan probe = new Plan(label, crashName, locks, steps, keys, states, vol, false);
            for (int k = 1; k <= n && !commit; k++)
            {
                commit = probe.matches(k, unprepared);
            }
        }
        final Plan plan = new Plan(label, crashName, locks, steps, keys, states, vol, commit, removals);
        if (plan.ambiguous())
        {
            throw new IllegalArgumentException("batch " + label + " cannot be recovered after a crash: two of its " +
                "steps leave the same paths present (e.g. a move there and back); split it");
        }
        return plan;
    }

    private int stateOf(final Step cleanupStep)
    {
        // the state after the last apply step of the cleanup step's operation
        int state = 0;
        for (int i = 0; i < apply.size(); i++)
        {
            if (apply.get(i).op() == cleanupStep.op())
            {
                state = i + 1;
            }
        }
        return state;
    }
}

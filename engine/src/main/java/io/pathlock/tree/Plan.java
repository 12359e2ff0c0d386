package io.pathlock.tree;

import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A tree operation (or batch) as a list of steps: prepare steps that change nothing visible, apply
 * steps that are each one {@code rename(2)} or {@code mkdir(2)}, cleanup steps. Carries what recovery
 * needs: the locks, and for every apply step the presence of each path the apply steps name (the
 * <em>keys</em>), so that recovery can tell from the tree how far the apply phase got. Immutable; the
 * redo payload is {@link #encode()} / {@link #decode(byte[])} (versioned, length-checked).
 */
final class Plan
{
    private static final int MAGIC = 0x504c5452;
    private static final int VERSION = 1;
    private static final int MAX_COUNT = 1 << 20;

    /** What a step does. */
    enum StepKind
    {
        /** Prepare: write operation {@code op}'s content to the temporary {@code a}. */
        WRITE_TEMP(Phase.PREPARE),
        /** Prepare: copy {@code a} to the temporary {@code b}, skipping lock files. */
        COPY_TEMP(Phase.PREPARE),
        /** Prepare: hard link the existing file {@code a} as the temporary {@code b} (its undo copy). */
        LINK_TEMP(Phase.PREPARE),
        /** Apply: rename {@code a} to {@code b}; undo: rename back, or restore {@code c} over b. */
        RENAME(Phase.APPLY),
        /** Apply: mkdir {@code a}. */
        MKDIR(Phase.APPLY),
        /** Cleanup: remove the tree {@code a} (trash or temporary). */
        REMOVE(Phase.CLEANUP),
        /** Cleanup: remove the lock files found in the moved tree {@code a}. */
        SWEEP(Phase.CLEANUP);

        final Phase phase;

        StepKind(final Phase phase)
        {
            this.phase = phase;
        }
    }

    /** The phases of a plan. */
    enum Phase
    {
        PREPARE, APPLY, CLEANUP
    }

    /**
     * One step.
     *
     * @param kind what it does.
     * @param a    first path.
     * @param b    second path or null.
     * @param c    the undo copy of a rename's replaced target, or null.
     * @param op   index of the batch operation it belongs to.
     */
    record Step(StepKind kind, LockPath a, LockPath b, LockPath c, int op)
    {
        @Override
        public String toString()
        {
            switch (kind)
            {
                case WRITE_TEMP:
                    return "write " + a;
                case COPY_TEMP:
                    return "copy " + a + " to " + b;
                case LINK_TEMP:
                    return "link " + a + " as " + b;
                case RENAME:
                    return "rename " + a + " to " + b;
                case MKDIR:
                    return "mkdir " + a;
                case REMOVE:
                    return "remove " + a;
                default:
                    return "remove lock files in " + a;
            }
        }
    }

    /**
     * A lock the plan takes.
     *
     * @param path the path.
     * @param type its type.
     */
    record Lock(LockPath path, LockType type)
    {
    }

    final String label;
    final String crashName;
    final List<Lock> locks;
    final List<Step> steps;
    final List<LockPath> keys;
    /** states[k][j]: whether key j is present after k apply steps. */
    final boolean[][] states;
    /** Whether key j may be missing once every apply step is done (a trash, removed by cleanup). */
    final boolean[] volatileAtEnd;
    /** Whether the plan writes a commit record after its prepare phase. */
    final boolean commit;
    /** Trees the plan removes, checked removable before the first step (not part of the payload). */
    final List<LockPath> removals;

    Plan(final String label, final String crashName, final List<Lock> locks, final List<Step> steps,
        final List<LockPath> keys, final boolean[][] states, final boolean[] volatileAtEnd, final boolean commit)
    {
        this(label, crashName, locks, steps, keys, states, volatileAtEnd, commit, List.of());
    }

    Plan(final String label, final String crashName, final List<Lock> locks, final List<Step> steps,
        final List<LockPath> keys, final boolean[][] states, final boolean[] volatileAtEnd, final boolean commit,
        final List<LockPath> removals)
    {
        this.removals = List.copyOf(removals);
        this.commit = commit;
        this.label = label;
        this.crashName = crashName;
        this.locks = List.copyOf(locks);
        this.steps = List.copyOf(steps);
        this.keys = List.copyOf(keys);
        this.states = states;
        this.volatileAtEnd = volatileAtEnd;
    }

    List<Step> phase(final Phase phase)
    {
        final List<Step> out = new ArrayList<>();
        for (final Step s : steps)
        {
            if (s.kind.phase == phase)
            {
                out.add(s);
            }
        }
        return out;
    }

    boolean hasPrepare()
    {
        return !phase(Phase.PREPARE).isEmpty();
    }

    int applyCount()
    {
        return phase(Phase.APPLY).size();
    }

    /**
     * Whether the plan writes a commit record: it has a prepare phase and either more than one apply
     * step or a tree that cannot show whether the prepare phase finished (a write over an existing
     * file: before its temporary exists and after its rename, the same paths are present).
     */
    boolean needsCommit()
    {
        return commit;
    }

    /** Whether the plan needs a redo record at all: anything but one lone apply step. */
    boolean needsRedo()
    {
        return steps.size() > 1;
    }

    /** The prepare phase's outputs (temporaries), removed by a roll back. */
    List<LockPath> temporaries()
    {
        final List<LockPath> out = new ArrayList<>();
        for (final Step s : phase(Phase.PREPARE))
        {
            out.add(s.kind == StepKind.WRITE_TEMP ? s.a : s.b);
        }
        return out;
    }

    LockRequest lockRequest()
    {
        final LockRequest.Builder b = LockRequest.builder();
        for (final Lock l : locks)
        {
            b.add(l.path, l.type);
        }
        return b.build();
    }

    /**
     * The number of apply steps done, judged from the presence of the keys; -1 if the tree matches
     * none.
     */
    int progress(final boolean[] present)
    {
        final int n = states.length - 1;
        for (int k = 0; k <= n; k++)
        {
            if (matches(k, present))
            {
                return k;
            }
        }
        return -1;
    }

    boolean matches(final int k, final boolean[] present)
    {
        final int n = states.length - 1;
        for (int j = 0; j < keys.size(); j++)
        {
            if (k == n && volatileAtEnd[j])
            {
                continue;
            }
            if (states[k][j] != present[j])
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether two numbers of done apply steps could show the same tree (recovery could not tell them
     * apart).
     */
    boolean ambiguous()
    {
        final int n = states.length - 1;
        for (int k = 0; k <= n; k++)
        {
            for (int m = k + 1; m <= n; m++)
            {
                if (matches(m, states[k]))
                {
                    return true;
                }
            }
        }
        return false;
    }

    byte[] encode()
    {
        try
        {
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            final DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(MAGIC);
            out.writeByte(VERSION);
            out.writeUTF(label);
            out.writeUTF(crashName);
            out.writeBoolean(commit);
            out.writeInt(locks.size());
            for (final Lock l : locks)
            {
                out.writeUTF(l.path.toString());
                out.writeByte(l.type.ordinal());
            }
            out.writeInt(steps.size());
            for (final Step s : steps)
            {
                out.writeByte(s.kind.ordinal());
                writePath(out, s.a);
                writePath(out, s.b);
                writePath(out, s.c);
                out.writeInt(s.op);
            }
            out.writeInt(keys.size());
            for (final LockPath k : keys)
            {
                writePath(out, k);
            }
            out.writeInt(states.length);
            for (final boolean[] state : states)
            {
                for (final boolean b : state)
                {
                    out.writeBoolean(b);
                }
            }
            for (final boolean b : volatileAtEnd)
            {
                out.writeBoolean(b);
            }
            out.flush();
            return bytes.toByteArray();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    private static void writePath(final DataOutputStream out, final LockPath p) throws IOException
    {
        out.writeUTF(p == null ? "" : p.toString());
    }

    /**
     * Decodes a payload.
     *
     * @throws IOException naming what is wrong with it.
     */
    static Plan decode(final byte[] payload) throws IOException
    {
        final DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
        try
        {
            final int magic = in.readInt();
            if (magic != MAGIC)
            {
                throw new IOException("not a tree plan (magic 0x" + Integer.toHexString(magic) + ", expected 0x" +
                    Integer.toHexString(MAGIC) + ")");
            }
            final int version = in.readUnsignedByte();
            if (version != VERSION)
            {
                throw new IOException("unknown tree plan version " + version + " (this engine reads " + VERSION + ")");
            }
            final String label = in.readUTF();
            final String crashName = in.readUTF();
            final boolean commit = in.readBoolean();
            final int nLocks = count(in, "locks");
            final List<Lock> locks = new ArrayList<>();
            final LockType[] types = LockType.values();
            for (int i = 0; i < nLocks; i++)
            {
                final LockPath p = readPath(in, false);
                final int t = in.readUnsignedByte();
                if (t >= types.length)
                {
                    throw new IOException("bad lock type " + t);
                }
                locks.add(new Lock(p, types[t]));
            }
            final int nSteps = count(in, "steps");
            final List<Step> steps = new ArrayList<>();
            final StepKind[] kinds = StepKind.values();
            for (int i = 0; i < nSteps; i++)
            {
                final int k = in.readUnsignedByte();
                if (k >= kinds.length)
                {
                    throw new IOException("bad step kind " + k);
                }
                final LockPath a = readPath(in, false);
                final LockPath b = readPath(in, true);
                final LockPath c = readPath(in, true);
                final int op = in.readInt();
                final StepKind kind = kinds[k];
                if (b == null && (kind == StepKind.RENAME || kind == StepKind.COPY_TEMP || kind == StepKind.LINK_TEMP))
                {
                    throw new IOException("step " + (i + 1) + " (" + kind + ") has no second path");
                }
                steps.add(new Step(kind, a, b, c, op));
            }
            final int nKeys = count(in, "keys");
            final List<LockPath> keys = new ArrayList<>();
            for (int i = 0; i < nKeys; i++)
            {
                keys.add(readPath(in, false));
            }
            final int nStates = count(in, "states");
            int applies = 0;
            for (final Step s : steps)
            {
                applies += s.kind.phase == Phase.APPLY ? 1 : 0;
            }
            if (nStates != applies + 1)
            {
                throw new IOException(nStates + " states for " + applies + " apply steps");
            }
            final boolean[][] states = new boolean[nStates][nKeys];
            for (int k = 0; k < nStates; k++)
            {
                for (int j = 0; j < nKeys; j++)
                {
                    states[k][j] = in.readBoolean();
                }
            }
            final boolean[] vol = new boolean[nKeys];
            for (int j = 0; j < nKeys; j++)
            {
                vol[j] = in.readBoolean();
            }
            if (in.available() != 0)
            {
                throw new IOException(in.available() + " bytes after the end of the plan");
            }
            return new Plan(label, crashName, locks, steps, keys, states, vol, commit);
        }
        catch (final EOFException e)
        {
            throw new IOException("truncated tree plan (" + payload.length + " bytes)", e);
        }
        catch (final IllegalArgumentException e)
        {
            throw new IOException("bad path in tree plan: " + e.getMessage(), e);
        }
    }

    private static int count(final DataInputStream in, final String what) throws IOException
    {
        final int n = in.readInt();
        if (n < 0 || n > MAX_COUNT)
        {
            throw new IOException("bad number of " + what + ": " + n);
        }
        return n;
    }

    private static LockPath readPath(final DataInputStream in, final boolean optional) throws IOException
    {
        final String s = in.readUTF();
        if (s.isEmpty())
        {
            if (optional)
            {
                return null;
            }
            throw new IOException("missing path");
        }
        return LockPath.parse(s);
    }

    @Override
    public String toString()
    {
        return label;
    }
}

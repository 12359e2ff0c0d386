package io.pathlock.host;

import io.pathlock.nativeio.NativeLoader;
import io.pathlock.nativeio.PathlockNative;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntConsumer;

/**
 * The numbered steps of the host table's operations, and the test hooks that crash a session at
 * one of them.
 *
 * <p>A step id is {@code op * 10 + phase}. A micro critical section of an op passes the phases
 * {@link #INTENT} (intent word written), {@link #LOCKED} (micro lock taken), {@link #UNDO_PUBLISHED},
 * {@link #HALF_WRITTEN} (first staged word written), {@link #WRITTEN}, {@link #UNDO_CLEARED} and
 * {@link #RELEASED}; recovery has its own steps ({@link #RECOVERY}).
 *
 * <p>Two hooks, both off (and free: a {@code static final} guard) unless enabled:
 * <ul>
 *   <li>{@link #hook}: a package-private test hook, settable when assertions are enabled (as under
 *   surefire) or the crash property is set; tests make it throw {@link SimulatedCrash};</li>
 *   <li>the system property {@value #CRASH_AT_PROP_NAME}: {@code random:N} (each step has an N/1000
 *   chance), a step number, or a step name such as {@code raise.written}: the process kills itself
 *   with SIGKILL at that step (for multi-process chaos tests).</li>
 * </ul>
 */
final class HostSteps
{
    /** System property: where the process kills itself (test only). */
    static final String CRASH_AT_PROP_NAME = "pathlock.host.crashAt";

    // ---- ops ----
    static final int RAISE = 1;
    static final int CLAIM = 2;
    static final int UNCLAIM = 3;
    static final int LOWER = 4;
    static final int ALLOC = 5;
    static final int INSERT_PARENT = 6;
    static final int INSERT_LINK = 7;
    static final int INSERT_UNDO_PARENT = 8;
    static final int FREE = 9;
    static final int RECLAIM_DEAD = 10;
    static final int RECLAIM_UNLINK = 11;
    static final int RECLAIM_PARENT = 12;
    static final int MARK = 13;
    static final int UNMARK = 14;
    static final int RECOVER_RECORD = 15;
    static final int RECOVERY = 16;
    static final String[] OP_NAMES = {
        "none", "raise", "claim", "unclaim", "lower", "alloc", "insert-parent", "insert-link", "insert-undo-parent",
        "free", "reclaim-dead", "reclaim-unlink", "reclaim-parent", "mark", "unmark", "recover-record", "recovery"};

    // ---- phases of a critical section ----
    static final int BEFORE = 0;
    static final int INTENT = 1;
    static final int LOCKED = 2;
    static final int UNDO_PUBLISHED = 3;
    static final int HALF_WRITTEN = 4;
    static final int WRITTEN = 5;
    static final int UNDO_CLEARED = 6;
    static final int RELEASED = 7;
    static final String[] PHASE_NAMES = {"before", "intent", "locked", "undo-published", "half-written", "written",
        "undo-cleared", "released"};

    // ---- recovery phases (op RECOVERY) ----
    static final int REC_BEGIN = RECOVERY * 10 + 1;
    static final int REC_UNDO_RESTORED = RECOVERY * 10 + 2;
    static final int REC_LOCK_RELEASED = RECOVERY * 10 + 3;
    static final int REC_PROGRESS_DONE = RECOVERY * 10 + 4;
    static final int REC_RECORDS_DONE = RECOVERY * 10 + 5;

    /** Whether any hook can fire (assertions on, or the crash property set). */
    static final boolean ENABLED;
    private static final int CRASH_STEP;
    private static final int CRASH_PER_MILLE;

    /** The test hook, or null. Called with the step id. */
    static volatile IntConsumer hook;

    static
    {
        boolean assertions = false;
        assert assertions = true;
        final String crash = System.getProperty(CRASH_AT_PROP_NAME);
        int step = -1;
        int perMille = 0;
        if (crash != null && !crash.isBlank())
        {
            final String c = crash.trim();
            if (c.startsWith("random:"))
            {
                perMille = Integer.parseInt(c.substring("random:".length()).trim());
            }
            else if (!c.isEmpty() && Character.isDigit(c.charAt(0)))
            {
                step = Integer.parseInt(c);
            }
            else
            {
                step = idOf(c);
                if (step < 0)
                {
                    throw new IllegalArgumentException(CRASH_AT_PROP_NAME + ": unknown step '" + c + "'");
                }
            }
        }
        CRASH_STEP = step;
        CRASH_PER_MILLE = perMille;
        ENABLED = assertions || step >= 0 || perMille > 0;
    }

    private HostSteps()
    {
    }

    /** Thrown by test hooks: the session must be abandoned without any cleanup. */
    static final class SimulatedCrash extends Error
    {
        private static final long serialVersionUID = 1L;

        SimulatedCrash(final int step)
        {
            super("simulated crash at step " + step + " (" + name(step) + ")", null, false, false);
        }
    }

    static void step(final int id)
    {
        if (ENABLED)
        {
            fire(id);
        }
    }

    private static void fire(final int id)
    {
        final IntConsumer h = hook;
        if (h != null)
        {
            h.accept(id);
        }
        if (CRASH_STEP == id || (CRASH_PER_MILLE > 0 && ThreadLocalRandom.current().nextInt(1000) < CRASH_PER_MILLE))
        {
            die();
        }
    }

    private static void die()
    {
        if (NativeLoader.isAvailable())
        {
            PathlockNative.kill(PathlockNative.getpid(), 9);
        }
        Runtime.getRuntime().halt(137);
    }

    static String name(final int id)
    {
        if (id >= REC_BEGIN && id <= REC_RECORDS_DONE)
        {
            return new String[] {"recovery.begin", "recovery.undo-restored", "recovery.lock-released",
                "recovery.progress-done", "recovery.records-done"}[id - REC_BEGIN];
        }
        final int op = id / 10;
        final int phase = id % 10;
        if (op <= 0 || op >= OP_NAMES.length || phase >= PHASE_NAMES.length)
        {
            return "step-" + id;
        }
        return OP_NAMES[op] + "." + PHASE_NAMES[phase];
    }

    static int idOf(final String name)
    {
        for (final int id : allIds())
        {
            if (name(id).equals(name))
            {
                return id;
            }
        }
        return -1;
    }

    /** Every step id. */
    static List<Integer> allIds()
    {
        final List<Integer> ids = new ArrayList<>();
        for (int op = RAISE; op < RECOVERY; op++)
        {
            for (int phase = BEFORE; phase <= RELEASED; phase++)
            {
                ids.add(op * 10 + phase);
            }
        }
        for (int id = REC_BEGIN; id <= REC_RECORDS_DONE; id++)
        {
            ids.add(id);
        }
        return Collections.unmodifiableList(ids);
    }
}

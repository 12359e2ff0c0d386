package io.pathlock.host;

import io.pathlock.core.LockRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crash at every step (H1, H5, recovery): a victim session runs a workload that passes through
 * every step of acquire, release, insertion, reclamation and marks; the test hook kills it (a
 * {@link HostSteps.SimulatedCrash}) at the first time it reaches step S; the victim is abandoned
 * with no cleanup (its kernel lock dropped as by death); another session recovers it. Afterwards
 * the table must be consistent (counts = sum of records, no lock owned, no open undo log, no
 * leaked node), hold exactly the survivor's counts, and the victim's locks must be free. Then the
 * same with the RECOVERER killed at every step of the recovery, and a third session finishing.
 */
class HostTableCrashTest
{
    @TempDir
    Path dir;

    private final ExecutorService victimThread = Executors.newSingleThreadExecutor();

    @AfterEach
    void cleanup()
    {
        HostSteps.hook = null;
        victimThread.shutdownNow();
    }

    static HostTable.Config config()
    {
        return new HostTable.Config(24, 6, 64, "none", HostTable.LIVENESS_CHECK_DEFAULT);
    }

    /** Arms the hook: crash the given thread at the first time it reaches the target step. */
    static final class Trap
    {
        final int target;
        final Set<Integer> seen = ConcurrentHashMap.newKeySet();
        volatile Thread thread;
        volatile boolean disabled;
        volatile boolean fired;

        Trap(final int target)
        {
            this.target = target;
        }

        void accept(final int step)
        {
            if (Thread.currentThread() != thread || disabled)
            {
                return;
            }
            seen.add(step);
            if (step == target && !fired)
            {
                fired = true;
                throw new HostSteps.SimulatedCrash(step);
            }
        }
    }

    /** The survivor's holds, and the counts they alone produce. */
    static final class World
    {
        final HostTable table;
        final HostSession survivor;
        final HostSession helper;
        final List<HostSession.Grant> held = new ArrayList<>();
        final Map<String, List<Long>> expected;

        World(final HostTable table)
        {
            this.table = table;
            this.survivor = table.attach();
            this.helper = table.attach();
            for (final LockRequest r : new LockRequest[] {
                LockRequest.point("/s/x"), LockRequest.subtreeShared("/keep/k"), LockRequest.pointShared("/shared")})
            {
                final HostSession.Result res = survivor.tryAcquire(r.entries());
                assertTrue(res.isGranted());
                held.add(res.grant());
            }
            expected = HostTableConflictMatrixTest.counts(table);
        }

        void check(final String what)
        {
            assertEquals(List.of(), table.checkConsistency(), what);
            assertEquals(expected, HostTableConflictMatrixTest.counts(table), what + ": counts are not the survivor's");
            for (final HostSession.Grant g : held)
            {
                assertTrue(survivor.isIntact(g), what);
            }
            try (HostSession probe = table.attach())
            {
                for (final LockRequest r : new LockRequest[] {
                    LockRequest.point("/v/a/b"), LockRequest.subtree("/v"), LockRequest.point("/dup"),
                    LockRequest.point("/r/0"), LockRequest.subtree("/r"), LockRequest.pointShared("/shared"),
                    LockRequest.subtreeShared("/keep")})
                {
                    final HostSession.Result res = probe.tryAcquire(r.entries());
                    assertTrue(res.isGranted(), what + ": " + r + " is not free: " + res.conflict());
                    probe.release(res.grant());
                }
                assertFalse(probe.tryAcquire(LockRequest.point("/s/x").entries()).isGranted(), what);
                assertFalse(probe.tryAcquire(LockRequest.subtree("/keep").entries()).isGranted(), what);
            }
            assertEquals(List.of(), table.checkConsistency(), what + " (after the probe)");
        }
    }

    /** The victim's workload: every op of the table at least once. */
    static void workload(final HostSession v, final World w, final Trap trap)
    {
        final HostSession.Result g1 = v.tryAcquire(LockRequest.point("/v/a/b").entries());
        final HostSession.Result g2 = v.tryAcquire(LockRequest.pointShared("/shared").entries());
        final HostSession.Result refused = v.tryAcquire(LockRequest.subtree("/s").entries());
        assertTrue(g1.isGranted() && g2.isGranted() && !refused.isGranted());
        v.markPending(refused.blocker());
        v.clearMarks();
        // a duplicate insertion: the helper links /dup while the victim is between its steps
        final boolean[] dupDone = {false};
        final java.util.function.IntConsumer previous = HostSteps.hook;
        HostSteps.hook = step -> {
            previous.accept(step);
            if (step == HostSteps.INSERT_PARENT * 10 + HostSteps.RELEASED && !dupDone[0]
                && Thread.currentThread() == trap.thread)
            {
                dupDone[0] = true;
                trap.disabled = true;
                try
                {
                    final HostSession.Result h = w.helper.tryAcquire(LockRequest.point("/dup").entries());
                    w.helper.release(h.grant());
                }
                finally
                {
                    trap.disabled = false;
                }
            }
        };
        final HostSession.Result g3;
        try
        {
            g3 = v.tryAcquire(LockRequest.point("/dup").entries());
        }
        finally
        {
            HostSteps.hook = previous;
        }
        assertTrue(g3.isGranted());
        v.release(g1.grant());
        v.release(g2.grant());
        v.release(g3.grant());
        for (int i = 0; i < 30; i++)
        {
            final HostSession.Result r = v.tryAcquire(LockRequest.point("/r/" + i).entries());
            assertTrue(r.isGranted(), "/r/" + i);
            v.release(r.grant());
        }
        assertTrue(v.tryAcquire(LockRequest.subtree("/v").entries()).isGranted());
        assertTrue(v.tryAcquire(LockRequest.pointShared("/shared").entries()).isGranted());
        final HostSession.Result waiting = v.tryAcquire(LockRequest.subtree("/keep").entries());
        assertFalse(waiting.isGranted());
        v.markPending(waiting.blocker());
    }

    /** A victim session of the table that ran the workload and died at step {@code at}, abandoned. */
    HostSession killVictimAt(final HostTable table, final World w, final String at) throws Exception
    {
        final HostSession v = table.attach();
        final Trap trap = new Trap(HostSteps.idOf(at));
        HostSteps.hook = trap::accept;
        assertTrue(runVictim(v, w, trap), at + " not reached");
        HostSteps.hook = null;
        v.abandon();
        return v;
    }

    /** Runs the workload on the victim thread with the trap armed; true if it crashed. */
    boolean runVictim(final HostSession v, final World w, final Trap trap) throws Exception
    {
        final Future<?> f = victimThread.submit(() -> {
            trap.thread = Thread.currentThread();
            try
            {
                workload(v, w, trap);
            }
            finally
            {
                trap.thread = null;
            }
        });
        try
        {
            f.get();
            return false;
        }
        catch (final ExecutionException e)
        {
            if (e.getCause() instanceof HostSteps.SimulatedCrash)
            {
                return true;
            }
            throw e;
        }
    }

    static List<Integer> sessionSteps()
    {
        final List<Integer> ids = new ArrayList<>();
        for (int op = HostSteps.RAISE; op <= HostSteps.UNMARK; op++)
        {
            for (int phase = HostSteps.BEFORE; phase <= HostSteps.RELEASED; phase++)
            {
                ids.add(op * 10 + phase);
            }
        }
        return ids;
    }

    @Test
    void crashAtEveryStepOfTheSessionIsRecovered() throws Exception
    {
        final Set<String> notReached = new TreeSet<>();
        int crashed = 0;
        for (final int step : sessionSteps())
        {
            try (HostTable table = HostTable.open(dir.resolve("t" + step), config()))
            {
                final World w = new World(table);
                final HostSession v = table.attach();
                final Trap trap = new Trap(step);
                HostSteps.hook = trap::accept;
                final boolean died = runVictim(v, w, trap);
                HostSteps.hook = null;
                if (!died)
                {
                    notReached.add(HostSteps.name(step));
                    v.close();
                    continue;
                }
                crashed++;
                v.abandon();
                final String what = "crash at " + HostSteps.name(step);
                try (HostSession recoverer = table.attach())
                {
                    recoverer.recoverDeadSlots();
                }
                w.check(what);
            }
        }
        assertEquals(Set.of(), notReached, "steps the workload never reached");
        assertEquals(sessionSteps().size(), crashed);
    }

    @Test
    void recovererKilledAtEveryStepOfTheRecoveryIsRecoveredInTurn() throws Exception
    {
        final String[] victimCrashes = {"raise.half-written", "insert-parent.released", "reclaim-dead.released",
            "claim.undo-published", "free.half-written", "reclaim-unlink.written", "mark.written"};
        final Set<Integer> reachedInRecovery = new TreeSet<>();
        int recovererCrashes = 0;
        int n = 0;
        for (final String victimCrash : victimCrashes)
        {
            for (final int step : HostSteps.allIds())
            {
                try (HostTable table = HostTable.open(dir.resolve("r" + n++), config()))
                {
                    final World w = new World(table);
                    final HostSession v = table.attach();
                    final HostSession r2 = table.attach();
                    final Trap victimTrap = new Trap(HostSteps.idOf(victimCrash));
                    HostSteps.hook = victimTrap::accept;
                    assertTrue(runVictim(v, w, victimTrap), victimCrash + " not reached");
                    v.abandon();
                    final Trap trap = new Trap(step);
                    trap.thread = Thread.currentThread();
                    HostSteps.hook = trap::accept;
                    boolean died = false;
                    try
                    {
                        assertEquals(1, r2.recoverDeadSlots());
                    }
                    catch (final HostSteps.SimulatedCrash e)
                    {
                        died = true;
                    }
                    HostSteps.hook = null;
                    reachedInRecovery.addAll(trap.seen);
                    final String what = "victim killed at " + victimCrash + ", recoverer at " + HostSteps.name(step);
                    if (died)
                    {
                        recovererCrashes++;
                        r2.abandon();
                        try (HostSession r3 = table.attach())
                        {
                            r3.recoverDeadSlots();
                        }
                    }
                    else
                    {
                        r2.close();
                    }
                    w.check(what);
                }
            }
        }
        for (final int rec : new int[] {HostSteps.REC_BEGIN, HostSteps.REC_UNDO_RESTORED, HostSteps.REC_LOCK_RELEASED,
            HostSteps.REC_PROGRESS_DONE, HostSteps.REC_RECORDS_DONE})
        {
            assertTrue(reachedInRecovery.contains(rec), HostSteps.name(rec) + " never reached");
        }
        for (int phase = HostSteps.BEFORE; phase <= HostSteps.RELEASED; phase++)
        {
            assertTrue(reachedInRecovery.contains(HostSteps.RECOVER_RECORD * 10 + phase));
            assertTrue(reachedInRecovery.contains(HostSteps.FREE * 10 + phase));
            assertTrue(reachedInRecovery.contains(HostSteps.RECLAIM_PARENT * 10 + phase));
            assertTrue(reachedInRecovery.contains(HostSteps.INSERT_UNDO_PARENT * 10 + phase));
        }
        assertTrue(recovererCrashes > 100, "recoverer crashes: " + recovererCrashes);
    }

    /**
     * A session that dies holding a micro lock (here the root's, in the middle of a raise) is found
     * dead by the next session that spins on that lock, which recovers it and goes on: no one else
     * has to call recoverDead.
     */
    @Test
    void aSpinnerOnADeadSessionsMicroLockRecoversIt() throws Exception
    {
        for (final String at : new String[] {"raise.written", "raise.locked", "alloc.half-written", "lower.half-written"})
        {
            try (HostTable table = HostTable.open(dir.resolve("spin-" + at), config()))
            {
                final World w = new World(table);
                final HostSession v = killVictimAt(table, w, at);
                // the helper was attached before the death: only its spin can find the victim dead
                final long ownerBefore = HostLayout.owner(table.getLongVolatile(table.nodeOffset(0) + HostLayout.N_LOCK))
                    | HostLayout.owner(table.getLongVolatile(HostLayout.H_ALLOC_LOCK));
                assertTrue(ownerBefore != 0, at + ": the victim should hold the root's or the allocator's lock");
                final HostSession.Result r = w.helper.tryAcquire(LockRequest.point("/v/a/b2").entries());
                assertTrue(r.isGranted(), at + ": " + r.conflict());
                w.helper.release(r.grant());
                assertTrue(table.slots().stream().noneMatch(si -> si.slot() == v.slot()), at + ": recovered by the spinner");
                w.check("spinner after " + at);
            }
        }
    }
    /**
     * A node linked by an insertion whose session dies before its undo log is cleared is rolled back
     * by recovery, so nobody may use it before then: a second session that found it in its bucket and
     * locked a child below it would be left with a lock under a node that recovery frees (the child
     * orphaned, its ancestor's intent lost, and SUBTREE on the ancestor granted beside it). Found by
     * the host chaos run ("node 11 (/d2/s1) has children = 1 but 2 live nodes name it as parent").
     */
    @Test
    void aNodeLinkedByADeadInsertionIsNotUsedBeforeItsRecovery() throws Exception
    {
        for (final String at : new String[] {"insert-link.half-written", "insert-link.written",
            "insert-link.undo-cleared"})
        {
            try (HostTable table = HostTable.open(dir.resolve("link-" + at), config()))
            {
                final World w = new World(table);
                final HostSession v = table.attach();
                final Trap trap = new Trap(HostSteps.idOf(at));
                HostSteps.hook = trap::accept;
                final Future<?> f = victimThread.submit(() -> {
                    trap.thread = Thread.currentThread();
                    v.tryAcquire(LockRequest.point("/n").entries());
                });
                final ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, f::get, at);
                assertTrue(e.getCause() instanceof HostSteps.SimulatedCrash, at + ": " + e.getCause());
                HostSteps.hook = null;
                v.abandon();
                // the helper was attached before the death: it meets the victim's node before any recovery
                final HostSession.Result child = w.helper.tryAcquire(LockRequest.point("/n/m").entries());
                assertTrue(child.isGranted(), at + ": " + child.conflict());
                try (HostSession probe = table.attach())
                {
                    probe.recoverDeadSlots();
                    assertEquals(List.of(), table.checkConsistency(), at);
                    final HostSession.Result sub = probe.tryAcquire(LockRequest.subtree("/n").entries());
                    assertFalse(sub.isGranted(), at + ": SUBTREE /n granted while /n/m is held");
                }
                assertTrue(w.helper.isIntact(child.grant()), at);
                w.helper.release(child.grant());
                w.check("dead insertion at " + at);
            }
        }
    }
    /**
     * The same for a reclamation: a node marked DEAD by a session that dies before its undo log is
     * cleared comes back live, so its deadness must not be acted on before recovery: a second session
     * that inserted a new node for the same path meanwhile would leave two live nodes for one path
     * (a session that cached the first one locks the path beside a holder of the second).
     */
    @Test
    void aNodeMarkedDeadByADeadReclamationIsNotReplacedBeforeItsRecovery() throws Exception
    {
        for (final String at : new String[] {"reclaim-dead.half-written", "reclaim-dead.written"})
        {
            try (HostTable table = HostTable.open(dir.resolve("reclaim-" + at), config()))
            {
                final World w = new World(table);
                final HostSession v = killVictimAt(table, w, at);
                final int node = (int)table.getLongVolatile(table.slotOffset(v.slot()) + HostLayout.S_PROGRESS_A);
                final String path = table.pathOf(node);
                // the helper was attached before the death: it meets the dying node before any recovery
                final HostSession.Result again = w.helper.tryAcquire(LockRequest.point(path).entries());
                assertTrue(again.isGranted(), at + ": " + again.conflict());
                try (HostSession probe = table.attach())
                {
                    probe.recoverDeadSlots();
                    assertEquals(List.of(), table.checkConsistency(), at + " (" + path + ")");
                    assertFalse(probe.tryAcquire(LockRequest.point(path).entries()).isGranted(), at);
                }
                w.helper.release(again.grant());
                w.check("dead reclamation at " + at);
            }
        }
    }
}

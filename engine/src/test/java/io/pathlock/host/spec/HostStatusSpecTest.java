package io.pathlock.host.spec;

import io.pathlock.host.HostLockStore;
import io.pathlock.host.HostTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code pathlock status} and {@code break} read (issue 12): the table lists a child process's
 * holds with its pid, kind and liveness, and its slot; once the child is killed the slot is DEAD and
 * not alive, and recovering it frees everything. The administration view attaches no session.
 */
class HostStatusSpecTest
{
    @TempDir
    Path root;

    @Test
    void tableListsAChildsLocksAndItsDeathAndRecoveryFreesThem() throws Exception
    {
        assertNull(HostLockStore.openTable(root), "a root without a host table");
        try (SpecChild child = SpecChild.start(root, "none"))
        {
            child.expect("READY");
            assertTrue(child.ask("lock 1 P X /a/b", "HELD 1", "ERROR 1").startsWith("HELD"));
            assertTrue(child.ask("lock 2 S S /c", "HELD 2", "ERROR 2").startsWith("HELD"));
            try (HostTable t = HostLockStore.openTable(root))
            {
                assertEquals("none", t.interop());
                final List<HostTable.LockInfo> locks = t.locks();
                assertEquals(2, locks.size(), locks.toString());
                assertEquals("/a/b", locks.get(0).path());
                assertEquals("POINT-X", locks.get(0).kind());
                assertEquals("/c", locks.get(1).path());
                assertEquals("SUBTREE-S", locks.get(1).kind());
                for (final HostTable.LockInfo l : locks)
                {
                    assertEquals(child.pid(), l.pid(), l.toString());
                    assertTrue(l.alive(), l.toString());
                    assertEquals(1, l.count(), l.toString());
                }
                final List<HostTable.SlotInfo> slots = t.slots();
                assertEquals(1, slots.size(), "the administration view attached no session: " + slots);
                assertEquals("LIVE", slots.get(0).state());
                assertEquals(child.pid(), slots.get(0).pid());
                assertFalse(t.breakSlot(slots.get(0).slot(), false), "a live session is not broken without force");
                assertEquals(2, t.locks().size());
                child.kill();
                final List<HostTable.SlotInfo> dead = t.slots();
                assertEquals(1, dead.size(), dead.toString());
                assertEquals("DEAD", dead.get(0).state());
                assertTrue(t.locks().stream().noneMatch(HostTable.LockInfo::alive), t.locks().toString());
                assertEquals(1, t.recoverDead());
                assertEquals(List.of(), t.locks());
                assertEquals(List.of(), t.slots());
            }
        }
    }

    /**
     * recoverDead() counts every slot it recovers. With both slots of a two-slot table dead, the
     * administration view's temporary session recovers one as its own slot and the other as a dead
     * slot met on the way; before the fix the second went uncounted (1 instead of 2). The same
     * undercount made {@link #tableListsAChildsLocksAndItsDeathAndRecoveryFreesThem} fail whenever
     * the random first slot tried was the dead one.
     */
    @Test
    void recoverDeadCountsTheDeadSlotsTheAdministrationSessionMetOnItsWay() throws Exception
    {
        HostLockStore.builder(root).interop("none").slots(2).build().close(); // creates a table with two slots
        try (SpecChild a = SpecChild.start(root, "none"); SpecChild b = SpecChild.start(root, "none"))
        {
            a.expect("READY");
            b.expect("READY");
            assertTrue(a.ask("lock 1 P X /a", "HELD 1", "ERROR 1").startsWith("HELD"));
            assertTrue(b.ask("lock 1 P X /b", "HELD 1", "ERROR 1").startsWith("HELD"));
            a.kill();
            b.kill();
            try (HostTable t = HostLockStore.openTable(root))
            {
                assertEquals(2, t.slotCount());
                assertEquals(2, t.slots().size(), t.slots().toString());
                assertEquals(2, t.recoverDead(), "both dead slots were recovered and counted");
                assertEquals(List.of(), t.locks());
                assertEquals(List.of(), t.slots());
            }
        }
    }

    @Test
    void forcedBreakOfALiveSessionTakesItsLocksAndItsHandleLearnsIt() throws Exception
    {
        try (SpecChild child = SpecChild.start(root, "none"))
        {
            child.expect("READY");
            assertTrue(child.ask("lock 1 S X /z", "HELD 1", "ERROR 1").startsWith("HELD"));
            try (HostTable t = HostLockStore.openTable(root))
            {
                final int slot = t.slots().get(0).slot();
                assertTrue(t.breakSlot(slot, true));
                assertEquals(List.of(), t.locks(), "a forced break releases the session's locks");
            }
            assertEquals("VALID 1 false", child.ask("valid 1", "VALID 1"), "the broken session's handle learns it lost its locks");
            child.ask("exit", "BYE");
        }
    }
}

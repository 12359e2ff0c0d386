package io.pathlock.host.spec;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.HeldLock;
import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.host.HostSession;
import io.pathlock.host.HostTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One session's own locks never conflict in the host table; reentrancy and upgrade per handle
 * (LockHandle javadoc) hold through the facade when the other owner is another session, and the
 * other session sees exactly the stronger lock.
 */
class HostReentrancySpecTest
{
    @TempDir
    Path root;

    private final HostSpec.Managers managers = new HostSpec.Managers();

    @AfterEach
    void close()
    {
        managers.close();
    }

    private static boolean free(final LockManager m, final LockRequest r)
    {
        try (LockHandle h = m.tryLock(r))
        {
            return h != null;
        }
    }

    @Test
    void pointUpgradedToSubtreeInPlaceIsASubtreeForTheOtherSession() throws Exception
    {
        final LockManager a = managers.open(root, "none");
        final LockManager b = managers.open(root, "none");
        try (LockHandle h = a.open("up"))
        {
            h.tryAcquire(LockRequest.point("/r/a"));
            assertTrue(free(b, LockRequest.point("/r/a/x")), "a POINT does not cover descendants");
            h.acquire(LockRequest.subtree("/r/a"), HostSpec.GUARD);
            final List<HeldLock> held = h.locks();
            assertEquals(1, held.size(), held.toString());
            assertEquals(LockType.SUBTREE, held.get(0).type());
            assertFalse(free(b, LockRequest.point("/r/a/x")), "after the upgrade another session is kept out below");
            assertFalse(free(b, LockRequest.point("/r/a")));
            assertTrue(free(b, LockRequest.point("/r/b")));
            // Asking for the POINT again never downgrades.
            h.tryAcquire(LockRequest.point("/r/a"));
            assertFalse(free(b, LockRequest.point("/r/a/x")), "a SUBTREE is never downgraded");
        }
        assertTrue(free(b, LockRequest.subtree("/")), "everything released");
    }

    @Test
    void subtreeAboveTheHandlesOwnPointsIsGrantedAndCoversThem()
    {
        final LockManager a = managers.open(root, "none");
        final LockManager b = managers.open(root, "none");
        try (LockHandle h = a.open("own"))
        {
            h.tryAcquire(LockRequest.point("/r/x", "/r/y/z"));
            h.tryAcquire(LockRequest.subtree("/r"));
            h.tryAcquire(LockRequest.point("/r/q"));
            assertFalse(free(b, LockRequest.point("/r/w")));
            assertFalse(free(b, LockRequest.point("/r/x")));
            assertFalse(free(b, LockRequest.subtree("/")));
            assertTrue(free(b, LockRequest.point("/")), "a SUBTREE on /r does not reach the root's POINT");
        }
        assertTrue(free(b, LockRequest.subtree("/")), "everything released");
    }

    @Test
    void sharedHoldsOfTwoHandlesOfOneSessionAreCountedSeparately()
    {
        final LockManager a = managers.open(root, "none");
        final LockManager b = managers.open(root, "none");
        final LockHandle h1 = a.open("r1");
        final LockHandle h2 = a.open("r2");
        h1.tryAcquire(LockRequest.pointShared("/s"));
        h2.tryAcquire(LockRequest.pointShared("/s"));
        assertTrue(free(b, LockRequest.pointShared("/s")), "shared with shared");
        assertFalse(free(b, LockRequest.point("/s")));
        h1.close();
        assertFalse(free(b, LockRequest.point("/s")), "the second reader of the session still holds /s");
        assertFalse(free(b, LockRequest.subtree("/")));
        h2.close();
        assertTrue(free(b, LockRequest.point("/s")));
        assertTrue(free(b, LockRequest.subtree("/")));
    }

    @Test
    void sharedConvertedToExclusiveKeepsOtherSessionsReadersOut() throws Exception
    {
        final LockManager a = managers.open(root, "none");
        final LockManager b = managers.open(root, "none");
        try (LockHandle h = a.open("conv"))
        {
            h.tryAcquire(LockRequest.subtreeShared("/c"));
            assertTrue(free(b, LockRequest.pointShared("/c/d")));
            h.acquire(LockRequest.subtree("/c"), HostSpec.GUARD);
            assertFalse(free(b, LockRequest.pointShared("/c/d")), "SUBTREE-EXCLUSIVE after the conversion");
            assertFalse(free(b, LockRequest.pointShared("/c")));
        }
        assertTrue(free(b, LockRequest.subtree("/")));
    }

    @Test
    void otherHandlesOfTheSameSessionStillConflictInTheProcess() throws Exception
    {
        final LockManager a = managers.open(root, "none");
        try (LockHandle h1 = a.open("one"); LockHandle h2 = a.open("two"))
        {
            h1.tryAcquire(LockRequest.point("/p/x"));
            assertFalse(h2.tryLock(LockRequest.subtree("/p")), "two handles are two owners, even in one session");
            h1.releaseAll();
            assertTrue(h2.tryLock(LockRequest.subtree("/p")));
        }
    }

    // ---- the table itself: one session's locks never conflict ----------------------------------

    private static List<LockRequest.Entry> entries(final Object... kv)
    {
        final List<LockRequest.Entry> out = new ArrayList<>();
        for (int i = 0; i < kv.length; i += 3)
        {
            out.add(new LockRequest.Entry(LockPath.parse((String)kv[i]), (LockType)kv[i + 1], (LockMode)kv[i + 2]));
        }
        return out;
    }

    @Test
    void sessionsOwnLocksNeverConflictInTheTable()
    {
        try (HostTable t = HostTable.open(root.resolve("table"), HostTable.Config.defaults("none"));
             HostSession s1 = t.attach();
             HostSession s2 = t.attach())
        {
            final List<HostSession.Grant> grants = new ArrayList<>();
            for (final List<LockRequest.Entry> e : List.of(
                entries("/a", LockType.SUBTREE, LockMode.EXCLUSIVE),
                entries("/a/b", LockType.POINT, LockMode.EXCLUSIVE),
                entries("/a", LockType.SUBTREE, LockMode.EXCLUSIVE),
                entries("/", LockType.SUBTREE, LockMode.SHARED),
                entries("/a/b/c", LockType.SUBTREE, LockMode.EXCLUSIVE, "/x", LockType.POINT, LockMode.EXCLUSIVE)))
            {
                final HostSession.Result r = s1.tryAcquire(e);
                assertTrue(r.isGranted(), "a session's own locks conflicted: " + e + " -> " + r.conflict());
                grants.add(r.grant());
            }
            final HostSession.Result refused = s2.tryAcquire(entries("/q", LockType.POINT, LockMode.EXCLUSIVE));
            assertFalse(refused.isGranted(), "SUBTREE-SHARED / of s1 keeps s2's writers out");
            assertNotNull(refused.conflict());
            assertNotNull(refused.blocker());
            assertEquals("host", refused.conflict().source());
            assertTrue(s2.tryAcquire(entries("/q", LockType.POINT, LockMode.SHARED)).isGranted(),
                "a shared POINT under another session's SUBTREE-SHARED / was refused");
            for (final HostSession.Grant g : grants.subList(0, 4))
            {
                s1.release(g);
            }
            // s1 still holds SUBTREE /a/b/c and POINT /x (grant 4); the twice-granted SUBTREE /a is gone.
            final HostSession.Result pointA = s2.tryAcquire(entries("/a", LockType.POINT, LockMode.EXCLUSIVE));
            assertTrue(pointA.isGranted(), "POINT /a meets neither SUBTREE /a/b/c nor POINT /x: " + pointA.conflict());
            assertFalse(s2.tryAcquire(entries("/a", LockType.SUBTREE, LockMode.EXCLUSIVE)).isGranted(),
                "SUBTREE /a of s2 meets s1's SUBTREE /a/b/c");
            assertFalse(s2.tryAcquire(entries("/a/b/c/d", LockType.POINT, LockMode.SHARED)).isGranted(),
                "s1's SUBTREE /a/b/c keeps s2 out below it");
            s1.release(grants.get(4));
            s1.release(grants.get(4));
            final HostSession.Result all = s2.tryAcquire(entries("/", LockType.SUBTREE, LockMode.EXCLUSIVE));
            assertTrue(all.isGranted(), "s1 released everything, s2's own locks do not block it: " + all.conflict());
        }
    }
}

package io.pathlock.store.contract;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.store.LockStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract of a {@link LockStore} that arbitrates between processes, checked through the SPI
 * alone with two store instances on the same scope (two "processes"): the four-kind conflict
 * matrix of DESIGN §2 exhaustively, all-or-nothing batches, same-owner upgrades, idempotent
 * release, fencing order. A store implementation extends it and says how to open an instance; the
 * file store can reuse it from here (it needs nothing from ZooKeeper) once it moves to a shared
 * test jar.
 */
public abstract class LockStoreContract
{
    private final List<LockStore> opened = new ArrayList<>();

    /**
     * Opens a new store instance on the same shared scope as every other instance this test opened
     * (same root, same ensemble and namespace).
     *
     * @return a store.
     */
    protected abstract LockStore openStore();

    private LockStore store()
    {
        final LockStore s = openStore();
        opened.add(s);
        return s;
    }

    @AfterEach
    void closeStores()
    {
        for (final LockStore s : opened)
        {
            s.close();
        }
        opened.clear();
    }

    private static final String[] RELATIVES = {"/a/b", "/a", "/a/b/c", "/a/c", "/x"};
    private static final LockType[] TYPES = {LockType.POINT, LockType.SUBTREE};
    private static final LockMode[] MODES = {LockMode.SHARED, LockMode.EXCLUSIVE};

    /** Every held kind x requested kind x relation (same, ancestor, descendant, sibling, unrelated), root too. */
    @Test
    void conflictMatrixIsExactAcrossInstances()
    {
        final LockStore a = store();
        final LockStore b = store();
        final List<String> paths = new ArrayList<>(List.of(RELATIVES));
        paths.add("/");
        int checked = 0;
        for (final LockType ht : TYPES)
        {
            for (final LockMode hm : MODES)
            {
                final LockRequest.Entry held = new LockRequest.Entry(LockPath.parse("/a/b"), ht, hm);
                final LockStore.PublishResult h = a.tryPublish("holder", List.of(held));
                assertTrue(h.isGranted(), "uncontended " + held);
                for (final String rp : paths)
                {
                    for (final LockType rt : TYPES)
                    {
                        for (final LockMode rm : MODES)
                        {
                            final LockRequest.Entry req = new LockRequest.Entry(LockPath.parse(rp), rt, rm);
                            final boolean expected = held.conflictsWith(req);
                            final LockStore.PublishResult r = b.tryPublish("requester", List.of(req));
                            assertEquals(!expected, r.isGranted(), "held " + held + ", requested " + req);
                            if (r.isGranted())
                            {
                                b.unpublish(r.publication());
                            }
                            else
                            {
                                assertNotNull(r.conflict(), "a refusal names its conflict");
                            }
                            checked++;
                        }
                    }
                }
                a.unpublish(h.publication());
            }
        }
        assertEquals(4 * 6 * 4, checked);
    }

    /** A batch is granted whole or not at all: a refused batch leaves none of its entries held. */
    @Test
    void batchIsAllOrNothing()
    {
        final LockStore a = store();
        final LockStore b = store();
        final LockStore.PublishResult h = a.tryPublish("holder", List.of(entry("/q/2", LockType.POINT, LockMode.EXCLUSIVE)));
        assertTrue(h.isGranted());
        final LockStore.PublishResult r = b.tryPublish("batch", List.of(
            entry("/q/1", LockType.POINT, LockMode.EXCLUSIVE), entry("/q/2", LockType.POINT, LockMode.EXCLUSIVE)));
        assertFalse(r.isGranted());
        final LockStore.PublishResult third = a.tryPublish("third", List.of(entry("/q/1", LockType.POINT, LockMode.EXCLUSIVE)));
        assertTrue(third.isGranted(), "the refused batch left /q/1 free");
        a.unpublish(third.publication());
        a.unpublish(h.publication());
    }

    /** Locks of one owner never conflict: POINT then SUBTREE on the same path, SUBTREE above one's own POINT. */
    @Test
    void sameOwnerUpgrades()
    {
        final LockStore a = store();
        final LockStore b = store();
        final LockStore.PublishResult p = a.tryPublish("o", List.of(entry("/u/v", LockType.POINT, LockMode.EXCLUSIVE)));
        final LockStore.PublishResult up = a.tryPublish("o", List.of(entry("/u/v", LockType.SUBTREE, LockMode.EXCLUSIVE)));
        final LockStore.PublishResult above = a.tryPublish("o", List.of(entry("/u", LockType.SUBTREE, LockMode.EXCLUSIVE)));
        assertTrue(p.isGranted() && up.isGranted() && above.isGranted());
        assertFalse(b.tryPublish("other", List.of(entry("/u/v/w", LockType.POINT, LockMode.SHARED))).isGranted());
        assertFalse(a.tryPublish("other-local", List.of(entry("/u/z", LockType.POINT, LockMode.SHARED))).isGranted(),
            "another owner of the same instance conflicts");
        a.unpublish(above.publication());
        a.unpublish(up.publication());
        a.unpublish(p.publication());
        final LockStore.PublishResult after = b.tryPublish("other", List.of(entry("/u", LockType.SUBTREE, LockMode.EXCLUSIVE)));
        assertTrue(after.isGranted());
        b.unpublish(after.publication());
    }

    /** Shared holders from several instances coexist; an exclusive request waits for all of them. */
    @Test
    void sharedHoldersCoexist()
    {
        final LockStore a = store();
        final LockStore b = store();
        final LockStore c = store();
        final LockStore.PublishResult s1 = a.tryPublish("r1", List.of(entry("/s", LockType.SUBTREE, LockMode.SHARED)));
        final LockStore.PublishResult s2 = b.tryPublish("r2", List.of(entry("/s/t", LockType.POINT, LockMode.SHARED)));
        final LockStore.PublishResult s3 = c.tryPublish("r3", List.of(entry("/s", LockType.POINT, LockMode.SHARED)));
        assertTrue(s1.isGranted() && s2.isGranted() && s3.isGranted());
        assertFalse(c.tryPublish("w", List.of(entry("/s/t", LockType.POINT, LockMode.EXCLUSIVE))).isGranted());
        a.unpublish(s1.publication());
        assertFalse(c.tryPublish("w", List.of(entry("/s/t", LockType.POINT, LockMode.EXCLUSIVE))).isGranted());
        b.unpublish(s2.publication());
        final LockStore.PublishResult w = c.tryPublish("w", List.of(entry("/s/t", LockType.POINT, LockMode.EXCLUSIVE)));
        assertTrue(w.isGranted(), "a shared POINT on /s does not cover /s/t");
        c.unpublish(w.publication());
        c.unpublish(s3.publication());
    }

    /** Unpublish is idempotent; check reports an intact publication as null. */
    @Test
    void unpublishIsIdempotent()
    {
        final LockStore a = store();
        final LockStore.PublishResult p = a.tryPublish("o", List.of(entry("/i", LockType.POINT, LockMode.EXCLUSIVE)));
        assertNull(a.check(p.publication()));
        assertTrue(a.refresh(p.publication()));
        a.unpublish(p.publication());
        a.unpublish(p.publication());
    }

    /** Tokens of conflicting grants taken one after the other from different instances increase. */
    @Test
    void fencingTokensIncreaseAcrossInstances()
    {
        final LockStore a = store();
        final LockStore b = store();
        long last = 0;
        for (int i = 0; i < 10; i++)
        {
            final LockStore s = i % 2 == 0 ? a : b;
            final LockStore.PublishResult p = s.tryPublish("o" + i, List.of(entry("/f", LockType.POINT, LockMode.EXCLUSIVE)));
            assertTrue(p.isGranted());
            final long t = s.nextFencingToken();
            assertTrue(t > last, "token " + t + " after " + last);
            last = t;
            s.unpublish(p.publication());
        }
    }

    /**
     * An entry.
     *
     * @param path the path.
     * @param type the type.
     * @param mode the mode.
     * @return the entry.
     */
    protected static LockRequest.Entry entry(final String path, final LockType type, final LockMode mode)
    {
        return new LockRequest.Entry(LockPath.parse(path), type, mode);
    }
}

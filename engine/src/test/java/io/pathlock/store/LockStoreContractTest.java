package io.pathlock.store;

import io.pathlock.core.LockConflict;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract of the {@link LockStore} SPI, run against every store: one subclass per store (and
 * per configuration that changes the protocol). A store that arbitrates between processes or hosts
 * provides {@link #peer()}, another participant on the same scope (another process's store on the
 * same root, another session on the same ensemble); the conflict tests run between the two.
 *
 * <p>Every wait is bounded; nothing here depends on timing.
 */
public abstract class LockStoreContractTest
{
    private final List<LockStore> opened = new ArrayList<>();

    /**
     * A new store on a fresh scope (first call) or on the scope of the first store (later calls).
     *
     * @return the store.
     */
    protected abstract LockStore newStore();

    /**
     * Whether different stores on one scope exclude each other (false for the in-process memory
     * store, where the manager's table is the whole truth).
     *
     * @return true for stores that arbitrate between processes.
     */
    protected abstract boolean arbitrates();


    @AfterEach
    void closeStores()
    {
        for (int i = opened.size() - 1; i >= 0; i--)
        {
            opened.get(i).close();
        }
    }

    protected final LockStore store()
    {
        final LockStore s = newStore();
        opened.add(s);
        return s;
    }

    /**
     * Another participant on the same scope; only for stores that arbitrate.
     *
     * @return the peer.
     */
    protected final LockStore peer()
    {
        if (!arbitrates())
        {
            throw new IllegalStateException("this store does not arbitrate between participants");
        }
        return store();
    }

    protected static List<LockRequest.Entry> e(final Object... pathsAndTypes)
    {
        final List<LockRequest.Entry> out = new ArrayList<>();
        for (int i = 0; i < pathsAndTypes.length; i += 2)
        {
            out.add(new LockRequest.Entry(LockPath.parse((String)pathsAndTypes[i]), (LockType)pathsAndTypes[i + 1]));
        }
        return out;
    }

    @Test
    void aGrantCanBeUnpublishedTwiceAndIsThenFreeForOthers()
    {
        final LockStore a = store();
        final LockStore.PublishResult r = a.tryPublish("a", e("/x", LockType.SUBTREE));
        assertTrue(r.isGranted());
        assertEquals(e("/x", LockType.SUBTREE), r.publication().entries());
        a.unpublish(r.publication());
        a.unpublish(r.publication());
        if (arbitrates())
        {
            assertTrue(peer().tryPublish("b", e("/x/y", LockType.POINT)).isGranted());
        }
    }

    @Test
    void anOwnersOwnLocksNeverConflictUpgradeAndSubtreeAbove()
    {
        final LockStore a = store();
        final LockStore.PublishResult p = a.tryPublish("o", e("/u/v", LockType.POINT, "/u/v/w", LockType.POINT));
        assertTrue(p.isGranted());
        final LockStore.PublishResult up = a.tryPublish("o", e("/u/v", LockType.SUBTREE));
        assertTrue(up.isGranted(), () -> String.valueOf(up.conflict()));
        final LockStore.PublishResult above = a.tryPublish("o", e("/u", LockType.SUBTREE));
        assertTrue(above.isGranted(), () -> String.valueOf(above.conflict()));
        if (arbitrates())
        {
            assertFalse(peer().tryPublish("other", e("/u/v/w", LockType.POINT)).isGranted());
        }
    }

    @Test
    void fencingTokensIncreaseAcrossParticipantsInGrantOrder()
    {
        final LockStore a = store();
        final LockStore b = arbitrates() ? peer() : a;
        long last = 0;
        for (int i = 0; i < 50; i++)
        {
            final LockStore s = (i % 2 == 0) ? a : b;
            final LockStore.PublishResult r = s.tryPublish("w" + i, e("/f", LockType.POINT));
            assertTrue(r.isGranted());
            final long t = s.nextFencingToken();
            assertTrue(t > last, "token " + t + " after " + last);
            last = t;
            s.unpublish(r.publication());
        }
    }

    @Test
    void closingAStoreReleasesWhatItHeld()
    {
        final LockStore a = newStore();
        assertTrue(a.tryPublish("h", e("/c", LockType.SUBTREE)).isGranted());
        a.close();
        if (arbitrates())
        {
            assertTrue(peer().tryPublish("next", e("/c/d", LockType.POINT)).isGranted());
        }
    }
}

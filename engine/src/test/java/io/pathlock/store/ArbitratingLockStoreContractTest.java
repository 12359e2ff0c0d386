package io.pathlock.store;

import io.pathlock.core.LockConflict;
import io.pathlock.core.LockType;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The part of the store contract that only stores arbitrating between processes or hosts have:
 * conflicts between two participants on one scope, all-or-nothing refusals, waking a waiter, and
 * learning that a lock was taken away. Host table and ZooKeeper stores extend this too.
 */
public abstract class ArbitratingLockStoreContractTest extends LockStoreContractTest
{
    @Override
    protected final boolean arbitrates()
    {
        return true;
    }

    /**
     * Takes a participant's lock away behind its back (break --force, session expiry...).
     *
     * @param path the lock path.
     * @return whether a lock was taken away.
     */
    protected abstract boolean breakBehindItsBack(String path);

    /**
     * Whether a refusal names the holder: its owner id, and for a SUBTREE refused by locks below it the
     * holder's path. True for stores that keep owner ids where the conflict is found (lock files,
     * znodes). The host table keeps counts per session, not per handle, and intention counts on
     * ancestors: its refusals name the path, type and mode of a holder found at a node and its session,
     * but no owner id, and a SUBTREE refused by locks below names its own path with reason
     * {@code HELD_BELOW} (see {@code HostLockStore}).
     *
     * @return true unless the store cannot know the holder.
     */
    protected boolean conflictsNameTheHolder()
    {
        return true;
    }

    @Test
    void conflictsBetweenParticipantsFollowTheMatrixAndNameTheHolder()
    {
        final LockStore a = store();
        final LockStore b = peer();
        final LockStore.PublishResult held = a.tryPublish("holder", e("/m/n", LockType.SUBTREE));
        assertTrue(held.isGranted());
        for (final Object[] c : new Object[][] {
            {"/m/n", LockType.POINT, false}, {"/m/n/o", LockType.POINT, false}, {"/m", LockType.SUBTREE, false},
            {"/m", LockType.POINT, true}, {"/m/q", LockType.SUBTREE, true}, {"/z", LockType.SUBTREE, true}})
        {
            final LockStore.PublishResult r = b.tryPublish("asker", e(c[0], c[1]));
            assertEquals(c[2], r.isGranted(), () -> c[1] + " " + c[0] + " against SUBTREE /m/n: " + r.conflict());
            if (r.isGranted())
            {
                b.unpublish(r.publication());
            }
            else
            {
                final LockConflict k = r.conflict();
                assertNotNull(k);
                if (!conflictsNameTheHolder() && k.reason() == LockConflict.Reason.HELD_BELOW)
                {
                    // Found from the intention count where the request was refused.
                    assertEquals(c[0], k.path(), k.toString());
                    assertEquals(LockType.SUBTREE, c[1], k.toString());
                    continue;
                }
                assertEquals("/m/n", k.path());
                if (conflictsNameTheHolder())
                {
                    assertTrue(k.holderOwnerId() != null && k.holderOwnerId().contains("holder"), k.toString());
                }
                assertEquals(LockType.SUBTREE, k.holderType());
            }
        }
    }


    @Test
    void aRefusedBatchLeavesNothingPublished()
    {
        final LockStore a = store();
        final LockStore b = peer();
        assertTrue(a.tryPublish("holder", e("/k/2", LockType.POINT)).isGranted());
        // The first entry is free, the second is not: all or nothing.
        final LockStore.PublishResult r = b.tryPublish("asker", e("/k/1", LockType.POINT, "/k/2", LockType.POINT));
        assertFalse(r.isGranted());
        assertTrue(a.tryPublish("third", e("/k/1", LockType.POINT)).isGranted(), "the refused batch kept /k/1");
    }


    @Test
    void refreshAndCheckSeeALockTakenAway()
    {
        final LockStore a = store();
        final LockStore.PublishResult r = a.tryPublish("victim", e("/v", LockType.POINT));
        assertTrue(r.isGranted());
        assertTrue(a.refresh(r.publication()));
        assertNull(a.check(r.publication()));
        assertTrue(breakBehindItsBack("/v"), "the lock could not be taken away");
        assertNotNull(a.check(r.publication()), "check must see the broken lock");
        assertFalse(a.refresh(r.publication()), "refresh must see the broken lock");
    }


    @Test
    void aWaiterIsToldWhenTheBlockerGoesAwayBlockingAndAsync() throws Exception
    {
        final LockStore a = store();
        final LockStore b = peer();
        final LockStore.PublishResult held = a.tryPublish("holder", e("/w", LockType.POINT));
        final LockStore.PublishResult refused = b.tryPublish("waiter", e("/w", LockType.POINT));
        assertFalse(refused.isGranted());
        final CompletableFuture<Void> async = b.onChange(refused.blocker(), TimeUnit.SECONDS.toNanos(30));
        a.unpublish(held.publication());
        async.get(30, TimeUnit.SECONDS);
        final long t0 = System.nanoTime();
        b.awaitChange(refused.blocker(), TimeUnit.SECONDS.toNanos(30));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30), "awaitChange ran into its bound");
        assertTrue(b.tryPublish("waiter", e("/w", LockType.POINT)).isGranted());
    }
}

package io.pathlock.store;

import io.pathlock.core.LockConflict;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockStoreException;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where locks live beyond this process: the SPI between {@code LockManager} and a store.
 *
 * <p>The manager's lock table always arbitrates the threads of this process first; a store is asked
 * only after the table granted a batch, so a store sees at most one publication per conflicting path
 * from this process at a time. Stores arbitrate between processes (or hosts).
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #tryPublish} is all-or-nothing and never waits; a refusal names the conflict.</li>
 *   <li>Locks of the same {@code ownerId} never conflict with each other: the batch may upgrade the
 *       owner's own POINT to SUBTREE, or take a SUBTREE above the owner's own locks.</li>
 *   <li>{@link #nextFencingToken()} returns strictly increasing values for the store's scope
 *       (the manager for the memory store; the root across processes and restarts for a file store).
 *       The manager calls it after the publication succeeded and before it returns the grant, so
 *       that a grant that happens before a conflicting one gets the smaller token.</li>
 *   <li>I/O failures throw {@link LockStoreException} and leave nothing published (fail closed).</li>
 * </ul>
 * Implementations are thread-safe.
 */
public interface LockStore extends AutoCloseable
{
    /**
     * What one successful {@link #tryPublish} published. Opaque to the manager.
     */
    interface Publication
    {
        /**
         * The entries published.
         *
         * @return the entries.
         */
        List<LockRequest.Entry> entries();
    }

    /**
     * The result of {@link #tryPublish}: a publication or a conflict.
     *
     * @param publication the publication when granted, else null.
     * @param conflict the conflict when refused, else null.
     * @param blocker store-specific token identifying what to wait for (passed back to
     *        {@link #awaitChange}), or null.
     */
    record PublishResult(Publication publication, LockConflict conflict, Object blocker)
    {
        /**
         * A grant.
         *
         * @param publication what was published.
         * @return the result.
         */
        public static PublishResult granted(final Publication publication)
        {
            return new PublishResult(publication, null, null);
        }

        /**
         * A refusal.
         *
         * @param conflict what blocked it.
         * @param blocker what to wait for.
         * @return the result.
         */
        public static PublishResult refused(final LockConflict conflict, final Object blocker)
        {
            return new PublishResult(null, conflict, blocker);
        }

        /**
         * Whether the batch was published.
         *
         * @return true when granted.
         */
        public boolean isGranted()
        {
            return publication != null;
        }
    }

    /**
     * A short description for reports, e.g. {@code memory} or {@code file:/srv/tree (jni)}.
     *
     * @return the description.
     */
    String describe();

    /**
     * Publishes a batch of locks for an owner, all or nothing. Never waits.
     *
     * @param ownerId the owner (a handle's id).
     * @param entries normalised entries (see {@code LockRequest}); may include upgrades of the
     *        owner's own locks.
     * @return the publication or the conflict.
     * @throws LockStoreException on an I/O failure; nothing stays published.
     */
    PublishResult tryPublish(String ownerId, List<LockRequest.Entry> entries);

    /**
     * Removes a publication. Removes only what this publication created (never a lock that has been
     * taken over by someone else since). Idempotent.
     *
     * @param publication what {@link #tryPublish} returned.
     * @throws LockStoreException on an I/O failure.
     */
    void unpublish(Publication publication);

    /**
     * The next fencing token (strictly increasing in the store's scope).
     *
     * @return the token, always positive.
     */
    long nextFencingToken();

    /**
     * Refreshes a publication's liveness (heartbeat) and checks it is still intact.
     *
     * @param publication a live publication.
     * @return false if the publication was lost (removed or taken over).
     * @throws LockStoreException on an I/O failure.
     */
    boolean refresh(Publication publication);

    /**
     * Checks, without changing anything, that a publication is still intact (every lock it published
     * is still this store's). Cheap enough to call on {@code isValid()}.
     *
     * @param publication a live publication.
     * @return null when intact, else what was lost and how (e.g. "lock file /r/a/.path.ovlock was
     *         removed").
     * @throws LockStoreException on an I/O failure.
     */
    default String check(final Publication publication)
    {
        return null;
    }

    /**
     * How often the manager should call {@link #refresh}.
     *
     * @return the interval, or {@link Duration#ZERO} when the store needs no heartbeat.
     */
    Duration heartbeatInterval();

    /**
     * Blocks until the blocker of a refused publication may have changed, or the timeout passes,
     * whichever is first. Spurious returns are allowed; the manager retries.
     *
     * @param blocker the blocker from the refusal.
     * @param timeoutNanos most time to wait.
     * @throws InterruptedException if interrupted.
     */
    void awaitChange(Object blocker, long timeoutNanos) throws InterruptedException;

    /**
     * Asynchronous {@link #awaitChange}: completes when the blocker may have changed or the timeout
     * passed. Must not park a thread per waiter.
     *
     * @param blocker the blocker from the refusal.
     * @param timeoutNanos most time to wait.
     * @return a future completed (normally) on change or timeout.
     */
    CompletableFuture<Void> onChange(Object blocker, long timeoutNanos);

    /**
     * Whether {@link #tryPublish} may block (I/O, waits): the handle then runs it outside its
     * monitor, so that releasing or closing the handle from another thread is not held up by it.
     * Stores that only touch memory return false and save that hand-over.
     *
     * @return true unless publication is a short in-memory operation; the default is true.
     */
    default boolean publishMayBlock()
    {
        return true;
    }

    /**
     * Whether grants must be published at all. A store that arbitrates nothing beyond the
     * process's lock table (the memory store) returns false: the handle then never calls
     * {@link #tryPublish}, {@link #unpublish} or {@link #refresh}, and a grant allocates no
     * publication.
     *
     * @return true unless the store's publications would be no-ops; the default is true.
     */
    default boolean needsPublication()
    {
        return true;
    }

    /**
     * Whether the lock table's fencing tokens suffice: true for a store whose whole arbitration is
     * the lock table of this process (the memory store), whose tokens need only be ordered between
     * conflicting grants of this process. The handle then takes each grant's token from the table
     * (per-node tokens and an epoch written only by SUBTREE grants: no contended atomic per grant)
     * instead of {@link #nextFencingToken()}; tokens of grants that do not conflict may be equal.
     *
     * @return false unless the table's tokens are enough; the default is false.
     */
    default boolean tableTokens()
    {
        return false;
    }

    /**
     * Enters the wait of an upgrade across processes: {@code ownerId} holds shared locks on the paths
     * of {@code exclusive} and is about to wait for the exclusive locks there. Returns the owner of
     * another waiting upgrader of the same shared lock, seen by the store (in another process), when
     * waiting could deadlock: the caller then fails fast with
     * {@link io.pathlock.core.LockUpgradeException}. Otherwise records this wait, so that a later
     * upgrader of another process fails fast instead, and returns null. The default sees nothing.
     *
     * @param ownerId   the upgrading handle's owner id.
     * @param exclusive the exclusive entries that meet its shared locks.
     * @return the other upgrader's owner, or null.
     */
    default String enterUpgradeWait(final String ownerId, final List<LockRequest.Entry> exclusive)
    {
        return null;
    }

    /**
     * Leaves the wait entered by {@link #enterUpgradeWait} (granted, timed out, interrupted or
     * failed). Idempotent; the default does nothing.
     *
     * @param ownerId the upgrading handle's owner id.
     */
    default void exitUpgradeWait(final String ownerId)
    {
    }

    /**
     * A waiting acquisition of {@code ownerId} that this store refused at least once (it was told to
     * {@link #awaitChange} or {@link #onChange} a blocker of this store) has ended: granted, timed
     * out, interrupted, cancelled, closed with its handle, or failed. A store that marks waiters
     * against starvation (pending marks seen by other processes) removes the owner's marks here, so
     * that a waiter that gave up no longer holds back anyone. Called once per ended wait, from the
     * thread that ended it; must not throw for an owner it does not know. The default does nothing.
     *
     * @param ownerId the waiting handle's owner id.
     */
    default void waitEnded(final String ownerId)
    {
    }

    /**
     * Releases the store's resources. Publications still held are removed where possible.
     */
    @Override
    void close();
}

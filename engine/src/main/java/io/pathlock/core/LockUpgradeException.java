package io.pathlock.core;

/**
 * An upgrade that was refused at once because waiting for it could deadlock: the handle asked for
 * an exclusive lock across one of its own shared locks (SHARED to EXCLUSIVE on the same path, or an
 * exclusive lock that meets a SUBTREE-SHARED it holds), the request had to wait for shared locks of
 * other handles, and one of those handles is itself waiting to upgrade across a shared lock of this
 * one (directly or through a chain of such upgraders). Of the upgraders that close such a cycle,
 * the one whose wait would close it gets this exception; the others keep waiting, and proceed once
 * the loser releases its shared lock.
 *
 * <p>Nothing was acquired by the failed call, and the handle still holds everything it held before,
 * its shared locks included: the usual answer is to release them (or the whole handle) and start
 * again, so that the upgrader that waits can finish.
 *
 * <p>Only waits inside one lock manager are seen; a {@code tryAcquire} never waits and so never
 * gets this exception (it gets a plain {@link LockBusyException}).
 */
public final class LockUpgradeException extends LockBusyException
{
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param request what was requested.
     * @param conflict what blocked it (a shared lock of the other upgrader), or null.
     * @param otherOwnerId the owner id of the upgrader whose wait this one would have closed a cycle with.
     */
    public LockUpgradeException(final LockRequest request, final LockConflict conflict, final String otherOwnerId)
    {
        super("lock upgrade refused: " + request + " would wait for shared locks of " + otherOwnerId
            + ", which is itself waiting to upgrade across this handle's shared locks (upgrade deadlock); "
            + "release the shared lock and retry" + (conflict == null ? "" : "; blocked by " + conflict), conflict);
    }
}

package io.pathlock.host;

/**
 * What a {@link HostLockStore} refusal hands the manager to wait on: the owner that was refused and
 * either the host table's blocker (another pathlock session holds a conflicting lock) or the inner
 * lock-file store's (a lock file of an OpenViking process, of a lock-file-only pathlock process, or
 * of a host-store process of the same root with interop on). The owner is carried so that a wait on
 * a table blocker can place that owner's pending mark ({@link HostStoreMarks}).
 *
 * @param ownerId the refused owner.
 * @param table   the table's blocker, or null.
 * @param file    the file store's blocker, or null (exactly one of the two is set).
 */
record HostStoreBlocker(String ownerId, HostSession.Blocker table, Object file)
{
    static HostStoreBlocker ofTable(final String ownerId, final HostSession.Blocker b)
    {
        return new HostStoreBlocker(ownerId, b, null);
    }

    static HostStoreBlocker ofFile(final String ownerId, final Object b)
    {
        return new HostStoreBlocker(ownerId, null, b);
    }

    boolean isTable()
    {
        return table != null;
    }
}

package io.pathlock.table;

/**
 * Who holds a trie node, as the facade attaches it after a grant: compared by identity, asked for
 * its id in conflict reports. Implementations must make {@link #ownerId()} safe to call from any
 * thread.
 */
public interface LockOwner
{
    /**
     * The owner id shown in conflict reports.
     *
     * @return the id.
     */
    String ownerId();
}

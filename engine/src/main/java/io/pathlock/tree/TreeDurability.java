package io.pathlock.tree;

/**
 * What a tree operation forces to disk before it returns.
 */
public enum TreeDurability
{
    /** Nothing is forced: a crash may lose the data of a completed write (the redo log still is durable). */
    NONE,
    /** Written and copied files are forced (fsync) before they are renamed into place. */
    DATA,
    /** {@link #DATA}, and the directories whose entries changed are forced too (the default). */
    DATA_AND_DIRECTORY
}

package io.pathlock.redo;

/**
 * State of a task as recorded in the log.
 */
public enum RedoTaskState
{
    /** Begun and not done: it will be replayed by recovery. */
    PENDING,

    /** Its replay kept failing: kept in the log, not replayed, reported. */
    QUARANTINED,

    /** Done, with its records not yet compacted away. */
    DONE
}

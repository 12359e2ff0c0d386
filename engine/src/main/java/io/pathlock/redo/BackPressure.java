package io.pathlock.redo;

/**
 * What an append does when the ring buffer between producers and the writer is full.
 */
public enum BackPressure
{
    /** Wait (spinning, yielding, then parking briefly) until the writer frees room. */
    WAIT,

    /** Fail at once with {@link RedoLogFullException}; nothing is appended. */
    FAIL
}

package io.pathlock.redo;

/**
 * Where the latest BEGIN record (and, when quarantined, the QUARANTINE record) of a not-done task
 * lives. Owned by the scanner, then by the writer thread.
 */
final class TaskEntry
{
    final long taskId;
    RedoTaskState state = RedoTaskState.PENDING;
    Segment segment;
    long offset;
    int length;
    Segment quarantineSegment;
    long quarantineOffset;
    int quarantineLength;

    // Filled by the scanner only, for listings and replay; null for tasks begun by this process.
    String type;
    byte[] payload;
    String reason;

    TaskEntry(final long taskId)
    {
        this.taskId = taskId;
    }

    RedoTaskInfo info()
    {
        return new RedoTaskInfo(
            taskId, type, state, segment.name(), offset, null == payload ? -1 : payload.length, reason);
    }
}

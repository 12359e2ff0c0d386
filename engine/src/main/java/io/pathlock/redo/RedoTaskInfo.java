package io.pathlock.redo;

/**
 * What the log says about one task: used by listings and recovery reports. Immutable.
 */
public final class RedoTaskInfo
{
    private final long taskId;
    private final String type;
    private final RedoTaskState state;
    private final String segment;
    private final long offset;
    private final int payloadLength;
    private final String reason;

    /**
     * @param taskId        id of the task.
     * @param type          task type.
     * @param state         state in the log.
     * @param segment       file name of the segment holding its latest BEGIN record.
     * @param offset        byte offset of that record.
     * @param payloadLength payload length in bytes.
     * @param reason        why it is quarantined or unhandled, or null.
     */
    RedoTaskInfo(
        final long taskId,
        final String type,
        final RedoTaskState state,
        final String segment,
        final long offset,
        final int payloadLength,
        final String reason)
    {
        this.taskId = taskId;
        this.type = type;
        this.state = state;
        this.segment = segment;
        this.offset = offset;
        this.payloadLength = payloadLength;
        this.reason = reason;
    }

    /**
     * @return id of the task.
     */
    public long taskId()
    {
        return taskId;
    }

    /**
     * @return task type.
     */
    public String type()
    {
        return type;
    }

    /**
     * @return state in the log.
     */
    public RedoTaskState state()
    {
        return state;
    }

    /**
     * @return file name of the segment holding the task's latest BEGIN record.
     */
    public String segment()
    {
        return segment;
    }

    /**
     * @return byte offset of that record in the segment.
     */
    public long offset()
    {
        return offset;
    }

    /**
     * @return payload length in bytes.
     */
    public int payloadLength()
    {
        return payloadLength;
    }

    /**
     * @return why the task is quarantined or unhandled, or null.
     */
    public String reason()
    {
        return reason;
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "task " + taskId + " type=" + type + " state=" + state + " at " + segment + ":" + offset +
            " payload=" + payloadLength + "B" + (null == reason ? "" : " reason=" + reason);
    }
}

package io.pathlock.redo;

/**
 * A begun-but-not-done task handed to a {@link RedoHandler} during recovery. Immutable; the payload
 * accessor returns a copy.
 */
public final class RedoTask
{
    private final long taskId;
    private final String type;
    private final byte[] payload;
    private final int attempt;

    /**
     * @param taskId  id of the task.
     * @param type    task type.
     * @param payload payload as written by {@code begin} (not copied).
     * @param attempt 1 for the first attempt.
     */
    public RedoTask(final long taskId, final String type, final byte[] payload, final int attempt)
    {
        this.taskId = taskId;
        this.type = type;
        this.payload = payload;
        this.attempt = attempt;
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
     * @return a copy of the payload.
     */
    public byte[] payload()
    {
        return payload.clone();
    }

    /**
     * @return length of the payload.
     */
    public int payloadLength()
    {
        return payload.length;
    }

    /**
     * @return attempt number, from 1.
     */
    public int attempt()
    {
        return attempt;
    }

    RedoTask withAttempt(final int attempt)
    {
        return new RedoTask(taskId, type, payload, attempt);
    }

    byte[] payloadNoCopy()
    {
        return payload;
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "RedoTask{id=" + taskId + ", type=" + type + ", payload=" + payload.length + " bytes, attempt=" +
            attempt + "}";
    }
}

package io.pathlock.redo;

/**
 * The append ring buffer was full and the log is configured to fail rather than wait
 * ({@link RedoLogConfig#BACK_PRESSURE_PROP_NAME} = {@code FAIL}). Nothing was appended.
 */
public final class RedoLogFullException extends RedoLogException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message names the capacity and the setting.
     */
    public RedoLogFullException(final String message)
    {
        super(message);
    }
}

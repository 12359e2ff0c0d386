package io.pathlock.redo;

/**
 * Writing a batch of records failed (for example no space left on the device). The records of that
 * batch are not in the log; the file was truncated back to its last complete record and stays
 * readable, and later appends are attempted again.
 */
public final class RedoAppendException extends RedoLogException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message names the segment and offset.
     * @param cause   the I/O error.
     */
    public RedoAppendException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}

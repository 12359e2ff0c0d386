package io.pathlock.redo;

/**
 * The log stopped accepting records because a data sync failed (or the file could not be restored
 * after a failed write). After a failed fsync Linux may drop the dirty pages and report success on
 * a retry, so the writer never retries: every pending and later {@code begin} fails with this error
 * until the log is closed, reopened and recovered from disk.
 */
public final class RedoLogFatalException extends RedoLogException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message names the segment and the step that failed.
     * @param cause   the I/O error.
     */
    public RedoLogFatalException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}

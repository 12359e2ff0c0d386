package io.pathlock.redo;

/**
 * Base of the errors the redo log reports. Unchecked, so that it can travel through
 * {@link java.util.concurrent.CompletableFuture}s unchanged.
 */
public class RedoLogException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong, naming the file or setting involved.
     */
    public RedoLogException(final String message)
    {
        super(message);
    }

    /**
     * @param message what went wrong, naming the file or setting involved.
     * @param cause   the underlying error.
     */
    public RedoLogException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}

package io.pathlock.file.interop;

/** How one dialect judges one lock file. */
public enum OvVerdict
{
    /** No token: the dialect proceeds as if no lock were there. */
    FREE,
    /** A token the dialect honours (younger than its expiry). */
    HELD,
    /** A token the dialect takes over (older than its expiry, or unparseable for ov431). */
    STALE,
    /**
     * The dialect cannot finish a request that reads this file: ragfs's {@code InvalidToken} or
     * {@code Io} error (the request fails, it does not wait), or either dialect blocking forever in
     * {@code open(2)} of a FIFO. The {@code why} says which.
     */
    INVALID
}

package io.pathlock.bench.latency;

/**
 * A lock that two threads of {@link HandoffLatency} hand to each other. Each thread works through
 * its own {@link Side}; a side is used by one thread only.
 */
public interface HandoffLock extends AutoCloseable
{
    /**
     * Name of the contender in file names and tables ({@code [a-z0-9]+}).
     *
     * @return the name.
     */
    String name();

    /**
     * Creates the view of one thread.
     *
     * @param thread 0 or 1.
     * @return the side.
     */
    Side side(int thread);

    /** Releases what the lock holds (managers, maps). */
    @Override
    void close();

    /** One thread's view of the lock. */
    interface Side
    {
        /**
         * Blocks until the lock is held. Must park (not spin) while it waits, as every contender here
         * does; the harness waits for the waiter to park before it releases.
         *
         * @throws Exception on failure, which fails the run.
         */
        void acquire() throws Exception;

        /** Releases the lock held by this side. */
        void release();
    }
}

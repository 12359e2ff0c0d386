package io.pathlock.time;

/**
 * A source of monotonic nanoseconds, the only clock type in pathlock's public API (so that no
 * third-party clock type becomes part of it). Timeouts, ages and idle times are measured with it;
 * tests inject a manual clock to make time-dependent behaviour deterministic.
 *
 * <p>Implementations must be thread-safe and must never go backwards within one process.
 */
@FunctionalInterface
public interface MonotonicClock
{
    /**
     * The current time.
     *
     * @return nanoseconds since an arbitrary origin fixed for the life of the process, as
     *         {@link System#nanoTime()}.
     */
    long nanoTime();

    /**
     * The system's monotonic clock.
     *
     * @return a clock reading {@link System#nanoTime()}.
     */
    static MonotonicClock system()
    {
        return System::nanoTime;
    }
}

package io.pathlock.time;

/**
 * A source of wall-clock nanoseconds since the Unix epoch. Lock files carry wall-clock times
 * because other processes (and OpenViking) compare them with their own clocks; tests inject a
 * manual clock to simulate clock jumps.
 */
@FunctionalInterface
public interface WallClock
{
    /**
     * The current wall-clock time.
     *
     * @return nanoseconds since 1970-01-01T00:00:00Z; may jump when the system clock is set.
     */
    long epochNanos();

    /**
     * The system's wall clock at the finest resolution the JDK offers.
     *
     * @return a clock reading {@link java.time.Instant#now()}.
     */
    static WallClock system()
    {
        return () ->
        {
            final java.time.Instant now = java.time.Instant.now();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        };
    }
}

package io.pathlock;

import io.pathlock.time.MonotonicClock;

import java.util.concurrent.atomic.AtomicLong;

/** A nano clock for tests: the real clock plus an offset that a test can advance. */
final class ManualClock implements MonotonicClock
{
    private final AtomicLong offset = new AtomicLong();
    private final boolean frozen;
    private final AtomicLong frozenNow = new AtomicLong(1_000_000_000L);

    private ManualClock(final boolean frozen)
    {
        this.frozen = frozen;
    }

    /** A clock that stands still until advanced. */
    static ManualClock frozen()
    {
        return new ManualClock(true);
    }

    /** The real clock, which a test can move forward. */
    static ManualClock realPlusOffset()
    {
        return new ManualClock(false);
    }

    void advanceMillis(final long ms)
    {
        offset.addAndGet(ms * 1_000_000L);
        frozenNow.addAndGet(ms * 1_000_000L);
    }

    @Override
    public long nanoTime()
    {
        return frozen ? frozenNow.get() : System.nanoTime() + offset.get();
    }
}

package io.pathlock.file;

import io.pathlock.time.MonotonicClock;

import java.util.concurrent.atomic.AtomicLong;

/** The real monotonic clock plus an offset that a test moves forward (no sleeping). */
final class TestClock implements MonotonicClock
{
    private final AtomicLong offset = new AtomicLong();

    void advance(final java.time.Duration d)
    {
        offset.addAndGet(d.toNanos());
    }

    /**
     * The wall clock moved by the same offset, for {@link FileLockStore.Builder#wallClock}.
     *
     * @return nanoseconds since the epoch.
     */
    long wallNanos()
    {
        return FileLockStore.systemWallNanos() + offset.get();
    }

    @Override
    public long nanoTime()
    {
        return System.nanoTime() + offset.get();
    }
}

package io.pathlock.redo;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Live counters of a {@link RedoLog}, for the observer: task gauges, replay outcomes, and the group
 * commit figures (batch sizes and sync times). Each JFR {@link RedoFlushEvent} carries the same
 * figures per batch.
 * <p>
 * Thread-safe: getters read the latest values; counters are independent, so a set of getter calls
 * is not an atomic snapshot.
 */
public final class RedoStats
{
    final AtomicLong pending = new AtomicLong();
    final AtomicLong quarantinedNow = new AtomicLong();
    final AtomicLong replayed = new AtomicLong();
    final AtomicLong failedAttempts = new AtomicLong();
    final AtomicLong timedOutAttempts = new AtomicLong();
    final AtomicLong quarantined = new AtomicLong();
    final AtomicLong unhandled = new AtomicLong();
    final AtomicLong batches = new AtomicLong();
    final AtomicLong records = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong maxBatchRecords = new AtomicLong();
    final AtomicLong lastBatchRecords = new AtomicLong();
    final AtomicLong syncs = new AtomicLong();
    final AtomicLong syncNanosTotal = new AtomicLong();
    final AtomicLong syncNanosMax = new AtomicLong();
    final AtomicLong lastSyncNanos = new AtomicLong();
    final AtomicLong failedAppends = new AtomicLong();
    final AtomicLong segmentsCreated = new AtomicLong();
    final AtomicLong segmentsDeleted = new AtomicLong();
    final AtomicLong carriedForward = new AtomicLong();
    final AtomicLong backPressureWaits = new AtomicLong();

    RedoStats()
    {
    }

    /**
     * @return tasks begun and not done, quarantined ones included.
     */
    public long pending()
    {
        return pending.get();
    }

    /**
     * @return tasks currently quarantined in the log.
     */
    public long quarantinedTasks()
    {
        return quarantinedNow.get();
    }

    /**
     * @return tasks replayed successfully by recovery since open.
     */
    public long replayed()
    {
        return replayed.get();
    }

    /**
     * @return failed replay attempts (errors and timeouts) since open.
     */
    public long failedAttempts()
    {
        return failedAttempts.get();
    }

    /**
     * @return replay attempts that timed out since open.
     */
    public long timedOutAttempts()
    {
        return timedOutAttempts.get();
    }

    /**
     * @return tasks quarantined by recovery since open.
     */
    public long quarantined()
    {
        return quarantined.get();
    }

    /**
     * @return recovered tasks left pending by the last recovery pass because no handler was registered.
     */
    public long unhandled()
    {
        return unhandled.get();
    }

    /**
     * @return batches written.
     */
    public long batches()
    {
        return batches.get();
    }

    /**
     * @return records written.
     */
    public long records()
    {
        return records.get();
    }

    /**
     * @return bytes written, segment headers excluded.
     */
    public long bytes()
    {
        return bytes.get();
    }

    /**
     * @return records in the largest batch.
     */
    public long maxBatchRecords()
    {
        return maxBatchRecords.get();
    }

    /**
     * @return records in the latest batch.
     */
    public long lastBatchRecords()
    {
        return lastBatchRecords.get();
    }

    /**
     * @return mean records per batch, 0 before the first batch.
     */
    public double meanBatchRecords()
    {
        final long b = batches.get();
        return 0 == b ? 0 : (double)records.get() / b;
    }

    /**
     * @return data syncs of batches.
     */
    public long syncs()
    {
        return syncs.get();
    }

    /**
     * @return total time spent in batch syncs, in nanoseconds.
     */
    public long syncNanosTotal()
    {
        return syncNanosTotal.get();
    }

    /**
     * @return longest batch sync, in nanoseconds.
     */
    public long syncNanosMax()
    {
        return syncNanosMax.get();
    }

    /**
     * @return latest batch sync, in nanoseconds.
     */
    public long lastSyncNanos()
    {
        return lastSyncNanos.get();
    }

    /**
     * @return records whose append failed (I/O error, full disk, or a stopped log).
     */
    public long failedAppends()
    {
        return failedAppends.get();
    }

    /**
     * @return segments created since open.
     */
    public long segmentsCreated()
    {
        return segmentsCreated.get();
    }

    /**
     * @return segments deleted by compaction since open.
     */
    public long segmentsDeleted()
    {
        return segmentsDeleted.get();
    }

    /**
     * @return pending tasks copied forward by compaction since open.
     */
    public long carriedForward()
    {
        return carriedForward.get();
    }

    /**
     * @return appends that found the ring full and waited.
     */
    public long backPressureWaits()
    {
        return backPressureWaits.get();
    }

    static void max(final AtomicLong counter, final long value)
    {
        long current;
        while (value > (current = counter.get()))
        {
            if (counter.compareAndSet(current, value))
            {
                return;
            }
        }
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "RedoStats{pending=" + pending() + ", quarantinedTasks=" + quarantinedTasks() +
            ", replayed=" + replayed() + ", failedAttempts=" + failedAttempts() +
            ", timedOutAttempts=" + timedOutAttempts() + ", quarantined=" + quarantined() +
            ", unhandled=" + unhandled() + ", batches=" + batches() + ", records=" + records() +
            ", meanBatchRecords=" + meanBatchRecords() + ", maxBatchRecords=" + maxBatchRecords() +
            ", syncs=" + syncs() + ", syncNanosMax=" + syncNanosMax() + ", failedAppends=" + failedAppends() +
            ", segmentsCreated=" + segmentsCreated() + ", segmentsDeleted=" + segmentsDeleted() +
            ", carriedForward=" + carriedForward() + "}";
    }
}

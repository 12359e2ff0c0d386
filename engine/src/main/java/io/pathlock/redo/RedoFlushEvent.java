package io.pathlock.redo;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/**
 * JFR event committed by the redo writer for every batch it writes: how many records and bytes, and
 * how long the data sync took. Used only by the writer thread.
 */
@Name("io.pathlock.redo.Flush")
@Label("Redo Flush")
@Category({"pathlock", "redo"})
@Description("One group commit of the redo log: a batch written and (if it held BEGIN records) synced")
final class RedoFlushEvent extends Event
{
    /** Records in the batch. */
    @Label("Records")
    int records;

    /** Bytes in the batch. */
    @Label("Bytes")
    @DataAmount
    long bytes;

    /** Whether the batch was synced (it held a record that must be durable). */
    @Label("Synced")
    boolean synced;

    /** Duration of the sync in nanoseconds, 0 if not synced. */
    @Label("Sync Time")
    @Timespan(Timespan.NANOSECONDS)
    long syncNanos;

    /** Segment file the batch was written to. */
    @Label("Segment")
    String segment;

    /** Whether the write or the sync failed. */
    @Label("Failed")
    boolean failed;

    /**
     * Creates an event; the writer sets its fields and commits it.
     */
    RedoFlushEvent()
    {
    }
}

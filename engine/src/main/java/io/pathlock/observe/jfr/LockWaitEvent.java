package io.pathlock.observe.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * JFR event spanning an acquisition that had to wait; its duration is the wait.
 */
@Name("io.pathlock.LockWait")
@Label("Lock Wait")
@Category({"pathlock", "Locks"})
@Description("An acquisition waited for conflicting holders")
public final class LockWaitEvent extends jdk.jfr.Event
{
    /** The owner id of the waiting handle. */
    @Label("Owner")
    public String owner;

    /** The requested locks. */
    @Label("Request")
    public String request;

    /** granted, timeout, interrupted, cancelled or failed. */
    @Label("Outcome")
    public String outcome;

    /** Creates an empty event. */
    public LockWaitEvent()
    {
    }
}

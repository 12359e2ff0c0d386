package io.pathlock.observe.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * JFR event committed when a lock request is refused (busy, or before a wait).
 */
@Name("io.pathlock.LockConflict")
@Label("Lock Conflict")
@Category({"pathlock", "Locks"})
@Description("A lock request was refused by a conflicting holder")
public final class LockConflictEvent extends jdk.jfr.Event
{
    /** The requested locks. */
    @Label("Request")
    public String request;

    /** The conflicting path. */
    @Label("Path")
    public String path;

    /** The conflict reason. */
    @Label("Reason")
    public String reason;

    /** The holder's owner id, if known. */
    @Label("Holder")
    public String holder;

    /** Creates an empty event. */
    public LockConflictEvent()
    {
    }
}

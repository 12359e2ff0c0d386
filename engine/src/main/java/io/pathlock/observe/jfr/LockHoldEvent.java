package io.pathlock.observe.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/**
 * JFR event committed when a handle releases a lock (release, close, loss or collection), with how
 * long the lock was held. Its own duration is the release; {@link #heldFor} is the hold.
 */
@Name("io.pathlock.LockHold")
@Label("Lock Hold")
@Category({"pathlock", "Locks"})
@Description("A lock was held and then released")
public final class LockHoldEvent extends jdk.jfr.Event
{
    /** The owner id of the handle that held it. */
    @Label("Owner")
    public String owner;

    /** The locked path. */
    @Label("Path")
    public String path;

    /** POINT or SUBTREE. */
    @Label("Type")
    public String type;

    /** SHARED or EXCLUSIVE. */
    @Label("Mode")
    public String mode;

    /** The fencing token of the grant. */
    @Label("Fencing Token")
    public long fencingToken;

    /** From grant to release. */
    @Label("Held For")
    @Timespan(Timespan.NANOSECONDS)
    public long heldFor;

    /** released, closed, lost or collected. */
    @Label("Reason")
    public String reason;

    /** Creates an empty event. */
    public LockHoldEvent()
    {
    }
}

package io.pathlock.host;

import io.pathlock.core.LockRequest;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A child JVM for {@link HostTableCrossProcessTest}: attaches to the table, takes POINT(path),
 * prints {@code HELD <slot> <pid>} and waits to be killed.
 */
public final class HostTableChild
{
    private HostTableChild()
    {
    }

    /**
     * Entry point.
     *
     * @param args table file, path.
     * @throws Exception on failure.
     */
    public static void main(final String[] args) throws Exception
    {
        final HostTable table = HostTable.open(Path.of(args[0]),
            new HostTable.Config(256, 8, 64, "none", Duration.ofMillis(2)));
        final HostSession s = table.attach();
        final HostSession.Result r = s.tryAcquire(LockRequest.point(args[1]).entries());
        System.out.println((r.isGranted() ? "HELD " : "REFUSED ") + s.slot() + " " + ProcessHandle.current().pid());
        System.out.flush();
        while (true)
        {
            if (System.in.read() < 0)
            {
                return;
            }
        }
    }
}

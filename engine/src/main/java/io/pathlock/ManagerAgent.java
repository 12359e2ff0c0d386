package io.pathlock;

import org.agrona.concurrent.Agent;

/**
 * The manager's background duty cycle: collects handles idle longer than the configured timeout
 * (by last activity, never by creation time) and runs the store's heartbeat for every handle that
 * holds published locks, so that other processes never take a live lock for stale.
 *
 * <p>Driven by an Agrona {@code AgentRunner}; {@link #doWork()} does a round only when the interval
 * has passed on the manager's clock, so tests drive it with an injected clock and
 * {@link LockManager#runMaintenance()}.
 */
final class ManagerAgent implements Agent
{
    private final LockManager manager;
    private final long intervalNanos;
    private long nextRunNanos;
    private long nextHeartbeatNanos;

    ManagerAgent(final LockManager manager, final long intervalNanos)
    {
        this.manager = manager;
        this.intervalNanos = intervalNanos;
        this.nextRunNanos = manager.clock.nanoTime() + intervalNanos;
        this.nextHeartbeatNanos = nextRunNanos;
    }

    @Override
    public int doWork()
    {
        final long now = manager.clock.nanoTime();
        manager.tick(now);
        if (now - nextRunNanos < 0)
        {
            return 0;
        }
        nextRunNanos = now + intervalNanos;
        return round(now, false);
    }

    int runOnce()
    {
        return round(manager.clock.nanoTime(), true);
    }

    private int round(final long now, final boolean forceHeartbeat)
    {
        int work = 0;
        final long idle = manager.handleIdleTimeoutNanos;
        if (idle > 0)
        {
            for (final LockHandle h : manager.handles.openHandles())
            {
                if (now - h.lastActiveNanos() > idle && h.collect(now))
                {
                    work++;
                }
            }
        }
        final long hb = manager.store.heartbeatInterval().toNanos();
        if (hb > 0 && (forceHeartbeat || now - nextHeartbeatNanos >= 0))
        {
            nextHeartbeatNanos = now + hb;
            for (final LockHandle h : manager.handles.openHandles())
            {
                work += h.heartbeat();
            }
        }
        return work;
    }

    @Override
    public String roleName()
    {
        return "pathlock-agent";
    }
}

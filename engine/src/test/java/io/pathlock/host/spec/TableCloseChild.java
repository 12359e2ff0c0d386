package io.pathlock.host.spec;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.host.HostLockStore;
import io.pathlock.host.HostSession;
import io.pathlock.host.HostTable;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Uses of a table and a store after they were closed, in a child JVM because a use of unmapped
 * memory kills the whole JVM (SIGSEGV): every call must throw (or be a documented no-op), never
 * crash. Prints one line per call and "END" last.
 */
public final class TableCloseChild
{
    private TableCloseChild()
    {
    }

    /**
     * Entry point.
     *
     * @param args the root directory.
     * @throws Exception on failure (the parent reads the output).
     */
    public static void main(final String[] args) throws Exception
    {
        final Path root = Path.of(args[0]);
        final List<LockRequest.Entry> e = List.of(new LockRequest.Entry(LockPath.parse("/a"), LockType.POINT, LockMode.EXCLUSIVE));
        final HostTable t = HostTable.open(root.resolve("table"), HostTable.Config.defaults("none"));
        final HostSession s = t.attach();
        final HostSession other = t.attach();
        final HostSession.Result granted = s.tryAcquire(e);
        final HostSession.Result refused = other.tryAcquire(e);
        System.out.println("GRANTED " + granted.isGranted() + " REFUSED " + !refused.isGranted());
        t.close();
        final String which = args[1];
        switch (which)
        {
            case "tryAcquire":
                call(which, () -> s.tryAcquire(e));
                break;
            case "release":
                call(which, () ->
                {
                    s.release(granted.grant());
                    return null;
                });
                break;
            case "isIntact":
                call(which, () -> s.isIntact(granted.grant()));
                break;
            case "await":
                call(which, () ->
                {
                    other.await(refused.blocker(), Duration.ofMillis(10).toNanos());
                    return null;
                });
                break;
            case "markPending":
                call(which, () ->
                {
                    other.markPending(refused.blocker());
                    return null;
                });
                break;
            case "clearMarks":
                call(which, () ->
                {
                    other.clearMarks();
                    return null;
                });
                break;
            case "slot":
                call(which, s::slot);
                break;
            case "sessionClose":
                call(which, () ->
                {
                    s.close();
                    return null;
                });
                break;
            case "attach":
                call(which, t::attach);
                break;
            case "locks":
                call(which, t::locks);
                break;
            case "slots":
                call(which, t::slots);
                break;
            case "nodesInUse":
                call(which, t::nodesInUse);
                break;
            case "recoverDead":
                call(which, t::recoverDead);
                break;
            case "breakSlot":
                call(which, () -> t.breakSlot(other.slot(), true));
                break;
            case "waiterClose":
                waiterClose(root);
                break;
            default:
                throw new IllegalArgumentException(which);
        }
        System.out.println("END");
    }

    /** A waiter blocked in the store while its manager closes. */
    private static void waiterClose(final Path root) throws Exception
    {
        final LockManager holder = LockManager.builder().store(HostLockStore.builder(root).interop("none").build()).startAgent(false).build();
        final LockManager waiting = LockManager.builder().store(HostLockStore.builder(root).interop("none").build()).startAgent(false).build();
        final LockHandle h = holder.open("holder");
        h.tryAcquire(LockRequest.point("/w"));
        final CountDownLatch ended = new CountDownLatch(1);
        final Thread w = new Thread(() ->
        {
            try (LockHandle x = waiting.open("w"))
            {
                x.acquire(LockRequest.point("/w"), Duration.ofSeconds(60));
                System.out.println("WAITER granted");
            }
            catch (final Throwable x)
            {
                System.out.println("WAITER " + x.getClass().getSimpleName());
            }
            ended.countDown();
        });
        w.start();
        HostSpec.awaitWaiter(waiting);
        waiting.close();
        ended.await();
        holder.close();
    }

    private interface Call
    {
        Object run() throws Exception;
    }

    private static void call(final String name, final Call c)
    {
        try
        {
            System.out.println("CALL " + name + " returned " + c.run());
        }
        catch (final Throwable x)
        {
            System.out.println("CALL " + name + " threw " + x.getClass().getSimpleName() + ": " + x.getMessage());
        }
    }
}

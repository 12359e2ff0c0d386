package io.pathlock.redo;

import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;

/**
 * Child JVM of {@link RedoKillNineTest}: appends from several threads forever and prints
 * {@code ACK <taskId> <payload> END} on stdout after each {@code begin} returns (the record is
 * durable), and {@code DONE <taskId> END} after it marks every third task done. The parent kills it
 * with SIGKILL.
 */
public final class RedoKillChild
{
    private RedoKillChild()
    {
    }

    /**
     * @param args redo directory, thread count.
     * @throws Exception on any failure (the parent sees the exit).
     */
    public static void main(final String[] args) throws Exception
    {
        final RedoLog log = RedoLog.open(new RedoLogConfig()
            .directory(Paths.get(args[0]))
            .segmentSize(8 * 1024)
            .compactionLag(0)
            .ringCapacity(64 * 1024)
            .maxPayload(1024));
        final int threads = Integer.parseInt(args[1]);
        final Object out = new Object();
        for (int t = 0; t < threads; t++)
        {
            final int thread = t;
            final Thread worker = new Thread(() ->
            {
                for (int i = 0; ; i++)
                {
                    final String payload = thread + ":" + i;
                    final RedoTicket ticket = log.begin("kill", payload.getBytes(StandardCharsets.UTF_8));
                    synchronized (out)
                    {
                        System.out.println("ACK " + ticket.taskId() + " " + payload + " END");
                        System.out.flush();
                    }
                    if (i % 3 == 0)
                    {
                        ticket.done();
                        synchronized (out)
                        {
                            System.out.println("DONE " + ticket.taskId() + " END");
                            System.out.flush();
                        }
                    }
                }
            });
            worker.start();
        }
        System.out.println("STARTED");
        System.out.flush();
        Thread.currentThread().join();
    }
}

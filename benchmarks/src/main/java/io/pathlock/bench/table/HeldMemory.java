package io.pathlock.bench.table;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Locale;

/**
 * Issue 11: memory per held lock. One handle takes 100,000 POINT locks on distinct files
 * ({@code /mem/d<i % 256>/f<i>}, depth 3); the heap retained after a full GC is compared with the
 * heap retained before the first acquisition, when the caller's requests (and their paths) already
 * exist. The difference divided by the count is what the engine keeps per held lock beyond the path
 * itself: trie node and its entry in the parent's child map, grant record, the handle's held set.
 * Goal: at most 128 B. (The naive map of read-write locks cannot take part: a JDK read lock counts
 * at most 65,535 holds, so it cannot hold 100,000 locks below one ancestor.)
 *
 * <p>Prints a Markdown table (for the report): {@code bytes/lock}.
 * Heap figures come from {@link MemoryMXBean} after repeated {@code System.gc()}; run it with a
 * collector that compacts on {@code System.gc()} (the default G1 does).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.pathlock.bench.table.HeldMemory [--locks N] [--smoke]}
 */
public final class HeldMemory
{
    private HeldMemory()
    {
    }

    /**
     * Measures and prints the table.
     *
     * @param args {@code --locks N} (default 100,000), {@code --smoke} (10,000).
     */
    public static void main(final String[] args)
    {
        int locks = 100_000;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--locks" -> locks = Integer.parseInt(args[++i]);
                case "--smoke" -> locks = 10_000;
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (--locks N, --smoke)");
            }
        }
        final LockRequest[] requests = new LockRequest[locks];
        for (int i = 0; i < locks; i++)
        {
            requests[i] = LockRequest.point("/mem/d" + (i % 256) + "/f" + i);
        }
        final double pathlock = pathlockBytes(requests);
        System.out.printf(Locale.ROOT, "memory per held lock: %,d POINT locks held by one handle, depth 3, heap after full GC%n%n", locks);
        System.out.println("| run | locks | bytes/lock |");
        System.out.println("|---|---:|---:|");
        System.out.printf(Locale.ROOT, "| pathlock | %d | %.1f |%n", locks, pathlock);
    }

    private static double pathlockBytes(final LockRequest[] requests)
    {
        try (LockManager manager = LockManager.builder().startAgent(false).build())
        {
            final LockHandle h = manager.open("memory");
            final long before = usedAfterGc();
            for (final LockRequest r : requests)
            {
                h.tryAcquire(r);
            }
            final long after = usedAfterGc();
            if (h.locks().size() != requests.length)
            {
                throw new IllegalStateException("expected " + requests.length + " locks held, got " + h.locks().size());
            }
            h.close();
            return (after - before) / (double)requests.length;
        }
    }

    private static long usedAfterGc()
    {
        final MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++)
        {
            System.gc();
            used = Math.min(used, mx.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}

package io.pathlock.redo;

import static io.pathlock.redo.RedoTestSupport.bytes;
import static io.pathlock.redo.RedoTestSupport.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 32 threads append at once: nothing lost, nothing duplicated, and each thread's records are in the
 * log in the order that thread appended them (one segment, so compaction does not move records;
 * rolling and compaction under concurrent appends are exercised by {@link RedoKillNineTest}).
 * Appends are group-committed: fewer syncs than records.
 */
class RedoConcurrentAppendTest
{
    private static final int THREADS = 32;
    private static final int PER_THREAD = 150;

    @TempDir
    Path dir;

    @Test
    void nothingLostNothingDuplicatedOrderPerThreadPreserved() throws Exception
    {
        final Map<Long, String> acknowledged = new HashMap<>();
        final RedoStats stats;
        try (RedoLog log = RedoLog.open(RedoTestSupport.config(dir)))
        {
            final CyclicBarrier start = new CyclicBarrier(THREADS);
            final ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            final List<Future<Map<Long, String>>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++)
            {
                final int thread = t;
                results.add(pool.submit(() ->
                {
                    final Map<Long, String> mine = new HashMap<>();
                    start.await();
                    for (int i = 0; i < PER_THREAD; i++)
                    {
                        final String payload = thread + ":" + i;
                        final RedoTicket ticket = log.begin("t" + (thread % 4), bytes(payload));
                        if (i % 3 == 0)
                        {
                            ticket.done();
                        }
                        else
                        {
                            mine.put(ticket.taskId(), payload);
                        }
                    }
                    return mine;
                }));
            }
            for (final Future<Map<Long, String>> result : results)
            {
                for (final Map.Entry<Long, String> e : result.get().entrySet())
                {
                    assertEquals(null, acknowledged.put(e.getKey(), e.getValue()), "task id issued twice");
                }
            }
            pool.shutdown();
            stats = log.stats();
        }
        // close() wrote the DONE records still in the ring (they are not synced per record).
        assertEquals(acknowledged.size(), stats.pending());

        assertTrue(stats.syncs() < THREADS * PER_THREAD, "group commit: " + stats);
        assertTrue(stats.records() >= THREADS * PER_THREAD, "every BEGIN written: " + stats);

        // Reopen: exactly the not-done tasks, each once, with their payloads.
        final RedoLogContents contents = RedoLogReader.read(dir);
        final Map<Long, String> found = new HashMap<>();
        final List<RedoTaskInfo> pending = new ArrayList<>(contents.pending());
        try (RedoLog log = RedoLog.open(RedoTestSupport.manualConfig(dir)))
        {
            for (final RedoTask task : log.recoveredTasks())
            {
                assertEquals(null, found.put(task.taskId(), string(task.payload())), "duplicated " + task);
            }
        }
        assertEquals(acknowledged, found);

        // Per-thread order in the file (segment, offset) follows each thread's append order.
        pending.sort((a, b) -> a.segment().equals(b.segment()) ?
            Long.compare(a.offset(), b.offset()) : a.segment().compareTo(b.segment()));
        final int[] lastSeq = new int[THREADS];
        java.util.Arrays.fill(lastSeq, -1);
        final Set<Integer> threadsSeen = new HashSet<>();
        for (final RedoTaskInfo info : pending)
        {
            final String[] parts = found.get(info.taskId()).split(":");
            final int thread = Integer.parseInt(parts[0]);
            final int seq = Integer.parseInt(parts[1]);
            assertTrue(seq > lastSeq[thread], "thread " + thread + " seq " + seq + " after " + lastSeq[thread]);
            lastSeq[thread] = seq;
            threadsSeen.add(thread);
        }
        assertEquals(THREADS, threadsSeen.size());
    }
}

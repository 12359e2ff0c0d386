package io.pathlock.host;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Threads of two sessions take random batches (POINT/SUBTREE, shared/exclusive) over a small tree,
 * waiting with await (no sleeps), and an independent recorder checks that no two holds of
 * DIFFERENT sessions that conflict (per {@link LockRequest.Entry#conflictsWith}) ever overlap (H2).
 * Threads of one session may overlap: a session's own locks never conflict by design (the
 * process's in-process table arbitrates its threads).
 */
class HostTableConcurrencyTest
{
    @TempDir
    Path dir;

    /** Holders per (session, path, kind), checked by each holder at the start and end of its hold. */
    static final class Recorder
    {
        final List<LockPath> paths;
        final int sessions;
        final AtomicIntegerArray holders;
        final Queue<String> violations = new ConcurrentLinkedQueue<>();
        final AtomicLong grants = new AtomicLong();

        Recorder(final List<LockPath> paths, final int sessions)
        {
            this.paths = paths;
            this.sessions = sessions;
            this.holders = new AtomicIntegerArray(sessions * paths.size() * 4);
        }

        static int kind(final LockRequest.Entry e)
        {
            return (e.type() == LockType.SUBTREE ? 2 : 0) + (e.isShared() ? 1 : 0);
        }

        static LockRequest.Entry entry(final LockPath p, final int kind)
        {
            return new LockRequest.Entry(p, kind >= 2 ? LockType.SUBTREE : LockType.POINT,
                (kind & 1) == 1 ? LockMode.SHARED : LockMode.EXCLUSIVE);
        }

        int index(final int session, final LockPath p, final int kind)
        {
            return (session * paths.size() + paths.indexOf(p)) * 4 + kind;
        }

        void enter(final int session, final List<LockRequest.Entry> req)
        {
            grants.incrementAndGet();
            for (final LockRequest.Entry e : req)
            {
                holders.incrementAndGet(index(session, e.path(), kind(e)));
            }
            check(session, req);
        }

        void exit(final int session, final List<LockRequest.Entry> req)
        {
            check(session, req);
            for (final LockRequest.Entry e : req)
            {
                holders.decrementAndGet(index(session, e.path(), kind(e)));
            }
        }

        void check(final int session, final List<LockRequest.Entry> req)
        {
            for (int other = 0; other < sessions; other++)
            {
                if (other == session)
                {
                    continue;
                }
                for (final LockPath p : paths)
                {
                    for (int k = 0; k < 4; k++)
                    {
                        if (holders.get(index(other, p, k)) == 0)
                        {
                            continue;
                        }
                        final LockRequest.Entry theirs = entry(p, k);
                        for (final LockRequest.Entry mine : req)
                        {
                            if (theirs.conflictsWith(mine))
                            {
                                violations.add("session " + other + " holds " + theirs + " while session " + session
                                    + " holds " + mine);
                            }
                        }
                    }
                }
            }
        }
    }

    static List<LockPath> tree()
    {
        final List<LockPath> paths = new ArrayList<>();
        paths.add(LockPath.root());
        for (int i = 0; i < 3; i++)
        {
            paths.add(LockPath.parse("/d" + i));
            for (int j = 0; j < 3; j++)
            {
                paths.add(LockPath.parse("/d" + i + "/e" + j));
                for (int k = 0; k < 2; k++)
                {
                    paths.add(LockPath.parse("/d" + i + "/e" + j + "/f" + k));
                }
            }
        }
        return paths;
    }

    @Test
    void conflictingHoldsOfTwoSessionsNeverOverlap() throws Exception
    {
        final List<LockPath> paths = tree();
        final int sessionsN = 2;
        final int threadsPerSession = 2;
        final int iterations = 1500;
        // a capacity below the tree's size, so that reclamation runs during the load
        try (HostTable table = HostTable.open(dir.resolve("table"),
            new HostTable.Config(28, 4, 256, "none", HostTable.LIVENESS_CHECK_DEFAULT)))
        {
            final HostSession[] sessions = new HostSession[sessionsN];
            for (int s = 0; s < sessionsN; s++)
            {
                sessions[s] = table.attach();
            }
            final Recorder recorder = new Recorder(paths, sessionsN);
            final int threads = sessionsN * threadsPerSession;
            final CyclicBarrier start = new CyclicBarrier(threads);
            final ExecutorService pool = Executors.newFixedThreadPool(threads);
            final AtomicLong waits = new AtomicLong();
            try
            {
                final List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < threads; t++)
                {
                    final int sessionIndex = t % sessionsN;
                    final HostSession session = sessions[sessionIndex];
                    final long seed = 42 + t;
                    fs.add(pool.submit(() -> {
                        final Random rnd = new Random(seed);
                        start.await(30, TimeUnit.SECONDS);
                        for (int it = 0; it < iterations; it++)
                        {
                            final LockRequest.Builder b = LockRequest.builder();
                            final int count = 1 + rnd.nextInt(3);
                            for (int c = 0; c < count; c++)
                            {
                                b.add(paths.get(rnd.nextInt(paths.size())), rnd.nextInt(4) == 0 ? LockType.SUBTREE : LockType.POINT,
                                    rnd.nextBoolean() ? LockMode.SHARED : LockMode.EXCLUSIVE);
                            }
                            final List<LockRequest.Entry> req = b.build().entries();
                            HostSession.Result r = session.tryAcquire(req);
                            while (!r.isGranted())
                            {
                                waits.incrementAndGet();
                                if (rnd.nextBoolean())
                                {
                                    session.markPending(r.blocker());
                                }
                                session.await(r.blocker(), TimeUnit.MILLISECONDS.toNanos(100));
                                r = session.tryAcquire(req);
                            }
                            session.clearMarks();
                            recorder.enter(sessionIndex, req);
                            Thread.yield();
                            recorder.exit(sessionIndex, req);
                            session.release(r.grant());
                        }
                        return null;
                    }));
                }
                for (final Future<?> f : fs)
                {
                    f.get(120, TimeUnit.SECONDS);
                }
            }
            finally
            {
                pool.shutdownNow();
            }
            assertEquals(List.of(), new ArrayList<>(recorder.violations));
            assertEquals((long)threads * iterations, recorder.grants.get());
            assertTrue(waits.get() > 0, "the load never conflicted");
            for (final HostSession s : sessions)
            {
                s.clearMarks();
            }
            assertEquals(List.of(), table.checkConsistency());
            assertTrue(table.nodeCounts().isEmpty(), table.nodeCounts().keySet().toString());
        }
    }
}

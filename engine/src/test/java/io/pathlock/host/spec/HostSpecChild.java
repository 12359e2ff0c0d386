package io.pathlock.host.spec;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockMode;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.host.HostLockStore;
import io.pathlock.observe.LockSnapshot;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A pathlock process for the spec tests: opens a host store on a root and obeys lines on stdin,
 * answering on stdout, so that the parent orders events by handshakes, never by sleeping.
 *
 * <pre>
 * args: ROOT INTEROP|file-DIALECT    prints "READY pid", or "OPEN-ERROR class: message" and exits 2
 * lock ID T M PATH                   T = P|S, M = X|S; acquires (60 s guard): "HELD ID token" | "ERROR ID ..."
 * wait ID T M PATH                   acquires on a thread; "WAITING ID" once refused and waiting, then "HELD ID token"
 * release ID                         closes the handle: "RELEASED ID"
 * churn N SEED                       N random acquire/release rounds on 2 threads: "CHURNED"
 * count N FILE SEED                  N read-modify-write increments of FILE under a lock that meets
 *                                    POINT /counter (chosen at random): "COUNTED"
 * critical N LOG SEED                N rounds: a random lock that meets POINT /counter, then "S tag" and
 *                                    "E tag" appended (O_APPEND) to LOG inside it: "CRITICAL-DONE"
 * lockfor ID T M PATH MILLIS          as lock, waiting at most MILLIS: "HELD ID token" | "ERROR ID ..."
 * admin                              opens the root's table for administration in this process, reads
 *                                    slots and locks, recovers dead slots, closes it: "ADMIN slots locks recovered"
 * batches N LOG SEED                 N random batches on 2 threads, each grant logged (O_APPEND) as
 *                                    "G tag entry;entry..." and its release as "R tag": "BATCHES-DONE"
 * valid ID                           "VALID ID true|false": whether the handle still has its locks
 * exit                               closes the manager: "BYE"
 * </pre>
 */
public final class HostSpecChild
{
    private static final Duration GUARD = Duration.ofSeconds(60);

    private HostSpecChild()
    {
    }

    /**
     * Entry point.
     *
     * @param args root and interop mode.
     * @throws Exception on failure (the parent reads the output).
     */
    public static void main(final String[] args) throws Exception
    {
        final LockManager m;
        try
        {
            // "file-ragfs" / "file-ov431": a lock-file-only pathlock process (control runs without the host table).
            m = LockManager.builder()
                .store(args[1].startsWith("file-") ?
                    io.pathlock.file.FileLockStore.builder(Path.of(args[0]))
                        .dialect("file-ragfs".equals(args[1]) ? io.pathlock.file.Dialect.RAGFS : io.pathlock.file.Dialect.OV431).build() :
                    HostLockStore.builder(Path.of(args[0])).interop(args[1]).build())
                .startAgent(false)
                .build();
        }
        catch (final Exception e)
        {
            System.out.println("OPEN-ERROR " + e.getClass().getName() + ": " + oneLine(e.getMessage()));
            System.out.flush();
            System.exit(2);
            return;
        }
        System.out.println("READY " + ProcessHandle.current().pid());
        final Map<String, LockHandle> handles = new ConcurrentHashMap<>();
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null)
        {
            final String[] w = line.trim().split(" ");
            switch (w[0])
            {
                case "lock":
                {
                    final LockHandle h = m.open("child-" + w[1]);
                    try
                    {
                        h.acquire(request(w[2], w[3], w[4]), GUARD);
                        handles.put(w[1], h);
                        System.out.println("HELD " + w[1] + " " + h.fencingToken(w[4]));
                    }
                    catch (final Exception e)
                    {
                        h.close();
                        System.out.println("ERROR " + w[1] + " " + e.getClass().getSimpleName() + ": " + oneLine(e.getMessage()));
                    }
                    break;
                }
                case "wait":
                {
                    final LockHandle h = m.open("child-" + w[1]);
                    final String id = w[1];
                    final LockRequest r = request(w[2], w[3], w[4]);
                    final String path = w[4];
                    final Thread t = new Thread(() ->
                    {
                        try
                        {
                            h.acquire(r, GUARD);
                            handles.put(id, h);
                            System.out.println("HELD " + id + " " + h.fencingToken(path));
                        }
                        catch (final Exception e)
                        {
                            System.out.println("ERROR " + id + " " + e.getClass().getSimpleName() + ": " + oneLine(e.getMessage()));
                        }
                    }, "wait-" + id);
                    t.start();
                    waitForWaiter(m, h.ownerId());
                    System.out.println("WAITING " + id);
                    break;
                }
                case "release":
                {
                    final LockHandle h = handles.remove(w[1]);
                    if (h != null)
                    {
                        h.close();
                    }
                    System.out.println("RELEASED " + w[1]);
                    break;
                }
                case "churn":
                    churn(m, Integer.parseInt(w[1]), Long.parseLong(w[2]));
                    System.out.println("CHURNED");
                    break;
                case "lockfor":
                {
                    final LockHandle h = m.open("child-" + w[1]);
                    try
                    {
                        h.acquire(request(w[2], w[3], w[4]), Duration.ofMillis(Long.parseLong(w[5])));
                        handles.put(w[1], h);
                        System.out.println("HELD " + w[1] + " " + h.fencingToken(w[4]));
                    }
                    catch (final Exception e)
                    {
                        h.close();
                        System.out.println("ERROR " + w[1] + " " + e.getClass().getSimpleName() + ": " + oneLine(e.getMessage()));
                    }
                    break;
                }
                case "admin":
                    try (io.pathlock.host.HostTable t = HostLockStore.openTable(Path.of(args[0])))
                    {
                        final int slots = t.slots().size();
                        final int locks = t.locks().size();
                        System.out.println("ADMIN " + slots + " " + locks + " " + t.recoverDead());
                    }
                    break;
                case "batches":
                {
                    final List<Thread> ts = new ArrayList<>();
                    for (int t = 0; t < 2; t++)
                    {
                        final String tag = "c" + ProcessHandle.current().pid() + "t" + t;
                        final Random rnd = new Random(Long.parseLong(w[3]) * 7 + t);
                        final int n = Integer.parseInt(w[1]);
                        final Path log = Path.of(w[2]);
                        ts.add(new Thread(() -> loggedBatches(m, n, log, rnd, tag)));
                    }
                    ts.forEach(Thread::start);
                    for (final Thread t : ts)
                    {
                        t.join();
                    }
                    System.out.println("BATCHES-DONE");
                    break;
                }
                case "valid":
                {
                    final LockHandle h = handles.get(w[1]);
                    System.out.println("VALID " + w[1] + " " + (h != null && h.isValid()));
                    break;
                }
                case "critical":
                    critical(m, Integer.parseInt(w[1]), Path.of(w[2]), Long.parseLong(w[3]), "c" + ProcessHandle.current().pid());
                    System.out.println("CRITICAL-DONE");
                    break;
                case "count":
                    count(m, Integer.parseInt(w[1]), Path.of(w[2]), Long.parseLong(w[3]));
                    System.out.println("COUNTED");
                    break;
                case "exit":
                    m.close();
                    System.out.println("BYE");
                    System.out.flush();
                    return;
                default:
                    System.out.println("UNKNOWN " + line);
            }
        }
        m.close();
    }

    static LockRequest request(final String type, final String mode, final String path)
    {
        return LockRequest.builder()
            .add(path, "S".equals(type) ? LockType.SUBTREE : LockType.POINT, "S".equals(mode) ? LockMode.SHARED : LockMode.EXCLUSIVE)
            .build();
    }

    private static void waitForWaiter(final LockManager m, final String ownerId)
    {
        final long deadline = System.nanoTime() + GUARD.toNanos();
        while (System.nanoTime() < deadline)
        {
            for (final LockSnapshot.WaiterInfo wi : m.snapshot().waiters())
            {
                if (wi.ownerId().equals(ownerId) && wi.blockedBy() != null)
                {
                    return;
                }
            }
            Thread.yield();
        }
        System.out.println("ERROR waiter " + ownerId + " never registered");
    }

    /** Random batches of POINT/SUBTREE, shared/exclusive, on a small tree, from two threads. */
    private static void churn(final LockManager m, final int rounds, final long seed) throws InterruptedException
    {
        final List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++)
        {
            final Random rnd = new Random(seed * 31 + t);
            threads.add(new Thread(() ->
            {
                try (LockHandle h = m.open("churn"))
                {
                    for (int i = 0; i < rounds; i++)
                    {
                        h.acquire(randomBatch(rnd), GUARD);
                        h.releaseAll();
                    }
                }
                catch (final Exception e)
                {
                    System.out.println("ERROR churn " + e.getClass().getSimpleName() + ": " + oneLine(e.getMessage()));
                }
            }, "churn-" + t));
        }
        for (final Thread t : threads)
        {
            t.start();
        }
        for (final Thread t : threads)
        {
            t.join();
        }
    }

    /** Requests that all meet POINT /counter/n of another owner. */
    static LockRequest counterRequest(final Random rnd)
    {
        switch (rnd.nextInt(5))
        {
            case 0:
                return LockRequest.subtree("/");
            case 1:
                return LockRequest.subtree("/counter");
            case 2:
                return LockRequest.point("/counter", "/other/" + rnd.nextInt(4));
            case 3:
                return LockRequest.mv("/counter", "/other", true);
            default:
                return LockRequest.point("/counter");
        }
    }

    /** Read-modify-write of a decimal counter, not atomic by itself: only the lock keeps updates from being lost. */
    static void increment(final Path file) throws java.io.IOException
    {
        final String text = java.nio.file.Files.exists(file) ? java.nio.file.Files.readString(file).trim() : "";
        final long v = text.isEmpty() ? 0 : Long.parseLong(text);
        java.nio.file.Files.writeString(file, Long.toString(v + 1));
    }

    private static void count(final LockManager m, final int n, final Path file, final long seed)
    {
        final Random rnd = new Random(seed);
        try (LockHandle h = m.open("counter"))
        {
            for (int i = 0; i < n; i++)
            {
                h.acquire(counterRequest(rnd), GUARD);
                increment(file);
                h.releaseAll();
            }
        }
        catch (final Exception e)
        {
            System.out.println("ERROR count " + e.getClass().getSimpleName() + ": " + oneLine(e.getMessage()));
        }
    }

    /** One line appended with O_APPEND (one write(2), atomic for a short line). */
    static void append(final Path log, final String line) throws java.io.IOException
    {
        java.nio.file.Files.write(log, (line + "\n").getBytes(StandardCharsets.US_ASCII),
            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.APPEND);
    }

    /** Rounds of a critical section that only appends its start (with its fencing token) and end to the log. */
    static void critical(final LockManager m, final int n, final Path log, final long seed, final String tag)
    {
        final Random rnd = new Random(seed);
        try (LockHandle h = m.open("critical"))
        {
            for (int i = 0; i < n; i++)
            {
                criticalRound(h, rnd, log, tag + "-" + i);
            }
        }
        catch (final Exception e)
        {
            System.out.println("ERROR critical " + e.getClass().getSimpleName() + ": " + oneLine(e.getMessage()));
        }
    }

    /**
     * One critical section: a random lock that meets POINT /counter, then "S tag token" and "E tag"
     * appended to the log, then release. The token is the largest of the grant's locks.
     */
    static void criticalRound(final LockHandle h, final Random rnd, final Path log, final String tag) throws Exception
    {
        h.acquire(counterRequest(rnd), GUARD);
        long token = -1;
        for (final io.pathlock.core.HeldLock l : h.locks())
        {
            token = Math.max(token, l.fencingToken());
        }
        append(log, "S " + tag + " " + token);
        append(log, "E " + tag);
        h.releaseAll();
    }

    /** Random batches, each grant and release logged; errors are printed. */
    static void loggedBatches(final LockManager m, final int n, final Path log, final Random rnd, final String tag)
    {
        try (LockHandle h = m.open("batches"))
        {
            for (int i = 0; i < n; i++)
            {
                final LockRequest r = randomBatch(rnd);
                h.acquire(r, GUARD);
                final StringBuilder sb = new StringBuilder("G ").append(tag).append(' ');
                for (final LockRequest.Entry e : r.entries())
                {
                    sb.append(e.type() == LockType.SUBTREE ? 'T' : 'P').append(e.isShared() ? 's' : 'x').append(e.path()).append(';');
                }
                append(log, sb.toString());
                append(log, "R " + tag);
                h.releaseAll();
            }
        }
        catch (final Exception e)
        {
            System.out.println("ERROR batches " + e.getClass().getSimpleName() + ": " + oneLine(e.getMessage()));
            System.out.println("STATE " + tableState(log.getParent()) + " waiters " + m.snapshot().waiters());
        }
    }

    /** The table's holds and slots, for diagnostics. */
    static String tableState(final Path root)
    {
        try (io.pathlock.host.HostTable t = HostLockStore.openTable(root))
        {
            return t == null ? "no table" : "locks " + t.locks() + " slots " + t.slots();
        }
        catch (final RuntimeException e)
        {
            return "unavailable: " + e;
        }
    }

    static final String[] CHURN_PATHS = {"/", "/a", "/a/b", "/a/b/c", "/a/d", "/e", "/e/f", "/e/f/g"};

    static LockRequest randomBatch(final Random rnd)
    {
        final LockRequest.Builder b = LockRequest.builder();
        final int n = 1 + rnd.nextInt(3);
        for (int i = 0; i < n; i++)
        {
            // The root is rare, or every batch would serialise on it.
            final String p = CHURN_PATHS[rnd.nextInt(20) == 0 ? 0 : 1 + rnd.nextInt(CHURN_PATHS.length - 1)];
            b.add(p, rnd.nextInt(3) == 0 ? LockType.SUBTREE : LockType.POINT, rnd.nextBoolean() ? LockMode.SHARED : LockMode.EXCLUSIVE);
        }
        return b.build();
    }

    private static String oneLine(final String s)
    {
        return s == null ? "null" : s.replace('\n', ' ');
    }
}

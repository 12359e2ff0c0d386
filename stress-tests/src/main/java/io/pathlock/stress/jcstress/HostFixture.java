package io.pathlock.stress.jcstress;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.host.HostSession;
import io.pathlock.host.HostTable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Set-up shared by the host-table stress tests: ONE real {@link HostTable} per JVM (a memory-mapped
 * file in a temporary directory, on {@code /dev/shm} when there is one), with three sessions
 * attached to it: {@link #S1} and {@link #S2} for the two actors, {@link #S3} for the arbiter.
 *
 * <p>Why one table per JVM: jcstress 0.16 builds a fresh {@code @State} object for every sample
 * (up to {@code strideSize x strideCount} = 10,240 of them alive at once by default: the arbiter of
 * a sample runs, then its slot gets a new state), and creating and mapping a table per state would
 * make the tests measure file creation. Each state instead takes a top-level directory that no
 * other state in flight uses ({@code /t1}, {@code /t2}, ...): states never share a path, so the
 * only shared node is the root, where states only add intents (never a hold), which never conflict
 * with each other. Tests of counts reuse directories that earlier states left free
 * ({@link #reusedPrefix()}, {@link #recycle}); the insert and reclamation tests take new ones
 * ({@link #prefix()}). Released nodes stay idle and are reclaimed by the table's sweep when its
 * free list runs out. The capacity and the records per session are sized for every state in
 * flight holding at once (jcstress runs the actors of all strides of an epoch before their
 * arbiters).
 */
final class HostFixture
{
    /**
     * Node capacity: above what an epoch of states holds at once (10,240 states x at most 4 held
     * nodes = 40,960, plus the root). The insert test, which takes new directories, runs out of
     * never-used nodes after about 30,000 states and from then on every insert takes a reclaimed
     * node (and sweeps idle leaves whenever the free list is empty); the tests that reuse
     * directories seldom insert after their first epoch, so reclamation rarely runs under them.
     * {@link HostReclaimVsAcquireTest} has a table of its own, full from the start.
     */
    static final int CAPACITY = 1 << 16;
    /** Records per session: one session may hold counts on 4 nodes in each of 10,240 states. */
    static final int RECORDS = 1 << 16;
    /** Slots: three sessions, and room for a fourth if a test needs one. */
    static final int SLOTS = 8;

    static final HostTable TABLE;
    static final HostSession S1;
    static final HostSession S2;
    static final HostSession S3;

    private static final AtomicLong NEXT = new AtomicLong();
    private static final ConcurrentLinkedQueue<String> FREE_PREFIXES = new ConcurrentLinkedQueue<>();

    static
    {
        TABLE = openTable(CAPACITY);
        S1 = TABLE.attach();
        S2 = TABLE.attach();
        S3 = TABLE.attach();
    }

    /**
     * A new table in a new temporary directory (deleted at JVM exit), {@link #SLOTS} slots and
     * {@link #RECORDS} records per session.
     *
     * @param capacity node capacity.
     * @return the table.
     */
    static HostTable openTable(final int capacity)
    {
        try
        {
            final Path shm = Path.of("/dev/shm");
            final Path base = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
            final Path dir = Files.createTempDirectory(base, "pathlock-jcstress-host");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            return HostTable.open(dir.resolve("table"),
                new HostTable.Config(capacity, SLOTS, RECORDS, "none", Duration.ofMillis(2)));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private HostFixture()
    {
    }

    /**
     * A top-level directory no other state uses.
     *
     * @return {@code /tN}.
     */
    static String prefix()
    {
        return prefix(nextId());
    }

    /**
     * A top-level directory no state in flight uses, preferably one an earlier state used and
     * returned with {@link #recycle}: its nodes are then already in the table (idle), so the race is
     * on the counts rather than on inserting nodes (inserting costs about ten times as much, and
     * {@link HostInsertRaceTest} and {@link HostReclaimVsAcquireTest} cover it).
     *
     * @return {@code /tN}.
     */
    static String reusedPrefix()
    {
        final String t = FREE_PREFIXES.poll();
        return t != null ? t : prefix();
    }

    /**
     * Returns a directory for reuse by a later state, if the arbiter found it free (a directory
     * left with counts by a failed sample is never reused, so one failure cannot cause others).
     *
     * @param t    from {@link #reusedPrefix()}.
     * @param free whether session 3 was granted SUBTREE-X on it after every release.
     */
    static void recycle(final String t, final boolean free)
    {
        if (free)
        {
            FREE_PREFIXES.offer(t);
        }
    }

    /**
     * A number no other state has.
     *
     * @return the number.
     */
    static long nextId()
    {
        return NEXT.incrementAndGet();
    }

    /**
     * The top-level directory of a state number.
     *
     * @param id from {@link #nextId()}.
     * @return {@code /tN}.
     */
    static String prefix(final long id)
    {
        return "/t" + id;
    }

    /** One entry. */
    static LockRequest.Entry entry(final String path, final LockType type, final LockMode mode)
    {
        return new LockRequest.Entry(LockPath.parse(path), type, mode);
    }

    /** One tryAcquire of one entry: the grant, or null if refused. */
    static HostSession.Grant tryAcquire(final HostSession s, final String path, final LockType type, final LockMode mode)
    {
        final HostSession.Result r = s.tryAcquire(List.of(entry(path, type, mode)));
        return r.isGranted() ? r.grant() : null;
    }

    /** Takes a lock in a state constructor, where nothing can conflict. */
    static HostSession.Grant hold(final HostSession s, final String path, final LockType type, final LockMode mode)
    {
        final HostSession.Grant g = tryAcquire(s, path, type, mode);
        if (g == null)
        {
            throw new IllegalStateException("could not lock " + path + " " + type + "-" + mode + " in a fresh directory");
        }
        return g;
    }

    /** Releases a grant if there is one. */
    static void release(final HostSession s, final HostSession.Grant g)
    {
        if (g != null)
        {
            s.release(g);
        }
    }

    /**
     * Whether the arbiter's session can take SUBTREE-X on a directory now (then releases it): true
     * exactly when no other session holds anything at or below it and no intent of another
     * session is left on it, i.e. every count the actors raised there went back to zero.
     */
    static boolean subtreeFree(final String dir)
    {
        return subtreeFree(S3, dir);
    }

    /** As {@link #subtreeFree(String)}, in a given session. */
    static boolean subtreeFree(final HostSession s, final String dir)
    {
        final HostSession.Grant g = tryAcquire(s, dir, LockType.SUBTREE, LockMode.EXCLUSIVE);
        release(s, g);
        return g != null;
    }

    /** Whether the arbiter's session is refused a lock now (releases it if granted). */
    static boolean refused(final String path, final LockType type, final LockMode mode)
    {
        return refused(S3, path, type, mode);
    }

    /** As {@link #refused(String, LockType, LockMode)}, in a given session. */
    static boolean refused(final HostSession s, final String path, final LockType type, final LockMode mode)
    {
        final HostSession.Grant g = tryAcquire(s, path, type, mode);
        release(s, g);
        return g == null;
    }

    private static void deleteTree(final Path dir)
    {
        try (Stream<Path> s = Files.walk(dir))
        {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException ex)
        {
            // best effort at JVM exit
        }
    }
}

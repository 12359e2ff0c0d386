package io.pathlock.file;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockTimeoutException;
import io.pathlock.store.LockStore;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Main class of the child JVMs of the multi-process tests. The first argument is the mode; lines on
 * stdin drive it and lines on stdout report to the parent (see {@link ChildProcess}).
 *
 * <ul>
 *   <li>{@code hold ROOT BACKEND TYPE PATH}: acquires through a {@link LockManager}, prints
 *   {@code HELD token}; {@code release} prints {@code RELEASED}; stdin EOF exits.</li>
 *   <li>{@code waiter ROOT PATH TIMEOUT_MS}: prints {@code WAITING}, acquires POINT PATH with the
 *   timeout, prints {@code ACQUIRED ms} or {@code TIMEOUT}.</li>
 *   <li>{@code reap ROOT PATH OWNER}: opens a store, prints {@code READY}, on {@code go} tries POINT
 *   PATH once and prints {@code RESULT granted|refused reaped=N}; holds until stdin EOF.</li>
 *   <li>{@code fence ROOT}: prints {@code TOKEN t} for each {@code next} line.</li>
 *   <li>{@code reader FILE COUNT}: prints {@code READY}, on {@code go} reads FILE COUNT times and
 *   prints {@code COUNTS ok=.. absent=.. bad=.. first-bad=..}.</li>
 *   <li>{@code mutex ROOT LOG THREADS ITERATIONS SEED}: threads acquire random POINT, SUBTREE and mv
 *   requests on a small tree and append {@code ENTER}/{@code EXIT} records to LOG (O_APPEND);
 *   prints {@code READY}, starts on {@code go}, prints {@code DONE grants=N}.</li>
 *   <li>{@code publish ROOT PATH}: tries POINT PATH once with the store and prints the outcome or
 *   the exception message ({@code ERROR message}).</li>
 *   <li>{@code store ROOT DIALECT}: drives a {@link FileLockStore} directly (shared locks before the
 *   facade takes them): prints {@code READY}; {@code pub ID OWNER KIND PATH} (KIND {@code ps},
 *   {@code ss}, {@code px}, {@code sx}) prints {@code GRANTED ID} or {@code REFUSED ID conflict};
 *   {@code wait ID OWNER KIND PATH MS} retries with {@code awaitChange}, prints {@code WAITING ID}
 *   at the first refusal and {@code GRANTED ID} or {@code TIMEOUT ID}; {@code unpub ID} prints
 *   {@code UNPUBLISHED ID}; {@code refresh ID} prints {@code REFRESHED ID true|false}.</li>
 *   <li>{@code sharedmutex ROOT LOG THREADS ITERATIONS SEED}: like {@code mutex}, with the four
 *   kinds (POINT/SUBTREE, shared/exclusive) on the store directly, one owner per thread (no lock
 *   table in between); records are {@code ENTER id kind/path}, kind {@code ps ss px sx}.</li>
 * </ul>
 */
public final class FileLockChild
{
    /** The paths of the mutex workload; /t/a/x and /t/b/y are directories, /t/a/f a file. */
    static final String[] MUTEX_PATHS = {"/t", "/t/a", "/t/b", "/t/a/x", "/t/a/f", "/t/b/y", "/t/b/g", "/t/a/x/deep"};

    private FileLockChild()
    {
    }

    /**
     * Entry point.
     *
     * @param args mode and arguments.
     */
    public static void main(final String[] args) throws Exception
    {
        final BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        switch (args[0])
        {
            case "hold":
                hold(stdin, Path.of(args[1]), args[2], args[3], args[4]);
                break;
            case "waiter":
                waiter(Path.of(args[1]), args[2], Long.parseLong(args[3]));
                break;
            case "reap":
                reap(stdin, Path.of(args[1]), args[2], args[3]);
                break;
            case "fence":
                fence(stdin, Path.of(args[1]));
                break;
            case "reader":
                reader(stdin, Path.of(args[1]), Integer.parseInt(args[2]));
                break;
            case "mutex":
                mutex(stdin, Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Long.parseLong(args[5]));
                break;
            case "publish":
                publish(Path.of(args[1]), args[2]);
                break;
            case "store":
                store(stdin, Path.of(args[1]), Dialect.parse(args[2]));
                break;
            case "upgrader":
                upgrader(stdin, Path.of(args[1]), Dialect.parse(args[2]), args.length > 3 ? args[3] : "");
                break;
            case "sharedmutex":
                sharedMutex(stdin, Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Long.parseLong(args[5]));
                break;
            default:
                throw new IllegalArgumentException("unknown mode " + args[0]);
        }
        System.out.flush();
    }

    private static LockManager manager(final Path root, final String backend)
    {
        return LockManager.builder()
            .store(FileLockStore.builder(root).backend(backend).build())
            .handleIdleTimeout(Duration.ZERO)
            .build();
    }

    private static void hold(final BufferedReader stdin, final Path root, final String backend, final String type,
        final String path) throws Exception
    {
        try (LockManager m = manager(root, backend);
            LockHandle h = m.open("holder"))
        {
            h.acquire("SUBTREE".equals(type) ? LockRequest.subtree(path) : LockRequest.point(path), Duration.ofSeconds(60));
            System.out.println("HELD " + h.locks().get(0).fencingToken());
            String line;
            while ((line = stdin.readLine()) != null)
            {
                if (line.equals("release"))
                {
                    h.releaseAll();
                    System.out.println("RELEASED");
                }
            }
        }
    }

    private static java.util.List<io.pathlock.core.LockRequest.Entry> kind(final String kind, final String path)
    {
        final io.pathlock.core.LockType type = kind.charAt(0) == 's' ? io.pathlock.core.LockType.SUBTREE :
            io.pathlock.core.LockType.POINT;
        final io.pathlock.core.LockMode mode = kind.charAt(1) == 's' ? io.pathlock.core.LockMode.SHARED :
            io.pathlock.core.LockMode.EXCLUSIVE;
        return java.util.List.of(new io.pathlock.core.LockRequest.Entry(io.pathlock.core.LockPath.parse(path), type, mode));
    }

    /**
     * A manager on a store over {@link InterposedPosix}, for upgrades across processes. Commands:
     * {@code shared ps|ss PATH} ({@code SHARED}), {@code upgrade px|sx PATH MS} in the background
     * ({@code UPGRADED}, {@code UPGRADE_REFUSED}, {@code TIMEOUT} or {@code FAILED}), {@code release}
     * ({@code RELEASED}), and {@code stop rename|commit} that arms the next upgrade to print
     * {@code STOPPED} and park forever right before the conversion's rename of the group's file, or
     * right before its member record is removed after it (the parent then kills it with SIGKILL).
     */
    private static void upgrader(final BufferedReader stdin, final Path root, final Dialect dialect, final String prefix)
        throws Exception
    {
        final InterposedPosix posix = new InterposedPosix(io.pathlock.posix.PosixBackends.select(null).posix());
        try (LockManager m = LockManager.builder()
            .store(FileLockStore.builder(root).dialect(dialect).ovPathPrefix(prefix).posix(posix).build())
            .handleIdleTimeout(Duration.ZERO).startAgent(false).build();
            LockHandle h = m.open("upgrader"))
        {
            System.out.println("READY " + h.ownerId());
            String line;
            while ((line = stdin.readLine()) != null)
            {
                final String[] f = line.split(" ");
                switch (f[0])
                {
                    case "shared":
                        h.tryAcquire(f[1].equals("ss") ? LockRequest.subtreeShared(f[2]) : LockRequest.pointShared(f[2]));
                        System.out.println("SHARED");
                        break;
                    case "upgrade":
                    {
                        final LockRequest r = f[1].equals("sx") ? LockRequest.subtree(f[2]) : LockRequest.point(f[2]);
                        final long ms = Long.parseLong(f[3]);
                        final Thread t = new Thread(() ->
                        {
                            final long t0 = System.nanoTime();
                            try
                            {
                                h.acquire(r, Duration.ofMillis(ms));
                                System.out.println("UPGRADED " + (System.nanoTime() - t0) / 1_000_000);
                            }
                            catch (final io.pathlock.core.LockUpgradeException e)
                            {
                                System.out.println("UPGRADE_REFUSED " + (System.nanoTime() - t0) / 1_000_000 + " " +
                                    e.getMessage().replace('\n', ' '));
                            }
                            catch (final LockTimeoutException e)
                            {
                                System.out.println("TIMEOUT " + e.getMessage().replace('\n', ' '));
                            }
                            catch (final Exception e)
                            {
                                System.out.println("FAILED " + e);
                            }
                        }, "upgrade");
                        t.start();
                        break;
                    }
                    case "stop":
                    {
                        final Runnable park = () ->
                        {
                            System.out.println("STOPPED");
                            for (;;)
                            {
                                java.util.concurrent.locks.LockSupport.park();
                            }
                        };
                        if (f[1].equals("rename"))
                        {
                            posix.before(InterposedPosix.Call.RENAME_AT, ".path.ovlock", park);
                        }
                        else
                        {
                            // The conversion's rename first, then the first unlink after it: the record's.
                            posix.before(InterposedPosix.Call.RENAME_AT, ".path.ovlock",
                                () -> posix.before(InterposedPosix.Call.UNLINK_AT, null, park));
                        }
                        System.out.println("ARMED");
                        break;
                    }
                    case "release":
                        h.releaseAll();
                        System.out.println("RELEASED");
                        break;
                    default:
                        System.out.println("FAILED unknown command " + line);
                }
            }
        }
    }

    private static void store(final BufferedReader stdin, final Path root, final Dialect dialect) throws Exception
    {
        final java.util.Map<String, LockStore.Publication> pubs = new java.util.HashMap<>();
        try (FileLockStore s = FileLockStore.builder(root).dialect(dialect).build())
        {
            System.out.println("READY");
            String line;
            while ((line = stdin.readLine()) != null)
            {
                final String[] f = line.split(" ");
                switch (f[0])
                {
                    case "pub":
                    {
                        final LockStore.PublishResult r = s.tryPublish(f[2], kind(f[3], f[4]));
                        if (r.isGranted())
                        {
                            pubs.put(f[1], r.publication());
                            System.out.println("GRANTED " + f[1]);
                        }
                        else
                        {
                            System.out.println("REFUSED " + f[1] + " " + r.conflict());
                        }
                        break;
                    }
                    case "wait":
                    {
                        final long deadline = System.nanoTime() + Long.parseLong(f[5]) * 1_000_000L;
                        boolean said = false;
                        for (;;)
                        {
                            final LockStore.PublishResult r = s.tryPublish(f[2], kind(f[3], f[4]));
                            if (r.isGranted())
                            {
                                pubs.put(f[1], r.publication());
                                System.out.println("GRANTED " + f[1]);
                                break;
                            }
                            if (!said)
                            {
                                System.out.println("WAITING " + f[1] + " " + r.conflict());
                                said = true;
                            }
                            final long left = deadline - System.nanoTime();
                            if (left <= 0)
                            {
                                System.out.println("TIMEOUT " + f[1]);
                                break;
                            }
                            s.awaitChange(r.blocker(), left);
                        }
                        break;
                    }
                    case "unpub":
                        s.unpublish(pubs.remove(f[1]));
                        System.out.println("UNPUBLISHED " + f[1]);
                        break;
                    case "refresh":
                        System.out.println("REFRESHED " + f[1] + " " + s.refresh(pubs.get(f[1])));
                        break;
                    default:
                        System.out.println("FAILED unknown command " + line);
                }
            }
        }
    }

    private static void waiter(final Path root, final String path, final long timeoutMs) throws Exception
    {
        try (LockManager m = manager(root, "auto");
            LockHandle h = m.open("waiter"))
        {
            System.out.println("WAITING");
            final long t0 = System.nanoTime();
            try
            {
                h.acquire(LockRequest.point(path), Duration.ofMillis(timeoutMs));
                System.out.println("ACQUIRED " + (System.nanoTime() - t0) / 1_000_000);
            }
            catch (final LockTimeoutException e)
            {
                System.out.println("TIMEOUT " + e.getMessage());
            }
        }
    }

    private static void reap(final BufferedReader stdin, final Path root, final String path, final String owner)
        throws Exception
    {
        try (FileLockStore s = FileLockStore.open(root))
        {
            System.out.println("READY");
            if (!"go".equals(stdin.readLine()))
            {
                return;
            }
            final LockStore.PublishResult r = s.tryPublish(owner, LockRequest.point(path).entries());
            System.out.println("RESULT " + (r.isGranted() ? "granted" : "refused") + " reaped=" + s.reapedCount() +
                (r.isGranted() ? "" : " conflict=" + r.conflict()));
            while (stdin.readLine() != null)
            {
                // hold until the parent closes stdin
            }
        }
    }

    private static void fence(final BufferedReader stdin, final Path root) throws Exception
    {
        try (FileLockStore s = FileLockStore.open(root))
        {
            String line;
            System.out.println("READY");
            while ((line = stdin.readLine()) != null)
            {
                if (line.equals("next"))
                {
                    System.out.println("TOKEN " + s.nextFencingToken());
                }
            }
        }
    }

    private static void reader(final BufferedReader stdin, final Path file, final int count) throws Exception
    {
        System.out.println("READY");
        if (!"go".equals(stdin.readLine()))
        {
            return;
        }
        long ok = 0;
        long absent = 0;
        long bad = 0;
        String firstBad = "";
        for (int i = 0; i < count; i++)
        {
            final byte[] b;
            try
            {
                b = Files.readAllBytes(file);
            }
            catch (final NoSuchFileException e)
            {
                absent++;
                continue;
            }
            if (LockTokenDescriptor.parse(b, b.length) != null)
            {
                ok++;
            }
            else
            {
                if (bad++ == 0)
                {
                    firstBad = "'" + new String(b, StandardCharsets.UTF_8) + "'";
                }
            }
        }
        System.out.println("COUNTS ok=" + ok + " absent=" + absent + " bad=" + bad + " first-bad=" + firstBad);
    }

    private static void publish(final Path root, final String path)
    {
        try (FileLockStore s = FileLockStore.open(root))
        {
            final LockStore.PublishResult r = s.tryPublish("perm", LockRequest.point(path).entries());
            System.out.println(r.isGranted() ? "GRANTED" : "REFUSED " + r.conflict());
        }
        catch (final RuntimeException e)
        {
            System.out.println("ERROR " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** One random request of the mutex workload. */
    static LockRequest randomRequest(final Random rnd)
    {
        final int kind = rnd.nextInt(10);
        if (kind < 5)
        {
            return LockRequest.point(MUTEX_PATHS[rnd.nextInt(MUTEX_PATHS.length)]);
        }
        if (kind < 8)
        {
            return LockRequest.subtree(MUTEX_PATHS[1 + rnd.nextInt(MUTEX_PATHS.length - 1)]);
        }
        return rnd.nextBoolean() ? LockRequest.mv("/t/a/x", "/t/b", true) : LockRequest.mv("/t/b/g", "/t/a", false);
    }

    private static void mutex(final BufferedReader stdin, final Path root, final Path log, final int threads,
        final int iterations, final long seed) throws Exception
    {
        final long pid = ProcessHandle.current().pid();
        try (LockManager m = manager(root, "auto");
            FileChannel out = FileChannel.open(log, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND))
        {
            final AtomicLong grants = new AtomicLong();
            final CyclicBarrier start = new CyclicBarrier(threads + 1);
            final List<Thread> workers = new ArrayList<>();
            final List<Throwable> failures = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final int tid = t;
                final Thread w = new Thread(() ->
                {
                    final Random rnd = new Random(seed * 31 + tid);
                    try (LockHandle h = m.open("p" + pid + "t" + tid))
                    {
                        start.await();
                        for (int i = 0; i < iterations; i++)
                        {
                            final LockRequest req = randomRequest(rnd);
                            h.acquire(req, Duration.ofSeconds(60));
                            final String id = pid + "/" + tid + "/" + i;
                            final String entries = encode(req);
                            append(out, "ENTER " + id + " " + entries + "\n");
                            for (int spin = rnd.nextInt(200); spin > 0; spin--)
                            {
                                Thread.onSpinWait();
                            }
                            append(out, "EXIT " + id + " " + entries + "\n");
                            h.releaseAll();
                            grants.incrementAndGet();
                        }
                    }
                    catch (final Throwable e)
                    {
                        synchronized (failures)
                        {
                            failures.add(e);
                        }
                    }
                }, "mutex-" + t);
                workers.add(w);
                w.start();
            }
            System.out.println("READY");
            if (!"go".equals(stdin.readLine()))
            {
                return;
            }
            start.await();
            for (final Thread w : workers)
            {
                w.join();
            }
            if (!failures.isEmpty())
            {
                final Throwable f = failures.get(0);
                System.out.println("FAILED " + f);
                f.printStackTrace(System.out);
            }
            System.out.println("DONE grants=" + grants.get() + " reaped=" +
                ((FileLockStore)m.store()).reapedCount() + " backoffs=" + ((FileLockStore)m.store()).backoffCount());
        }
    }

    private static void sharedMutex(final BufferedReader stdin, final Path root, final Path log, final int threads,
        final int iterations, final long seed) throws Exception
    {
        final long pid = ProcessHandle.current().pid();
        final String[] kinds = {"ps", "ss", "px", "sx"};
        try (FileLockStore s = FileLockStore.open(root);
            FileChannel out = FileChannel.open(log, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND))
        {
            final AtomicLong grants = new AtomicLong();
            final CyclicBarrier start = new CyclicBarrier(threads + 1);
            final List<Thread> workers = new ArrayList<>();
            final List<Throwable> failures = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final int tid = t;
                final Thread w = new Thread(() ->
                {
                    final Random rnd = new Random(seed * 31 + tid);
                    final String owner = "p" + pid + "t" + tid;
                    try
                    {
                        start.await();
                        for (int i = 0; i < iterations; i++)
                        {
                            // Mostly shared, so that shared holders do meet.
                            final String kind = kinds[rnd.nextInt(10) < 7 ? rnd.nextInt(2) : 2 + rnd.nextInt(2)];
                            final String path = MUTEX_PATHS[rnd.nextInt(MUTEX_PATHS.length)];
                            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                            LockStore.PublishResult r;
                            while (!(r = s.tryPublish(owner, kind(kind, path))).isGranted())
                            {
                                final long left = deadline - System.nanoTime();
                                if (left <= 0)
                                {
                                    throw new IllegalStateException("timed out on " + kind + " " + path + ": " + r.conflict());
                                }
                                s.awaitChange(r.blocker(), left);
                            }
                            final long token = s.nextFencingToken();
                            final String id = pid + "/" + tid + "/" + i;
                            append(out, "ENTER " + id + " " + kind + path + " " + token + "\n");
                            for (int spin = rnd.nextInt(100_000); spin > 0; spin--)
                            {
                                Thread.onSpinWait();
                            }
                            append(out, "EXIT " + id + " " + kind + path + " " + token + "\n");
                            s.unpublish(r.publication());
                            grants.incrementAndGet();
                        }
                    }
                    catch (final Throwable e)
                    {
                        synchronized (failures)
                        {
                            failures.add(e);
                        }
                    }
                }, "sharedmutex-" + t);
                workers.add(w);
                w.start();
            }
            System.out.println("READY");
            if (!"go".equals(stdin.readLine()))
            {
                return;
            }
            start.await();
            for (final Thread w : workers)
            {
                w.join();
            }
            if (!failures.isEmpty())
            {
                final Throwable f = failures.get(0);
                System.out.println("FAILED " + f);
                f.printStackTrace(System.out);
            }
            System.out.println("DONE grants=" + grants.get() + " reaped=" + s.reapedCount() + " backoffs=" + s.backoffCount());
        }
    }

    static String encode(final LockRequest req)
    {
        final StringBuilder sb = new StringBuilder();
        for (final LockRequest.Entry e : req.entries())
        {
            if (sb.length() > 0)
            {
                sb.append(',');
            }
            sb.append(e.type().code()).append(e.path());
        }
        return sb.toString();
    }

    private static void append(final FileChannel out, final String record) throws IOException
    {
        // One write(2) per record on an O_APPEND descriptor: records of all processes interleave whole.
        final ByteBuffer b = ByteBuffer.wrap(record.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining())
        {
            out.write(b);
        }
    }
}

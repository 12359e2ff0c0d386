package io.pathlock.stress.chaos;

import io.pathlock.core.LockBusyException;
import io.pathlock.core.LockException;
import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockLostException;
import io.pathlock.core.LockTimeoutException;
import io.pathlock.file.FileLockStore;
import io.pathlock.redo.RedoLog;
import io.pathlock.redo.RedoLogConfig;
import io.pathlock.redo.RedoTicket;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One worker JVM of the {@link ChaosRunner}: M threads, each with its own handle of one
 * {@link LockManager} over a {@link FileLockStore}, doing random requests until a deadline and
 * recording every critical section in the shared {@link ChaosLog}. Optionally one more thread begins
 * and completes redo tasks, acknowledging each begun and each completed task in the shared
 * acknowledgement log with one {@code write(2)} (so the acknowledgement survives a {@code kill -9}).
 *
 * <p>Arguments are {@code key=value}: {@code tree}, {@code run}, {@code name}, {@code workload}
 * ({@code tree}, {@code mutex}, {@code counter}, {@code fenced}), {@code threads},
 * {@code deadline} (epoch ms), {@code seed}, {@code lockExpireMs}, {@code backend}, {@code redo}
 * ({@code true}/{@code false}), {@code shared} ({@code true}: a quarter of the tree requests are
 * shared or mix modes), {@code store} ({@code file}, the default, or {@code host}: the host table
 * store of issue 12, with {@code interop} {@code none} or {@code ragfs}; the runner may start a host
 * worker with {@code -Dpathlock.host.crashAt=random:N}, which kills it at random steps inside the
 * table's operations); with {@code zookeeper} (a connect string) and {@code namespace} the
 * store is the ZooKeeper store instead (and the worker prints {@code SESSION id password} at every
 * (re)connection, for the runner to expire it). Prints {@code READY} when started and
 * {@code STATS grants=.. conflicts=.. errors=.. reaped=.. backoffs=.. redoBegun=.. redoDone=..} at the end.
 */
public final class ChaosWorker
{
    private final Map<String, String> conf;
    private final long deadlineMillis;
    private final String workload;
    private final ChaosLog log;
    private final List<String> paths;
    private final AtomicLong grants = new AtomicLong();
    private final AtomicLong conflicts = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong lostHandles = new AtomicLong();
    private final AtomicLong redoBegun = new AtomicLong();
    private final AtomicLong redoDone = new AtomicLong();
    private final CounterStorage counter;
    private final boolean shared;

    private ChaosWorker(final Map<String, String> conf) throws Exception
    {
        this.conf = conf;
        this.deadlineMillis = Long.parseLong(conf.get("deadline"));
        this.workload = conf.get("workload");
        final Path run = Path.of(conf.get("run"));
        this.log = new ChaosLog(run.resolve(ChaosLog.LOG_NAME));
        this.paths = ChaosTree.lockPaths();
        this.shared = Boolean.parseBoolean(conf.getOrDefault("shared", "false"));
        this.counter = workload.equals("counter") || workload.equals("fenced")
            ? new CounterStorage(run.resolve(CounterStorage.FILE_NAME), workload.equals("fenced")) : null;
    }

    /**
     * Entry point.
     *
     * @param args {@code key=value} arguments (see the class comment).
     * @throws Exception on a set-up failure.
     */
    public static void main(final String[] args) throws Exception
    {
        final Map<String, String> conf = new HashMap<>();
        for (final String a : args)
        {
            final int eq = a.indexOf('=');
            conf.put(a.substring(0, eq), a.substring(eq + 1));
        }
        new ChaosWorker(conf).run();
        System.exit(0);
    }

    /** Prints this worker's ZooKeeper session, so that the runner can expire it (ZooKeeperChaosRunner). */
    private static synchronized void printSession(final org.apache.curator.framework.CuratorFramework c)
    {
        try
        {
            final org.apache.zookeeper.ZooKeeper zk = c.getZookeeperClient().getZooKeeper();
            System.out.println("SESSION " + Long.toHexString(zk.getSessionId()) + " " +
                java.util.Base64.getEncoder().encodeToString(zk.getSessionPasswd()));
            System.out.flush();
        }
        catch (final Exception e)
        {
            System.out.println("ERROR session " + e);
        }
    }

    private void run() throws Exception
    {
        final String zookeeper = conf.get("zookeeper");
        final io.pathlock.store.LockStore store;
        FileLockStore fileStore = null;
        if (zookeeper != null)
        {
            // ZooKeeperChaosRunner: the ZooKeeper store on the runner's ensemble, own Curator client
            // so that the session can be printed (and expired by the runner).
            final org.apache.curator.framework.CuratorFramework curator =
                org.apache.curator.framework.CuratorFrameworkFactory.builder()
                    .connectString(zookeeper)
                    .sessionTimeoutMs(Integer.parseInt(conf.getOrDefault("sessionMs", "10000")))
                    .connectionTimeoutMs(10_000)
                    .retryPolicy(new org.apache.curator.retry.ExponentialBackoffRetry(100, 10))
                    .build();
            curator.start();
            curator.getConnectionStateListenable().addListener((c, s) ->
                {
                    if (s == org.apache.curator.framework.state.ConnectionState.CONNECTED ||
                        s == org.apache.curator.framework.state.ConnectionState.RECONNECTED)
                    {
                        printSession(c);
                    }
                });
            store = io.pathlock.zookeeper.ZooKeeperLockStore.builder().client(curator)
                .namespace(conf.getOrDefault("namespace", "/chaos")).build();
            printSession(curator);
        }
        else if (conf.getOrDefault("store", "file").equals("host"))
        {
            // The host table store (issue 12); with interop ragfs it also publishes lock files.
            store = hostStore(Path.of(conf.get("tree")), conf.getOrDefault("interop", "none"),
                Duration.ofMillis(Long.parseLong(conf.get("lockExpireMs"))), conf.getOrDefault("backend", "auto"));
        }
        else
        {
            fileStore = FileLockStore.builder(Path.of(conf.get("tree")))
                .lockExpire(Duration.ofMillis(Long.parseLong(conf.get("lockExpireMs"))))
                .backend(conf.getOrDefault("backend", "auto"))
                .build();
            store = fileStore;
        }
        final LockManager manager = LockManager.builder().store(store).build();
        final int threads = Integer.parseInt(conf.get("threads"));
        final long seed = Long.parseLong(conf.get("seed"));
        final List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < threads; i++)
        {
            final SplittableRandom rnd = new SplittableRandom(seed * 1_000_003L + i);
            final String name = "chaos-" + i;
            final String gid = ProcessHandle.current().pid() + "." + i;
            ts.add(new Thread(() -> loop(manager, name, gid, rnd), name));
        }
        RedoLog redo = null;
        if (Boolean.parseBoolean(conf.getOrDefault("redo", "false")))
        {
            final Path dir = Path.of(conf.get("run"), "redo", conf.get("name"));
            redo = RedoLog.open(new RedoLogConfig().directory(dir));
            final RedoLog r = redo;
            final ChaosLog acks = new ChaosLog(Path.of(conf.get("run"), ChaosLog.REDO_ACK_NAME));
            final SplittableRandom rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
            ts.add(new Thread(() -> redoLoop(r, acks, rnd), "chaos-redo"));
        }
        System.out.println("READY pid=" + ProcessHandle.current().pid() + " backend=" +
            (fileStore != null ? fileStore.backend() : store.describe()));
        System.out.flush();
        for (final Thread t : ts)
        {
            t.start();
        }
        for (final Thread t : ts)
        {
            t.join();
        }
        System.out.println("STATS grants=" + grants + " conflicts=" + conflicts + " errors=" + errors +
            " reaped=" + (fileStore != null ? fileStore.reapedCount() : 0) +
            " backoffs=" + (fileStore != null ? fileStore.backoffCount() : 0) + " redoBegun=" + redoBegun +
            " redoDone=" + redoDone + " lostHandles=" + lostHandles);
        System.out.flush();
        if (null != redo)
        {
            redo.close();
        }
        manager.close();
    }

    /**
     * The host store of a root, its inner lock-file store (interop on) configured as the file-store
     * workers' stores are.
     *
     * @param root       the tree.
     * @param interop    {@code none}, {@code ragfs} or {@code ov431}.
     * @param lockExpire the inner store's lock expiry.
     * @param backend    the inner store's backend.
     * @return the store.
     */
    static io.pathlock.host.HostLockStore hostStore(final Path root, final String interop, final Duration lockExpire,
        final String backend)
    {
        return io.pathlock.host.HostLockStore.builder(root).interop(interop)
            .fileStore(b -> b.lockExpire(lockExpire).backend(backend))
            .build();
    }

    private LockRequest randomRequest(final SplittableRandom rnd)
    {
        if (!workload.equals("tree"))
        {
            return LockRequest.point(ChaosTree.MUTEX_PATH);
        }
        if (shared && rnd.nextInt(4) == 0)
        {
            return randomSharedRequest(rnd);
        }
        final int kind = rnd.nextInt(100);
        final String a = paths.get(rnd.nextInt(paths.size()));
        final String b = paths.get(rnd.nextInt(paths.size()));
        if (kind < 40)
        {
            return LockRequest.point(a);
        }
        if (kind < 55)
        {
            return LockRequest.subtree(a.equals("/") && rnd.nextInt(4) != 0 ? b : a);
        }
        if (kind < 70)
        {
            final String src = ChaosTree.randomDir(rnd);
            final String dst = ChaosTree.randomDir(rnd);
            if (!ChaosTree.isDescendantOrSelf(dst, src) && !ChaosTree.isDescendantOrSelf(src, dst))
            {
                return LockRequest.mv(src, dst, true);
            }
            return LockRequest.mv(ChaosTree.randomFile(rnd), dst, false);
        }
        if (kind < 85)
        {
            return LockRequest.point(a, b, paths.get(rnd.nextInt(paths.size())));
        }
        return LockRequest.builder().add(a, io.pathlock.core.LockType.POINT).add(b, io.pathlock.core.LockType.SUBTREE).build();
    }

    /** Shared requests (a quarter of all with {@code shared=true}): readers, and batches mixing modes. */
    private LockRequest randomSharedRequest(final SplittableRandom rnd)
    {
        final int kind = rnd.nextInt(100);
        final String a = paths.get(rnd.nextInt(paths.size()));
        final String b = paths.get(rnd.nextInt(paths.size()));
        if (kind < 40)
        {
            return LockRequest.pointShared(a);
        }
        if (kind < 65)
        {
            return LockRequest.subtreeShared(a.equals("/") && rnd.nextInt(4) != 0 ? b : a);
        }
        if (kind < 80)
        {
            return LockRequest.pointShared(a, b, paths.get(rnd.nextInt(paths.size())));
        }
        // A batch of one shared subtree and one exclusive point (normalised by the builder: an
        // exclusive point inside the shared subtree stays, a same-path pair becomes exclusive).
        return LockRequest.builder()
            .add(a, io.pathlock.core.LockType.SUBTREE, io.pathlock.core.LockMode.SHARED)
            .add(b, io.pathlock.core.LockType.POINT, io.pathlock.core.LockMode.EXCLUSIVE)
            .build();
    }

    /**
     * One worker thread. A handle that lost its locks (a holder paused past lock_expire on the nio
     * backend, whose lock another worker then took) is closed by the engine; the worker counts it
     * and goes on with a new handle.
     */
    private void loop(final LockManager manager, final String name, final String gid, final SplittableRandom rnd)
    {
        LockHandle handle = manager.open(name);
        while (System.currentTimeMillis() < deadlineMillis)
        {
            final LockRequest req = randomRequest(rnd);
            final int timeoutMs = rnd.nextInt(5) == 0 ? 0 : rnd.nextInt(1, 100);
            final long attemptOffset;
            try
            {
                attemptOffset = log.size();
                if (timeoutMs == 0)
                {
                    handle.tryAcquire(req);
                }
                else
                {
                    handle.acquire(req, Duration.ofMillis(timeoutMs));
                }
            }
            catch (final LockBusyException | LockTimeoutException ex)
            {
                conflicts.incrementAndGet();
                continue;
            }
            catch (final LockLostException ex)
            {
                handle = lost(manager, name, ex);
                continue;
            }
            catch (final LockException ex)
            {
                errors.incrementAndGet();
                System.out.println("ERROR " + ex);
                handle.releaseAll();
                continue;
            }
            catch (final InterruptedException ex)
            {
                return;
            }
            catch (final java.io.IOException ex)
            {
                errors.incrementAndGet();
                System.out.println("ERROR " + ex);
                continue;
            }
            grants.incrementAndGet();
            final long token;
            try
            {
                token = handle.fencingToken(req.entries().get(0).path().toString());
            }
            catch (final LockLostException ex)
            {
                handle = lost(manager, name, ex);
                continue;
            }
            try
            {
                log.append("E " + gid + " " + token + " " + ChaosLog.encode(req.entries()) + " " + attemptOffset);
                if (null == counter)
                {
                    LockSupport.parkNanos(rnd.nextLong(0, 3_000_000L));
                }
                else
                {
                    increment(gid, token, rnd);
                }
                log.append("X " + gid);
            }
            catch (final Exception ex)
            {
                errors.incrementAndGet();
                System.out.println("ERROR " + ex);
            }
            finally
            {
                try
                {
                    handle.releaseAll();
                }
                catch (final LockLostException ex)
                {
                    handle = lost(manager, name, ex);
                }
            }
        }
        handle.close();
    }

    private LockHandle lost(final LockManager manager, final String name, final LockLostException ex)
    {
        lostHandles.incrementAndGet();
        System.out.println("LOST " + ex.getMessage());
        return manager.open(name);
    }

    /** The Jepsen read-modify-write: read, think (the window a pause hits), write value + 1. */
    private void increment(final String gid, final long token, final SplittableRandom rnd) throws Exception
    {
        final long v = counter.read(token);
        if (v < 0)
        {
            log.append("R " + gid + " " + token + " read");
            return;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(rnd.nextInt(5, 25)));
        if (counter.write(token, v + 1))
        {
            log.append("C " + gid + " " + token + " " + (v + 1));
        }
        else
        {
            log.append("R " + gid + " " + token + " write");
        }
    }

    private void redoLoop(final RedoLog redo, final ChaosLog acks, final SplittableRandom rnd)
    {
        final String name = conf.get("name");
        long n = 0;
        while (System.currentTimeMillis() < deadlineMillis)
        {
            final String payload = name + "-" + n++;
            try
            {
                final RedoTicket t = redo.begin(ChaosLog.REDO_TYPE, payload.getBytes(StandardCharsets.UTF_8));
                acks.append("A " + payload);
                redoBegun.incrementAndGet();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(rnd.nextInt(1, 40)));
                t.done();
                acks.append("D " + payload);
                redoDone.incrementAndGet();
            }
            catch (final Exception ex)
            {
                errors.incrementAndGet();
                System.out.println("ERROR redo " + ex);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
        }
    }
}

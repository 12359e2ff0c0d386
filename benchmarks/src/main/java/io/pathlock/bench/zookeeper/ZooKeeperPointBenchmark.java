package io.pathlock.bench.zookeeper;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.store.LockStore;
import io.pathlock.zookeeper.ZooKeeperLockStore;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Uncontended acquire + release, one client, same embedded server, same run:
 * <ul>
 *   <li>{@code pointStore}: POINT {@code /a/b/c/d} (depth 4) through the store SPI
 *   ({@code tryPublish}, {@code nextFencingToken}, {@code unpublish}): 3 round trips;</li>
 *   <li>{@code pointManager}: the same through {@link LockManager} ({@code lock} + {@code close});</li>
 *   <li>{@code interProcessMutex}: Curator's {@link InterProcessMutex} {@code acquire} + {@code release}
 *   on one znode, the baseline (issue 13: POINT depth 4 at most 1.0x of it);</li>
 *   <li>{@code subtreeFresh} and {@code subtreeOver10k}: SUBTREE on a path with nothing below, and on
 *   a path with 10,000 paths (components) below it (issue 13: ratio at most 1.2).</li>
 * </ul>
 * Run: {@code java -jar benchmarks/target/benchmarks.jar ZooKeeperPointBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class ZooKeeperPointBenchmark
{
    private static final int BELOW = 10_000;

    private ZooKeeperLockStore store;
    private LockManager manager;
    private CuratorFramework curator;
    private InterProcessMutex mutex;
    private List<LockRequest.Entry> point;
    private List<LockRequest.Entry> subtreeFresh;
    private List<LockRequest.Entry> subtreeOver10k;
    private LockRequest pointRequest;

    /**
     * Starts the server, the clients, and creates the 10,000 paths below {@code /big}.
     *
     * @throws Exception if the server or a client fails.
     */
    @Setup(Level.Trial)
    public void setUp() throws Exception
    {
        store = EmbeddedEnsemble.store("/bench-point");
        manager = LockManager.builder().store(EmbeddedEnsemble.store("/bench-point")).build();
        curator = EmbeddedEnsemble.curator();
        mutex = new InterProcessMutex(curator, "/bench-mutex/lock");
        point = List.of(new LockRequest.Entry(LockPath.parse("/a/b/c/d"), LockType.POINT, LockMode.EXCLUSIVE));
        pointRequest = LockRequest.point("/a/b/c/d");
        subtreeFresh = List.of(new LockRequest.Entry(LockPath.parse("/fresh/x"), LockType.SUBTREE, LockMode.EXCLUSIVE));
        subtreeOver10k = List.of(new LockRequest.Entry(LockPath.parse("/big/x"), LockType.SUBTREE, LockMode.EXCLUSIVE));
        // 10,000 paths below /big/x: their components exist in the namespace, as after locks on them
        // (created directly, pipelined, so that the set-up takes seconds, not 10,000 lock round trips).
        final List<CompletableFuture<Void>> fs = new ArrayList<>();
        final String base = store.namespace() + "/t/cbig/cx";
        curator.create().creatingParentContainersIfNeeded().forPath(base + "/q");
        for (int i = 0; i < BELOW; i++)
        {
            final CompletableFuture<Void> f = new CompletableFuture<>();
            fs.add(f);
            curator.create().creatingParentContainersIfNeeded().withMode(org.apache.zookeeper.CreateMode.CONTAINER)
                .inBackground((c, e) -> f.complete(null)).forPath(base + "/cd" + (i % 100) + "/cf" + i + "/q");
        }
        CompletableFuture.allOf(fs.toArray(new CompletableFuture[0])).get(5, TimeUnit.MINUTES);
        // Warm the components of the measured paths.
        store.unpublish(store.tryPublish("warm", point).publication());
        store.unpublish(store.tryPublish("warm", subtreeFresh).publication());
        store.unpublish(store.tryPublish("warm", subtreeOver10k).publication());
    }

    /** Closes the clients. */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        manager.close();
        store.close();
        curator.close();
    }

    private long cycle(final List<LockRequest.Entry> entries)
    {
        final LockStore.PublishResult r = store.tryPublish("bench", entries);
        if (!r.isGranted())
        {
            throw new IllegalStateException("uncontended request refused: " + r.conflict());
        }
        final long token = store.nextFencingToken();
        store.unpublish(r.publication());
        return token;
    }

    /**
     * POINT depth 4 through the store SPI.
     *
     * @return the fencing token.
     */
    @Benchmark
    public long pointStore()
    {
        return cycle(point);
    }

    /**
     * POINT depth 4 through the manager.
     *
     * @return the fencing token.
     * @throws InterruptedException never (uncontended).
     */
    @Benchmark
    public long pointManager() throws InterruptedException
    {
        try (LockHandle h = manager.lock(pointRequest))
        {
            return h.fencingToken("/a/b/c/d");
        }
    }

    /**
     * The baseline: Curator's InterProcessMutex on one znode.
     *
     * @return whether it was acquired.
     * @throws Exception on a ZooKeeper failure.
     */
    @Benchmark
    public boolean interProcessMutex() throws Exception
    {
        mutex.acquire();
        mutex.release();
        return true;
    }

    /**
     * SUBTREE on a path with nothing below.
     *
     * @return the fencing token.
     */
    @Benchmark
    public long subtreeFresh()
    {
        return cycle(subtreeFresh);
    }

    /**
     * SUBTREE on a path with 10,000 paths below.
     *
     * @return the fencing token.
     */
    @Benchmark
    public long subtreeOver10k()
    {
        return cycle(subtreeOver10k);
    }
}

package io.pathlock.zookeeper;

import io.pathlock.core.LockConflict;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockStoreException;
import io.pathlock.store.LockStore;
import io.pathlock.store.LockStoreProvider;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.common.PathUtils;
import org.apache.zookeeper.data.Stat;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * A {@link LockStore} on a ZooKeeper ensemble, through Apache Curator: POINT and SUBTREE locks, shared
 * and exclusive, arbitrated between every process on every host connected to the ensemble.
 *
 * <h2>Layout</h2>
 * <pre>
 *   {ns}/fence                 persistent; every grant's multi() sets it: its mzxid is the fencing token
 *   {ns}/t                     container: the component of lock path "/"
 *   {ns}/t/q                   container: the queue of "/" (locks on "/" and intentions of locks below)
 *   {ns}/t/c{a}                container: the component of "/a" (segment escaped, see {@link ZkPaths})
 *   {ns}/t/c{a}/q              the queue of "/a"
 *   {ns}/t/c{a}/q/Lpxn_{owner}_x_0000000042    an EPHEMERAL_SEQUENTIAL queue node ({@code QueueNode})
 * </pre>
 * A request for entry (p, kind) owns one <em>lock node</em> of kind ps/px/ss/sx in the queue of p and
 * one <em>intention node</em> is/ix in the queue of every strict ancestor of p (the root included), as
 * in Gray's multi-granularity locking: the intention is shared (IS) for a shared lock below and
 * exclusive (IX) for an exclusive one. The queue nodes of one batch are created by one {@code multi()}.
 * The data of a lock node is {@code host pid ownerId}: what {@code status} shows.
 *
 * <h2>Protocol</h2>
 * An attempt ({@link #tryPublish}) creates L nodes for its whole batch in one multi (plus a setData of
 * {@code fence}), reads every queue it wrote to in one read-only multi, and is granted if no queue
 * holds a node that blocks it (Z3, Z4); otherwise it deletes its L nodes in one multi and reports the
 * first blocker. A request that then waits ({@link #awaitChange}, {@link #onChange}) creates W nodes
 * for its batch (one multi; its place in every queue) and watches the one node that blocked it; its
 * next attempt carries, in each L node's name, the seq of its W node in that queue ("ref"). A granted
 * request keeps its W nodes until it is released.
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li><b>Z1 one order per queue.</b> The nodes of one queue are ordered by their sequence suffix,
 *   which ZooKeeper assigns in zxid order. All nodes of one batch are created by one multi(), so for
 *   two batches the order is the same in every queue they share.</li>
 *   <li><b>Z2 every conflicting pair meets in one queue.</b> Two entries conflict (the four-kind
 *   matrix of {@code LockType.conflictsWith}) exactly when, in the queue of the higher of the two
 *   paths, their nodes' kinds conflict: same path, ps/ss are compatible with each other, px and sx
 *   with nothing; below a SUBTREE the lower entry's intention meets it: sx conflicts with is and ix,
 *   ss with ix only; POINT nodes ignore intentions (a POINT does not cover descendants). Nodes of the
 *   same owner never conflict (upgrade, SUBTREE above one's own locks).</li>
 *   <li><b>Z3 an attempt yields to an earlier lock node.</b> Attempt m is blocked in queue Q by every
 *   conflicting L node c of another owner with seq(c) &lt; seq(m), unless c <em>yields</em>: c is not
 *   exempt ('n') and m's request has a W node in Q with seq w &lt; ref(c).</li>
 *   <li><b>Z4 a non-exempt attempt yields to an earlier waiter.</b> An attempt whose owner held no lock
 *   of this store when it started ('n') is also blocked by every conflicting W node c of another owner
 *   with seq(c) &lt; ref(m). An owner that holds locks ('h') ignores W nodes: respecting a waiter
 *   while holding what the waiter may wait for could close a wait cycle that does not exist without
 *   waiters (DESIGN §2, "No starvation", known limit across processes).</li>
 *   <li><b>Z5 mutual exclusion.</b> Two conflicting L nodes x, y (seq(x) &lt; seq(y), same queue by Z2)
 *   are never both granted while both are held. y's read follows its own create, which follows x's
 *   create (Z1), so y sees x, which a holder keeps until release: by Z3, y is granted only if x yields,
 *   i.e. x is 'n' and y's request has a W node w with w &lt; ref(x). Then x's own node with seq ref(x)
 *   (its W, or x itself) was created after w, so x's read, which follows it, sees w unless y's request
 *   had been released by then (a granted request keeps its W nodes until release; a waiter's W nodes
 *   are deleted only when it gives up, and then y is never granted): by Z4 x was refused. Reads follow
 *   the client's own writes in ZooKeeper's session order, so no sync() is needed.</li>
 *   <li><b>Z6 no wait cycle of this store's making.</b> A refused attempt holds nothing: its L nodes
 *   are deleted before it waits ("never wait while holding"). A waiter waits for one node: an earlier
 *   L node (held by a request that waits for nothing in this batch, or an attempt that is being
 *   deleted) or, if non-exempt, an earlier W node. W nodes of one batch are created by one multi, so
 *   along edges between non-exempt waiters the zxid of the waited-for batch's W multi strictly
 *   decreases: no cycle. Edges into a held lock lead to an owner that holds locks, whose own requests
 *   are exempt and wait only for L nodes: a cycle through those is a cycle of locks the callers hold
 *   while they ask for more, which exists without this store too.</li>
 *   <li><b>Z7 fairness, no herd.</b> A waiter watches (exists watch) only the node that blocked it; its
 *   W nodes make every later non-exempt attempt that conflicts with it wait behind it (Z4), in both
 *   directions: a SUBTREE waiter's W sx node blocks later intentions from POINTs below, and a POINT
 *   waiter's W intention blocks later SUBTREEs above. A later attempt that would yield to it (Z3) does
 *   not block it, so a stream of later attempts cannot starve it.</li>
 *   <li><b>Z8 O(depth).</b> An attempt creates depth+1 nodes and reads depth+1 queues, in one write and
 *   one read round trip, whatever exists below: nothing below a path is ever listed. (The bytes read
 *   grow with the nodes in those queues: the locks on and waiters for each ancestor, and the
 *   intentions of locks held below a SUBTREE's own path.) Names this store did not write are ignored.</li>
 *   <li><b>Z9 fencing.</b> The token of a grant is the largest of the zxid of the multi that created
 *   its L nodes (the mzxid of {@code fence}, set in that multi) and the pzxid of every queue its
 *   check read (read after the queue's children, in the same read-only multi). If grant A happens
 *   before a conflicting grant B, B's check did not see A's L node in the queue they share (Z5), so
 *   it read that queue after A's release: its pzxid there is at least the zxid of that release,
 *   which is above everything A's check read and above A's create. So token(A) &lt; token(B), and
 *   tokens only come from zxids, which the ensemble never reuses. (The create's zxid alone is not
 *   enough: B may create its L node before A and check after A's release, when A went first
 *   because B yielded to A's earlier W node, Z3; ZooKeeperLockManagerTest found that.)</li>
 *   <li><b>Z10 liveness by session.</b> Every queue node is ephemeral. On SUSPENDED or LOST every
 *   publication made before is reported lost by {@link #check} and {@link #refresh} (it may have been:
 *   the session may expire while this client cannot hear it); a waiter's W nodes of that session are
 *   forgotten. {@link #refresh} also reads the lock nodes, so a lock removed by {@code break} is
 *   reported too.</li>
 *   <li><b>Z11 bounded memory.</b> Components and queues are container nodes: the server deletes them
 *   once empty. A W node outlives its wait by at most {@link Builder#waiterGrace} when its caller
 *   gives up (a timeout or a cancelled future, which the SPI does not report); an attempt whose
 *   outcome is unknown (connection lost during the multi) is looked for by its unique name, and
 *   nodes whose deletion failed (an attempt that failed after its create, a release or an abandoned
 *   wait during a connection loss) are deleted by the background agent once connected.</li>
 * </ol>
 *
 * <p>Thread-safe. Curator and ZooKeeper are used through the {@code CuratorFramework}'s current
 * {@code ZooKeeper} handle.
 */
public final class ZooKeeperLockStore implements LockStoreProvider.AdministeredStore
{
    /** Default namespace (a ZooKeeper path). */
    public static final String NAMESPACE_DEFAULT = "/pathlock";
    /** Default ZooKeeper session timeout. */
    public static final Duration SESSION_TIMEOUT_DEFAULT = Duration.ofSeconds(15);
    /** Default connection timeout (also how long {@link Builder#build} waits for the first connection). */
    public static final Duration CONNECTION_TIMEOUT_DEFAULT = Duration.ofSeconds(10);
    /** Default interval of {@link #refresh} (which reads the lock nodes). */
    public static final Duration HEARTBEAT_DEFAULT = Duration.ofSeconds(5);
    /** Default time a waiter's W nodes survive after its wait returned without a new attempt. */
    public static final Duration WAITER_GRACE_DEFAULT = Duration.ofSeconds(2);

    private static final Pattern HOST_PORT = Pattern.compile("^(\\[[0-9a-fA-F:.]+]|[A-Za-z0-9._-]+):(\\d{1,5})$");
    private static final String SOURCE_PREFIX = "zookeeper:";
    private static final int MAX_PARENT_RETRIES = 8;

    private final CuratorFramework client;
    private final boolean ownsClient;
    private final String namespace;
    private final String treeRoot;
    private final String fencePath;
    private final String storeId;
    private final Duration heartbeat;
    private final Duration connectionTimeout;
    private final long graceNanos;
    private final String describe;
    private final byte[] hostPid;
    private final ConnectionStateListener stateListener = this::onState;
    private final ScheduledExecutorService agent;

    private final AtomicLong attempts = new AtomicLong();
    private final AtomicInteger ownerCounter = new AtomicInteger();
    private final ConcurrentHashMap<String, Owner> owners = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<WaitKey, Waiter> waiters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, String> orphans = new ConcurrentHashMap<>();
    /** Nodes this store created and must delete but could not (connection lost): the agent retries (Z11). */
    private final java.util.Set<String> orphanPaths = ConcurrentHashMap.newKeySet();
    private final ThreadLocal<Pub> lastGrant = new ThreadLocal<>();
    /** Publications not yet removed: {@link #close} removes them (a caller's client outlives the store). */
    private final java.util.Set<Pub> live = ConcurrentHashMap.newKeySet();
    private final AtomicLong operations = new AtomicLong();

    private volatile int epoch;
    private volatile String epochReason;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();

    /** Per owner id: a short index for node names, and how many publications and waiters it has. */
    private static final class Owner
    {
        final String key;
        /** Publications alive: the owner's attempts are exempt from waiters (Z4). */
        int publications;
        /** Publications, waiters and attempts in flight: the key stays while any exists. */
        int users;
        boolean removed;

        Owner(final String key)
        {
            this.key = key;
        }
    }

    private record WaitKey(String ownerId, List<LockRequest.Entry> entries)
    {
    }

    /** A waiter's W nodes: its place in every queue of its batch (Z4, Z7). */
    private static final class Waiter
    {
        final WaitKey key;
        final Owner owner;
        final int epoch;
        final List<String> paths;
        final Map<String, Long> seqByQueue;
        int busy;
        long idleSince;
        boolean dead;

        Waiter(final WaitKey key, final Owner owner, final int epoch, final List<String> paths,
            final Map<String, Long> seqByQueue)
        {
            this.key = key;
            this.owner = owner;
            this.epoch = epoch;
            this.paths = paths;
            this.seqByQueue = seqByQueue;
        }
    }

    /** What a refusal tells the waiter: the node to watch and the batch to queue. */
    private record Blocker(WaitKey key, String nodePath, boolean exempt)
    {
    }

    /** One queue node the batch needs. */
    private record Need(String queue, QueueNode.Kind kind)
    {
    }

    private static final class Pub implements Publication
    {
        final String ownerId;
        final Owner owner;
        final List<LockRequest.Entry> entries;
        final List<String> lockPaths;
        final List<String> waiterPaths;
        final long token;
        final int epoch;
        volatile String lost;
        volatile boolean released;

        Pub(final String ownerId, final Owner owner, final List<LockRequest.Entry> entries, final List<String> lockPaths,
            final List<String> waiterPaths, final long token, final int epoch)
        {
            this.ownerId = ownerId;
            this.owner = owner;
            this.entries = entries;
            this.lockPaths = lockPaths;
            this.waiterPaths = waiterPaths;
            this.token = token;
            this.epoch = epoch;
        }

        @Override
        public List<LockRequest.Entry> entries()
        {
            return entries;
        }
    }

    private ZooKeeperLockStore(final Builder b, final CuratorFramework client, final boolean ownsClient)
    {
        this.client = client;
        this.ownsClient = ownsClient;
        this.namespace = b.namespace;
        this.treeRoot = b.namespace + "/t";
        this.fencePath = b.namespace + "/fence";
        this.heartbeat = b.heartbeat;
        this.connectionTimeout = b.connectionTimeout;
        this.graceNanos = b.waiterGrace.toNanos();
        final byte[] id = new byte[4];
        new SecureRandom().nextBytes(id);
        this.storeId = String.format("%02x%02x%02x%02x", id[0], id[1], id[2], id[3]);
        this.describe = SOURCE_PREFIX + client.getZookeeperClient().getCurrentConnectionString() + b.namespace;
        String host;
        try
        {
            host = InetAddress.getLocalHost().getHostName();
        }
        catch (final Exception e)
        {
            host = "unknown-host";
        }
        this.hostPid = (host + ' ' + ProcessHandle.current().pid() + ' ').getBytes(StandardCharsets.UTF_8);
        this.agent = Executors.newSingleThreadScheduledExecutor(r ->
            {
                final Thread t = new Thread(r, "pathlock-zookeeper-" + storeId);
                t.setDaemon(true);
                return t;
            });
    }

    /**
     * A builder.
     *
     * @return a new builder with the defaults.
     */
    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * Configures and opens a {@link ZooKeeperLockStore}. Not thread-safe. Everything is validated in
     * {@link #build()}, before any connection is made.
     */
    public static final class Builder
    {
        private String connectString;
        private CuratorFramework client;
        private String namespace = NAMESPACE_DEFAULT;
        private Duration sessionTimeout = SESSION_TIMEOUT_DEFAULT;
        private Duration connectionTimeout = CONNECTION_TIMEOUT_DEFAULT;
        private Duration heartbeat = HEARTBEAT_DEFAULT;
        private Duration waiterGrace = WAITER_GRACE_DEFAULT;

        private Builder()
        {
        }

        /**
         * The ensemble to connect to: {@code host:port[,host:port...]}, optionally followed by a
         * chroot ({@code /path}). The store then owns (and closes) its Curator client.
         *
         * @param connectString the connect string.
         * @return this builder.
         */
        public Builder connectString(final String connectString)
        {
            this.connectString = connectString;
            return this;
        }

        /**
         * A started Curator client to use instead of a connect string. The store does not close it;
         * its namespace, if any, is ignored (the store uses {@link #namespace}).
         *
         * @param client a started client.
         * @return this builder.
         */
        public Builder client(final CuratorFramework client)
        {
            this.client = client;
            return this;
        }

        /**
         * The znode under which the store keeps everything, e.g. {@code /pathlock}. Stores that should
         * arbitrate between each other must use the same ensemble and namespace.
         *
         * @param namespace an absolute ZooKeeper path other than "/".
         * @return this builder.
         */
        public Builder namespace(final String namespace)
        {
            this.namespace = namespace;
            return this;
        }

        /**
         * The ZooKeeper session timeout (used only with {@link #connectString}).
         *
         * @param timeout positive.
         * @return this builder.
         */
        public Builder sessionTimeout(final Duration timeout)
        {
            this.sessionTimeout = timeout;
            return this;
        }

        /**
         * How long to wait for a connection: at start, and whenever a request finds the client
         * reconnecting (then it fails with a {@code LockStoreException} after this long).
         *
         * @param timeout positive.
         * @return this builder.
         */
        public Builder connectionTimeout(final Duration timeout)
        {
            this.connectionTimeout = timeout;
            return this;
        }

        /**
         * How often the manager should call {@link ZooKeeperLockStore#refresh} (it reads the lock nodes).
         *
         * @param interval positive.
         * @return this builder.
         */
        public Builder heartbeat(final Duration interval)
        {
            this.heartbeat = interval;
            return this;
        }

        /**
         * How long a waiter's W nodes survive once its wait returned and no new attempt came (a caller
         * that gave up). Shorter frees the queue sooner; longer keeps a slow retrier's place.
         *
         * @param grace positive.
         * @return this builder.
         */
        public Builder waiterGrace(final Duration grace)
        {
            this.waiterGrace = grace;
            return this;
        }

        /**
         * Validates the configuration, connects (if given a connect string) and opens the store.
         *
         * @return the store.
         * @throws IllegalArgumentException naming the bad setting; nothing was started.
         * @throws LockStoreException if the ensemble cannot be reached or the namespace cannot be created.
         */
        public ZooKeeperLockStore build()
        {
            if ((connectString == null) == (client == null))
            {
                throw new IllegalArgumentException("give exactly one of connectString or client");
            }
            validateNamespace(namespace);
            positive("sessionTimeout", sessionTimeout);
            positive("connectionTimeout", connectionTimeout);
            positive("heartbeat", heartbeat);
            positive("waiterGrace", waiterGrace);
            final CuratorFramework c;
            final boolean owns = client == null;
            if (owns)
            {
                validateConnectString(connectString);
                c = CuratorFrameworkFactory.builder()
                    .connectString(connectString)
                    .sessionTimeoutMs((int)Math.min(Integer.MAX_VALUE, sessionTimeout.toMillis()))
                    .connectionTimeoutMs((int)Math.min(Integer.MAX_VALUE, connectionTimeout.toMillis()))
                    .retryPolicy(new ExponentialBackoffRetry(100, 3))
                    .build();
                c.start();
            }
            else
            {
                c = client;
            }
            try
            {
                if (!c.blockUntilConnected((int)Math.min(Integer.MAX_VALUE, connectionTimeout.toMillis()),
                    TimeUnit.MILLISECONDS))
                {
                    throw new LockStoreException("could not connect to ZooKeeper at " +
                        c.getZookeeperClient().getCurrentConnectionString() + " within " + connectionTimeout.toMillis() +
                        " ms", null);
                }
                final ZooKeeperLockStore store = new ZooKeeperLockStore(this, c, owns);
                store.start();
                return store;
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
                if (owns)
                {
                    c.close();
                }
                throw new LockStoreException("interrupted while connecting to ZooKeeper", e);
            }
            catch (final RuntimeException e)
            {
                if (owns)
                {
                    c.close();
                }
                throw e;
            }
        }

        private static void positive(final String name, final Duration d)
        {
            if (d == null || d.isNegative() || d.isZero())
            {
                throw new IllegalArgumentException(name + " must be a positive duration, got " + d);
            }
        }
    }

    /**
     * Checks a namespace: an absolute ZooKeeper path other than "/".
     *
     * @param namespace the namespace.
     * @throws IllegalArgumentException naming the namespace and what is wrong.
     */
    static void validateNamespace(final String namespace)
    {
        if (namespace == null || namespace.isEmpty())
        {
            throw new IllegalArgumentException("the ZooKeeper namespace is missing (e.g. /pathlock)");
        }
        if (namespace.equals("/"))
        {
            throw new IllegalArgumentException("the ZooKeeper namespace must not be \"/\" (e.g. /pathlock)");
        }
        try
        {
            PathUtils.validatePath(namespace);
        }
        catch (final IllegalArgumentException e)
        {
            throw new IllegalArgumentException("bad ZooKeeper namespace \"" + namespace + "\": " + e.getMessage(), e);
        }
    }

    /**
     * Checks a connect string: {@code host:port[,host:port...][/chroot]}.
     *
     * @param connectString the connect string.
     * @throws IllegalArgumentException naming the string and the bad part.
     */
    static void validateConnectString(final String connectString)
    {
        if (connectString == null || connectString.isBlank())
        {
            throw new IllegalArgumentException("the ZooKeeper connect string is missing (e.g. 127.0.0.1:2181)");
        }
        String hosts = connectString;
        final int slash = connectString.indexOf('/');
        if (slash >= 0)
        {
            hosts = connectString.substring(0, slash);
            final String chroot = connectString.substring(slash);
            if (chroot.length() > 1)
            {
                try
                {
                    PathUtils.validatePath(chroot);
                }
                catch (final IllegalArgumentException e)
                {
                    throw new IllegalArgumentException("bad chroot in ZooKeeper connect string \"" + connectString +
                        "\": " + e.getMessage(), e);
                }
            }
        }
        for (final String hp : hosts.split(",", -1))
        {
            final var m = HOST_PORT.matcher(hp.trim());
            if (!m.matches())
            {
                throw new IllegalArgumentException("bad ZooKeeper connect string \"" + connectString + "\": \"" + hp +
                    "\" is not host:port");
            }
            final int port = Integer.parseInt(m.group(2));
            if (port < 1 || port > 65535)
            {
                throw new IllegalArgumentException("bad ZooKeeper connect string \"" + connectString + "\": port " +
                    port + " is out of range");
            }
        }
    }

    private void start()
    {
        client.getConnectionStateListenable().addListener(stateListener);
        try
        {
            final ZooKeeper zk = zk();
            ensurePath(zk, namespace, CreateMode.PERSISTENT);
            ensurePath(zk, fencePath, CreateMode.PERSISTENT);
            ensurePath(zk, treeRoot, CreateMode.PERSISTENT);
        }
        catch (final KeeperException e)
        {
            close();
            throw new LockStoreException("could not create the namespace " + namespace + " in " + describe + ": " + e, e);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            close();
            throw new LockStoreException("interrupted while creating the namespace " + namespace, e);
        }
        final long period = Math.max(1, graceNanos / 2);
        agent.scheduleWithFixedDelay(this::doWork, period, period, TimeUnit.NANOSECONDS);
    }

    private void onState(final CuratorFramework c, final ConnectionState s)
    {
        if (s == ConnectionState.SUSPENDED || s == ConnectionState.LOST)
        {
            // Z10: this client cannot tell whether the session survives; every lock granted so far may be lost.
            epochReason = "the ZooKeeper connection was " + s + " (the session may have expired: its locks may be held by others)";
            epoch++;
        }
    }

    // ------------------------------------------------------------------------------------------ SPI

    @Override
    public String describe()
    {
        return describe;
    }

    @Override
    public PublishResult tryPublish(final String ownerId, final List<LockRequest.Entry> entries)
    {
        Objects.requireNonNull(ownerId, "ownerId");
        if (entries == null || entries.isEmpty())
        {
            throw new IllegalArgumentException("no entries to publish");
        }
        ensureOpen();
        final int epoch0 = epoch;
        final WaitKey wk = new WaitKey(ownerId, List.copyOf(entries));
        final Owner owner = useOwner(ownerId);
        final boolean exempt;
        synchronized (owner)
        {
            exempt = owner.publications > 0;
        }
        final Waiter waiter = takeWaiter(wk, epoch0);
        boolean granted = false;
        List<String> created = null;
        try
        {
            final List<Need> needs = needs(entries);
            final long attempt = attempts.incrementAndGet();
            final List<Op> ops = new ArrayList<>(needs.size() + 1);
            final byte[] data = data(ownerId);
            for (final Need n : needs)
            {
                final long ref = waiter == null ? -1 : waiter.seqByQueue.getOrDefault(n.queue + "|" + n.kind, -1L);
                ops.add(Op.create(n.queue + "/" + QueueNode.prefix(false, n.kind, exempt, owner.key, attempt, ref),
                    data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL_SEQUENTIAL));
            }
            ops.add(Op.setData(fencePath, new byte[0], -1));
            final ZooKeeper zk = zk();
            final List<OpResult> results = createWithParents(zk, ops, needs, owner.key + "." + attempt);
            final List<String> lockPaths = new ArrayList<>(needs.size());
            for (int i = 0; i < needs.size(); i++)
            {
                lockPaths.add(((OpResult.CreateResult)results.get(i)).getPath());
            }
            created = lockPaths;
            final long[] token = {((OpResult.SetDataResult)results.get(needs.size())).getStat().getMzxid()};
            final String blocking = findBlocker(zk, needs, lockPaths, owner.key, exempt, waiter, token);
            if (blocking == null && epoch == epoch0)
            {
                final Pub p = new Pub(ownerId, owner, wk.entries, List.copyOf(lockPaths),
                    waiter == null ? List.of() : waiter.paths, token[0], epoch0);
                synchronized (owner)
                {
                    owner.publications++;
                    owner.users++;
                }
                granted = true;
                live.add(p);
                if (waiter != null)
                {
                    forgetWaiter(waiter);
                }
                lastGrant.set(p);
                return PublishResult.granted(p);
            }
            // The blocker's description is read while the attempt's nodes are deleted (one round trip:
            // the read is sent first, so the session answers it before the delete).
            final CompletableFuture<byte[]> holderData = blocking == null ? null : readAsync(zk, blocking);
            deleteAll(zk, lockPaths);
            created = null;
            if (blocking == null)
            {
                throw new LockStoreException("the ZooKeeper session was interrupted while publishing " + entries +
                    " in " + describe + ": " + epochReason, null);
            }
            return PublishResult.refused(conflict(blocking, holderData), new Blocker(wk, blocking, exempt));
        }
        catch (final KeeperException e)
        {
            throw new LockStoreException("ZooKeeper failed to publish " + entries + " in " + describe + ": " + e, e);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new LockStoreException("interrupted while publishing " + entries + " in " + describe, e);
        }
        finally
        {
            if (created != null && !granted)
            {
                // Failed between the create and the decision: nothing may stay published.
                orphanPaths.addAll(created);
                try
                {
                    agent.execute(this::doWork);
                }
                catch (final java.util.concurrent.RejectedExecutionException closing)
                {
                    // Closed: the session's end removes them.
                }
            }
            if (waiter != null && !granted)
            {
                releaseWaiter(waiter);
            }
            unuseOwner(ownerId, owner);
        }
    }

    @Override
    public void unpublish(final Publication publication)
    {
        final Pub p = (Pub)publication;
        if (lastGrant.get() == p)
        {
            lastGrant.remove();
        }
        synchronized (p)
        {
            if (p.released)
            {
                return;
            }
            p.released = true;
        }
        live.remove(p);
        final Owner owner = p.owner;
        synchronized (owner)
        {
            owner.publications--;
        }
        unuseOwner(p.ownerId, owner);
        final List<String> all = new ArrayList<>(p.lockPaths);
        all.addAll(p.waiterPaths);
        try
        {
            deleteAll(zk(), all);
        }
        catch (final KeeperException | RuntimeException e)
        {
            // The agent deletes them once connected (or the session's end does).
            orphanPaths.addAll(all);
            if (p.epoch != epoch)
            {
                return;
            }
            throw new LockStoreException("ZooKeeper failed to remove " + p.entries + " from " + describe + ": " + e, e);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new LockStoreException("interrupted while removing " + p.entries + " from " + describe, e);
        }
    }

    /**
     * The fencing token of the grant this thread just published: the zxid of the multi that created
     * its lock nodes (Z9). The manager calls this on the thread that published, right after the grant;
     * a call with no fresh grant on this thread takes a new zxid from the ensemble (a setData of the
     * fence node), which is later than every grant that happened before the call.
     *
     * @return a positive token.
     */
    @Override
    public long nextFencingToken()
    {
        final Pub p = lastGrant.get();
        if (p != null)
        {
            lastGrant.remove();
            return p.token;
        }
        try
        {
            operations.incrementAndGet();
            return zk().setData(fencePath, new byte[0], -1).getMzxid();
        }
        catch (final KeeperException e)
        {
            throw new LockStoreException("ZooKeeper failed to issue a fencing token in " + describe + ": " + e, e);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new LockStoreException("interrupted while issuing a fencing token", e);
        }
    }

    /**
     * The fencing token of a publication (the zxid of its grant, Z9).
     *
     * @param publication a publication of this store.
     * @return the token.
     */
    public long fencingToken(final Publication publication)
    {
        return ((Pub)publication).token;
    }

    @Override
    public boolean refresh(final Publication publication)
    {
        final Pub p = (Pub)publication;
        if (check(p) != null)
        {
            return false;
        }
        final List<Op> reads = new ArrayList<>(p.lockPaths.size());
        for (final String path : p.lockPaths)
        {
            reads.add(Op.getData(path));
        }
        try
        {
            operations.incrementAndGet();
            final List<OpResult> rs = zk().multi(reads);
            for (int i = 0; i < rs.size(); i++)
            {
                if (rs.get(i) instanceof OpResult.ErrorResult)
                {
                    p.lost = "lock node " + p.lockPaths.get(i) + " was removed (error " +
                        ((OpResult.ErrorResult)rs.get(i)).getErr() + ")";
                    return false;
                }
            }
            return check(p) == null;
        }
        catch (final KeeperException e)
        {
            throw new LockStoreException("ZooKeeper failed to check " + p.entries + " in " + describe + ": " + e, e);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new LockStoreException("interrupted while checking " + p.entries, e);
        }
    }

    /** Local and cheap: reports a session interruption since the grant (Z10), or a loss {@link #refresh} saw. */
    @Override
    public String check(final Publication publication)
    {
        final Pub p = (Pub)publication;
        if (p.lost != null)
        {
            return p.lost;
        }
        if (p.epoch != epoch)
        {
            p.lost = epochReason != null ? epochReason : "the ZooKeeper session was interrupted";
            return p.lost;
        }
        if (closed)
        {
            return "the ZooKeeper lock store was closed";
        }
        return null;
    }

    @Override
    public Duration heartbeatInterval()
    {
        return heartbeat;
    }

    @Override
    public void awaitChange(final Object blocker, final long timeoutNanos) throws InterruptedException
    {
        final Blocker b = (Blocker)blocker;
        final long deadline = System.nanoTime() + Math.max(0, timeoutNanos);
        // The watch is sent before the W nodes are created: both in one round trip.
        final CompletableFuture<Void> changed = watch(b.nodePath);
        final Waiter w = armWaiter(b);
        try
        {
            final long left = deadline - System.nanoTime();
            if (left > 0)
            {
                changed.get(left, TimeUnit.NANOSECONDS);
            }
        }
        catch (final TimeoutException | ExecutionException e)
        {
            // A timeout, or the watch failed: the manager retries or gives up.
        }
        catch (final InterruptedException e)
        {
            if (w != null)
            {
                abandon(w);
            }
            throw e;
        }
        finally
        {
            if (w != null)
            {
                releaseWaiter(w);
            }
        }
    }

    @Override
    public CompletableFuture<Void> onChange(final Object blocker, final long timeoutNanos)
    {
        final Blocker b = (Blocker)blocker;
        final CompletableFuture<Void> result = new CompletableFuture<>();
        agent.execute(() ->
            {
                Waiter w = null;
                try
                {
                    final CompletableFuture<Void> changed = watch(b.nodePath);
                    w = armWaiter(b);
                    final Waiter fw = w;
                    changed
                        .completeOnTimeout(null, Math.max(0, timeoutNanos), TimeUnit.NANOSECONDS)
                        .whenComplete((v, ex) ->
                            {
                                if (fw != null)
                                {
                                    releaseWaiter(fw);
                                }
                                result.complete(null);
                            });
                }
                catch (final Exception e)
                {
                    if (w != null)
                    {
                        releaseWaiter(w);
                    }
                    result.complete(null);
                }
            });
        return result;
    }

    @Override
    public void close()
    {
        if (!closing.compareAndSet(false, true))
        {
            return;
        }
        client.getConnectionStateListenable().removeListener(stateListener);
        agent.shutdownNow();
        for (final Waiter w : List.copyOf(waiters.values()))
        {
            abandon(w);
        }
        for (final Pub p : List.copyOf(live))
        {
            try
            {
                unpublish(p);
            }
            catch (final RuntimeException e)
            {
                // Best effort: the nodes are ephemeral and go with the session.
            }
        }
        closed = true;
        if (ownsClient)
        {
            client.close();
        }
    }

    // ------------------------------------------------------------------------------- observability

    /**
     * How many ZooKeeper requests (a multi counts as one) this store has sent: what the O(depth)
     * tests count.
     *
     * @return the count since the store was opened.
     */
    public long operationCount()
    {
        return operations.get();
    }

    /**
     * The namespace.
     *
     * @return the namespace path.
     */
    public String namespace()
    {
        return namespace;
    }

    /**
     * Counts the queue nodes (locks, intentions and waiters of every client) under the namespace by
     * walking the tree. For tests and diagnostics: its cost grows with the tree, and the count is
     * not a snapshot (a multi that lands during the walk may be counted in part).
     *
     * @return the number of queue nodes.
     * @throws LockStoreException on a ZooKeeper failure.
     */
    public int countQueueNodes()
    {
        try
        {
            return count(zk(), treeRoot);
        }
        catch (final KeeperException e)
        {
            throw new LockStoreException("ZooKeeper failed to walk " + treeRoot + ": " + e, e);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new LockStoreException("interrupted while walking " + treeRoot, e);
        }
    }

    /**
     * Every lock and waiter in the namespace (intentions are not listed: they stand for the locks
     * below), by walking the tree. For {@code status} and diagnostics: its cost grows with the tree,
     * and the listing is not a snapshot (nodes may come and go during the walk).
     *
     * @return the locks and waiters found.
     * @throws LockStoreException on a ZooKeeper failure.
     */
    public List<ZooKeeperHolder> holders()
    {
        final List<ZooKeeperHolder> out = new ArrayList<>();
        try
        {
            collect(zk(), treeRoot, out);
        }
        catch (final KeeperException e)
        {
            throw new LockStoreException("ZooKeeper failed to walk " + treeRoot + ": " + e, e);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new LockStoreException("interrupted while walking " + treeRoot, e);
        }
        return out;
    }

    /**
     * {@link #holders()} as the SPI's records, for {@code pathlock status}.
     *
     * @return the locks and waiters found.
     * @throws LockStoreException on a ZooKeeper failure.
     */
    @Override
    public List<LockStoreProvider.StoreHolder> listHolders()
    {
        final List<LockStoreProvider.StoreHolder> out = new ArrayList<>();
        for (final ZooKeeperHolder h : holders())
        {
            out.add(new LockStoreProvider.StoreHolder(h.path(), h.type(), h.mode(), h.host(), h.pid(), h.ownerId(),
                h.ageMillis(), h.waiting(), h.node()));
        }
        return out;
    }

    /**
     * Deletes every queue node (locks, intentions, waiters) whose data is exactly the holder's
     * {@code host pid ownerId}, by walking the tree: {@code pathlock break}. The holder's store
     * reports the loss on its next {@link #refresh} (Z10); the nodes' queues are free at once.
     *
     * @param holder the holder, as {@link #listHolders()} returned it.
     * @return how many nodes were deleted (nodes deleted meanwhile by their owner are not counted).
     * @throws LockStoreException on a ZooKeeper failure.
     */
    @Override
    public int removeHolder(final LockStoreProvider.StoreHolder holder)
    {
        final byte[] want = (holder.host() + " " + holder.pid() + " " + holder.ownerId()).getBytes(StandardCharsets.UTF_8);
        try
        {
            return removeMatching(zk(), treeRoot, want);
        }
        catch (final KeeperException e)
        {
            throw new LockStoreException("ZooKeeper failed to remove the nodes of " + holder.ownerId() + " under " +
                treeRoot + ": " + e, e);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new LockStoreException("interrupted while removing the nodes of " + holder.ownerId(), e);
        }
    }

    private int removeMatching(final ZooKeeper zk, final String component, final byte[] want)
        throws KeeperException, InterruptedException
    {
        final List<String> children;
        try
        {
            children = zk.getChildren(component, false);
        }
        catch (final KeeperException.NoNodeException e)
        {
            return 0;
        }
        int n = 0;
        for (final String c : children)
        {
            if (!c.equals("q"))
            {
                n += removeMatching(zk, component + "/" + c, want);
                continue;
            }
            final String queue = component + "/q";
            final List<String> nodes;
            try
            {
                nodes = zk.getChildren(queue, false);
            }
            catch (final KeeperException.NoNodeException e)
            {
                continue;
            }
            for (final String name : nodes)
            {
                if (QueueNode.parse(name) == null)
                {
                    continue;
                }
                final Stat st = new Stat();
                try
                {
                    if (java.util.Arrays.equals(want, zk.getData(queue + "/" + name, false, st)))
                    {
                        // The version read: a node is never rewritten, but the check costs nothing.
                        zk.delete(queue + "/" + name, st.getVersion());
                        n++;
                    }
                }
                catch (final KeeperException.NoNodeException e)
                {
                    // Released meanwhile.
                }
            }
        }
        return n;
    }

    private void collect(final ZooKeeper zk, final String component, final List<ZooKeeperHolder> out)
        throws KeeperException, InterruptedException
    {
        final List<String> children;
        try
        {
            children = zk.getChildren(component, false);
        }
        catch (final KeeperException.NoNodeException e)
        {
            return;
        }
        for (final String c : children)
        {
            if (!c.equals("q"))
            {
                collect(zk, component + "/" + c, out);
                continue;
            }
            final String queue = component + "/q";
            final List<String> nodes;
            try
            {
                nodes = zk.getChildren(queue, false);
            }
            catch (final KeeperException.NoNodeException e)
            {
                continue;
            }
            for (final String name : nodes)
            {
                final QueueNode n = QueueNode.parse(name);
                if (n == null || n.kind.isIntention())
                {
                    continue;
                }
                final Stat st = new Stat();
                final String data;
                try
                {
                    data = new String(zk.getData(queue + "/" + name, false, st), StandardCharsets.UTF_8);
                }
                catch (final KeeperException.NoNodeException e)
                {
                    continue;
                }
                final String[] f = data.split(" ", 3);
                long pid = -1;
                try
                {
                    pid = f.length > 1 ? Long.parseLong(f[1]) : -1;
                }
                catch (final NumberFormatException e)
                {
                    // Not written by this store: shown as unknown.
                }
                out.add(new ZooKeeperHolder(ZkPaths.lockPathOfQueue(treeRoot, queue), n.kind.lockType(), n.kind.lockMode(),
                    f[0], pid, f.length > 2 ? f[2] : "", Math.max(0, System.currentTimeMillis() - st.getCtime()), n.waiter,
                    queue + "/" + name));
            }
        }
    }

    private int count(final ZooKeeper zk, final String component) throws KeeperException, InterruptedException
    {
        int n = 0;
        final List<String> children;
        try
        {
            children = zk.getChildren(component, false);
        }
        catch (final KeeperException.NoNodeException e)
        {
            return 0;
        }
        for (final String c : children)
        {
            if (c.equals("q"))
            {
                try
                {
                    n += zk.getChildren(component + "/q", false).size();
                }
                catch (final KeeperException.NoNodeException e)
                {
                    // Deleted meanwhile.
                }
            }
            else
            {
                n += count(zk, component + "/" + c);
            }
        }
        return n;
    }

    // ---------------------------------------------------------------------------------- internals

    private void ensureOpen()
    {
        if (closed)
        {
            throw new LockStoreException("the ZooKeeper lock store " + describe + " is closed", null);
        }
    }

    /**
     * The current ZooKeeper handle. While Curator is reconnecting (or replacing an expired session),
     * waits for the connection at most the connection timeout instead of failing at once on a dead
     * handle: callers would otherwise spin on SessionExpired until Curator's new session is up.
     */
    private ZooKeeper zk()
    {
        ensureOpen();
        try
        {
            ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
            if (!zk.getState().isConnected())
            {
                if (!client.blockUntilConnected((int)Math.min(Integer.MAX_VALUE, connectionTimeout.toMillis()),
                    TimeUnit.MILLISECONDS))
                {
                    throw new LockStoreException("not connected to ZooKeeper (" + describe + ") within " +
                        connectionTimeout.toMillis() + " ms", null);
                }
                zk = client.getZookeeperClient().getZooKeeper();
            }
            return zk;
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new LockStoreException("interrupted while waiting for the ZooKeeper connection to " + describe, e);
        }
        catch (final LockStoreException e)
        {
            throw e;
        }
        catch (final Exception e)
        {
            throw new LockStoreException("no ZooKeeper connection to " + describe + ": " + e, e);
        }
    }

    private byte[] data(final String ownerId)
    {
        final byte[] o = ownerId.getBytes(StandardCharsets.UTF_8);
        final byte[] d = new byte[hostPid.length + o.length];
        System.arraycopy(hostPid, 0, d, 0, hostPid.length);
        System.arraycopy(o, 0, d, hostPid.length, o.length);
        return d;
    }

    /**
     * Gets or creates the owner record and counts one more user. The owner's key (in its node names)
     * stays the same while it has publications, waiters or attempts, so its own nodes never block it.
     */
    private Owner useOwner(final String ownerId)
    {
        for (;;)
        {
            final Owner o = owners.computeIfAbsent(ownerId, k -> new Owner(storeId + "." +
                Integer.toString(ownerCounter.incrementAndGet(), 36)));
            synchronized (o)
            {
                if (!o.removed)
                {
                    o.users++;
                    return o;
                }
            }
        }
    }

    /** Counts one user less; drops the record with the last one. */
    private void unuseOwner(final String ownerId, final Owner o)
    {
        synchronized (o)
        {
            if (--o.users > 0)
            {
                return;
            }
            o.removed = true;
        }
        owners.remove(ownerId, o);
    }

    /** The queue nodes of a batch (Z2): a lock node per entry, the strongest intention per ancestor. */
    private List<Need> needs(final List<LockRequest.Entry> entries)
    {
        final LinkedHashMap<String, QueueNode.Kind> intentions = new LinkedHashMap<>();
        final List<Need> locks = new ArrayList<>(entries.size());
        for (final LockRequest.Entry e : entries)
        {
            final LockPath p = e.path();
            locks.add(new Need(ZkPaths.queue(treeRoot, p, p.depth()), QueueNode.Kind.lockOf(e)));
            final QueueNode.Kind ik = QueueNode.Kind.intentionOf(e);
            for (int d = 0; d < p.depth(); d++)
            {
                intentions.merge(ZkPaths.queue(treeRoot, p, d), ik,
                    (a, b) -> a == QueueNode.Kind.IX || b == QueueNode.Kind.IX ? QueueNode.Kind.IX : QueueNode.Kind.IS);
            }
        }
        final List<Need> all = new ArrayList<>(locks.size() + intentions.size());
        all.addAll(locks);
        intentions.forEach((q, k) -> all.add(new Need(q, k)));
        return all;
    }

    /**
     * Runs a multi of creates; on NoNode creates the missing container parents and retries. An outcome
     * lost with the connection is recorded for the agent to clean up (Z11).
     */
    private List<OpResult> createWithParents(final ZooKeeper zk, final List<Op> ops, final List<Need> needs,
        final String tag) throws KeeperException, InterruptedException
    {
        for (int i = 0; ; i++)
        {
            try
            {
                operations.incrementAndGet();
                return zk.multi(ops);
            }
            catch (final KeeperException.NoNodeException e)
            {
                if (i >= MAX_PARENT_RETRIES)
                {
                    throw e;
                }
                for (final Need n : needs)
                {
                    ensurePath(zk, n.queue, CreateMode.CONTAINER);
                }
            }
            catch (final KeeperException.ConnectionLossException | KeeperException.OperationTimeoutException e)
            {
                for (final Need n : needs)
                {
                    orphans.put(n.queue + "\u0000" + tag, tag);
                }
                throw e;
            }
        }
    }

    /** Creates a path and its missing parents below the namespace (containers below the tree root). */
    private void ensurePath(final ZooKeeper zk, final String path, final CreateMode mode)
        throws KeeperException, InterruptedException
    {
        try
        {
            operations.incrementAndGet();
            zk.create(path, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, mode);
        }
        catch (final KeeperException.NodeExistsException e)
        {
            // Someone else created it.
        }
        catch (final KeeperException.NoNodeException e)
        {
            final int slash = path.lastIndexOf('/');
            if (slash <= 0)
            {
                throw e;
            }
            final String parent = path.substring(0, slash);
            ensurePath(zk, parent, parent.startsWith(treeRoot + "/") ? CreateMode.CONTAINER : CreateMode.PERSISTENT);
            ensurePath(zk, path, mode);
        }
    }

    /**
     * Reads every queue the attempt wrote to (one read-only multi) and returns the first node that
     * blocks it (Z3, Z4), or null. Raises {@code token[0]} to the pzxid of every queue read (Z9).
     */
    private String findBlocker(final ZooKeeper zk, final List<Need> needs, final List<String> mine,
        final String ownerKey, final boolean exempt, final Waiter waiter, final long[] token)
        throws KeeperException, InterruptedException
    {
        final List<Op> reads = new ArrayList<>(2 * needs.size());
        for (final Need n : needs)
        {
            reads.add(Op.getChildren(n.queue));
            // After the children: its pzxid is at least the zxid of every removal the listing reflects.
            reads.add(Op.getData(n.queue));
        }
        operations.incrementAndGet();
        final List<OpResult> rs = zk.multi(reads);
        for (int i = 0; i < rs.size(); i++)
        {
            final OpResult r = rs.get(i);
            if (r instanceof OpResult.ErrorResult)
            {
                throw KeeperException.create(KeeperException.Code.get(((OpResult.ErrorResult)r).getErr()),
                    needs.get(i / 2).queue);
            }
            if (r instanceof OpResult.GetDataResult)
            {
                token[0] = Math.max(token[0], ((OpResult.GetDataResult)r).getStat().getPzxid());
            }
        }
        for (int i = 0; i < needs.size(); i++)
        {
            final Need n = needs.get(i);
            final OpResult r = rs.get(2 * i);
            final long mySeq = QueueNode.seqOf(mine.get(i));
            final long myW = waiter == null ? -1 : waiter.seqByQueue.getOrDefault(n.queue + "|" + n.kind, -1L);
            final long myRef = myW >= 0 ? myW : mySeq;
            for (final String child : ((OpResult.GetChildrenResult)r).getChildren())
            {
                final QueueNode c = QueueNode.parse(child);
                if (c == null || c.owner.equals(ownerKey) || !c.kind.conflicts(n.kind))
                {
                    continue;
                }
                if (!c.waiter)
                {
                    if (c.seq < mySeq)
                    {
                        final boolean yields = !c.exempt && myW >= 0 && c.ref > myW;
                        if (!yields)
                        {
                            return n.queue + "/" + child;
                        }
                    }
                }
                else if (!exempt && c.seq < myRef)
                {
                    return n.queue + "/" + child;
                }
            }
        }
        return null;
    }

    /** Reads a node's data, prefixed with its ctime and a space, asynchronously (null if it is gone). */
    private CompletableFuture<byte[]> readAsync(final ZooKeeper zk, final String nodePath)
    {
        final CompletableFuture<byte[]> f = new CompletableFuture<>();
        operations.incrementAndGet();
        zk.getData(nodePath, false, (rc, path, ctx, data, stat) ->
            {
                if (rc == KeeperException.Code.OK.intValue() && data != null && stat != null)
                {
                    final String d = stat.getCtime() + " " + new String(data, StandardCharsets.UTF_8);
                    f.complete(d.getBytes(StandardCharsets.UTF_8));
                }
                else
                {
                    f.complete(null);
                }
            }, null);
        return f;
    }

    /** Describes the blocking node from its data ({@code ctime host pid owner}); the holder may be gone already. */
    private LockConflict conflict(final String nodePath, final CompletableFuture<byte[]> holderData)
        throws InterruptedException
    {
        final String queue = nodePath.substring(0, nodePath.lastIndexOf('/'));
        final String lockPath = ZkPaths.lockPathOfQueue(treeRoot, queue);
        final QueueNode n = QueueNode.parse(nodePath.substring(nodePath.lastIndexOf('/') + 1));
        String holder = null;
        long age = -1;
        try
        {
            final byte[] d = holderData.get(30, TimeUnit.SECONDS);
            if (d != null)
            {
                final String text = new String(d, StandardCharsets.UTF_8);
                final int sp = text.indexOf(' ');
                holder = text.substring(sp + 1);
                age = Math.max(0, System.currentTimeMillis() - Long.parseLong(text.substring(0, sp))) * 1_000_000L;
            }
        }
        catch (final ExecutionException | TimeoutException e)
        {
            // Unknown holder: the retry will see.
        }
        final LockConflict.Reason reason = n != null && n.waiter ? LockConflict.Reason.PENDING :
            n != null && n.kind.isIntention() ? LockConflict.Reason.HELD_BELOW : LockConflict.Reason.HELD;
        return new LockConflict(lockPath, reason, holder, n == null ? null : n.kind.lockType(), age, describe,
            n == null ? null : n.kind.lockMode());
    }

    private void deleteAll(final ZooKeeper zk, final List<String> paths) throws KeeperException, InterruptedException
    {
        if (paths.isEmpty())
        {
            return;
        }
        final List<Op> ops = new ArrayList<>(paths.size());
        for (final String p : paths)
        {
            ops.add(Op.delete(p, -1));
        }
        try
        {
            operations.incrementAndGet();
            zk.multi(ops);
        }
        catch (final KeeperException.NoNodeException e)
        {
            for (final String p : paths)
            {
                try
                {
                    operations.incrementAndGet();
                    zk.delete(p, -1);
                }
                catch (final KeeperException.NoNodeException gone)
                {
                    // Already deleted (released twice, or the session ended).
                }
            }
        }
    }

    /** Exists watch on a node: the future completes when the node changes (or is already gone). */
    private CompletableFuture<Void> watch(final String nodePath)
    {
        final CompletableFuture<Void> f = new CompletableFuture<>();
        final Watcher w = event -> f.complete(null);
        try
        {
            operations.incrementAndGet();
            zk().exists(nodePath, w, (rc, path, ctx, stat) ->
                {
                    if (rc != KeeperException.Code.OK.intValue() || stat == null)
                    {
                        f.complete(null);
                    }
                }, null);
        }
        catch (final RuntimeException e)
        {
            f.complete(null);
        }
        return f;
    }

    // ------------------------------------------------------------------------------------ waiters

    /** Takes the owner's W nodes for this batch, if any are alive; marks them busy (not reapable). */
    private Waiter takeWaiter(final WaitKey key, final int epoch0)
    {
        final Waiter w = waiters.get(key);
        if (w == null)
        {
            return null;
        }
        synchronized (w)
        {
            if (w.dead)
            {
                return null;
            }
            if (w.epoch == epoch0)
            {
                w.busy++;
                return w;
            }
        }
        // Z10: W nodes of an interrupted session are forgotten (deleted if they still exist).
        abandon(w);
        return null;
    }

    private void releaseWaiter(final Waiter w)
    {
        synchronized (w)
        {
            w.busy--;
            w.idleSince = System.nanoTime();
        }
    }

    /** The W nodes now belong to a publication (kept until release, Z5). */
    private void forgetWaiter(final Waiter w)
    {
        synchronized (w)
        {
            w.busy--;
            w.dead = true;
        }
        waiters.remove(w.key, w);
        unuseOwner(w.key.ownerId, w.owner);
    }

    /** Deletes a waiter's W nodes unless an attempt is using them. */
    private void abandon(final Waiter w)
    {
        synchronized (w)
        {
            if (w.dead)
            {
                return;
            }
            w.dead = true;
        }
        waiters.remove(w.key, w);
        unuseOwner(w.key.ownerId, w.owner);
        try
        {
            deleteAll(zk(), w.paths);
        }
        catch (final InterruptedException e)
        {
            orphanPaths.addAll(w.paths);
            Thread.currentThread().interrupt();
        }
        catch (final Exception e)
        {
            orphanPaths.addAll(w.paths);
        }
    }

    /** Makes sure the batch has W nodes (its place in every queue) and marks them busy; null if it cannot. */
    private Waiter armWaiter(final Blocker b) throws InterruptedException
    {
        final int epoch0 = epoch;
        final Waiter existing = takeWaiter(b.key, epoch0);
        if (existing != null)
        {
            return existing;
        }
        if (closed)
        {
            return null;
        }
        final Owner owner = useOwner(b.key.ownerId);
        boolean kept = false;
        final List<Need> needs = needs(b.key.entries);
        final long attempt = attempts.incrementAndGet();
        final List<Op> ops = new ArrayList<>(needs.size());
        final byte[] data = data(b.key.ownerId);
        for (final Need n : needs)
        {
            ops.add(Op.create(n.queue + "/" + QueueNode.prefix(true, n.kind, b.exempt, owner.key, attempt, -1),
                data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL_SEQUENTIAL));
        }
        try
        {
            final List<OpResult> rs = createWithParents(zk(), ops, needs, owner.key + "." + attempt);
            final List<String> paths = new ArrayList<>(needs.size());
            final Map<String, Long> seqs = new HashMap<>();
            for (int i = 0; i < needs.size(); i++)
            {
                final String path = ((OpResult.CreateResult)rs.get(i)).getPath();
                paths.add(path);
                seqs.put(needs.get(i).queue + "|" + needs.get(i).kind, QueueNode.seqOf(path));
            }
            final Waiter w = new Waiter(b.key, owner, epoch0, List.copyOf(paths), seqs);
            w.busy = 1;
            final Waiter prev = waiters.putIfAbsent(b.key, w);
            if (prev != null)
            {
                // Another wait of the same owner and batch raced us: keep one place.
                deleteAll(zk(), paths);
                return takeWaiter(b.key, epoch0);
            }
            kept = true;
            return w;
        }
        catch (final KeeperException | RuntimeException e)
        {
            return null;
        }
        finally
        {
            if (!kept)
            {
                unuseOwner(b.key.ownerId, owner);
            }
        }
    }

    /** The background agent: deletes W nodes of callers that gave up (Z11) and orphaned attempts. */
    int doWork()
    {
        int n = 0;
        final long now = System.nanoTime();
        for (final Waiter w : List.copyOf(waiters.values()))
        {
            final boolean reap;
            synchronized (w)
            {
                reap = !w.dead && w.busy == 0 && now - w.idleSince > graceNanos;
            }
            if (reap || w.epoch != epoch)
            {
                abandon(w);
                n++;
            }
        }
        if (!orphanPaths.isEmpty() && !closed && client.getZookeeperClient().isConnected())
        {
            for (final String path : List.copyOf(orphanPaths))
            {
                try
                {
                    operations.incrementAndGet();
                    zk().delete(path, -1);
                    orphanPaths.remove(path);
                    n++;
                }
                catch (final KeeperException.NoNodeException e)
                {
                    orphanPaths.remove(path);
                }
                catch (final Exception e)
                {
                    // Retried at the next run.
                }
            }
        }
        if (!orphans.isEmpty() && !closed && client.getZookeeperClient().isConnected())
        {
            for (final String k : List.copyOf(orphans.keySet()))
            {
                final String queue = k.substring(0, k.indexOf('\u0000'));
                final String tag = orphans.get(k);
                try
                {
                    final ZooKeeper zk = zk();
                    for (final String c : zk.getChildren(queue, false))
                    {
                        if (c.contains("_" + tag + "_"))
                        {
                            try
                            {
                                zk.delete(queue + "/" + c, -1);
                            }
                            catch (final KeeperException.NoNodeException gone)
                            {
                                // Deleted meanwhile.
                            }
                        }
                    }
                    orphans.remove(k);
                    n++;
                }
                catch (final KeeperException.NoNodeException e)
                {
                    orphans.remove(k);
                }
                catch (final Exception e)
                {
                    // Retried at the next run.
                }
            }
        }
        return n;
    }
}

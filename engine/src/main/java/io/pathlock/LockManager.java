package io.pathlock;

import io.pathlock.core.LockRequest;
import io.pathlock.core.LockBusyException;
import io.pathlock.core.LockTimeoutException;
import io.pathlock.core.LockStoreException;
import io.pathlock.config.Settings;
import io.pathlock.observe.LockSnapshot;
import io.pathlock.redo.RecoveryReport;
import io.pathlock.redo.RedoLog;
import io.pathlock.store.LockStore;
import io.pathlock.time.MonotonicClock;
import io.pathlock.store.MemoryLockStore;
import io.pathlock.table.LockTable;
import io.pathlock.table.TableWaiter;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The entry point: hands out {@link LockHandle}s that take path locks (DESIGN §2).
 *
 * <p>Usable embedded with no configuration: {@code LockManager.create()} arbitrates the threads of
 * this process with the lock-free lock table and an in-memory store. A builder chooses another
 * {@link LockStore} (lock files for several processes), the default timeout, leak collection and
 * the clock.
 *
 * <pre>{@code
 * try (LockManager locks = LockManager.create();
 *      LockHandle h = locks.open("writer"))
 * {
 *     h.acquire(LockRequest.mv("/a/x", "/b", true), Duration.ofSeconds(5));
 *     // move /a/x into /b
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops the background agent, releases every open handle and
 * closes the store.
 */
public final class LockManager implements AutoCloseable
{
    /**
     * System property for the default timeout of {@link #lock(LockRequest)}: a duration by the
     * convention of {@link Settings} (a bare number is seconds), {@code 0} to fail fast, or
     * {@code forever}.
     */
    public static final String DEFAULT_TIMEOUT_PROP_NAME = "pathlock.manager.defaultTimeout";
    /**
     * Default of {@link #DEFAULT_TIMEOUT_PROP_NAME}: {@link Settings#FOREVER}, so that
     * {@link #lock(LockRequest)} waits as {@link java.util.concurrent.locks.Lock#lock()} does.
     */
    public static final Duration DEFAULT_TIMEOUT_DEFAULT = Settings.FOREVER;

    /** System property for the idle time after which a leaked handle is collected. */
    public static final String HANDLE_IDLE_TIMEOUT_PROP_NAME = "pathlock.manager.handleIdleTimeout";
    /** Default of {@link #HANDLE_IDLE_TIMEOUT_PROP_NAME}: one hour, as the seed's stale cleanup. */
    public static final Duration HANDLE_IDLE_TIMEOUT_DEFAULT = Duration.ofHours(1);

    /** System property for how often the background agent checks handles. */
    public static final String AGENT_INTERVAL_PROP_NAME = "pathlock.manager.agentInterval";
    /** Default of {@link #AGENT_INTERVAL_PROP_NAME}. */
    public static final Duration AGENT_INTERVAL_DEFAULT = Duration.ofSeconds(1);

    static final System.Logger LOG = System.getLogger("io.pathlock");
    /** Resolution of grant and activity times when the agent refreshes them (see {@link #now()}). */
    static final long CACHED_CLOCK_TICK_MILLIS = 10;
    private static final MonotonicClock SYSTEM_CLOCK = MonotonicClock.system();
    private static final AtomicLong MANAGER_IDS = new AtomicLong();
    private static final String PROCESS_TAG = ProcessHandle.current().pid() + "";

    final LockTable table;
    /** Waiting upgrades across shared locks, to refuse the one that would deadlock (U1). */
    final UpgradeWaits upgradeWaits = new UpgradeWaits();
    final LockStore store;
    final Observer observer;
    final MonotonicClock clock;
    final Executor asyncExecutor;
    final ScheduledExecutorService scheduler;
    private final boolean ownsScheduler;
    private final Duration defaultTimeout;
    final long handleIdleTimeoutNanos;
    final String idPrefix;
    private final AtomicLong handleIds = new AtomicLong();
    final HandleRegistry handles = new HandleRegistry();
    /**
     * Each thread's states, one per manager it used: one thread-local for all managers, whose value
     * forgets a manager once it is unreachable (weak keys). A thread-local per manager would leave,
     * in every thread that used a manager, a stale entry holding that manager's trie (through the
     * chain cache) after the manager is gone, until the thread's map happens to expunge it.
     */
    private static final ThreadLocal<ThreadContext> CONTEXTS = ThreadLocal.withInitial(ThreadContext::new);

    /** One thread's {@link ThreadState}s by manager (see {@link #CONTEXTS}); used by its thread only. */
    private static final class ThreadContext
    {
        final java.util.WeakHashMap<LockManager, ThreadState> states = new java.util.WeakHashMap<>(4);
        java.lang.ref.WeakReference<LockManager> last = new java.lang.ref.WeakReference<>(null);
        ThreadState lastState;
    }
    // The last label that passed validateLabel: a label used again (a constant) is not re-read.
    private volatile String lastValidLabel;
    /**
     * Grant and activity times come from {@link #cachedNanos}, refreshed by the background agent
     * every {@link #CACHED_CLOCK_TICK_MILLIS} ms, when the clock is the system clock and the agent
     * runs: {@code System.nanoTime()} costs tens of nanoseconds on virtual machines (kvm-clock),
     * as much as the rest of an uncontended acquisition. Timeouts always read the clock itself.
     */
    private final boolean cachedClock;
    private volatile long cachedNanos;
    final Set<LockHandle.WaitRecord> waiters = ConcurrentHashMap.newKeySet();
    /** Waiting acquisitions parked on a pending mark whose handles hold locks (see {@link #wakeMarkParked}). */
    final Set<TableWaiter> markParked = ConcurrentHashMap.newKeySet();
    private final RedoLog redoLog;
    private final CompletableFuture<RecoveryReport> redoRecovery;
    private final ManagerAgent agent;
    private final AgentRunner agentRunner;
    private volatile boolean closed;

    private LockManager(final Builder b)
    {
        this.table = new LockTable(b.reclaimMinNodes);
        this.store = b.store != null ? b.store : new MemoryLockStore();
        this.observer = new Observer(b.recentConflicts);
        this.clock = b.clock;
        this.asyncExecutor = b.asyncExecutor;
        this.defaultTimeout = b.defaultTimeout;
        this.handleIdleTimeoutNanos = b.handleIdleTimeout.toNanos();
        this.idPrefix = PROCESS_TAG + "." + MANAGER_IDS.incrementAndGet();
        if (b.scheduler != null)
        {
            this.scheduler = b.scheduler;
            this.ownsScheduler = false;
        }
        else
        {
            final ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r ->
            {
                final Thread t = new Thread(r, "pathlock-timeouts-" + idPrefix);
                t.setDaemon(true);
                return t;
            });
            s.setRemoveOnCancelPolicy(true);
            this.scheduler = s;
            this.ownsScheduler = true;
        }
        this.redoLog = b.redoLog;
        // Recovery replays in the background: start-up never blocks on it (DESIGN §3.4).
        this.redoRecovery = redoLog == null ? null : redoLog.startRecovery();
        this.agent = new ManagerAgent(this, b.agentInterval.toNanos());
        final boolean startAgent = b.startAgent && (handleIdleTimeoutNanos > 0 || !store.heartbeatInterval().isZero());
        this.cachedClock = startAgent && clock == SYSTEM_CLOCK;
        this.cachedNanos = clock.nanoTime();
        if (startAgent)
        {
            final long sleepMs = Math.max(1, Math.min(b.agentInterval.toMillis(), cachedClock ? CACHED_CLOCK_TICK_MILLIS : 100));
            this.agentRunner = new AgentRunner(
                new SleepingMillisIdleStrategy(sleepMs), t -> backgroundError("the background agent", t), null, agent);
            AgentRunner.startOnThread(agentRunner, r ->
            {
                final Thread t = new Thread(r, "pathlock-agent-" + idPrefix);
                t.setDaemon(true);
                return t;
            });
        }
        else
        {
            this.agentRunner = null;
        }
        LOG.log(System.Logger.Level.INFO, "pathlock lock manager {0} started: store {1}, default timeout {2}, "
            + "idle handles collected after {3}{4}", idPrefix, store.describe(), describe(defaultTimeout),
            describe(b.handleIdleTimeout), redoLog == null ? "" : ", redo log " + redoLog);
    }

    private static String describe(final Duration d)
    {
        return d.equals(Settings.FOREVER) ? "forever" : d.isZero() ? "0 (fail fast)" : d.toString();
    }

    /**
     * Wakes every acquisition parked on a pending mark (except {@code self}): a waiter has just
     * registered behind a held lock, so a parked acquisition whose handle holds that lock is now
     * awaited and must go past the mark, or the wait could close a cycle (LockHandle.Acquisition).
     * One volatile read when nothing is parked on a mark, the usual case.
     *
     * @param self the registering waiter.
     */
    void wakeMarkParked(final TableWaiter self)
    {
        if (!markParked.isEmpty())
        {
            for (final TableWaiter w : markParked)
            {
                if (w != self)
                {
                    w.signal();
                }
            }
        }
    }

    /**
     * Reports a failure of background work (agent, heartbeat, lost-lock listener, async executor):
     * counted in {@link LockSnapshot#counters()} and logged as a warning, never swallowed.
     */
    void backgroundError(final String where, final Throwable t)
    {
        observer.onBackgroundError();
        LOG.log(System.Logger.Level.WARNING, "pathlock: " + where + " failed (manager " + idPrefix + ")", t);
    }

    /**
     * A manager with every default: in-memory store, {@link #lock} waiting without limit, leaked
     * handles collected after an hour of inactivity.
     *
     * @return a new manager.
     */
    public static LockManager create()
    {
        return builder().build();
    }

    /**
     * A builder.
     *
     * @return a new builder with defaults (and system-property overrides) applied.
     */
    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * Opens a handle with no locks.
     *
     * @param label a label for reports (no control characters, no ':', at most 128 characters);
     *        the owner id is the label plus a process-unique suffix.
     * @return the handle.
     * @throws IllegalArgumentException if the label is invalid.
     * @throws IllegalStateException if the manager is closed.
     */
    public LockHandle open(final String label)
    {
        checkOpen();
        if (label != lastValidLabel || label == null)
        {
            validateLabel(label);
            lastValidLabel = label;
        }
        final ThreadState ts = threadState();
        if (ts.nextId == ts.idLimit)
        {
            ts.idLimit = handleIds.addAndGet(ThreadState.ID_BLOCK);
            ts.nextId = ts.idLimit - ThreadState.ID_BLOCK;
        }
        final LockHandle h = new LockHandle(this, label, ++ts.nextId);
        handles.add(h, ts);
        return h;
    }

    /** The calling thread's state for this manager. */
    ThreadState threadState()
    {
        final ThreadContext c = CONTEXTS.get();
        if (c.last.get() == this)
        {
            return c.lastState;
        }
        ThreadState ts = c.states.get(this);
        if (ts == null)
        {
            // A thread state refers to no manager, so the weak key can go (its trie goes with it).
            ts = new ThreadState(observer.newLocal(), table.newChainCache(),
                (int)(Thread.currentThread().getId() * 0x9E3779B9L >>> 16));
            c.states.put(this, ts);
        }
        c.last = new java.lang.ref.WeakReference<>(this);
        c.lastState = ts;
        return ts;
    }

    /**
     * Now, for grant and activity times: the agent's cached reading of the system clock (at most
     * {@link #CACHED_CLOCK_TICK_MILLIS} ms old) when it runs, else the clock itself.
     */
    long now()
    {
        return cachedClock ? cachedNanos : clock.nanoTime();
    }

    /** Called by the agent on every duty cycle with the clock's reading. */
    void tick(final long nanos)
    {
        if (cachedClock)
        {
            cachedNanos = nanos;
        }
    }

    /**
     * Opens a handle labelled {@code "handle"}.
     *
     * @return the handle.
     */
    public LockHandle open()
    {
        return open("handle");
    }

    /**
     * Opens a handle and acquires a request, waiting as {@link java.util.concurrent.locks.Lock#lock()}
     * does: up to the configured default timeout ({@link #DEFAULT_TIMEOUT_PROP_NAME},
     * {@link Builder#defaultTimeout}), which is {@code forever} unless configured. Interruptible.
     *
     * @param request the locks.
     * @return the handle holding them; close it to release.
     * @throws LockBusyException if the default timeout is configured as zero and a lock is busy.
     * @throws LockTimeoutException if a finite default timeout elapsed.
     * @throws InterruptedException if interrupted while waiting (nothing is held).
     */
    public LockHandle lock(final LockRequest request) throws InterruptedException
    {
        return lock(request, defaultTimeout);
    }

    /**
     * Opens a handle and acquires a request, waiting at most {@code timeout} in total.
     *
     * @param request the locks.
     * @param timeout the total timeout; zero fails at once when busy; {@link Settings#FOREVER} waits
     *        without limit.
     * @return the handle holding them; close it to release.
     * @throws LockBusyException if the timeout is zero and a lock is busy.
     * @throws LockTimeoutException if the timeout elapsed.
     * @throws InterruptedException if interrupted while waiting (nothing is held).
     * @throws IllegalArgumentException if the timeout is negative or null.
     */
    public LockHandle lock(final LockRequest request, final Duration timeout) throws InterruptedException
    {
        requireTimeout(timeout);
        final LockHandle h = open();
        boolean ok = false;
        try
        {
            if (timeout.equals(Settings.FOREVER))
            {
                h.acquire(request);
            }
            else
            {
                h.acquire(request, timeout);
            }
            ok = true;
            return h;
        }
        finally
        {
            if (!ok)
            {
                h.close();
            }
        }
    }

    /**
     * Opens a handle and takes a request at once if it is free, as
     * {@link java.util.concurrent.locks.Lock#tryLock()} does: "busy" is an expected answer, not an
     * exception. The handle fits try-with-resources ({@code null} is allowed there).
     *
     * @param request the locks.
     * @return the handle holding them, or {@code null} if any is busy (nothing is held then).
     * @throws LockStoreException if the store failed.
     */
    public LockHandle tryLock(final LockRequest request)
    {
        final LockHandle h = open();
        boolean ok = false;
        try
        {
            ok = h.tryLock(request);
            return ok ? h : null;
        }
        finally
        {
            if (!ok)
            {
                h.close();
            }
        }
    }

    /**
     * Opens a handle and acquires a request asynchronously: no thread is parked while it waits.
     * Cancelling the future abandons the wait; a grant that races with the cancellation is released,
     * so a cancelled future never leaves anything held.
     *
     * @param request the locks.
     * @param timeout total timeout; {@link Duration#ZERO} fails at once when busy;
     *        {@link Settings#FOREVER} waits without limit.
     * @return a future completed with the handle, or exceptionally with {@link LockBusyException},
     *         {@link LockTimeoutException} or {@link LockStoreException}.
     * @throws IllegalArgumentException if the timeout is negative or null (as for
     *         {@link LockHandle#acquire(LockRequest, Duration)}).
     */
    public CompletableFuture<LockHandle> acquireAsync(final LockRequest request, final Duration timeout)
    {
        requireTimeout(timeout);
        final LockHandle h = open("async");
        return h.acquireAsyncInto(request, timeout.equals(Settings.FOREVER) ? -1 : toNanosSaturated(timeout));
    }

    /**
     * As {@link #acquireAsync(LockRequest, Duration)} waiting without limit (until granted, the store
     * fails or the future is cancelled).
     *
     * @param request the locks.
     * @return a future completed with the handle.
     */
    public CompletableFuture<LockHandle> acquireAsync(final LockRequest request)
    {
        return acquireAsync(request, Settings.FOREVER);
    }

    static void requireTimeout(final Duration timeout)
    {
        if (timeout == null || timeout.isNegative())
        {
            throw new IllegalArgumentException("timeout must be zero or positive (Settings.FOREVER for no limit), got "
                + timeout);
        }
    }

    /**
     * A snapshot of handles, waiters, recent conflicts and counters.
     *
     * @return the snapshot.
     */
    public LockSnapshot snapshot()
    {
        final List<LockSnapshot.HandleInfo> hs = new ArrayList<>();
        for (final LockHandle h : handles.openHandles())
        {
            hs.add(h.info());
        }
        final List<LockSnapshot.WaiterInfo> ws = new ArrayList<>();
        for (final LockHandle.WaitRecord w : waiters)
        {
            ws.add(w.info());
        }
        return new LockSnapshot(store.describe(), clock.nanoTime(), java.time.Instant.now(), List.copyOf(hs), List.copyOf(ws),
            observer.recentConflicts(), observer.counters(), table.nodeCount());
    }

    /**
     * The lock table, for the project's own tests, benchmarks and stress tests. Not API: the module
     * does not export {@code io.pathlock.table}, so code on the module path cannot use the result.
     *
     * @return the table.
     */
    @SuppressWarnings("exports")
    public LockTable table()
    {
        return table;
    }

    /**
     * The store.
     *
     * @return the store.
     */
    public LockStore store()
    {
        return store;
    }

    /**
     * The redo log given to the builder, whose recovery this manager started.
     *
     * @return the redo log.
     * @throws IllegalStateException if the manager was built without one.
     */
    public RedoLog redoLog()
    {
        if (redoLog == null)
        {
            throw new IllegalStateException("this lock manager was built without a redo log (Builder.redoLog)");
        }
        return redoLog;
    }

    /**
     * The background recovery started when the manager was built: completes with the report once
     * every begun-but-not-done task was replayed, quarantined or left pending for a missing handler.
     *
     * @return the recovery future.
     * @throws IllegalStateException if the manager was built without a redo log.
     */
    public CompletableFuture<RecoveryReport> redoRecovery()
    {
        redoLog();
        return redoRecovery;
    }

    /**
     * Runs one round of background work now (leak collection, heartbeats) regardless of the
     * interval; what the background agent does periodically. For tests and for embedders that drive
     * the agent themselves ({@link Builder#startAgent(boolean)}).
     *
     * @return how many handles were collected or refreshed.
     */
    public int runMaintenance()
    {
        return agent.runOnce();
    }

    /**
     * Releases every handle, stops the agent and closes the store and the redo log. Idempotent.
     * Every part is closed even when one throws; the first failure is rethrown with the others
     * suppressed.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        if (agentRunner != null)
        {
            failure = closeStep(failure, agentRunner::close);
        }
        for (final LockHandle h : handles.openHandles())
        {
            failure = closeStep(failure, h::close);
        }
        if (ownsScheduler)
        {
            scheduler.shutdownNow();
        }
        failure = closeStep(failure, store::close);
        if (redoLog != null)
        {
            failure = closeStep(failure, redoLog::close);
        }
        if (failure != null)
        {
            throw failure;
        }
    }

    /** Runs one part of {@link #close()}; the first failure is thrown at the end, later ones suppressed. */
    private static RuntimeException closeStep(final RuntimeException failure, final Runnable step)
    {
        try
        {
            step.run();
            return failure;
        }
        catch (final RuntimeException e)
        {
            if (failure == null)
            {
                return e;
            }
            failure.addSuppressed(e);
            return failure;
        }
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once closed.
     */
    public boolean isClosed()
    {
        return closed;
    }

    void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("lock manager is closed");
        }
    }

    private static void validateLabel(final String label)
    {
        if (label == null || label.isEmpty())
        {
            throw new IllegalArgumentException("handle label must not be empty");
        }
        if (label.length() > 128)
        {
            throw new IllegalArgumentException("handle label is longer than 128 characters: " + label.substring(0, 32) + "...");
        }
        for (int i = 0; i < label.length(); i++)
        {
            final char c = label.charAt(i);
            if (c < 0x20 || c == 0x7f || c == ':')
            {
                throw new IllegalArgumentException("handle label \"" + label.replaceAll("\\p{Cntrl}", "?")
                    + "\" has a forbidden character (code " + (int)c + ") at index " + i + ": no ':' or control characters");
            }
        }
    }

    /**
     * Configures a {@link LockManager}; validates everything once in {@link #build()}. Not
     * thread-safe.
     */
    public static final class Builder
    {
        private LockStore store;
        private Duration defaultTimeout;
        private Duration handleIdleTimeout;
        private Duration agentInterval;
        private MonotonicClock clock = SYSTEM_CLOCK;
        private Executor asyncExecutor = ForkJoinPool.commonPool();
        private ScheduledExecutorService scheduler;
        private int reclaimMinNodes = LockTable.RECLAIM_MIN_NODES_DEFAULT;
        private int recentConflicts = Observer.RECENT_CONFLICTS_DEFAULT;
        private boolean startAgent = true;
        private RedoLog redoLog;

        private Builder()
        {
            Settings.rejectRenamed("pathlock.lock.");
            Settings.rejectRenamed("pathlock.handle.");
            Settings.rejectRenamed("pathlock.agent.");
            defaultTimeout = Settings.durationProperty(DEFAULT_TIMEOUT_PROP_NAME, DEFAULT_TIMEOUT_DEFAULT, true);
            handleIdleTimeout = Settings.durationProperty(HANDLE_IDLE_TIMEOUT_PROP_NAME, HANDLE_IDLE_TIMEOUT_DEFAULT, false);
            agentInterval = Settings.durationProperty(AGENT_INTERVAL_PROP_NAME, AGENT_INTERVAL_DEFAULT, false);
        }

        /**
         * The store (default: a new {@link MemoryLockStore}). The manager closes it.
         *
         * @param store the store.
         * @return this.
         */
        public Builder store(final LockStore store)
        {
            this.store = store;
            return this;
        }

        /**
         * A redo log whose recovery the manager starts in the background when it is built (register
         * the handlers on the log first). The manager closes it.
         *
         * @param log an open redo log.
         * @return this.
         */
        public Builder redoLog(final RedoLog log)
        {
            this.redoLog = log;
            return this;
        }

        /**
         * Timeout of {@link LockManager#lock(LockRequest)}; zero fails fast; {@link Settings#FOREVER}
         * (the default) waits without limit.
         *
         * @param timeout not negative.
         * @return this.
         */
        public Builder defaultTimeout(final Duration timeout)
        {
            this.defaultTimeout = timeout;
            return this;
        }

        /**
         * Inactivity after which a handle is collected: its locks are released and it learns it
         * lost them. Zero disables collection.
         *
         * @param timeout not negative.
         * @return this.
         */
        public Builder handleIdleTimeout(final Duration timeout)
        {
            this.handleIdleTimeout = timeout;
            return this;
        }

        /**
         * How often the background agent collects idle handles and runs heartbeats.
         *
         * @param interval positive.
         * @return this.
         */
        public Builder agentInterval(final Duration interval)
        {
            this.agentInterval = interval;
            return this;
        }

        /**
         * Whether to start the background agent thread (default true). Without it, call
         * {@link LockManager#runMaintenance()} yourself.
         *
         * @param start whether to start it.
         * @return this.
         */
        public Builder startAgent(final boolean start)
        {
            this.startAgent = start;
            return this;
        }

        /**
         * The clock for ages, activity and timeouts (inject one in tests).
         *
         * @param clock the clock.
         * @return this.
         */
        public Builder clock(final MonotonicClock clock)
        {
            this.clock = clock;
            return this;
        }

        /**
         * Where asynchronous acquisitions retry after a wake-up (default: the common pool).
         *
         * @param executor the executor.
         * @return this.
         */
        public Builder asyncExecutor(final Executor executor)
        {
            this.asyncExecutor = executor;
            return this;
        }

        /**
         * Scheduler for asynchronous timeouts (default: one daemon thread owned by the manager).
         *
         * @param scheduler the scheduler; the manager does not shut it down.
         * @return this.
         */
        public Builder scheduler(final ScheduledExecutorService scheduler)
        {
            this.scheduler = scheduler;
            return this;
        }

        /**
         * Node count below which idle trie nodes are never swept.
         *
         * @param nodes at least 16.
         * @return this.
         */
        public Builder reclaimMinNodes(final int nodes)
        {
            this.reclaimMinNodes = nodes;
            return this;
        }

        /**
         * Capacity of the recent-conflict ring.
         *
         * @param capacity at least 1.
         * @return this.
         */
        public Builder recentConflicts(final int capacity)
        {
            this.recentConflicts = capacity;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the manager.
         * @throws IllegalArgumentException naming the first invalid setting.
         */
        public LockManager build()
        {
            requireNonNegative("defaultTimeout", defaultTimeout);
            requireNonNegative("handleIdleTimeout", handleIdleTimeout);
            if (agentInterval == null || agentInterval.isNegative() || agentInterval.isZero())
            {
                throw new IllegalArgumentException("agentInterval must be positive, got " + agentInterval);
            }
            if (clock == null || asyncExecutor == null)
            {
                throw new IllegalArgumentException("clock and asyncExecutor must not be null");
            }
            if (reclaimMinNodes < 16)
            {
                throw new IllegalArgumentException("reclaimMinNodes must be at least 16, got " + reclaimMinNodes);
            }
            if (recentConflicts < 1)
            {
                throw new IllegalArgumentException("recentConflicts must be at least 1, got " + recentConflicts);
            }
            return new LockManager(this);
        }

        private static void requireNonNegative(final String name, final Duration d)
        {
            if (d == null || d.isNegative())
            {
                throw new IllegalArgumentException(name + " must be zero or positive, got " + d);
            }
        }
    }

    static long toNanosSaturated(final Duration d)
    {
        return Settings.toNanosSaturated(d);
    }

    static final TimeUnit NANOS = TimeUnit.NANOSECONDS;
}

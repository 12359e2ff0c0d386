package io.pathlock.host;

import io.pathlock.core.LockConflict;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockStoreException;
import io.pathlock.file.Dialect;
import io.pathlock.file.FencingCounter;
import io.pathlock.file.FileLockStore;
import io.pathlock.store.LockStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A {@link LockStore} over the host lock table: every pathlock process of one host that opens a root
 * with this store arbitrates in one table in shared memory ({@code ROOT/.pathlock/host/table},
 * {@link HostTable}), O(depth) per request and no system call, instead of lock files. Each store is
 * one session ({@link HostSession}) of the table: two stores in one JVM exclude each other like two
 * processes.
 *
 * <h2>Interop</h2>
 * A root has one interop mode, written into its table when the table is created:
 * <ul>
 *   <li>{@code ragfs} (the default for a new root) or {@code ov431}: a grant of the table is then
 *   published as lock files through an inner {@link FileLockStore} of that dialect, so OpenViking
 *   processes and lock-file-only pathlock processes see every lock, and a SUBTREE still checks the
 *   files below it. The table is the first gate between pathlock processes; the files are the second
 *   and the only one the others see. The default is an interop mode because a root with OpenViking
 *   writers that a host-store process opened with {@code none} would silently lose mutual exclusion
 *   with them.</li>
 *   <li>{@code none}: only the table; no lock file is written and no tree is scanned. Opt in for trees
 *   that no OpenViking process (and no pathlock process on the lock-file store) writes.</li>
 * </ul>
 * Opening a root with a mode other than its table's is refused, naming both.
 *
 * <h2>The SPI over the table</h2>
 * <ol>
 *   <li><b>HS0 — refusals name what the table knows.</b> A table refusal names the path, the type and
 *   mode met there and, for a held lock, the holding session as the table reports it
 *   ({@code pid P (host slot K)}), or {@link #HOLDER_ANOTHER_SESSION} when it cannot: the table counts
 *   per session and node, not per handle, so no owner id (a SUBTREE refused by locks below names its
 *   own path with reason {@code HELD_BELOW}).</li>
 *   <li><b>HS1 — the table first.</b> {@link #tryPublish} asks the table ({@link HostSession#tryAcquire});
 *   only a table grant is published as files (interop on); a refusal of the files releases the table
 *   grant and returns the file store's conflict and blocker. {@link #unpublish} removes the files
 *   first, then the table grant, so that a pathlock process never finds the table free while this
 *   store's files still stand (it would only wait on the files, but it would be told the wrong
 *   holder).</li>
 *   <li><b>HS2 — fencing.</b> {@link #nextFencingToken()} comes from the root's
 *   {@link FencingCounter} ({@code ROOT/.pathlock/fence}), the same file the lock-file store uses: with
 *   interop on through the inner store, with {@code none} directly. The manager takes it after the
 *   table grant and before it returns the grant, while the grant holds every conflicting request out,
 *   so a grant that happens before a conflicting one has the smaller token.</li>
 *   <li><b>HS3 — liveness.</b> With interop on, the heartbeat is the inner store's (tokens are
 *   refreshed within the dialect's expiry) and a publication is intact while both its files and its
 *   table grant are. With {@code none} there is no heartbeat ({@link Duration#ZERO}: the table's
 *   liveness is the session's kernel lock) and {@link #check} asks {@link HostSession#isIntact}: a
 *   grant is lost only when {@code pathlock break --store host --slot K --force} broke the session.</li>
 *   <li><b>HS4 — waiting.</b> A blocker says which gate refused. A table blocker is waited on with
 *   {@link HostSession#await} (a futex where the native library is loaded), blocking on the caller's
 *   thread; asynchronously on one shared thread per store ({@link HostStoreWaiter} HW1–HW3). A file
 *   blocker is waited on by the inner store.</li>
 *   <li><b>HS5 — no starvation across processes.</b> A wait on a table blocker places the owner's
 *   pending mark in the table; the end of the wait ({@link #waitEnded}) or a grant to the owner removes
 *   it ({@link HostStoreMarks} HM1, HM2). So a SUBTREE waiter that gave up no longer holds back POINT
 *   requests of other processes. The table exempts a session from marks where it has counts (one of
 *   its owners may be what the waiter waits for); a request of an owner that holds nothing in this
 *   store cannot be, so the store tells the table so and which mark is the owner's own
 *   ({@link HostSession#tryAcquire(List, boolean, HostSession.Blocker)}): the marks refuse it even
 *   where its session has counts, so a stream of new handles of one process, overlapping or not,
 *   cannot starve another process's waiter. An owner that holds locks goes past marks where its
 *   session has holds or intents, as a handle that holds locks does on every shared store
 *   (deadlock-freedom over fairness, see {@code LockHandle}). A waiter goes past other marks on the
 *   node of its own mark (waiters pending on one node do not refuse each other: else two sessions'
 *   SUBTREE waiters on one node would refuse each other for ever), and only there: the marks of the
 *   session's other owners exempt nobody (else, once each of two sessions had a waiter on one node,
 *   every other handle of both would pass both marks and could starve both waiters). An owner's
 *   mark stands only on the node where its table wait is refused now: a retry refused elsewhere
 *   removes it, also when that refusal needs no mark of its own (HM1; a mark left behind makes its
 *   owner a holder of it, and two batch waiters of two sessions, each past its own mark and refused
 *   by the other's, waited for each other for ever: host-spec finding 7). A wait on the lock files
 *   (the table granted, the files refused) or in the manager's own table (the next attempt was
 *   refused in memory) keeps the owner's last table mark: the owner is still queued there.</li>
 *   <li><b>HS6 — close releases.</b> {@link #close()} stops the waits, removes the files (the inner
 *   store's close), closes the session (releasing its table locks and marks) and unmaps the table.</li>
 *   <li><b>HS7 — no access after unmap.</b> Every call that touches the mapping registers itself
 *   ({@code closed} is checked after registering: a Dekker handshake with {@code close()}, which sets
 *   it and then waits for the registered calls to leave). A blocking wait on the table lasts one slice
 *   (20 ms) at most and then returns spuriously, so that wait is short. Calls
 *   after close touch nothing: {@link #unpublish} is a no-op (close released everything),
 *   {@link #refresh} reports the loss, waits return at once, {@link #tryPublish} throws
 *   {@link IllegalStateException}. Reading unmapped memory would crash the JVM, not throw.</li>
 * </ol>
 *
 * <h2>Upgrade waits</h2>
 * With interop on, {@link #enterUpgradeWait} and {@link #exitUpgradeWait} are the inner store's
 * (shared-lock groups see the upgraders of every process). With {@code none} the table records no
 * upgrade waits: this store sees no other process's upgrader ({@link #enterUpgradeWait} returns null),
 * so two processes that both upgrade one shared lock wait for each other until one times out; the
 * per-manager upgrade cycle detection still fails the second upgrader of the same process at once.
 *
 * <p>Thread-safety: thread-safe.
 */
public final class HostLockStore implements LockStore
{
    /** The interop mode that writes no lock file. */
    public static final String INTEROP_NONE = "none";

    /**
     * The interop mode of a new root when none is configured and the system property
     * {@value Dialect#PROP_NAME} (the lock-file store's dialect) is not set.
     */
    public static final String INTEROP_DEFAULT = "ragfs";

    /**
     * The holder a table refusal names when the table cannot name the holding session (it never knows
     * the handle; {@code pathlock status --store host} shows every session's pid and slot).
     */
    public static final String HOLDER_ANOTHER_SESSION =
        "another session of the host table (see pathlock status --store host)";

    /** The table file under a root. */
    public static final String TABLE_FILE = ".pathlock/host/table";

    private static final String[] MODES = {"ragfs", INTEROP_NONE, "ov431"};

    /** Longest single wait on the table in {@link #awaitChange} (HS7); the manager retries after it. */
    static final long AWAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    /** Longest time {@link #close()} waits for calls in flight before it gives up unmapping (HS7). */
    static final long CLOSE_DRAIN_NANOS = TimeUnit.SECONDS.toNanos(10);

    private static final System.Logger LOG = System.getLogger("io.pathlock.host");

    /** What one grant published: the table grant and, with interop on, the lock files. */
    private record Pub(List<LockRequest.Entry> entries, HostSession.Grant grant, LockStore.Publication files,
        String ownerId, java.util.concurrent.atomic.AtomicBoolean released) implements LockStore.Publication
    {
        Pub(final List<LockRequest.Entry> entries, final HostSession.Grant grant, final LockStore.Publication files,
            final String ownerId)
        {
            this(entries, grant, files, ownerId, new java.util.concurrent.atomic.AtomicBoolean());
        }
    }

    private final Path root;
    private final String interop;
    private final HostTable table;
    private final HostSession session;
    private final FileLockStore files;
    private final FencingCounter fence;
    private final HostStoreMarks marks;
    private final HostStoreWaiter waiter;
    private final String description;
    private volatile boolean closed;
    /** Live publications per owner (HS5): owners absent hold nothing in this store. */
    private final java.util.concurrent.ConcurrentHashMap<String, Integer> holding =
        new java.util.concurrent.ConcurrentHashMap<>();
    /** Calls in flight that touch the mapping (HS7). */
    private final AtomicInteger inUse = new AtomicInteger();

    private HostLockStore(final Path root, final String interop, final HostTable table, final HostSession session,
        final FileLockStore files, final FencingCounter fence, final Duration livenessCheck)
    {
        this.root = root;
        this.interop = interop;
        this.table = table;
        this.session = session;
        this.files = files;
        this.fence = fence;
        this.marks = new HostStoreMarks(session);
        this.description = "host:" + root + " (interop " + interop + ", slot " + session.slot() + ")";
        this.waiter = new HostStoreWaiter(session, livenessCheck.toNanos(), root + " slot " + session.slot());
    }

    /**
     * A builder for a store on {@code root}.
     *
     * @param root an existing directory.
     * @return the builder.
     */
    public static Builder builder(final Path root)
    {
        return new Builder(root);
    }

    /**
     * A store on {@code root} with every default (the root's interop mode, or for a new root the
     * lock-file dialect of the system property {@value Dialect#PROP_NAME}, else {@value #INTEROP_DEFAULT}).
     *
     * @param root an existing directory.
     * @return the store.
     * @throws LockStoreException if the root or its table cannot be used.
     */
    public static HostLockStore open(final Path root)
    {
        return builder(root).build();
    }

    /**
     * The table file of a root.
     *
     * @param root the root directory.
     * @return {@code root/.pathlock/host/table}.
     */
    public static Path tableFile(final Path root)
    {
        return root.resolve(TABLE_FILE);
    }

    /**
     * Opens the existing host table of a root for administration ({@code pathlock status}, {@code break}):
     * attaches no session and creates nothing.
     *
     * @param root the root directory.
     * @return the table (the caller closes it), or null when the root has no host table.
     * @throws LockStoreException if the table file exists but cannot be used, naming it.
     */
    public static HostTable openTable(final Path root)
    {
        final Path file = tableFile(root);
        if (!Files.exists(file))
        {
            return null;
        }
        return openTable(file, null, Config.DEFAULTS);
    }

    // ---- LockStore --------------------------------------------------------------------------------

    /**
     * {@code host:ROOT (interop MODE, slot K)}.
     *
     * @return the description.
     */
    @Override
    public String describe()
    {
        return description;
    }

    /** HS1: the table, then (interop on) the lock files; all or nothing. */
    @Override
    public PublishResult tryPublish(final String ownerId, final List<LockRequest.Entry> entries)
    {
        if (!enter())
        {
            throw closedException();
        }
        try
        {
            return publish(ownerId, entries);
        }
        finally
        {
            exit();
        }
    }

    private PublishResult publish(final String ownerId, final List<LockRequest.Entry> entries)
    {
        // HS5: an owner that holds nothing here cannot be what another session's waiter waits for, so
        // the marks of waiters refuse it even where this session has counts (other owners' locks);
        // the table still exempts it where this session has marks of its own (waiters pending on one
        // node do not refuse each other).
        final HostSession.Result r = session.tryAcquire(entries, holding.containsKey(ownerId), marks.markOf(ownerId));
        if (!r.isGranted())
        {
            return PublishResult.refused(named(r.conflict()), HostStoreBlocker.ofTable(ownerId, r.blocker()));
        }
        LockStore.Publication published = null;
        if (files != null)
        {
            final PublishResult f;
            try
            {
                f = files.tryPublish(ownerId, entries);
            }
            catch (final RuntimeException e)
            {
                releaseQuietly(r.grant(), e);
                throw e;
            }
            if (!f.isGranted())
            {
                session.release(r.grant());
                return PublishResult.refused(f.conflict(), HostStoreBlocker.ofFile(ownerId, f.blocker()));
            }
            published = f.publication();
        }
        marks.clear(ownerId);
        holding.merge(ownerId, 1, Integer::sum);
        return PublishResult.granted(new Pub(entries, r.grant(), published, ownerId));
    }

    /**
     * The table's conflict with a holder named (HS0): the table's name of the holding session, or,
     * when it has none, {@link #HOLDER_ANOTHER_SESSION}.
     */
    private static LockConflict named(final LockConflict c)
    {
        if (c == null || c.holderOwnerId() != null || c.reason() != LockConflict.Reason.HELD)
        {
            return c;
        }
        return new LockConflict(c.path(), c.reason(), HOLDER_ANOTHER_SESSION, c.holderType(), c.heldForNanos(),
            c.source(), c.holderMode());
    }

    private void releaseQuietly(final HostSession.Grant grant, final RuntimeException cause)
    {
        try
        {
            session.release(grant);
        }
        catch (final RuntimeException e)
        {
            cause.addSuppressed(e);
        }
    }

    /**
     * HS1: the files first, then the table grant (also when removing the files failed). After
     * {@link #close()} nothing is left to remove.
     */
    @Override
    public void unpublish(final Publication publication)
    {
        final Pub p = (Pub)publication;
        if (!enter())
        {
            return;
        }
        try
        {
            if (p.files() != null)
            {
                files.unpublish(p.files());
            }
        }
        finally
        {
            try
            {
                session.release(p.grant());
            }
            finally
            {
                exit();
                if (p.released().compareAndSet(false, true))
                {
                    holding.computeIfPresent(p.ownerId(), (o, n) -> n == 1 ? null : n - 1);
                }
            }
        }
    }

    /** HS2: the root's fencing counter (shared with the lock-file store of the root). */
    @Override
    public long nextFencingToken()
    {
        return files != null ? files.nextFencingToken() : fence.next();
    }

    /** HS3: the inner store's refresh with interop on; with {@code none} the table grant's integrity. */
    @Override
    public boolean refresh(final Publication publication)
    {
        final Pub p = (Pub)publication;
        if (!enter())
        {
            return false;
        }
        try
        {
            final boolean intact = session.isIntact(p.grant());
            if (p.files() == null)
            {
                return intact;
            }
            return files.refresh(p.files()) && intact;
        }
        finally
        {
            exit();
        }
    }

    /** HS3: what was lost, naming the slot when the table grant was broken. */
    @Override
    public String check(final Publication publication)
    {
        final Pub p = (Pub)publication;
        if (!enter())
        {
            return "lock store " + description + " was closed, which released " + p.entries();
        }
        try
        {
            if (!session.isIntact(p.grant()))
            {
                return "the host-table session of slot " + session.slot() + " on " + root + " was broken " +
                    "(pathlock break --store host --slot " + session.slot() + " --force): " + p.entries() +
                    " are no longer held";
            }
            return p.files() == null ? null : files.check(p.files());
        }
        finally
        {
            exit();
        }
    }

    /** HS3: the inner store's with interop on; none ({@link Duration#ZERO}) with {@code none}. */
    @Override
    public Duration heartbeatInterval()
    {
        return files != null ? files.heartbeatInterval() : Duration.ZERO;
    }

    /** HS4, HS5: a table blocker marks the owner pending and waits on the table; a file blocker on the files. */
    @Override
    public void awaitChange(final Object blocker, final long timeoutNanos) throws InterruptedException
    {
        final HostStoreBlocker b = (HostStoreBlocker)blocker;
        if (b.isTable())
        {
            if (!enter())
            {
                return;
            }
            try
            {
                marks.mark(b.ownerId(), b.table());
                // HS7: one slice at most (a spurious return: the manager retries), so close() waits
                // a slice at most for this thread to leave the mapping.
                session.await(b.table(), Math.min(timeoutNanos, AWAIT_SLICE_NANOS));
            }
            finally
            {
                exit();
            }
        }
        else
        {
            files.awaitChange(b.file(), timeoutNanos);
        }
    }

    /** HS4, HS5: as {@link #awaitChange}, on the store's one waiter thread (HW1–HW3) for table blockers. */
    @Override
    public CompletableFuture<Void> onChange(final Object blocker, final long timeoutNanos)
    {
        final HostStoreBlocker b = (HostStoreBlocker)blocker;
        if (b.isTable())
        {
            if (!enter())
            {
                return CompletableFuture.completedFuture(null);
            }
            try
            {
                marks.mark(b.ownerId(), b.table());
                return waiter.onChange(b.table(), timeoutNanos);
            }
            finally
            {
                exit();
            }
        }
        return files.onChange(b.file(), timeoutNanos);
    }

    /** HS5: the owner's wait ended; its pending mark goes. */
    @Override
    public void waitEnded(final String ownerId)
    {
        if (!enter())
        {
            return;
        }
        try
        {
            marks.clear(ownerId);
        }
        finally
        {
            exit();
        }
    }

    /** With interop on the lock files may block (I/O); the table alone never does. */
    @Override
    public boolean publishMayBlock()
    {
        return files != null;
    }

    /**
     * With interop on, the inner store's (the shared-lock groups see other processes' upgraders); with
     * {@code none}, null: no other process's upgrade wait is seen (see the class comment).
     */
    @Override
    public String enterUpgradeWait(final String ownerId, final List<LockRequest.Entry> exclusive)
    {
        return files != null ? files.enterUpgradeWait(ownerId, exclusive) : null;
    }

    /** With interop on, the inner store's; with {@code none} nothing to leave. */
    @Override
    public void exitUpgradeWait(final String ownerId)
    {
        if (files != null)
        {
            files.exitUpgradeWait(ownerId);
        }
    }

    /**
     * HS6, HS7: stops the waits, removes the lock files, waits for calls in flight to leave the table,
     * closes the session and unmaps the table. Idempotent.
     */
    @Override
    public void close()
    {
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
        }
        RuntimeException failure = null;
        failure = step(failure, waiter::close);
        if (files != null)
        {
            failure = step(failure, files::close);
        }
        final boolean drained = drain();
        failure = step(failure, marks::clearAll);
        failure = step(failure, session::close);
        if (drained)
        {
            failure = step(failure, table::close);
        }
        else
        {
            // HS7: a call still inside the table after the bound: unmapping would crash it (SIGSEGV);
            // leaving the mapping costs its address space until the JVM exits.
            LOG.log(System.Logger.Level.WARNING, "pathlock: " + description + " closed while " + inUse.get() +
                " call(s) were still inside the host table after " + TimeUnit.NANOSECONDS.toSeconds(CLOSE_DRAIN_NANOS) +
                " s; the table stays mapped");
        }
        if (fence != null)
        {
            failure = step(failure, fence::close);
        }
        if (failure != null)
        {
            throw failure;
        }
    }

    private static RuntimeException step(final RuntimeException failure, final Runnable r)
    {
        try
        {
            r.run();
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

    /** Waits (bounded) until no call is inside the table (HS7). */
    private boolean drain()
    {
        final long deadline = System.nanoTime() + CLOSE_DRAIN_NANOS;
        while (inUse.get() != 0)
        {
            if (System.nanoTime() - deadline > 0)
            {
                return false;
            }
            LockSupport.parkNanos(50_000);
        }
        return true;
    }

    /** HS7: registers a call in flight; false (registering nothing) once closed. */
    private boolean enter()
    {
        inUse.incrementAndGet();
        if (closed)
        {
            inUse.decrementAndGet();
            return false;
        }
        return true;
    }

    private void exit()
    {
        inUse.decrementAndGet();
    }

    private IllegalStateException closedException()
    {
        return new IllegalStateException("lock store " + description + " is closed");
    }

    // ---- accessors ----------------------------------------------------------------------------------

    /**
     * The root (its real path).
     *
     * @return the root.
     */
    public Path root()
    {
        return root;
    }

    /**
     * The root's interop mode.
     *
     * @return {@code none}, {@code ov431} or {@code ragfs}.
     */
    public String interop()
    {
        return interop;
    }

    /**
     * This store's session slot in the table.
     *
     * @return the slot.
     */
    public int slot()
    {
        return session.slot();
    }

    /**
     * The table (for status and tests); closed with this store.
     *
     * @return the table.
     */
    public HostTable table()
    {
        return table;
    }

    /**
     * The inner lock-file store that publishes grants with interop on (for {@code pathlock run}'s keeper,
     * status and tests); closed with this store.
     *
     * @return the file store, or null with interop {@code none}.
     */
    public FileLockStore fileStore()
    {
        return files;
    }

    /**
     * How many owners have a pending mark in the table now (HS5).
     *
     * @return the count.
     */
    public int pendingMarkCount()
    {
        return marks.size();
    }

    /**
     * How many asynchronous waits on table blockers are pending now (HW2).
     *
     * @return the count.
     */
    public int pendingAsyncWaitCount()
    {
        return waiter.pending();
    }

    // ---- opening ------------------------------------------------------------------------------------

    /** The table settings a builder passes; {@code interop} null means the root's or the default. */
    private record Config(int capacity, int slots, int recordsPerSlot, Duration livenessCheck)
    {
        static final Config DEFAULTS = new Config(HostTable.CAPACITY_DEFAULT, HostTable.SLOTS_DEFAULT,
            HostTable.RECORDS_PER_SLOT_DEFAULT, HostTable.LIVENESS_CHECK_DEFAULT);

        HostTable.Config with(final String interop)
        {
            return new HostTable.Config(capacity, slots, recordsPerSlot, interop, livenessCheck);
        }
    }

    /**
     * Opens the table file: with a given mode (refused, naming both, if the table has another), or with
     * the table's own mode (an existing table: each mode is tried, the one the header has opens),
     * else for a new table the dialect of {@value Dialect#PROP_NAME}, else {@value #INTEROP_DEFAULT}.
     */
    private static HostTable openTable(final Path file, final String interop, final Config config)
    {
        if (interop != null)
        {
            return HostTable.open(file, config.with(interop));
        }
        if (!Files.exists(file))
        {
            return HostTable.open(file, config.with(Dialect.fromSystemProperty().id()));
        }
        LockStoreException first = null;
        for (final String mode : MODES)
        {
            try
            {
                return HostTable.open(file, config.with(mode));
            }
            catch (final LockStoreException e)
            {
                if (first == null)
                {
                    first = e;
                }
            }
        }
        throw first;
    }

    /**
     * Configures a {@link HostLockStore}; {@link #build()} validates once. Not thread-safe.
     */
    public static final class Builder
    {
        private final Path root;
        private String interop;
        private int capacity = HostTable.CAPACITY_DEFAULT;
        private int slots = HostTable.SLOTS_DEFAULT;
        private int recordsPerSlot = HostTable.RECORDS_PER_SLOT_DEFAULT;
        private Duration livenessCheck = HostTable.LIVENESS_CHECK_DEFAULT;
        private Consumer<FileLockStore.Builder> fileStore = b -> { };
        private boolean syncFence = true;

        private Builder(final Path root)
        {
            this.root = root;
        }

        /**
         * The root's interop mode: {@code ragfs} or {@code ov431} (grants are also published as lock
         * files of that OpenViking dialect) or {@code none} (no lock file). Default: the mode of the
         * root's existing table, else the lock-file dialect of the system property
         * {@value Dialect#PROP_NAME}, else {@value #INTEROP_DEFAULT}. A mode other than an existing table's is
         * refused at {@link #build()}.
         *
         * @param mode {@code none}, {@code ov431} or {@code ragfs}, or null for the default.
         * @return this.
         */
        public Builder interop(final String mode)
        {
            this.interop = mode;
            return this;
        }

        /**
         * Node capacity of a new table (default {@value HostTable#CAPACITY_DEFAULT}); an existing
         * table keeps its own.
         *
         * @param nodes positive.
         * @return this.
         */
        public Builder capacity(final int nodes)
        {
            this.capacity = nodes;
            return this;
        }

        /**
         * Session slots of a new table: how many stores (processes) may be attached at once (default
         * {@value HostTable#SLOTS_DEFAULT}); an existing table keeps its own.
         *
         * @param slots positive.
         * @return this.
         */
        public Builder slots(final int slots)
        {
            this.slots = slots;
            return this;
        }

        /**
         * Contribution records per session of a new table: how many nodes one store may hold counts on
         * at once (default {@value HostTable#RECORDS_PER_SLOT_DEFAULT}).
         *
         * @param records positive.
         * @return this.
         */
        public Builder recordsPerSlot(final int records)
        {
            this.recordsPerSlot = records;
            return this;
        }

        /**
         * How often a waiter checks whether other sessions died, and the poll interval of asynchronous
         * waits other than the oldest (default 2 ms).
         *
         * @param interval positive.
         * @return this.
         */
        public Builder livenessCheck(final Duration interval)
        {
            this.livenessCheck = interval;
            return this;
        }

        /**
         * Configures the inner lock-file store used with interop on (backend, lock expiry, wall clock,
         * durability...). Its dialect is always the interop mode's: a dialect set here is overridden.
         * Not used with interop {@code none}.
         *
         * @param configure called with the inner store's builder before it is built.
         * @return this.
         */
        public Builder fileStore(final Consumer<FileLockStore.Builder> configure)
        {
            this.fileStore = Objects.requireNonNull(configure, "configure");
            return this;
        }

        /**
         * Whether opening syncs the fencing epoch when the store opens the fence file itself
         * (interop {@code none}; with interop on, set it on the inner store). Default true; false only
         * for throwaway roots.
         *
         * @param sync whether to sync.
         * @return this.
         */
        public Builder syncFence(final boolean sync)
        {
            this.syncFence = sync;
            return this;
        }

        /**
         * Validates, opens (creating if needed) the root's table, attaches a session and, with interop
         * on, opens the inner lock-file store.
         *
         * @return the store.
         * @throws IllegalArgumentException naming the first invalid setting.
         * @throws LockStoreException if the root does not exist, or the table cannot be created or used,
         *         or its interop mode differs from the one given (naming both).
         */
        public HostLockStore build()
        {
            if (root == null || root.toString().isEmpty())
            {
                throw new IllegalArgumentException("lock root must name a directory (an empty path would silently " +
                    "mean the current directory)");
            }
            if (interop != null && !List.of(MODES).contains(interop))
            {
                throw new IllegalArgumentException("interop mode '" + interop + "' is not one of none, ov431, ragfs");
            }
            positive("capacity", capacity);
            positive("slots", slots);
            positive("recordsPerSlot", recordsPerSlot);
            if (livenessCheck == null || livenessCheck.isNegative() || livenessCheck.isZero())
            {
                throw new IllegalArgumentException("livenessCheck must be positive, got " + livenessCheck);
            }
            final Path real;
            try
            {
                real = root.toRealPath();
            }
            catch (final IOException e)
            {
                throw new LockStoreException("lock root " + root + " does not exist or cannot be resolved: " + e, e);
            }
            if (!Files.isDirectory(real))
            {
                throw new LockStoreException("lock root " + root + " is not a directory", null);
            }
            // HostTable.open validates the settings before it creates .pathlock/host/ (bad input
            // changes nothing).
            final Path file = tableFile(real);
            final HostTable table;
            try
            {
                table = openTable(file, interop, new Config(capacity, slots, recordsPerSlot, livenessCheck));
            }
            catch (final LockStoreException e)
            {
                throw new LockStoreException("host table " + file + ": " + e.getMessage(), e);
            }
            HostSession session = null;
            FileLockStore files = null;
            FencingCounter fence = null;
            boolean ok = false;
            try
            {
                final String mode = table.interop();
                session = table.attach();
                if (INTEROP_NONE.equals(mode))
                {
                    fence = FencingCounter.open(FencingCounter.fileOf(real), syncFence);
                }
                else
                {
                    final FileLockStore.Builder fb = FileLockStore.builder(real);
                    fileStore.accept(fb);
                    files = fb.dialect(Dialect.parse(mode)).build();
                }
                final HostLockStore store = new HostLockStore(real, mode, table, session, files, fence, livenessCheck);
                ok = true;
                return store;
            }
            finally
            {
                if (!ok)
                {
                    if (files != null)
                    {
                        files.close();
                    }
                    if (fence != null)
                    {
                        fence.close();
                    }
                    if (session != null)
                    {
                        session.close();
                    }
                    table.close();
                }
            }
        }

        private static void positive(final String name, final int value)
        {
            if (value <= 0)
            {
                throw new IllegalArgumentException(name + " must be positive, got " + value);
            }
        }
    }

}

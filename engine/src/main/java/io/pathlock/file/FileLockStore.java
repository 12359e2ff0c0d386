package io.pathlock.file;

import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockStoreException;
import io.pathlock.core.LockType;
import io.pathlock.posix.BackendSelection;
import io.pathlock.posix.Posix;
import io.pathlock.posix.PosixBackends;
import io.pathlock.store.LockStore;
import io.pathlock.time.MonotonicClock;
import io.pathlock.time.WallClock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link LockStore} of lock files under a root directory: the cross-process protocol of DESIGN
 * §3.2, compatible with OpenViking's {@code .path.ovlock} files.
 *
 * <p>This class is the facade: configuration ({@link Builder}), wiring, descriptions and accessors.
 * Each job is one class below it, and dependencies point down only:
 * <pre>
 *   FileLockStore (this: SPI facade, builder, wiring)
 *     ├─ LockAdmin        status, break, plan (the CLI's side)                      A1–A3
 *     └─ PublishProtocol  check, publish, re-check, back-off, upgrade, rollback     P1–P5
 *          ├─ LockWaiter  waits for a blocker: watcher, backoff, async              B1–B4
 *          ├─ HeldFiles   the registry of held files: create, refresh, release     H1–H5
 *          ├─ SharedGroups shared locks: group files, member records, join/leave, upgrade  M1–M8
 *          ├─ Reaper      guarded ABA-safe removal of others' files                 G1–G3
 *          └─ LockLayout  where a path's lock files are, per dialect                L1–L5
 *     (PublishProtocol also refuses what ov431 cannot see: SUBTREE / with no prefix, P6)
 *               └─ StoreContext  configuration and shared services
 *                    └─ LockJudge (J1–J6), RootedFs (R1–R3), LockFileScanner (S1–S3),
 *                       GuardStripes, Dialect, LockTokenDescriptor, SidecarNames, posix
 * </pre>
 * ({@code LockAdmin} also uses {@code LockLayout}, {@code HeldFiles} and {@code Reaper}.)
 *
 * <h2>Tokens</h2>
 * See {@link LockTokenDescriptor}: {@code owner_id:time_ns:TYPE} in the write {@link Dialect}, our owner
 * ids {@code pl1|pid|host|nonce|handleOwnerId}; {@code time_ns} is wall-clock nanoseconds since the
 * Unix epoch, the clock OpenViking writes (J3).
 *
 * <h2>Shared locks</h2>
 * A shared lock (POINT-SHARED, SUBTREE-SHARED) is one ordinary lock file owned by a group of shared
 * holders: its token {@code pl1g|pid|host|gid|shared:time_ns:TYPE} carries the dialect's letter for
 * the lock type (P/S in ov431, E/T in ragfs), so OpenViking, which has no shared mode, judges it held
 * by its own rules; each holder has a {@code flock}ed member record in
 * {@code R/.pathlock/shared/<gid>/}. The group is alive while one record is; join, leave and takeover
 * happen under the file's guard stripe, so the last leave and a new join cannot both succeed, and a
 * killed member's record is reaped by the next process under the stripe while the others keep the
 * file. A shared requester joins a live group on its path and ignores groups elsewhere; an exclusive
 * one treats a live group as an exclusive lock of its type; every file of another program is
 * exclusive. {@link SharedGroups} has the protocol and its invariants (M1–M8); {@link LockJudge} J7
 * the liveness rule.
 *
 * <h2>Invariants</h2>
 * The protocol's invariants live with the class that keeps each of them: {@link LockLayout} (L),
 * {@link HeldFiles} (H), {@link Reaper} (G), {@link PublishProtocol} (P), {@link LockWaiter} (B),
 * {@link LockAdmin} (A), {@link LockJudge} (J), {@link RootedFs} (R), {@link LockFileScanner} (S),
 * {@link SharedGroups} (M).
 * Those of the facade:
 * <ol>
 *   <li><b>F1 — fencing.</b> {@link #nextFencingToken()} comes from {@link FencingCounter}: strictly
 *   increasing for the root across threads, processes and restarts.</li>
 *   <li><b>F2 — administration writes nothing.</b> A store opened with {@link Builder#administration()}
 *   creates nothing under the root and bumps no fencing epoch; it cannot publish or hand out fencing
 *   tokens. {@code break} makes the guard files when it must remove something.</li>
 *   <li><b>F3 — close releases.</b> {@link #close()} removes every lock file the store still holds
 *   (H4) before it stops the waiter and closes its descriptors.</li>
 * </ol>
 * Tests that cite the numbers of the single list this class once carried mean: 1 = L1, 2 = H1,
 * 3 = H2, 4 = P1, 5 = P2, 6 = G1/G2 (H4 for release), 7 = G3, 8 = P3, 9 = P4 (H4), 10 = F1.
 *
 * <h2>Other properties</h2>
 * Durability is {@link Durability} (default none: lock files need no sync for safety). Heartbeat:
 * {@link #refresh} rewrites each held token with a fresh time every {@code lock_expire / 3}, so that
 * foreign processes never take a live lock for stale. Waiting: {@link #awaitChange} and
 * {@link #onChange} use one shared {@link ChangeWatcher} (inotify) plus a bounded exponential backoff
 * with jitter (0.5 ms to 20 ms) that also probes the blocker's liveness, since a killed holder leaves
 * its file behind without any event. Security: every file operation is descriptor-relative from the
 * root and never follows a symbolic link below it (R1): a lock path through a link is refused, naming
 * it, and no rename or symlink swap elsewhere can lead an operation outside the root; lock, temporary
 * and guard files are created with mode
 * {@code 0600} by default; the store deletes nothing but lock files of this protocol and its own
 * temporary files (foreign and unparseable lock files only through {@link #breakLock} with force).
 *
 * <p>Missing parent directories are created only after the pre-check (P5).
 *
 * <h2>Limits</h2>
 * <ul>
 *   <li>Clocks: see {@link LockJudge} J3–J5 (wall-clock ages, tokens from the future held, forward
 *   jumps discounted; a jump that happened before the store opened cannot be seen).</li>
 *   <li>ov431 cannot represent a lock on a file or a missing path (it never reads sidecars): in the
 *   ov431 dialect such locks are published as ragfs sidecars that ov431 processes do not see. ov431
 *   processes lock the parent directory of a file they write; callers sharing a tree with them must do
 *   the same. The dialects must not be mixed on one tree (ov431 reads {@code E}/{@code T} tokens as
 *   stale and deletes them; ragfs fails on {@code P}/{@code S}).</li>
 *   <li>The java.nio backend cannot {@code linkat}/{@code mkdirat} relative to a descriptor nor open
 *   with {@code O_NONBLOCK} ({@link io.pathlock.posix.NioPosix}): on it R1 and R2 have the narrow
 *   windows that class documents.</li>
 *   <li>A refresh gives a held token a new, younger time; a racer that meets it after publishing waits
 *   {@code raceWait} before it backs off, which only costs that racer time.</li>
 *   <li>A holder stopped with {@code SIGSTOP} keeps its {@code flock} and is rightly seen as alive; only
 *   fencing tokens protect downstream stores from it (DESIGN §2).</li>
 * </ul>
 *
 * <p>The java.nio backend has no {@code flock(2)}: a store on it writes {@code pl1n} tokens and
 * judges every token by age, so death detection is degraded to {@code lock_expire}
 * ({@link #describeDetail()} says so). Processes sharing a root must all use flock-capable backends
 * or all java.nio.
 *
 * <p>Lock files work between processes of one host, not over NFS.
 *
 * <p>Thread-safety: thread-safe. The manager's lock table guarantees that at most one publication per
 * conflicting path of this process is in flight; the store relies on that only for its own owners.
 */
public final class FileLockStore implements LockStore
{
    /** Name of a directory's lock file (OpenViking's). */
    public static final String LOCK_FILE_NAME = LockLayout.LOCK_FILE_NAME;

    /** Reserved directory under the root, skipped by scans. */
    public static final String RESERVED_DIR_NAME = LockLayout.RESERVED_DIR_NAME;

    /** System property: the OpenViking path prefix of the root ({@link Builder#ovPathPrefix}). */
    public static final String OV_PREFIX_PROP_NAME = "pathlock.file.ovPrefix";

    /** System property: {@code lock_expire}, ISO-8601 or milliseconds. */
    public static final String LOCK_EXPIRE_PROP_NAME = "pathlock.file.lockExpire";
    /** The longest default expiry of the dialects (ov431's 300 s); each token gets its own dialect's. */
    public static final Duration LOCK_EXPIRE_DEFAULT = Dialect.OV431.expire();

    /** System property: {@code none}, {@code data} or {@code data+directory}. */
    public static final String DURABILITY_PROP_NAME = "pathlock.file.durability";
    /** Default of {@link #DURABILITY_PROP_NAME}. */
    public static final Durability DURABILITY_DEFAULT = Durability.NONE;

    /** System property: {@code create} or {@code fail}. */
    public static final String MISSING_DIRECTORIES_PROP_NAME = "pathlock.file.missingDirectories";
    /** Default of {@link #MISSING_DIRECTORIES_PROP_NAME}. */
    public static final MissingDirectories MISSING_DIRECTORIES_DEFAULT = MissingDirectories.CREATE;

    /** System property: permission bits of lock files, octal ({@code 600}, {@code 640}, {@code 644}). */
    public static final String FILE_MODE_PROP_NAME = "pathlock.file.mode";
    /** Default of {@link #FILE_MODE_PROP_NAME}: owner only. */
    public static final int FILE_MODE_DEFAULT = 0600;

    /** System property: how long an older racer waits for a younger one to back off (P2). */
    public static final String RACE_WAIT_PROP_NAME = "pathlock.file.raceWait";
    /** Default of {@link #RACE_WAIT_PROP_NAME}. */
    public static final Duration RACE_WAIT_DEFAULT = Duration.ofMillis(20);

    /** Default number of guard stripes. */
    public static final int GUARD_STRIPES_DEFAULT = 64;

    /** Shortest poll interval while waiting for a blocker. */
    static final long BACKOFF_MIN_NANOS = LockWaiter.BACKOFF_MIN_NANOS;
    /** Longest poll interval while waiting for a blocker. */
    static final long BACKOFF_MAX_NANOS = LockWaiter.BACKOFF_MAX_NANOS;

    static final String SCAN_PATTERN = "*" + LOCK_FILE_NAME;
    static final long TEMP_ORPHAN_AGE_MILLIS = HeldFiles.TEMP_ORPHAN_AGE_MILLIS;

    private final BackendSelection selection;
    private final long lockExpireNanos;
    private final StoreContext ctx;
    private final LockLayout layout;
    private final HeldFiles held;
    private final SharedGroups groups;
    private final Reaper reaper;
    private final LockWaiter waiter;
    private final PublishProtocol protocol;
    private final LockAdmin administration;
    private final FencingCounter fence;

    // ---- construction -----------------------------------------------------------------------------

    private FileLockStore(final Builder b, final Path realRoot, final BackendSelection selection, final Posix posix)
    {
        this.selection = selection;
        final LockJudge judge = new LockJudge(posix.supportsFlock(), b.lockExpire == null ? 0 : b.lockExpire.toNanos(),
            b.dialect, b.wallClock::epochNanos, b.clock::nanoTime);
        this.lockExpireNanos = b.lockExpire == null ? b.dialect.expire().toNanos() : b.lockExpire.toNanos();
        final StringBuilder d = new StringBuilder("file:" + realRoot).append(" (")
            .append(selection.chosen().name().toLowerCase(Locale.ROOT));
        for (final java.util.Map.Entry<io.pathlock.posix.PosixBackend, String> e : selection.unavailable().entrySet())
        {
            d.append("; ").append(e.getKey().name().toLowerCase(Locale.ROOT)).append(" unavailable: ").append(e.getValue());
        }
        if (!posix.supportsFlock())
        {
            d.append("; no flock: death detection degraded to lock_expire");
        }
        final Path reserved = realRoot.resolve(RESERVED_DIR_NAME);
        this.ctx = new StoreContext(realRoot, reserved, posix, judge, b.dialect, b.ovPrefix, b.wallClock::epochNanos, b.durability,
            b.missingDirectories, b.fileMode, b.raceWait.toNanos(), d.append(')').toString(), b.admin, b.guardStripes);
        this.layout = new LockLayout(ctx);
        this.held = new HeldFiles(ctx);
        this.groups = new SharedGroups(ctx, held);
        judge.groups(groups);
        this.reaper = new Reaper(ctx, groups);
        this.waiter = new LockWaiter(ctx);
        this.protocol = new PublishProtocol(ctx, layout, held, reaper, waiter, groups);
        this.administration = new LockAdmin(ctx, layout, held, reaper, groups);

        if (b.admin)
        {
            // status and break: write nothing, bump no epoch (F2).
            this.fence = null;
            return;
        }
        FencingCounter f = null;
        try
        {
            f = FencingCounter.open(FencingCounter.fileOf(realRoot), b.syncFence, StoreContext.sharedFileModeOf(b.fileMode));
        }
        finally
        {
            if (f == null)
            {
                ctx.guard().close();
            }
        }
        this.fence = f;
        held.removeOrphanTemporaries();
        groups.removeOrphans(TEMP_ORPHAN_AGE_MILLIS);
        LOG.log(System.Logger.Level.INFO, "pathlock lock-file store opened: {0}, dialect {1}{2}, durability {3}, "
            + "missing directories {4}", ctx.description, b.dialect.name().toLowerCase(Locale.ROOT),
            b.ovPrefix.isEmpty() ? "" : " (OpenViking prefix " + b.ovPrefix + ")", b.durability, b.missingDirectories);
        if (selection.degraded())
        {
            // A fall-back is a deployment problem the operator should see, with the reason.
            LOG.log(System.Logger.Level.WARNING, "pathlock: lock-file store on {0} fell back to the {1} backend: {2}",
                realRoot, selection.chosen().name().toLowerCase(Locale.ROOT), fallbackReasons(selection));
        }
        if (!posix.supportsFlock())
        {
            LOG.log(System.Logger.Level.WARNING, "pathlock: the {0} backend has no flock on {1}: a crashed holder''s "
                + "locks stay until they expire ({2} s) instead of being freed at once",
                selection.chosen().name().toLowerCase(Locale.ROOT), realRoot, lockExpireNanos / 1_000_000_000L);
        }
    }

    static final System.Logger LOG = System.getLogger("io.pathlock.file");

    private static String fallbackReasons(final BackendSelection selection)
    {
        final StringBuilder sb = new StringBuilder();
        for (final java.util.Map.Entry<io.pathlock.posix.PosixBackend, String> e : selection.unavailable().entrySet())
        {
            if (sb.length() > 0)
            {
                sb.append("; ");
            }
            sb.append(e.getKey().name().toLowerCase(Locale.ROOT)).append(" unavailable: ").append(e.getValue());
        }
        return sb.toString();
    }

    private void checkNotAdmin(final String what)
    {
        if (ctx.admin)
        {
            throw new IllegalStateException("this lock-file store was opened for administration (status, break) " +
                "and cannot " + what + "; open it without Builder.administration()");
        }
    }

    /**
     * A builder for a store on {@code root}.
     *
     * @param root an existing directory.
     * @return the builder, with defaults and system-property overrides applied.
     */
    public static Builder builder(final Path root)
    {
        return new Builder(root);
    }

    /**
     * A store on {@code root} with every default.
     *
     * @param root an existing directory.
     * @return the store.
     * @throws LockStoreException if the root cannot be used.
     */
    public static FileLockStore open(final Path root)
    {
        return builder(root).build();
    }

    // ---- LockStore --------------------------------------------------------------------------------

    /**
     * {@code file:ROOT (backend)}, plus why each better backend is unavailable when one was, and a
     * note when death detection is degraded (no {@code flock}); {@link #describeDetail()} says more.
     *
     * @return the short description.
     */
    @Override
    public String describe()
    {
        return ctx.description;
    }

    /**
     * The long description: root, backend and why better backends are unavailable, and how death
     * is detected.
     *
     * @return one line.
     */
    public String describeDetail()
    {
        final StringBuilder sb = new StringBuilder(ctx.source).append(": ").append(selection.describe());
        if (ctx.flock)
        {
            sb.append("; death detection: flock(2), immediate");
        }
        else
        {
            sb.append("; death detection DEGRADED: no flock(2) on this backend, locks of dead holders are " +
                "reclaimed only after lock_expire (").append(TimeUnit.NANOSECONDS.toMillis(lockExpireNanos)).append(" ms)");
        }
        sb.append("; lock_expire ").append(TimeUnit.NANOSECONDS.toMillis(lockExpireNanos)).append(" ms")
            .append("; durability ").append(ctx.durability.name().toLowerCase(Locale.ROOT))
            .append("; missing directories ").append(ctx.missingDirectories.name().toLowerCase(Locale.ROOT))
            .append("; file mode 0").append(Integer.toOctalString(ctx.fileMode))
            .append("; dialect ").append(ctx.dialect.id())
            .append(ctx.ovPrefix.isEmpty() ? "" : " (OpenViking prefix " + ctx.ovPrefix + ")");
        final int stripes = ctx.guardStripesInUse();
        if (stripes > 0)
        {
            sb.append("; ").append(stripes).append(" guard stripes");
        }
        final String noWatch = waiter.unavailableReason();
        if (noWatch != null)
        {
            sb.append("; no file-system notification (").append(noWatch).append("), polling only");
        }
        return sb.toString();
    }

    /** Publishes every entry or none ({@link PublishProtocol}, P1–P5). */
    @Override
    public PublishResult tryPublish(final String ownerId, final List<LockRequest.Entry> entries)
    {
        checkOpen();
        checkNotAdmin("publish locks");
        return protocol.tryPublish(ownerId, entries);
    }

    @Override
    public void unpublish(final Publication publication)
    {
        final PublishProtocol.Pub pub = (PublishProtocol.Pub)publication;
        LockStoreException failure = null;
        try
        {
            groups.leaveAll(pub.members());
        }
        catch (final LockStoreException e)
        {
            failure = e;
        }
        try
        {
            held.releaseAll(pub.files());
        }
        catch (final LockStoreException e)
        {
            if (failure == null)
            {
                throw e;
            }
            failure.addSuppressed(e);
        }
        if (failure != null)
        {
            throw failure;
        }
    }

    @Override
    public long nextFencingToken()
    {
        checkNotAdmin("hand out fencing tokens");
        return fence.next();
    }

    @Override
    public boolean refresh(final Publication publication)
    {
        final PublishProtocol.Pub pub = (PublishProtocol.Pub)publication;
        final boolean files = held.refresh(pub.files());
        return groups.refresh(pub.members()) & files;
    }

    /**
     * Checks that every lock file of a publication is still the one this store published (same
     * inode in the same directory, even if that directory was moved since): H3 and H5, a holder
     * learns it lost a lock at its next heartbeat or {@code isValid()}.
     */
    /**
     * Marks the owner's memberships on the paths of {@code exclusive} as waiting to upgrade
     * ({@link SharedGroups} M8), or names another live upgrader of one of those groups.
     */
    @Override
    public String enterUpgradeWait(final String ownerId, final List<LockRequest.Entry> exclusive)
    {
        return groups.enterUpgradeWait(ownerId, exclusive);
    }

    @Override
    public void exitUpgradeWait(final String ownerId)
    {
        groups.exitUpgradeWait(ownerId);
    }

    @Override
    public String check(final Publication publication)
    {
        final PublishProtocol.Pub pub = (PublishProtocol.Pub)publication;
        final String lost = held.check(pub.files());
        return lost != null ? lost : groups.check(pub.members());
    }

    @Override
    public Duration heartbeatInterval()
    {
        return Duration.ofNanos(Math.max(1, lockExpireNanos / 3));
    }

    @Override
    public void awaitChange(final Object blocker, final long timeoutNanos) throws InterruptedException
    {
        waiter.awaitChange(blocker, timeoutNanos);
    }

    @Override
    public CompletableFuture<Void> onChange(final Object blocker, final long timeoutNanos)
    {
        return waiter.onChange(blocker, timeoutNanos);
    }

    /**
     * Removes every lock file this store still holds and releases its resources (F3). Idempotent.
     */
    @Override
    public void close()
    {
        if (ctx.isClosed())
        {
            return;
        }
        ctx.markClosed();
        groups.leaveEverything();
        held.releaseEverything();
        waiter.close();
        if (fence != null)
        {
            fence.close();
        }
        ctx.close();
    }

    // ---- reporting and administration -------------------------------------------------------------

    /**
     * The root (its real path).
     *
     * @return the root.
     */
    public Path root()
    {
        return ctx.root;
    }

    /**
     * The POSIX backend this store runs; {@link #describe()} adds why each better one is unavailable.
     *
     * @return {@code "jni"}, {@code "jnr"} or {@code "nio"}.
     */
    public String backend()
    {
        return selection.chosen().name().toLowerCase(Locale.ROOT);
    }

    /**
     * The backend selection, with the reasons (for this package's tests).
     *
     * @return the selection.
     */
    BackendSelection backendSelection()
    {
        return selection;
    }

    /**
     * Whether holders' deaths are detected at once ({@code flock(2)} available).
     *
     * @return true on the JNI and jnr-posix backends.
     */
    public boolean detectsDeathImmediately()
    {
        return ctx.flock;
    }

    /**
     * {@code lock_expire}.
     *
     * @return the expiry age of tokens without {@code flock} liveness.
     */
    public Duration lockExpire()
    {
        return Duration.ofNanos(lockExpireNanos);
    }

    /**
     * Receives the descriptors that keep one owner's lock files {@code flock}ed, so that another
     * process can hold them too (the keeper of {@code pathlock run}). Called under the store's guard
     * and a held file's monitor: implementations must not block and must not throw.
     */
    public interface DescriptorShare
    {
        /**
         * {@code fd} keeps (or is about to keep) a lock file of the owner flocked: hold an own
         * reference to its open file description (for instance, send it with {@code SCM_RIGHTS}).
         * Called before the file becomes visible under the lock's name.
         *
         * @param fd a descriptor of this process, valid during the call.
         */
        void add(int fd);

        /**
         * {@code fd} no longer keeps a lock file flocked and is about to be closed: drop the
         * reference taken for it.
         *
         * @param fd the descriptor given to {@link #add} before.
         */
        void remove(int fd);
    }

    /**
     * Shares the descriptors that keep {@code ownerId}'s lock files flocked (every file published for
     * that owner id, now and until the registration is closed) with {@code share}: first those held
     * now, then each new one (a heartbeat's refresh and an upgrade replace the file) before it is
     * published (H6). A process holding these descriptors keeps the locks alive for every pathlock
     * judge (J1) after this process died; OpenViking judges by the token's age, which nobody refreshes
     * then.
     *
     * @param ownerId the handle's owner id (as given to {@link #tryPublish}).
     * @param share   receives the descriptors.
     * @return the registration; close it before releasing the locks.
     * @throws UnsupportedOperationException when the backend has no {@code flock(2)} or its
     *         descriptors are not the kernel's (java.nio).
     * @throws IllegalStateException if the owner's descriptors are shared already.
     */
    public AutoCloseable shareDescriptors(final String ownerId, final DescriptorShare share)
    {
        checkOpen();
        if (!ctx.flock || !ctx.posix.hasRealFileDescriptors())
        {
            throw new UnsupportedOperationException("the " + selection.chosen().name().toLowerCase(Locale.ROOT) +
                " backend has no flock(2) on kernel descriptors: its locks cannot be held by another process");
        }
        final AutoCloseable registration = held.share(ownerId, share);
        groups.shareHeld(ownerId, share);
        return registration;
    }

    /**
     * The owner id this store writes for a handle owner id.
     *
     * @param handleOwnerId the handle's owner id.
     * @return the owner id in lock files.
     */
    public String fileOwnerId(final String handleOwnerId)
    {
        return ctx.ownerPrefix + handleOwnerId;
    }

    /**
     * How many stale lock files this store removed.
     *
     * @return the count.
     */
    public long reapedCount()
    {
        return reaper.reapedCount();
    }

    /**
     * How many publications backed off after finding a conflict.
     *
     * @return the count.
     */
    public long backoffCount()
    {
        return protocol.backoffCount();
    }

    /**
     * How many lock files this store holds now (exclusive locks; shared memberships are counted by
     * {@link #sharedMembershipCount()}).
     *
     * @return the count.
     */
    public int heldFileCount()
    {
        return held.size();
    }

    /**
     * How many shared-group memberships (member records) this store holds now.
     *
     * @return the count.
     */
    public int sharedMembershipCount()
    {
        return groups.size();
    }

    /**
     * Every lock file under the root, judged without changing anything: path, type, owner, age, and
     * alive / stale / foreign / unparseable.
     *
     * @return the lock files, sorted by lock path.
     * @throws LockStoreException if the tree cannot be walked.
     */
    public List<LockFileInfo> status()
    {
        return administration.status();
    }

    /**
     * The result of {@link #breakLock}.
     *
     * @param removed lock files removed.
     * @param kept    lock files left in place (live without force, or changed while judged).
     */
    public record BreakResult(List<LockFileInfo> removed, List<LockFileInfo> kept)
    {
    }

    /**
     * Removes the lock file(s) of a lock path: a stale one always, a live, foreign or unparseable one
     * only with {@code force}. The removal is guarded and ABA-safe (G1, A3): a file replaced while it
     * was judged is kept.
     *
     * @param lockPath the lock path, such as {@code /a/b}.
     * @param force    whether to remove live locks too.
     * @return what was removed and what was kept.
     * @throws LockStoreException on an I/O failure or a path outside the root.
     */
    public BreakResult breakLock(final CharSequence lockPath, final boolean force)
    {
        return administration.breakLock(lockPath, force, BreakResult::new);
    }

    /**
     * The files an uncontended acquisition touches, in protocol order: what a benchmark's C floor
     * must do to match the store (see {@code PathlockNative.lockSequenceAtFloor}).
     *
     * @param components path components checked with {@code lstat} (symlink containment).
     * @param preChecks  lock files checked before publishing (the ancestors' both forms).
     * @param tmpDir     where temporary files are created.
     * @param lockFile   the file published.
     * @param scanDir    the directory walked for a SUBTREE, else null.
     * @param postChecks lock files checked after publishing.
     * @param guardFile  the guard file of {@code lockFile}.
     */
    public record AcquisitionPlan(List<Path> components, List<Path> preChecks, Path tmpDir, Path lockFile, Path scanDir,
        List<Path> postChecks, Path guardFile)
    {
    }

    /**
     * The plan of an uncontended acquisition of one lock as the tree is now.
     *
     * @param lockPath the lock path.
     * @param type     the lock type.
     * @return the plan.
     */
    public AcquisitionPlan plan(final CharSequence lockPath, final LockType type)
    {
        return administration.plan(lockPath, type, AcquisitionPlan::new);
    }

    // ---- paths ------------------------------------------------------------------------------------

    /**
     * Resolves where the files of {@code p} are ({@link LockLayout#resolve}).
     *
     * @param p          the lock path.
     * @param forPublish whether to create missing parent directories per policy.
     * @return the resolution.
     */
    LockLayout.Target resolve(final LockPath p, final boolean forPublish)
    {
        return layout.resolve(p, forPublish);
    }

    /**
     * The lock path a found file stands for ({@link LockLayout#lockPathOf}).
     *
     * @param base the lock path of the directory the scan started in.
     * @param rel  the file's path relative to it.
     * @return the lock path, or null for a name that is not a lock file of this protocol.
     */
    static LockPath lockPathOf(final LockPath base, final Path rel)
    {
        return LockLayout.lockPathOf(base, rel);
    }

    private void checkOpen()
    {
        if (ctx.isClosed())
        {
            throw new IllegalStateException("lock store " + describe() + " is closed");
        }
    }

    /**
     * The system wall clock in nanoseconds since the Unix epoch (the clock OpenViking writes).
     *
     * @return now.
     */
    static long systemWallNanos()
    {
        final java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    // ---- builder ----------------------------------------------------------------------------------

    /**
     * Configures a {@link FileLockStore}; {@link #build()} validates once. Not thread-safe.
     */
    public static final class Builder
    {
        private final Path root;
        private String backend;
        private Posix posix;
        private Duration lockExpire;
        private Durability durability;
        private MissingDirectories missingDirectories;
        private int fileMode;
        private Duration raceWait;
        private MonotonicClock clock = MonotonicClock.system();
        private int guardStripes = GUARD_STRIPES_DEFAULT;
        private boolean syncFence = true;
        private Dialect dialect;
        private boolean admin;
        private String ovPrefix = "";
        private WallClock wallClock = FileLockStore::systemWallNanos;

        private Builder(final Path root)
        {
            this.root = root;
            this.lockExpire = durationProperty(LOCK_EXPIRE_PROP_NAME, null);
            this.dialect = Dialect.fromSystemProperty();
            final String op = System.getProperty(OV_PREFIX_PROP_NAME);
            this.ovPrefix = op == null ? "" : op;
            final String d = System.getProperty(DURABILITY_PROP_NAME);
            this.durability = d == null || d.isBlank() ? DURABILITY_DEFAULT : Durability.parse(d);
            final String m = System.getProperty(MISSING_DIRECTORIES_PROP_NAME);
            this.missingDirectories = m == null || m.isBlank() ? MISSING_DIRECTORIES_DEFAULT : MissingDirectories.parse(m);
            final String f = System.getProperty(FILE_MODE_PROP_NAME);
            this.fileMode = f == null || f.isBlank() ? FILE_MODE_DEFAULT : parseMode(f);
            this.raceWait = durationProperty(RACE_WAIT_PROP_NAME, RACE_WAIT_DEFAULT);
        }

        /**
         * The POSIX backend by name ({@code auto}, {@code jni}, {@code jnr}, {@code nio}); default: the
         * system property {@code pathlock.posix.backend}, else auto.
         *
         * @param name the backend name.
         * @return this.
         */
        public Builder backend(final String name)
        {
            this.backend = name;
            return this;
        }

        /**
         * A POSIX backend instance (overrides {@link #backend(String)}); internal, for fault injection
         * in this package's tests.
         *
         * @param posix the backend.
         * @return this.
         */
        Builder posix(final Posix posix)
        {
            this.posix = posix;
            return this;
        }

        /**
         * Age after which tokens without {@code flock} liveness are stale, for every dialect alike.
         * Default: each token's own dialect's expiry (ov431 300 s, ragfs 30 s; our own aged tokens:
         * the write dialect's), which is what OpenViking itself applies. The heartbeat refreshes held
         * tokens every third of the write dialect's expiry (or of this value when set).
         *
         * @param expire positive, or null for the dialects' own.
         * @return this.
         */
        public Builder lockExpire(final Duration expire)
        {
            this.lockExpire = expire;
            return this;
        }

        /**
         * The dialect this store writes ({@link Dialect#DEFAULT}: ragfs, or the system property
         * {@value Dialect#PROP_NAME}). Both dialects and this engine's own files are always read.
         *
         * @param dialect the write dialect.
         * @return this.
         */
        public Builder dialect(final Dialect dialect)
        {
            this.dialect = java.util.Objects.requireNonNull(dialect, "dialect");
            return this;
        }

        /**
         * The path prefix under which OpenViking processes name this root (their mount prefix, such
         * as {@code /local/acc1}); ragfs hashes {@code prefix + lockPath} into sidecar names, so it
         * must match theirs. Default empty (the system property {@value #OV_PREFIX_PROP_NAME}).
         *
         * @param prefix empty, or an absolute path without a trailing {@code /}.
         * @return this.
         * @throws IllegalArgumentException for a relative prefix or one ending in {@code /}.
         */
        public Builder ovPathPrefix(final String prefix)
        {
            this.ovPrefix = prefix == null ? "" : prefix;
            return this;
        }

        /**
         * Opens the store for administration only ({@code status}, {@code break}): nothing is created
         * under the root (no {@code .pathlock/}, no fencing epoch is bumped, so a read-only tree can be
         * inspected); {@code break} creates the guard files when it must remove something. Such a store
         * cannot publish locks or hand out fencing tokens.
         *
         * @return this.
         */
        public Builder administration()
        {
            this.admin = true;
            return this;
        }

        /**
         * The wall clock for token times, nanoseconds since the Unix epoch (tests inject one).
         *
         * @param wallNanos the clock.
         * @return this.
         */
        public Builder wallClock(final WallClock wallNanos)
        {
            this.wallClock = java.util.Objects.requireNonNull(wallNanos, "wallNanos");
            return this;
        }

        /**
         * The durability policy (default none).
         *
         * @param durability the policy.
         * @return this.
         */
        public Builder durability(final Durability durability)
        {
            this.durability = durability;
            return this;
        }

        /**
         * What to do about missing parent directories (default create).
         *
         * @param policy the policy.
         * @return this.
         */
        public Builder missingDirectories(final MissingDirectories policy)
        {
            this.missingDirectories = policy;
            return this;
        }

        /**
         * Permission bits of lock, temporary and guard files: {@code 0600} (default), {@code 0640} or
         * {@code 0644} (anything else is refused). Readable modes let other users run {@code status}.
         *
         * @param mode the bits.
         * @return this.
         */
        public Builder fileMode(final int mode)
        {
            this.fileMode = mode;
            return this;
        }

        /**
         * Most time an older racer waits for a younger one to back off (default 20 ms).
         *
         * @param wait zero or positive.
         * @return this.
         */
        public Builder raceWait(final Duration wait)
        {
            this.raceWait = wait;
            return this;
        }

        /**
         * The monotonic clock (waits, back-off, the clock-jump check of {@link LockJudge}); must be
         * {@code CLOCK_MONOTONIC} outside tests. Token times use {@link #wallClock}.
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
         * Number of guard stripes (power of two, default 64). Every process on a root must use the
         * same number.
         *
         * @param stripes the count.
         * @return this.
         */
        public Builder guardStripes(final int stripes)
        {
            this.guardStripes = stripes;
            return this;
        }

        /**
         * Whether opening syncs the fencing epoch (default true; false only for throwaway roots).
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
         * Validates and opens the store.
         *
         * @return the store.
         * @throws IllegalArgumentException naming the first invalid setting.
         * @throws LockStoreException if the root cannot be used.
         */
        public FileLockStore build()
        {
            if (root == null)
            {
                throw new IllegalArgumentException("lock root must not be null");
            }
            if (lockExpire != null && (lockExpire.isNegative() || lockExpire.isZero()))
            {
                throw new IllegalArgumentException("lockExpire must be positive, got " + lockExpire);
            }
            if (root.toString().isEmpty())
            {
                throw new IllegalArgumentException("lock root must not be the empty path (it would silently mean the " +
                    "current directory); give a directory");
            }
            if (!ovPrefix.isEmpty() && (!ovPrefix.startsWith("/") || ovPrefix.endsWith("/")))
            {
                throw new IllegalArgumentException("OpenViking path prefix '" + ovPrefix + "' must be empty or an " +
                    "absolute path without a trailing '/', such as /local/acc1");
            }
            if (raceWait == null || raceWait.isNegative())
            {
                throw new IllegalArgumentException("raceWait must be zero or positive, got " + raceWait);
            }
            if (fileMode != 0600 && fileMode != 0640 && fileMode != 0644)
            {
                throw new IllegalArgumentException("file mode must be 0600, 0640 or 0644, got 0" + Integer.toOctalString(fileMode));
            }
            if (guardStripes < 1 || Integer.bitCount(guardStripes) != 1 || guardStripes > 4096)
            {
                throw new IllegalArgumentException("guard stripes must be a power of two up to 4096, got " + guardStripes);
            }
            if (durability == null || missingDirectories == null || clock == null)
            {
                throw new IllegalArgumentException("durability, missingDirectories and clock must not be null");
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
            final BackendSelection sel;
            if (posix != null)
            {
                sel = new BackendSelection(posix.backend(), posix, posix.backend().name().toLowerCase(Locale.ROOT),
                    "configuration", java.util.Map.of(), List.of("instance given by configuration"));
            }
            else
            {
                sel = PosixBackends.select(backend);
            }
            return new FileLockStore(this, real, sel, sel.posix());
        }

        private static int parseMode(final String s)
        {
            try
            {
                return Integer.parseInt(s.trim(), 8);
            }
            catch (final NumberFormatException e)
            {
                throw new IllegalArgumentException("system property " + FILE_MODE_PROP_NAME + "=\"" + s +
                    "\" is not an octal mode", e);
            }
        }

        private static Duration durationProperty(final String name, final Duration dflt)
        {
            return io.pathlock.config.Settings.durationProperty(name, dflt, false);
        }
    }
}

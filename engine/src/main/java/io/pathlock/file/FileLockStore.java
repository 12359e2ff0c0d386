package io.pathlock.file;

import io.pathlock.LockConflict;
import io.pathlock.LockPath;
import io.pathlock.LockRequest;
import io.pathlock.LockStoreException;
import io.pathlock.LockType;
import io.pathlock.posix.BackendSelection;
import io.pathlock.posix.Errno;
import io.pathlock.posix.Posix;
import io.pathlock.posix.PosixBackends;
import io.pathlock.posix.PosixStat;
import io.pathlock.store.LockStore;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

/**
 * A {@link LockStore} of lock files under a root directory: the cross-process protocol of DESIGN
 * §3.2, compatible with OpenViking's {@code .path.ovlock} files.
 *
 * <h2>Layout</h2>
 * A lock path {@code /a/b} names {@code R/a/b} under the root R. Its lock file is, in
 * <em>directory form</em>, {@code R/a/b/.path.ovlock} when {@code R/a/b} is a directory (always for
 * the root: {@code R/.path.ovlock}), else, in <em>sidecar form</em>, {@code R/a/.b.path.ovlock} in the
 * parent directory, so that writers of different files of one directory lock different files and do
 * not block each other. {@code R/.pathlock/} is reserved ({@code fence}: fencing counter,
 * {@code guard/}: guard files, {@code tmp/}: temporary files) and skipped by every scan; lock paths
 * with a {@code .pathlock} segment or a segment ending in {@code .path.ovlock} are refused. Missing
 * parent directories are created or refused ({@link MissingDirectories}).
 *
 * <h2>Tokens</h2>
 * See {@link LockTokenDescriptor}: {@code owner_id:time_ns:P|S}, our owner ids
 * {@code pl1|pid|host|nonce|handleOwnerId}; {@code time_ns} is {@code CLOCK_MONOTONIC}, the clock of
 * Python's {@code time.monotonic_ns()}.
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li><b>Two places, both always checked.</b> A lock on p lives in its directory form or its
 *   sidecar form, chosen by what {@code R/p} is when it is published; {@code R/p} may become a
 *   directory later (its holder may create it). So every check of p, or of an ancestor of p, looks at
 *   both forms, and a SUBTREE scan of p walks {@code R/p} as it is at scan time, matching both
 *   {@code .path.ovlock} and {@code .NAME.path.ovlock}.</li>
 *   <li><b>Atomic publication.</b> A lock file comes into existence only by {@code link(2)} of a
 *   complete temporary file in {@code R/.pathlock/tmp/} (same file system) created with
 *   {@code O_EXCL} and {@code flock(LOCK_EX)}ed before its content was written. It is therefore never
 *   observable empty or partial, {@code link} never replaces an existing name (two creators never
 *   both succeed), and the file is {@code flock}ed from the first instant it is visible.</li>
 *   <li><b>Flocked while held.</b> The holder keeps the descriptor (and so the {@code flock}) until
 *   after its file is unlinked. Refresh and upgrade replace the file by {@code rename(2)} of another
 *   flocked temporary file and close the old descriptor only after the rename. Hence, for a token of
 *   this engine ({@link LockTokenDescriptor.Origin#FLOCK}), "someone can take {@code flock(LOCK_EX |
 *   LOCK_NB)} on the file" implies "its holder has died or released it": death is detected at once,
 *   without waiting for {@code lock_expire}. Tokens without {@code flock} liveness (foreign, or ours on
 *   the java.nio backend) are held until older than {@code lock_expire}; unparseable and unreadable
 *   files are held (fail closed) and never reclaimed automatically.</li>
 *   <li><b>Check, publish, re-check.</b> POINT(p): check the ancestors' files for S tokens; publish
 *   p's file; re-check the ancestors and p's other form. SUBTREE(p): check the ancestors; publish p's
 *   file with S; scan p's subtree for any other lock file; re-check the ancestors and p's other form.
 *   An entry is granted only if a complete check that <em>started after its own file was published</em>
 *   found no conflicting live file. <em>Two conflicting racers never both proceed</em>: say A and B
 *   conflict, publish at tA and tB and start their final checks at cA &gt; tA and cB &gt; tB, and A
 *   found nothing. A's check covers the place of B's file (invariant 1 and the conflict matrix), so
 *   B's file did not exist at cA: B published after cA (tB &gt; cA), or B had already removed its file
 *   and backed off. In the first case cB &gt; tB &gt; cA &gt; tA, and A's file, which A keeps while
 *   it holds, exists during B's check, so B finds it and does not proceed.</li>
 *   <li><b>Deterministic back-off.</b> Tokens are ordered by {@code (time_ns, owner_id)}. A racer
 *   that finds a conflicting file after publishing backs off at once (removes its files, reports the
 *   conflict) if the other token is older or unknown. If the other is younger, it does not proceed
 *   while that file exists: it waits for it to go (notification plus polling) for at most
 *   {@code raceWait} (20 ms), re-checks, and backs off only when the bound passes. <em>Two racers
 *   never both back off forever</em>: the younger one backs off at once on seeing the older one, which
 *   meanwhile waits for exactly that removal; the older backs off only if the younger keeps its file
 *   longer than the bound (a stalled process), and waits cannot form a cycle because each waits only
 *   for a strictly younger token of a total order.</li>
 *   <li><b>Guarded, ABA-safe removal.</b> Every removal or replacement of a lock file (release,
 *   stale takeover, refresh, upgrade, {@code break}) happens under the file's guard stripe
 *   ({@link GuardStripes}: an in-process lock plus {@code flock} of {@code R/.pathlock/guard/NN}),
 *   and only after checking, under the guard, that the name still denotes the very inode that was
 *   judged (stale) or published (release), and, for a takeover, that the bytes read through the
 *   judging descriptor are still the judged token. The remover holds a descriptor on that inode
 *   during the check, so the inode number cannot have been recycled: "same inode" means "same file".
 *   Racing reapers therefore remove at most one lock (after the first unlink the name is gone or names
 *   another inode), and never a live one (a live FLOCK holder's file cannot be judged dead; a foreign
 *   file rewritten in place no longer has the judged bytes).</li>
 *   <li><b>Creation needs no guard.</b> Between a remover's check and its unlink the name cannot come
 *   to denote another file: creation is {@code link}, which fails on an existing name, and every
 *   operation that removes or replaces a name holds the same guard.</li>
 *   <li><b>Own locks.</b> Files this store published for the same {@code ownerId} (same inode, found in
 *   its registry) never conflict with that owner's requests: SUBTREE above the owner's own locks
 *   succeeds, and SUBTREE on the owner's own POINT replaces the file by {@code rename} under the
 *   guard (invariants 3 and 6). Other owners of this process are kept apart by the manager's lock
 *   table before the store is asked; the store would still see their files as held.</li>
 *   <li><b>Fail closed.</b> A read, stat or {@code flock} error other than {@code ENOENT}/{@code ENOTDIR}
 *   on a lock file counts as held, never as free. An I/O error while publishing throws
 *   {@link LockStoreException} naming the path, after removing what the attempt published; a file that
 *   cannot be unlinked is at least closed, so its {@code flock} drops and others reclaim it at once.</li>
 *   <li><b>Fencing.</b> {@link #nextFencingToken()} comes from {@link FencingCounter}: strictly
 *   increasing for the root across threads, processes and restarts.</li>
 * </ol>
 *
 * <h2>Other properties</h2>
 * Durability is {@link Durability} (default none: lock files need no sync for safety). Heartbeat:
 * {@link #refresh} rewrites each held token with a fresh time every {@code lock_expire / 3}, so that
 * foreign processes never take a live lock for stale. Waiting: {@link #awaitChange} and
 * {@link #onChange} use one shared {@link ChangeWatcher} (inotify) plus a bounded exponential backoff
 * with jitter (0.5 ms to 20 ms) that also probes the blocker's liveness, since a killed holder leaves
 * its file behind without any event. Security: a lock path that resolves through a symbolic link to
 * outside the root is refused; lock, temporary and guard files are created with mode
 * {@code 0600} by default; the store deletes nothing but lock files of this protocol and its own
 * temporary files (foreign and unparseable lock files only through {@link #breakLock} with force).
 *
 * <p>Missing parent directories are created only after the pre-check, so that a request refused by
 * a SUBTREE holder does not create directories inside the holder's subtree (a request that passes
 * the pre-check and then loses the race may still leave an empty directory behind).
 *
 * <h2>Limits</h2>
 * <ul>
 *   <li>The symbolic-link check ({@code lstat} of each component, {@code realpath} of a link) guards
 *   against links that exist when the lock is taken, not against a process that can write the tree
 *   and swaps a directory for a link in between; such a process could remove lock files anyway.</li>
 *   <li>A token whose time lies in the future (written before a reboot, or by another clock) is aged
 *   by the file's modification time instead.</li>
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
    public static final String LOCK_FILE_NAME = ".path.ovlock";

    /** Reserved directory under the root, skipped by scans. */
    public static final String RESERVED_DIR_NAME = ".pathlock";

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

    /** System property: how long an older racer waits for a younger one to back off (invariant 5). */
    public static final String RACE_WAIT_PROP_NAME = "pathlock.file.raceWait";
    /** Default of {@link #RACE_WAIT_PROP_NAME}. */
    public static final Duration RACE_WAIT_DEFAULT = Duration.ofMillis(20);

    /** Default number of guard stripes. */
    public static final int GUARD_STRIPES_DEFAULT = 64;

    /** Shortest poll interval while waiting for a blocker. */
    static final long BACKOFF_MIN_NANOS = 500_000L;
    /** Longest poll interval while waiting for a blocker. */
    static final long BACKOFF_MAX_NANOS = 20_000_000L;

    static final String SCAN_PATTERN = "*" + LOCK_FILE_NAME;
    static final long TEMP_ORPHAN_AGE_MILLIS = 60_000L;
    private static final int MAX_PUBLISH_TRIES = 8;
    private static final int MAX_JUDGE_TRIES = 4;
    private static final Pattern TEMP_NAME = Pattern.compile("[0-9a-f]{16}\\.[0-9]+");

    // ---- configuration ----------------------------------------------------------------------------

    private final Path root;
    private final String rootString;
    private final Posix posix;
    private final BackendSelection selection;
    private final boolean flock;
    private final long lockExpireNanos;
    private final Dialect dialect;
    private final String ovPrefix;
    private final LockJudge judgeRule;
    private final java.util.function.LongSupplier wallClock;
    private final Durability durability;
    private final MissingDirectories missingDirectories;
    private final int fileMode;
    private final int dirMode;
    private final long raceWaitNanos;
    private final NanoClock clock;
    private final String source;
    private final String description;

    // ---- state ------------------------------------------------------------------------------------

    private final Path tmpDir;
    private final String tmpPrefix;
    private final String ownerPrefix;
    private volatile GuardStripes guard;
    private final int guardStripes;
    private final boolean admin;
    private final RootedFs fs;
    private int tmpDirFd = -1;
    private final LockFileScanner scanner;
    private final FencingCounter fence;
    private final Path guardDir;
    private final AtomicLong tmpSeq = new AtomicLong();
    private final ConcurrentHashMap<String, HeldFile> registry = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<LockPath, Layout> layouts = new ConcurrentHashMap<>();
    private final AtomicLong reaped = new AtomicLong();
    private final AtomicLong backoffs = new AtomicLong();
    private volatile ChangeWatcher watcher;
    private volatile ScheduledThreadPoolExecutor scheduler;
    private volatile boolean closed;

    // ---- types ------------------------------------------------------------------------------------

    /** One lock file this store published and holds open. Mutable fields guarded by its monitor. */
    static final class HeldFile
    {
        final String ownerId;
        final LockPath path;
        final LockType type;
        final Path file;
        final String key;
        final int stripe;
        final HeldFile replaced;
        /** The lock file's name in {@link #dirFd}. */
        final byte[] name;
        int fd;
        /**
         * A descriptor of the directory that holds the file, kept while held: if a holder moves that
         * directory (say {@code run --mv ... -- mv in/b7 done/}), release and refresh still find the
         * file where it went and remove it there (F6).
         */
        int dirFd = -1;
        /** Why the file was found lost by a refresh, or null. */
        String lost;
        long dev;
        long ino;
        LockTokenDescriptor.Token token;
        HeldFile supersededBy;
        boolean released;

        HeldFile(final String ownerId, final LockPath path, final LockType type, final Path file, final int stripe,
            final HeldFile replaced)
        {
            this.ownerId = ownerId;
            this.path = path;
            this.type = type;
            this.file = file;
            this.key = file.toString();
            this.stripe = stripe;
            this.replaced = replaced;
            this.name = RootedFs.bytes(file.getFileName());
        }

        void identity(final int fd, final PosixStat st, final LockTokenDescriptor.Token token)
        {
            this.fd = fd;
            this.dev = st.dev();
            this.ino = st.ino();
            this.token = token;
        }

        boolean sameFile(final PosixStat st)
        {
            return st.dev() == dev && st.ino() == ino;
        }
    }

    private static final class Pub implements Publication
    {
        private final List<LockRequest.Entry> entries;
        private final HeldFile[] files;

        Pub(final List<LockRequest.Entry> entries, final HeldFile[] files)
        {
            this.entries = entries;
            this.files = files;
        }

        @Override
        public List<LockRequest.Entry> entries()
        {
            return entries;
        }
    }

    /** Where the files of one lock path are, at the time of one resolution. */
    static final class Target
    {
        final LockPath path;
        /** {@code R/p}. */
        final Path dir;
        /** {@code R/p/.path.ovlock}. */
        final Path dirForm;
        /** {@code R/parent/.name.path.ovlock}, null for the root. */
        final Path sidecar;
        /** Whether {@code R/p} is a directory now (publish in directory form). */
        final boolean isDirectory;
        /** Whether a parent directory of the lock file is missing (not created by this resolution). */
        final boolean parentMissing;
        /** Whether {@code R/p} itself does not exist. */
        final boolean missing;
        /** Files of the ancestors, both forms, root first. */
        final Path[] ancestorFiles;
        /** The lock path of each entry of {@link #ancestorFiles}. */
        final LockPath[] ancestorPaths;

        Target(final LockPath path, final Path dir, final Path dirForm, final Path sidecar, final boolean isDirectory,
            final boolean parentMissing, final boolean missing, final Path[] ancestorFiles, final LockPath[] ancestorPaths)
        {
            this.missing = missing;
            this.parentMissing = parentMissing;
            this.path = path;
            this.dir = dir;
            this.dirForm = dirForm;
            this.sidecar = sidecar;
            this.isDirectory = isDirectory;
            this.ancestorFiles = ancestorFiles;
            this.ancestorPaths = ancestorPaths;
        }

        Path publishFile()
        {
            return isDirectory || sidecar == null ? dirForm : sidecar;
        }

        Path otherFile()
        {
            return isDirectory || sidecar == null ? sidecar : dirForm;
        }
    }

    /** A lock file found in the way, with what was judged about it. */
    static final class Found
    {
        final Path file;
        final LockPath lockPath;
        final LockTokenDescriptor.Token token;
        final LockFileState state;
        final long ageNanos;
        final String detail;
        final long dev;
        final long ino;
        final long size;
        final long mtimeNanos;

        Found(final Path file, final LockPath lockPath, final LockTokenDescriptor.Token token, final LockFileState state,
            final long ageNanos, final String detail, final PosixStat st)
        {
            this.file = file;
            this.lockPath = lockPath;
            this.token = token;
            this.state = state;
            this.ageNanos = ageNanos;
            this.detail = detail;
            this.dev = st == null ? 0 : st.dev();
            this.ino = st == null ? 0 : st.ino();
            this.size = st == null ? -1 : st.size();
            this.mtimeNanos = st == null ? 0 : st.mtimeNanos();
        }
    }

    /**
     * What a refused publication waits for: one lock file, as it was when judged. Opaque to the
     * manager; {@link #toString()} names the file.
     */
    static final class Blocker
    {
        final Path file;
        final Path dir;
        final long dev;
        final long ino;
        final long size;
        final long mtimeNanos;
        final LockTokenDescriptor.Token token;

        Blocker(final Found f)
        {
            this.file = f.file;
            this.dir = f.file.getParent();
            this.dev = f.dev;
            this.ino = f.ino;
            this.size = f.size;
            this.mtimeNanos = f.mtimeNanos;
            this.token = f.token;
        }

        @Override
        public String toString()
        {
            return "lock file " + file;
        }
    }

    private static final class Refusal
    {
        final Found found;

        Refusal(final Found found)
        {
            this.found = found;
        }
    }

    private enum ReapOutcome
    {
        REMOVED, CHANGED, FAILED
    }

    // ---- construction -----------------------------------------------------------------------------

    private FileLockStore(final Builder b, final Path realRoot, final BackendSelection selection, final Posix posix)
    {
        this.root = realRoot;
        this.rootString = realRoot.toString().equals("/") ? "" : realRoot.toString();
        this.posix = posix;
        this.selection = selection;
        this.flock = posix.supportsFlock();
        this.dialect = b.dialect;
        this.ovPrefix = b.ovPrefix;
        this.wallClock = b.wallClock;
        this.judgeRule = new LockJudge(posix.supportsFlock(), b.lockExpire == null ? 0 : b.lockExpire.toNanos(), b.dialect,
            b.wallClock, b.clock::nanoTime);
        this.lockExpireNanos = b.lockExpire == null ? b.dialect.expire().toNanos() : b.lockExpire.toNanos();
        this.durability = b.durability;
        this.missingDirectories = b.missingDirectories;
        this.fileMode = b.fileMode;
        this.dirMode = dirModeOf(b.fileMode);
        this.raceWaitNanos = b.raceWait.toNanos();
        this.clock = b.clock;
        this.source = "file:" + realRoot;
        final StringBuilder d = new StringBuilder(source).append(" (").append(selection.chosen().name().toLowerCase(Locale.ROOT));
        for (final java.util.Map.Entry<io.pathlock.posix.PosixBackend, String> e : selection.unavailable().entrySet())
        {
            d.append("; ").append(e.getKey().name().toLowerCase(Locale.ROOT)).append(" unavailable: ").append(e.getValue());
        }
        if (!posix.supportsFlock())
        {
            d.append("; no flock: death detection degraded to lock_expire");
        }
        this.description = d.append(')').toString();

        this.fs = new RootedFs(posix, realRoot);
        this.scanner = new LockFileScanner(posix);
        this.admin = b.admin;
        this.guardStripes = b.guardStripes;
        final Path reserved = realRoot.resolve(RESERVED_DIR_NAME);
        this.tmpDir = reserved.resolve("tmp");
        this.guardDir = reserved.resolve("guard");
        if (!admin)
        {
            mkdirIfMissing(reserved);
            mkdirIfMissing(tmpDir);
            mkdirIfMissing(guardDir);
            this.tmpDirFd = fs.openDir(tmpDir);
            if (tmpDirFd < 0)
            {
                fs.close();
                throw ioFailure("cannot open the temporary directory", tmpDir, tmpDirFd);
            }
        }

        final byte[] nonceBytes = new byte[8];
        new SecureRandom().nextBytes(nonceBytes);
        final StringBuilder nonce = new StringBuilder(16);
        for (final byte x : nonceBytes)
        {
            nonce.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
        }
        this.tmpPrefix = nonce + ".";
        this.ownerPrefix = LockTokenDescriptor.ownerPrefix(flock, ProcessHandle.current().pid(), hostName(), nonce.toString());

        if (admin)
        {
            // status and break: write nothing, bump no epoch; the guard is made if break needs it.
            this.fence = null;
            return;
        }
        this.guard = new GuardStripes(posix, guardDir, b.guardStripes, fileMode);
        FencingCounter f = null;
        try
        {
            f = FencingCounter.open(reserved.resolve("fence"), b.syncFence);
        }
        finally
        {
            if (f == null)
            {
                guard.close();
            }
        }
        this.fence = f;
        removeOrphanTemporaries();
    }

    /**
     * ov431 processes never read the lock file of their namespace's root {@code /} when they check
     * ancestors, so a SUBTREE on the root would not stop them from locking anything below it. With
     * an empty OpenViking prefix our root is theirs: refuse rather than grant a lock they ignore.
     */
    private void refuseWhatOv431CannotSee(final List<LockRequest.Entry> entries)
    {
        if (dialect != Dialect.OV431 || !ovPrefix.isEmpty())
        {
            return;
        }
        for (final LockRequest.Entry e : entries)
        {
            if (e.path().isRoot() && e.type() == LockType.SUBTREE)
            {
                throw new LockStoreException("cannot lock SUBTREE / in the ov431 dialect: ov431 processes never check " +
                    "the root's lock file, so they would not respect it; lock the top-level directories instead, or " +
                    "set the OpenViking path prefix if this root is below their namespace's root", null);
            }
        }
    }

    /** The guard stripes, made on first use by an administrative store (break). */
    private GuardStripes guard()
    {
        GuardStripes g = guard;
        if (g == null)
        {
            synchronized (this)
            {
                g = guard;
                if (g == null)
                {
                    mkdirIfMissing(guardDir.getParent());
                    mkdirIfMissing(guardDir);
                    g = new GuardStripes(posix, guardDir, guardStripes, fileMode);
                    guard = g;
                }
            }
        }
        return g;
    }

    private void checkNotAdmin(final String what)
    {
        if (admin)
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
        return description;
    }

    /**
     * The long description: root, backend and why better backends are unavailable, and how death
     * is detected.
     *
     * @return one line.
     */
    public String describeDetail()
    {
        final StringBuilder sb = new StringBuilder(source).append(": ").append(selection.describe());
        if (flock)
        {
            sb.append("; death detection: flock(2), immediate");
        }
        else
        {
            sb.append("; death detection DEGRADED: no flock(2) on this backend, locks of dead holders are " +
                "reclaimed only after lock_expire (").append(TimeUnit.NANOSECONDS.toMillis(lockExpireNanos)).append(" ms)");
        }
        sb.append("; lock_expire ").append(TimeUnit.NANOSECONDS.toMillis(lockExpireNanos)).append(" ms")
            .append("; durability ").append(durability.name().toLowerCase(Locale.ROOT))
            .append("; missing directories ").append(missingDirectories.name().toLowerCase(Locale.ROOT))
            .append("; file mode 0").append(Integer.toOctalString(fileMode))
            .append("; dialect ").append(dialect.id()).append(ovPrefix.isEmpty() ? "" : " (OpenViking prefix " + ovPrefix + ")");
        final GuardStripes g = guard;
        if (g != null)
        {
            sb.append("; ").append(g.stripes()).append(" guard stripes");
        }
        final ChangeWatcher w = watcher;
        if (w != null && !w.isAvailable())
        {
            sb.append("; no file-system notification (").append(w.unavailableReason()).append("), polling only");
        }
        return sb.toString();
    }

    @Override
    public PublishResult tryPublish(final String ownerId, final List<LockRequest.Entry> entries)
    {
        checkOpen();
        checkNotAdmin("publish locks");
        validateOwner(ownerId);
        refuseWhatOv431CannotSee(entries);
        final List<HeldFile> files = new ArrayList<>(entries.size());
        try
        {
            for (final LockRequest.Entry e : entries)
            {
                final Refusal r = publishEntry(ownerId, e, files);
                if (r != null)
                {
                    backoffs.incrementAndGet();
                    rollback(files, null);
                    return PublishResult.refused(toConflict(r.found), new Blocker(r.found));
                }
            }
            return PublishResult.granted(new Pub(entries, files.toArray(new HeldFile[0])));
        }
        catch (final RuntimeException | Error ex)
        {
            rollback(files, ex);
            if (ex instanceof LockStoreException || ex instanceof Error)
            {
                throw ex;
            }
            throw new LockStoreException("lock store " + describe() + " failed to publish " + entries + ": " + ex, ex);
        }
    }

    @Override
    public void unpublish(final Publication publication)
    {
        final Pub pub = (Pub)publication;
        LockStoreException failure = null;
        for (final HeldFile hf : pub.files)
        {
            try
            {
                release(hf);
            }
            catch (final LockStoreException e)
            {
                if (failure == null)
                {
                    failure = e;
                }
            }
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
        final Pub pub = (Pub)publication;
        boolean intact = true;
        for (final HeldFile hf : pub.files)
        {
            synchronized (hf)
            {
                if (hf.released)
                {
                    intact &= hf.supersededBy != null;
                    continue;
                }
                if (hf.supersededBy != null)
                {
                    continue;
                }
                if (!refreshLocked(hf))
                {
                    intact = false;
                }
            }
        }
        return intact;
    }

    /**
     * Checks that every lock file of a publication is still the one this store published (same
     * inode in the same directory, even if that directory was moved since): F8, a holder learns it
     * lost a lock at its next heartbeat or {@code isValid()}.
     */
    @Override
    public String check(final Publication publication)
    {
        final Pub pub = (Pub)publication;
        final PosixStat st = new PosixStat();
        for (HeldFile hf : pub.files)
        {
            synchronized (hf)
            {
                while (hf.supersededBy != null)
                {
                    hf = hf.supersededBy;
                }
            }
            synchronized (hf)
            {
                if (hf.released)
                {
                    return hf.lost != null ? hf.lost : "lock file " + hf.file + " of " + hf.path +
                        " is no longer held by this store";
                }
                final int rc = posix.fstatAt(hf.dirFd, hf.name, st);
                if (rc == -Errno.ENOENT)
                {
                    return "lock file " + hf.file + " of " + hf.path + " (" + hf.type + ") was removed by someone else";
                }
                if (rc < 0)
                {
                    throw ioFailure("cannot check lock file", hf.file, rc);
                }
                if (!hf.sameFile(st))
                {
                    return "lock file " + hf.file + " of " + hf.path + " (" + hf.type + ") was replaced by another file" +
                        describeOccupant(hf.file);
                }
            }
        }
        return null;
    }

    private String describeOccupant(final Path file)
    {
        final PosixStat st = new PosixStat();
        final int fd = fs.openRead(file, st);
        if (fd < 0)
        {
            return "";
        }
        try
        {
            final byte[] buf = new byte[LockTokenDescriptor.MAX_TOKEN_LENGTH + 1];
            final int n = posix.preadAll(fd, buf);
            final LockTokenDescriptor.Token t = n < 0 ? null : LockTokenDescriptor.parse(buf, n);
            return t == null ? " (content not a token)" : " now held by '" + t.ownerId() + "' (" + t.type() + ")";
        }
        finally
        {
            posix.close(fd);
        }
    }

    @Override
    public Duration heartbeatInterval()
    {
        return Duration.ofNanos(Math.max(1, lockExpireNanos / 3));
    }

    @Override
    public void awaitChange(final Object blocker, final long timeoutNanos) throws InterruptedException
    {
        final long start = System.nanoTime();
        final long deadline = saturatedAdd(start, Math.max(0, timeoutNanos));
        if (!(blocker instanceof Blocker))
        {
            final long wait = Math.min(Math.max(0, timeoutNanos), jitter(BACKOFF_MAX_NANOS));
            LockSupport.parkNanos(this, wait);
            if (Thread.interrupted())
            {
                throw new InterruptedException("interrupted while waiting for the lock store");
            }
            return;
        }
        final Blocker b = (Blocker)blocker;
        final ChangeWatcher w = watcher();
        final CompletableFuture<Void> f = w.subscribe(b.dir);
        final PosixStat st = new PosixStat();
        try
        {
            long backoff = BACKOFF_MIN_NANOS;
            for (;;)
            {
                if (blockerChanged(b, st))
                {
                    return;
                }
                final long remaining = deadline - System.nanoTime();
                if (remaining <= 0)
                {
                    return;
                }
                final long wait = Math.min(remaining, jitter(backoff));
                if (f != null)
                {
                    try
                    {
                        f.get(wait, TimeUnit.NANOSECONDS);
                        return;
                    }
                    catch (final TimeoutException e)
                    {
                        // Poll the blocker (a killed holder makes no event).
                    }
                    catch (final ExecutionException e)
                    {
                        return;
                    }
                }
                else
                {
                    LockSupport.parkNanos(this, wait);
                    if (Thread.interrupted())
                    {
                        throw new InterruptedException("interrupted while waiting for " + b);
                    }
                }
                backoff = Math.min(backoff * 2, BACKOFF_MAX_NANOS);
            }
        }
        finally
        {
            w.unsubscribe(b.dir, f);
        }
    }

    @Override
    public CompletableFuture<Void> onChange(final Object blocker, final long timeoutNanos)
    {
        final CompletableFuture<Void> result = new CompletableFuture<>();
        final long deadline = saturatedAdd(System.nanoTime(), Math.max(0, timeoutNanos));
        if (!(blocker instanceof Blocker))
        {
            scheduler().schedule(() -> result.complete(null),
                Math.min(Math.max(0, timeoutNanos), jitter(BACKOFF_MAX_NANOS)), TimeUnit.NANOSECONDS);
            return result;
        }
        new AsyncWait((Blocker)blocker, deadline, result).start();
        return result;
    }

    /**
     * Removes every lock file this store still holds and releases its resources. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        for (final HeldFile hf : registry.values())
        {
            try
            {
                release(hf);
            }
            catch (final RuntimeException ignore)
            {
                // Closing the descriptor (done by release in every case) already frees the lock.
            }
        }
        final ChangeWatcher w = watcher;
        if (w != null)
        {
            w.close();
        }
        final ScheduledThreadPoolExecutor s = scheduler;
        if (s != null)
        {
            s.shutdownNow();
        }
        final GuardStripes g = guard;
        if (g != null)
        {
            g.close();
        }
        if (fence != null)
        {
            fence.close();
        }
        if (tmpDirFd >= 0)
        {
            posix.close(tmpDirFd);
        }
        fs.close();
    }

    // ---- reporting and administration -------------------------------------------------------------

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
     * The backend selection.
     *
     * @return the selection.
     */
    public BackendSelection backend()
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
        return flock;
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
     * The owner id this store writes for a handle owner id.
     *
     * @param handleOwnerId the handle's owner id.
     * @return the owner id in lock files.
     */
    public String fileOwnerId(final String handleOwnerId)
    {
        return ownerPrefix + handleOwnerId;
    }

    /**
     * How many stale lock files this store removed.
     *
     * @return the count.
     */
    public long reapedCount()
    {
        return reaped.get();
    }

    /**
     * How many publications backed off after finding a conflict.
     *
     * @return the count.
     */
    public long backoffCount()
    {
        return backoffs.get();
    }

    /**
     * How many lock files this store holds now.
     *
     * @return the count.
     */
    public int heldFileCount()
    {
        return registry.size();
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
        final List<LockFileScanner.Hit> hits = scanner.scan(fs.rootFd());
        final List<LockFileInfo> out = new ArrayList<>(hits.size());
        final PosixStat st = new PosixStat();
        for (final LockFileScanner.Hit h : hits)
        {
            if (h.relative().length == 0 && h.errno() != 0)
            {
                throw ioFailure("cannot scan the lock root", root, -h.errno());
            }
            final LockFileInfo odd = oddHit(LockPath.root(), root, h);
            if (odd != null)
            {
                out.add(odd);
                continue;
            }
            final LockPath lp = lockPathOf(LockPath.root(), h.path());
            if (lp == null)
            {
                continue;
            }
            final LockFileInfo info = inspect(root.resolve(h.path()), lp, st);
            if (info != null)
            {
                out.add(info);
            }
        }
        out.sort(Comparator.comparing(LockFileInfo::lockPath).thenComparing(i -> i.file().toString()));
        return out;
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
     * only with {@code force}. The removal is guarded and ABA-safe (invariant 6): a file replaced
     * while it was judged is kept.
     *
     * @param lockPath the lock path, such as {@code /a/b}.
     * @param force    whether to remove live locks too.
     * @return what was removed and what was kept.
     * @throws LockStoreException on an I/O failure or a path outside the root.
     */
    public BreakResult breakLock(final CharSequence lockPath, final boolean force)
    {
        final LockPath p = LockPath.parse(lockPath);
        validateLockPath(p);
        final Target t = resolve(p, false);
        final List<LockFileInfo> removed = new ArrayList<>();
        final List<LockFileInfo> kept = new ArrayList<>();
        final PosixStat st = new PosixStat();
        // The legacy sidecar ({@code .NAME.path.ovlock}, pathlock before the ragfs layout) is found by
        // scans and status, so break must be able to remove it too.
        final Path legacy = p.isRoot() ? null : t.dir.resolveSibling("." + p.name() + LOCK_FILE_NAME);
        for (final Path file : new Path[] {t.dirForm, t.sidecar, legacy})
        {
            if (file == null)
            {
                continue;
            }
            final int fd = fs.openRead(file, st);
            if (fd == -Errno.ENOENT || fd == -Errno.ENOTDIR)
            {
                continue;
            }
            if (fd == RootedFs.NOT_REGULAR || fd == -Errno.ELOOP)
            {
                final LockFileInfo info = new LockFileInfo(p.toString(), file, null, null, -1, LockFileState.UNPARSEABLE, -1,
                    fd == -Errno.ELOOP ? "a symbolic link named like a lock file" :
                    "not a regular file (" + fileTypeName(st) + ") named like a lock file");
                if (force && removeOddEntry(file))
                {
                    removed.add(info);
                }
                else
                {
                    kept.add(info);
                }
                continue;
            }
            if (fd < 0)
            {
                throw ioFailure("cannot open lock file", file, fd);
            }
            try
            {
                final byte[] buf = new byte[LockTokenDescriptor.MAX_TOKEN_LENGTH + 1];
                final int n = posix.preadAll(fd, buf);
                final int fst = posix.fstat(fd, st);
                if (fst < 0)
                {
                    throw ioFailure("cannot stat lock file", file, fst);
                }
                final LockFileInfo info = judgeForReport(file, p, fd, buf, n, st);
                if (info.state() == LockFileState.STALE || force)
                {
                    final ReapOutcome o = reap(file, fd, st, buf, n);
                    if (o == ReapOutcome.REMOVED)
                    {
                        removed.add(info);
                        continue;
                    }
                    if (o == ReapOutcome.FAILED)
                    {
                        throw new LockStoreException("cannot remove lock file " + file, null);
                    }
                }
                kept.add(info);
            }
            finally
            {
                posix.close(fd);
            }
        }
        return new BreakResult(removed, kept);
    }

    /**
     * The files an uncontended acquisition touches, in protocol order: what a benchmark's C floor
     * must do to match the store (see {@code PathlockNative.lockSequenceFloor}).
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
        final LockPath p = LockPath.parse(lockPath);
        validateLockPath(p);
        final Target t = resolve(p, false);
        final List<Path> components = new ArrayList<>();
        for (int i = 1; i <= p.depth(); i++)
        {
            components.add(root.resolve(p.prefix(i).toString().substring(1)));
        }
        final List<Path> pre = List.of(t.ancestorFiles);
        final List<Path> post = new ArrayList<>();
        post.addAll(pre);
        if (t.otherFile() != null)
        {
            post.add(t.otherFile());
        }
        return new AcquisitionPlan(components, pre, tmpDir, t.publishFile(), type == LockType.SUBTREE ? t.dir : null,
            post, guard().file(guard().stripeOf(t.publishFile().toString())));
    }

    // ---- publication ------------------------------------------------------------------------------

    private Refusal publishEntry(final String ownerId, final LockRequest.Entry e, final List<HeldFile> files)
    {
        final LockPath p = e.path();
        validateLockPath(p);
        Target t = resolve(p, false);
        final PosixStat st = new PosixStat();
        final byte[] buf = new byte[LockTokenDescriptor.MAX_TOKEN_LENGTH + 1];

        Found c = checkAncestors(ownerId, t, st, buf);
        if (c != null)
        {
            return new Refusal(c);
        }
        if (t.parentMissing)
        {
            // Only after the pre-check: a refused request should not create directories inside
            // someone else's SUBTREE.
            t = resolve(p, true);
        }
        if (t.missing && e.type() == LockType.SUBTREE)
        {
            // ragfs puts a tree lock on a missing path in {path}/.path.ovlock, and checks only that
            // form on ancestors: a SUBTREE must be there too, or a ragfs process locking below p once
            // p exists would not see it. So p is created (policy permitting) and locked as a directory.
            if (missingDirectories == MissingDirectories.FAIL)
            {
                throw new LockStoreException("cannot lock SUBTREE " + p + ": " + t.dir + " does not exist (missing " +
                    "directories: fail)", null);
            }
            final int m = fs.mkdir(t.dir, dirMode);
            if (m < 0 && m != -Errno.EEXIST)
            {
                throw ioFailure("cannot create the directory of SUBTREE lock path " + p, t.dir, m);
            }
            t = resolve(p, true);
        }

        final Path file = t.publishFile();
        final HeldFile own = ownAt(file, ownerId, st);
        final HeldFile hf;
        if (own != null)
        {
            if (own.type == LockType.SUBTREE || e.type() == LockType.POINT)
            {
                return null;
            }
            hf = upgrade(own, st);
            files.add(hf);
        }
        else
        {
            HeldFile created = null;
            for (int tries = 0; created == null; tries++)
            {
                created = createAndLink(ownerId, p, e.type(), file, null, st);
                if (created != null)
                {
                    break;
                }
                final Found f = judge(file, p, ownerId, false, st, buf);
                if (f != null)
                {
                    return new Refusal(f);
                }
                if (tries + 1 >= MAX_PUBLISH_TRIES)
                {
                    throw new LockStoreException("cannot publish lock file " + file + ": it was replaced " +
                        MAX_PUBLISH_TRIES + " times in a row while this store tried to create it", null);
                }
            }
            hf = created;
            files.add(hf);
        }

        final long raceDeadline = System.nanoTime() + raceWaitNanos;
        for (;;)
        {
            c = postCheck(ownerId, t, e.type(), hf, st, buf);
            if (c == null)
            {
                return null;
            }
            if (c.token == null || c.token.compareAge(hf.token) < 0)
            {
                return new Refusal(c);
            }
            final long remaining = raceDeadline - System.nanoTime();
            if (remaining <= 0)
            {
                return new Refusal(c);
            }
            try
            {
                awaitChange(new Blocker(c), remaining);
            }
            catch (final InterruptedException ie)
            {
                Thread.currentThread().interrupt();
                return new Refusal(c);
            }
        }
    }

    private Found checkAncestors(final String ownerId, final Target t, final PosixStat st, final byte[] buf)
    {
        final Path[] files = t.ancestorFiles;
        for (int i = 0; i < files.length; i++)
        {
            final Found f = judge(files[i], t.ancestorPaths[i], ownerId, true, st, buf);
            if (f != null)
            {
                return f;
            }
        }
        return null;
    }

    private Found postCheck(final String ownerId, final Target t, final LockType type, final HeldFile hf,
        final PosixStat st, final byte[] buf)
    {
        if (type == LockType.SUBTREE)
        {
            final Found f = scan(ownerId, t, hf, st, buf);
            if (f != null)
            {
                return f;
            }
        }
        final Found f = checkAncestors(ownerId, t, st, buf);
        if (f != null)
        {
            return f;
        }
        final Path other = t.otherFile();
        return other == null ? null : judge(other, t.path, ownerId, false, st, buf);
    }

    private Found scan(final String ownerId, final Target t, final HeldFile hf, final PosixStat st, final byte[] buf)
    {
        final int dfd = fs.openDir(t.dir);
        if (dfd == -Errno.ENOENT || dfd == -Errno.ENOTDIR)
        {
            return null;
        }
        if (dfd < 0)
        {
            throw ioFailure("cannot scan the subtree of " + t.path + " for lock files", t.dir, dfd);
        }
        final List<LockFileScanner.Hit> hits;
        try
        {
            hits = scanner.scan(dfd);
        }
        finally
        {
            posix.close(dfd);
        }
        for (final LockFileScanner.Hit h : hits)
        {
            final LockFileInfo odd = oddHit(t.path, t.dir, h);
            if (odd != null)
            {
                // Fail closed (invariant S1/S2): what cannot be judged below p blocks SUBTREE(p).
                return new Found(odd.file(), lockPathOf(t.path, h.path()) == null ? t.path : lockPathOf(t.path, h.path()),
                    null, LockFileState.UNPARSEABLE, -1, odd.detail(), null);
            }
            final LockPath lp = lockPathOf(t.path, h.path());
            if (lp == null)
            {
                continue;
            }
            final Path file = t.dir.resolve(h.path());
            if (file.equals(hf.file))
            {
                continue;
            }
            final Found f = judge(file, lp, ownerId, false, st, buf);
            if (f != null)
            {
                return f;
            }
        }
        return null;
    }

    /**
     * Judges one lock file for a requester: null when absent, own, not conflicting, or stale (then
     * reclaimed); else what blocks. Never throws for a file it cannot read (fail closed).
     */
    private Found judge(final Path file, final LockPath lockPath, final String ownerId, final boolean subtreeOnly,
        final PosixStat st, final byte[] buf)
    {
        for (int attempt = 0; attempt < MAX_JUDGE_TRIES; attempt++)
        {
            final int fd = fs.openRead(file, st);
            if (fd == -Errno.ENOENT || fd == -Errno.ENOTDIR)
            {
                return null;
            }
            if (fd == RootedFs.NOT_REGULAR)
            {
                return new Found(file, lockPath, null, LockFileState.UNPARSEABLE, -1,
                    "not a regular file (" + fileTypeName(st) + ") named like a lock file: held", null);
            }
            if (fd < 0)
            {
                return new Found(file, lockPath, null, LockFileState.UNPARSEABLE, -1,
                    (fd == -Errno.ELOOP ? "a symbolic link named like a lock file" : "cannot open") + ": " +
                    Errno.name(fd) + " (" + Errno.describe(fd) + ")", null);
            }
            try
            {
                final int n = posix.preadAll(fd, buf);
                final int s = posix.fstat(fd, st);
                if (s < 0)
                {
                    return new Found(file, lockPath, null, LockFileState.UNPARSEABLE, -1, "cannot fstat: " + Errno.name(s), null);
                }
                if (isOwn(file, ownerId, st))
                {
                    return null;
                }
                if (n < 0 && n != -Errno.EFBIG)
                {
                    return new Found(file, lockPath, null, LockFileState.UNPARSEABLE, -1, "cannot read: " + Errno.name(n), st);
                }
                final LockTokenDescriptor.Token token = n < 0 ? null : LockTokenDescriptor.parse(buf, n);
                if (token == null)
                {
                    return new Found(file, lockPath, null, LockFileState.UNPARSEABLE, -1,
                        n == 0 ? "empty" : n < 0 ? "longer than " + LockTokenDescriptor.MAX_TOKEN_LENGTH + " bytes" :
                        "not owner:time:P|S", st);
                }
                if (subtreeOnly && token.type() != LockType.SUBTREE)
                {
                    return null;
                }
                final LockJudge.Verdict v = judgeRule.judge(token, st, posix, fd, true);
                final long age = v.ageNanos();
                if (!v.stale())
                {
                    return new Found(file, lockPath, token, v.state(), age, v.detail(), st);
                }
                final ReapOutcome o = reap(file, fd, st, buf, n);
                if (o == ReapOutcome.FAILED)
                {
                    return new Found(file, lockPath, token, LockFileState.STALE, age, "stale but could not be removed", st);
                }
            }
            finally
            {
                posix.close(fd);
            }
        }
        return new Found(file, lockPath, null, LockFileState.UNPARSEABLE, -1,
            "replaced " + MAX_JUDGE_TRIES + " times while being judged", null);
    }

    /** Reports a file without taking it over (status, break). The descriptor is open on it. */
    private LockFileInfo judgeForReport(final Path file, final LockPath lockPath, final int fd, final byte[] buf,
        final int n, final PosixStat st)
    {
        if (n < 0 && n != -Errno.EFBIG)
        {
            return new LockFileInfo(lockPath.toString(), file, null, null, -1, LockFileState.UNPARSEABLE, -1,
                "cannot read: " + Errno.name(n));
        }
        final LockTokenDescriptor.Token token = n < 0 ? null : LockTokenDescriptor.parse(buf, n);
        if (token == null)
        {
            return new LockFileInfo(lockPath.toString(), file, null, null, -1, LockFileState.UNPARSEABLE, -1,
                n == 0 ? "empty" : "not owner:time:P|S");
        }
        final LockFileState state;
        final String detail;
        final long age;
        final HeldFile mine = registry.get(file.toString());
        if (mine != null && mine.sameFile(st))
        {
            state = LockFileState.ALIVE;
            detail = "held by this process";
            age = Math.max(0, judgeRule.ageNanos(token, st));
        }
        else
        {
            final LockJudge.Verdict v = judgeRule.judge(token, st, posix, fd, false);
            state = v.state();
            detail = v.detail();
            age = v.ageNanos();
        }
        return new LockFileInfo(lockPath.toString(), file, token.type(), token.ownerId(), age, state, token.pid(), detail);
    }

    private LockFileInfo inspect(final Path file, final LockPath lockPath, final PosixStat st)
    {
        final int fd = fs.openRead(file, st);
        if (fd == -Errno.ENOENT || fd == -Errno.ENOTDIR)
        {
            return null;
        }
        if (fd == RootedFs.NOT_REGULAR)
        {
            return new LockFileInfo(lockPath.toString(), file, null, null, -1, LockFileState.UNPARSEABLE, -1,
                "not a regular file (" + fileTypeName(st) + ") named like a lock file: held");
        }
        if (fd < 0)
        {
            return new LockFileInfo(lockPath.toString(), file, null, null, -1, LockFileState.UNPARSEABLE, -1,
                (fd == -Errno.ELOOP ? "a symbolic link named like a lock file" : "cannot open") + ": " + Errno.name(fd));
        }
        try
        {
            final byte[] buf = new byte[LockTokenDescriptor.MAX_TOKEN_LENGTH + 1];
            final int n = posix.preadAll(fd, buf);
            if (posix.fstat(fd, st) < 0)
            {
                return new LockFileInfo(lockPath.toString(), file, null, null, -1, LockFileState.UNPARSEABLE, -1,
                    "cannot fstat");
            }
            return judgeForReport(file, lockPath, fd, buf, n, st);
        }
        finally
        {
            posix.close(fd);
        }
    }

    private boolean isOwn(final Path file, final String ownerId, final PosixStat st)
    {
        final HeldFile hf = registry.get(file.toString());
        return hf != null && hf.ownerId.equals(ownerId) && hf.sameFile(st);
    }

    private HeldFile ownAt(final Path file, final String ownerId, final PosixStat st)
    {
        final HeldFile hf = registry.get(file.toString());
        if (hf == null || !hf.ownerId.equals(ownerId))
        {
            return null;
        }
        synchronized (hf)
        {
            if (hf.released || hf.supersededBy != null)
            {
                return null;
            }
            final int rc = fs.lstat(file, st);
            return rc == 0 && hf.sameFile(st) ? hf : null;
        }
    }

    /**
     * Removes a judged file under its guard if the name still denotes the judged inode and that
     * inode still holds the judged bytes (invariant 6). {@code fd} is open on the judged inode.
     */
    private ReapOutcome reap(final Path file, final int fd, final PosixStat judged, final byte[] bytes, final int n)
    {
        final int stripe = guard().stripeOf(file.toString());
        final PosixStat cur = new PosixStat();
        final byte[] again = new byte[bytes.length];
        guard().lock(stripe);
        try
        {
            final int rc = fs.lstat(file, cur);
            if (rc == -Errno.ENOENT || rc == -Errno.ENOTDIR)
            {
                return ReapOutcome.CHANGED;
            }
            if (rc < 0)
            {
                return ReapOutcome.FAILED;
            }
            if (!cur.sameFile(judged))
            {
                return ReapOutcome.CHANGED;
            }
            final int m = posix.preadAll(fd, again);
            if (m != n || (n > 0 && !Arrays.equals(bytes, 0, n, again, 0, m)))
            {
                return ReapOutcome.CHANGED;
            }
            final int u = fs.unlink(file);
            if (u == -Errno.ENOENT)
            {
                return ReapOutcome.CHANGED;
            }
            if (u < 0)
            {
                return ReapOutcome.FAILED;
            }
        }
        finally
        {
            guard().unlock(stripe);
        }
        reaped.incrementAndGet();
        syncDirectory(file);
        return ReapOutcome.REMOVED;
    }

    /**
     * Creates a flocked temporary file with the token and links it to {@code file}. Returns the held
     * file, or null when {@code file} exists.
     */
    private HeldFile createAndLink(final String ownerId, final LockPath p, final LockType type, final Path file,
        final HeldFile replaced, final PosixStat st)
    {
        final long now = wallClock.getAsLong();
        final byte[] token = LockTokenDescriptor.encode(ownerPrefix, ownerId, now, type, dialect);
        final Path tmp = tmpDir.resolve(tmpPrefix + tmpSeq.incrementAndGet());
        final int fd = createTemp(tmp, token, file);
        final int s = posix.fstat(fd, st);
        if (s < 0)
        {
            fs.unlink(tmp);
            posix.close(fd);
            throw ioFailure("cannot fstat the temporary lock file", tmp, s);
        }
        final int rc = fs.link(tmp, file);
        fs.unlink(tmp);
        if (rc == -Errno.EEXIST)
        {
            posix.close(fd);
            return null;
        }
        if (rc < 0)
        {
            posix.close(fd);
            throw ioFailure("cannot publish lock file (link)", file, rc);
        }
        final HeldFile hf = new HeldFile(ownerId, p, type, file, guard().stripeOf(file.toString()), replaced);
        hf.dirFd = fs.openDir(file.getParent());
        if (hf.dirFd < 0)
        {
            final int err = hf.dirFd;
            fs.unlink(file);
            posix.close(fd);
            throw ioFailure("cannot open the directory of the published lock file", file, err);
        }
        hf.identity(fd, st, new LockTokenDescriptor.Token(ownerPrefix + ownerId, now, type,
            flock ? LockTokenDescriptor.Origin.FLOCK : LockTokenDescriptor.Origin.AGED, dialect));
        registry.put(hf.key, hf);
        if (durability == Durability.DATA_AND_DIRECTORY)
        {
            final int d = fs.fsyncDirectory(file.getParent());
            if (d < 0)
            {
                release(hf);
                throw ioFailure("cannot fsync the directory of lock file", file, d);
            }
        }
        return hf;
    }

    private int createTemp(final Path tmp, final byte[] token, final Path forFile)
    {
        final int flags = Posix.CREATE_LOCK_EXCLUSIVE | (durability == Durability.NONE ? 0 : Posix.CREATE_SYNC_DATA);
        final int fd = fs.createExclusive(tmp, token, token.length, fileMode, flags);
        if (fd < 0)
        {
            throw ioFailure("cannot create the temporary file " + tmp + " for lock file", forFile, fd);
        }
        return fd;
    }

    /** Replaces the owner's POINT file by a SUBTREE one (invariant 8). */
    private HeldFile upgrade(final HeldFile own, final PosixStat st)
    {
        synchronized (own)
        {
            final long now = wallClock.getAsLong();
            final byte[] token = LockTokenDescriptor.encode(ownerPrefix, own.ownerId, now, LockType.SUBTREE, dialect);
            final int fd = replaceLocked(own, token, st);
            if (fd < 0)
            {
                throw new LockStoreException("lock file " + own.file + " of " + own.ownerId +
                    " was removed or replaced by someone else; the POINT lock on " + own.path + " is lost", null);
            }
            final HeldFile hf = new HeldFile(own.ownerId, own.path, LockType.SUBTREE, own.file, own.stripe, own);
            hf.identity(fd, st, new LockTokenDescriptor.Token(ownerPrefix + own.ownerId, now, LockType.SUBTREE,
                flock ? LockTokenDescriptor.Origin.FLOCK : LockTokenDescriptor.Origin.AGED, dialect));
            posix.close(own.fd);
            own.fd = -1;
            hf.dirFd = own.dirFd;
            own.dirFd = -1;
            own.supersededBy = hf;
            registry.put(hf.key, hf);
            return hf;
        }
    }

    /** Undoes an upgrade that backed off: puts a POINT token back in place of {@code hf}'s. */
    private void restore(final HeldFile hf)
    {
        final HeldFile own = hf.replaced;
        synchronized (hf)
        {
            synchronized (own)
            {
                final PosixStat st = new PosixStat();
                final long now = wallClock.getAsLong();
                final byte[] token = LockTokenDescriptor.encode(ownerPrefix, own.ownerId, now, own.type, dialect);
                final int fd = hf.released ? -1 : replaceLocked(hf, token, st);
                posix.close(hf.fd);
                hf.released = true;
                own.dirFd = hf.dirFd;
                hf.dirFd = -1;
                if (fd < 0)
                {
                    own.released = true;
                    closeDir(own);
                    registry.remove(hf.key, hf);
                    return;
                }
                own.identity(fd, st, new LockTokenDescriptor.Token(ownerPrefix + own.ownerId, now, own.type,
                    flock ? LockTokenDescriptor.Origin.FLOCK : LockTokenDescriptor.Origin.AGED, dialect));
                own.supersededBy = null;
                registry.put(own.key, own);
            }
        }
    }

    /**
     * Puts a new flocked file with {@code token} in place of {@code hf}'s by {@code rename}, under
     * the guard, if the name still denotes {@code hf}'s inode. Returns the new descriptor (its identity
     * in {@code st}), or -1 when the file is no longer {@code hf}'s. The caller holds {@code hf}'s
     * monitor and closes the old descriptor.
     */
    private int replaceLocked(final HeldFile hf, final byte[] token, final PosixStat st)
    {
        final Path tmp = tmpDir.resolve(tmpPrefix + tmpSeq.incrementAndGet());
        final int fd = createTemp(tmp, token, hf.file);
        final PosixStat cur = new PosixStat();
        boolean renamed = false;
        try
        {
            final int s = posix.fstat(fd, st);
            if (s < 0)
            {
                throw ioFailure("cannot fstat the temporary lock file", tmp, s);
            }
            guard().lock(hf.stripe);
            try
            {
                final int rc = posix.fstatAt(hf.dirFd, hf.name, cur);
                if (rc < 0 && rc != -Errno.ENOENT)
                {
                    throw ioFailure("cannot stat lock file", hf.file, rc);
                }
                if (rc < 0 || !hf.sameFile(cur))
                {
                    return -1;
                }
                final int r = posix.renameAt(tmpDirFd, RootedFs.bytes(tmp.getFileName()), hf.dirFd, hf.name);
                if (r < 0)
                {
                    throw ioFailure("cannot replace lock file (rename)", hf.file, r);
                }
                renamed = true;
            }
            finally
            {
                guard().unlock(hf.stripe);
            }
            if (durability == Durability.DATA_AND_DIRECTORY)
            {
                final int d = posix.fsync(hf.dirFd);
                if (d < 0)
                {
                    throw ioFailure("cannot fsync the directory of lock file", hf.file, d);
                }
            }
            return fd;
        }
        finally
        {
            if (!renamed)
            {
                fs.unlink(tmp);
                posix.close(fd);
            }
        }
    }

    private boolean refreshLocked(final HeldFile hf)
    {
        final PosixStat st = new PosixStat();
        final long now = wallClock.getAsLong();
        final byte[] token = LockTokenDescriptor.encode(ownerPrefix, hf.ownerId, now, hf.type, dialect);
        final int fd = replaceLocked(hf, token, st);
        if (fd < 0)
        {
            final int rc = posix.fstatAt(hf.dirFd, hf.name, st);
            hf.lost = "lock file " + hf.file + " of " + hf.path + " (" + hf.type + ") was " +
                (rc == -Errno.ENOENT ? "removed by someone else" : "replaced by another file" + describeOccupant(hf.file));
            hf.released = true;
            posix.close(hf.fd);
            hf.fd = -1;
            closeDir(hf);
            registry.remove(hf.key, hf);
            return false;
        }
        posix.close(hf.fd);
        hf.identity(fd, st, new LockTokenDescriptor.Token(ownerPrefix + hf.ownerId, now, hf.type,
            flock ? LockTokenDescriptor.Origin.FLOCK : LockTokenDescriptor.Origin.AGED, dialect));
        return true;
    }

    /** Removes a held file if it is still ours (invariant 6), then closes it. Idempotent. */
    private void release(final HeldFile hf)
    {
        synchronized (hf)
        {
            if (hf.released)
            {
                return;
            }
            hf.released = true;
            if (hf.supersededBy != null)
            {
                return;
            }
            int failure = 0;
            final PosixStat st = new PosixStat();
            guard().lock(hf.stripe);
            try
            {
                final int rc = posix.fstatAt(hf.dirFd, hf.name, st);
                if (rc == 0 && hf.sameFile(st))
                {
                    final int u = posix.unlinkAt(hf.dirFd, hf.name);
                    if (u < 0 && u != -Errno.ENOENT)
                    {
                        failure = u;
                    }
                }
                else if (rc < 0 && rc != -Errno.ENOENT && rc != -Errno.ENOTDIR)
                {
                    failure = rc;
                }
            }
            finally
            {
                guard().unlock(hf.stripe);
                // Closing drops the flock: even a file that could not be unlinked is then reclaimed
                // at once by the next process that finds it (invariant 9).
                posix.close(hf.fd);
                hf.fd = -1;
                if (failure == 0 && durability == Durability.DATA_AND_DIRECTORY && hf.dirFd >= 0)
                {
                    failure = Math.min(0, posix.fsync(hf.dirFd));
                }
                closeDir(hf);
                registry.remove(hf.key, hf);
            }
            if (failure != 0)
            {
                throw ioFailure("cannot remove lock file", hf.file, failure);
            }
        }
    }

    private void closeDir(final HeldFile hf)
    {
        if (hf.dirFd >= 0)
        {
            posix.close(hf.dirFd);
            hf.dirFd = -1;
        }
    }

    private void rollback(final List<HeldFile> files, final Throwable cause)
    {
        for (int i = files.size() - 1; i >= 0; i--)
        {
            final HeldFile hf = files.get(i);
            try
            {
                if (hf.replaced != null)
                {
                    restore(hf);
                }
                else
                {
                    release(hf);
                }
            }
            catch (final RuntimeException e)
            {
                if (cause != null)
                {
                    cause.addSuppressed(e);
                }
            }
        }
        files.clear();
    }

    private void syncDirectory(final Path file)
    {
        if (durability == Durability.DATA_AND_DIRECTORY)
        {
            final int rc = fs.fsyncDirectory(file.getParent());
            if (rc < 0)
            {
                throw ioFailure("cannot fsync the directory of lock file", file, rc);
            }
        }
    }

    // ---- waiting ----------------------------------------------------------------------------------

    private boolean blockerChanged(final Blocker b, final PosixStat st)
    {
        final int rc = fs.lstat(b.file, st);
        if (rc == -Errno.ENOENT || rc == -Errno.ENOTDIR)
        {
            return true;
        }
        if (rc < 0)
        {
            return false;
        }
        if (st.dev() != b.dev || st.ino() != b.ino || st.size() != b.size || st.mtimeNanos() != b.mtimeNanos)
        {
            return true;
        }
        if (b.token == null)
        {
            return false;
        }
        if (b.token.origin() == LockTokenDescriptor.Origin.FLOCK && flock)
        {
            final int fd = fs.openRead(b.file, new PosixStat());
            if (fd < 0)
            {
                return fd == -Errno.ENOENT;
            }
            try
            {
                return posix.flock(fd, Posix.LOCK_EX | Posix.LOCK_NB) == 0;
            }
            finally
            {
                posix.close(fd);
            }
        }
        return judgeRule.judge(b.token, st, posix, -1, false).stale();
    }

    /** An {@link #onChange} wait: no thread parked; polls run on the store's scheduler thread. */
    private final class AsyncWait implements Runnable
    {
        private final Blocker blocker;
        private final long deadline;
        private final CompletableFuture<Void> result;
        private final PosixStat st = new PosixStat();
        private CompletableFuture<Void> watch;
        private ScheduledFuture<?> next;
        private long backoff = BACKOFF_MIN_NANOS;

        AsyncWait(final Blocker blocker, final long deadline, final CompletableFuture<Void> result)
        {
            this.blocker = blocker;
            this.deadline = deadline;
            this.result = result;
        }

        void start()
        {
            final ChangeWatcher w = watcher();
            watch = w.subscribe(blocker.dir);
            if (watch != null)
            {
                watch.thenRun(() -> result.complete(null));
            }
            result.whenComplete((v, ex) ->
            {
                w.unsubscribe(blocker.dir, watch);
                synchronized (this)
                {
                    if (next != null)
                    {
                        next.cancel(false);
                    }
                }
            });
            run();
        }

        @Override
        public void run()
        {
            if (result.isDone())
            {
                return;
            }
            try
            {
                if (closed || blockerChanged(blocker, st))
                {
                    result.complete(null);
                    return;
                }
            }
            catch (final RuntimeException e)
            {
                result.complete(null);
                return;
            }
            final long remaining = deadline - System.nanoTime();
            if (remaining <= 0)
            {
                result.complete(null);
                return;
            }
            final long wait = Math.min(remaining, jitter(backoff));
            backoff = Math.min(backoff * 2, BACKOFF_MAX_NANOS);
            synchronized (this)
            {
                if (!result.isDone())
                {
                    next = scheduler().schedule(this, wait, TimeUnit.NANOSECONDS);
                }
            }
        }
    }

    private ChangeWatcher watcher()
    {
        ChangeWatcher w = watcher;
        if (w == null)
        {
            synchronized (this)
            {
                w = watcher;
                if (w == null)
                {
                    w = new ChangeWatcher("pathlock-file-watcher");
                    watcher = w;
                    if (closed)
                    {
                        w.close();
                    }
                }
            }
        }
        return w;
    }

    private ScheduledThreadPoolExecutor scheduler()
    {
        ScheduledThreadPoolExecutor s = scheduler;
        if (s == null)
        {
            synchronized (this)
            {
                s = scheduler;
                if (s == null)
                {
                    s = new ScheduledThreadPoolExecutor(1, r ->
                    {
                        final Thread t = new Thread(r, "pathlock-file-poller");
                        t.setDaemon(true);
                        return t;
                    });
                    s.setRemoveOnCancelPolicy(true);
                    scheduler = s;
                }
            }
        }
        return s;
    }

    private static long jitter(final long nanos)
    {
        return nanos / 2 + ThreadLocalRandom.current().nextLong(nanos / 2 + 1);
    }

    // ---- paths ------------------------------------------------------------------------------------

    /**
     * Resolves where the files of {@code p} are, checking that no existing component is a symbolic
     * link to outside the root and, when {@code forPublish}, creating missing parent directories per
     * policy.
     */
    Target resolve(final LockPath p, final boolean forPublish)
    {
        final Layout l = layout(p);
        int kind = KIND_DIRECTORY;
        if (p.depth() > 0)
        {
            kind = classify(p, l.components, forPublish);
        }
        return new Target(p, l.dir, l.dirForm, l.sidecar, kind == KIND_DIRECTORY, kind == KIND_PARENT_MISSING,
            kind == KIND_MISSING, l.ancestorFiles, l.ancestorPaths);
    }

    /** The paths of one lock path's files: pure layout, cached (the file system is consulted per request). */
    private static final class Layout
    {
        final Path[] components;
        final Path dir;
        final Path dirForm;
        final Path sidecar;
        final Path[] ancestorFiles;
        final LockPath[] ancestorPaths;

        Layout(final Path[] components, final Path dir, final Path dirForm, final Path sidecar, final Path[] ancestorFiles,
            final LockPath[] ancestorPaths)
        {
            this.components = components;
            this.dir = dir;
            this.dirForm = dirForm;
            this.sidecar = sidecar;
            this.ancestorFiles = ancestorFiles;
            this.ancestorPaths = ancestorPaths;
        }
    }

    private static final int LAYOUT_CACHE_MAX = 4096;

    private Layout layout(final LockPath p)
    {
        Layout l = layouts.get(p);
        if (l == null)
        {
            if (layouts.size() >= LAYOUT_CACHE_MAX)
            {
                layouts.clear();
            }
            l = newLayout(p);
            layouts.put(p, l);
        }
        return l;
    }

    private Layout newLayout(final LockPath p)
    {
        final int depth = p.depth();
        final String[] dirs = new String[depth + 1];
        final StringBuilder sb = new StringBuilder(rootString.length() + p.toString().length() + 32).append(rootString);
        dirs[0] = rootString.isEmpty() ? "/" : rootString;
        for (int i = 0; i < depth; i++)
        {
            sb.append('/').append(p.segment(i));
            dirs[i + 1] = sb.toString();
        }
        final Path[] components = new Path[depth + 1];
        for (int i = 0; i <= depth; i++)
        {
            components[i] = Path.of(dirs[i]);
        }
        final int ancestors = depth == 0 ? 0 : 2 * depth - 1;
        final Path[] files = new Path[ancestors];
        final LockPath[] paths = new LockPath[ancestors];
        int k = 0;
        for (int i = 0; i < depth; i++)
        {
            final LockPath a = p.prefix(i);
            files[k] = Path.of(dirFormOf(dirs[i]));
            paths[k++] = a;
            if (i > 0)
            {
                files[k] = Path.of(sidecarOf(dirs[i - 1], a));
                paths[k++] = a;
            }
        }
        final Path dirForm = Path.of(dirFormOf(dirs[depth]));
        final Path sidecar = depth == 0 ? null : Path.of(sidecarOf(dirs[depth - 1], p));
        return new Layout(components, components[depth], dirForm, sidecar, files, paths);
    }

    private static String dirFormOf(final String dir)
    {
        return dir.equals("/") ? "/" + LOCK_FILE_NAME : dir + "/" + LOCK_FILE_NAME;
    }

    private String sidecarOf(final String parentDir, final LockPath lockPath)
    {
        return (parentDir.equals("/") ? "" : parentDir) + "/" + SidecarNames.sidecarName(ovPrefix + lockPath);
    }

    private static final int KIND_DIRECTORY = 0;
    private static final int KIND_OTHER = 1;
    private static final int KIND_PARENT_MISSING = 2;
    private static final int KIND_MISSING = 3;

    /**
     * lstat of each component: symlink containment, parents are directories. Returns whether R/p is
     * a directory, something else (a file, or missing), or has a missing parent (only when not
     * {@code forPublish}; with it, missing parents are created or refused per policy).
     */
    private int classify(final LockPath p, final Path[] components, final boolean forPublish)
    {
        final PosixStat st = new PosixStat();
        final int depth = p.depth();
        for (int i = 1; i <= depth; i++)
        {
            final Path path = components[i];
            int rc = fs.lstat(path, st);
            if (rc == -Errno.ENOENT)
            {
                if (i == depth)
                {
                    return KIND_MISSING;
                }
                if (!forPublish)
                {
                    return KIND_PARENT_MISSING;
                }
                if (missingDirectories == MissingDirectories.FAIL)
                {
                    throw new LockStoreException("cannot lock " + p + ": directory " + path +
                        " does not exist (missing directories: fail)", null);
                }
                final int m = fs.mkdir(path, dirMode);
                if (m < 0 && m != -Errno.EEXIST)
                {
                    throw ioFailure("cannot create directory for lock path " + p, path, m);
                }
                rc = fs.lstat(path, st);
            }
            if (rc < 0)
            {
                throw ioFailure("cannot stat a component of lock path " + p, path, rc);
            }
            if ((st.mode() & PosixStat.S_IFMT) == PosixStat.S_IFLNK)
            {
                // RootedFs never follows a link below the root (invariant R1), so a lock path through
                // one would name files the store cannot reach: refuse, naming the link.
                throw new LockStoreException("cannot lock " + p + ": " + path + " is a symbolic link; lock paths " +
                    "below the root never go through symbolic links (lock the link's target path instead)", null);
            }
            final boolean dir = (st.mode() & PosixStat.S_IFMT) == PosixStat.S_IFDIR;
            if (i < depth && !dir)
            {
                throw new LockStoreException("cannot lock " + p + ": " + path + " is not a directory", null);
            }
            if (i == depth)
            {
                return dir ? KIND_DIRECTORY : KIND_OTHER;
            }
        }
        return KIND_DIRECTORY;
    }

    /**
     * The lock path a found file stands for: {@code base + rel} minus the lock file name, or null
     * for a name that is not a lock file of this protocol.
     */
    static LockPath lockPathOf(final LockPath base, final Path rel)
    {
        if (rel == null)
        {
            return null;
        }
        try
        {
            return lockPathOfUnchecked(base, rel);
        }
        catch (final RuntimeException e)
        {
            // A directory name that cannot be a lock path (a control character, too long): the lock
            // file still counts, as held by the deepest ancestor that is a lock path.
            LockPath lp = base;
            final Path parent = rel.getParent();
            if (parent != null)
            {
                for (final Path seg : parent)
                {
                    try
                    {
                        lp = lp.child(seg.toString());
                    }
                    catch (final RuntimeException stop)
                    {
                        return lp;
                    }
                }
            }
            return lp;
        }
    }

    private static LockPath lockPathOfUnchecked(final LockPath base, final Path rel)
    {
        final String name = rel.getFileName().toString();
        final Path parent = rel.getParent();
        LockPath lp = base;
        if (parent != null)
        {
            for (final Path seg : parent)
            {
                lp = lp.child(seg.toString());
            }
        }
        if (name.equals(LOCK_FILE_NAME))
        {
            return lp;
        }
        if (SidecarNames.isSidecar(name))
        {
            final String shown = SidecarNames.displayName(name);
            try
            {
                return lp.child(shown);
            }
            catch (final RuntimeException e)
            {
                return lp;
            }
        }
        if (name.length() > LOCK_FILE_NAME.length() + 1 && name.charAt(0) == '.' && name.endsWith(LOCK_FILE_NAME))
        {
            return lp.child(name.substring(1, name.length() - LOCK_FILE_NAME.length()));
        }
        return null;
    }

    /**
     * A report for a hit that cannot be judged as a lock file (S1, S2): an unreadable directory, a
     * name that is not UTF-8, a non-regular file; null for an ordinary hit.
     */
    private LockFileInfo oddHit(final LockPath base, final Path baseDir, final LockFileScanner.Hit h)
    {
        final String shown = (base.isRoot() ? "" : base.toString()) + "/" + h.display();
        if (h.errno() != 0)
        {
            return new LockFileInfo(shown, h.path() == null ? baseDir : baseDir.resolve(h.path()), null, null, -1,
                LockFileState.UNPARSEABLE, -1, "directory cannot be read (" + Errno.name(-h.errno()) + ": " +
                Errno.describe(-h.errno()) + "): lock files below it cannot be ruled out");
        }
        if (h.path() == null)
        {
            return new LockFileInfo(shown, baseDir, null, null, -1, LockFileState.UNPARSEABLE, -1,
                "lock file whose path is not valid UTF-8: held (it cannot be judged by name)");
        }
        if ((h.fileType() & PosixStat.S_IFMT) != PosixStat.S_IFREG)
        {
            return new LockFileInfo(shown, baseDir.resolve(h.path()), null, null, -1, LockFileState.UNPARSEABLE, -1,
                "not a regular file (" + fileTypeName(h.fileType()) + ") named like a lock file: held");
        }
        return null;
    }

    private static String fileTypeName(final PosixStat st)
    {
        return fileTypeName(st.mode());
    }

    private static String fileTypeName(final int mode)
    {
        switch (mode & PosixStat.S_IFMT)
        {
            case PosixStat.S_IFREG:
                return "regular file";
            case PosixStat.S_IFDIR:
                return "directory";
            case PosixStat.S_IFLNK:
                return "symbolic link";
            case 0010000:
                return "FIFO";
            case 0140000:
                return "socket";
            case 0020000:
                return "character device";
            case 0060000:
                return "block device";
            default:
                return "file type 0" + Integer.toOctalString(mode & PosixStat.S_IFMT);
        }
    }

    /** Removes a non-regular entry named like a lock file ({@code break --force}), under its guard. */
    private boolean removeOddEntry(final Path file)
    {
        final int stripe = guard().stripeOf(file.toString());
        guard().lock(stripe);
        try
        {
            final int u = fs.unlink(file);
            if (u == -Errno.EISDIR)
            {
                throw new LockStoreException("cannot remove " + file + ": it is a directory named like a lock file; " +
                    "remove it by hand", null);
            }
            if (u < 0 && u != -Errno.ENOENT)
            {
                throw ioFailure("cannot remove", file, u);
            }
            return u == 0;
        }
        finally
        {
            guard().unlock(stripe);
        }
    }

    private static void validateLockPath(final LockPath p)
    {
        for (int i = 0; i < p.depth(); i++)
        {
            final String s = p.segment(i);
            if (s.equals(RESERVED_DIR_NAME) || s.endsWith(LOCK_FILE_NAME) || s.startsWith(SidecarNames.PREFIX))
            {
                throw new LockStoreException("cannot lock " + p + ": segment '" + s + "' is reserved by the lock-file " +
                    "store (" + RESERVED_DIR_NAME + ", names ending in " + LOCK_FILE_NAME + " and names starting with " +
                    SidecarNames.PREFIX + ")", null);
            }
        }
    }

    private static void validateOwner(final String ownerId)
    {
        if (ownerId == null || ownerId.isEmpty())
        {
            throw new IllegalArgumentException("owner id must not be empty");
        }
        for (int i = 0; i < ownerId.length(); i++)
        {
            final char c = ownerId.charAt(i);
            if (c < 0x20 || c == 0x7f || c == ':')
            {
                throw new IllegalArgumentException("owner id '" + ownerId + "' has a forbidden character at " + i +
                    " (no ':' or control characters in lock files)");
            }
        }
    }

    private LockConflict toConflict(final Found f)
    {
        final LockConflict.Reason reason;
        switch (f.state)
        {
            case ALIVE:
                reason = LockConflict.Reason.HELD;
                break;
            case FOREIGN:
                reason = LockConflict.Reason.FOREIGN;
                break;
            case STALE:
                reason = LockConflict.Reason.STALE;
                break;
            default:
                reason = LockConflict.Reason.UNPARSEABLE;
                break;
        }
        final String owner = f.token != null ? f.token.ownerId() : "<" + f.detail + ": " + f.file + ">";
        return new LockConflict(f.lockPath.toString(), reason, owner, f.token == null ? null : f.token.type(),
            f.ageNanos, source);
    }

    private LockStoreException ioFailure(final String what, final Path path, final int rc)
    {
        return new LockStoreException(what + " " + path + ": " + Errno.name(rc) + " (" + Errno.describe(rc) + ") [" +
            source + "]", null);
    }

    private void mkdirIfMissing(final Path dir)
    {
        final int rc = fs.mkdir(dir, dirMode);
        if (rc < 0 && rc != -Errno.EEXIST)
        {
            throw ioFailure("cannot create the reserved directory", dir, rc);
        }
        final PosixStat st = new PosixStat();
        final int s = fs.lstat(dir, st);
        if (s < 0 || (st.mode() & PosixStat.S_IFMT) != PosixStat.S_IFDIR)
        {
            throw new LockStoreException("reserved path " + dir + " is not a directory", null);
        }
    }

    private void removeOrphanTemporaries()
    {
        final long cutoff = System.currentTimeMillis() - TEMP_ORPHAN_AGE_MILLIS;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmpDir))
        {
            for (final Path f : ds)
            {
                if (!TEMP_NAME.matcher(f.getFileName().toString()).matches())
                {
                    continue;
                }
                final FileTime mtime = Files.getLastModifiedTime(f, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                if (mtime.toMillis() < cutoff)
                {
                    fs.unlink(f);
                }
            }
        }
        catch (final IOException | RuntimeException ignore)
        {
            // Orphans only cost disk space; never fail the store for them.
        }
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("lock store " + describe() + " is closed");
        }
    }

    private static int dirModeOf(final int fileMode)
    {
        int m = fileMode | 0700;
        if ((fileMode & 0040) != 0)
        {
            m |= 0010;
        }
        if ((fileMode & 0004) != 0)
        {
            m |= 0001;
        }
        return m;
    }

    private static String hostName()
    {
        try
        {
            final String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            if (!h.isEmpty())
            {
                return h;
            }
        }
        catch (final IOException | RuntimeException ignore)
        {
            // Not Linux, or no procfs.
        }
        final String env = System.getenv("HOSTNAME");
        return env == null || env.isBlank() ? "localhost" : env;
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

    private static long saturatedAdd(final long a, final long b)
    {
        final long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
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
        private NanoClock clock = SystemNanoClock.INSTANCE;
        private int guardStripes = GUARD_STRIPES_DEFAULT;
        private boolean syncFence = true;
        private Dialect dialect;
        private boolean admin;
        private String ovPrefix = "";
        private java.util.function.LongSupplier wallClock = FileLockStore::systemWallNanos;

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
         * A POSIX backend instance (overrides {@link #backend(String)}).
         *
         * @param posix the backend.
         * @return this.
         */
        public Builder posix(final Posix posix)
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
        public Builder wallClock(final java.util.function.LongSupplier wallNanos)
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
         * The clock for token times and ages; must be {@code CLOCK_MONOTONIC} outside tests.
         *
         * @param clock the clock.
         * @return this.
         */
        public Builder clock(final NanoClock clock)
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
            final String v = System.getProperty(name);
            if (v == null || v.isBlank())
            {
                return dflt;
            }
            try
            {
                final String t = v.trim();
                return t.startsWith("P") || t.startsWith("p") ? Duration.parse(t) : Duration.ofMillis(Long.parseLong(t));
            }
            catch (final RuntimeException e)
            {
                throw new IllegalArgumentException("system property " + name + "=\"" + v +
                    "\" is not a duration (milliseconds, or ISO-8601 like PT5S)", e);
            }
        }
    }
}

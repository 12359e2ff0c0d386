package io.pathlock.file.interop;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Model of OpenViking's Rust lock code ({@code crates/ragfs/src/lock/}, HEAD 6e944cc3e, last lock
 * change efbe012d6) over the ragfs {@code localfs} plugin ({@code plugins/localfs/mod.rs}) mounted
 * through {@code MountableFS}, without the cache and encryption wrappers.
 *
 * <pre>
 * R1  Lock files (resolver.rs): EXACT on an existing directory → {path}/.path.ovlock, on a file,
 *     a missing path or a failed stat → {parent}/.exact.ovlock.&lt;safe_name&gt;.&lt;16 hex of
 *     sha1(path)&gt; (55-70). TREE on an existing non-directory → that sidecar; on a directory, a
 *     missing path or a failed stat → {path}/.path.ovlock (76-85), and ensure_lock_dir then
 *     CREATES the missing directory {path} (manager.rs:1181-1220). stat follows symbolic links.
 *     For a path directly under "/" the sidecar is "//.exact.ovlock..." (split_parent_name gives
 *     "/" and the format adds "/"): localfs rejects it (resolve_path, mod.rs:79-95) → Io error.
 * R2  read_token (provider.rs:176-192, 287-315; localfs read mod.rs:956-983): fs::metadata
 *     (follows links) failing for ANY reason → NotFound → None ("no lock": a dangling link, an
 *     EACCES on stat, ENOTDIR). A directory → Io "is a directory"; fs::read failing (EACCES,
 *     ENXIO for a socket) → Io; a FIFO → fs::read blocks in open(2), not on a blocking pool:
 *     the request never completes. Content: from_utf8_lossy, str::trim; empty → None; else
 *     decode; a decode error on content starting "OVE1" (legacy encrypted lock) →
 *     compare_and_remove of the file, then None; any other decode error → InvalidToken.
 *     Io and InvalidToken are not retryable (manager.rs:568-574): the whole request fails.
 * R3  Staleness (is_stale, manager.rs:562-566): now.saturating_sub(ts) > (lock_expire_secs *
 *     1e9) as u128; default 30 s (43); leases refreshed every lock_expire / 3 = 10 s (414).
 * R4  acquire (acquire_batch 688-1000), one request, in order; a token of my own owner id never
 *     conflicts; STALE tokens are skipped by every check and removed only at the acquire path:
 *       EXACT: a. every ancestor's .path.ovlock up to and including "/.path.ovlock"
 *                 (check_ancestor_tree_locks 1110-1149): live T of another owner → conflict;
 *                 E ignored; but any read error fails the request;
 *              b. stat; c. check_lock_paths(.path.ovlock and sidecar, 1089-1108): live token of
 *                 another owner, either type → conflict; d. ensure_lock_dir; e. try_acquire_one.
 *       TREE:  resolve (R1); a; c; descendants (check_descendant_locks 1151-1179): the scan
 *              (provider.rs:397-441) lists every .path.ovlock and .exact.ovlock.* (any file type)
 *              below, recursing into real directories only (DirEntry metadata is lstat), each
 *              directory sorted directories first then case-insensitively
 *              (filesystem.rs:48-54); then reads them in that order: live other owner →
 *              conflict, read error → failure. A scan of an existing non-directory fails
 *              (localfs read_dir returns Error::Plugin("not a directory"), which the scan does
 *              not treat as NotADirectory): a TREE on an existing file always fails with Io.
 *              A listing error fails the request; d; e.
 *     try_acquire_one (1035-1086): own token → reentrant, or E→T upgrade by
 *     compare_and_write(encode(existing) → new) which needs the file bytes to be exactly the
 *     encoded token; other live → conflict; other stale → compare_and_remove (opens O_RDWR,
 *     fcntl F_SETLK, inode check, byte compare, unlink); then create_new (O_CREAT|O_EXCL, mode
 *     0666 &amp; ~umask). create_new failing while read_token sees None (an EMPTY or blank file, a
 *     dangling symbolic link) → Io "failed to create lock token": the request fails.
 *     With the default lock_timeout 0 a conflict returns Timeout at once; the stale cleanup
 *     after a conflict (841-856) is never reached (timeout is checked first).
 * R5  Refresh (refresh_token provider.rs:358-381): raw read, decode(trim) (InvalidToken → Err),
 *     owner check, compare_and_write(raw → new token): in place on the same inode (set_len(0),
 *     write, fdatasync: a reader can see it empty in between).
 * R6  Owner id: a fresh UUIDv4 per acquisition (manager.rs:524-527) unless a held lease's
 *     capability is passed. encode writes owners containing ':' but decode splits at the first
 *     ':' and then fails: such a token is InvalidToken for everyone, including its writer.
 * </pre>
 *
 * <p>Thread-safe and immutable; every call reads the disk again.
 */
public final class RagfsModel implements OvDialectModel
{
    /** {@code PATH_LOCK_FILE} (core/internal_names.rs:8). */
    public static final String PATH_LOCK_FILE = ".path.ovlock";
    /** {@code EXACT_LOCK_FILE_PREFIX} (core/internal_names.rs:11). */
    public static final String EXACT_LOCK_FILE_PREFIX = ".exact.ovlock.";
    /** {@code PathLockConfig::default().lock_expire_secs} (manager.rs:43). */
    public static final double DEFAULT_LOCK_EXPIRE_SECONDS = 30.0;

    private static final byte[] LEGACY_ENCRYPTED_MAGIC = "OVE1".getBytes(StandardCharsets.US_ASCII);

    private final OvNamespace ns;
    private final BigInteger expireNs;
    private final LockFileProbe.Reader reader;

    /**
     * @param root     directory R
     * @param ovPrefix the OpenViking path of R ({@code ""} when R is mounted at OpenViking's {@code /})
     */
    public RagfsModel(final Path root, final String ovPrefix)
    {
        this(root, ovPrefix, DEFAULT_LOCK_EXPIRE_SECONDS);
    }

    /**
     * @param root           directory R
     * @param ovPrefix       the OpenViking path of R
     * @param lockExpireSecs {@code PathLockConfig.lock_expire_secs} as configured
     */
    public RagfsModel(final Path root, final String ovPrefix, final double lockExpireSecs)
    {
        this(root, ovPrefix, lockExpireSecs, LockFileProbe.NIO);
    }

    RagfsModel(final Path root, final String ovPrefix, final double lockExpireSecs, final LockFileProbe.Reader reader)
    {
        this.ns = new OvNamespace(root, ovPrefix);
        this.expireNs = f64AsU128(lockExpireSecs * 1_000_000_000.0);
        this.reader = Objects.requireNonNull(reader, "reader");
    }

    @Override
    public String name()
    {
        return "ragfs";
    }

    @Override
    public long defaultExpireNanos()
    {
        return 30_000_000_000L;
    }

    /**
     * {@code safe_name} (resolver.rs:116-135): ASCII alphanumerics and {@code ._-} kept, each run
     * of other characters → one {@code _}, leading/trailing {@code .}/{@code _} trimmed,
     * {@code path} if empty, first 80 characters.
     *
     * @param name a file name
     * @return the sanitized name
     */
    public static String safeName(final String name)
    {
        final StringBuilder sanitized = new StringBuilder();
        boolean replacing = false;
        for (int i = 0; i < name.length(); )
        {
            final int c = name.codePointAt(i);
            i += Character.charCount(c);
            if ((c < 128 && Character.isLetterOrDigit(c)) || c == '.' || c == '_' || c == '-')
            {
                sanitized.appendCodePoint(c);
                replacing = false;
            }
            else if (!replacing)
            {
                sanitized.append('_');
                replacing = true;
            }
        }
        int start = 0;
        int end = sanitized.length();
        while (start < end && (sanitized.charAt(start) == '.' || sanitized.charAt(start) == '_'))
        {
            start++;
        }
        while (end > start && (sanitized.charAt(end - 1) == '.' || sanitized.charAt(end - 1) == '_'))
        {
            end--;
        }
        final String trimmed = start == end ? "path" : sanitized.substring(start, end);
        return trimmed.length() > 80 ? trimmed.substring(0, 80) : trimmed;
    }

    /**
     * The sidecar file name of a full OpenViking path ({@code prefixed_exact_lock_path},
     * resolver.rs:94-103, without its parent directory).
     *
     * @param fullOvPath the OpenViking path, e.g. {@code /data/中文 name..txt}
     * @return e.g. {@code .exact.ovlock.name..txt.591847f8876e86f7}
     */
    public static String sidecarName(final String fullOvPath)
    {
        return EXACT_LOCK_FILE_PREFIX + safeName(splitParentName(fullOvPath)[1]) + "." + hashPrefix(fullOvPath);
    }

    @Override
    public Path lockFileFor(final String lockPath, final OvKind kind)
    {
        final String path = ns.ovPath(lockPath);
        final String lockOv = kind == OvKind.POINT ? resolveExact(path)[0] : resolveTree(path);
        final Path file = ns.disk(lockOv);
        // A "//" sidecar (R1) is never written by ragfs; this is where it would be.
        return file != null ? file : ns.root.resolve(lockOv.substring(lockOv.lastIndexOf('/') + 1));
    }

    @Override
    public byte[] token(final String ownerId, final long timeNs, final OvKind kind)
    {
        if (timeNs < 0)
        {
            throw new IllegalArgumentException("time_ns is a u128: " + timeNs);
        }
        return RagfsToken.encode(ownerId, BigInteger.valueOf(timeNs), typeOf(kind)).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Path plant(final String lockPath, final OvKind kind, final String ownerId, final long timeNs) throws IOException
    {
        final String path = ns.ovPath(lockPath);
        final String lockOv = kind == OvKind.POINT ? resolveExact(path)[0] : resolveTree(path);
        final Path file = ns.disk(lockOv);
        if (file == null)
        {
            throw new IOException("ragfs cannot write " + lockOv + " (R1)");
        }
        // ensure_lock_dir, then write(CreateNew): O_CREAT|O_EXCL, which never follows a link.
        Files.createDirectories(file.getParent());
        if (Files.isDirectory(file))
        {
            throw new IOException("is a directory: " + file + " (localfs write, mod.rs:988-991)");
        }
        Files.write(file, token(ownerId, timeNs, kind), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return file;
    }

    @Override
    public OvFileJudgement judge(final Path lockFile, final long nowWallNanos)
    {
        return judgement(readFile(lockFile, Set.of()), nowWallNanos);
    }

    @Override
    public OvRefresh wouldRefresh(final Path lockFile, final String ownerId, final long newTimeNs)
    {
        final LockFileProbe.Seen seen = LockFileProbe.look(lockFile, reader);
        switch (seen.kind())
        {
            case ABSENT:
                return new OvRefresh(false, null, false, "read_token_raw → None: refresh_token returns false (lost)");
            case REGULAR:
                break;
            default:
                return new OvRefresh(false, null, false, "read_token_raw fails (" + seen.detail() + "): refresh_token returns Err");
        }
        final RagfsToken.Decoded d = RagfsToken.decode(RagfsToken.rustTrim(new String(seen.bytes(), StandardCharsets.UTF_8)));
        if (d.error() != null)
        {
            return new OvRefresh(false, null, false, "InvalidToken (" + d.error() + "): refresh_token returns Err (provider.rs:367)");
        }
        if (!d.owner().equals(ownerId))
        {
            return new OvRefresh(false, null, false, "owner '" + d.owner() + "' is not me: refresh_token returns false");
        }
        final String newToken = RagfsToken.encode(ownerId, BigInteger.valueOf(newTimeNs), d.type());
        if (!Files.isWritable(lockFile))
        {
            return new OvRefresh(false, newToken, false, "compare_and_write opens O_RDWR and fails: Err");
        }
        return new OvRefresh(true, newToken, true,
            "compare_and_write(raw bytes → new token) under fcntl lock: set_len(0), write, fdatasync on the same inode (R5)");
    }

    @Override
    public OvDecision wouldAcquire(final String lockPath, final OvKind kind, final String ownerId, final long nowWallNanos)
    {
        Objects.requireNonNull(ownerId, "ownerId");
        final String path = ns.ovPath(lockPath);
        final Attempt a = new Attempt(ownerId, nowWallNanos);
        OvDecision d;
        if (kind == OvKind.POINT)
        {
            if ((d = ancestors(path, a)) != null)
            {
                return d;
            }
            final String[] resolved = resolveExact(path);
            if ((d = checkLockPaths(Arrays.asList(resolved), a)) != null)
            {
                return d;
            }
            if ((d = ensureLockDir(resolved[0], a)) != null)
            {
                return d;
            }
            return tryAcquireOne(resolved[0], kind, a);
        }
        final String lockOv = resolveTree(path);
        if ((d = ancestors(path, a)) != null)
        {
            return d;
        }
        if ((d = checkLockPaths(Arrays.asList(resolveExact(path)), a)) != null)
        {
            return d;
        }
        if ((d = descendants(path, a)) != null)
        {
            return d;
        }
        if ((d = ensureLockDir(lockOv, a)) != null)
        {
            return d;
        }
        return tryAcquireOne(lockOv, kind, a);
    }

    // ---------------------------------------------------------------------------------------------

    private enum State
    {
        NONE, TOKEN, FAILS, LEGACY
    }

    private record Read(Path file, State state, RagfsToken.Decoded token, byte[] bytes, String why)
    {
    }

    /** One acquisition attempt's owner, clock and simulated removals. */
    private static final class Attempt
    {
        final String owner;
        final long now;
        final Set<Path> removed = new HashSet<>();
        final List<OvFileJudgement> removedList = new ArrayList<>();
        final List<String> created = new ArrayList<>();

        Attempt(final String owner, final long now)
        {
            this.owner = owner;
            this.now = now;
        }
    }

    private Read read(final String ovLock, final Set<Path> removed)
    {
        if (ovLock.startsWith("//"))
        {
            return ns.prefix.isEmpty() ?
                new Read(null, State.FAILS, null, null, "localfs rejects '" + ovLock + "' (an absolute path after stripping one '/'): Io (R1)") :
                new Read(null, State.NONE, null, null, "outside the modelled root");
        }
        final Path file = ns.disk(ovLock);
        if (file == null)
        {
            return new Read(null, State.NONE, null, null, "outside the modelled root");
        }
        return readFile(file, removed);
    }

    private Read readFile(final Path file, final Set<Path> removed)
    {
        if (removed.contains(file))
        {
            return new Read(file, State.NONE, null, null, "removed earlier in this attempt");
        }
        final LockFileProbe.Seen seen = LockFileProbe.look(file, reader);
        switch (seen.kind())
        {
            case ABSENT:
                return new Read(file, State.NONE, null, null, "fs::metadata fails (" + seen.detail() + "): localfs maps it to NotFound, read_token → None (R2)");
            case DIRECTORY:
                return new Read(file, State.FAILS, null, null, "a directory: localfs read → 'is a directory' → Io: the request fails (R2)");
            case FIFO:
                return new Read(file, State.FAILS, null, null, "a FIFO: fs::read blocks in open(2): the request never completes (R2)");
            case SOCKET:
                return new Read(file, State.FAILS, null, null, "a socket: open fails (ENXIO) → Io: the request fails (R2)");
            case DEVICE:
                return new Read(file, State.FAILS, null, null, "a device: ragfs would read it; not modelled, counted as failing");
            case UNREADABLE:
                return new Read(file, State.FAILS, null, null, "fs::read fails (" + seen.detail() + ") → Io: the request fails (R2, fail closed)");
            default:
                break;
        }
        final String raw = RagfsToken.rustTrim(new String(seen.bytes(), StandardCharsets.UTF_8));
        if (raw.isEmpty())
        {
            return new Read(file, State.NONE, null, seen.bytes(), "empty after trim: read_token → None (provider.rs:292-295)");
        }
        final RagfsToken.Decoded d = RagfsToken.decode(raw);
        if (d.error() == null)
        {
            return new Read(file, State.TOKEN, d, seen.bytes(), "token '" + raw + "'");
        }
        if (startsWith(seen.bytes(), LEGACY_ENCRYPTED_MAGIC))
        {
            if (!Files.isWritable(file))
            {
                return new Read(file, State.FAILS, null, seen.bytes(), "legacy encrypted lock; compare_and_remove opens O_RDWR and fails → Io (provider.rs:298-303)");
            }
            return new Read(file, State.LEGACY, null, seen.bytes(), "legacy encrypted lock (OVE1): read_token deletes it by compare_and_remove and returns None (provider.rs:298-307)");
        }
        return new Read(file, State.FAILS, null, seen.bytes(), "InvalidToken: " + d.error() + " (codec.rs:23-58): the request fails");
    }

    private boolean isStale(final RagfsToken.Decoded token, final long now)
    {
        final BigInteger age = BigInteger.valueOf(now).subtract(token.ts()).max(BigInteger.ZERO);
        return age.compareTo(expireNs) > 0;
    }

    private OvFileJudgement judgement(final Read r, final long now)
    {
        switch (r.state)
        {
            case NONE:
            case LEGACY:
                return new OvFileJudgement(r.file, OvVerdict.FREE, null, 0, null, r.why);
            case FAILS:
                return new OvFileJudgement(r.file, OvVerdict.INVALID, null, 0, null, r.why);
            default:
                break;
        }
        final RagfsToken.Decoded t = r.token;
        final long ts = Ov431Model.clamp(t.ts());
        final String clamped = BigInteger.valueOf(ts).equals(t.ts()) ? "" : " (time " + t.ts() + " clamped)";
        return isStale(t, now) ?
            new OvFileJudgement(r.file, OvVerdict.STALE, t.owner(), ts, t.type(), "older than lock_expire (R3)" + clamped) :
            new OvFileJudgement(r.file, OvVerdict.HELD, t.owner(), ts, t.type(), "younger than lock_expire (R3)" + clamped);
    }

    /** Reads one lock path during an attempt; a legacy file is removed as read_token removes it. */
    private Read consume(final String ovLock, final Attempt a)
    {
        final Read r = read(ovLock, a.removed);
        if (r.state == State.LEGACY)
        {
            a.removed.add(r.file);
            a.removedList.add(judgement(r, a.now));
            return new Read(r.file, State.NONE, null, null, "legacy encrypted lock removed by read_token");
        }
        return r;
    }

    private OvDecision failed(final Read r, final Attempt a, final String step)
    {
        return new OvDecision(false, judgement(r, a.now), a.removedList, step + ": " + r.why);
    }

    private OvDecision blocked(final Read r, final Attempt a, final String step)
    {
        return new OvDecision(false, judgement(r, a.now), a.removedList,
            step + ": live " + r.token.type() + " of '" + r.token.owner() + "' → Conflict; lock_timeout 0 → Timeout");
    }

    /** R4a: check_ancestor_tree_locks. */
    private OvDecision ancestors(final String path, final Attempt a)
    {
        String current = path;
        while (true)
        {
            final int idx = current.lastIndexOf('/');
            if (idx < 0)
            {
                return null;
            }
            final String parent;
            if (idx > 0)
            {
                parent = current.substring(0, idx);
            }
            else if (!"/".equals(current))
            {
                parent = "/";
            }
            else
            {
                return null;
            }
            final Read r = consume("/".equals(parent) ? "/" + PATH_LOCK_FILE : parent + "/" + PATH_LOCK_FILE, a);
            if (r.state == State.FAILS)
            {
                return failed(r, a, "ancestor check (manager.rs:1110-1149)");
            }
            if (r.state == State.TOKEN && r.token.type() == 'T' && !r.token.owner().equals(a.owner) && !isStale(r.token, a.now))
            {
                return blocked(r, a, "ancestor tree lock (manager.rs:1131-1140)");
            }
            current = parent;
        }
    }

    /** R4c: check_lock_paths. */
    private OvDecision checkLockPaths(final List<String> lockPaths, final Attempt a)
    {
        for (final String lp : lockPaths)
        {
            final Read r = consume(lp, a);
            if (r.state == State.FAILS)
            {
                return failed(r, a, "exact-path check (manager.rs:1089-1108)");
            }
            if (r.state == State.TOKEN && !r.token.owner().equals(a.owner) && !isStale(r.token, a.now))
            {
                return blocked(r, a, "exact-path check (manager.rs:1097-1103)");
            }
        }
        return null;
    }

    /** R4 TREE: check_descendant_locks over scan_descendant_locks. */
    private OvDecision descendants(final String path, final Attempt a)
    {
        final List<String> found = new ArrayList<>();
        final String scanError = scan(path, found);
        if (scanError != null)
        {
            return new OvDecision(false, null, a.removedList, "descendant scan fails → Io: " + scanError);
        }
        for (final String lp : found)
        {
            final Read r = consume(lp, a);
            if (r.state == State.FAILS)
            {
                return failed(r, a, "descendant check (manager.rs:1166-1176)");
            }
            if (r.state == State.TOKEN && !r.token.owner().equals(a.owner) && !isStale(r.token, a.now))
            {
                return blocked(r, a, "descendant check (manager.rs:1166-1176)");
            }
        }
        return null;
    }

    private record Entry(Path file, String name, boolean isDir)
    {
    }

    /** scan_recursive (provider.rs:410-441) over localfs read_dir and MountableFS's sort; an error message or null. */
    private String scan(final String dirOv, final List<String> out)
    {
        final Path dir = ns.disk(dirOv);
        if (dir == null || !Files.exists(dir))
        {
            return null;
        }
        if (!Files.isDirectory(dir))
        {
            return "'not a directory: " + dirOv + "' is Error::Plugin, not NotADirectory (localfs mod.rs:1066-1072, provider.rs:415-424)";
        }
        final List<Entry> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir))
        {
            for (final Path p : stream)
            {
                final boolean isDir = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isDirectory();
                entries.add(new Entry(p, p.getFileName().toString(), isDir));
            }
        }
        catch (final IOException e)
        {
            return "failed to read directory " + dirOv + " (" + e.getClass().getSimpleName() + ")";
        }
        entries.sort((x, y) ->
        {
            if (x.isDir != y.isDir)
            {
                return x.isDir ? -1 : 1;
            }
            final int c = Ov431Model.compareCodePoints(x.name.toLowerCase(Locale.ROOT), y.name.toLowerCase(Locale.ROOT));
            return c != 0 ? c : Ov431Model.compareCodePoints(x.name, y.name);
        });
        for (final Entry e : entries)
        {
            final String child = dirOv.endsWith("/") ? dirOv + e.name : dirOv + "/" + e.name;
            if (PATH_LOCK_FILE.equals(e.name) || e.name.startsWith(EXACT_LOCK_FILE_PREFIX))
            {
                out.add(child);
            }
            else if (e.isDir)
            {
                final String error = scan(child, out);
                if (error != null)
                {
                    return error;
                }
            }
        }
        return null;
    }

    /** R4d: ensure_lock_dir (manager.rs:1181-1220); records what it would create. */
    private OvDecision ensureLockDir(final String lockOv, final Attempt a)
    {
        final int end = lockOv.lastIndexOf('/');
        if (end < 0)
        {
            return null;
        }
        final String parent = lockOv.substring(0, end);
        if (parent.isEmpty() || "/".equals(parent))
        {
            return null;
        }
        final List<String> missing = new ArrayList<>();
        String current = parent;
        while (true)
        {
            final Path d = ns.disk(current);
            if (d == null || Files.isDirectory(d))
            {
                break;
            }
            missing.add(current);
            final int idx = current.lastIndexOf('/');
            if (idx <= 0)
            {
                break;
            }
            current = current.substring(0, idx);
        }
        for (int i = missing.size() - 1; i >= 0; i--)
        {
            final Path d = ns.disk(missing.get(i));
            if (LockFileProbe.entryExists(d))
            {
                return new OvDecision(false, null, a.removedList,
                    "ensure_lock_dir: mkdir " + missing.get(i) + " fails (exists, not a directory) → Io 'failed to create lock dir'");
            }
            if (i == missing.size() - 1 && !Files.isWritable(d.getParent()))
            {
                return new OvDecision(false, null, a.removedList, "ensure_lock_dir: mkdir " + missing.get(i) + " fails (EACCES) → Io");
            }
            a.created.add(missing.get(i));
        }
        return null;
    }

    /** R4e: try_acquire_one (manager.rs:1035-1086) and try_create_token (provider.rs:317-341). */
    private OvDecision tryAcquireOne(final String lockOv, final OvKind kind, final Attempt a)
    {
        final String creates = a.created.isEmpty() ? "" : " (after creating directories " + a.created + ")";
        final Read r = consume(lockOv, a);
        if (r.state == State.FAILS)
        {
            return failed(r, a, "try_acquire_one");
        }
        final Path file = r.file;
        if (file == null)
        {
            return new OvDecision(false, null, a.removedList, "lock path " + lockOv + " is outside the modelled root");
        }
        if (r.state == State.TOKEN)
        {
            final RagfsToken.Decoded t = r.token;
            if (t.owner().equals(a.owner))
            {
                if (t.type() == 'E' && kind == OvKind.SUBTREE)
                {
                    final byte[] expected = RagfsToken.encode(t.owner(), t.ts(), t.type()).getBytes(StandardCharsets.UTF_8);
                    if (Arrays.equals(expected, r.bytes) && Files.isWritable(file))
                    {
                        return new OvDecision(true, null, a.removedList, "own E upgraded to T in place by compare_and_write (manager.rs:1049-1063)" + creates);
                    }
                    return new OvDecision(false, judgement(r, a.now), a.removedList,
                        "own E: compare_and_write(encode(existing)) does not match the file bytes (or cannot open O_RDWR) → Conflict → Timeout");
                }
                return new OvDecision(true, null, a.removedList, "own token: reentrant, nothing written (manager.rs:1064-1066)");
            }
            if (!isStale(t, a.now))
            {
                return blocked(r, a, "try_acquire_one (manager.rs:1072-1077)");
            }
            if (!Files.isWritable(file))
            {
                return new OvDecision(false, judgement(r, a.now), a.removedList, "stale, but compare_and_remove opens O_RDWR and fails → Io (localfs mod.rs:223-268)");
            }
            a.removed.add(file);
            a.removedList.add(judgement(r, a.now));
        }
        if (!a.removed.contains(file) && LockFileProbe.entryExists(file))
        {
            final OvFileJudgement j = new OvFileJudgement(file, OvVerdict.INVALID, null, 0, null,
                "exists but reads as no token (" + r.why + "): create_new fails with EEXIST, read_token → None → Io 'failed to create lock token' (provider.rs:317-341): the request fails");
            return new OvDecision(false, j, a.removedList, j.why());
        }
        final Path parent = file.getParent();
        if (Files.isDirectory(parent) && !Files.isWritable(parent))
        {
            return new OvDecision(false, null, a.removedList, "create_new fails (EACCES) → Io");
        }
        return new OvDecision(true, null, a.removedList, "create_new " + file.getFileName() + creates);
    }

    /** @return {acquire lock path, the other conflict path} (resolve_exact_paths, resolver.rs:55-70) */
    private String[] resolveExact(final String path)
    {
        if (isDirectory(path))
        {
            return new String[] {pathLockPath(path), prefixedExactLockPath(path)};
        }
        return new String[] {prefixedExactLockPath(path), pathLockPath(path)};
    }

    /** resolve_tree_lock_path (resolver.rs:76-85). */
    private String resolveTree(final String path)
    {
        final Path file = ns.disk(path);
        return file != null && Files.exists(file) && !Files.isDirectory(file) ? prefixedExactLockPath(path) : pathLockPath(path);
    }

    private boolean isDirectory(final String ovPath)
    {
        final Path file = ns.disk(ovPath);
        return file != null && Files.isDirectory(file);
    }

    static String pathLockPath(final String path)
    {
        int end = path.length();
        while (end > 0 && path.charAt(end - 1) == '/')
        {
            end--;
        }
        return path.substring(0, end) + "/" + PATH_LOCK_FILE;
    }

    static String prefixedExactLockPath(final String path)
    {
        final String[] pn = splitParentName(path);
        return pn[0] + "/" + EXACT_LOCK_FILE_PREFIX + safeName(pn[1]) + "." + hashPrefix(path);
    }

    /** split_parent_name (resolver.rs:106-113). */
    static String[] splitParentName(final String path)
    {
        int end = path.length();
        while (end > 0 && path.charAt(end - 1) == '/')
        {
            end--;
        }
        final String trimmed = path.substring(0, end);
        final int idx = trimmed.lastIndexOf('/');
        if (idx < 0)
        {
            return new String[] {"/", trimmed};
        }
        final String parent = trimmed.substring(0, idx);
        return new String[] {parent.isEmpty() ? "/" : parent, trimmed.substring(idx + 1)};
    }

    /** hash_prefix (resolver.rs:138-141): the first 8 bytes of SHA-1 of the path's UTF-8, in hex. */
    static String hashPrefix(final String path)
    {
        final byte[] digest;
        try
        {
            digest = MessageDigest.getInstance("SHA-1").digest(path.getBytes(StandardCharsets.UTF_8));
        }
        catch (final NoSuchAlgorithmException e)
        {
            throw new IllegalStateException(e);
        }
        final StringBuilder hex = new StringBuilder(16);
        for (int i = 0; i < 8; i++)
        {
            hex.append(Character.forDigit((digest[i] >> 4) & 0xF, 16)).append(Character.forDigit(digest[i] & 0xF, 16));
        }
        return hex.toString();
    }

    /** Rust's saturating {@code f64 as u128}: NaN and negatives → 0, fractions truncated. */
    private static BigInteger f64AsU128(final double v)
    {
        if (Double.isNaN(v) || v <= 0)
        {
            return BigInteger.ZERO;
        }
        if (Double.isInfinite(v))
        {
            return BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);
        }
        return new BigDecimal(v).toBigInteger();
    }

    private static boolean startsWith(final byte[] data, final byte[] prefix)
    {
        return data.length >= prefix.length && Arrays.equals(Arrays.copyOf(data, prefix.length), prefix);
    }

    private static char typeOf(final OvKind kind)
    {
        return kind == OvKind.POINT ? 'E' : 'T';
    }
}

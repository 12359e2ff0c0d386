package io.pathlock.file.interop;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Model of OpenViking PR #431's {@code PathLock} (commit 1823a7c4f,
 * {@code openviking/storage/transaction/path_lock.py}) over AGFS's {@code localfs}
 * ({@code third_party/agfs/agfs-server/pkg/plugins/localfs/localfs.go}, called through the
 * binding client, the default {@code agfs.mode}).
 *
 * <pre>
 * O1  Lock file: rstrip('/')(path) + "/.path.ovlock" for both kinds (path_lock.py:57-59).
 *     acquire_* first needs stat(path) to succeed (163, 240), file or directory alike; for a
 *     file the create of {file}/.path.ovlock then fails (ENOTDIR) and acquire returns False.
 * O2  _read_token (68-77): AGFS Read, decode('utf-8') strict, str.strip(); ANY exception or an
 *     empty result → None, i.e. "no lock". AGFS Read stats with os.Stat (follows symbolic
 *     links): missing, dangling link, directory ("is a directory"), open() failing (EACCES,
 *     ENXIO for a socket), invalid UTF-8 → all "no lock". UNSAFE: fail-open on every I/O error.
 *     A FIFO: os.Open blocks in open(2) until a writer appears; the binding client has no
 *     timeout, so the caller hangs (http-client mode: 10 s timeout, then None). Modelled as
 *     INVALID (never completes).
 * O3  Staleness (is_lock_stale, 108-116): ts == 0 → stale; else (now - ts) / 1e9 > lock_expire
 *     in float arithmetic (ints beyond float range raise OverflowError: the request fails).
 *     Default lock_expire 300.0 s (53; lock_manager.py:26, transaction_config.py). Only the
 *     semantic DAG's lifecycle lock is refreshed, every lock_expire / 2 (semantic_dag.py:609).
 * O4  acquire loop (157-232, 234-326), first match wins, restart from the top after every
 *     stale removal (and no sleep, no deadline check on that path):
 *       a. own lock file: token != None and owner != me (any type) → stale? rm : blocked;
 *       b. ancestors' .path.ovlock, nearest first, stopping below "/" (_get_parent_path returns
 *          None for "" : the root's lock is never read as an ancestor): the first with a token,
 *          owner != me and type S → stale? rm : blocked (P ancestors are ignored);
 *       c. SUBTREE only: pre-order scan of sub-directories (130-155), names in AGFS order
 *          (os.ReadDir: sorted by name), entries whose d_type is a directory (a symbolic link to
 *          a directory is not descended), reading each sub-directory's .path.ovlock only (never a
 *          sidecar): the first with a token and owner != me (any type, stale or not) → stale?
 *          rm : blocked. A listing error anywhere skips that sub-tree silently (fail open);
 *       d. write the token: AGFS Write with Create|Truncate (open O_WRONLY|O_CREAT|O_TRUNC, mode
 *          0644, follows symbolic links: a lock file that is a link rewrites its target).
 *     Own owner id is excluded in a-c, so a holder re-acquiring overwrites its token (and type).
 *     "blocked" with the default lock_timeout 0 means acquire returns False at once.
 * O5  rm (AGFS Remove) of a stale file that cannot be unlinked returns False and the loop
 *     `continue`s: the same stale token is found again, forever, with no await that yields (the
 *     event loop spins). Modelled as not granted with the stale file as blocker.
 * O6  Token: f"{owner}:{time.time_ns()}:{P|S}" (22-23), owner a uuid4 (lock_handle.py:27); the
 *     parser takes the last two ':' fields, so owners containing ':' round-trip (Ov431Token).
 *     A ragfs token "o:ts:E"/"o:ts:T" parses as owner "o:ts:E", ts 0, type P: always stale here,
 *     never an ancestor S: ov431 deletes live ragfs locks it meets at its own path or below.
 * </pre>
 *
 * <p>Thread-safe and immutable; every call reads the disk again.
 */
public final class Ov431Model implements OvDialectModel
{
    /** {@code LOCK_FILE_NAME} (path_lock.py:12). */
    public static final String LOCK_FILE_NAME = ".path.ovlock";
    /** {@code PathLock(lock_expire=300.0)}. */
    public static final double DEFAULT_LOCK_EXPIRE_SECONDS = 300.0;

    private final OvNamespace ns;
    private final double lockExpireSeconds;
    private final LockFileProbe.Reader reader;

    /**
     * @param root     directory R
     * @param ovPrefix the OpenViking path of R ({@code ""} when R is OpenViking's {@code /})
     */
    public Ov431Model(final Path root, final String ovPrefix)
    {
        this(root, ovPrefix, DEFAULT_LOCK_EXPIRE_SECONDS);
    }

    /**
     * @param root              directory R
     * @param ovPrefix          the OpenViking path of R
     * @param lockExpireSeconds {@code transaction.lock_expire} as configured (float seconds)
     */
    public Ov431Model(final Path root, final String ovPrefix, final double lockExpireSeconds)
    {
        this(root, ovPrefix, lockExpireSeconds, LockFileProbe.NIO);
    }

    Ov431Model(final Path root, final String ovPrefix, final double lockExpireSeconds, final LockFileProbe.Reader reader)
    {
        this.ns = new OvNamespace(root, ovPrefix);
        this.lockExpireSeconds = lockExpireSeconds;
        this.reader = Objects.requireNonNull(reader, "reader");
    }

    @Override
    public String name()
    {
        return "ov431";
    }

    @Override
    public long defaultExpireNanos()
    {
        return 300_000_000_000L;
    }

    @Override
    public Path lockFileFor(final String lockPath, final OvKind kind)
    {
        return ns.disk(lockPathOf(ns.ovPath(lockPath)));
    }

    @Override
    public byte[] token(final String ownerId, final long timeNs, final OvKind kind)
    {
        return Ov431Token.make(ownerId, timeNs, typeOf(kind)).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Path plant(final String lockPath, final OvKind kind, final String ownerId, final long timeNs) throws IOException
    {
        final Path lockFile = lockFileFor(lockPath, kind);
        if (Files.isDirectory(lockFile))
        {
            throw new IOException("is a directory: " + lockFile + " (AGFS Write, localfs.go:256-259)");
        }
        if (!Files.exists(lockFile.getParent()))
        {
            throw new IOException("parent directory does not exist: " + lockFile.getParent() + " (localfs.go:261-265)");
        }
        // O_WRONLY|O_CREAT|O_TRUNC, 0644, following symbolic links, as localfs Write does (O4d).
        try (SeekableByteChannel ch = Files.newByteChannel(lockFile,
            Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--"))))
        {
            final ByteBuffer buffer = ByteBuffer.wrap(token(ownerId, timeNs, kind));
            while (buffer.hasRemaining())
            {
                ch.write(buffer);
            }
        }
        return lockFile;
    }

    @Override
    public OvFileJudgement judge(final Path lockFile, final long nowWallNanos)
    {
        return judgement(read(lockFile, Set.of()), nowWallNanos);
    }

    @Override
    public OvRefresh wouldRefresh(final Path lockFile, final String ownerId, final long newTimeNs)
    {
        final Read r = read(lockFile, Set.of());
        if (r.hangs)
        {
            return new OvRefresh(false, null, false, "refresh's _read_token hangs: " + r.why);
        }
        if (r.token == null)
        {
            return new OvRefresh(false, null, false, "no token (" + r.why + "): refresh skips it (path_lock.py:377-378)");
        }
        if (!r.parsed.owner().equals(ownerId))
        {
            return new OvRefresh(false, null, false, "owner '" + r.parsed.owner() + "' is not me: refresh skips it (379-380)");
        }
        final String newToken = Ov431Token.make(ownerId, newTimeNs, r.parsed.type());
        if (!Files.isWritable(lockFile))
        {
            return new OvRefresh(false, newToken, false, "AGFS Write fails (EACCES): refresh only logs a warning (384-385)");
        }
        return new OvRefresh(true, newToken, true,
            "plain overwrite keeping the type it read (381-383): O_TRUNC then write on the same inode, following links");
    }

    @Override
    public OvDecision wouldAcquire(final String lockPath, final OvKind kind, final String ownerId, final long nowWallNanos)
    {
        Objects.requireNonNull(ownerId, "ownerId");
        final String ovPath = ns.ovPath(lockPath);
        final Path pathFile = ns.disk(ovPath);
        final String tag = kind == OvKind.POINT ? "[POINT]" : "[SUBTREE]";
        if (!Files.exists(pathFile))
        {
            return new OvDecision(false, null, List.of(), tag + " stat(path) fails: 'Directory does not exist', returns False (path_lock.py:162-166)");
        }
        final Path lockFile = ns.disk(lockPathOf(ovPath));
        final Set<Path> removed = new HashSet<>();
        final List<OvFileJudgement> removedList = new ArrayList<>();
        while (true)
        {
            // O4a
            final Read own = read(lockFile, removed);
            if (own.hangs)
            {
                return hang(own, removedList, nowWallNanos);
            }
            if (own.token != null && !own.parsed.owner().equals(ownerId))
            {
                final OvDecision d = staleOrBlocked(own, removed, removedList, nowWallNanos, tag + " own lock held by another owner (169-177)");
                if (d != null)
                {
                    return d;
                }
                continue;
            }
            // O4b
            Read ancestor = null;
            for (String parent = parentOf(ovPath); parent != null; parent = parentOf(parent))
            {
                final Path f = ns.disk(lockPathOf(parent));
                if (f == null)
                {
                    continue;
                }
                final Read r = read(f, removed);
                if (r.hangs)
                {
                    return hang(r, removedList, nowWallNanos);
                }
                if (r.token != null && !r.parsed.owner().equals(ownerId) && r.parsed.type() == 'S')
                {
                    ancestor = r;
                    break;
                }
            }
            if (ancestor != null)
            {
                final OvDecision d = staleOrBlocked(ancestor, removed, removedList, nowWallNanos, tag + " ancestor SUBTREE lock (118-128, 180-194)");
                if (d != null)
                {
                    return d;
                }
                continue;
            }
            // O4c
            if (kind == OvKind.SUBTREE)
            {
                final Read descendant = scanDescendants(ovPath, pathFile, ownerId, removed);
                if (descendant != null)
                {
                    if (descendant.hangs)
                    {
                        return hang(descendant, removedList, nowWallNanos);
                    }
                    final OvDecision d = staleOrBlocked(descendant, removed, removedList, nowWallNanos, tag + " descendant lock (130-155, 274-286)");
                    if (d != null)
                    {
                        return d;
                    }
                    continue;
                }
            }
            // O4d
            final String createFailure = createFailure(lockFile, pathFile, removed);
            if (createFailure != null)
            {
                return new OvDecision(false, null, removedList, tag + " " + createFailure + ": 'Failed to create lock file', returns False (196-200, 288-292)");
            }
            return new OvDecision(true, null, removedList, tag + " no conflict: writes " + lockFile.getFileName() + " (plain overwrite)");
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** What {@code _read_token} returns for one file, plus how it got there. */
    private record Read(Path file, String token, Ov431Token.Parsed parsed, boolean hangs, String why)
    {
    }

    private Read read(final Path file, final Set<Path> removed)
    {
        if (file == null)
        {
            return new Read(null, null, null, false, "outside the modelled root");
        }
        if (removed.contains(file))
        {
            return new Read(file, null, null, false, "removed earlier in this attempt");
        }
        final LockFileProbe.Seen seen = LockFileProbe.look(file, reader);
        switch (seen.kind())
        {
            case ABSENT:
                return new Read(file, null, null, false, "os.Stat fails (" + seen.detail() + "): read raises, _read_token → None (O2)");
            case DIRECTORY:
                return new Read(file, null, null, false, "a directory: AGFS Read raises 'is a directory', _read_token → None (O2, unsafe)");
            case FIFO:
                return new Read(file, null, null, true, "a FIFO: AGFS os.Open blocks in open(2); the binding client waits forever (O2)");
            case SOCKET:
                return new Read(file, null, null, false, "a socket: open fails (ENXIO), _read_token → None (O2, unsafe)");
            case DEVICE:
                return new Read(file, null, null, false, "a device: stat size 0, AGFS returns no bytes, _read_token → None (localfs.go:212-221)");
            case UNREADABLE:
                return new Read(file, null, null, false, "open/read fails (" + seen.detail() + "): _read_token → None (O2, unsafe: fail open)");
            default:
                break;
        }
        final String text;
        try
        {
            text = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(seen.bytes()))
                .toString();
        }
        catch (final CharacterCodingException e)
        {
            return new Read(file, null, null, false, "not UTF-8: decode raises, _read_token → None (O2, unsafe)");
        }
        final String token = Ov431Token.pyStrip(text);
        if (token.isEmpty())
        {
            return new Read(file, null, null, false, "empty after strip(): _read_token → None (75)");
        }
        return new Read(file, token, Ov431Token.parse(token), false, "token '" + token + "'");
    }

    private enum Staleness
    {
        HELD, STALE, OVERFLOW
    }

    private Staleness staleness(final Ov431Token.Parsed parsed, final long nowWallNanos)
    {
        if (parsed.ts().signum() == 0)
        {
            return Staleness.STALE;
        }
        final double diff = BigInteger.valueOf(nowWallNanos).subtract(parsed.ts()).doubleValue();
        if (Double.isInfinite(diff))
        {
            return Staleness.OVERFLOW;
        }
        return diff / 1e9 > lockExpireSeconds ? Staleness.STALE : Staleness.HELD;
    }

    private OvFileJudgement judgement(final Read r, final long nowWallNanos)
    {
        if (r.hangs)
        {
            return new OvFileJudgement(r.file, OvVerdict.INVALID, null, 0, null, r.why);
        }
        if (r.token == null)
        {
            return new OvFileJudgement(r.file, OvVerdict.FREE, null, 0, null, r.why);
        }
        final Ov431Token.Parsed p = r.parsed;
        final long ts = clamp(p.ts());
        final String clamped = ts == 0 || BigInteger.valueOf(ts).equals(p.ts()) ? "" : " (time " + p.ts() + " clamped)";
        switch (staleness(p, nowWallNanos))
        {
            case STALE:
                return new OvFileJudgement(r.file, OvVerdict.STALE, p.owner(), ts, p.type(),
                    (p.ts().signum() == 0 ? "ts 0 or unparseable: stale (113-114)" : "older than lock_expire: stale (115-116)") + clamped);
            case OVERFLOW:
                return new OvFileJudgement(r.file, OvVerdict.INVALID, p.owner(), ts, p.type(),
                    "(now - ts) / 1e9 raises OverflowError: the request fails (115)" + clamped);
            default:
                return new OvFileJudgement(r.file, OvVerdict.HELD, p.owner(), ts, p.type(), "younger than lock_expire: held (115-116)" + clamped);
        }
    }

    /** @return a final decision, or null after recording a removal (the caller restarts the loop) */
    private OvDecision staleOrBlocked(
        final Read r, final Set<Path> removed, final List<OvFileJudgement> removedList, final long now, final String rule)
    {
        final OvFileJudgement j = judgement(r, now);
        switch (j.verdict())
        {
            case STALE:
                if (!Files.isWritable(r.file.getParent()))
                {
                    return new OvDecision(false, j, removedList,
                        rule + ": stale but rm fails (parent not writable); the loop retries without sleeping, forever (O5)");
                }
                removed.add(r.file);
                removedList.add(j);
                return null;
            case HELD:
                return new OvDecision(false, j, removedList, rule + ": held; with lock_timeout 0 acquire returns False");
            default:
                return new OvDecision(false, j, removedList, rule + ": " + j.why());
        }
    }

    private OvDecision hang(final Read r, final List<OvFileJudgement> removedList, final long now)
    {
        return new OvDecision(false, judgement(r, now), removedList, "never completes: " + r.why);
    }

    /** O4c: the first sub-directory lock with a token of another owner, in pre-order; null if none. */
    private Read scanDescendants(final String ovDir, final Path dir, final String ownerId, final Set<Path> removed)
    {
        if (dir == null || !Files.isDirectory(dir))
        {
            return null;
        }
        final List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir))
        {
            stream.forEach(entries::add);
        }
        catch (final IOException e)
        {
            return null;
        }
        entries.sort((a, b) -> compareCodePoints(a.getFileName().toString(), b.getFileName().toString()));
        for (final Path entry : entries)
        {
            if (!Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS))
            {
                continue;
            }
            final String subdir = rstripSlash(ovDir) + "/" + entry.getFileName();
            final Read r = read(entry.resolve(LOCK_FILE_NAME), removed);
            if (r.hangs || (r.token != null && !r.parsed.owner().equals(ownerId)))
            {
                return r;
            }
            final Read deeper = scanDescendants(subdir, entry, ownerId, removed);
            if (deeper != null)
            {
                return deeper;
            }
        }
        return null;
    }

    private static String createFailure(final Path lockFile, final Path pathFile, final Set<Path> removed)
    {
        final boolean gone = removed.contains(lockFile);
        if (!gone && Files.isDirectory(lockFile))
        {
            return "lock file is a directory: AGFS Write raises 'is a directory' (localfs.go:256-259)";
        }
        if (!Files.isDirectory(pathFile))
        {
            return "path is not a directory: open of {path}/.path.ovlock fails (ENOTDIR)";
        }
        final boolean exists = !gone && Files.exists(lockFile);
        if (exists ? !Files.isWritable(lockFile) : !Files.isWritable(lockFile.getParent()))
        {
            return "open(O_WRONLY|O_CREAT|O_TRUNC) fails (EACCES)";
        }
        return null;
    }

    static String lockPathOf(final String ovPath)
    {
        return rstripSlash(ovPath) + "/" + LOCK_FILE_NAME;
    }

    /** {@code _get_parent_path} (61-66): None for a path without '/' or whose parent is "". */
    static String parentOf(final String ovPath)
    {
        final String p = rstripSlash(ovPath);
        final int idx = p.lastIndexOf('/');
        if (idx < 0)
        {
            return null;
        }
        final String parent = p.substring(0, idx);
        return parent.isEmpty() ? null : parent;
    }

    private static String rstripSlash(final String s)
    {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '/')
        {
            end--;
        }
        return s.substring(0, end);
    }

    private static char typeOf(final OvKind kind)
    {
        return kind == OvKind.POINT ? 'P' : 'S';
    }

    static long clamp(final BigInteger v)
    {
        if (v.bitLength() <= 63)
        {
            return v.longValue();
        }
        return v.signum() > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
    }

    /** Go's string order (bytes of UTF-8), which is code point order. */
    static int compareCodePoints(final String a, final String b)
    {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length())
        {
            final int ca = a.codePointAt(i);
            final int cb = b.codePointAt(j);
            if (ca != cb)
            {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}

package io.pathlock.host;

import io.pathlock.core.LockStoreException;
import io.pathlock.posix.Posix;
import io.pathlock.posix.PosixBackends;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import static io.pathlock.host.HostLayout.*;

/**
 * A lock table in shared memory, used by every pathlock process of one host on one root.
 *
 * <pre>
 * PROTOCOL (the byte layout is in HostLayout; H-numbers are the invariants below)
 *
 * The table has the in-process LockTable's semantics (DESIGN §2, docs/design.md "Shared locks: the
 * conflict matrix") between SESSIONS, where LockTable has them between handles. Four hold kinds per
 * node: PX, SX (POINT / SUBTREE exclusive), SP, SS (POINT / SUBTREE shared); two intention counts:
 * IX, IS (exclusive / shared locks held strictly below); three pending-mark counts (MARK_ALL,
 * MARK_EXCLUSIVE, MARK_SHARED); and a children count. Every session has a SLOT with a state word,
 * an intent word, an undo log, progress words and CONTRIBUTION RECORDS: for each node it has counts
 * on, the counts it added there (every kind, marks included).
 *
 * others(n, k) = count(n, k) - own record(n, k). Conflict checks use others' counts only, so a
 * session's own locks never conflict with each other (upgrades POINT -> SUBTREE, S -> X just work).
 *
 * MICRO CRITICAL SECTION (every change to a shared word happens in one):
 *   1. write the slot's intent word := offset of the lock word it is about to take;
 *   2. CAS the lock word from "free" to "owned by my slot" (for a node the expected value holds the
 *      generation and no DEAD flag: a reclaimed or reused node fails the CAS, the caller looks it up
 *      again);
 *   3. decide (read counts and own record); on refusal release and stop (nothing was written);
 *   4. append (offset, old value) of every word it will write to the undo log, publish the undo
 *      count (release store + store-store fence);
 *   5. write the words: node counts AND the session's record AND any progress word, together;
 *   6. clear the undo count (release store), release the lock word (release store).
 * A session holds at most one micro lock at a time (never nested), so no deadlock is possible
 * between sessions, and the intent word names the only lock a dead session may hold. Threads of
 * one process share a session: the session's ReentrantLock is held by a request (tryAcquire,
 * release) for its whole length, and by each section, but never while spinning on another slot's
 * micro lock (it is released then, since the owner may be a dead slot that another thread of the
 * same session is recovering).
 *
 * RECORDS stay allocated to their node when their counts fall to zero (no write to free them); the
 * next request there reuses them. A record of an earlier generation of a node (reclaimed since) is
 * re-pointed by writing the new generation (in the section, as for a new record); records are
 * evicted (all-zero ones cleared) only when a session runs out of them. A per-session cache maps
 * a path to the (index, generation) of its nodes; a cached node is validated by the section's CAS
 * (a reclaimed node fails it and is looked up again).
 *
 * A thread that finds a micro lock owned by slot s spins briefly, then asks whether s is alive (its
 * kernel lock, see SlotLocks); if s is dead it recovers s (below) and retries.
 *
 * REQUESTS. tryAcquire(entries) (entries sorted, normalised): for each entry, for each strict
 * ancestor a (root first): RAISE(a, IX for exclusive, IS for shared), refused when others hold
 * SX at a (any request) or SS at a (exclusive request), or a mark refuses it; then CLAIM the target:
 *   POINT-X    needs others' PX = SX = SP = SS = 0
 *   POINT-S    needs others' PX = SX = 0
 *   SUBTREE-X  needs others' PX = SX = SP = SS = 0 and IX = IS = 0
 *   SUBTREE-S  needs others' PX = SX = 0 and IX = 0
 * Any refusal rolls back everything the request raised, leaf first, and returns the blocker (node,
 * generation, wake stripe, the stripe's sequence read before the attempt). A request never waits
 * holding anything (H3). release(grant) lowers every count of the grant, leaf first, bumps the
 * wake stripe of each node and wakes its sleepers.
 *
 * PENDING MARKS (no starvation, as LockTable's invariant 6): markPending(blocker) raises on the
 * blocker's node the mark of the refused request's kind: MARK_ALL (a SUBTREE-X waiter: refuses every
 * new raise through and claim on the node), MARK_EXCLUSIVE (a SUBTREE-S waiter: refuses exclusive
 * raises and claims), MARK_SHARED (an exclusive waiter blocked by shared holders: refuses shared
 * claims). A session with any count at a node (a hold, an intent, or a mark of its own) is exempt
 * from the marks there when the requesting owner may hold locks in the session: it may be what the
 * waiter waits for (refusing it could close a wait cycle). A requester that the store knows holds
 * nothing (tryAcquire(entries, false)) is exempt only through the session's own marks there, so a
 * stream of such owners of one session cannot starve another session's waiter. Marks are in the
 * session's records, so a dead waiter's marks go with its recovery. A waiting owner keeps one mark,
 * on the node where its request is refused now (the store moves or removes it on every refusal,
 * also on one that needs no mark: HostStoreMarks HM1). A mark left where its owner no longer waits
 * would make the owner a holder of it: two batch waiters of two sessions, each past its own mark
 * (exempt there) and refused at a raise by the other's, would refuse each other for ever.
 *
 * SLOT LIVENESS is an fcntl lock (FileChannel.tryLock) on DIR/slot-k.lock in every process,
 * whatever its POSIX backend (flock and fcntl locks never conflict), with a per-JVM registry of
 * the slots this JVM holds (an fcntl lock is per process: a probe from this JVM would succeed).
 *
 * CONFLICTS name the path, the reason, the hold's type and mode, and the holder session as
 * "pid P (host slot K)" with the age of its hold, from a per-node word written by every claim
 * (since-ms &lt;&lt; 16 | slot + 1; informational, not undone by recovery: among shared holders it
 * names the last claimer, and it may name a session that has released since).
 *
 * NODES are keyed by (parent index, UTF-8 name) and chained in hash buckets. Lookup is lock-free:
 * read the lock word (DEAD: restart), compare the key, read the lock word again (generation changed
 * or DEAD: restart); a miss is confirmed under the bucket's micro lock. Insertion of a child c of p:
 *   ALLOC (alloc lock: pop the free list or bump; c := DEAD, generation + 1; progress INSERT_ALLOCATED)
 *   INSERT_PARENT (p's lock: children(p) += 1; progress INSERT_PARENT_RAISED)
 *   INSERT_LINK (bucket lock: re-search; write c's key, c := live OWNED by the inserter, head := c;
 *     progress INSERT_LINKED; after the undo count is cleared, release c's lock; progress NONE),
 *   or, when another session linked the same key meanwhile: INSERT_UNDO_PARENT and FREE.
 * RECLAMATION (when the free list and the bump area are empty): idle leaves (no counts, no marks,
 * no children, not the root), clock order: RECLAIM_DEAD (c's lock: c := DEAD; progress
 * RECLAIM_DEAD), RECLAIM_UNLINK (bucket), RECLAIM_PARENT (children(p) -= 1), FREE (alloc lock:
 * push; progress NONE). The generation changes on reuse.
 *
 * RECOVERY of slot d, by a recoverer r holding d's kernel lock (r's progress := RECOVERING(d)):
 *   0. first recover (or wait for) every slot whose progress is RECOVERING(d): its undo log may
 *      name d's record words;
 *   1. if d owns the lock named by its intent word: restore d's undo log (newest first) when its
 *      count is not 0, clear the count, release the lock. A lock d does not own is never touched:
 *      the undo count is published only after the CAS and cleared before the release;
 *   2. finish or roll back the multi-step operation named by d's progress words (each step is a
 *      micro section of r that also writes d's progress words, so it is atomic with them);
 *   3. for each non-empty record of d: in a micro section of r on the record's node (whose undo log
 *      also covers d's record words), subtract the record from the node, clear the record, bump the
 *      node's wake stripe;
 *   4. d := FREE; r's progress := NONE; release d's kernel lock.
 * A recoverer that dies leaves its own slot dead with RECOVERING(d) in its progress: whoever
 * recovers it restores its undo log (step 1: the half-done subtraction and d's record come back
 * together, H5), drops that progress, and d is found dead again (its kernel lock is free) and
 * recovered from where it stands: every step is idempotent given the state it leaves.
 *
 * INVARIANTS
 *
 *  H1. Counts: for every node n and kind k, count(n, k) = sum over sessions of record(n, k),
 *      outside micro sections (and after recovery of a dead session's open section).
 *  H2. Mutual exclusion: two sessions never hold conflicting locks; a conflicting pair always
 *      meets on one node (the SUBTREE holder's node: its SX/SS against the other's IX/IS raise;
 *      or the common node: hold against hold), whose micro lock serialises the two decisions.
 *  H3. A request never waits holding anything: a refusal rolls back all it raised, so batches
 *      never deadlock, whatever order their entries are in.
 *  H4. One micro lock per session at a time; the intent word names it (besides it, an
 *      inserter owns the node it is linking for a few writes, H11, and never waits meanwhile).
 *  H5. Undo: while a slot's undo count c != 0, the slot owns the lock named by its intent and the
 *      first c undo entries hold the old values of every word its section may have written.
 *  H6. Lookup safety: a node's key is written while it is DEAD and unlinked; it is made live
 *      (release store of its lock word) before it is linked; a reader validates the generation
 *      after reading the key; a generation never repeats for one index (it grows by one per reuse).
 *  H7. A node with a child is never reclaimed (children is raised before a child is linked and
 *      lowered after it is unlinked); the root never is; a node with any count or mark never is.
 *  H8. No lost wake-up: a refused section sets its node's WAITERS flag under the node's lock; a
 *      section that lowers a count of a node whose flag is set clears it and, after releasing the
 *      lock, increments the node's wake-stripe sequence (atomic add) and then reads the stripe's
 *      sleeper count (futex wake if not 0). A waiter's blocker holds the sequence read BEFORE its
 *      refused attempt; it raises the sleeper count, and sleeps only while the sequence still has
 *      that value (futex compares atomically). So a release after the refusal (in the node's lock
 *      order) always changes the sequence the waiter compares, and a release before it was seen
 *      by the attempt itself. Recovery bumps every node it lowers, whatever the flag.
 *  H9. A session whose slot was broken (incarnation or state changed) writes nothing: every
 *      section re-reads its slot's state after taking the micro lock, and a section that adds or
 *      re-points a record re-reads it again after a full fence (a Dekker handshake with the
 *      breaker, which writes the state and fences before it scans the records); a change to an
 *      existing record meets the breaker on the node's micro lock.
 *  H10. Death is detected for callers that never wait too: a refused tryAcquire looks for dead
 *      sessions (the kernel locks of the live slots) at most once per liveness interval per
 *      session, recovers them and tries once more. So a dead session's locks block a tryLock
 *      loop no longer than a waiter (whose await checks at the same interval).
 *  H11. Nothing a section made visible can be used by others before its undo log is cleared: every
 *      word it writes is under the lock it holds, but for the node an insertion links, which is
 *      live and findable from head := c on; it is owned by the inserter until after the clear, so
 *      a death that rolls the link back leaves nobody holding an intent on it or a child below it.
 *      Recovery releases such a node when the progress is INSERT_LINKED and d still owns it.
 *      Likewise a node RECLAIM_DEAD marked DEAD is still owned by the reclaimer until it exits: an
 *      insertion that meets a DEAD, owned node of its key under the bucket lock gives its own node
 *      back and waits for that owner (recovering it if dead) before looking again, so a rolled-back
 *      reclamation never leaves two live nodes for one path.
 *
 * KNOWN LIMITS
 *
 *  - A forced break of a LIVE session of another process (pathlock break --force) takes its counts
 *    but not its half-done multi-step operation (it may still be running it): such a node leaks
 *    until that process dies and its slot is recovered. Breaking a live session of this JVM holds
 *    its mutex and is exact.
 *  - A session that recovers its own slot at attach (only when no clean slot is left) recovers the
 *    slots that were recovering it without a RECOVERING mark of its own: if it dies in that nested
 *    recovery, a node may leak (never a count).
 *  - The table file's size bounds slots x records: at most 2 GiB mapped.
 * </pre>
 *
 * <p>Thread-safety: thread-safe. One instance per mapping per process; sessions are attached with
 * {@link #attach()}.
 */
public final class HostTable implements AutoCloseable
{
    /** Default node capacity of a new table. */
    public static final int CAPACITY_DEFAULT = 65_536;

    /** Default number of session slots of a new table. */
    public static final int SLOTS_DEFAULT = 128;

    /** Default number of contribution records per session. */
    public static final int RECORDS_PER_SLOT_DEFAULT = 16_384;

    /** Default interval of a waiter's check for dead sessions. */
    public static final Duration LIVENESS_CHECK_DEFAULT = Duration.ofMillis(2);

    private static final long CLOSE_DRAIN_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);

    /** Sessions attached in this JVM, by table file (real path) and slot, for breakSlot. */
    private static final Map<String, Map<Integer, HostSession>> SESSIONS_IN_THIS_JVM = new ConcurrentHashMap<>();

    /**
     * How to create a table (ignored, apart from the interop check, when attaching to an existing
     * one: the file's own header wins).
     *
     * @param capacity       node capacity.
     * @param slots          session slots (processes, or stores, that may attach at once).
     * @param recordsPerSlot contribution records per session (nodes one session may hold counts on).
     * @param interop        the root's interop mode: {@code none}, {@code ov431} or {@code ragfs}.
     * @param livenessCheck  how often a waiter checks whether sessions died.
     */
    public record Config(int capacity, int slots, int recordsPerSlot, String interop, Duration livenessCheck)
    {
        /**
         * The defaults with an interop mode.
         *
         * @param interop {@code none}, {@code ov431} or {@code ragfs}.
         * @return the config.
         */
        public static Config defaults(final String interop)
        {
            return new Config(CAPACITY_DEFAULT, SLOTS_DEFAULT, RECORDS_PER_SLOT_DEFAULT, interop, LIVENESS_CHECK_DEFAULT);
        }
    }

    /**
     * One lock (or intent) held in the table, for {@code pathlock status}.
     *
     * @param path     the locked path.
     * @param slot     the holding session's slot.
     * @param pid      the holding session's process id.
     * @param kind     {@code POINT-X}, {@code SUBTREE-X}, {@code POINT-S} or {@code SUBTREE-S}.
     * @param count    how many holds of that kind the session has there.
     * @param ageNanos how long the session has held it (at least), or -1 when unknown.
     * @param alive    whether the session's process is alive.
     */
    public record LockInfo(String path, int slot, long pid, String kind, int count, long ageNanos, boolean alive)
    {
    }

    /**
     * One session slot, for {@code pathlock status} and {@code pathlock break}.
     *
     * @param slot    the slot number.
     * @param state   {@code LIVE}, {@code DEAD} (live in the table, kernel lock free) or {@code RECOVERING}.
     * @param pid     the process id of the session.
     * @param records contribution records in use.
     */
    public record SlotInfo(int slot, String state, long pid, int records)
    {
    }

    final Path file;
    final String key;
    final UnsafeBuffer buf;
    private final MappedByteBuffer mapped;
    final int capacity;
    final int buckets;
    final int slots;
    final int records;
    final long slotLength;
    final long slotsOffset;
    final long bucketsOffset;
    final long nodesOffset;
    final String interop;
    final long livenessNanos;
    final SlotLocks locks;
    final Posix posix;
    final boolean futex;
    final int pid;
    private final List<HostSession> sessions = new CopyOnWriteArrayList<>();
    private final LongAdder inFlight = new LongAdder();
    private volatile boolean closed;

    private HostTable(final Path file, final MappedByteBuffer mapped, final Config config, final Posix posix)
    {
        this.file = file;
        this.mapped = mapped;
        this.buf = new UnsafeBuffer(mapped);
        this.capacity = (int)buf.getLong(H_CAPACITY);
        this.buckets = (int)buf.getLong(H_BUCKETS);
        this.slots = (int)buf.getLong(H_SLOTS);
        this.records = (int)buf.getLong(H_RECORDS);
        this.slotLength = slotLength(records);
        this.slotsOffset = HEADER_LENGTH;
        this.bucketsOffset = slotsOffset + slots * slotLength;
        this.nodesOffset = bucketsOffset + (long)buckets * BUCKET_LENGTH;
        this.interop = interopName(buf.getLong(H_INTEROP));
        this.livenessNanos = config.livenessCheck().toNanos();
        this.posix = posix;
        this.futex = posix != null && posix.supportsFutex();
        String k;
        try
        {
            k = file.toRealPath().toString();
        }
        catch (final IOException e)
        {
            k = file.toAbsolutePath().normalize().toString();
        }
        this.key = k;
        this.locks = new SlotLocks(file.getParent(), key);
        this.pid = (int)ProcessHandle.current().pid();
    }

    /**
     * Opens the table file, creating it (atomically, fully initialised) if it does not exist.
     *
     * @param file   the table file, normally {@code ROOT/.pathlock/host/table}.
     * @param config how to create it; its interop mode must match an existing table's.
     * @return the table.
     * @throws io.pathlock.core.LockStoreException if the file cannot be created, mapped or is not a
     *         host table, or the interop modes differ (the message names both).
     * @throws IllegalArgumentException if the config is invalid (the message names the bad value).
     */
    public static HostTable open(final Path file, final Config config)
    {
        validate(file, config);
        final Path absolute = file.toAbsolutePath();
        final Path dir = absolute.getParent();
        try
        {
            Files.createDirectories(dir);
        }
        catch (final IOException e)
        {
            throw new LockStoreException("cannot create the host table directory " + dir + ": " + e, e);
        }
        final Posix posix = selectPosix();
        for (int attempt = 0; ; attempt++)
        {
            if (Files.exists(absolute))
            {
                try
                {
                    return openExisting(absolute, config, posix);
                }
                catch (final NoSuchFileExistsRace e)
                {
                    // removed between exists() and open(): create it
                }
            }
            final HostTable created = tryCreate(absolute, config, posix);
            if (created != null)
            {
                return created;
            }
            if (attempt > 100)
            {
                throw new LockStoreException("cannot open or create the host table " + absolute
                    + ": it keeps appearing and disappearing", null);
            }
        }
    }

    private static final class NoSuchFileExistsRace extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        NoSuchFileExistsRace()
        {
            super(null, null, false, false);
        }
    }

    private static void validate(final Path file, final Config config)
    {
        if (file == null || config == null)
        {
            throw new IllegalArgumentException("host table: file and config are required, got " + file + ", " + config);
        }
        if (config.capacity() < 2)
        {
            throw new IllegalArgumentException("host table capacity must be at least 2 nodes, got " + config.capacity());
        }
        if (config.slots() < 1 || config.slots() > SLOTS_MAX)
        {
            throw new IllegalArgumentException("host table slots must be in [1, " + SLOTS_MAX + "], got " + config.slots());
        }
        if (config.recordsPerSlot() < 1)
        {
            throw new IllegalArgumentException("host table records per slot must be at least 1, got " + config.recordsPerSlot());
        }
        if (config.interop() == null || interopCode(config.interop()) < 0)
        {
            throw new IllegalArgumentException("host table interop mode must be none, ov431 or ragfs, got " + config.interop());
        }
        if (config.livenessCheck() == null || config.livenessCheck().isNegative() || config.livenessCheck().isZero())
        {
            throw new IllegalArgumentException("host table liveness check interval must be positive, got "
                + config.livenessCheck());
        }
        final long length = fileLength(config.capacity(), config.slots(), config.recordsPerSlot());
        if (length > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("host table of " + config.capacity() + " nodes, " + config.slots()
                + " slots and " + config.recordsPerSlot() + " records per slot would need " + length
                + " bytes, more than the 2 GiB a mapping may have: lower capacity, slots or records per slot");
        }
    }

    private static Posix selectPosix()
    {
        try
        {
            return PosixBackends.select().posix();
        }
        catch (final RuntimeException | LinkageError e)
        {
            return null;
        }
    }

    private static HostTable tryCreate(final Path file, final Config config, final Posix posix)
    {
        final Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
            + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        final long length = fileLength(config.capacity(), config.slots(), config.recordsPerSlot());
        MappedByteBuffer mapped = null;
        boolean linked = false;
        try
        {
            try (RandomAccessFile raf = new RandomAccessFile(tmp.toFile(), "rw"))
            {
                raf.setLength(length);
                mapped = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, length);
            }
            final UnsafeBuffer b = new UnsafeBuffer(mapped);
            initialise(b, config, length);
            try
            {
                Files.createLink(file, tmp);
                linked = true;
            }
            catch (final FileAlreadyExistsException e)
            {
                return null;
            }
            return new HostTable(file, mapped, config, posix);
        }
        catch (final IOException e)
        {
            throw new LockStoreException("cannot create the host table " + file + ": " + e, e);
        }
        finally
        {
            if (!linked && mapped != null)
            {
                IoUtil.unmap(mapped);
            }
            try
            {
                Files.deleteIfExists(tmp);
            }
            catch (final IOException ignored)
            {
                // a leftover temporary file is harmless; the next creator uses another name
            }
        }
    }

    private static void initialise(final UnsafeBuffer b, final Config config, final long length)
    {
        b.putLong(H_VERSION, VERSION);
        b.putLong(H_CAPACITY, config.capacity());
        b.putLong(H_BUCKETS, bucketsFor(config.capacity()));
        b.putLong(H_SLOTS, config.slots());
        b.putLong(H_RECORDS, config.recordsPerSlot());
        b.putLong(H_UNDO, UNDO_CAPACITY);
        b.putLong(H_INTEROP, interopCode(config.interop()));
        b.putLong(H_CREATED, System.currentTimeMillis());
        b.putLong(H_LENGTH, length);
        b.putLong(H_FREE_HEAD, 0);
        b.putLong(H_FREE_COUNT, 0);
        b.putLong(H_BUMP, 1);
        b.putLong(H_CLOCK, 1);
        final long nodes = HEADER_LENGTH + config.slots() * slotLength(config.recordsPerSlot())
            + (long)bucketsFor(config.capacity()) * BUCKET_LENGTH;
        final int root = (int)nodes;
        b.putLong(root + N_PARENT, -1);
        b.putLong(root + N_KEY, 0);
        b.putLong(root + N_LOCK, 1L << GEN_SHIFT);
        b.putLongVolatile(H_MAGIC, MAGIC);
    }

    private static HostTable openExisting(final Path file, final Config config, final Posix posix)
    {
        MappedByteBuffer mapped = null;
        boolean ok = false;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final long size = ch.size();
            if (size < HEADER_LENGTH)
            {
                throw new LockStoreException("host table " + file + " is truncated: " + size + " bytes, less than its "
                    + HEADER_LENGTH + "-byte header", null);
            }
            if (size > Integer.MAX_VALUE)
            {
                throw new LockStoreException("host table " + file + " is not a host table: " + size
                    + " bytes, more than any table can have", null);
            }
            mapped = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
            final UnsafeBuffer b = new UnsafeBuffer(mapped);
            if (b.getLongVolatile(H_MAGIC) != MAGIC)
            {
                throw new LockStoreException("host table " + file + " is not a host table (bad magic "
                    + hexMagic(b.getLong(H_MAGIC)) + ", expected \"plhost01\")", null);
            }
            if (b.getLong(H_VERSION) != VERSION)
            {
                throw new LockStoreException("host table " + file + " has layout version " + b.getLong(H_VERSION)
                    + ", this engine reads version " + VERSION, null);
            }
            final long capacity = b.getLong(H_CAPACITY);
            final long slots = b.getLong(H_SLOTS);
            final long records = b.getLong(H_RECORDS);
            final long buckets = b.getLong(H_BUCKETS);
            final long declared = b.getLong(H_LENGTH);
            if (capacity < 2 || capacity > Integer.MAX_VALUE || slots < 1 || slots > SLOTS_MAX || records < 1
                || records > Integer.MAX_VALUE || buckets != bucketsFor((int)capacity)
                || b.getLong(H_UNDO) != UNDO_CAPACITY
                || declared != fileLength((int)capacity, (int)slots, (int)records))
            {
                throw new LockStoreException("host table " + file + " has an inconsistent header (capacity " + capacity
                    + ", slots " + slots + ", records " + records + ", buckets " + buckets + ", length " + declared + ")", null);
            }
            if (size != declared)
            {
                throw new LockStoreException("host table " + file + " is truncated or damaged: " + size
                    + " bytes, its header says " + declared, null);
            }
            final String mode = interopName(b.getLong(H_INTEROP));
            if (!mode.equals(config.interop()))
            {
                throw new LockStoreException("host table " + file + " was created with interop mode " + mode
                    + ", but was opened with interop mode " + config.interop(), null);
            }
            final HostTable t = new HostTable(file, mapped, config, posix);
            ok = true;
            return t;
        }
        catch (final NoSuchFileException e)
        {
            throw new NoSuchFileExistsRace();
        }
        catch (final IOException e)
        {
            throw new LockStoreException("cannot open the host table " + file + ": " + e, e);
        }
        finally
        {
            if (!ok && mapped != null)
            {
                IoUtil.unmap(mapped);
            }
        }
    }

    private static String hexMagic(final long magic)
    {
        final byte[] bytes = new byte[8];
        for (int i = 0; i < 8; i++)
        {
            bytes[i] = (byte)(magic >>> (8 * i));
        }
        final StringBuilder sb = new StringBuilder("\"");
        for (final byte c : bytes)
        {
            sb.append(c >= 32 && c < 127 ? String.valueOf((char)c) : String.format("\\x%02x", c & 0xFF));
        }
        return sb.append('"').toString();
    }

    // ---- offsets ----

    long slotOffset(final int slot)
    {
        return slotsOffset + slot * slotLength;
    }

    long undoOffset(final int slot, final int entry)
    {
        return slotOffset(slot) + S_UNDO + (long)entry * UNDO_ENTRY_LENGTH;
    }

    long recordOffset(final int slot, final int record)
    {
        return slotOffset(slot) + S_UNDO + (long)UNDO_CAPACITY * UNDO_ENTRY_LENGTH + (long)record * RECORD_LENGTH;
    }

    long bucketOffset(final int bucket)
    {
        return bucketsOffset + (long)bucket * BUCKET_LENGTH;
    }

    long nodeOffset(final int node)
    {
        return nodesOffset + (long)node * NODE_LENGTH;
    }

    int stripeOf(final int node)
    {
        int h = node * 0x9E3779B9;
        h ^= h >>> 16;
        return h & (STRIPES - 1);
    }

    long stripeOffset(final int stripe)
    {
        return H_STRIPES + (long)stripe * STRIPE_LENGTH;
    }

    long getLong(final long offset)
    {
        return buf.getLong((int)offset);
    }

    long getLongVolatile(final long offset)
    {
        return buf.getLongVolatile((int)offset);
    }

    /** Bumps a node's wake stripe and wakes its sleepers (H8). */
    void bump(final int node)
    {
        final long off = stripeOffset(stripeOf(node));
        buf.getAndAddInt((int)off + STRIPE_SEQ, 1);
        if (buf.getIntVolatile((int)off + STRIPE_SLEEPERS) > 0 && futex)
        {
            posix.futexWake(buf.addressOffset() + off + STRIPE_SEQ, Integer.MAX_VALUE);
        }
    }

    int stripeSeq(final int stripe)
    {
        return buf.getIntVolatile((int)stripeOffset(stripe) + STRIPE_SEQ);
    }

    // ---- sessions ----

    /**
     * Attaches a new session (takes a free slot and its kernel lock; recovers a dead slot first).
     *
     * @return the session.
     * @throws io.pathlock.core.LockStoreException when every slot is taken by a live session (the
     *         message names the slot count).
     */
    public HostSession attach()
    {
        return attach(null);
    }

    /**
     * {@link #attach()}, counting in {@code recovered[0]} every slot the new session recovered: its
     * own slot when it had to take a dead one, and the dead slots met on the way to a clean one.
     */
    private HostSession attach(final int[] recovered)
    {
        enterCall();
        try
        {
            ensureOpen();
            final int start = ThreadLocalRandom.current().nextInt(slots);
            // first a clean FREE slot; the dead slots met on the way are recovered by the new session
            // (a session recovers its own slot only when no clean one is left: see HostSession.start)
            final List<Integer> dead = new ArrayList<>();
            for (int pass = 0; pass < 2; pass++)
            {
                for (int i = 0; i < slots; i++)
                {
                    final int slot = (start + i) % slots;
                    final long so = slotOffset(slot);
                    final boolean clean = stateKind(getLongVolatile(so + S_STATE)) == STATE_FREE
                        && getLongVolatile(so + S_UNDO_COUNT) == 0 && getLongVolatile(so + S_PROGRESS) == P_NONE;
                    if (pass == 0 && !clean)
                    {
                        if (!locks.heldInThisJvm(slot))
                        {
                            dead.add(slot);
                        }
                        continue;
                    }
                    final SlotLocks.Held held = locks.tryLock(slot);
                    if (held == null)
                    {
                        continue;
                    }
                    final HostSession s;
                    try
                    {
                        s = new HostSession(this, slot, held);
                        s.start();
                        sessions.add(s);
                        SESSIONS_IN_THIS_JVM.computeIfAbsent(key, k -> new ConcurrentHashMap<>()).put(slot, s);
                    }
                    catch (final RuntimeException e)
                    {
                        locks.release(held);
                        throw e;
                    }
                    int n = s.recoveredAtStart() ? 1 : 0;
                    for (final int d : dead)
                    {
                        if (stateKind(getLongVolatile(slotOffset(d) + S_STATE)) != STATE_FREE && s.recoverIfDead(d))
                        {
                            n++;
                        }
                    }
                    if (recovered != null)
                    {
                        recovered[0] = n;
                    }
                    return s;
                }
            }
            throw new LockStoreException("host table " + file + ": all " + slots + " session slots are taken by live sessions", null);
        }
        finally
        {
            exitCall();
        }
    }

    void detached(final HostSession s)
    {
        sessions.remove(s);
        final Map<Integer, HostSession> m = SESSIONS_IN_THIS_JVM.get(key);
        if (m != null)
        {
            m.remove(s.slot(), s);
        }
    }

    void ensureOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("host table " + file + " is closed");
        }
    }

    /**
     * Registers a call that touches the mapping; {@link #close()} waits for registered calls before
     * it unmaps. A Dekker handshake: the call counts itself, then reads {@code closed}; close
     * writes {@code closed}, then sums the calls.
     *
     * @throws IllegalStateException when the table is closed.
     */
    void enterCall()
    {
        if (!tryEnterCall())
        {
            throw new IllegalStateException("host table " + file + " is closed");
        }
    }

    /** As {@link #enterCall()}, returning false instead of throwing when closed. */
    boolean tryEnterCall()
    {
        inFlight.increment();
        if (closed)
        {
            inFlight.decrement();
            return false;
        }
        return true;
    }

    void exitCall()
    {
        inFlight.decrement();
    }

    boolean isClosed()
    {
        return closed;
    }

    /**
     * The root's interop mode written at creation.
     *
     * @return {@code none}, {@code ov431} or {@code ragfs}.
     */
    public String interop()
    {
        return interop;
    }

    /**
     * The node capacity fixed at creation.
     *
     * @return the capacity.
     */
    public int capacity()
    {
        return capacity;
    }

    /**
     * The number of session slots fixed at creation.
     *
     * @return the slot count.
     */
    public int slotCount()
    {
        return slots;
    }

    /**
     * The number of contribution records per session fixed at creation.
     *
     * @return the record count.
     */
    public int recordsPerSlot()
    {
        return records;
    }

    /**
     * The table file.
     *
     * @return the path it was opened with (absolute).
     */
    public Path file()
    {
        return file;
    }

    /**
     * Whether waiters sleep on a futex (JNI backend) rather than backing off.
     *
     * @return true with futexes.
     */
    public boolean usesFutex()
    {
        return futex;
    }

    /**
     * Nodes in use (not free).
     *
     * @return the count.
     */
    public int nodesInUse()
    {
        enterCall();
        try
        {
            return (int)(buf.getLongVolatile(H_BUMP) - buf.getLongVolatile(H_FREE_COUNT));
        }
        finally
        {
            exitCall();
        }
    }

    /**
     * Every hold in the table (not intents), for status.
     *
     * @return the holds, sorted by path.
     */
    public List<LockInfo> locks()
    {
        enterCall();
        try
        {
            ensureOpen();
            final List<LockInfo> out = new ArrayList<>();
            final long now = System.currentTimeMillis();
            for (int s = 0; s < slots; s++)
            {
                final long state = getLongVolatile(slotOffset(s) + S_STATE);
                if (stateKind(state) == STATE_FREE)
                {
                    continue;
                }
                final boolean alive = locks.isAlive(s);
                for (int r = 0; r < records; r++)
                {
                    final long ro = recordOffset(s, r);
                    final long nodePlusOne = getLongVolatile(ro + R_NODE);
                    if (nodePlusOne == 0)
                    {
                        continue;
                    }
                    final int node = (int)(nodePlusOne - 1);
                    final long since = getLong(ro + R_SINCE);
                    for (int k = PX; k <= SS; k++)
                    {
                        final long c = getLong(ro + R_COUNTS + (long)k * SIZE_OF_LONG);
                        if (c > 0)
                        {
                            out.add(new LockInfo(pathOf(node), s, pid(state), holdKindName(k), (int)c,
                                since > 0 ? Math.max(0, now - since) * 1_000_000L : -1, alive));
                        }
                    }
                }
            }
            out.sort(Comparator.comparing(LockInfo::path).thenComparingInt(LockInfo::slot));
            return out;
        }
        finally
        {
            exitCall();
        }
    }

    static String holdKindName(final int kind)
    {
        switch (kind)
        {
            case PX:
                return "POINT-X";
            case SX:
                return "SUBTREE-X";
            case SP:
                return "POINT-S";
            case SS:
                return "SUBTREE-S";
            default:
                return KIND_NAMES[kind];
        }
    }

    /** The name of a node (racy read). */
    private String nameOf(final int node)
    {
        final long off = nodeOffset(node);
        final int len = (int)(getLong(off + N_KEY) & 0xFFFF_FFFFL);
        final byte[] name = new byte[Math.min(Math.max(len, 0), MAX_NAME_BYTES)];
        buf.getBytes((int)(off + N_NAME), name);
        return new String(name, StandardCharsets.UTF_8);
    }

    /** The path of a node (racy read, for status and conflicts). */
    String pathOf(final int node)
    {
        final List<String> names = new ArrayList<>();
        int n = node;
        int guard = 0;
        while (n > 0 && n < capacity && guard++ < 4096)
        {
            names.add(nameOf(n));
            n = (int)getLong(nodeOffset(n) + N_PARENT);
        }
        if (names.isEmpty())
        {
            return "/";
        }
        final StringBuilder sb = new StringBuilder();
        for (int i = names.size() - 1; i >= 0; i--)
        {
            sb.append('/').append(names.get(i));
        }
        return sb.toString();
    }

    /**
     * Every slot not FREE.
     *
     * @return the slots.
     */
    public List<SlotInfo> slots()
    {
        enterCall();
        try
        {
            ensureOpen();
            final List<SlotInfo> out = new ArrayList<>();
            for (int s = 0; s < slots; s++)
            {
                final long state = getLongVolatile(slotOffset(s) + S_STATE);
                final long kind = stateKind(state);
                if (kind == STATE_FREE)
                {
                    continue;
                }
                int used = 0;
                for (int r = 0; r < records; r++)
                {
                    final long ro = recordOffset(s, r);
                    if (getLongVolatile(ro + R_NODE) == 0)
                    {
                        continue;
                    }
                    for (int k = 0; k < KINDS; k++)
                    {
                        if (getLong(ro + R_COUNTS + (long)k * SIZE_OF_LONG) != 0)
                        {
                            used++;
                            break;
                        }
                    }
                }
                final String name = kind == STATE_RECOVERING ? "RECOVERING" : locks.isAlive(s) ? "LIVE" : "DEAD";
                out.add(new SlotInfo(s, name, pid(state), used));
            }
            return out;
        }
        finally
        {
            exitCall();
        }
    }

    /**
     * Recovers every dead session's slot now (normally done by waiters and by {@link #attach()}).
     *
     * @return how many slots were recovered.
     */
    public int recoverDead()
    {
        enterCall();
        try
        {
            ensureOpen();
            final HostSession existing = sessions.isEmpty() ? null : sessions.get(0);
            if (existing != null && !existing.isClosed())
            {
                return existing.recoverDeadSlots();
            }
            final int[] recoveredByAttach = new int[1];
            try (HostSession s = attach(recoveredByAttach))
            {
                return recoveredByAttach[0] + s.recoverDeadSlots();
            }
        }
        finally
        {
            exitCall();
        }
    }

    /**
     * Recovers one slot: rolls back and releases everything its session held.
     *
     * @param slot  the slot.
     * @param force also when its session is alive (its process keeps running, without its locks).
     * @return true if the slot was recovered, false if it was free or alive and not forced.
     * @throws IllegalArgumentException if the slot is out of range (the message names it).
     */
    public boolean breakSlot(final int slot, final boolean force)
    {
        enterCall();
        try
        {
            ensureOpen();
            if (slot < 0 || slot >= slots)
            {
                throw new IllegalArgumentException("host table " + file + " has slots 0.." + (slots - 1) + ", got " + slot);
            }
            if (stateKind(getLongVolatile(slotOffset(slot) + S_STATE)) == STATE_FREE)
            {
                return false;
            }
            final HostSession existing = sessions.isEmpty() ? null : sessions.get(0);
            if (existing != null && existing.slot() != slot && !existing.isClosed())
            {
                return existing.breakSlot(slot, force);
            }
            try (HostSession s = attach())
            {
                if (s.slot() == slot)
                {
                    return true; // attach found the slot dead and recovered it before taking it
                }
                return s.breakSlot(slot, force);
            }
        }
        finally
        {
            exitCall();
        }
    }

    /**
     * Test and diagnostics: the non-zero counts of every live node, by path ({@code KINDS} longs,
     * then children). Racy unless the table is quiescent.
     */
    java.util.SortedMap<String, long[]> nodeCounts()
    {
        final java.util.SortedMap<String, long[]> out = new java.util.TreeMap<>();
        final long bump = buf.getLongVolatile(H_BUMP);
        for (int n = 0; n < bump; n++)
        {
            final long no = nodeOffset(n);
            if ((getLongVolatile(no + N_LOCK) & DEAD) != 0)
            {
                continue;
            }
            final long[] c = new long[KINDS + 1];
            boolean any = false;
            for (int k = 0; k < KINDS; k++)
            {
                c[k] = getLong(no + N_COUNTS + (long)k * SIZE_OF_LONG);
                any |= c[k] != 0;
            }
            c[KINDS] = getLong(no + N_CHILDREN);
            if (any)
            {
                out.put(pathOf(n), c);
            }
        }
        return out;
    }

    /**
     * Test and diagnostics: checks H1 (node counts = sum of records), children counts, that no micro
     * lock is owned and no undo log is open. Only meaningful when the table is quiescent.
     *
     * @return the problems found, empty when consistent.
     */
    List<String> checkConsistency()
    {
        final List<String> problems = new ArrayList<>();
        final long bump = buf.getLongVolatile(H_BUMP);
        final long[][] sums = new long[(int)bump][KINDS];
        for (int s = 0; s < slots; s++)
        {
            final long so = slotOffset(s);
            if (getLongVolatile(so + S_UNDO_COUNT) != 0)
            {
                problems.add("slot " + s + " has an open undo log");
            }
            if (stateKind(getLongVolatile(so + S_STATE)) == STATE_FREE && getLongVolatile(so + S_PROGRESS) != P_NONE)
            {
                problems.add("free slot " + s + " has progress " + getLongVolatile(so + S_PROGRESS));
            }
            for (int r = 0; r < records; r++)
            {
                final long ro = recordOffset(s, r);
                final long np = getLongVolatile(ro + R_NODE);
                if (np == 0)
                {
                    continue;
                }
                if (stateKind(getLongVolatile(so + S_STATE)) == STATE_FREE)
                {
                    problems.add("free slot " + s + " has record " + r + " for node " + (np - 1));
                }
                if (np - 1 >= bump)
                {
                    problems.add("slot " + s + " record " + r + " names node " + (np - 1) + " beyond the bump pointer");
                    continue;
                }
                final long gen = getLongVolatile(ro + R_GEN);
                final long w = getLongVolatile(nodeOffset((int)(np - 1)) + N_LOCK);
                boolean any = false;
                for (int k = 0; k < KINDS; k++)
                {
                    final long c = getLong(ro + R_COUNTS + (long)k * SIZE_OF_LONG);
                    sums[(int)(np - 1)][k] += c;
                    any |= c != 0;
                }
                // an empty record may name an earlier generation (it stays allocated to its node)
                if (any && ((w & DEAD) != 0 || generation(w) != gen))
                {
                    problems.add("slot " + s + " record " + r + " names node " + (np - 1) + " generation " + gen
                        + " but the node is " + ((w & DEAD) != 0 ? "DEAD" : "at generation " + generation(w)));
                }
            }
        }
        final long[] children = new long[(int)bump];
        for (int n = 0; n < bump; n++)
        {
            final long no = nodeOffset(n);
            final long w = getLongVolatile(no + N_LOCK);
            if (owner(w) != 0)
            {
                problems.add("node " + n + " (" + pathOf(n) + ") is locked by slot " + (owner(w) - 1));
            }
            if ((w & DEAD) != 0)
            {
                continue;
            }
            if (n != ROOT)
            {
                final long p = getLong(no + N_PARENT);
                if (p >= 0 && p < bump)
                {
                    children[(int)p]++;
                }
            }
            for (int k = 0; k < KINDS; k++)
            {
                final long c = getLong(no + N_COUNTS + (long)k * SIZE_OF_LONG);
                if (c != sums[n][k])
                {
                    problems.add("node " + n + " (" + pathOf(n) + ") has " + KIND_NAMES[k] + " = " + c
                        + " but the records sum to " + sums[n][k]);
                }
            }
        }
        // one live node per (parent, name): a second one would let two sessions lock one path on two nodes
        final Map<String, Integer> livePaths = new HashMap<>();
        for (int n = 0; n < bump; n++)
        {
            if (n != ROOT && (getLongVolatile(nodeOffset(n) + N_LOCK) & DEAD) == 0)
            {
                final Integer other = livePaths.putIfAbsent(getLong(nodeOffset(n) + N_PARENT) + "/" + nameOf(n), n);
                if (other != null)
                {
                    problems.add("nodes " + other + " and " + n + " are both live for " + pathOf(n));
                }
            }
        }
        for (int n = 0; n < bump; n++)
        {
            final long no = nodeOffset(n);
            if ((getLongVolatile(no + N_LOCK) & DEAD) == 0 && getLong(no + N_CHILDREN) != children[n])
            {
                problems.add("node " + n + " (" + pathOf(n) + ") has children = " + getLong(no + N_CHILDREN) + " but "
                    + children[n] + " live nodes name it as parent");
            }
        }
        if (owner(getLongVolatile(H_ALLOC_LOCK)) != 0)
        {
            problems.add("the allocator lock is held by slot " + (owner(getLongVolatile(H_ALLOC_LOCK)) - 1));
        }
        for (int b = 0; b < buckets; b++)
        {
            if (owner(getLongVolatile(bucketOffset(b) + B_LOCK)) != 0)
            {
                problems.add("bucket " + b + " is locked by slot " + (owner(getLongVolatile(bucketOffset(b) + B_LOCK)) - 1));
            }
        }
        long free = 0;
        long f = getLongVolatile(H_FREE_HEAD);
        while (f != 0 && free <= capacity)
        {
            free++;
            final long no = nodeOffset((int)(f - 1));
            if ((getLongVolatile(no + N_LOCK) & DEAD) == 0)
            {
                problems.add("free node " + (f - 1) + " is not DEAD");
            }
            f = getLong(no + N_FREE_NEXT);
        }
        if (free != getLongVolatile(H_FREE_COUNT))
        {
            problems.add("free list has " + free + " nodes, the free count says " + getLongVolatile(H_FREE_COUNT));
        }
        long dead = 0;
        for (int n = 1; n < bump; n++)
        {
            if ((getLongVolatile(nodeOffset(n) + N_LOCK) & DEAD) != 0)
            {
                dead++;
            }
        }
        if (dead != free)
        {
            problems.add(dead + " nodes are DEAD but " + free + " are on the free list (leaked nodes)");
        }
        return problems;
    }

    /** A session of this JVM (any HostTable instance of the same file) attached to a slot, or null. */
    HostSession sessionInThisJvm(final int slot)
    {
        final Map<Integer, HostSession> m = SESSIONS_IN_THIS_JVM.get(key);
        return m == null ? null : m.get(slot);
    }

    /**
     * Unmaps the table. Sessions still attached are detached (their locks released). No session of
     * this instance may be in use by another thread meanwhile (the mapping goes away: a caller that
     * closes while requests or waits run must drain them first, as {@code HostLockStore} does).
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        RuntimeException first = null;
        for (final HostSession s : sessions)
        {
            try
            {
                s.close();
            }
            catch (final RuntimeException e)
            {
                if (first == null)
                {
                    first = e;
                }
            }
        }
        closed = true;
        // calls still inside the mapping (a waiter sleeps at most one liveness interval) finish first
        final long deadline = System.nanoTime() + CLOSE_DRAIN_NANOS;
        while (inFlight.sum() != 0 && System.nanoTime() - deadline < 0)
        {
            LockSupport.parkNanos(100_000);
        }
        if (inFlight.sum() == 0)
        {
            IoUtil.unmap(mapped);
        }
        // else: a call is stuck inside the mapping; leaving it mapped is better than a crash
        if (first != null)
        {
            throw first;
        }
    }
}

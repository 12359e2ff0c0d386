package io.pathlock.host;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A lock table in shared memory, used by every pathlock process of one host on one root.
 *
 * <p>SKELETON: the protocol and its numbered invariants go here (see docs/host-table.md).
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

    private HostTable()
    {
    }

    /**
     * Opens the table file, creating it (atomically, fully initialised) if it does not exist.
     *
     * @param file   the table file, normally {@code ROOT/.pathlock/host/table}.
     * @param config how to create it; its interop mode must match an existing table's.
     * @return the table.
     * @throws io.pathlock.core.LockStoreException if the file cannot be created, mapped or is not a
     *         host table, or the interop modes differ (the message names both).
     */
    public static HostTable open(final Path file, final Config config)
    {
        throw new UnsupportedOperationException("skeleton");
    }

    /**
     * Attaches a new session (takes a free slot and its kernel lock; recovers a dead slot first).
     *
     * @return the session.
     * @throws io.pathlock.core.LockStoreException when every slot is taken by a live session (the
     *         message names the slot count).
     */
    public HostSession attach()
    {
        throw new UnsupportedOperationException("skeleton");
    }

    /**
     * The root's interop mode written at creation.
     *
     * @return {@code none}, {@code ov431} or {@code ragfs}.
     */
    public String interop()
    {
        throw new UnsupportedOperationException("skeleton");
    }

    /**
     * The node capacity fixed at creation.
     *
     * @return the capacity.
     */
    public int capacity()
    {
        throw new UnsupportedOperationException("skeleton");
    }

    /**
     * Nodes in use (not free).
     *
     * @return the count.
     */
    public int nodesInUse()
    {
        throw new UnsupportedOperationException("skeleton");
    }

    /**
     * Every hold in the table (not intents), for status.
     *
     * @return the holds, sorted by path.
     */
    public List<LockInfo> locks()
    {
        throw new UnsupportedOperationException("skeleton");
    }

    /**
     * Every slot not FREE.
     *
     * @return the slots.
     */
    public List<SlotInfo> slots()
    {
        throw new UnsupportedOperationException("skeleton");
    }

    /**
     * Recovers every dead session's slot now (normally done by waiters and by {@link #attach()}).
     *
     * @return how many slots were recovered.
     */
    public int recoverDead()
    {
        throw new UnsupportedOperationException("skeleton");
    }

    /**
     * Recovers one slot: rolls back and releases everything its session held.
     *
     * @param slot  the slot.
     * @param force also when its session is alive (its process keeps running, without its locks).
     * @return true if the slot was recovered, false if it was free or alive and not forced.
     */
    public boolean breakSlot(final int slot, final boolean force)
    {
        throw new UnsupportedOperationException("skeleton");
    }

    /** Unmaps the table. Sessions still attached are detached (their locks released). */
    @Override
    public void close()
    {
        throw new UnsupportedOperationException("skeleton");
    }
}

package io.pathlock.host;

import java.nio.charset.StandardCharsets;

/**
 * Byte layout of the host table file (one descriptor for every offset; see {@link HostTable} for
 * the protocol). All words are 64-bit, native byte order, 8-byte aligned; the wake stripes are two
 * 32-bit words in one 64-bit cell (the futex word must be 32 bits).
 *
 * <pre>
 *  file = HEADER (4 KiB) | SLOTS (slots x SLOT_LENGTH) | BUCKETS (buckets x 16) | NODES (capacity x 384)
 *
 *  HEADER
 *    0 magic "plhost01"      8 layout version      16 capacity          24 buckets (power of two)
 *   32 slots                40 records per slot    48 undo capacity     56 interop code
 *   64 created (epoch ms)   72 file length         80 ALLOC lock word   88 free-list head (index+1)
 *   96 free count          104 bump (next never-used index)            112 clock hand (reclaim sweep)
 * 1024 wake stripes: 256 x { seq int32 (futex word), sleepers int32 }
 *
 *  SLOT (one per session)
 *    0 state: kind (2 bits: FREE, LIVE, RECOVERING) | incarnation (30 bits) &lt;&lt; 2 | pid &lt;&lt; 32
 *    8 intent: offset of the micro-lock word the session is about to take or holds (0: none)
 *   16 undo count (published with a release store; 0 outside a critical section)
 *   24 progress op     32 progress arg A     40 progress arg B     48 attached at (epoch ms)
 *   64 undo log: UNDO_CAPACITY x { offset, old value }
 *   64 + 16 x UNDO_CAPACITY: records: records-per-slot x RECORD_LENGTH
 *
 *  RECORD (what one session added at one node)
 *    0 node index + 1 (0: empty)   8 node generation   16 counts[KINDS]   16 + 8 x KINDS since (epoch ms)
 *
 *  BUCKET
 *    0 lock word (owner)   8 head (node index + 1, 0: empty)
 *
 *  NODE
 *    0 lock word: owner slot + 1 (bits 0-15) | DEAD (bit 16) | generation (bits 32-63)
 *    8 parent index (-1 for the root)     16 next in bucket (index + 1)    24 next free (index + 1)
 *   32 key: name hash (high 32) | name length (low 32)                    40 children
 *   48 counts[KINDS]: PX SX SP SS IX IS MARK_ALL MARK_EXCLUSIVE MARK_SHARED
 *  120 waiters: 1 when a request was refused here since the last release that woke the stripe
 *  128 holder: since (epoch ms) &lt;&lt; 16 | slot + 1 of the last session that claimed a hold here (names it in conflicts)
 *  136 name (UTF-8, at most 255 bytes); NODE_LENGTH 392
 * </pre>
 */
final class HostLayout
{
    static final int SIZE_OF_LONG = 8;

    static final long MAGIC = bytesToLong("plhost01");
    static final long VERSION = 3;

    // ---- header ----
    static final int H_MAGIC = 0;
    static final int H_VERSION = H_MAGIC + SIZE_OF_LONG;
    static final int H_CAPACITY = H_VERSION + SIZE_OF_LONG;
    static final int H_BUCKETS = H_CAPACITY + SIZE_OF_LONG;
    static final int H_SLOTS = H_BUCKETS + SIZE_OF_LONG;
    static final int H_RECORDS = H_SLOTS + SIZE_OF_LONG;
    static final int H_UNDO = H_RECORDS + SIZE_OF_LONG;
    static final int H_INTEROP = H_UNDO + SIZE_OF_LONG;
    static final int H_CREATED = H_INTEROP + SIZE_OF_LONG;
    static final int H_LENGTH = H_CREATED + SIZE_OF_LONG;
    static final int H_ALLOC_LOCK = H_LENGTH + SIZE_OF_LONG;
    static final int H_FREE_HEAD = H_ALLOC_LOCK + SIZE_OF_LONG;
    static final int H_FREE_COUNT = H_FREE_HEAD + SIZE_OF_LONG;
    static final int H_BUMP = H_FREE_COUNT + SIZE_OF_LONG;
    static final int H_CLOCK = H_BUMP + SIZE_OF_LONG;
    static final int H_STRIPES = 1024;
    static final int STRIPES = 256;
    static final int STRIPE_LENGTH = SIZE_OF_LONG;
    static final int STRIPE_SEQ = 0;
    static final int STRIPE_SLEEPERS = 4;
    static final int HEADER_LENGTH = 4096;

    // ---- counts (node and record) ----
    static final int PX = 0;
    static final int SX = 1;
    static final int SP = 2;
    static final int SS = 3;
    static final int IX = 4;
    static final int IS = 5;
    static final int MARK_ALL = 6;
    static final int MARK_EXCLUSIVE = 7;
    static final int MARK_SHARED = 8;
    static final int KINDS = 9;
    static final String[] KIND_NAMES = {"PX", "SX", "SP", "SS", "IX", "IS", "MARK_ALL", "MARK_EXCLUSIVE", "MARK_SHARED"};

    // ---- slot ----
    static final int S_STATE = 0;
    static final int S_INTENT = S_STATE + SIZE_OF_LONG;
    static final int S_UNDO_COUNT = S_INTENT + SIZE_OF_LONG;
    static final int S_PROGRESS = S_UNDO_COUNT + SIZE_OF_LONG;
    static final int S_PROGRESS_A = S_PROGRESS + SIZE_OF_LONG;
    static final int S_PROGRESS_B = S_PROGRESS_A + SIZE_OF_LONG;
    static final int S_ATTACHED = S_PROGRESS_B + SIZE_OF_LONG;
    static final int S_UNDO = 64;
    static final int UNDO_ENTRY_LENGTH = 2 * SIZE_OF_LONG;
    static final int UNDO_CAPACITY = 32;

    static final long STATE_FREE = 0;
    static final long STATE_LIVE = 1;
    static final long STATE_RECOVERING = 2;
    static final long STATE_KIND_MASK = 3;
    static final int INCARNATION_SHIFT = 2;
    static final long INCARNATION_MASK = (1L << 30) - 1;
    static final int PID_SHIFT = 32;

    // ---- progress ops (multi-step operations a recoverer finishes or rolls back) ----
    static final long P_NONE = 0;
    /** A: node index; node popped from the free list, not linked, parent's children not raised. */
    static final long P_INSERT_ALLOCATED = 1;
    /** A: node index, B: parent index; parent's children raised, node not linked. */
    static final long P_INSERT_PARENT_RAISED = 2;
    /** A: node index; marked DEAD, maybe still linked in its bucket, parent's children not lowered. */
    static final long P_RECLAIM_DEAD = 3;
    /** A: node index; unlinked, parent's children not lowered. */
    static final long P_RECLAIM_UNLINKED = 4;
    /** A: node index; unlinked, parent lowered, not on the free list. */
    static final long P_RECLAIM_PARENT_LOWERED = 5;
    /** A: the slot this session is recovering (it holds that slot's kernel lock). */
    static final long P_RECOVERING = 6;
    /** A: node index, B: parent index; linked and committed, the node's lock maybe still owned by the inserter. */
    static final long P_INSERT_LINKED = 7;

    // ---- record ----
    static final int R_NODE = 0;
    static final int R_GEN = R_NODE + SIZE_OF_LONG;
    static final int R_COUNTS = R_GEN + SIZE_OF_LONG;
    static final int R_SINCE = R_COUNTS + KINDS * SIZE_OF_LONG;
    static final int RECORD_LENGTH = R_SINCE + SIZE_OF_LONG;

    // ---- bucket ----
    static final int B_LOCK = 0;
    static final int B_HEAD = B_LOCK + SIZE_OF_LONG;
    static final int BUCKET_LENGTH = B_HEAD + SIZE_OF_LONG;

    // ---- node ----
    static final int N_LOCK = 0;
    static final int N_PARENT = N_LOCK + SIZE_OF_LONG;
    static final int N_NEXT = N_PARENT + SIZE_OF_LONG;
    static final int N_FREE_NEXT = N_NEXT + SIZE_OF_LONG;
    static final int N_KEY = N_FREE_NEXT + SIZE_OF_LONG;
    static final int N_CHILDREN = N_KEY + SIZE_OF_LONG;
    static final int N_COUNTS = N_CHILDREN + SIZE_OF_LONG;
    static final int N_WAITERS = N_COUNTS + KINDS * SIZE_OF_LONG;
    static final int N_HOLDER = N_WAITERS + SIZE_OF_LONG;
    static final int N_NAME = N_HOLDER + SIZE_OF_LONG;
    static final int MAX_NAME_BYTES = 255;
    static final int NODE_LENGTH = (N_NAME + MAX_NAME_BYTES + SIZE_OF_LONG) & ~(SIZE_OF_LONG - 1);

    // ---- lock words ----
    static final long OWNER_MASK = 0xFFFFL;
    static final long DEAD = 1L << 16;
    static final int GEN_SHIFT = 32;

    static final int ROOT = 0;

    static final int SLOTS_MAX = 65_534;

    private HostLayout()
    {
    }

    static long slotLength(final int records)
    {
        return S_UNDO + (long)UNDO_CAPACITY * UNDO_ENTRY_LENGTH + (long)records * RECORD_LENGTH;
    }

    static int bucketsFor(final int capacity)
    {
        int b = Integer.highestOneBit(Math.max(16, capacity));
        if (b < capacity)
        {
            b <<= 1;
        }
        return b;
    }

    static long fileLength(final int capacity, final int slots, final int records)
    {
        return HEADER_LENGTH + slots * slotLength(records) + (long)bucketsFor(capacity) * BUCKET_LENGTH
            + (long)capacity * NODE_LENGTH;
    }

    static long generation(final long lockWord)
    {
        return lockWord >>> GEN_SHIFT;
    }

    static int owner(final long lockWord)
    {
        return (int)(lockWord & OWNER_MASK);
    }

    static long state(final long kind, final long incarnation, final long pid)
    {
        return kind | (incarnation & INCARNATION_MASK) << INCARNATION_SHIFT | pid << PID_SHIFT;
    }

    static long stateKind(final long state)
    {
        return state & STATE_KIND_MASK;
    }

    static long incarnation(final long state)
    {
        return (state >>> INCARNATION_SHIFT) & INCARNATION_MASK;
    }

    static long pid(final long state)
    {
        return state >>> PID_SHIFT;
    }

    static int nameHash(final int parent, final byte[] name, final int length)
    {
        int h = 0x9E3779B9 ^ parent * 0x85EBCA6B;
        for (int i = 0; i < length; i++)
        {
            h = (h ^ name[i]) * 0x01000193;
        }
        return h ^ (h >>> 15);
    }

    static String interopName(final long code)
    {
        switch ((int)code)
        {
            case 0:
                return "none";
            case 1:
                return "ov431";
            case 2:
                return "ragfs";
            default:
                return "unknown(" + code + ")";
        }
    }

    static long interopCode(final String name)
    {
        switch (name)
        {
            case "none":
                return 0;
            case "ov431":
                return 1;
            case "ragfs":
                return 2;
            default:
                return -1;
        }
    }

    private static long bytesToLong(final String s)
    {
        final byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        long v = 0;
        for (int i = 7; i >= 0; i--)
        {
            v = (v << 8) | (b[i] & 0xFF);
        }
        return v;
    }
}

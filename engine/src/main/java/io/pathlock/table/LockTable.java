package io.pathlock.table;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockType;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The lock table: a lock-free path trie with one CAS-only state word per node (DESIGN §3.1).
 *
 * <pre>
 * PROTOCOL
 *
 * Four lock kinds (DESIGN §2): POINT and SUBTREE, each SHARED (S) or EXCLUSIVE (X). Where two locks
 * meet (same path, or a SUBTREE on an ancestor of the other) they conflict unless both are shared.
 * This is Gray's multi-granularity locking with separate intention counts for the exclusive (IX)
 * and the shared (IS) locks below a node. Each node has a 64-bit state word:
 *
 *   63         50 49         36 35         22 21              6  5   4   3    2    1  0
 *  +-------------+-------------+-------------+-----------------+---+---+----+----+-----+
 *  |   SS (14)   |   SP (14)   |   IS (14)   |     IX (16)     |CLM|INF|RCLM|DEAD|XHOLD|
 *  +-------------+-------------+-------------+-----------------+---+---+----+----+-----+
 *
 *  XHOLD      NONE, POINT or SUBTREE: the EXCLUSIVE lock held on this very node.
 *  DEAD       the node has been unlinked; whoever sees it looks the child up again.
 *  RECLAIMING an inflated node is being checked for reclamation (transient).
 *  INFLATED   the intention counts also live in striped cells (see below).
 *  CLAIMING   a SUBTREE claim on an inflated node is summing the cells (transient, see below).
 *  IX, IS     base parts of the number of exclusive / shared locks held strictly below the node.
 *  SP, SS     number of POINT-SHARED / SUBTREE-SHARED holders of the node itself.
 *
 * IX(n) = base IX + (INFLATED ? sum of n's IX cells : 0), IS(n) likewise; each cell has an IX and
 * an IS counter side by side on its own padded line.
 *
 * Counts never wrap (10): a raise that finds its base field full inflates the node and counts in
 * the cells (longs), so 100,000s of locks below one node only cost the cell path. SP and SS are
 * never in cells (an exclusive claim must see them in one read); a claim that would take one past
 * MAX_SHARED_HOLDERS (16,383, as ReentrantReadWriteLock's reader limit) is refused with an
 * IllegalStateException after its walk is undone.
 *
 * lock(p):    for each strict ancestor a of p, root first: raise(a, mode); then claim(p).
 * raise(a, X) refused if XHOLD(a) == SUBTREE or SS(a) > 0 (except the caller's own SUBTREE-SHARED
 *             on a, when it is the only one: ownSharedSubtrees); adds one to IX(a).
 * raise(a, S) refused only if XHOLD(a) == SUBTREE; adds one to IS(a).
 *             (Both are also refused by pending marks that apply to them, see 6.)
 * claim POINT-X    needs XHOLD == NONE and SP == SS == 0;             XHOLD := POINT.
 * claim POINT-S    needs XHOLD == NONE;                               SP += 1.
 * claim SUBTREE-X  needs XHOLD == NONE, SP == SS == 0 and IX + IS == ownBelow; XHOLD := SUBTREE.
 * claim SUBTREE-S  needs XHOLD == NONE and IX == ownBelowExclusive;   SS += 1.
 *             ownBelow / ownBelowExclusive: the caller's own locks (all / exclusive) below p,
 *             which never block it.
 * A failed step undoes the raises already made (in reverse) and reports the blocking node.
 * unlock(p)   clears the caller's hold on p (XHOLD := NONE, or SP/SS -= 1), then lowers its
 *             intent (IX or IS) on every strict ancestor, leaf first.
 *
 * Conversions (upgrades in place) change the caller's own hold on p in one CAS, counting it out of
 * the claim's conditions: POINT-X -> SUBTREE-X (no walk), POINT-S -> SUBTREE-S (no walk),
 * POINT-S -> POINT-X / SUBTREE-X and SUBTREE-S -> SUBTREE-X (a walk raising IX over the IS of the
 * old lock; the IS is lowered by finishConversion once the whole batch is granted, or the IX by
 * revertConversion if the batch fails: the node keeps the caller's shared lock throughout, and an
 * over-counted intent only refuses more, never less). A conversion is never a downgrade.
 *
 * Contention on shallow nodes: every lock raises intent on the root, so a plain CAS counter there
 * would serialise all threads. When a raise loses a CAS race, the node INFLATES: raises and lowers
 * then add to a per-thread cell (padded), and SUBTREE/reclaim claims use a Dekker handshake:
 *
 *   raiser:  cell += 1 (volatile RMW);  read state; while CLAIMING: wait, keeping the cell;
 *            then if the raise is refused by the word (XHOLD == SUBTREE; for IX also SS > 0 but
 *            the caller's own) or DEAD/RECLAIMING: cell -= 1 and back off.
 *   claimer: CAS the claim's change (XHOLD := SUBTREE, or SS += 1) | CLAIMING (volatile); read
 *            the cells it needs (SUBTREE-X: IX and IS; SUBTREE-S: IX); if intent == expected clear
 *            CLAIMING (the claim stands), else CAS the change back, clearing CLAIMING, and wake
 *            waiters. While CLAIMING is set other words changes are only releases of shared
 *            holders (SP/SS -= 1), so both CASes loop and work by difference.
 *
 * Both sides write then read the other's variable with sequentially consistent accesses, so at
 * least one of them sees the other: they never both proceed. A raiser that sees the claim waits
 * for its outcome instead of backing off: if the claimer counted the raise, the claim fails and
 * the raise proceeds; if it did not, the claim stands and the raise backs off. So exactly one of
 * them wins, and a claim that fails for any reason never refuses anybody: without CLAIMING a raise
 * that read the tentative SUBTREE backed off, so tryLock refused POINT(/a/c) for a doomed
 * SUBTREE(/a) claim while only POINT(/a/b) was held, and a racing claimer and raiser could both be
 * refused (phantom conflicts, found by the jcstress test DoomedSubtreeClaimTest and the Lincheck
 * facade test). claimPoint and claimSubtree on a CLAIMING node wait likewise. The wait is bounded
 * by one pass over the cells, as for RECLAIMING; only a claimer descheduled inside that pass
 * makes others spin longer.
 *
 * INVARIANTS
 *
 *  1. Mutual exclusion: if XHOLD(n) == SUBTREE then no lock is held on n (but that one) nor on its
 *     strict descendants, and no SUBTREE on its strict ancestors; if XHOLD(n) == POINT no other
 *     lock is held on n and no SUBTREE on an ancestor; if SS(n) > 0 no exclusive lock is held on n
 *     or below it (but below, the SS holder's own when it is the only one, see 9); if SP(n) > 0 no
 *     exclusive lock is held on n and no SUBTREE-X above. Every conflicting pair of locks meets on
 *     one node's word (and cells), which both sides change before they proceed: the SUBTREE holder's
 *     node (IX/IS against XHOLD/SS), or the common node (XHOLD against SP/SS).
 *  2. IX(n) (IS(n)) equals the number of exclusive (shared) locks held strictly below n plus the
 *     raises of walks in flight and of cached chains (IX only, 8) and of conversions in flight (both);
 *     never negative when quiescent; a failed walk leaves it as it found it.
 *  3. Every operation touches depth+1 nodes: O(depth) whatever the size of the subtree.
 *  4. A node is unlinked only when its HOLD is NONE, its intent is 0, and no waiter or pending
 *     mark refers to it; DEAD is final. A walker holds intent on every ancestor it passes, so the
 *     parent of a node it looks up is never unlinked under it.
 *  5. Lost wake-ups are impossible: a waiter enqueues itself and then increments the node's waiter
 *     count before it retries; a releaser changes the state word before it reads the waiter count.
 *     Either the retry sees the release, or the releaser sees the waiter and signals it.
 *  6. Anti-starvation, both ways between shared and exclusive: a waiter places a pending mark on
 *     the node that blocks it (one mark per waiter: it drops its mark when it becomes blocked
 *     elsewhere, else two batches that each keep a mark the other needs would wait for each other
 *     forever). The kind of mark says what it refuses to requesters that are not exempt:
 *       MARK_ALL        a SUBTREE-X waiter blocked at its node: every new raise through the node
 *                       and every new claim on it.
 *       MARK_EXCLUSIVE  a SUBTREE-S waiter blocked at its node: new exclusive raises through it
 *                       and exclusive claims on it (shared locks are compatible with the waiter).
 *       MARK_SHARED     an exclusive waiter blocked by shared holders of a node (SP/SS at its
 *                       target, or SS on an ancestor): new shared claims on that node.
 *     The locks the waiter waits for drain, none of the refused kind replaces them, and it wins
 *     against an endless stream of shared grants (readers do not starve a writer) as well as of
 *     exclusive ones (writers below do not starve a SUBTREE-S reader). A node's marks are counted
 *     in one total (the only count hot paths read) and per kind (read only when the total is not
 *     zero). Waiters holding any mark on a node ignore the other marks there. A requester that holds
 *     a lock on or below a marked node ignores that node's marks: the waiter may be waiting for
 *     it. Which other requesters are exempt is the waiter's call ({@link TableWaiter#mayBeAwaitedAt});
 *     the facade exempts a waiting requester whose held locks are awaited by someone
 *     ({@link #isAwaited}), and no one else.
 *  7. Idle nodes are reclaimed in amortised sweeps: when the node count passes
 *     max(minimum, 2 x nodes left after the last sweep), the creating thread sweeps. An amortised
 *     sweep gives nodes a second chance (CLOCK): a node found by a lookup since the previous sweep
 *     ({@link TrieNode#referenced}; its creation does not count, so a path locked once goes at the
 *     next sweep) is unmarked and kept, up to the minimum's number of nodes per sweep. So a working
 *     set a little larger than the minimum is not reclaimed and re-created over and over (each time
 *     a node allocation, a map insertion and a fresh token history for its path), and memory stays
 *     bounded: by live locks, waiters and their ancestors, plus the minimum, times two, plus the
 *     nodes pinned by cached intent chains (at most MAX_CHAINS chains, see 8).
 *     {@link #reclaimIdle()} reclaims every idle node at once. The mark is a hint written and read
 *     plainly: a lost mark costs a node that is created again, never a wrong grant (reclamation
 *     decides by the state word's CAS alone).
 *  8. Cached intent chains. Releasing a lock need not lower its ancestors: the raises from the root
 *     to its parent may be kept as an IntentChain, CACHED in the releasing thread's ChainCache and
 *     in the table's registry, and the next lock below the same parent takes the chain (CAS CACHED
 *     -> IN_USE) instead of walking: one CAS instead of depth raises and lowers, and no write to the
 *     shared shallow nodes, so threads on disjoint paths share no written cache line. A cached
 *     chain is a raise that stands for no held lock, which is safe (intent is only ever
 *     over-counted: invariant 1 holds) and is made invisible to SUBTREE claims by revocation:
 *     a claim that finds intent(p) above what it expects revokes every CACHED chain through p
 *     (CAS CACHED -> REVOKED, then the chain's raises are lowered, leaf first) and decides again,
 *     so a SUBTREE is refused only for locks held (or walks in flight), as before. Use and
 *     revocation meet on the chain's state word: exactly one of them wins.
 *     (a) A chain's nodes are never reclaimed while it is CACHED or IN_USE (their intent is > 0).
 *     (b) Taking a chain respects pending marks: after the CAS, a mark on any node of the chain makes
 *         the taker abandon the chain (IN_USE -> REVOKED, raises lowered) and walk as in 6.
 *     (c) No lost wake-up: a release that keeps a chain (state -> CACHED, volatile) reads the
 *         intent-waiter counts of its nodes afterwards and revokes it (waking them) if any is set;
 *         a SUBTREE waiter registers (increments that count) before its retry, which revokes every
 *         CACHED chain through its node. Dekker again: one of them sees the other.
 *     (d) The sweep revokes the CACHED chains not used since the previous sweep (second chance);
 *         the registry holds at most MAX_CHAINS; a thread's cache at most ChainCache.SLOTS parent
 *         chains and ChainCache.TOP_SLOTS top-level ones.
 *     (e) Chains carry exclusive intent only: shared locks always walk and lower, and a SUBTREE-S
 *         claim revokes the chains through its node as a SUBTREE-X claim does (they are IX).
 *     (f) Top-level chains: a release whose parent's chain cannot be kept (its slot holds another
 *         parent's chain) keeps the raises of the root and the top-level directory as that
 *         directory's chain, if its slot is free, and lowers the rest. A lock two or more levels
 *         below the directory takes it and raises (and on release lowers) only the nodes in
 *         between, as a walk from that directory would; a refusal lowers those raises and hands
 *         the chain back. So threads whose paths spread over many parents still leave the root and
 *         the top-level directories unwritten. Top-level chains have slots of their own
 *         (ChainCache.TOP_SLOTS), so that parent chains do not crowd them out; such a chain has the
 *         nodes of the parent chain of that directory's children, may exist beside it (each keeps
 *         its own raises: intent is only over-counted), and obeys (a)-(e) alike.
 *  9. The caller's own SUBTREE-SHARED on an ancestor does not block its exclusive raise there if it
 *     is the only SS holder of that node (else another owner's shared SUBTREE would be broken).
 *     Such a raise is never kept as a cached chain (a chain is taken without raising, by any handle
 *     of the thread): keepChain refuses to cache raises through a node with SS > 0, and a chain
 *     released while a node of it is held SUBTREE-SHARED (granted to the chain's user over its own
 *     lock below) is revoked, not cached. Both look at the chain's nodes only while the table-wide
 *     count of SUBTREE-SHARED holds is not zero (counted before a hold exists, uncounted after it
 *     ends); a SUBTREE-SHARED claim by anyone else sees the chain's IX and revokes or waits for it.
 * 10. No count wraps: IX/IS fields that are full send the raise to the cells; SP/SS that are full
 *     refuse the claim loudly.
 * 11. Resolved paths: from its second grant on, a LockPath remembers the node it was granted on
 *     (the table's only write to a path; a pool of requests built once keeps them, and a path
 *     locked once costs no memory), and a later walk that raises, with that path, takes its nodes
 *     from that node and its parents instead of looking each child up in its parent's index, once
 *     the parents are found to end at this table's root. Nothing else changes: the walk raises the
 *     same nodes in the same order, and each raise and the claim see a reclaimed node as DEAD and
 *     look it up again (4: a node that is not DEAD is the one its parent's index holds; names and
 *     parents are final; DEAD is final), so a stale node costs the lookups it would have spared,
 *     never a lock on the wrong node. A conversion that raises nothing looks its nodes up. The path
 *     refers to the node weakly: a node leads to the whole trie, its holders' handles and their
 *     manager, which a path kept by the caller or by LockPath's parse cache must not keep alive.
 *
 * FENCING TOKENS (the store's tokens when it asks for them, see LockStore.tableTokens)
 *
 *  A grant's token is taken after its claims, from the EPOCH counter and the tokens of the last
 *  grants on its own nodes (TrieNode.grantToken, written before the holder can release):
 *    any SUBTREE in the batch (either mode):  token = (++EPOCH) &lt;&lt; SUB_BITS
 *    POINT only (either mode):  token = max((EPOCH &lt;&lt; SUB_BITS) + 1, max over its nodes (grantToken + 1)),
 *                               and EPOCH is raised to the token's epoch if the low bits overflowed.
 *  An exclusive grant writes its node's grantToken; a shared grant raises it to at least its own
 *  token with a CAS (attachSharedHolder: several shared holders write it, and whichever attaches
 *  last must not lower it). A node is marked DEAD only after EPOCH has passed its last token's
 *  epoch. If grant A happens before a conflicting grant B then token(A) &lt; token(B): they meet on
 *  B's node (same node: grantToken, which is the maximum of every shared holder's token since the
 *  last exclusive grant, so an exclusive grant after readers is above all of them and a shared
 *  grant after a writer above it), or one is a SUBTREE of either mode (B's epoch is above every
 *  epoch read or set before B's claim). Overlapping shared grants may share a token, as may
 *  non-conflicting grants; no grant writes a shared line except SUBTREE grants. A conversion is a
 *  new grant with a new token.
 * </pre>
 *
 * <p>The child index of a node is a {@link ConcurrentHashMap}; its reads are lock-free, its inserts
 * and removals may lock one bin (only when nodes are created or reclaimed, never for a lock or
 * unlock of an existing node).
 *
 * <p>Thread-safety: all methods are thread-safe. Methods taking a {@link TableWaiter} expect that
 * waiter to be used by one acquisition at a time.
 */
public final class LockTable
{
    /** Default minimum node count before idle nodes are swept. */
    public static final int RECLAIM_MIN_NODES_DEFAULT = 4096;

    private static final int OK = 0;
    private static final int R_DEAD = 1;
    private static final int R_BLOCKED = 2;
    /** A shared claim found its holder count full (the walk lowers its raises, then throws). */
    private static final int R_FULL = 3;

    /** {@link #register} mark kind: no mark. */
    public static final int MARK_NONE = 0;
    /** Mark kind of a SUBTREE-EXCLUSIVE waiter at its node: refuses every new raise and claim (6). */
    public static final int MARK_ALL = 1;
    /** Mark kind of a SUBTREE-SHARED waiter at its node: refuses exclusive raises and claims (6). */
    public static final int MARK_EXCLUSIVE = 2;
    /** Mark kind of an exclusive waiter blocked by shared holders of a node: refuses shared claims there (6). */
    public static final int MARK_SHARED = 3;

    /** {@code from} of a claim: a new lock. */
    public static final int FROM_NONE = 0;
    /** {@code from} of a claim: the caller's POINT-EXCLUSIVE on the path becomes SUBTREE-EXCLUSIVE. */
    public static final int FROM_POINT_EXCLUSIVE = 1;
    /** {@code from} of a claim: the caller's POINT-SHARED on the path becomes the requested lock. */
    public static final int FROM_POINT_SHARED = 2;
    /** {@code from} of a claim: the caller's SUBTREE-SHARED on the path becomes SUBTREE-EXCLUSIVE. */
    public static final int FROM_SUBTREE_SHARED = 3;

    /** Low bits of a token that count POINT grants within one epoch (see FENCING TOKENS). */
    public static final int TOKEN_SUB_BITS = 20;

    /** {@code LockPath.resolved}: the node a grant on the path was made on (invariant 11). */
    private static final VarHandle RESOLVED;

    static
    {
        try
        {
            RESOLVED = MethodHandles.privateLookupIn(LockPath.class, MethodHandles.lookup())
                .findVarHandle(LockPath.class, "resolved", Object.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final TrieNode root = new TrieNode(null, "");
    private final ChainRegistry chains = new ChainRegistry();
    private final FencingEpochs epochs = new FencingEpochs();
    /**
     * Pending marks and intent waiters anywhere in the table: a chain's taker and releaser look at
     * the nodes of the chain only when these are not zero (8b, 8c). Written only by waiters
     * (registration and its end), read by every chained grant and release.
     */
    private final WaitCounts waitCounts = new WaitCounts();
    private final AtomicLong nodeCount = new AtomicLong(1);
    /**
     * SUBTREE-SHARED holds in the table, counted before they exist and uncounted after they end (so
     * never below the real number): chains are checked against SS on their nodes only when this is
     * not zero (9). Written by SUBTREE-SHARED grants and releases only.
     */
    private final java.util.concurrent.atomic.AtomicInteger sharedSubtreeHolds = new java.util.concurrent.atomic.AtomicInteger();
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private final int reclaimMinNodes;
    /** Marked nodes an amortised sweep may still keep (invariant 7); used only under {@link #sweeping}. */
    private int spareBudget;
    private volatile long reclaimThreshold;

    /**
     * Where a refused lock was blocked. Filled by {@link #tryLock}; reused by one caller.
     */
    public static final class Conflict
    {
        TrieNode node;
        ConflictKind kind;
        boolean atTarget;
        IntentChain chain;
        // Scratch of resolvedNodes: the nodes of a resolved path by depth (invariant 11).
        TrieNode[] nodesByDepth;

        /** Creates an empty conflict record. */
        public Conflict()
        {
        }

        /**
         * The node that blocked the lock.
         *
         * @return the blocking node.
         */
        public TrieNode node()
        {
            return node;
        }

        /**
         * Why it blocked.
         *
         * @return the kind.
         */
        public ConflictKind kind()
        {
            return kind;
        }

        /**
         * Whether the blocking node is the requested path itself (not an ancestor).
         *
         * @return true at the target.
         */
        public boolean atTarget()
        {
            return atTarget;
        }

        /**
         * The cached intent chain the last successful {@code tryLock} with a {@link ChainCache} took,
         * to be handed back to {@link LockTable#unlock(TrieNode, LockPath, IntentChain, ChainCache)}.
         *
         * @return the chain, or null if the lock raised its ancestors itself.
         */
        public IntentChain chain()
        {
            return chain;
        }

        /** Forgets the last conflict and chain (so that the record keeps no node reachable). */
        public void clear()
        {
            node = null;
            kind = null;
            atTarget = false;
            chain = null;
        }

        void set(final TrieNode node, final ConflictKind kind, final boolean atTarget)
        {
            this.node = node;
            this.kind = kind;
            this.atTarget = atTarget;
        }
    }

    /** Creates a table with the default reclaim minimum. */
    public LockTable()
    {
        this(RECLAIM_MIN_NODES_DEFAULT);
    }

    /**
     * Creates a table.
     *
     * @param reclaimMinNodes node count below which idle nodes are never swept (at least 16).
     * @throws IllegalArgumentException if reclaimMinNodes is below 16.
     */
    public LockTable(final int reclaimMinNodes)
    {
        if (reclaimMinNodes < 16)
        {
            throw new IllegalArgumentException("reclaimMinNodes must be at least 16, got " + reclaimMinNodes);
        }
        this.reclaimMinNodes = reclaimMinNodes;
        this.reclaimThreshold = reclaimMinNodes;
    }

    /**
     * A cache of intent chains for the calling thread (invariant 8). Keep one per thread.
     *
     * @return a new, empty cache.
     */
    public ChainCache newChainCache()
    {
        return new ChainCache();
    }

    /**
     * Tries to take one exclusive lock, using a cached intent chain of the calling thread when one
     * covers the path's parent (invariant 8). Never waits. When granted, {@link Conflict#chain()}
     * names the chain taken (or null); hand it back to
     * {@link #unlock(TrieNode, LockPath, IntentChain, ChainCache)}.
     *
     * @param path the path.
     * @param type the lock type.
     * @param ownBelow for SUBTREE: how many locks below {@code path} the caller itself holds.
     * @param upgrade true to turn the caller's own POINT on {@code path} into a SUBTREE.
     * @param waiter the caller's waiter (for pending-mark priority), or null.
     * @param out filled with the blocking node when refused, and with the chain when granted.
     * @param cache the calling thread's chain cache of this table, or null for none.
     * @return the locked node, or null when refused.
     */
    public TrieNode tryLock(
        final LockPath path,
        final LockType type,
        final int ownBelow,
        final boolean upgrade,
        final TableWaiter waiter,
        final Conflict out,
        final ChainCache cache)
    {
        return tryLock(path, type, LockMode.EXCLUSIVE, ownBelow, ownBelow,
            upgrade ? FROM_POINT_EXCLUSIVE : FROM_NONE, null, waiter, out, cache);
    }

    /**
     * Tries to take one lock of any of the four kinds, or to convert the caller's own lock on the
     * path into a stronger one ({@code from}). Never waits. Exclusive new locks may use a cached
     * intent chain (invariant 8); shared locks always walk. When granted, {@link Conflict#chain()}
     * names the chain taken (or null).
     *
     * <p>A conversion from a shared lock to an exclusive one raises exclusive intent on the
     * ancestors and keeps the shared intent of the old lock: call {@link #finishConversion} once
     * the whole batch is granted, or {@link #revertConversion} to undo it.
     *
     * @param path the path.
     * @param type the lock type requested (the type held after a conversion).
     * @param mode the mode requested (the mode held after a conversion).
     * @param ownBelow for SUBTREE-EXCLUSIVE: how many locks below {@code path} the caller holds.
     * @param ownBelowExclusive for SUBTREE-SHARED: how many exclusive locks below {@code path} the caller holds.
     * @param from {@link #FROM_NONE} for a new lock, else what the caller holds on {@code path}.
     * @param ownSharedSubtrees nodes of strict ancestors on which the caller holds SUBTREE-SHARED
     *        (they do not block its exclusive lock below), or null.
     * @param waiter the caller's waiter (for pending-mark priority), or null.
     * @param out filled with the blocking node when refused, and with the chain when granted.
     * @param cache the calling thread's chain cache of this table, or null for none.
     * @return the locked node, or null when refused.
     * @throws IllegalStateException if a node would get more than {@link TrieNode#MAX_SHARED_HOLDERS}
     *         shared holders of one type.
     */
    public TrieNode tryLock(
        final LockPath path,
        final LockType type,
        final LockMode mode,
        final int ownBelow,
        final int ownBelowExclusive,
        final int from,
        final TrieNode[] ownSharedSubtrees,
        final TableWaiter waiter,
        final Conflict out,
        final ChainCache cache)
    {
        out.chain = null;
        final boolean shared = mode == LockMode.SHARED;
        if (cache != null && from == FROM_NONE && !shared && ownSharedSubtrees == null && !path.isRoot())
        {
            final int slot = ChainCache.slotOfChild(path);
            final IntentChain c = cache.get(slot);
            if (c != null && (path == c.lastChildPath || path.isChildOf(c.parentPath)))
            {
                final TrieNode n = viaChain(c, slot, false, path, type, ownBelow, waiter, out, cache);
                if (n != WALK)
                {
                    return n;
                }
            }
            if (path.depth() > 2)
            {
                // No chain of the parent: a chain of the top-level directory still spares the raises
                // (and later lowers) of the root and that directory, the lines every thread writes.
                final int top = ChainCache.topSlotOfHash(topHash(path));
                final IntentChain t = cache.get(top);
                if (t != null && t.nodes.length == 2 && t.parentPath.segment(0).equals(path.segment(0)))
                {
                    final TrieNode n = viaChain(t, top, true, path, type, ownBelow, waiter, out, cache);
                    if (n != WALK)
                    {
                        return n;
                    }
                }
            }
        }
        final TrieNode[] nodes = resolvedNodes(path, out);
        final TrieNode n = walk(root, 0, null, nodes, path, type, shared, ownBelow, ownBelowExclusive, from, ownSharedSubtrees,
            waiter, out);
        forget(nodes, path);
        return remember(path, n);
    }

    /**
     * The nodes of a path that a grant remembered in it, by depth (1 to the path's depth; the scratch
     * array of {@code out}), or null if it remembers none, or one that is collected or not of this
     * table (invariant 11). The nodes may be DEAD: the walk's raises and claim see it.
     */
    private TrieNode[] resolvedNodes(final LockPath path, final Conflict out)
    {
        final Object r = RESOLVED.get(path);
        if (!(r instanceof Resolved))
        {
            return null;
        }
        TrieNode n = ((Resolved)r).get();
        final int depth = path.depth();
        TrieNode[] nodes = out.nodesByDepth;
        if (nodes == null || nodes.length <= depth)
        {
            nodes = new TrieNode[Math.max(depth + 1, 16)];
            out.nodesByDepth = nodes;
        }
        for (int d = depth; d > 0 && n != null; d--)
        {
            nodes[d] = n;
            n = n.parent;
        }
        if (n != root)
        {
            // another table's node (or a collected one): nothing kept
            forget(nodes, path);
            return null;
        }
        return nodes;
    }

    /**
     * Empties the scratch {@link #resolvedNodes} filled (null: nothing to do): a thread's scratch
     * must not keep nodes, and through them the trie and its manager, reachable after the call.
     */
    private static void forget(final TrieNode[] nodes, final LockPath path)
    {
        if (nodes != null)
        {
            Arrays.fill(nodes, 1, path.depth() + 1, null);
        }
    }

    /**
     * Remembers a granted node in its path (invariant 11) from the path's second grant on (a path
     * locked once costs no memory); returns the node.
     */
    private static TrieNode remember(final LockPath path, final TrieNode node)
    {
        if (node != null)
        {
            final Object r = RESOLVED.get(path);
            if (r == null)
            {
                RESOLVED.set(path, GRANTED_ONCE);
            }
            else if (r == GRANTED_ONCE || ((Resolved)r).get() != node)
            {
                RESOLVED.set(path, new Resolved(node));
            }
        }
        return node;
    }

    /**
     * A path's remembered node, referred to weakly: a path the caller (or LockPath's parse cache)
     * keeps must not keep the node reachable, and through it the trie, the handle holding it and
     * its manager, when nobody else refers to them.
     */
    private static final class Resolved extends WeakReference<TrieNode>
    {
        Resolved(final TrieNode node)
        {
            super(node);
        }
    }

    /** {@code LockPath.resolved} of a path granted once: nothing remembered yet. */
    private static final Object GRANTED_ONCE = new Object();

    /** What {@link #viaChain} returns when the chain could not be taken: the caller walks. */
    private static final TrieNode WALK = new TrieNode(null, "(walk)");

    /**
     * Takes a cached chain of the path's parent or (top) of its top-level directory (CACHED ->
     * IN_USE) and locks below it: the locked node (the chain in {@code out}), null if refused (the
     * chain handed back), or {@link #WALK} if the chain was not taken (in use, revoked, or given up
     * for a pending mark on it: 8b).
     */
    private TrieNode viaChain(final IntentChain c, final int slot, final boolean top, final LockPath path, final LockType type,
        final int ownBelow, final TableWaiter waiter, final Conflict out, final ChainCache cache)
    {
        if (!c.compareAndSetState(IntentChain.CACHED, IntentChain.IN_USE))
        {
            if (c.stateVolatile() == IntentChain.REVOKED)
            {
                cache.set(slot, null);
            }
            return WALK;
        }
        cache.misses[slot] = 0;
        c.recentlyUsed = true;
        if (waitCounts.pendingVolatile() != 0 && pendingOnChain(c))
        {
            abandon(c);
            cache.set(slot, null);
            return WALK;
        }
        final TrieNode n = top ? walkBelow(c, path, type, ownBelow, waiter, out) : claimBelow(c, path, type, ownBelow, waiter, out);
        if (n == null)
        {
            releaseChain(c);
            return null;
        }
        if (top)
        {
            remember(path, n);
        }
        else
        {
            c.lastChildPath = path;
        }
        out.chain = c;
        return n;
    }

    /** {@link String#hashCode()} of the path's top-level directory ({@code "/" + segment(0)}), without making it. */
    static int topHash(final LockPath path)
    {
        final String s = path.segment(0);
        int h = '/';
        for (int i = 0, n = s.length(); i < n; i++)
        {
            h = 31 * h + s.charAt(i);
        }
        return h;
    }

    /**
     * An exclusive lock below an IN_USE chain that ends above its parent: raises the nodes between the
     * chain's last node and the target (exclusive), then claims the target, as {@link #walk} does from
     * the root. Null (conflict in {@code out}, this walk's raises lowered, the chain still IN_USE) if
     * refused.
     */
    private TrieNode walkBelow(final IntentChain c, final LockPath path, final LockType type, final int ownBelow,
        final TableWaiter waiter, final Conflict out)
    {
        final TrieNode stop = c.last();
        final int i = c.nodes.length - 1;
        final TrieNode[] nodes = resolvedNodes(path, out);
        if (nodes != null && nodes[i] == stop)
        {
            final TrieNode n = walk(touched(nodes[i + 1]), i + 1, stop, nodes, path, type, false, ownBelow, ownBelow, FROM_NONE,
                null, waiter, out);
            forget(nodes, path);
            return n;
        }
        forget(nodes, path);
        return walk(childOf(stop, path.segment(i)), i + 1, stop, null, path, type, false, ownBelow, ownBelow, FROM_NONE, null,
            waiter, out);
    }

    /** Lowers the exclusive intent of {@code from} and its ancestors below {@code stop} (not {@code stop}). */
    private void lowerUntil(final TrieNode from, final TrieNode stop)
    {
        lowerUntil(from, stop, false);
    }

    /** Lowers the intent of {@code from} and its ancestors below {@code stop} (not {@code stop}; null: to the root). */
    private void lowerUntil(final TrieNode from, final TrieNode stop, final boolean shared)
    {
        for (TrieNode m = from; m != stop; m = m.parent)
        {
            lower(m, shared);
        }
    }
    private static boolean pendingOnChain(final IntentChain c)
    {
        for (final TrieNode n : c.nodes)
        {
            if (n.pendingVolatile() > 0)
            {
                return true;
            }
        }
        return false;
    }

    /** Claims the path below an IN_USE chain; null (conflict in {@code out}) if refused. */
    private TrieNode claimBelow(
        final IntentChain c, final LockPath path, final LockType type, final int ownBelow, final TableWaiter waiter,
        final Conflict out)
    {
        final TrieNode parent = c.last();
        final String name = path.name();
        // The chain remembers the last child it served: a lock taken again skips the child lookup.
        // A reclaimed child is DEAD, which the claim reports, and is looked up again.
        TrieNode n = c.lastChild;
        if (n == null || !(n.name == name || n.name.equals(name)))
        {
            n = childOf(parent, name);
            c.lastChild = n;
        }
        else
        {
            touched(n);
        }
        for (;;)
        {
            final int r = type == LockType.POINT
                ? claimPoint(n, false, FROM_NONE, waiter, out)
                : claimSubtree(n, false, ownBelow, ownBelow, FROM_NONE, waiter, out);
            if (r == OK)
            {
                return n;
            }
            if (r != R_DEAD)
            {
                return null;
            }
            n = childOf(parent, name);
            c.lastChild = n;
        }
    }

    /**
     * Tries to take one lock. Never waits.
     *
     * @param path the path.
     * @param type the lock type.
     * @param ownBelow for SUBTREE: how many locks below {@code path} the caller itself holds (they do
     *        not block it); 0 otherwise.
     * @param upgrade true to turn the caller's own POINT on {@code path} into a SUBTREE.
     * @param waiter the caller's waiter (for pending-mark priority), or null.
     * @param out filled with the blocking node when the lock is refused.
     * @return the locked node (pass it to {@link #unlock}), or null when refused.
     */
    public TrieNode tryLock(
        final LockPath path,
        final LockType type,
        final int ownBelow,
        final boolean upgrade,
        final TableWaiter waiter,
        final Conflict out)
    {
        out.chain = null;
        final TrieNode[] nodes = resolvedNodes(path, out);
        final TrieNode n = walk(root, 0, null, nodes, path, type, false, ownBelow, ownBelow,
            upgrade ? FROM_POINT_EXCLUSIVE : FROM_NONE, null, waiter, out);
        forget(nodes, path);
        return remember(path, n);
    }

    /**
     * The walk: raises every strict ancestor (exclusive or shared intent), root first, then claims
     * the node. A conversion that keeps its mode, or an exclusive POINT made SUBTREE, raises nothing
     * (the ancestors carry the held lock's intent already); shared to exclusive raises exclusive
     * intent on top of the shared one (see {@link #finishConversion}).
     *
     * <p>The walk starts at {@code start}, the node of the path at depth {@code startDepth}: it raises
     * it and each node below it down to the target's parent. {@code stop} is the node whose raise (and
     * whose ancestors' raises) the caller holds already (a chain's last node), or null for a walk from
     * the root ({@code start} = the root, depth 0): a refusal lowers what this walk raised, from the
     * target's parent up to below {@code stop}. {@code resolved} has the path's nodes by depth
     * (invariant 11), or is null: each step then looks the child up.
     */
    private TrieNode walk(
        final TrieNode start,
        final int startDepth,
        final TrieNode stop,
        final TrieNode[] resolved,
        final LockPath path,
        final LockType type,
        final boolean shared,
        final int ownBelow,
        final int ownBelowExclusive,
        final int from,
        final TrieNode[] ownSs,
        final TableWaiter waiter,
        final Conflict out)
    {
        final boolean raises = from == FROM_NONE || (!shared && from != FROM_POINT_EXCLUSIVE);
        final int depth = path.depth();
        // Only a walk that raises may take remembered nodes: its raises see a DEAD one (11). A
        // conversion that raises nothing looks its nodes up (its own lock keeps them linked).
        TrieNode[] nodes = raises ? resolved : null;
        TrieNode n = start;
        int i = startDepth;
        while (i < depth)
        {
            if (raises)
            {
                final int r = raise(n, shared, ownSs != null && contains(ownSs, n), waiter, out);
                if (r == R_DEAD)
                {
                    // Reclaimed since it was looked up or remembered: the rest is looked up (11).
                    nodes = null;
                    n = childOf(n.parent, n.name);
                    continue;
                }
                if (r == R_BLOCKED)
                {
                    lowerUntil(n.parent, stop, shared);
                    return null;
                }
            }
            i++;
            n = nodes != null ? touched(nodes[i]) : childOf(n, path.segment(i - 1));
        }

        final boolean newSs = shared && type == LockType.SUBTREE;
        if (newSs)
        {
            sharedSubtreeHolds.incrementAndGet();
        }
        for (;;)
        {
            final int r = type == LockType.POINT
                ? claimPoint(n, shared, from, waiter, out)
                : claimSubtree(n, shared, ownBelow, ownBelowExclusive, from, waiter, out);
            if (r == OK)
            {
                if (from == FROM_SUBTREE_SHARED && !shared)
                {
                    sharedSubtreeHolds.decrementAndGet();
                }
                return n;
            }
            if (r == R_DEAD)
            {
                n = childOf(n.parent, n.name);
                continue;
            }
            if (newSs)
            {
                sharedSubtreeHolds.decrementAndGet();
            }
            if (raises)
            {
                lowerUntil(n.parent, stop, shared);
            }
            if (r == R_FULL)
            {
                throw new IllegalStateException("more than " + TrieNode.MAX_SHARED_HOLDERS + " " + type
                    + "-SHARED holders on " + path);
            }
            return null;
        }
    }

    private static boolean contains(final TrieNode[] nodes, final TrieNode n)
    {
        for (final TrieNode m : nodes)
        {
            if (m == n)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Completes a granted conversion from a shared lock to an exclusive one: lowers the shared
     * intent the old lock raised on the ancestors (the exclusive raises of the conversion stay).
     *
     * @param node the converted node.
     */
    public void finishConversion(final TrieNode node)
    {
        lowerChain(node.parent, true);
    }

    /**
     * Undoes a conversion made by {@link #tryLock} (before {@link #finishConversion}): the node
     * goes back to the caller's old lock, the exclusive raises of a shared-to-exclusive conversion
     * are lowered, and waiters are woken.
     *
     * @param node the converted node.
     * @param from what the caller held before ({@code FROM_*}).
     * @param type the type the conversion took.
     * @param mode the mode the conversion took.
     */
    public void revertConversion(final TrieNode node, final int from, final LockType type, final LockMode mode)
    {
        final long delta = conversionDelta(from, type, mode == LockMode.SHARED);
        if (from == FROM_SUBTREE_SHARED)
        {
            sharedSubtreeHolds.incrementAndGet();
        }
        for (;;)
        {
            final long s = node.stateVolatile();
            if (node.compareAndSetState(s, s - delta))
            {
                break;
            }
        }
        if (mode == LockMode.SHARED && type == LockType.SUBTREE)
        {
            sharedSubtreeHolds.decrementAndGet();
        }
        if (node.waitersVolatile() > 0)
        {
            signalAll(node, false);
        }
        if (mode == LockMode.EXCLUSIVE && from != FROM_POINT_EXCLUSIVE)
        {
            lowerChain(node.parent, false);
        }
    }

    /** What a claim adds to the state word (see PROTOCOL): the new hold minus the caller's old one. */
    private static long conversionDelta(final int from, final LockType type, final boolean shared)
    {
        final long add = shared
            ? (type == LockType.POINT ? TrieNode.SP_ONE : TrieNode.SS_ONE)
            : (type == LockType.POINT ? TrieNode.HOLD_POINT : TrieNode.HOLD_SUBTREE);
        switch (from)
        {
            case FROM_POINT_EXCLUSIVE:
                return add - TrieNode.HOLD_POINT;
            case FROM_POINT_SHARED:
                return add - TrieNode.SP_ONE;
            case FROM_SUBTREE_SHARED:
                return add - TrieNode.SS_ONE;
            default:
                return add;
        }
    }

    /**
     * Releases a lock taken by {@link #tryLock}. Wakes the waiters the release may unblock.
     *
     * @param node the node returned by tryLock.
     */
    public void unlock(final TrieNode node)
    {
        clearHold(node);
        lowerChain(node.parent);
    }

    /**
     * Releases a lock taken by {@link #tryLock(LockPath, LockType, int, boolean, TableWaiter, Conflict,
     * ChainCache)}, wakes the waiters the release may unblock, and hands the ancestors' raises back:
     * to the chain the lock took, or kept as a new cached chain of the calling thread, or lowered
     * (invariant 8).
     *
     * @param node the node returned by tryLock.
     * @param path its path.
     * @param chain the chain the grant took ({@link Conflict#chain()}), or null.
     * @param cache the calling thread's chain cache of this table, or null.
     */
    public void unlock(final TrieNode node, final LockPath path, final IntentChain chain, final ChainCache cache)
    {
        clearHold(node);
        if (chain != null)
        {
            // a top-level chain serves locks deeper than its children: their own raises go first
            lowerUntil(node.parent, chain.last());
            releaseChain(chain);
        }
        else if (cache == null || node.parent == null || !keepChain(node.parent, path, cache))
        {
            lowerChain(node.parent);
        }
    }

    /**
     * Releases a lock of any kind taken by {@link #tryLock(LockPath, LockType, LockMode, int, int, int,
     * TrieNode[], TableWaiter, Conflict, ChainCache)}. An exclusive lock is released as by
     * {@link #unlock(TrieNode, LockPath, IntentChain, ChainCache)}; a shared one lowers its holder
     * count and the shared intent of its ancestors (shared locks keep no chains).
     *
     * @param node the node.
     * @param path its path.
     * @param type the type held.
     * @param mode the mode held.
     * @param owner the owner attached to the grant (cleared from the node if still attached), or null.
     * @param chain the chain the grant took, or null.
     * @param cache the calling thread's chain cache of this table, or null.
     */
    public void unlock(final TrieNode node, final LockPath path, final LockType type, final LockMode mode,
        final LockOwner owner, final IntentChain chain, final ChainCache cache)
    {
        if (mode == LockMode.EXCLUSIVE)
        {
            unlock(node, path, chain, cache);
            return;
        }
        node.holderClear(owner);
        final long one = type == LockType.POINT ? TrieNode.SP_ONE : TrieNode.SS_ONE;
        for (;;)
        {
            final long s = node.stateVolatile();
            if (node.compareAndSetState(s, s - one))
            {
                break;
            }
        }
        if (type == LockType.SUBTREE)
        {
            sharedSubtreeHolds.decrementAndGet();
        }
        if (node.waitersVolatile() > 0)
        {
            signalAll(node, false);
        }
        lowerChain(node.parent, true);
    }

    private static void clearHold(final TrieNode node)
    {
        node.holderRelease(null);
        for (;;)
        {
            final long s = node.stateVolatile();
            if (node.compareAndSetState(s, s & ~TrieNode.HOLD_MASK))
            {
                break;
            }
        }
        if (node.waitersVolatile() > 0)
        {
            signalAll(node, false);
        }
    }

    /**
     * IN_USE -> CACHED; then, if a SUBTREE waiter waits on any of its nodes, revoke it (8c). A chain
     * through a node held SUBTREE-SHARED (the releaser's own, granted while the chain was in use) is
     * revoked instead: cached, another handle of the thread could take it past that SUBTREE (9).
     */
    private void releaseChain(final IntentChain c)
    {
        c.stateVolatile(IntentChain.CACHED);
        if (sharedSubtreeHolds.get() != 0 && throughSharedSubtree(c.nodes))
        {
            revoke(c);
            return;
        }
        wakeThroughChain(c);
    }

    private static boolean throughSharedSubtree(final TrieNode[] nodes)
    {
        for (final TrieNode a : nodes)
        {
            if ((a.stateVolatile() & TrieNode.SS_MASK) != 0)
            {
                return true;
            }
        }
        return false;
    }

    private void wakeThroughChain(final IntentChain c)
    {
        if (waitCounts.intentWaitersVolatile() == 0)
        {
            // No intent waiter anywhere: one read instead of one per node of the chain (8c holds:
            // a waiter raises the table-wide count before the node's, both before its retry).
            return;
        }
        for (final TrieNode n : c.nodes)
        {
            if (n.intentWaitersVolatile() > 0)
            {
                revoke(c);
                return;
            }
        }
    }

    /**
     * Keeps the raises from the root to {@code parent} (made by a walk for a lock on {@code path},
     * now released) as a cached chain of the calling thread, if its cache has room for it.
     *
     * @return false if the caller must lower them.
     */
    private boolean keepChain(final TrieNode parent, final LockPath path, final ChainCache cache)
    {
        final int slot = ChainCache.slotOfChild(path);
        final IntentChain occupant = cache.get(slot);
        if (occupant != null)
        {
            final int st = occupant.stateVolatile();
            if (st != IntentChain.REVOKED)
            {
                // One chain per parent and slot; another parent's cached chain is replaced only
                // after it missed many times.
                if (st != IntentChain.CACHED || path.isChildOf(occupant.parentPath)
                    || ++cache.misses[slot] < ChainCache.EVICT_AFTER_MISSES)
                {
                    return path.depth() > 2 && keepTopChain(parent, path, cache);
                }
                revoke(occupant);
            }
        }
        final LockPath parentPath = path.parent();
        int depth = 0;
        for (TrieNode m = parent; m != null; m = m.parent)
        {
            depth++;
        }
        final TrieNode[] nodes = new TrieNode[depth];
        TrieNode m = parent;
        for (int i = depth - 1; i >= 0; i--, m = m.parent)
        {
            nodes[i] = m;
        }
        if (sharedSubtreeHolds.get() != 0 && throughSharedSubtree(nodes))
        {
            // Only this caller's own SUBTREE-SHARED lets an exclusive raise through a shared
            // SUBTREE; a cached chain there could serve another handle of this thread (9).
            return false;
        }
        final IntentChain c = new IntentChain(nodes, parentPath);
        if (!chains.add(c))
        {
            cache.set(slot, null);
            return false;
        }
        cache.set(slot, c);
        cache.misses[slot] = 0;
        c.recentlyUsed = true;
        releaseChain(c);
        return true;
    }

    /**
     * When the parent's chain cannot be kept: keeps the raises of the root and the top-level directory
     * as that directory's chain, if its slot is free, and lowers the rest (invariant 8). False (nothing
     * done) if the slot is taken.
     */
    private boolean keepTopChain(final TrieNode parent, final LockPath path, final ChainCache cache)
    {
        final int slot = ChainCache.topSlotOfHash(topHash(path));
        final IntentChain occupant = cache.get(slot);
        if (occupant != null && occupant.stateVolatile() != IntentChain.REVOKED)
        {
            return false;
        }
        TrieNode top = parent;
        while (top.parent.parent != null)
        {
            top = top.parent;
        }
        final TrieNode[] nodes = {top.parent, top};
        if (sharedSubtreeHolds.get() != 0 && throughSharedSubtree(nodes))
        {
            return false;
        }
        final IntentChain c = new IntentChain(nodes, path.prefix(1));
        if (!chains.add(c))
        {
            cache.set(slot, null);
            return false;
        }
        lowerUntil(parent, top);
        cache.set(slot, c);
        cache.misses[slot] = 0;
        c.recentlyUsed = true;
        releaseChain(c);
        return true;
    }

    /**
     * Revokes a CACHED chain: lowers its raises (leaf first) and forgets it (invariant 8).
     *
     * @param c the chain.
     * @return false if it was not CACHED (in use, or revoked already).
     */
    boolean revoke(final IntentChain c)
    {
        if (!c.compareAndSetState(IntentChain.CACHED, IntentChain.REVOKED))
        {
            return false;
        }
        lowerAll(c);
        return true;
    }

    /** Gives up a chain this thread took (IN_USE): lowers its raises and forgets it (8b). */
    private void abandon(final IntentChain c)
    {
        c.stateVolatile(IntentChain.REVOKED);
        lowerAll(c);
    }

    private void lowerAll(final IntentChain c)
    {
        chains.remove(c);
        for (int i = c.nodes.length - 1; i >= 0; i--)
        {
            lower(c.nodes[i], false);
        }
    }

    /**
     * Number of cached intent chains registered now (for tests and observers).
     *
     * @return the count.
     */
    public int cachedChains()
    {
        return chains.size();
    }

    /**
     * Revokes every CACHED intent chain now (for tests; the sweep does it for idle ones).
     *
     * @return how many were revoked.
     */
    public int revokeCachedChains()
    {
        final int[] n = new int[1];
        chains.forEach(c ->
        {
            if (revoke(c))
            {
                n[0]++;
            }
        });
        return n[0];
    }

    /**
     * The fencing token of a batch granted by the caller, taken after all its claims (see FENCING
     * TOKENS in the class comment): above the token of every grant that happened before it and
     * conflicts with it.
     *
     * @param nodes the nodes granted (the first {@code count}).
     * @param count how many.
     * @param subtree whether the batch has a SUBTREE (or an upgrade to one).
     * @return the token, at least 1.
     */
    public long grantToken(final TrieNode[] nodes, final int count, final boolean subtree)
    {
        if (subtree)
        {
            return epochs.next() << TOKEN_SUB_BITS;
        }
        final long e = epochs.current();
        long t = (e << TOKEN_SUB_BITS) + 1;
        for (int i = 0; i < count; i++)
        {
            t = Math.max(t, nodes[i].grantToken + 1);
        }
        if ((t >>> TOKEN_SUB_BITS) > e)
        {
            epochs.advanceTo(t >>> TOKEN_SUB_BITS);
        }
        return t;
    }

    /**
     * Undoes an upgrade made by {@link #tryLock} with {@code upgrade = true}: SUBTREE back to the
     * caller's POINT. Wakes waiters.
     *
     * @param node the node the caller upgraded.
     */
    public void downgrade(final TrieNode node)
    {
        for (;;)
        {
            final long s = node.stateVolatile();
            if (node.compareAndSetState(s, (s & ~TrieNode.HOLD_MASK) | TrieNode.HOLD_POINT))
            {
                break;
            }
        }
        if (node.waitersVolatile() > 0)
        {
            signalAll(node, false);
        }
    }

    /**
     * Records a grant on a node the caller locked: its token (read by the next grant on the node,
     * see {@link TrieNode#grantToken()}), its time and its owner (for conflict reports and
     * reentrancy).
     *
     * @param node a node locked by the caller.
     * @param owner the owner.
     * @param token the grant's fencing token.
     * @param nanos the grant's time.
     */
    public static void attachHolder(final TrieNode node, final LockOwner owner, final long token, final long nanos)
    {
        node.grantToken = token;
        node.grantNanos = nanos;
        node.holderRelease(owner);
    }

    /**
     * Records a shared grant on a node the caller holds shared: raises the node's token to at least
     * this grant's (several shared holders write it; the next exclusive grant reads the largest),
     * and attaches the owner for conflict reports (the last shared holder to attach is named).
     *
     * @param node a node locked shared by the caller.
     * @param owner the owner.
     * @param token the grant's fencing token.
     * @param nanos the grant's time.
     */
    public static void attachSharedHolder(final TrieNode node, final LockOwner owner, final long token, final long nanos)
    {
        node.grantTokenMax(token);
        node.grantNanos = nanos;
        node.holderRelease(owner);
    }

    /**
     * Registers a waiter on the node of a conflict, so that the next change of that node signals it.
     * After registering, the caller must retry once before it waits (invariant 5).
     *
     * @param waiter the waiter (not registered elsewhere).
     * @param conflict the conflict returned by the last attempt.
     * @param markPending whether to place a pending mark (a SUBTREE request blocked at its own node).
     * @return false if the node was unlinked meanwhile (retry at once; nothing is registered).
     */
    public boolean register(final TableWaiter waiter, final Conflict conflict, final boolean markPending)
    {
        return register(waiter, conflict, markPending ? MARK_ALL : MARK_NONE);
    }

    /**
     * Registers a waiter on the node of a conflict, placing a pending mark of a kind (invariant 6).
     * After registering, the caller must retry once before it waits (invariant 5).
     *
     * @param waiter the waiter (not registered elsewhere).
     * @param conflict the conflict returned by the last attempt.
     * @param markKind {@link #MARK_NONE}, {@link #MARK_ALL}, {@link #MARK_EXCLUSIVE} or {@link #MARK_SHARED}.
     * @return false if the node was unlinked meanwhile (retry at once; nothing is registered).
     */
    public boolean register(final TableWaiter waiter, final Conflict conflict, final int markKind)
    {
        final TrieNode n = conflict.node;
        waiter.resetSignal();
        // At most one mark per waiter, on the node it is blocked on now: a waiter that keeps a mark
        // while it waits elsewhere is a holder of that mark, and two such batches close a wait cycle
        // (invariant 6).
        final boolean markPending = markKind != MARK_NONE;
        releasePendingMarks(waiter, markPending ? n : null, markKind);
        if (markPending && !waiter.isPendingAt(n))
        {
            waitCounts.addPending(1);
            n.addPendingMark(markKind, 1);
            waiter.addPendingMark(n, markKind);
        }
        final boolean intent = conflict.kind == ConflictKind.HELD_BELOW;
        n.queue().add(waiter);
        n.addWaiters(1);
        if (intent)
        {
            // Table-wide first, then the node's: a releaser that reads the node's count after the
            // table-wide one sees this registration whenever it saw the table-wide increment (8c).
            waitCounts.addIntentWaiters(1);
            n.addIntentWaiters(1);
        }
        waiter.registeredOn = n;
        waiter.registeredForIntent = intent;
        if ((n.stateVolatile() & TrieNode.DEAD) != 0)
        {
            deregister(waiter);
            return false;
        }
        return true;
    }

    /**
     * Whether the waiter's registration covers a conflict, so that parking on it cannot miss the
     * change that resolves the conflict: same node, and registered for intent changes exactly when
     * the conflict is about locks below (those changes signal only intent waiters).
     *
     * @param waiter a registered waiter.
     * @param conflict the conflict of the retry made after registering.
     * @return true if the waiter may park.
     */
    public boolean registrationCovers(final TableWaiter waiter, final Conflict conflict)
    {
        return waiter.registeredOn == conflict.node
            && waiter.registeredForIntent == (conflict.kind == ConflictKind.HELD_BELOW);
    }

    /**
     * Removes a waiter's registration, if any. Keeps its pending marks.
     *
     * @param waiter the waiter.
     */
    public void deregister(final TableWaiter waiter)
    {
        final TrieNode n = waiter.registeredOn;
        if (n == null)
        {
            return;
        }
        waiter.registeredOn = null;
        if (waiter.registeredForIntent)
        {
            n.addIntentWaiters(-1);
            waitCounts.addIntentWaiters(-1);
        }
        n.addWaiters(-1);
        final ConcurrentLinkedQueue<TableWaiter> q = n.queueOrNull();
        if (q != null)
        {
            q.remove(waiter);
        }
    }

    /**
     * Removes the waiter's registration and all its pending marks, waking those who waited on them.
     *
     * @param waiter the waiter.
     */
    public void finish(final TableWaiter waiter)
    {
        deregister(waiter);
        releasePendingMarks(waiter, null, MARK_NONE);
    }

    private void releasePendingMarks(final TableWaiter waiter, final TrieNode keep, final int keepKind)
    {
        boolean kept = false;
        for (int i = 0; i < waiter.pendingMarkCount(); i++)
        {
            final TrieNode n = waiter.pendingMark(i);
            final int kind = waiter.pendingMarkKind(i);
            if (n == keep && kind == keepKind)
            {
                kept = true;
                continue;
            }
            final int left = n.addPendingMark(kind, -1);
            waitCounts.addPending(-1);
            if (n.waitersVolatile() > 0 && (left == 0 || kind != MARK_ALL))
            {
                signalAll(n, false);
            }
        }
        waiter.clearPendingMarks();
        if (kept)
        {
            waiter.addPendingMark(keep, keepKind);
        }
    }

    /**
     * Number of nodes currently linked (or unlinked but not yet counted out), root included.
     *
     * @return the node count.
     */
    public long nodeCount()
    {
        return nodeCount.get();
    }

    /**
     * Sweeps now: revokes every cached intent chain (invariant 8) and unlinks every idle node
     * (invariant 7). Safe to run concurrently with any operation.
     *
     * @return the node count after the sweep.
     */
    public long reclaimIdle()
    {
        revokeCachedChains();
        return sweepNow(false);
    }

    /** The amortised sweep: revokes the chains unused since the last sweep (8d), then sweeps. */
    private long sweepIdle()
    {
        chains.forEach(c ->
        {
            if (c.stateVolatile() == IntentChain.CACHED)
            {
                if (c.recentlyUsed)
                {
                    c.recentlyUsed = false;
                }
                else
                {
                    revoke(c);
                }
            }
        });
        return sweepNow(true);
    }

    private long sweepNow(final boolean secondChance)
    {
        if (secondChance)
        {
            spareBudget = reclaimMinNodes;
        }
        sweep(root, secondChance);
        final long n = nodeCount.get();
        reclaimThreshold = Math.max(reclaimMinNodes, 2 * n);
        return n;
    }

    /**
     * Finds some holder record at or below a node, for conflict reports. Bounded: visits at most
     * {@code limit} nodes.
     *
     * @param node where to start.
     * @param limit most nodes to visit.
     * @return a held node, or null if none was found within the limit.
     */
    public TrieNode findHeldBelow(final TrieNode node, final int limit)
    {
        final ArrayDeque<TrieNode> stack = new ArrayDeque<>();
        final ConcurrentHashMap<String, TrieNode> top = node.childrenOrNull();
        if (top == null)
        {
            return null;
        }
        stack.addAll(top.values());
        int visited = 0;
        while (!stack.isEmpty() && visited++ < limit)
        {
            final TrieNode n = stack.pop();
            if ((n.stateVolatile() & (TrieNode.HOLD_MASK | TrieNode.SHARED_HOLD_MASK)) != 0)
            {
                return n;
            }
            final ConcurrentHashMap<String, TrieNode> c = n.childrenOrNull();
            if (c != null)
            {
                stack.addAll(c.values());
            }
        }
        return null;
    }

    /**
     * Pending marks (of every kind) on a path's node now, for diagnostics and tests: 0 when the node
     * does not exist. Reads only.
     *
     * @param path the path.
     * @return the mark count on its node.
     */
    public int pendingMarksAt(final LockPath path)
    {
        TrieNode n = root;
        for (int d = 0; d < path.depth() && n != null; d++)
        {
            final ConcurrentHashMap<String, TrieNode> c = n.childrenOrNull();
            n = c == null ? null : c.get(path.segment(d));
        }
        return n == null ? 0 : n.pendingVolatile();
    }

    /**
     * The root node (for observers and tests).
     *
     * @return the root.
     */
    public TrieNode root()
    {
        return root;
    }

    // ---- steps ---------------------------------------------------------------------------------

    /**
     * Raises exclusive ({@code shared} false) or shared intent on an ancestor. Refused by a
     * SUBTREE-EXCLUSIVE hold; an exclusive raise also by a SUBTREE-SHARED hold other than the
     * caller's own ({@code ownSs}). A count whose base field is full inflates the node and goes to
     * the cells (no silent wrap).
     */
    private int raise(final TrieNode n, final boolean shared, final boolean ownSs, final TableWaiter waiter,
        final Conflict out)
    {
        // Fast path, kept small so that it inlines into the walk: a plain word with nothing in the
        // way (no flag, no SUBTREE-X, for IX no SUBTREE-S, the field not full, no mark). A lost CAS
        // inflates the node, as in the loop below.
        final long s = n.stateVolatile();
        final long full = shared ? TrieNode.IS_MASK : TrieNode.IX_MASK;
        final long blockers = TrieNode.DEAD | TrieNode.RECLAIMING | TrieNode.CLAIMING | TrieNode.INFLATED
            | TrieNode.HOLD_SUBTREE | (shared ? 0 : TrieNode.SS_MASK);
        if ((s & blockers) == 0 && (s & full) != full && n.pendingVolatile() == 0)
        {
            if (n.compareAndSetState(s, s + (shared ? TrieNode.IS_ONE : TrieNode.INTENT_ONE)))
            {
                return OK;
            }
            inflate(n);
        }
        return raiseSlow(n, shared, ownSs, waiter, out);
    }

    private int raiseSlow(final TrieNode n, final boolean shared, final boolean ownSs, final TableWaiter waiter,
        final Conflict out)
    {
        for (;;)
        {
            final long s = n.stateVolatile();
            if ((s & TrieNode.DEAD) != 0)
            {
                return R_DEAD;
            }
            if ((s & (TrieNode.RECLAIMING | TrieNode.CLAIMING)) != 0)
            {
                Thread.onSpinWait();
                continue;
            }
            if (TrieNode.hold(s) == TrieNode.HOLD_SUBTREE)
            {
                out.set(n, ConflictKind.HELD_SUBTREE, false);
                return R_BLOCKED;
            }
            if (!shared && (s & TrieNode.SS_MASK) != 0 && !(ownSs && TrieNode.sharedSubtrees(s) == 1))
            {
                out.set(n, ConflictKind.HELD_SUBTREE_SHARED, false);
                return R_BLOCKED;
            }
            if (n.pendingVolatile() > 0 && refusedByMark(n, shared ? OP_RAISE_SHARED : OP_EXCLUSIVE) && !exempt(waiter, n))
            {
                out.set(n, ConflictKind.PENDING_SUBTREE, false);
                return R_BLOCKED;
            }
            if ((s & TrieNode.INFLATED) == 0)
            {
                final long one = shared ? TrieNode.IS_ONE : TrieNode.INTENT_ONE;
                final long mask = shared ? TrieNode.IS_MASK : TrieNode.IX_MASK;
                if ((s & mask) != mask && n.compareAndSetState(s, s + one))
                {
                    return OK;
                }
                inflate(n);
                continue;
            }

            final long[] cells = n.cellsVolatile();
            final int index = TrieNode.cellIndex() + (shared ? TrieNode.CELL_IS : 0);
            TrieNode.addCellVolatile(cells, index, 1);
            long s2 = n.stateVolatile();
            while ((s2 & TrieNode.CLAIMING) != 0)
            {
                // A SUBTREE claim is summing the cells: it either counted this raise (and will back
                // out) or not (and will stand). Wait for its outcome with the raise in place.
                Thread.onSpinWait();
                s2 = n.stateVolatile();
            }
            final boolean blockedShared = !shared && (s2 & TrieNode.SS_MASK) != 0
                && !(ownSs && TrieNode.sharedSubtrees(s2) == 1);
            if (TrieNode.hold(s2) == TrieNode.HOLD_SUBTREE || blockedShared
                || (s2 & (TrieNode.DEAD | TrieNode.RECLAIMING)) != 0)
            {
                TrieNode.addCellVolatile(cells, index, -1);
                if (n.intentWaitersVolatile() > 0)
                {
                    signalAll(n, true);
                }
                if ((s2 & TrieNode.DEAD) != 0)
                {
                    return R_DEAD;
                }
                if ((s2 & TrieNode.RECLAIMING) != 0)
                {
                    Thread.onSpinWait();
                    continue;
                }
                out.set(n, blockedShared && TrieNode.hold(s2) != TrieNode.HOLD_SUBTREE
                    ? ConflictKind.HELD_SUBTREE_SHARED : ConflictKind.HELD_SUBTREE, false);
                return R_BLOCKED;
            }
            return OK;
        }
    }

    private static void inflate(final TrieNode n)
    {
        n.inflateCells();
        for (;;)
        {
            final long s = n.stateVolatile();
            if ((s & (TrieNode.INFLATED | TrieNode.DEAD)) != 0 || n.compareAndSetState(s, s | TrieNode.INFLATED))
            {
                return;
            }
        }
    }

    private void lower(final TrieNode n, final boolean shared)
    {
        for (;;)
        {
            final long s = n.stateVolatile();
            if ((s & TrieNode.INFLATED) == 0)
            {
                if (n.compareAndSetState(s, s - (shared ? TrieNode.IS_ONE : TrieNode.INTENT_ONE)))
                {
                    break;
                }
            }
            else
            {
                TrieNode.addCellVolatile(n.cellsVolatile(), TrieNode.cellIndex() + (shared ? TrieNode.CELL_IS : 0), -1);
                break;
            }
        }
        if (n.intentWaitersVolatile() > 0)
        {
            signalAll(n, true);
        }
    }

    private void lowerChain(final TrieNode from)
    {
        lowerChain(from, false);
    }

    private void lowerChain(final TrieNode from, final boolean shared)
    {
        for (TrieNode m = from; m != null; m = m.parent)
        {
            lower(m, shared);
        }
    }

    /** A step that respects pending marks: an exclusive raise or claim. */
    private static final int OP_EXCLUSIVE = 0;
    /** A shared raise (compatible with SUBTREE-SHARED waiters). */
    private static final int OP_RAISE_SHARED = 1;
    /** A shared claim on the marked node. */
    private static final int OP_CLAIM_SHARED = 2;

    /**
     * Whether the marks on {@code n} (pending > 0) refuse a step (invariant 6): a MARK_ALL refuses
     * everything; a MARK_EXCLUSIVE (SUBTREE-SHARED waiter) refuses exclusive raises and claims; a
     * MARK_SHARED (exclusive waiter blocked by shared holders) refuses shared claims on the node.
     */
    private static boolean refusedByMark(final TrieNode n, final int op)
    {
        final int total = n.pendingVolatile();
        final int x = n.pendingExclusiveVolatile();
        final int sh = n.pendingSharedVolatile();
        if (total - x - sh > 0)
        {
            return true;
        }
        switch (op)
        {
            case OP_EXCLUSIVE:
                return x > 0;
            case OP_CLAIM_SHARED:
                return sh > 0;
            default:
                return false;
        }
    }

    /**
     * Pending marks do not stop the waiter that placed them, nor a requester that holds a lock on
     * or below the marked node: the pending SUBTREE waiter may be waiting for exactly that lock,
     * and stopping its holder would close a wait cycle that the waiter, holding nothing, did not
     * create. A requester whose locks all lie elsewhere cannot be awaited there and respects the
     * mark (exempting every requester that held anything let a stream of POINTs from such handles
     * starve the SUBTREE waiter).
     */
    private static boolean exempt(final TableWaiter waiter, final TrieNode n)
    {
        return waiter != null && (waiter.isPendingAt(n) || waiter.mayBeAwaitedAt(n));
    }

    /**
     * Whether some waiter other than {@code self} may be waiting for a lock held on {@code held}:
     * a waiter is registered on {@code held} itself, or a SUBTREE waiter blocked by the locks below
     * one of its ancestors is registered there (it may be waiting for this one). Conservative (it may
     * answer true for a waiter that waits for another holder's lock) and O(depth). Used by the
     * facade's rule for pending marks (invariant 6): a requester whose locks are awaited ignores
     * marks, because respecting one could close a wait cycle through it.
     *
     * @param held a node the caller holds a lock on.
     * @param self the caller's own waiter (its registration does not count), or null.
     * @return true if another waiter may be waiting for the lock on {@code held}.
     */
    public static boolean isAwaited(final TrieNode held, final TableWaiter self)
    {
        final int own = self != null && self.registeredOn == held ? 1 : 0;
        if (held.waitersVolatile() > own)
        {
            return true;
        }
        for (TrieNode a = held.parent; a != null; a = a.parent)
        {
            final int ownIntent = self != null && self.registeredOn == a && self.registeredForIntent ? 1 : 0;
            if (a.intentWaitersVolatile() > ownIntent)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code ancestor} is {@code node} or one of its ancestors in this trie.
     *
     * @param ancestor a node.
     * @param node a node.
     * @return true if {@code ancestor} lies on the path from the root to {@code node}.
     */
    public static boolean isAncestorOrSelf(final TrieNode ancestor, final TrieNode node)
    {
        for (TrieNode m = node; m != null; m = m.parent)
        {
            if (m == ancestor)
            {
                return true;
            }
        }
        return false;
    }

    /** The conflict kind of a node's holds, exclusive first. */
    private static ConflictKind heldKind(final long s)
    {
        final long hold = TrieNode.hold(s);
        if (hold == TrieNode.HOLD_SUBTREE)
        {
            return ConflictKind.HELD_SUBTREE;
        }
        if (hold == TrieNode.HOLD_POINT)
        {
            return ConflictKind.HELD_POINT;
        }
        return (s & TrieNode.SS_MASK) != 0 ? ConflictKind.HELD_SUBTREE_SHARED : ConflictKind.HELD_POINT_SHARED;
    }

    /**
     * POINT claim. Shared: no exclusive hold on the node. Exclusive: no hold of any kind but the
     * caller's own POINT-SHARED ({@code from}).
     */
    private static int claimPoint(final TrieNode n, final boolean shared, final int from, final TableWaiter waiter,
        final Conflict out)
    {
        final long ownSp = from == FROM_POINT_SHARED ? TrieNode.SP_ONE : 0;
        for (;;)
        {
            final long s = n.stateVolatile();
            if ((s & TrieNode.DEAD) != 0)
            {
                return R_DEAD;
            }
            if ((s & (TrieNode.RECLAIMING | TrieNode.CLAIMING)) != 0)
            {
                Thread.onSpinWait();
                continue;
            }
            final long others = shared ? s & TrieNode.HOLD_MASK : (s & (TrieNode.HOLD_MASK | TrieNode.SHARED_HOLD_MASK)) - ownSp;
            if (others != 0)
            {
                out.set(n, heldKind(s - ownSp), true);
                return R_BLOCKED;
            }
            if (n.pendingVolatile() > 0 && refusedByMark(n, shared ? OP_CLAIM_SHARED : OP_EXCLUSIVE) && !exempt(waiter, n))
            {
                out.set(n, ConflictKind.PENDING_SUBTREE, true);
                return R_BLOCKED;
            }
            final long claimed;
            if (shared)
            {
                if ((s & TrieNode.SP_MASK) == TrieNode.SP_MASK)
                {
                    return R_FULL;
                }
                claimed = s + TrieNode.SP_ONE;
            }
            else
            {
                claimed = s - ownSp + TrieNode.HOLD_POINT;
            }
            if (n.compareAndSetState(s, claimed))
            {
                return OK;
            }
        }
    }

    /**
     * SUBTREE claim (PROTOCOL): exclusive needs no hold but the caller's own ({@code from}) and
     * IX + IS == ownBelow; shared needs no exclusive hold and IX == ownBelowExclusive. On an
     * inflated node the intent is summed under CLAIMING.
     */
    private int claimSubtree(
        final TrieNode n, final boolean shared, final int ownBelow, final int ownBelowExclusive, final int from,
        final TableWaiter waiter, final Conflict out)
    {
        final long ownHold = from == FROM_POINT_EXCLUSIVE ? TrieNode.HOLD_POINT
            : from == FROM_POINT_SHARED ? TrieNode.SP_ONE
            : from == FROM_SUBTREE_SHARED ? TrieNode.SS_ONE : 0;
        final long delta = conversionDelta(from, LockType.SUBTREE, shared);
        final long expected = shared ? ownBelowExclusive : ownBelow;
        for (;;)
        {
            final long s = n.stateVolatile();
            if ((s & TrieNode.DEAD) != 0)
            {
                return R_DEAD;
            }
            if ((s & (TrieNode.RECLAIMING | TrieNode.CLAIMING)) != 0)
            {
                Thread.onSpinWait();
                continue;
            }
            final long others = (s & (TrieNode.HOLD_MASK | (shared ? 0 : TrieNode.SHARED_HOLD_MASK))) - (shared ? 0 : ownHold);
            if (others != 0)
            {
                out.set(n, heldKind(s - ownHold), true);
                return R_BLOCKED;
            }
            if (n.pendingVolatile() > 0 && refusedByMark(n, shared ? OP_CLAIM_SHARED : OP_EXCLUSIVE) && !exempt(waiter, n))
            {
                out.set(n, ConflictKind.PENDING_SUBTREE, true);
                return R_BLOCKED;
            }
            if (shared && (s & TrieNode.SS_MASK) == TrieNode.SS_MASK)
            {
                return R_FULL;
            }
            final long claimed = s + delta;
            if ((s & TrieNode.INFLATED) == 0)
            {
                final long intent = shared ? TrieNode.base(s) : TrieNode.base(s) + TrieNode.baseShared(s);
                if (intent != expected)
                {
                    if (chains.revokeThrough(this, n) > 0)
                    {
                        continue;
                    }
                    out.set(n, ConflictKind.HELD_BELOW, true);
                    return R_BLOCKED;
                }
                if (n.compareAndSetState(s, claimed))
                {
                    return OK;
                }
                continue;
            }

            if (!n.compareAndSetState(s, claimed | TrieNode.CLAIMING))
            {
                continue;
            }
            final long[] cells = n.cellsVolatile();
            long intent = TrieNode.base(s) + TrieNode.sumCellsVolatile(cells, 0);
            if (!shared)
            {
                intent += TrieNode.baseShared(s) + TrieNode.sumCellsVolatile(cells, TrieNode.CELL_IS);
            }
            if (intent == expected)
            {
                // Only CLAIMING is cleared here; shared holders may release meanwhile (they change
                // their own counts only), so the CAS loops.
                for (;;)
                {
                    final long c = n.stateVolatile();
                    if (n.compareAndSetState(c, c & ~TrieNode.CLAIMING))
                    {
                        return OK;
                    }
                }
            }
            for (;;)
            {
                final long c = n.stateVolatile();
                if (n.compareAndSetState(c, (c - delta) & ~TrieNode.CLAIMING))
                {
                    break;
                }
            }
            if (n.waitersVolatile() > 0)
            {
                signalAll(n, false);
            }
            if (chains.revokeThrough(this, n) > 0)
            {
                continue;
            }
            out.set(n, ConflictKind.HELD_BELOW, true);
            return R_BLOCKED;
        }
    }

    /** Marks a node found by a lookup, a chain or a resolved path as referenced, for the sweep (7); returns it. */
    private static TrieNode touched(final TrieNode n)
    {
        if (!n.referenced)
        {
            // Read first: a node found often is written once per sweep, not once per lookup.
            n.referenced = true;
        }
        return n;
    }

    private TrieNode childOf(final TrieNode parent, final String name)
    {
        final ConcurrentHashMap<String, TrieNode> m = parent.children();
        for (;;)
        {
            TrieNode c = m.get(name);
            if (c == null)
            {
                final TrieNode fresh = new TrieNode(parent, name);
                c = m.putIfAbsent(name, fresh);
                if (c == null)
                {
                    if (nodeCount.incrementAndGet() > reclaimThreshold && sweeping.compareAndSet(false, true))
                    {
                        try
                        {
                            sweepIdle();
                        }
                        finally
                        {
                            sweeping.set(false);
                        }
                    }
                    return fresh;
                }
            }
            if ((c.stateVolatile() & TrieNode.DEAD) != 0)
            {
                m.remove(name, c);
                continue;
            }
            return touched(c);
        }
    }

    private static void signalAll(final TrieNode n, final boolean intentOnly)
    {
        final ConcurrentLinkedQueue<TableWaiter> q = n.queueOrNull();
        if (q == null)
        {
            return;
        }
        for (final TableWaiter w : q)
        {
            if (!intentOnly || w.registeredForIntent)
            {
                w.signal();
            }
        }
    }

    // ---- reclamation ---------------------------------------------------------------------------

    private void sweep(final TrieNode n, final boolean secondChance)
    {
        final ConcurrentHashMap<String, TrieNode> children = n.childrenOrNull();
        if (children == null)
        {
            return;
        }
        for (final TrieNode c : children.values())
        {
            sweep(c, secondChance);
            if (secondChance && c.referenced)
            {
                // Used since the last sweep: kept once more, within the sweep's budget (invariant 7).
                c.referenced = false;
                if (spareBudget > 0)
                {
                    spareBudget--;
                    continue;
                }
            }
            tryReclaim(c);
        }
    }

    private void tryReclaim(final TrieNode n)
    {
        final long s = n.stateVolatile();
        if ((s & (TrieNode.HOLD_MASK | TrieNode.SHARED_HOLD_MASK | TrieNode.DEAD | TrieNode.RECLAIMING)) != 0
            || n.waitersVolatile() != 0 || n.pendingVolatile() != 0)
        {
            return;
        }
        // The next node of this path starts with no token history: before this one is marked DEAD,
        // the epoch passes its last token's (FENCING TOKENS).
        if ((s & TrieNode.INFLATED) == 0)
        {
            if ((s & TrieNode.COUNTS_MASK) != 0)
            {
                return;
            }
            epochs.advanceTo((n.grantToken >>> TOKEN_SUB_BITS) + 1);
            if (!n.compareAndSetState(s, TrieNode.DEAD))
            {
                return;
            }
        }
        else
        {
            // Base is frozen once inflated; raises and lowers go to the cells, so the sum decides.
            if (!n.compareAndSetState(s, s | TrieNode.RECLAIMING))
            {
                return;
            }
            final long[] cells = n.cellsVolatile();
            if (TrieNode.base(s) + TrieNode.sumCellsVolatile(cells, 0) != 0
                || TrieNode.baseShared(s) + TrieNode.sumCellsVolatile(cells, TrieNode.CELL_IS) != 0
                || (s & TrieNode.SHARED_HOLD_MASK) != 0)
            {
                n.stateVolatile(s);
                return;
            }
            epochs.advanceTo((n.grantToken >>> TOKEN_SUB_BITS) + 1);
            n.stateVolatile(s | TrieNode.DEAD);
        }
        n.parent.children().remove(n.name, n);
        nodeCount.addAndGet(-(1 + countBelow(n)));
        if (n.waitersVolatile() > 0)
        {
            signalAll(n, false);
        }
    }

    private static long countBelow(final TrieNode n)
    {
        final ConcurrentHashMap<String, TrieNode> c = n.childrenOrNull();
        if (c == null)
        {
            return 0;
        }
        long count = 0;
        for (final TrieNode child : c.values())
        {
            count += 1 + countBelow(child);
        }
        return count;
    }
}

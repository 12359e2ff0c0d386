package io.pathlock.bench.report;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The one table of what the suite runs and how the report reads it: benchmark → baseline → target.
 * Adding a benchmark to the report is one line here:
 * <ul>
 *   <li>{@link #COMPARISONS}: {@code cmp(subject, baseline)} adds a "vs baseline" ratio to the
 *       subject's rows (baseline from the same run, same parameters unless pinned);</li>
 *   <li>{@link #TARGETS}: {@code target(id, issue, text, subject, baseline, rule, limit)} checks a
 *       figure an issue promises and lists it in the report's headline table;</li>
 *   <li>{@link #CHARTS}: {@code chart(file, title, subjects, xParam)} draws a scaling chart;</li>
 *   <li>{@link #JMH_GROUPS} and {@link #HARNESSES}: what {@code run-all.sh} runs (JMH benchmarks by
 *       regex; harness {@code main}s by class name, skipped with a note when absent from the jar).</li>
 * </ul>
 * Selectors are written as in {@link Selector}: names relative to {@code io.pathlock.bench.},
 * {@code [k=v]} pins a parameter, {@code #p99} picks a metric, {@code .hgrm} stems contain a {@code -}.
 *
 * <p>Lock files ({@code file.*}): {@code FileStoreBenchmark} (POINT per backend and write dialect vs
 * {@code pointFloorC}, the store's descriptor-relative syscalls in C, and {@code pointFloorPathC}, the
 * pre-rework path-based sequence), {@code FileStoreSubtreeBenchmark} (SUBTREE by tree size, {@code dirs}
 * = 100, 1,000, 10,000 leaf directories, and dialect, vs {@code walkFloorC} and
 * {@code subtreeSequenceFloorC}), the {@code PointInterleaved} harness (store and C floors in
 * alternating blocks, per backend and dialect; targets 3.1/3.1o use it because it is the figure that
 * survives a loaded machine) and
 * the cross-process {@code HandoffLatency} harness ({@code handoff-xprocess-<backend>.hgrm}, target 3.3).
 *
 * <p>The host lock table ({@code host.*}, issue 12, area {@code host}): {@code HostPointBenchmark} (POINT
 * at depth 4 by store: {@code table}, {@code table.ragfs}, {@code files}; sample time, so targets 12.1
 * and 12.1r use the median), {@code HostSubtreeBenchmark} (SUBTREE after history vs fresh, 12.2 and
 * 12.2a), and the child-JVM harnesses {@code HostHandoffLatency} ({@code host-handoff-<store>.hgrm},
 * 12.3), {@code DisjointProcesses} (a Markdown table by store and process count, 12.4) and
 * {@code KillHandoff} ({@code host-kill-<store>.hgrm}, 12.5).
 *
 * <p>Tree operations ({@code tree.*}, issue 14, area {@code tree}): {@code TreeOpsBenchmark} ({@code write} of
 * 4 KiB and {@code move} of a directory of 10 files through {@code TreeOps}, by store and durability, vs
 * {@code Files.write}, an atomic write by hand ({@code safeWrite}) and {@code Files.move} of the same
 * durability), and the {@code TreeInterleaved} harness (the same rows in alternating blocks: the ratios of
 * targets 14.1, 14.1s and 14.2, which survive a loaded machine). Issue 14 sets no number: its targets are
 * {@link Target.Rule#REPORTED}.
 *
 * <p>Immutable; thread-safe.
 */
public final class Catalogue
{
    /** Package prefix omitted in selectors and tables. */
    public static final String PACKAGE = "io.pathlock.bench.";

    private Catalogue()
    {
    }

    /** The report's areas, in report order. */
    public enum Area
    {
        /** In-memory lock table and facade. */
        LOCK_TABLE("lock-table", "Lock table (in memory)",
            "Uncontended and contended acquire+release on the lock-free trie and through the facade, against a JDK "
                + "`ReentrantLock`/`StampedLock` and the naive map of read-write locks (`NaiveHierarchicalLock`)."),
        /** Lock files on disk. */
        LOCK_FILES("lock-files", "Lock files",
            "Lock-file acquire+release per POSIX backend (JNI, jnr-posix, java.nio) against the same syscalls "
                + "done in a C loop through JNI (the floor), and SUBTREE scans against a C walk of the same tree."),
        /** Redo log. */
        REDO("redo", "Redo log",
            "Durable `begin` throughput and latency by appending threads against a baseline that appends and "
                + "fdatasyncs once per record, on the same directory in the same run."),
        /** Hand-off latency. */
        HANDOFF("handoff", "Hand-off latency",
            "Time from a holder's release to the grant of a parked waiter (HdrHistogram, µs), in one process "
                + "and across processes."),
        /** The host lock table (issue 12). */
        HOST("host", "Host lock table (processes of one host, shared memory)",
            "Cross-process-capable locks through `LockManager` on `HostLockStore` (the table alone, interop none; and "
                + "with ragfs lock files, interop ragfs) against the lock-file store alone in the same run: POINT and "
                + "SUBTREE costs (JMH), hand-off and kill -9 recovery between processes (child JVMs, HdrHistogram, µs) "
                + "and the throughput of 2 processes on disjoint paths against 1."),
        /** Tree operations (issue 14). */
        TREE("tree", "Tree operations (locked, crash-safe write and move)",
            "`TreeOps.write` of a 4 KiB file and `TreeOps.move` of a directory of 10 files (locks, redo-log "
                + "bracket, temporary file and rename) on each lock store, against `Files.write`, an atomic write by "
                + "hand (temporary file, fsync, rename, directory fsync) and `Files.move` of the same durability, "
                + "without locks or redo, in the same run: the price of safety.");

        private final String key;
        private final String title;
        private final String blurb;

        Area(final String key, final String title, final String blurb)
        {
            this.key = key;
            this.title = title;
            this.blurb = blurb;
        }

        /**
         * Short key, used by {@code run-all.sh --only} and in file names.
         *
         * @return the key.
         */
        public String key()
        {
            return key;
        }

        /**
         * Section title.
         *
         * @return the title.
         */
        public String title()
        {
            return title;
        }

        /**
         * One-sentence description under the title.
         *
         * @return the text.
         */
        public String blurb()
        {
            return blurb;
        }

        /**
         * The area of a key.
         *
         * @param key the key.
         * @return the area.
         * @throws IllegalArgumentException if unknown.
         */
        public static Area ofKey(final String key)
        {
            for (final Area a : values())
            {
                if (a.key.equals(key))
                {
                    return a;
                }
            }
            throw new IllegalArgumentException("unknown area '" + key
                + "', known: lock-table, lock-files, redo, handoff, host, tree");
        }
    }

    /** Which area a measurement's name belongs to: first match wins. */
    public static final Map<Pattern, Area> AREA_RULES = orderedAreaRules();

    private static Map<Pattern, Area> orderedAreaRules()
    {
        final java.util.LinkedHashMap<Pattern, Area> m = new java.util.LinkedHashMap<>();
        // before hand-off: host-handoff-*.hgrm belongs to the host table's section
        m.put(Pattern.compile("io\\.pathlock\\.bench\\.host\\..*|host-.*"), Area.HOST);
        m.put(Pattern.compile("io\\.pathlock\\.bench\\.tree\\..*"), Area.TREE);
        m.put(Pattern.compile("io\\.pathlock\\.bench\\.(posix|file)\\..*"), Area.LOCK_FILES);
        m.put(Pattern.compile("io\\.pathlock\\.bench\\.redo\\..*|redo-.*"), Area.REDO);
        m.put(Pattern.compile("handoff-.*|.*-handoff-.*"), Area.HANDOFF);
        m.put(Pattern.compile(".*"), Area.LOCK_TABLE);
        return java.util.Collections.unmodifiableMap(m);
    }

    /**
     * The area of a measurement.
     *
     * @param m the measurement.
     * @return its area.
     */
    public static Area areaOf(final Measurement m)
    {
        for (final Map.Entry<Pattern, Area> e : AREA_RULES.entrySet())
        {
            if (e.getKey().matcher(m.name()).matches())
            {
                return e.getValue();
            }
        }
        return Area.LOCK_TABLE;
    }

    /**
     * The area of what a selector names.
     *
     * @param s the selector.
     * @return its area.
     */
    public static Area areaOf(final Selector s)
    {
        for (final Map.Entry<Pattern, Area> e : AREA_RULES.entrySet())
        {
            if (e.getKey().matcher(s.name()).matches())
            {
                return e.getValue();
            }
        }
        return Area.LOCK_TABLE;
    }

    /**
     * A ratio column: subject rows divided by their baseline from the same run.
     *
     * @param subject the rows.
     * @param baseline the baseline.
     */
    public record Comparison(Selector subject, Selector baseline)
    {
    }

    /** Ratios shown beside rows (targets add theirs too). Format: subject, baseline. */
    public static final List<Comparison> COMPARISONS = List.of(
        // lock table, uncontended, by depth: engine vs naive at the same depth and type, and vs the JDK mutexes
        cmp("table.LockDepthBenchmark.table", "table.LockDepthBenchmark.naive"),
        cmp("table.LockDepthBenchmark.table", "table.LockDepthBenchmark.reentrantLock"),
        cmp("table.LockDepthBenchmark.table", "table.LockDepthBenchmark.stampedLock"),
        cmp("table.LockDepthBenchmark.handle", "table.LockDepthBenchmark.naive"),
        cmp("table.LockDepthBenchmark.handle", "table.LockDepthBenchmark.reentrantLock"),
        cmp("table.LockDepthBenchmark.naive", "table.LockDepthBenchmark.reentrantLock"),
        // SUBTREE by history size: vs no history, and vs naive
        cmp("table.SubtreeHistoryBenchmark.table", "table.SubtreeHistoryBenchmark.table[history=0]"),
        cmp("table.SubtreeHistoryBenchmark.table", "table.SubtreeHistoryBenchmark.naive"),
        cmp("table.SubtreeHistoryBenchmark.naive", "table.SubtreeHistoryBenchmark.naive[history=0]"),
        // contention (throughput: higher is better)
        cmp("table.LockContentionBenchmark.samePathEngine", "table.LockContentionBenchmark.samePathNaive"),
        cmp("table.LockContentionBenchmark.samePathEngine", "table.LockContentionBenchmark.samePathReentrant"),
        cmp("table.LockContentionBenchmark.samePathNaive", "table.LockContentionBenchmark.samePathReentrant"),
        cmp("table.LockContentionBenchmark.ancestorDescendantEngine", "table.LockContentionBenchmark.ancestorDescendantNaive"),
        // issue 2's benchmarks: the facade vs the bare table
        cmp("LockTableBenchmark.handlePointDepth6", "LockTableBenchmark.tablePointDepth6"),
        // issue 11: the hot path against the locks a user would pick instead
        cmp("table.RealisticCallBenchmark.pathlock", "table.RealisticCallBenchmark.multiLock"),
        cmp("table.RealisticCallBenchmark.pathlock", "table.RealisticCallBenchmark.reentrantLock"),
        cmp("table.RealisticCallBenchmark.multiLock", "table.RealisticCallBenchmark.reentrantLock"),
        cmp("table.ReusedHandleBenchmark.point", "table.ReusedHandleBenchmark.reentrantLock"),
        cmp("table.ReusedHandleBenchmark.subtree", "table.ReusedHandleBenchmark.multiLockX"),
        cmp("table.ReusedHandleBenchmark.multiLockX", "table.ReusedHandleBenchmark.reentrantLock"),
        // the table's share of 11.2 / 11.3 (the same path, the same cached chain, no facade)
        cmp("table.ReusedHandleBenchmark.tablePoint", "table.ReusedHandleBenchmark.reentrantLock"),
        cmp("table.ReusedHandleBenchmark.point", "table.ReusedHandleBenchmark.tablePoint"),
        cmp("table.ReusedHandleBenchmark.tableSubtree", "table.ReusedHandleBenchmark.multiLockX"),
        cmp("table.ReusedHandleBenchmark.subtree", "table.ReusedHandleBenchmark.tableSubtree"),
        cmp("table.RandomPointBenchmark.pathlock", "table.RandomPointBenchmark.multiLock"),
        cmp("table.RandomPointBenchmark.table", "table.RandomPointBenchmark.multiLock"),
        cmp("table.RandomPointBenchmark.pathlock", "table.RandomPointBenchmark.table"),
        cmp("table.RandomPointBenchmark.tableChains", "table.RandomPointBenchmark.table"),
        cmp("table.RandomPointBenchmark.pathlock", "table.RandomPointBenchmark.tableChains"),
        cmp("table.HeldCountBenchmark.acquireOneMore", "table.HeldCountBenchmark.acquireOneMore[held=0]"),
        cmp("DisjointPathsBenchmark.table2Threads", "DisjointPathsBenchmark.table1Thread"),
        cmp("table.RandomPathsScalingBenchmark.table2Threads", "table.RandomPathsScalingBenchmark.table1Thread"),
        cmp("table.RandomPathsScalingBenchmark.handle2Threads", "table.RandomPathsScalingBenchmark.handle1Thread"),
        cmp("DisjointPathsBenchmark.handle2Threads", "DisjointPathsBenchmark.handle1Thread"),
        cmp("DisjointPathsBenchmark.reentrant2Threads", "DisjointPathsBenchmark.reentrant1Thread"),
        cmp("table.SharedReadersBenchmark.pointShared1", "table.SharedReadersBenchmark.multiLockS1"),
        cmp("table.SharedReadersBenchmark.pointShared2", "table.SharedReadersBenchmark.multiLockS2"),
        cmp("table.SharedReadersBenchmark.pointShared1", "table.SharedReadersBenchmark.rwReadLock1"),
        cmp("table.SharedReadersBenchmark.pointShared2", "table.SharedReadersBenchmark.rwReadLock2"),
        cmp("table.MixedWorkload.pathlock", "table.MixedWorkload.multilock"),
        cmp("table.MixedWorkload.pathlock", "table.MixedWorkload.naive"),
        cmp("table.MixedWorkload.pathlock#p99", "table.MixedWorkload.multilock#p99"),
        // the ceiling of the two above for any lock: no lock at all, the harness alone, in the same run
        cmp("table.MixedWorkload.none", "table.MixedWorkload.multilock"),
        cmp("table.MixedWorkload.none#p99", "table.MixedWorkload.multilock#p99"),
        // POSIX layer vs its C floor (issue 3's native access layer)
        cmp("posix.PosixPointBenchmark.pointLockFile", "posix.PosixPointBenchmark.pointFloorC"),
        cmp("posix.PosixWalkBenchmark.walk", "posix.PosixWalkBenchmark.walkFloorC"),
        // lock-file store vs its C floors, same backend-independent floor for every backend
        cmp("file.FileStoreBenchmark.point", "file.FileStoreBenchmark.pointFloorC"),
        cmp("file.FileStoreBenchmark.point", "file.FileStoreBenchmark.pointFloorPathC"),
        cmp("file.FileStoreBenchmark.pointFloorC", "file.FileStoreBenchmark.pointFloorPathC"),
        cmp("file.FileStoreSubtreeBenchmark.subtree", "file.FileStoreSubtreeBenchmark.walkFloorC"),
        cmp("file.FileStoreSubtreeBenchmark.subtree", "file.FileStoreSubtreeBenchmark.subtreeSequenceFloorC"),
        cmp("file.FileStoreSubtreeBenchmark.subtree", "file.FileStoreSubtreeBenchmark.subtree[dirs=100]"),
        cmp("file.PointInterleaved.store#p50", "file.PointInterleaved.floorC#p50"),
        cmp("file.PointInterleaved.store#p50", "file.PointInterleaved.floorPathC#p50"),
        cmp("file.SubtreeInterleaved.store#p50", "file.SubtreeInterleaved.walkFloorC#p50"),
        cmp("file.SubtreeInterleaved.store#p50", "file.SubtreeInterleaved.subtreeSequenceFloorC#p50"),
        // redo begin vs fdatasync per record, same threads (throughput)
        cmp("redo.RedoBeginBenchmark.redo", "redo.RedoBeginBenchmark.baseline"),
        // in-process hand-off vs a JDK ReentrantLock
        cmp("handoff-inprocess-pathlock#p50", "handoff-inprocess-reentrantlock#p50"),
        cmp("handoff-inprocess-pathlock#p99", "handoff-inprocess-reentrantlock#p99"),
        cmp("handoff-inprocess-naive#p99", "handoff-inprocess-reentrantlock#p99"),
        // issue 12: the host table (and the table with ragfs files) against the lock-file store, same run
        cmp("host.HostPointBenchmark.point#p50", "host.HostPointBenchmark.point[store=files]#p50"),
        cmp("host.HostPointBenchmark.point", "host.HostPointBenchmark.point[store=files]"),
        cmp("host.HostSubtreeBenchmark.subtreeAfterHistory", "host.HostSubtreeBenchmark.subtreeFresh"),
        cmp("host.DisjointProcesses.table", "host.DisjointProcesses.table[processes=1]"),
        cmp("host.DisjointProcesses.files", "host.DisjointProcesses.files[processes=1]"),
        cmp("host.DisjointProcesses.reentrantlock", "host.DisjointProcesses.reentrantlock[processes=1]"),
        cmp("host.DisjointProcesses.table", "host.DisjointProcesses.files"),
        cmp("host-handoff-table#p50", "host-handoff-files#p50"),
        cmp("host-handoff-table#p99", "host-handoff-files#p99"),
        cmp("host-kill-table#p99", "host-kill-files#p99"),
        // issue 14: tree operations vs the JDK without locks or redo, same durability (the price of safety, per store):
        // JMH (each row in its own fork) here, the interleaved harness (same rounds) in targets 14.1, 14.1s and 14.2
        cmp("tree.TreeOpsBenchmark.write", "tree.TreeOpsBenchmark.filesWrite"),
        cmp("tree.TreeOpsBenchmark.write", "tree.TreeOpsBenchmark.safeWrite"),
        cmp("tree.TreeOpsBenchmark.move", "tree.TreeOpsBenchmark.filesMove"),
        cmp("tree.TreeOpsBenchmark.safeWrite", "tree.TreeOpsBenchmark.filesWrite"),
        cmp("tree.TreeOpsBenchmark.write", "tree.TreeOpsBenchmark.write[store=memory]"),
        cmp("tree.TreeOpsBenchmark.move", "tree.TreeOpsBenchmark.move[store=memory]"),
        cmp("tree.TreeInterleaved.safeWrite#p50", "tree.TreeInterleaved.filesWrite#p50"),
        cmp("tree.TreeInterleaved.write#p50", "tree.TreeInterleaved.write[store=memory]#p50"),
        cmp("tree.TreeInterleaved.move#p50", "tree.TreeInterleaved.move[store=memory]#p50"));

    /** The figures the issues promise, in the order of the report's headline table. */
    public static final List<Target> TARGETS = List.of(
        target("2.1", 2, "POINT acquire+release at depth 6, uncontended, within 8x a JDK ReentrantLock lock+unlock (lock table)",
            "LockTableBenchmark.tablePointDepth6", "LockTableBenchmark.reentrantLockPair", Target.Rule.RATIO_AT_MOST, 8),
        target("2.1f", 2, "the same through the facade (handle tryAcquire + releaseAll, fencing token included)",
            "LockTableBenchmark.handlePointDepth6", "LockTableBenchmark.reentrantLockPair", Target.Rule.RATIO_AT_MOST, 8),
        target("2.2", 2, "SUBTREE cost independent of history: under 100,000 once-locked paths vs a fresh node, ratio at most 1.2 (lock table)",
            "LockTableBenchmark.tableSubtreeAfterHistory", "LockTableBenchmark.tableSubtreeFresh", Target.Rule.RATIO_AT_MOST, 1.2),
        target("2.2f", 2, "the same through the facade",
            "LockTableBenchmark.handleSubtreeAfterHistory", "LockTableBenchmark.handleSubtreeFresh", Target.Rule.RATIO_AT_MOST, 1.2),
        target("2.3", 2, "disjoint paths: 2 threads at least 1.6x the throughput of one (lock table)",
            "DisjointPathsBenchmark.table2Threads", "DisjointPathsBenchmark.table1Thread", Target.Rule.RATIO_AT_LEAST, 1.6),
        target("2.3f", 2, "the same through the facade",
            "DisjointPathsBenchmark.handle2Threads", "DisjointPathsBenchmark.handle1Thread", Target.Rule.RATIO_AT_LEAST, 1.6),
        target("11.1", 11, "realistic call at depth 6 (open + tryAcquire(point(String)) + close) at most 0.5x java-multilocks "
                + "(IX on each ancestor looked up by prefix in a ConcurrentHashMap, X on the target, unlock all)",
            "table.RealisticCallBenchmark.pathlock", "table.RealisticCallBenchmark.multiLock", Target.Rule.RATIO_AT_MOST, 0.5),
        target("11.1a", 11, "the same call at most 150 ns (absolute: moves with the machine and its load)",
            "table.RealisticCallBenchmark.pathlock", null, Target.Rule.AT_MOST, 150),
        target("11.2", 11, "reused handle, POINT at depth 6 (tryAcquire + releaseAll) at most 4x a JDK ReentrantLock lock+unlock",
            "table.ReusedHandleBenchmark.point", "table.ReusedHandleBenchmark.reentrantLock", Target.Rule.RATIO_AT_MOST, 4),
        target("11.2a", 11, "the same allocates nothing: at most 0.5 B/op by -prof gc (JMH's own bookkeeping shows as ~0.01 B/op)",
            "table.ReusedHandleBenchmark.point#gc.alloc.rate.norm", null, Target.Rule.AT_MOST, 0.5),
        target("11.3", 11, "reused handle, SUBTREE at depth 6 at most 0.5x java-multilocks X on the node (a HierarchicalMultiLock "
                + "chain kept by the caller: IX on the six ancestors, X on the node)",
            "table.ReusedHandleBenchmark.subtree", "table.ReusedHandleBenchmark.multiLockX", Target.Rule.RATIO_AT_MOST, 0.5),
        target("11.4", 11, "disjoint paths /data/uN/proj/src/main/f (/ and /data shared), lock table: 2 threads / 1 thread at least "
                + "0.9x the same ratio of one ReentrantLock per thread (scaling efficiency)",
            "DisjointPathsBenchmark.table2Threads", "DisjointPathsBenchmark.table1Thread", Target.Rule.RATIO_AT_LEAST, 0.9)
            .relativeTo("DisjointPathsBenchmark.reentrant2Threads", "DisjointPathsBenchmark.reentrant1Thread"),
        target("11.4f", 11, "the same through the facade (a handle per thread, tryAcquire + releaseAll)",
            "DisjointPathsBenchmark.handle2Threads", "DisjointPathsBenchmark.handle1Thread", Target.Rule.RATIO_AT_LEAST, 0.9)
            .relativeTo("DisjointPathsBenchmark.reentrant2Threads", "DisjointPathsBenchmark.reentrant1Thread"),
        target("11.5", 11, "the pathlock bench workload (mixed POINT/SUBTREE/mv, alternating blocks), 1 and 2 threads: throughput at "
                + "least 2x java-multilocks (what no lock at all reaches in the same run: MixedWorkload.none's row below)",
            "table.MixedWorkload.pathlock", "table.MixedWorkload.multilock", Target.Rule.RATIO_AT_LEAST, 2),
        target("11.5p", 11, "the same: p99 acquire latency at most 0.5x java-multilocks",
            "table.MixedWorkload.pathlock#p99", "table.MixedWorkload.multilock#p99", Target.Rule.RATIO_AT_MOST, 0.5),
        target("11.6", 11, "a handle holding 16,000 locks acquires one more POINT at most 1.5x the same call at 0 held",
            "table.HeldCountBenchmark.acquireOneMore[held=16000]", "table.HeldCountBenchmark.acquireOneMore[held=0]",
            Target.Rule.RATIO_AT_MOST, 1.5),
        target("11.7", 11, "memory per held lock beyond the path itself (100,000 POINT locks held by one handle): goal at most 128 B",
            "table.HeldMemory.pathlock#bytes/lock", null, Target.Rule.AT_MOST, 128),
        target("15.1", 15, "readers scaling: 2 threads taking POINT-SHARED on one path (reused handles), time per lock at 2 threads / "
                + "at 1 thread, at most the same slowdown as ReentrantReadWriteLock read locks (no worse than its scaling)",
            "table.SharedReadersBenchmark.pointShared2", "table.SharedReadersBenchmark.pointShared1", Target.Rule.RATIO_AT_MOST, 1)
            .relativeTo("table.SharedReadersBenchmark.rwReadLock2", "table.SharedReadersBenchmark.rwReadLock1"),
        target("15.1s", 15, "the same for SUBTREE-SHARED on one node",
            "table.SharedReadersBenchmark.subtreeShared2", "table.SharedReadersBenchmark.subtreeShared1", Target.Rule.RATIO_AT_MOST, 1)
            .relativeTo("table.SharedReadersBenchmark.rwReadLock2", "table.SharedReadersBenchmark.rwReadLock1"),
        target("15.1m", 15, "the same against java-multilocks S locks on one node",
            "table.SharedReadersBenchmark.pointShared2", "table.SharedReadersBenchmark.pointShared1", Target.Rule.RATIO_AT_MOST, 1)
            .relativeTo("table.SharedReadersBenchmark.multiLockS2", "table.SharedReadersBenchmark.multiLockS1"),
        target("3.1", 3, "POINT acquire+release at depth 4 on the lock-file store (write dialect ragfs, the default): best backend within "
                + "1.5x of the same syscalls (descriptor-relative, as strace shows them) in a C loop (interleaved harness: median of "
                + "alternating blocks of store and floor, the figure that survives a loaded machine)",
            "file.PointInterleaved.store[dialect=ragfs]#p50", "file.PointInterleaved.floorC#p50", Target.Rule.RATIO_AT_MOST, 1.5)
            .best().standIn("file.FileStoreBenchmark.point[dialect=ragfs]", "file.FileStoreBenchmark.pointFloorC"),
        target("3.1o", 3, "the same in write dialect ov431",
            "file.PointInterleaved.store[dialect=ov431]#p50", "file.PointInterleaved.floorC#p50", Target.Rule.RATIO_AT_MOST, 1.5)
            .best().standIn("file.FileStoreBenchmark.point[dialect=ov431]", "file.FileStoreBenchmark.pointFloorC"),
        target("3.1j", 3, "POINT from JMH, dialect ragfs (store and floor in separate forks: moves with background load)",
            "file.FileStoreBenchmark.point[dialect=ragfs]", "file.FileStoreBenchmark.pointFloorC", Target.Rule.RATIO_AT_MOST, 1.5)
            .best().standIn("posix.PosixPointBenchmark.pointLockFile", "posix.PosixPointBenchmark.pointFloorC"),
        target("3.1jo", 3, "POINT from JMH, dialect ov431",
            "file.FileStoreBenchmark.point[dialect=ov431]", "file.FileStoreBenchmark.pointFloorC", Target.Rule.RATIO_AT_MOST, 1.5)
            .best(),
        target("3.2", 3, "SUBTREE acquire+release over 10,000 directories (10,110), dialect ragfs, within 1.5x of a C walk of the same "
                + "tree (descriptor-relative, as the store's walkAt)",
            "file.FileStoreSubtreeBenchmark.subtree[dirs=10000,dialect=ragfs]", "file.FileStoreSubtreeBenchmark.walkFloorC",
            Target.Rule.RATIO_AT_MOST, 1.5)
            .best().standIn("posix.PosixWalkBenchmark.walk", "posix.PosixWalkBenchmark.walkFloorC"),
        target("3.2o", 3, "the same in write dialect ov431",
            "file.FileStoreSubtreeBenchmark.subtree[dirs=10000,dialect=ov431]", "file.FileStoreSubtreeBenchmark.walkFloorC",
            Target.Rule.RATIO_AT_MOST, 1.5)
            .best(),
        target("3.3", 3, "cross-process hand-off (holder releases → waiter in another process acquires): p99 under 5 ms, best backend",
            "handoff-xprocess-*#p99", null, Target.Rule.AT_MOST, 5000).best(),
        target("4.1", 4, "durable begin throughput at 64 threads at least 10x a baseline that fdatasyncs per record",
            "redo.RedoBeginBenchmark.redo[threads=64]", "redo.RedoBeginBenchmark.baseline", Target.Rule.RATIO_AT_LEAST, 10),
        target("4.2", 4, "p99 begin latency within 3x of one fdatasync (median of the 1-thread baseline) in the same run",
            "redo.RedoBeginBenchmark.redo#p99", "redo.RedoBeginBenchmark.baseline[threads=1]#p50", Target.Rule.RATIO_AT_MOST, 3),
        target("12.1", 12, "cross-process-capable POINT acquire+release at depth 4, 1 thread, through LockManager on HostLockStore "
                + "(interop none): median at most 1 µs (JMH sample time, p50)",
            "host.HostPointBenchmark.point[store=table]#p50", null, Target.Rule.AT_MOST, 1),
        target("12.1r", 12, "the same at least 100x faster than the lock-file store (ragfs) in the same run: median ratio at most 0.01",
            "host.HostPointBenchmark.point[store=table]#p50", "host.HostPointBenchmark.point[store=files]#p50",
            Target.Rule.RATIO_AT_MOST, 0.01),
        target("12.2", 12, "SUBTREE acquire+release on the host table where 10,000 directories exist and 100,000 paths were once "
                + "locked below, vs on a fresh node: ratio at most 1.2",
            "host.HostSubtreeBenchmark.subtreeAfterHistory", "host.HostSubtreeBenchmark.subtreeFresh", Target.Rule.RATIO_AT_MOST, 1.2),
        target("12.2a", 12, "the same SUBTREE at most 2 µs (mean)",
            "host.HostSubtreeBenchmark.subtreeAfterHistory", null, Target.Rule.AT_MOST, 2),
        target("12.3", 12, "cross-process hand-off on the host table (holder in process A releases → waiter in process B acquires): "
                + "p99 at most 100 µs (the lock-file store beside it: host-handoff-files)",
            "host-handoff-table#p99", null, Target.Rule.AT_MOST, 100),
        target("12.4", 12, "2 processes x 1 thread on disjoint paths vs 1 process, host table: throughput ratio at least 1.6x "
                + "(goal; medians of alternating blocks)",
            "host.DisjointProcesses.table[processes=2]", "host.DisjointProcesses.table[processes=1]", Target.Rule.RATIO_AT_LEAST, 1.6),
        target("12.5", 12, "kill -9 of a holder → a waiter in another process acquires, host table: p99 at most 10 ms "
                + "(the lock-file store beside it: host-kill-files)",
            "host-kill-table#p99", null, Target.Rule.AT_MOST, 10_000),
        reported("14.1", 14, "the price of safety of a write: TreeOps.write of a 4 KiB file (locks, redo, "
                + "temporary file, rename) vs Files.write of the same durability, without locks or redo, per store "
                + "and durability (the issue sets no number; interleaved harness: median of alternating blocks; the "
                + "JMH ratios are beside the rows of TreeOpsBenchmark)",
            "tree.TreeInterleaved.write#p50", "tree.TreeInterleaved.filesWrite#p50")
            .standIn("tree.TreeOpsBenchmark.write", "tree.TreeOpsBenchmark.filesWrite"),
        reported("14.1s", 14, "the same vs an atomic write by hand (temporary file, fsync, rename, directory "
                + "fsync): the price of the locks and the redo log alone",
            "tree.TreeInterleaved.write#p50", "tree.TreeInterleaved.safeWrite#p50")
            .standIn("tree.TreeOpsBenchmark.write", "tree.TreeOpsBenchmark.safeWrite"),
        reported("14.2", 14, "the price of safety of a move: TreeOps.move of a directory of 10 files on one file "
                + "system vs Files.move (and directory fsyncs of the same durability), per store and durability (the "
                + "issue sets no number; interleaved harness)",
            "tree.TreeInterleaved.move#p50", "tree.TreeInterleaved.filesMove#p50")
            .standIn("tree.TreeOpsBenchmark.move", "tree.TreeOpsBenchmark.filesMove"));

    /** Baseline contender of each {@code .hgrm} scenario ({@code <area>-<scenario>}): ratios in its percentile table. */
    public static final Map<String, String> LATENCY_BASELINES = Map.of(
        "handoff-inprocess", "reentrantlock",
        "host-handoff", "files",
        "host-kill", "files");

    /**
     * A scaling chart: one line per series (method and parameters other than x), x categories from a
     * parameter ({@code threads} falls back to JMH's thread count), log y. Rows without the x
     * parameter (baselines) are drawn flat across.
     *
     * @param file PNG file name without suffix.
     * @param title chart title.
     * @param subjects the rows drawn.
     * @param xParam the parameter on the x axis.
     * @param seriesSuffix a regex removed from method names to form series names (e.g. a thread-count suffix).
     */
    public record ChartSpec(String file, String title, Selector subjects, String xParam, String seriesSuffix)
    {
    }

    /** Scaling charts (latency percentile charts are drawn for every .hgrm scenario without a line here). */
    public static final List<ChartSpec> CHARTS = List.of(
        chart("lock-table-depth", "Lock table: uncontended acquire+release by path depth", "table.LockDepthBenchmark.*", "depth"),
        chart("lock-table-subtree-history", "Lock table: SUBTREE by paths once locked below", "table.SubtreeHistoryBenchmark.*", "history"),
        chart("lock-table-threads", "Disjoint paths: POINT throughput by threads", "DisjointPathsBenchmark.*", "threads"),
        chart("lock-files-subtree-size", "Lock files: SUBTREE acquire+release by tree size (leaf directories)",
            "file.FileStoreSubtreeBenchmark.*", "dirs"),
        chart("redo-begin-threads", "Redo log: durable begin throughput by threads", "redo.RedoBeginBenchmark.*", "threads"));

    /**
     * A group of JMH benchmarks run in one JMH invocation.
     *
     * @param area the area (and {@code --only} key).
     * @param regex JMH include regex.
     */
    public record JmhGroup(Area area, String regex)
    {
    }

    /** JMH benchmarks by area; benchmarks matched by none run in a last group of their own. */
    public static final List<JmhGroup> JMH_GROUPS = List.of(
        new JmhGroup(Area.LOCK_TABLE, "^io\\.pathlock\\.bench\\.(LockTableBenchmark|DisjointPathsBenchmark|table\\.)"),
        new JmhGroup(Area.LOCK_FILES, "^io\\.pathlock\\.bench\\.(posix|file)\\."),
        new JmhGroup(Area.REDO, "^io\\.pathlock\\.bench\\.redo\\."),
        new JmhGroup(Area.HOST, "^io\\.pathlock\\.bench\\.host\\."),
        new JmhGroup(Area.TREE, "^io\\.pathlock\\.bench\\.tree\\."));

    /** JMH options of a full run: one fork, 3 x 1 s warm-up, 5 x 1 s measurement (about 9 s per benchmark). */
    public static final String JMH_FULL = "-f 1 -wi 3 -w 1s -i 5 -r 1s";

    /** Cheaper full-run options, tried in order when {@link #JMH_FULL} would not fit the time budget. */
    public static final List<String> JMH_FULL_FALLBACKS = List.of("-f 1 -wi 2 -w 1s -i 4 -r 1s", "-f 1 -wi 2 -w 1s -i 3 -r 1s",
        "-f 1 -wi 1 -w 1s -i 3 -r 1s");

    /** JMH options of a smoke run: every benchmark once, one fork, one short iteration. */
    public static final String JMH_SMOKE = "-f 1 -wi 0 -i 1 -w 100ms -r 100ms";

    /** Time budget of a full run on 2 cores. */
    public static final int FULL_BUDGET_SECONDS = 20 * 60;

    /**
     * A harness {@code main} the suite runs in its own JVM. Arguments may use {@code {results}} (the
     * results directory) and {@code {scratch}} (the scratch directory on the disk measured).
     *
     * @param area the area (and {@code --only} key).
     * @param className the main class; skipped with a note when not in the jar.
     * @param args arguments of every run.
     * @param fullArgs extra arguments of a full run.
     * @param smokeArgs extra arguments of a smoke run.
     * @param fullSeconds estimated duration of a full run.
     * @param smokeSeconds estimated duration of a smoke run.
     * @param tablesInStdout whether its results are Markdown tables on stdout (read by the report)
     *        rather than {@code .hgrm} files in {@code {results}}.
     */
    public record Harness(Area area, String className, String args, String fullArgs, String smokeArgs, int fullSeconds,
        int smokeSeconds, boolean tablesInStdout)
    {
    }

    /** Harnesses, in run order. */
    public static final List<Harness> HARNESSES = List.of(
        new Harness(Area.HANDOFF, "io.pathlock.bench.latency.HandoffLatency", "--out {results}",
            "--seconds 5 --warmup 2", "--smoke", 25, 4, false),
        new Harness(Area.HANDOFF, "io.pathlock.bench.file.HandoffLatency", "--out {results} --dir {scratch}/xprocess --backend jni,jnr,nio",
            "--iterations 2000 --hold-us 1000", "--smoke", 30, 8, false),
        new Harness(Area.LOCK_FILES, "io.pathlock.bench.file.PointInterleaved",
            "--dir {scratch} --backend jni,jnr,nio --dialect ragfs,ov431", "--rounds 60 --block 2000", "--smoke", 120, 12, true),
        new Harness(Area.LOCK_FILES, "io.pathlock.bench.file.SubtreeInterleaved",
            "--dir {scratch} --backend jni,jnr,nio --dialect ragfs,ov431", "--dirs 10000 --rounds 30", "--smoke", 90, 10, true),
        new Harness(Area.LOCK_TABLE, "io.pathlock.bench.table.HeldMemory", "--locks", "100000", "10000", 15, 5, true),
        new Harness(Area.LOCK_TABLE, "io.pathlock.bench.table.MixedWorkload", "--cli cli/target/pathlock.jar --out {results}",
            "--threads 1,2 --seconds 10 --warmup 2", "--smoke", 90, 12, true),
        new Harness(Area.REDO, "io.pathlock.bench.redo.RedoBeginBenchmark", "--dir {scratch}/redo-begin",
            "--seconds 5 --warmup 2 --threads 1,4,16,64", "--seconds 1 --warmup 0 --threads 1,4", 60, 6, true),
        // issue 12: the host lock table across processes (child JVMs), beside the lock-file store
        new Harness(Area.HOST, "io.pathlock.bench.host.HostHandoffLatency", "--out {results} --dir {scratch}/host-handoff --store table,files",
            "--iterations 2000 --hold-us 1000", "--smoke", 25, 8, false),
        new Harness(Area.HOST, "io.pathlock.bench.host.DisjointProcesses", "--dir {scratch}/host-disjoint --store table,files,reentrantlock",
            "--rounds 16 --warmup-rounds 3 --block-ms 250", "--smoke", 40, 10, true),
        new Harness(Area.HOST, "io.pathlock.bench.host.KillHandoff", "--out {results} --dir {scratch}/host-kill --store table,files",
            "--samples 100", "--smoke", 100, 10, false),
        // issue 14: TreeOps rows and their JDK baselines in alternating blocks (ratios that survive a loaded machine)
        new Harness(Area.TREE, "io.pathlock.bench.tree.TreeInterleaved", "--store memory,files,host",
            "--rounds 15 --warmup-rounds 3 --block-ms 100", "--smoke", 45, 5, true));

    /**
     * System property set to {@code true} in every JVM of a smoke run: a benchmark whose set-up alone
     * takes long (a large tree, a long history) may build a smaller one, since smoke figures are not
     * judged.
     */
    public static final String SMOKE_PROP_NAME = "pathlock.bench.smoke";

    /** JVM options of every forked benchmark and harness (no --add-exports: Agrona 1.23.x needs none). */
    public static final List<String> JVM_OPTIONS = List.of("-Djava.awt.headless=true");

    private static Comparison cmp(final String subject, final String baseline)
    {
        return new Comparison(Selector.of(subject), Selector.of(baseline));
    }

    private static Target target(final String id, final int issue, final String text, final String subject,
        final String baseline, final Target.Rule rule, final double limit)
    {
        return new Target(id, issue, text, Selector.of(subject), baseline == null ? null : Selector.of(baseline), rule, limit,
            Target.Over.EACH, null, null);
    }

    private static Target reported(final String id, final int issue, final String text, final String subject,
        final String baseline)
    {
        return new Target(id, issue, text, Selector.of(subject), baseline == null ? null : Selector.of(baseline),
            Target.Rule.REPORTED, Double.NaN, Target.Over.EACH, null, null);
    }

    private static ChartSpec chart(final String file, final String title, final String subjects, final String xParam)
    {
        return new ChartSpec(file, title, Selector.of(subjects), xParam, "\\d+Threads?$");
    }
}

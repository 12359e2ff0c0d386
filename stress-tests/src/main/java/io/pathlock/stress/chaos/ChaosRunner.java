package io.pathlock.stress.chaos;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockTimeoutException;
import io.pathlock.core.LockType;
import io.pathlock.file.FileLockStore;
import io.pathlock.host.HostLockStore;
import io.pathlock.host.HostSession;
import io.pathlock.host.HostTable;
import io.pathlock.redo.RecoveryReport;
import io.pathlock.redo.RedoLog;
import io.pathlock.redo.RedoLogConfig;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Multi-process chaos runner (issue 6, DESIGN §5).
 *
 * <pre>
 *   ChaosRunner --root DIR [--workers N] [--threads M] [--seconds S] [--seed X]
 *               [--faults kill,foreign,garbage,redo,sigstop] [--workload tree|mutex|counter|fenced|all]
 *               [--store file|host|mixed] [--interop none|ragfs] [--crash-at random:N] [--detect-bound-ms B]
 *               [--shared true|false] [--split-tables true]
 * </pre>
 *
 * Starts N {@link ChaosWorker} JVMs x M threads on a generated tree under {@code DIR/<workload>/tree}
 * for S seconds, injects faults, then replays the {@link ChaosLog} with a verifier that does not use
 * the lock code (its own copy of the conflict matrix, {@link ChaosTree#conflicts}), recovers the redo
 * logs and prints a summary. Exit code 0 only if there was no violation and no lost redo task (and,
 * for {@code fenced}, no lost update).
 *
 * <p>Workloads: {@code tree} random POINT / SUBTREE / mv / multi-path requests with random timeouts;
 * {@code mutex} one lock, history checked for linearizability (no overlapping sections, fencing
 * tokens increasing in grant order); {@code counter} and {@code fenced} the Jepsen read-modify-write
 * of a shared counter under POINT({@code /m}) with holders paused by SIGSTOP past {@code lock_expire},
 * unfenced and fenced. Those two run the store on the {@code nio} backend: our own tokens are
 * otherwise judged by {@code flock} liveness, and a stopped process keeps its {@code flock}, so the
 * lease would never expire; on {@code nio} every token is judged by age, as a foreign (Python
 * OpenViking) holder's would be, which is the lease semantics the Jepsen test is about.
 * {@code all} runs the four in turn, the Jepsen ones for S/3 each (at least 10 s).
 *
 * <p><b>Host table store</b> (issue 12; {@code --store host}, or {@code mixed}): the workers use
 * {@code HostLockStore} (interop {@code none} or {@code ragfs}) and a quarter of their requests are
 * shared or mix modes ({@code --shared}: default true in host runs, false otherwise).
 * {@code mixed} alternates host workers (interop {@code ragfs}, even slots) and lock-file-only
 * workers ({@code FileLockStore}, odd slots) on one root, with planted OpenViking tokens. Host workers (but slot 0 of a host-only run) run with
 * {@code -Dpathlock.host.crashAt=SPEC} ({@code --crash-at}, default {@code random:1}; {@code none}
 * for no self-kills): the table kills the process at random numbered steps inside acquire,
 * release, insert, reclamation and recovery. The runner notices the death, appends {@code D pid}
 * and restarts the worker. After every death, self-inflicted or a {@code kill} fault, the runner
 * acquires each lock the dead process held (its open sections in the log) through its own host
 * store, waiting at most {@code --detect-bound-ms} (default 1000) from its request, and prints
 * p50, p99 and max of the time from the death and from the request to the grant; those probe
 * sections are logged and verified like any other. At the end, after every worker exited, it
 * opens the table, recovers every dead session and checks that no slot is taken, no lock is held,
 * SUBTREE-X of the root is granted, no node has any count left and the table's own consistency
 * check passes: every count that the dead sessions raised was subtracted exactly.
 *
 * <p>{@code --split-tables true} (with {@code --store host --interop none}) is a self-test of the
 * whole pipeline: every worker locks the same logical paths in a table of its own, so workers do
 * not exclude each other, and the run must fail with violations.
 */
public final class ChaosRunner
{
    private final Path base;
    private final String workload;
    private final int workers;
    private final int threads;
    private final int seconds;
    private final long seed;
    private final Set<String> faults;
    private final SplittableRandom rnd;
    private final Path tree;
    private final Path run;
    private final long lockExpireMs;
    private final String backend;
    private final Map<Integer, Worker> live = new ConcurrentHashMap<>();
    private final List<Worker> all = new ArrayList<>();
    private long deadline;
    private long lastKill;
    private final Map<String, Long> counts = new java.util.TreeMap<>();
    private final List<String> failures = new ArrayList<>();
    private final List<Path> planted = new ArrayList<>();
    private final StoreMode mode;
    private final Map<String, Long> garbageUntil = new HashMap<>();
    private final List<Long> freedNanos = new ArrayList<>();
    private final List<Long> probeWaitNanos = new ArrayList<>();
    private final List<Death> deaths = new ArrayList<>();
    private volatile ChaosLog sectionLog;
    private LogTail tail;
    private LockManager probeManager;
    private LockHandle probeHandle;
    private String probeGid;
    private int[] generation;

    /**
     * Which store the workers use.
     *
     * @param store         {@code file}, {@code host} or {@code mixed}.
     * @param interop       the host store's interop mode ({@code ragfs} for mixed).
     * @param crashAt       {@code pathlock.host.crashAt} for host workers (but slot 0 of a host-only run), or empty.
     * @param detectBoundMs most time from a probe's request to the grant of a lock a dead worker held.
     * @param shared        whether tree workers also make shared requests ({@code --shared}).
     * @param splitTables   self-test of the checker only: each host worker on a table of its own
     *                      ({@code --split-tables true}), so that they do not exclude each other and
     *                      the run must FAIL with violations.
     */
    record StoreMode(String store, String interop, String crashAt, long detectBoundMs, boolean shared,
        boolean splitTables)
    {
        /** The lock-file store, as before issue 12. */
        static final StoreMode FILE = new StoreMode("file", "none", "", 0, false, false);

        boolean host()
        {
            return !store.equals("file");
        }

        /** Whether the worker of a slot runs the host store. */
        boolean hostWorker(final int slot)
        {
            return store.equals("host") || (store.equals("mixed") && slot % 2 == 0);
        }

        String label(final String workload)
        {
            return host() ? store + "-" + interop + "-" + workload : workload;
        }
    }

    private static final class Worker
    {
        final int slot;
        final String name;
        final Process process;
        final Path out;
        volatile long diedAtNanos;
        /** Set (under the worker's lock) before the runner's SIGKILL: its exit is then no self-kill. */
        boolean killed;
        /** Whether the exit callback appended {@code D pid} (under the worker's lock). */
        volatile boolean deathLogged;
        boolean handled;

        Worker(final int slot, final String name, final Process process, final Path out)
        {
            this.slot = slot;
            this.name = name;
            this.process = process;
            this.out = out;
        }
    }

    private ChaosRunner(final Path base, final String workload, final int workers, final int threads,
        final int seconds, final long seed, final Set<String> faults, final StoreMode mode) throws IOException
    {
        this.mode = mode;
        this.base = base.resolve(mode.label(workload));
        this.workload = workload;
        this.workers = workers;
        this.threads = threads;
        this.seconds = seconds;
        this.seed = seed;
        this.rnd = new SplittableRandom(seed);
        final boolean jepsen = workload.equals("counter") || workload.equals("fenced");
        final Set<String> f = new LinkedHashSet<>(faults);
        if (jepsen)
        {
            f.retainAll(Set.of("sigstop"));
            f.add("sigstop");
        }
        else if (workload.equals("mutex") || (mode.host() && mode.interop().equals("none")))
        {
            // Without lock files (interop none) planted files mean nothing to the workers.
            f.retainAll(Set.of("kill", "sigstop"));
        }
        if (mode.host())
        {
            f.remove("redo"); // the redo log is not what a host run tests
        }
        this.faults = f;
        this.lockExpireMs = jepsen ? 300 : 2000;
        this.backend = jepsen ? "nio" : "auto";
        if (Files.exists(this.base))
        {
            deleteTree(this.base);
        }
        this.tree = this.base.resolve("tree");
        this.run = this.base.resolve("run");
        Files.createDirectories(run.resolve("redo"));
        Files.createDirectories(run.resolve("tmp"));
        ChaosTree.create(tree);
        Files.createFile(run.resolve(ChaosLog.LOG_NAME));
        Files.createFile(run.resolve(ChaosLog.REDO_ACK_NAME));
        CounterStorage.init(run.resolve(CounterStorage.FILE_NAME));
    }

    /** For the verifier's tests: a runner that only replays {@code run/sections.log}. */
    private ChaosRunner(final Path run, final String workload, final String backend)
    {
        this.base = run.getParent();
        this.workload = workload;
        this.workers = 0;
        this.threads = 0;
        this.seconds = 0;
        this.seed = 0;
        this.rnd = new SplittableRandom(0);
        this.faults = Set.of();
        this.lockExpireMs = 0;
        this.backend = backend;
        this.tree = null;
        this.run = run;
        this.mode = StoreMode.FILE;
    }

    /**
     * Replays a section log with the verifier of a run.
     *
     * @param run      directory holding {@code sections.log}.
     * @param workload the workload that wrote it.
     * @param lease    true if tokens were judged by age (overlaps are counted, not violations).
     * @return the failures found (empty if none).
     * @throws IOException if the log cannot be read.
     */
    static List<String> verify(final Path run, final String workload, final boolean lease) throws IOException
    {
        final ChaosRunner r = new ChaosRunner(run, workload, lease ? "nio" : "auto");
        r.verifyLog();
        return r.failures;
    }

    /**
     * Entry point.
     *
     * @param args see the class comment.
     * @throws Exception on a set-up failure.
     */
    public static void main(final String[] args) throws Exception
    {
        final Map<String, String> a = new HashMap<>();
        for (int i = 0; i < args.length; i++)
        {
            if (!args[i].startsWith("--") || i + 1 >= args.length)
            {
                System.err.println("usage: ChaosRunner --root DIR [--workers N] [--threads M] [--seconds S] [--seed X] " +
                    "[--faults kill,foreign,garbage,redo,sigstop] [--workload tree|mutex|counter|fenced|all] " +
                    "[--store file|host|mixed] [--interop none|ragfs] [--crash-at random:N|none] [--detect-bound-ms B] " +
                    "[--shared true|false] [--split-tables true]");
                System.exit(2);
            }
            a.put(args[i].substring(2), args[++i]);
        }
        final Path root = Path.of(a.getOrDefault("root", "target/chaos")).toAbsolutePath();
        final int workers = Integer.parseInt(a.getOrDefault("workers", "3"));
        final int threads = Integer.parseInt(a.getOrDefault("threads", "4"));
        final int seconds = Integer.parseInt(a.getOrDefault("seconds", "30"));
        final long seed = Long.parseLong(a.getOrDefault("seed", "" + System.nanoTime() % 100_000));
        final String f = a.getOrDefault("faults", "kill,foreign,garbage,redo,sigstop");
        final Set<String> faults = new LinkedHashSet<>(f.isEmpty() || f.equals("none") ? List.of() : Arrays.asList(f.split(",")));
        final String wl = a.getOrDefault("workload", "tree");
        final String store = a.getOrDefault("store", "file");
        if (!List.of("file", "host", "mixed").contains(store))
        {
            System.err.println("ChaosRunner: --store must be file, host or mixed, got '" + store + "'");
            System.exit(2);
        }
        final String interop = store.equals("mixed") ? "ragfs" : a.getOrDefault("interop", "none");
        if (!List.of("none", "ragfs", "ov431").contains(interop))
        {
            System.err.println("ChaosRunner: --interop must be none, ragfs or ov431, got '" + interop + "'");
            System.exit(2);
        }
        final String crash = a.getOrDefault("crash-at", "random:1");
        final boolean shared = Boolean.parseBoolean(a.getOrDefault("shared", Boolean.toString(!store.equals("file"))));
        final boolean split = Boolean.parseBoolean(a.getOrDefault("split-tables", "false"));
        if (split && !(store.equals("host") && interop.equals("none")))
        {
            System.err.println("ChaosRunner: --split-tables needs --store host --interop none");
            System.exit(2);
        }
        final StoreMode mode = store.equals("file") ? new StoreMode("file", "none", "", 0, shared, false) : new StoreMode(store,
            interop, crash.equals("none") ? "" : crash, Long.parseLong(a.getOrDefault("detect-bound-ms", "1000")), shared,
            split);
        // The Jepsen counter workloads are about leases that expire (the nio backend's tokens); the
        // host table's locks are held while the session lives, as flock-judged lock files are.
        final List<String> workloads = wl.equals("all")
            ? (mode.host() ? List.of("tree", "mutex") : List.of("tree", "mutex", "counter", "fenced")) : List.of(wl);
        System.out.println("chaos: root=" + root + " workers=" + workers + " threads=" + threads + " seconds=" +
            seconds + " seed=" + seed + " faults=" + faults + " workloads=" + workloads + " store=" + mode);
        boolean ok = true;
        for (final String w : workloads)
        {
            final int s = wl.equals("all") && !w.equals("tree") ? Math.max(10, seconds / 3) : seconds;
            ok &= new ChaosRunner(root, w, workers, threads, s, seed, faults, mode).execute();
        }
        System.out.println(ok ? "chaos: PASSED" : "chaos: FAILED");
        System.exit(ok ? 0 : 1);
    }

    private boolean execute() throws Exception
    {
        System.out.println("== workload " + mode.label(workload) + " (" + seconds + " s, faults " + faults + ", backend " +
            backend + ", lock_expire " + lockExpireMs + " ms" + (mode.host() ? ", store " + mode : "") + ")");
        final long start = System.currentTimeMillis();
        deadline = start + 2000L * workers + seconds * 1000L;
        for (int i = 0; i < workers; i++)
        {
            startWorker(i, 0);
        }
        final ChaosLog log = new ChaosLog(run.resolve(ChaosLog.LOG_NAME));
        sectionLog = log;
        generation = new int[workers];
        if (mode.host())
        {
            tail = new LogTail(run.resolve(ChaosLog.LOG_NAME));
            probeManager = LockManager.builder().store(ChaosWorker.hostStore(tree, mode.interop(),
                Duration.ofMillis(lockExpireMs), backend)).build();
            probeHandle = probeManager.open("probe");
            probeGid = ProcessHandle.current().pid() + ".probe";
            warmUpProbe();
        }
        long nextFault = System.currentTimeMillis() + rnd.nextInt(200, 900);
        while (System.currentTimeMillis() < deadline - 1500)
        {
            if (mode.host())
            {
                Thread.sleep(5);
                handleDeaths(log, true);
                if (System.currentTimeMillis() < nextFault)
                {
                    continue;
                }
            }
            else
            {
                Thread.sleep(Math.max(0, nextFault - System.currentTimeMillis()));
            }
            nextFault = System.currentTimeMillis() + rnd.nextInt(200, 900);
            removeExpiredGarbage(log, garbageUntil);
            if (faults.isEmpty())
            {
                continue;
            }
            final List<String> fl = new ArrayList<>(faults);
            if (fl.contains("kill"))
            {
                fl.remove("redo"); // redo tasks are cut by the kills; no second kill weight
            }
            final String fault = fl.get(rnd.nextInt(fl.size()));
            switch (fault)
            {
                case "kill":
                case "redo":
                {
                    // At most one kill per second, never the last live worker, none in the last 4 s:
                    // after every kill some survivor has time left, so the progress check is fair.
                    final long now = System.currentTimeMillis();
                    final Worker w = now - lastKill < 1000 || deadline - now < 4000 || liveCount() < 2 ? null : pick();
                    if (null != w && kill(w, log))
                    {
                        bump("faults.kill");
                        lastKill = System.currentTimeMillis();
                        {
                            startWorker(w.slot, ++generation[w.slot]);
                            bump("workers.restarted");
                        }
                    }
                    else if (null != w && mode.host())
                    {
                        handleDeaths(log, true); // it died by itself while being stopped
                    }
                    break;
                }
                case "sigstop":
                {
                    final Worker w = pick();
                    if (null != w)
                    {
                        final long pauseMs = backend.equals("nio") ? rnd.nextLong(2 * lockExpireMs, 4 * lockExpireMs)
                            : rnd.nextLong(100, 1000);
                        signal("STOP", w.process.pid());
                        log.append("P " + w.process.pid());
                        if (mode.host())
                        {
                            final long until = System.nanoTime() + pauseMs * 1_000_000L;
                            while (System.nanoTime() < until)
                            {
                                Thread.sleep(5);
                                noteDeaths(log);
                            }
                        }
                        else
                        {
                            Thread.sleep(pauseMs);
                        }
                        log.append("Q " + w.process.pid());
                        signal("CONT", w.process.pid());
                        bump("faults.sigstop");
                    }
                    break;
                }
                case "foreign":
                {
                    final String p = randomLockPath();
                    // Wall-clock nanoseconds, as OpenViking writes them, a minute old: stale to the workers.
                    final long old = java.time.temporal.ChronoUnit.NANOS.between(java.time.Instant.EPOCH,
                        java.time.Instant.now()) - TimeUnit.SECONDS.toNanos(60);
                    if (plant(p, "python-openviking-" + rnd.nextInt(1000) + ":" + old + ":" + (rnd.nextBoolean() ? "P" : "S")))
                    {
                        log.append("F " + p);
                        bump("faults.foreign");
                    }
                    break;
                }
                case "garbage":
                {
                    final String p = randomLockPath();
                    if (!garbageUntil.containsKey(p))
                    {
                        log.append("G? " + p);
                        if (plant(p, "\u0001garbage-" + rnd.nextLong()))
                        {
                            log.append("G+ " + p);
                            garbageUntil.put(p, System.currentTimeMillis() + rnd.nextLong(500, 2000));
                            bump("faults.garbage");
                        }
                    }
                    break;
                }
                default:
                    throw new IllegalArgumentException("unknown fault " + fault);
            }
        }
        garbageUntil.replaceAll((k, v) -> 0L);
        removeExpiredGarbage(log, garbageUntil);
        for (final Worker w : new ArrayList<>(all))
        {
            if (!w.process.waitFor(deadline - System.currentTimeMillis() + 30_000, TimeUnit.MILLISECONDS))
            {
                failures.add("worker " + w.name + " did not finish; killed");
                w.process.destroyForcibly().waitFor();
            }
        }
        if (mode.host())
        {
            // every self-killed worker's D must be in the log before it closes
            final long until = System.currentTimeMillis() + 5000;
            while (System.currentTimeMillis() < until && all.stream().anyMatch(
                w -> !w.killed && !w.deathLogged && !w.process.isAlive() && w.process.exitValue() != 0))
            {
                Thread.sleep(1);
            }
            handleDeaths(log, false);
            probeHandle.close();
            probeManager.close();
        }
        final double elapsed = (System.currentTimeMillis() - start) / 1000.0;
        log.close();
        collectWorkerStats();
        verifyLog();
        if (mode.host())
        {
            checkTableAtEnd();
        }
        if (faults.contains("redo"))
        {
            verifyRedo();
        }
        countLeftovers();
        return summary(elapsed);
    }

    private void startWorker(final int slot, final int gen) throws IOException
    {
        final boolean host = mode.hostWorker(slot);
        final String name = "w" + slot + "g" + gen + (mode.store().equals("mixed") ? (host ? "host" : "file") : "");
        final List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-XX:-UsePerfData", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx96m", "-Xss512k"));
        // Every host worker may crash itself except slot 0 of a host-only run (someone must progress;
        // in a mixed run the lock-file workers do).
        if (host && (slot != 0 || mode.store().equals("mixed")) && !mode.crashAt().isEmpty())
        {
            cmd.add("-Dpathlock.host.crashAt=" + mode.crashAt());
        }
        Path workerTree = tree;
        if (mode.splitTables())
        {
            // self-test: the paths are logical (interop none: no file is read or written under them),
            // so a worker on another root locks the same paths in a table of its own
            workerTree = base.resolve("split").resolve("w" + slot);
            Files.createDirectories(workerTree);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ChaosWorker.class.getName(),
            "tree=" + workerTree, "run=" + run, "name=" + name, "workload=" + workload, "threads=" + threads,
            "deadline=" + deadline, "seed=" + (seed * 31 + slot * 7919L + gen), "lockExpireMs=" + lockExpireMs,
            "backend=" + backend, "redo=" + faults.contains("redo"), "store=" + (host ? "host" : "file"),
            "interop=" + mode.interop(), "shared=" + mode.shared()));
        final Path out = run.resolve(name + ".out");
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        final Worker w = new Worker(slot, name, p, out);
        p.onExit().thenRun(() -> exited(w));
        live.put(slot, w);
        all.add(w);
    }

    private long liveCount()
    {
        return live.values().stream().filter(w -> w.process.isAlive()).count();
    }

    private Worker pick()
    {
        final List<Worker> ws = new ArrayList<>(live.values());
        ws.removeIf(w -> !w.process.isAlive());
        return ws.isEmpty() ? null : ws.get(rnd.nextInt(ws.size()));
    }

    /**
     * kill -9 with an exact cut in the log: SIGSTOP, wait until the process is stopped (a stopped
     * process is not inside a write(2) and keeps its flocks and its host-table slot lock, so nobody
     * can have reclaimed its locks), append {@code K pid}, then SIGKILL. Its open sections end at
     * that record. Host runs then probe the locks it held ({@link #probe}).
     */
    private boolean kill(final Worker w, final ChaosLog log) throws Exception
    {
        final long pid = w.process.pid();
        List<String> open = List.of();
        // Host runs aim at holders: up to 10 tries to catch the victim inside a section (stopped
        // while it holds a lock), else it is killed wherever it is on the last try.
        for (int attempt = 0;; attempt++)
        {
            signal("STOP", pid);
            final long until = System.currentTimeMillis() + 2000;
            while (!isStopped(pid))
            {
                if (System.currentTimeMillis() > until || !w.process.isAlive())
                {
                    signal("CONT", pid);
                    return false;
                }
                Thread.sleep(1);
            }
            if (null == tail)
            {
                break;
            }
            tail.advance();
            open = tail.openOf(pid);
            if (!open.isEmpty() || attempt == 9)
            {
                break;
            }
            signal("CONT", pid);
            Thread.sleep(rnd.nextInt(1, 10));
        }
        log.append("K " + pid);
        synchronized (w)
        {
            w.killed = true;
        }
        w.process.destroyForcibly();
        w.process.waitFor();
        final long diedAt = System.nanoTime();
        live.remove(w.slot);
        if (null != probeHandle)
        {
            probe(log, pid, open, diedAt);
        }
        return true;
    }

    /**
     * Host runs: finds workers that died by themselves (the table's crash hook: SIGKILL, exit code
     * 137), appends {@code D pid} at once ({@link #noteDeaths}), then acquires every lock each held
     * and, while the run goes on, restarts it. A worker that exited otherwise before the end is a
     * failure.
     */
    private void handleDeaths(final ChaosLog log, final boolean running) throws Exception
    {
        noteDeaths(log);
        while (!deaths.isEmpty())
        {
            final Death d = deaths.remove(0);
            if (running)
            {
                probe(log, d.pid(), d.open(), d.diedAt());
                if (deadline - System.currentTimeMillis() > 3000)
                {
                    startWorker(d.worker().slot, ++generation[d.worker().slot]);
                    bump("workers.restarted");
                }
            }
        }
    }

    /** A worker found dead by itself, waiting for its probe and restart. */
    private record Death(Worker worker, long pid, List<String> open, long diedAt)
    {
    }

    /**
     * A worker's exit, on the JDK's process-reaper thread as soon as the exit is reaped: in host
     * runs, a worker that exited with an error and was not killed by the runner gets its
     * {@code D pid} at once (the sooner {@code D} is written, the fewer grants the verifier must
     * leave unjudged: those between a dead worker's last record and its {@code D}).
     */
    private void exited(final Worker w)
    {
        w.diedAtNanos = System.nanoTime();
        if (!mode.host() || w.process.exitValue() == 0)
        {
            return;
        }
        synchronized (w)
        {
            if (w.killed)
            {
                return;
            }
            try
            {
                sectionLog.append("D " + w.process.pid());
                w.deathLogged = true;
            }
            catch (final IOException ex)
            {
                System.out.println("ERROR cannot append D " + w.process.pid() + ": " + ex);
            }
        }
    }

    /**
     * Takes every worker found dead by itself since the last call whose {@code D} the exit
     * callback ({@link #exited}) wrote, with the sections it had open at that record, for
     * {@link #handleDeaths}. Called every 5 ms, also while the runner holds another worker paused.
     */
    private void noteDeaths(final ChaosLog log) throws Exception
    {
        for (final Worker w : new ArrayList<>(all))
        {
            if (w.killed || w.handled || w.process.isAlive())
            {
                continue;
            }
            final int code = w.process.exitValue();
            if (code == 0)
            {
                w.handled = true;
                continue;
            }
            if (!w.deathLogged)
            {
                continue; // the exit callback has not run yet
            }
            w.handled = true;
            final long seen = System.nanoTime();
            final long pid = w.process.pid();
            tail.advance();
            final List<String> open = tail.openAtDeath(pid);
            live.remove(w.slot);
            if (code == 137)
            {
                bump("faults.crashAt(self-kill inside the table)");
            }
            else
            {
                failures.add("worker " + w.name + " exited with code " + code + " (see " + w.out + ")");
            }
            // the exit callback may not have run yet: then the death was seen just now
            final long diedAt = w.diedAtNanos;
            deaths.add(new Death(w, pid, open, diedAt != 0 ? diedAt : seen));
        }
    }

    /**
     * Acquires, through the runner's own host store, each lock a dead worker held when it died, one
     * section at a time, with a timeout of the detection bound (a timeout fails the run), and
     * records how long after the death and after its request each was granted. Both include the
     * wait for live workers that hold or queue for the same paths (sections last up to 3 ms); the
     * time from the death also includes the runner's own delay when the death happened while it
     * was busy (pausing another worker with SIGSTOP for up to 1 s: it probes only after the pause,
     * so that the probe never waits behind a worker the runner itself stopped). Garbage lock files
     * planted by the runner are removed first: the stores never reclaim them.
     */
    private void probe(final ChaosLog log, final long pid, final List<String> open, final long diedAt) throws Exception
    {
        if (open.isEmpty())
        {
            return;
        }
        garbageUntil.replaceAll((k, v) -> 0L);
        removeExpiredGarbage(log, garbageUntil);
        for (final String enc : open)
        {
            final LockRequest req = decode(enc);
            final long attempt = log.size();
            final long startedAt = System.nanoTime();
            try
            {
                probeHandle.acquire(req, Duration.ofMillis(mode.detectBoundMs()));
            }
            catch (final LockTimeoutException ex)
            {
                bump("probe.timeouts");
                failures.add("lock " + enc + " of dead worker " + pid + " not granted within " + mode.detectBoundMs() +
                    " ms of its death: " + ex.getMessage());
                continue;
            }
            final long grantedAt = System.nanoTime();
            final long took = grantedAt - diedAt;
            freedNanos.add(took);
            probeWaitNanos.add(grantedAt - startedAt);
            System.out.printf(Locale.ROOT, "  probe: %s of dead worker %d granted %.2f ms after its death (waited %.2f ms)%n",
                enc, pid, took / 1e6, (grantedAt - startedAt) / 1e6);
            try
            {
                final long token = probeHandle.fencingToken(req.entries().get(0).path().toString());
                log.append("E " + probeGid + " " + token + " " + enc + " " + attempt);
                log.append("X " + probeGid);
            }
            finally
            {
                probeHandle.releaseAll();
            }
            bump("probe.deadLocksAcquired");
        }
    }

    /**
     * Runs the probe's refused-wait-grant path a few dozen times before the first death, so that its
     * first measurement is not class loading and interpretation (about 0.7 s on a loaded 2-core
     * machine). A second session of the runner holds {@code /warmup} (outside the tree's lock
     * paths: no worker section can conflict with it, a worker's SUBTREE of the root waits for it).
     */
    private void warmUpProbe() throws Exception
    {
        final LockRequest warm = LockRequest.point("/warmup");
        try (LockManager other = LockManager.builder().store(ChaosWorker.hostStore(tree, mode.interop(),
            Duration.ofMillis(lockExpireMs), backend)).build(); LockHandle holder = other.open("warm-up"))
        {
            for (int i = 0; i < 30; i++)
            {
                holder.acquire(warm, Duration.ofSeconds(5));
                try
                {
                    probeHandle.acquire(warm, Duration.ofMillis(2));
                    failures.add("warm-up: /warmup granted to two sessions at once");
                    probeHandle.releaseAll();
                }
                catch (final LockTimeoutException expected)
                {
                    // the wait path, as intended
                }
                holder.releaseAll();
                probeHandle.acquire(warm, Duration.ofSeconds(5));
                probeHandle.releaseAll();
            }
        }
    }

    /** The request of an encoded entry list ({@link ChaosLog#encode}). */
    static LockRequest decode(final String enc)
    {
        final LockRequest.Builder b = LockRequest.builder();
        for (final String e : enc.split(","))
        {
            final char c = e.charAt(0);
            b.add(LockPath.parse(e.substring(1)), LockType.fromCode(Character.toUpperCase(c)),
                Character.isLowerCase(c) ? LockMode.SHARED : LockMode.EXCLUSIVE);
        }
        return b.build();
    }

    /**
     * The runner's incremental reader of the section log: which sections are open now, per gid.
     * Reads only whole lines (every record is one write(2) of a whole line).
     */
    private static final class LogTail
    {
        private final Path file;
        private final Map<String, String> open = new HashMap<>();
        private final Map<String, List<String>> atDeath = new HashMap<>();
        private long offset;

        LogTail(final Path file)
        {
            this.file = file;
        }

        void advance() throws IOException
        {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ))
            {
                final long size = ch.size();
                if (size <= offset)
                {
                    return;
                }
                final ByteBuffer b = ByteBuffer.allocate((int)(size - offset));
                while (b.hasRemaining() && ch.read(b, offset + b.position()) > 0)
                {
                    // read until the size seen
                }
                int end = b.position();
                while (end > 0 && b.get(end - 1) != '\n')
                {
                    end--;
                }
                final String text = new String(b.array(), 0, end, StandardCharsets.UTF_8);
                offset += end;
                for (final String line : text.split("\n"))
                {
                    final String[] f = line.split(" ");
                    if (f[0].equals("E"))
                    {
                        open.put(f[1], f[3]);
                    }
                    else if (f[0].equals("X"))
                    {
                        open.remove(f[1]);
                    }
                    else if (f[0].equals("K") || f[0].equals("D"))
                    {
                        final List<String> cut = new ArrayList<>();
                        for (final var it = open.entrySet().iterator(); it.hasNext();)
                        {
                            final var e = it.next();
                            if (e.getKey().startsWith(f[1] + "."))
                            {
                                cut.add(e.getValue());
                                it.remove();
                            }
                        }
                        atDeath.put(f[1], cut);
                    }
                }
            }
        }

        /** The sections a process had open at its {@code K} or {@code D} record (read by then). */
        List<String> openAtDeath(final long pid)
        {
            final List<String> cut = atDeath.remove(Long.toString(pid));
            return cut != null ? cut : List.of();
        }

        List<String> openOf(final long pid)
        {
            final List<String> out = new ArrayList<>();
            for (final var e : open.entrySet())
            {
                if (e.getKey().startsWith(pid + "."))
                {
                    out.add(e.getValue());
                }
            }
            return out;
        }
    }

    /**
     * After every worker exited: recover every dead session, then the table must hold nothing: no
     * slot taken, no lock, and SUBTREE-X of the root granted (no hold, intent or pending mark left
     * anywhere), which checks that recovery subtracted exactly what the dead sessions had added.
     */
    private void checkTableAtEnd()
    {
        try (HostTable t = HostLockStore.openTable(tree))
        {
            if (null == t)
            {
                failures.add("no host table under " + tree);
                return;
            }
            counts.put("table.slotsRecoveredAtEnd", (long)t.recoverDead());
            final List<HostTable.SlotInfo> slots = t.slots();
            if (!slots.isEmpty())
            {
                failures.add("table: slots still taken after every worker exited and recovery: " + slots);
            }
            final List<HostTable.LockInfo> locks = t.locks();
            if (!locks.isEmpty())
            {
                failures.add("table: locks left after every worker exited and recovery: " + locks);
            }
            counts.put("table.nodesInUseAtEnd", (long)t.nodesInUse());
            // Directly: every node idle (no hold, intent or mark left), and the table consistent.
            final List<String> busy = io.pathlock.host.HostTableProbe.nodesWithCounts(t);
            if (!busy.isEmpty())
            {
                failures.add("table: " + busy.size() + " node(s) still have counts after the final recovery: " +
                    busy.subList(0, Math.min(10, busy.size())));
            }
            final List<String> problems = io.pathlock.host.HostTableProbe.consistencyProblems(t);
            if (!problems.isEmpty())
            {
                failures.add("table: inconsistent after the final recovery: " +
                    problems.subList(0, Math.min(10, problems.size())));
            }
            try (HostSession s = t.attach())
            {
                final HostSession.Result r = s.tryAcquire(List.of(
                    new LockRequest.Entry(LockPath.root(), LockType.SUBTREE, LockMode.EXCLUSIVE)));
                if (r.isGranted())
                {
                    s.release(r.grant());
                }
                else
                {
                    failures.add("table: SUBTREE-X of the root refused after every worker exited: counts left: " +
                        r.conflict());
                }
            }
        }
    }

    private static boolean isStopped(final long pid)
    {
        try
        {
            final String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            final String rest = stat.substring(stat.lastIndexOf(')') + 2);
            return rest.charAt(0) == 'T';
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    private static void signal(final String sig, final long pid) throws IOException, InterruptedException
    {
        // A worker may have died meanwhile (host runs: its own crash hook): kill's "No such process"
        // is expected then, and the caller sees the death.
        new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }

    private String randomLockPath()
    {
        if (!workload.equals("tree"))
        {
            return ChaosTree.MUTEX_PATH;
        }
        final List<String> ps = ChaosTree.lockPaths();
        return ps.get(rnd.nextInt(1, ps.size()));
    }

    /** Plants a complete file by link(2) of a temporary one: never partial, never replaces a lock file. */
    private boolean plant(final String path, final String content) throws IOException
    {
        final Path tmp = Files.createTempFile(run.resolve("tmp"), "plant", ".tmp");
        Files.writeString(tmp, content);
        final Path target = ChaosTree.lockFile(tree, path);
        try
        {
            Files.createLink(target, tmp);
            planted.add(target);
            return true;
        }
        catch (final java.nio.file.FileAlreadyExistsException ex)
        {
            return false;
        }
        finally
        {
            Files.delete(tmp);
        }
    }

    private void removeExpiredGarbage(final ChaosLog log, final Map<String, Long> garbageUntil) throws IOException
    {
        final long now = System.currentTimeMillis();
        for (final var it = garbageUntil.entrySet().iterator(); it.hasNext();)
        {
            final var e = it.next();
            if (e.getValue() <= now)
            {
                log.append("G- " + e.getKey());
                // Garbage is never reclaimed by the store (fail closed), so the name still holds our file.
                Files.delete(ChaosTree.lockFile(tree, e.getKey()));
                it.remove();
            }
        }
    }

    private void collectWorkerStats() throws IOException
    {
        for (final Worker w : all)
        {
            for (final String line : Files.readAllLines(w.out))
            {
                if (line.startsWith("STATS "))
                {
                    bump("workers.finished");
                    for (final String kv : line.substring(6).split(" "))
                    {
                        final String[] f = kv.split("=");
                        bump("worker." + f[0], Long.parseLong(f[1]));
                    }
                }
                else if (line.startsWith("ERROR") || line.contains("Exception"))
                {
                    bump("worker.errorLines");
                    if (counts.get("worker.errorLines") <= 5)
                    {
                        System.out.println("  " + w.name + ": " + line);
                    }
                }
            }
        }
    }

    private record Held(char type, String path)
    {
    }

    private void violation(final String what)
    {
        bump("violations");
        if (counts.get("violations") <= 20)
        {
            failures.add(what);
        }
    }

    /** Replays the log: the independent checker. */
    private void verifyLog() throws IOException
    {
        final boolean lease = backend.equals("nio");
        final Map<String, List<Held>> inside = new HashMap<>();
        final Map<String, Long> insideToken = new HashMap<>();
        final Map<String, List<Held>> dead = new HashMap<>();
        long lastToken = Long.MIN_VALUE;
        long lineNo = 0;
        long grantsSinceKill = -1;
        final Map<String, Long> garbageEnd = new HashMap<>();
        long offset = 0;
        final List<String> lines = Files.readAllLines(run.resolve(ChaosLog.LOG_NAME));
        // A process that killed itself (D record) died at an unknown point after its last record:
        // a grant conflicting with its open sections between that record and D cannot be judged.
        final Map<String, Long> lastRecord = new HashMap<>();
        final Map<String, Long> deathRecord = new HashMap<>();
        for (int i = 0; i < lines.size(); i++)
        {
            final String[] f = lines.get(i).split(" ");
            if (f[0].equals("E") || f[0].equals("X"))
            {
                lastRecord.put(f[1].substring(0, f[1].indexOf('.') + 1), i + 1L);
            }
            else if (f[0].equals("D"))
            {
                deathRecord.put(f[1] + ".", i + 1L);
            }
        }
        for (final String line : lines)
        {
            lineNo++;
            offset += line.length() + 1;
            final String[] f = line.split(" ");
            switch (f[0])
            {
                case "E":
                {
                    bump("grants");
                    if (grantsSinceKill >= 0)
                    {
                        grantsSinceKill++;
                    }
                    final long token = Long.parseLong(f[2]);
                    final List<Held> want = new ArrayList<>();
                    for (final String e : f[3].split(","))
                    {
                        want.add(new Held(e.charAt(0), e.substring(1)));
                    }
                    for (final var other : inside.entrySet())
                    {
                        for (final Held h : other.getValue())
                        {
                            for (final Held w : want)
                            {
                                if (ChaosTree.conflicts(h.type(), h.path(), w.type(), w.path()))
                                {
                                    if (other.getKey().startsWith("garbage:") && (f.length < 5 ||
                                        Long.parseLong(f[4]) < garbageEnd.get(other.getKey())))
                                    {
                                        // The garbage was linked while this attempt ran: the grant may
                                        // precede it (planting does not check for holders).
                                        bump("garbage.plantedDuringAttempt(not judged)");
                                    }
                                    else if (lease)
                                    {
                                        bump("overlaps.afterLeaseExpiry");
                                    }
                                    else if (inCrashWindow(other.getKey(), lineNo, lastRecord, deathRecord))
                                    {
                                        bump("crashes.grantBetweenLastRecordAndDeath(not judged)");
                                    }
                                    else
                                    {
                                        violation("line " + lineNo + ": " + f[1] + " entered " + w + " while " +
                                            other.getKey() + " held " + h);
                                    }
                                }
                            }
                        }
                    }
                    for (final var it = dead.entrySet().iterator(); it.hasNext();)
                    {
                        final var d = it.next();
                        if (d.getValue().stream().anyMatch(h -> want.stream().anyMatch(
                            w -> ChaosTree.conflicts(h.type(), h.path(), w.type(), w.path()))))
                        {
                            bump("reclaims.observed(killed holder's lock granted to another)");
                            it.remove();
                        }
                    }
                    if (workload.equals("mutex"))
                    {
                        if (token <= lastToken)
                        {
                            violation("line " + lineNo + ": fencing token " + token + " granted after " + lastToken);
                        }
                        lastToken = token;
                    }
                    if (token <= 0)
                    {
                        violation("line " + lineNo + ": no fencing token");
                    }
                    inside.put(f[1], want);
                    insideToken.put(f[1], token);
                    break;
                }
                case "X":
                    if (null == inside.remove(f[1]))
                    {
                        violation("line " + lineNo + ": EXIT without ENTER: " + line);
                    }
                    break;
                case "K":
                {
                    if (grantsSinceKill == 0)
                    {
                        bump("kills.withoutProgressBetween");
                    }
                    grantsSinceKill = 0;
                    final String prefix = f[1] + ".";
                    final int before = inside.size();
                    for (final var it = inside.entrySet().iterator(); it.hasNext();)
                    {
                        final var e = it.next();
                        if (e.getKey().startsWith(prefix))
                        {
                            dead.put(e.getKey(), e.getValue());
                            it.remove();
                        }
                    }
                    bump("kills.insideSection", before - inside.size());
                    break;
                }
                case "D":
                {
                    final String prefix = f[1] + ".";
                    final int before = inside.size();
                    for (final var it = inside.entrySet().iterator(); it.hasNext();)
                    {
                        final var e = it.next();
                        if (e.getKey().startsWith(prefix))
                        {
                            dead.put(e.getKey(), e.getValue());
                            it.remove();
                        }
                    }
                    bump("crashes.insideSection", before - inside.size());
                    break;
                }
                case "G?":
                case "F":
                case "P":
                case "Q":
                    break;
                case "G+":
                    inside.put("garbage:" + f[1], List.of(new Held('P', f[1])));
                    garbageEnd.put("garbage:" + f[1], offset);
                    break;
                case "G-":
                    inside.remove("garbage:" + f[1]);
                    break;
                case "C":
                    bump("counter.acceptedWrites");
                    break;
                case "R":
                    bump("counter.rejected." + f[3]);
                    break;
                default:
                    violation("line " + lineNo + ": unknown record " + line);
            }
        }
        if (grantsSinceKill == 0 && counts.getOrDefault("faults.kill", 0L) > 0)
        {
            failures.add("no grant after the last kill: survivors did not progress");
        }
        inside.keySet().removeIf(g -> g.startsWith("garbage:"));
        if (!inside.isEmpty())
        {
            violation("sections never closed (worker not killed): " + inside.keySet());
        }
        if (workload.equals("counter") || workload.equals("fenced"))
        {
            final long value = CounterStorage.value(run.resolve(CounterStorage.FILE_NAME));
            final long acked = counts.getOrDefault("counter.acceptedWrites", 0L);
            counts.put("counter.finalValue", value);
            counts.put("counter.lostUpdates", acked - value);
            if (workload.equals("fenced") && acked != value)
            {
                failures.add("fenced counter lost " + (acked - value) + " acknowledged updates");
            }
        }
    }

    /** Whether a record line falls after the last record and before the D record of gid's process. */
    private static boolean inCrashWindow(final String gid, final long line, final Map<String, Long> lastRecord,
        final Map<String, Long> deathRecord)
    {
        final String pid = gid.substring(0, gid.indexOf('.') + 1);
        final Long death = deathRecord.get(pid);
        return death != null && line < death && line > lastRecord.getOrDefault(pid, 0L);
    }

    /** Recovers every worker's redo log; every task acknowledged as begun and not as done must replay. */
    private void verifyRedo() throws Exception
    {
        final Set<String> begun = new HashSet<>();
        final Set<String> done = new HashSet<>();
        for (final String line : Files.readAllLines(run.resolve(ChaosLog.REDO_ACK_NAME)))
        {
            (line.startsWith("A ") ? begun : done).add(line.substring(2));
        }
        final Set<String> replayed = ConcurrentHashMap.newKeySet();
        long quarantined = 0;
        long unhandled = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(run.resolve("redo")))
        {
            for (final Path dir : ds)
            {
                try (RedoLog r = RedoLog.open(new RedoLogConfig().directory(dir)))
                {
                    r.registerHandler(ChaosLog.REDO_TYPE, t -> replayed.add(new String(t.payload(), 0, t.payloadLength(),
                        StandardCharsets.UTF_8)));
                    final RecoveryReport rep = r.startRecovery().get(60, TimeUnit.SECONDS);
                    quarantined += rep.quarantined().size();
                    unhandled += rep.unhandled().size();
                    bump("redo.logsRecovered");
                }
            }
        }
        final Set<String> pending = new HashSet<>(begun);
        pending.removeAll(done);
        final Set<String> lost = new HashSet<>(pending);
        lost.removeAll(replayed);
        final Set<String> replayedDone = new HashSet<>(replayed);
        replayedDone.retainAll(done);
        counts.put("redo.acknowledged", (long) begun.size());
        counts.put("redo.done", (long) done.size());
        counts.put("redo.pendingAtKill", (long) pending.size());
        counts.put("redo.replayed", (long) replayed.size());
        counts.put("redo.replayedAlthoughDone", (long) replayedDone.size());
        counts.put("redo.lost", (long) lost.size());
        counts.put("redo.quarantined", quarantined);
        counts.put("redo.unhandled", unhandled);
        if (!lost.isEmpty() || quarantined > 0 || unhandled > 0)
        {
            failures.add("redo: lost acknowledged tasks " + lost + " quarantined " + quarantined + " unhandled " + unhandled);
        }
    }

    private void countLeftovers() throws IOException
    {
        long foreignLeft = 0;
        for (final Path p : planted)
        {
            if (Files.exists(p) && Files.readString(p).startsWith("python-openviking-"))
            {
                foreignLeft++;
            }
        }
        counts.put("foreign.notReclaimed(never requested)", foreignLeft);
        try (FileLockStore s = FileLockStore.builder(tree).backend(backend).build())
        {
            counts.put("lockFiles.leftAtEnd", (long) s.status().size());
        }
    }

    private boolean summary(final double elapsed)
    {
        final long grants = counts.getOrDefault("grants", 0L);
        System.out.printf(Locale.ROOT, "  %-40s %d%n", "grants (ENTER records)", grants);
        System.out.printf(Locale.ROOT, "  %-40s %.0f/s over %.1f s%n", "throughput", grants / elapsed, elapsed);
        for (final var e : counts.entrySet())
        {
            if (!e.getKey().equals("grants"))
            {
                System.out.printf(Locale.ROOT, "  %-40s %d%n", e.getKey(), e.getValue());
            }
        }
        if (!counts.containsKey("violations"))
        {
            System.out.printf(Locale.ROOT, "  %-40s %d%n", "violations", 0);
        }
        printDistribution("dead worker's lock: death to grant", freedNanos);
        printDistribution("dead worker's lock: request to grant", probeWaitNanos);
        if (grants == 0)
        {
            failures.add("no grant at all");
        }
        for (final String f : failures)
        {
            System.out.println("  FAILURE: " + f);
        }
        System.out.println("== workload " + workload + ": " + (failures.isEmpty() ? "passed" : "FAILED"));
        return failures.isEmpty();
    }

    private void printDistribution(final String what, final List<Long> nanos)
    {
        if (nanos.isEmpty())
        {
            return;
        }
        final long[] f = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "  %-40s n=%d p50=%.2f ms p99=%.2f ms max=%.2f ms%n", what, f.length,
            f[f.length / 2] / 1e6, f[Math.min(f.length - 1, (int)Math.ceil(f.length * 0.99) - 1)] / 1e6,
            f[f.length - 1] / 1e6);
    }

    private void bump(final String key)
    {
        bump(key, 1);
    }

    private void bump(final String key, final long n)
    {
        counts.merge(key, n, Long::sum);
    }

    private static void deleteTree(final Path p) throws IOException
    {
        try (var s = Files.walk(p))
        {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        }
    }
}

package io.pathlock.stress.chaos;

import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.ZooKeeper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Multi-JVM chaos run of the ZooKeeper lock store (issue 13) against an in-JVM ensemble.
 *
 * <pre>
 *   ZooKeeperChaosRunner --root DIR [--servers 3] [--workers N] [--threads M] [--seconds S] [--seed X]
 *                        [--faults kill,expire,leader] [--workload tree|mutex|fenced|all] [--session-ms MS]
 * </pre>
 *
 * Starts a curator-test {@code TestingCluster} of {@code --servers} ZooKeeper servers in this JVM and
 * N {@link ChaosWorker} JVMs x M threads on the ZooKeeper store (namespace per run), records every
 * critical section in the shared {@link ChaosLog} and replays it with the chaos runner's verifier
 * ({@link ChaosRunner#verify}: its own conflict matrix; for {@code mutex} also fencing tokens
 * strictly increasing in grant order). Faults:
 * <ul>
 *   <li>{@code kill}: SIGSTOP a worker, record {@code K pid} (its open sections end there), kill -9,
 *   start a replacement. Its locks go when its session times out ({@code --session-ms}).</li>
 *   <li>{@code expire}: the same cut, but the worker's session is expired on the ensemble (another
 *   client closes it with its id and password) before the kill -9: its locks go at once, while the
 *   process still exists.</li>
 *   <li>{@code pause} (only, in the {@code fenced} workload): the Jepsen read-modify-write of a
 *   counter under POINT(/m) whose storage rejects stale fencing tokens; a holder is stopped (SIGSTOP)
 *   for 1.5 to 2 session timeouts, so its session expires and another worker takes the lock; when
 *   it resumes it writes with its old token, which must be rejected: no acknowledged update lost.</li>
 *   <li>{@code leader}: the leader server is killed and restarted a second or two later (with 3
 *   servers the ensemble keeps a quorum; clients are disconnected, handles learn they may have lost
 *   their locks, sessions survive the election).</li>
 * </ul>
 * Exit code 0 only if the verifier found no violation and the workers progressed.
 */
public final class ZooKeeperChaosRunner
{
    private final Path base;
    private final String workload;
    private final int workers;
    private final int threads;
    private final int seconds;
    private final long seed;
    private final int sessionMs;
    private final Set<String> faults;
    private final SplittableRandom rnd;
    private final TestingCluster cluster;
    private final Path run;
    private final String namespace;
    private final Map<Integer, Process> live = new HashMap<>();
    private final Map<Integer, Path> outs = new HashMap<>();
    private final List<Process> all = new ArrayList<>();
    private final Map<String, Long> counts = new TreeMap<>();
    private long deadline;

    private ZooKeeperChaosRunner(final Path root, final String workload, final int workers, final int threads,
        final int seconds, final long seed, final int sessionMs, final Set<String> faults, final TestingCluster cluster)
        throws IOException
    {
        this.base = root.resolve("zookeeper-" + workload);
        this.workload = workload;
        this.workers = workers;
        this.threads = threads;
        this.seconds = seconds;
        this.seed = seed;
        this.sessionMs = sessionMs;
        this.faults = faults;
        this.rnd = new SplittableRandom(seed);
        this.cluster = cluster;
        this.namespace = "/chaos-" + workload + "-" + seed + "-" + System.nanoTime() % 1_000_000;
        if (Files.exists(base))
        {
            try (Stream<Path> s = Files.walk(base))
            {
                for (final Path p : s.sorted(Comparator.reverseOrder()).toList())
                {
                    Files.delete(p);
                }
            }
        }
        this.run = base.resolve("run");
        Files.createDirectories(run);
        Files.createFile(run.resolve(ChaosLog.LOG_NAME));
        CounterStorage.init(run.resolve(CounterStorage.FILE_NAME));
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
                System.err.println("usage: ZooKeeperChaosRunner --root DIR [--servers 3] [--workers N] [--threads M] " +
                    "[--seconds S] [--seed X] [--faults kill,expire,leader] [--workload tree|mutex|fenced|all] [--session-ms MS]");
                System.exit(2);
            }
            a.put(args[i].substring(2), args[++i]);
        }
        final Path root = Path.of(a.getOrDefault("root", "target/chaos")).toAbsolutePath();
        final int servers = Integer.parseInt(a.getOrDefault("servers", "3"));
        final int workers = Integer.parseInt(a.getOrDefault("workers", "3"));
        final int threads = Integer.parseInt(a.getOrDefault("threads", "3"));
        final int seconds = Integer.parseInt(a.getOrDefault("seconds", "30"));
        final int sessionMs = Integer.parseInt(a.getOrDefault("session-ms", "8000"));
        final long seed = Long.parseLong(a.getOrDefault("seed", "" + System.nanoTime() % 100_000));
        final String f = a.getOrDefault("faults", "kill,expire,leader");
        final Set<String> faults = new LinkedHashSet<>(f.isEmpty() || f.equals("none") ? List.of() : Arrays.asList(f.split(",")));
        final String wl = a.getOrDefault("workload", "all");
        final List<String> workloads = wl.equals("all") ? List.of("tree", "mutex", "fenced") : List.of(wl);
        System.out.println("zookeeper chaos: root=" + root + " servers=" + servers + " workers=" + workers + " threads=" +
            threads + " seconds=" + seconds + " seed=" + seed + " faults=" + faults + " workloads=" + workloads +
            " session=" + sessionMs + " ms");
        // The runner finds the leader with the "srvr" four-letter command.
        System.setProperty("zookeeper.4lw.commands.whitelist", "srvr");
        boolean ok = true;
        try (TestingCluster cluster = new TestingCluster(servers))
        {
            cluster.start();
            System.out.println("ensemble: " + cluster.getConnectString());
            for (final String w : workloads)
            {
                // fenced: holders are paused (SIGSTOP) past their session's expiry, nothing else.
                final Set<String> fs = w.equals("fenced") ? Set.of("pause") : faults;
                ok &= new ZooKeeperChaosRunner(root, w, workers, threads, seconds, seed, sessionMs, fs, cluster).execute();
            }
        }
        System.out.println(ok ? "zookeeper chaos: PASSED" : "zookeeper chaos: FAILED");
        System.exit(ok ? 0 : 1);
    }

    private boolean execute() throws Exception
    {
        System.out.println("== workload " + workload + " (" + seconds + " s, faults " + faults + ", namespace " + namespace + ")");
        final long start = System.currentTimeMillis();
        deadline = start + 2000L * workers + seconds * 1000L;
        for (int i = 0; i < workers; i++)
        {
            startWorker(i, 0);
        }
        final int[] generation = new int[workers];
        long lastKill = 0;
        long lastLeader = start;
        try (ChaosLog log = new ChaosLog(run.resolve(ChaosLog.LOG_NAME)))
        {
            while (System.currentTimeMillis() < deadline - 1500)
            {
                Thread.sleep(rnd.nextInt(300, 1200));
                if (faults.isEmpty())
                {
                    continue;
                }
                final List<String> fl = new ArrayList<>(faults);
                final String fault = fl.get(rnd.nextInt(fl.size()));
                final long now = System.currentTimeMillis();
                if (fault.equals("pause"))
                {
                    // The Jepsen case: a holder stopped past its session's expiry wakes up and writes with
                    // its old token; the fenced storage must reject it. None in the last 3 s.
                    final Integer slot = deadline - now < 3 * sessionMs ? null : pick();
                    if (slot != null)
                    {
                        final long pid = live.get(slot).pid();
                        signal("STOP", pid);
                        log.append("P " + pid);
                        Thread.sleep(rnd.nextLong(sessionMs * 3L / 2, sessionMs * 2L));
                        log.append("Q " + pid);
                        signal("CONT", pid);
                        bump("faults.pausedPastSessionExpiry");
                    }
                    continue;
                }
                if (fault.equals("leader"))
                {
                    // At most one leader change per 8 s, none in the last 6 s (the election must end in time).
                    if (now - lastLeader < 8000 || deadline - now < 6000)
                    {
                        continue;
                    }
                    if (killLeader())
                    {
                        bump("faults.leaderKilled");
                        lastLeader = System.currentTimeMillis();
                    }
                    continue;
                }
                // kill / expire: at most one per second, never the last live worker, none in the last 4 s.
                if (now - lastKill < 1000 || deadline - now < 4000 || liveCount() < 2)
                {
                    continue;
                }
                final Integer slot = pick();
                if (slot != null && cut(slot, log, fault.equals("expire")))
                {
                    bump(fault.equals("expire") ? "faults.sessionExpired" : "faults.kill");
                    lastKill = System.currentTimeMillis();
                    startWorker(slot, ++generation[slot]);
                }
            }
        }
        final List<String> failures = new ArrayList<>();
        for (final Process p : all)
        {
            if (!p.waitFor(Math.max(0, deadline - System.currentTimeMillis()) + 60_000, TimeUnit.MILLISECONDS))
            {
                failures.add("worker " + p.pid() + " did not finish; killed");
                p.destroyForcibly().waitFor();
            }
        }
        long grants = 0;
        long lost = 0;
        long errors = 0;
        for (final Path out : outs.values().stream().toList())
        {
            for (final String line : Files.readAllLines(out))
            {
                if (line.startsWith("STATS "))
                {
                    for (final String kv : line.substring(6).split(" "))
                    {
                        final String[] p = kv.split("=");
                        if (p[0].equals("grants"))
                        {
                            grants += Long.parseLong(p[1]);
                        }
                        else if (p[0].equals("lostHandles"))
                        {
                            lost += Long.parseLong(p[1]);
                        }
                        else if (p[0].equals("errors"))
                        {
                            errors += Long.parseLong(p[1]);
                        }
                    }
                }
            }
        }
        counts.put("workers.grants(finished workers)", grants);
        counts.put("workers.lostHandles(told of a possible loss)", lost);
        counts.put("workers.errors", errors);
        // fenced: a paused holder's section overlaps its successor's (the lease ran out), by design;
        // the verifier counts those overlaps and fails on any lost acknowledged update instead.
        failures.addAll(ChaosRunner.verify(run, workload, workload.equals("fenced")));
        if (workload.equals("fenced"))
        {
            counts.put("counter.finalValue", CounterStorage.value(run.resolve(CounterStorage.FILE_NAME)));
            counts.put("counter.acceptedWrites", Files.readAllLines(run.resolve(ChaosLog.LOG_NAME)).stream()
                .filter(l -> l.startsWith("C ")).count());
            counts.put("counter.rejectedStaleWrites", Files.readAllLines(run.resolve(ChaosLog.LOG_NAME)).stream()
                .filter(l -> l.startsWith("R ")).count());
        }
        final long sections = Files.readAllLines(run.resolve(ChaosLog.LOG_NAME)).stream().filter(l -> l.startsWith("E ")).count();
        counts.put("sections.recorded", sections);
        if (sections == 0)
        {
            failures.add("no critical section was recorded");
        }
        final double elapsed = (System.currentTimeMillis() - start) / 1000.0;
        System.out.printf("workload %s: %.1f s%n", workload, elapsed);
        counts.forEach((k, v) -> System.out.println("  " + k + " = " + v));
        if (failures.isEmpty())
        {
            System.out.println("  violations = 0: PASSED");
            return true;
        }
        failures.forEach(x -> System.out.println("  FAILURE " + x));
        System.out.println("  worker output: " + run);
        return false;
    }

    private void startWorker(final int slot, final int gen) throws IOException
    {
        final String name = "w" + slot + "g" + gen;
        final List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-XX:-UsePerfData", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx96m", "-Xss512k",
            "-cp", System.getProperty("java.class.path"), ChaosWorker.class.getName(),
            "tree=" + base.resolve("unused-tree"), "run=" + run, "name=" + name, "workload=" + workload,
            "threads=" + threads, "deadline=" + deadline, "seed=" + (seed * 31 + slot * 7919L + gen),
            "lockExpireMs=2000", "backend=auto", "redo=false",
            "zookeeper=" + cluster.getConnectString(), "namespace=" + namespace, "sessionMs=" + sessionMs));
        final Path out = run.resolve(name + ".out");
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        live.put(slot, p);
        outs.put(slot * 1000 + gen, out);
        all.add(p);
    }

    private long liveCount()
    {
        return live.values().stream().filter(Process::isAlive).count();
    }

    private Integer pick()
    {
        final List<Integer> ss = new ArrayList<>();
        live.forEach((s, p) ->
            {
                if (p.isAlive())
                {
                    ss.add(s);
                }
            });
        ss.sort(null);
        return ss.isEmpty() ? null : ss.get(rnd.nextInt(ss.size()));
    }

    /**
     * kill -9 with an exact cut in the log, as {@code ChaosRunner} does: SIGSTOP, wait until stopped,
     * append {@code K pid}; with {@code expire}, close its session on the ensemble; then SIGKILL.
     */
    private boolean cut(final int slot, final ChaosLog log, final boolean expire) throws Exception
    {
        final Process p = live.get(slot);
        final long pid = p.pid();
        signal("STOP", pid);
        final long until = System.currentTimeMillis() + 2000;
        while (!isStopped(pid))
        {
            if (System.currentTimeMillis() > until || !p.isAlive())
            {
                signal("CONT", pid);
                return false;
            }
            Thread.sleep(1);
        }
        log.append("K " + pid);
        if (expire)
        {
            expireSession(slot);
        }
        p.destroyForcibly();
        p.waitFor();
        live.remove(slot);
        return true;
    }

    /** Closes the worker's current session from another client (its id and password): the server expires it. */
    private void expireSession(final int slot) throws Exception
    {
        Path out = null;
        int best = -1;
        for (final var e : outs.entrySet())
        {
            if (e.getKey() / 1000 == slot && e.getKey() > best)
            {
                best = e.getKey();
                out = e.getValue();
            }
        }
        String session = null;
        for (final String line : Files.readAllLines(out))
        {
            if (line.startsWith("SESSION "))
            {
                session = line;
            }
        }
        if (session == null)
        {
            bump("faults.expire.noSessionYet");
            return;
        }
        final String[] f = session.split(" ");
        // Connected first: a client closed before it connected sends no closeSession.
        final java.util.concurrent.CountDownLatch connected = new java.util.concurrent.CountDownLatch(1);
        final ZooKeeper impostor = new ZooKeeper(cluster.getConnectString(), sessionMs, e ->
            {
                if (e.getState() == org.apache.zookeeper.Watcher.Event.KeeperState.SyncConnected)
                {
                    connected.countDown();
                }
            }, Long.parseUnsignedLong(f[1], 16), Base64.getDecoder().decode(f[2]));
        if (!connected.await(10, TimeUnit.SECONDS))
        {
            bump("faults.expire.impostorNotConnected");
        }
        impostor.close();
    }

    /** Finds the leader ("srvr": "Mode: leader"), kills it, restarts it a second or two later. */
    private boolean killLeader() throws Exception
    {
        for (final InstanceSpec spec : cluster.getInstances())
        {
            if (mode(spec).contains("leader"))
            {
                System.out.println("  killing the leader, server " + spec.getServerId() + " (port " + spec.getPort() + ")");
                cluster.killServer(spec);
                Thread.sleep(rnd.nextInt(1000, 2000));
                cluster.restartServer(spec);
                return true;
            }
        }
        bump("faults.leader.notFound");
        return false;
    }

    private static String mode(final InstanceSpec spec)
    {
        try (Socket s = new Socket("127.0.0.1", spec.getPort()))
        {
            s.setSoTimeout(2000);
            final OutputStream o = s.getOutputStream();
            o.write("srvr".getBytes(StandardCharsets.US_ASCII));
            o.flush();
            final InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (final IOException e)
        {
            return "";
        }
    }

    private static boolean isStopped(final long pid)
    {
        try
        {
            final String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).charAt(0) == 'T';
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    private static void signal(final String sig, final long pid) throws IOException, InterruptedException
    {
        new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start().waitFor();
    }

    private void bump(final String key)
    {
        counts.merge(key, 1L, Long::sum);
    }
}

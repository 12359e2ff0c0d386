package io.pathlock.cli;

import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 13: {@code run}, {@code status} and {@code break} with {@code --zookeeper}, and
 * {@code dev-zookeeper}, as real {@code pathlock} processes against an in-JVM ZooKeeper
 * ({@code TestingServer}). Every test uses its own lock paths, so they share one server. Processes
 * are ordered by files their commands write and by their output, never by time.
 */
class ZooKeeperCommandsTest
{
    private static TestingServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws Exception
    {
        server = new TestingServer(true);
    }

    @AfterAll
    static void stopServer() throws Exception
    {
        server.close();
    }

    /** Processes a test started: a failed assertion must not leave a holder (and its command) running. */
    private final List<CliProcess> started = new java.util.ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void stopLeftovers()
    {
        for (final CliProcess p : started)
        {
            p.process.descendants().forEach(ProcessHandle::destroyForcibly);
            p.process.destroyForcibly();
        }
    }

    private CliProcess start(final String name, final String... args) throws Exception
    {
        final CliProcess p = CliProcess.start(dir, name, args);
        started.add(p);
        return p;
    }

    private static String zk()
    {
        return server.getConnectString();
    }

    /** A command for {@code run} that says it started, waits for {@code go}, and says it ended. */
    private String holdUntilGo(final String name)
    {
        final Path d = dir;
        return "touch " + d.resolve(name + ".started") + "; while [ ! -e " + d.resolve(name + ".go") + " ]; do sleep 0.02; done; " +
            "touch " + d.resolve(name + ".ended");
    }

    private void go(final String name) throws Exception
    {
        Files.createFile(dir.resolve(name + ".go"));
    }

    private CliProcess holder(final String name, final String... lock) throws Exception
    {
        final List<String> args = new java.util.ArrayList<>(List.of("run", "--zookeeper", zk(), "--namespace", "/cli-test"));
        args.addAll(List.of(lock));
        args.addAll(List.of("-c", holdUntilGo(name)));
        final CliProcess p = start(name, args.toArray(String[]::new));
        p.await(name + " holds its locks", () -> Files.exists(dir.resolve(name + ".started")), true);
        return p;
    }

    /** status and break run in this JVM (as the other command tests do): only run needs its own process. */
    private static FileCommandsTest.Outcome exec(final String... args)
    {
        return FileCommandsTest.exec(args);
    }

    private Map<String, Object> statusJson()
    {
        final FileCommandsTest.Outcome o = exec("status", "--zookeeper", zk(), "--namespace", "/cli-test", "--json");
        assertEquals(0, o.exit(), o.err());
        return TinyJson.object(TinyJson.parse(o.out().trim()));
    }

    private static List<Map<String, Object>> locksOn(final Map<String, Object> doc, final String path)
    {
        final List<Map<String, Object>> out = new java.util.ArrayList<>();
        for (final Object o : TinyJson.array(doc.get("locks")))
        {
            final Map<String, Object> l = TinyJson.object(o);
            if (path.equals(l.get("path")))
            {
                out.add(l);
            }
        }
        return out;
    }

    /**
     * Two runs on one path: the second waits until the first's command has ended; -n meanwhile fails
     * busy (75) naming the holder; status lists the holder (host, pid, owner, type, mode, age) and
     * the waiter.
     */
    @Test
    void runsContendStatusListsHolderAndWaiter() throws Exception
    {
        final CliProcess a = holder("a", "--point", "/c/x");

        final CliProcess busy = start("busy", "run", "--zookeeper", zk(), "--namespace", "/cli-test", "-n",
            "--point", "/c/x", "--", "touch", dir.resolve("busy.ran").toString());
        assertEquals(RunCommand.EXIT_BUSY, busy.waitFor(Duration.ofSeconds(60)), busy.errText());
        assertTrue(busy.errText().contains("busy") && busy.errText().contains("/c/x"), busy.errText());
        assertFalse(Files.exists(dir.resolve("busy.ran")));

        // b's command checks that a's command had ended when b got the lock.
        final CliProcess b = start("b", "run", "--zookeeper", zk(), "--namespace", "/cli-test",
            "--subtree", "/c", "-c", "test -e " + dir.resolve("a.ended") + " && touch " + dir.resolve("b.ran"));

        Map<String, Object> doc = statusJson();
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (locksOn(doc, "/c").stream().noneMatch(l -> "waiting".equals(l.get("state"))))
        {
            // b is not in the queue yet, or status caught its attempt (an L node, shown held, before b
            // backs off): status again.
            assertTrue(b.process.isAlive(), "b ended while a holds /c/x: " + b.errText());
            assertTrue(System.nanoTime() < deadline, "b never showed up waiting: " + doc);
            doc = statusJson();
        }
        assertEquals("zookeeper", doc.get("backend"));
        assertEquals(zk(), doc.get("zookeeper"));
        final Map<String, Object> held = locksOn(doc, "/c/x").get(0);
        assertEquals("held", held.get("state"));
        assertEquals("POINT", held.get("type"));
        assertEquals("exclusive", held.get("mode"));
        assertEquals(a.process.pid(), ((Number)held.get("pid")).longValue());
        assertEquals(java.net.InetAddress.getLocalHost().getHostName(), held.get("host"));
        assertTrue(((String)held.get("owner")).startsWith("run@" + a.process.pid()), held.toString());
        assertTrue(((Number)held.get("age_ms")).longValue() >= 0, held.toString());
        final Map<String, Object> waiting = locksOn(doc, "/c").stream().filter(l -> "waiting".equals(l.get("state")))
            .findFirst().orElseThrow();
        assertEquals("SUBTREE", waiting.get("type"));
        assertEquals(b.process.pid(), ((Number)waiting.get("pid")).longValue());
        assertFalse(Files.exists(dir.resolve("b.ran")), "b ran while a held /c/x");

        // The text table has the same fields.
        final FileCommandsTest.Outcome text = exec("status", "--zookeeper", zk(), "--namespace", "/cli-test");
        assertEquals(0, text.exit(), text.err());
        assertTrue(text.out().contains("HOST") && text.out().matches("(?s).*held +POINT +exclusive +\\S+ +\\S+ +" +
            a.process.pid() + " +/c/x +run@.*"), text.out());

        go("a");
        assertEquals(0, a.waitFor(Duration.ofSeconds(60)), a.errText());
        assertEquals(0, b.waitFor(Duration.ofSeconds(60)), b.errText());
        assertTrue(Files.exists(dir.resolve("b.ran")), "b's command did not see a's command ended");
    }

    /**
     * break on ZooKeeper: a live holder is kept (75) without --force and removed with it; its run
     * reports the loss and exits 76; a holder whose process died is removed without --force (its
     * session would otherwise keep the lock until it expires).
     */
    @Test
    void breakKeepsALiveHolderRemovesItWithForceAndADeadOneWithout() throws Exception
    {
        final CliProcess a = holder("a", "--point", "/b/x");
        final FileCommandsTest.Outcome kept = exec("break", "--zookeeper", zk(), "--namespace", "/cli-test", "/b/x");
        assertEquals(RunCommand.EXIT_BUSY, kept.exit(), kept.err());
        assertTrue(kept.err().contains("kept live POINT exclusive lock /b/x"), kept.err());

        // --owner picks one holder: another owner id matches nothing.
        assertEquals(1, exec("break", "--zookeeper", zk(), "--namespace", "/cli-test", "--force", "--owner", "run@1.1.1",
            "/b/x").exit());
        final FileCommandsTest.Outcome forced = exec("break", "--zookeeper", zk(), "--namespace", "/cli-test", "--force",
            "--owner", "run@" + a.process.pid() + ".1.1", "/b/x");
        assertEquals(0, forced.exit(), forced.err());
        assertTrue(forced.out().contains("removed live POINT exclusive lock /b/x of run@" + a.process.pid()), forced.out());
        assertEquals(0, CliProcess.run(dir, "after", "run", "--zookeeper", zk(), "--namespace", "/cli-test", "-n",
            "--point", "/b/x", "--", "true"));
        // a's heartbeat (at most the store's 5 s) notices; then its command ends and it exits 76.
        a.await("a reports the loss", () -> a.errText().contains("LOCK LOST"), true);
        go("a");
        assertEquals(RunCommand.EXIT_LOST, a.waitFor(Duration.ofSeconds(60)), a.errText());

        // A holder killed with SIGKILL: its session lives on for the session timeout (15 s).
        final CliProcess d = holder("d", "--subtree", "/b/y");
        d.signal("KILL");
        d.waitFor(Duration.ofSeconds(60));
        final FileCommandsTest.Outcome dead = exec("break", "--zookeeper", zk(), "--namespace", "/cli-test", "/b/y");
        assertEquals(0, dead.exit(), dead.err());
        assertTrue(dead.out().contains("removed dead SUBTREE exclusive lock /b/y"), dead.out());
        assertEquals(0, CliProcess.run(dir, "after-dead", "run", "--zookeeper", zk(), "--namespace", "/cli-test", "-n",
            "--point", "/b/y/z", "--", "true"));
        go("d"); // d's command outlived d
        assertEquals(1, exec("break", "--zookeeper", zk(), "--namespace", "/cli-test", "/b/nothing").exit());
    }

    /** Shared runs (-s) hold one path together and keep an exclusive run out, once the facade takes shared locks. */
    @Test
    void sharedRunsShareAndExcludeAnExclusiveOne() throws Exception
    {
        assumeTrue(SharedRunTest.facadeTakesSharedLocks(), "the facade does not take shared locks yet");
        final CliProcess r1 = holder("r1", "-s", "--point", "/s/x");
        assertEquals(0, CliProcess.run(dir, "r2", "run", "--zookeeper", zk(), "--namespace", "/cli-test", "-s", "-n",
            "--point", "/s/x", "--", "true"));
        assertEquals(RunCommand.EXIT_BUSY, CliProcess.run(dir, "w", "run", "--zookeeper", zk(), "--namespace", "/cli-test",
            "-n", "--point", "/s/x", "--", "true"));
        assertEquals("shared", locksOn(statusJson(), "/s/x").get(0).get("mode"));
        go("r1");
        assertEquals(0, r1.waitFor(Duration.ofSeconds(60)), r1.errText());
    }

    /** An ensemble that does not answer: a one-line error naming the connect string, exit 74, within the timeout. */
    @Test
    void unreachableEnsembleIsAClearErrorWithinTheTimeout() throws Exception
    {
        final int port;
        try (ServerSocket s = new ServerSocket(0))
        {
            port = s.getLocalPort();
        }
        final String connect = "127.0.0.1:" + port;
        final long t0 = System.nanoTime();
        final CliProcess p = start("run", "run", "--zookeeper", connect, "--connect-timeout", "1s", "--point",
            "/a", "--", "true");
        assertEquals(RunCommand.EXIT_IO, p.waitFor(Duration.ofSeconds(30)), p.errText());
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(20).toNanos(), "took too long");
        assertClearError("run", connect, p.errText());
        for (final String[] args : new String[][] {
            {"status", "--zookeeper", connect, "--connect-timeout", "1s"},
            {"break", "--zookeeper", connect, "--connect-timeout", "1s", "/a"}})
        {
            final FileCommandsTest.Outcome o = exec(args);
            assertEquals(RunCommand.EXIT_IO, o.exit(), o.err());
            assertClearError(args[0], connect, o.err());
        }
        final FileCommandsTest.Outcome both = exec("status", "--root", dir.toString(), "--zookeeper", connect);
        assertEquals(PathlockCommand.EXIT_USAGE, both.exit());
        assertTrue(both.err().contains("give --root or --zookeeper, not both"), both.err());
        final FileCommandsTest.Outcome neither = exec("status");
        assertEquals(PathlockCommand.EXIT_USAGE, neither.exit());
        assertTrue(neither.err().contains("--root DIR") && neither.err().contains("--zookeeper CONNECT"), neither.err());
    }

    private static void assertClearError(final String command, final String connect, final String err)
    {
        assertTrue(err.contains("pathlock " + command + ": ZooKeeper at " + connect) && err.contains("could not connect"), err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), err);
        assertEquals(1, err.strip().lines().count(), err);
    }

    /** dev-zookeeper: starts, says NOT FOR PRODUCTION and its connect string, serves a run, and SIGTERM cleans up. */
    @Test
    void devZooKeeperServesARunAndSigtermDeletesItsData() throws Exception
    {
        final CliProcess dev = start("dev", "dev-zookeeper", "--port", "0");
        dev.await("the connect string", () -> dev.outText().contains("running until killed"), true);
        final String out = dev.outText();
        assertTrue(out.contains("NOT FOR PRODUCTION"), out);
        final Matcher connect = Pattern.compile("connect string: (\\S+)").matcher(out);
        final Matcher data = Pattern.compile("data directory: (\\S+)").matcher(out);
        assertTrue(connect.find() && data.find(), out);
        final Path dataDir = Path.of(data.group(1));
        assertTrue(Files.isDirectory(dataDir));
        assertEquals(0, CliProcess.run(dir, "run-dev", "run", "--zookeeper", connect.group(1), "--point", "/dev", "--",
            "touch", dir.resolve("dev.ran").toString()));
        assertTrue(Files.exists(dir.resolve("dev.ran")));
        dev.signal("TERM");
        assertEquals(128 + 15, dev.waitFor(Duration.ofSeconds(60)), dev.errText());
        assertFalse(Files.exists(dataDir), "data directory left behind: " + dataDir);
        assertTrue(dev.errText().contains("stopped"), dev.errText());
    }
}

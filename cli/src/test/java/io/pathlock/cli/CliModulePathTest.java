package io.pathlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, item 5: every jar of the CLI's runtime (pathlock-cli, pathlock-engine, pathlock-native,
 * Agrona, picocli, HdrHistogram, jnr-posix and its jars) resolves in the boot layer when it is put on
 * the module path (before: the derived name of pathlock-native, "pathlock.native", is not a legal
 * module name and the boot layer threw FindException), and the command runs as the named module
 * {@code io.pathlock.cli}.
 */
class CliModulePathTest
{
    @TempDir
    Path dir;

    /**
     * The ZooKeeper store and its dependencies: class path only (issue 13). zookeeper and zookeeper-jute
     * split packages, so no module graph can hold both; the CLI finds the store with ServiceLoader and,
     * on the module path, says it needs the class path (docs/cli.md).
     */
    private static final List<String> CLASS_PATH_ONLY = List.of("pathlock-zookeeper", "curator-", "zookeeper-",
        "audience-annotations", "netty-", "commons-io", "slf4j-", "metrics-core", "snappy-java", "guava",
        "failureaccess", "listenablefuture", "checker-qual", "error_prone", "j2objc", "logback-");

    /** The CLI's runtime: the test class path without the test-only jars and directories and the ZooKeeper store's. */
    private static String modulePath()
    {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(e -> !e.endsWith("test-classes"))
            .filter(e -> !e.replace('\\', '/').endsWith("zookeeper/target/classes"))
            .filter(e ->
            {
                final String n = Path.of(e).getFileName().toString();
                return !(n.startsWith("junit-") || n.startsWith("opentest4j") || n.startsWith("apiguardian")) &&
                    CLASS_PATH_ONLY.stream().noneMatch(n::startsWith);
            })
            .collect(Collectors.joining(File.pathSeparator));
    }

    /** On the module path --zookeeper is a clear error (69) that says to use the class path. */
    @Test
    void theZooKeeperStoreAsksForTheClassPath() throws Exception
    {
        final String out = run(69, "--module-path", modulePath(), "--module",
            "io.pathlock.cli/io.pathlock.cli.PathlockCommand", "status", "--zookeeper", "127.0.0.1:2181");
        assertTrue(out.contains("named module") && out.contains("class path") && !out.contains("Exception"), out);
    }

    private static String run(final int expectedExit, final String... args) throws Exception
    {
        final List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command()
            .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.addAll(List.of(args));
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child did not finish: " + cmd);
        assertEquals(expectedExit, p.exitValue(), () -> cmd + "\n" + out);
        return out;
    }

    @Test
    void everyRuntimeJarResolvesInTheBootLayer() throws Exception
    {
        final String mp = modulePath();
        assertTrue(mp.contains("pathlock-native") || mp.contains("native/target/classes"), mp);
        run(0, "--module-path", mp, "--add-modules", "ALL-MODULE-PATH", "--validate-modules");
        final String modules = run(0, "--module-path", mp, "--list-modules");
        for (final String m : List.of("io.pathlock@", "io.pathlock.nativeio@", "io.pathlock.cli@", "org.agrona.core@",
            "info.picocli@", "org.jnrproject.posix@"))
        {
            assertTrue(modules.contains(m), m + " in\n" + modules);
        }
    }

    @Test
    void theCommandRunsAsANamedModule() throws Exception
    {
        final String mp = modulePath();
        final String help = run(0, "--module-path", mp, "--module", "io.pathlock.cli/io.pathlock.cli.PathlockCommand",
            "--help");
        assertTrue(help.contains("Usage: pathlock"), help);
        final Path root = Files.createDirectories(dir.resolve("root"));
        final String status = run(0, "--module-path", mp, "--module", "io.pathlock.cli/io.pathlock.cli.PathlockCommand",
            "status", "--root", root.toString());
        assertTrue(!status.contains("Exception"), status);
        // run: the keeper process and the JNI calls of io.pathlock.nativeio, from the named modules.
        final String ran = run(0, "--module-path", mp, "--module", "io.pathlock.cli/io.pathlock.cli.PathlockCommand",
            "run", "--root", root.toString(), "--subtree", "/a", "--", "sh", "-c", "echo ran-under-lock");
        assertTrue(ran.contains("ran-under-lock") && !ran.contains("Exception"), ran);
    }

    /** bench --processes starts its worker JVMs as the named module when it runs as one. */
    @Test
    void benchWorkerProcessesStartOnTheModulePath() throws Exception
    {
        final Path trees = Files.createDirectories(dir.resolve("trees"));
        final String out = run(0, "--module-path", modulePath(), "--module", "io.pathlock.cli/io.pathlock.cli.PathlockCommand",
            "bench", "--store", "host", "--interop", "none", "--compare", "file", "--processes", "1", "--threads", "1",
            "--seconds", "1", "--warmup", "0", "--block-ms", "200", "--depth", "2", "--fanout", "2", "--no-progress",
            "--dir", trees.toString());
        assertTrue(out.contains("| pathlock (host, interop none) | 5 |") && out.contains("| pathlock (file, ragfs) | 5 |"), out);
        assertTrue(!out.contains("Exception"), out);
    }
}

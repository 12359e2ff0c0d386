package io.pathlock.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import io.pathlock.LockManager;
import io.pathlock.nativeio.NativeLoader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, item 5: pathlock works as named modules. A probe module ({@code requires io.pathlock}),
 * compiled here against the engine's and pathlock-native's module descriptors, runs in a child JVM
 * on the module path with no other option: it takes a lock on a lock-file store (JNI backend loaded
 * from inside the named module io.pathlock.nativeio), runs the redo log, records a JFR event whose
 * class is in a package that is not exported, and finds the internal packages closed to it. A probe
 * that imports {@code io.pathlock.table} does not compile. jnr-posix on the module path cannot bind
 * the calls the lock-file store needs (jnr-ffi generates classes in an unnamed module that cannot
 * implement the engine's internal binding interfaces): the selection refuses it with that reason
 * instead of failing later with ENOSYS.
 */
class ModulePathTest
{
    @TempDir
    static Path work;

    private static String modulePath;
    private static Path probeClasses;

    private static final String PROBE_MODULE = "module pathlock.probe { requires io.pathlock; requires jdk.jfr; }\n";

    private static final String PROBE = """
        package probe;

        import java.nio.charset.StandardCharsets;
        import java.nio.file.Files;
        import java.nio.file.Path;
        import java.time.Duration;

        import io.pathlock.LockHandle;
        import io.pathlock.LockManager;
        import io.pathlock.core.LockRequest;
        import io.pathlock.file.FileLockStore;
        import io.pathlock.redo.RedoLog;
        import io.pathlock.redo.RedoLogConfig;

        public final class Main
        {
            public static void main(String[] args) throws Exception
            {
                Path dir = Path.of(args[0]);
                System.out.println("module " + Main.class.getModule().getName() + " layer "
                    + (Main.class.getModule().getLayer() == ModuleLayer.boot() ? "boot" : "other"));
                Module engine = LockManager.class.getModule();
                System.out.println("engine " + engine.getName() + " named " + engine.isNamed());
                System.out.println("exports table " + engine.isExported("io.pathlock.table"));
                System.out.println("exports posix " + engine.isExported("io.pathlock.posix"));
                System.out.println("exports jfr " + engine.isExported("io.pathlock.observe.jfr"));
                System.out.println("exports core " + engine.isExported("io.pathlock.core"));

                Path jfr = dir.resolve("probe.jfr");
                try (jdk.jfr.Recording recording = new jdk.jfr.Recording())
                {
                    recording.enable("io.pathlock.LockHold");
                    recording.start();
                    FileLockStore store = FileLockStore.builder(Files.createDirectories(dir.resolve("root"))).build();
                    System.out.println("backend " + store.backend());
                    try (LockManager locks = LockManager.builder().store(store).build();
                         LockHandle h = locks.lock(LockRequest.subtree("/a/b"), Duration.ofSeconds(5)))
                    {
                        System.out.println("locked " + h.locks().size());
                    }
                    recording.stop();
                    recording.dump(jfr);
                }
                long holds = jdk.jfr.consumer.RecordingFile.readAllEvents(jfr).stream()
                    .filter(e -> e.getEventType().getName().equals("io.pathlock.LockHold")).count();
                System.out.println("jfr holds " + holds);

                try (RedoLog log = RedoLog.open(new RedoLogConfig().directory(dir.resolve("redo"))))
                {
                    log.begin("t", "x".getBytes(StandardCharsets.UTF_8)).done();
                    System.out.println("redo ok");
                }

                // LockManager.table() is public (for the project's own classpath tools) but its type is
                // in a package the module does not export: unusable here.
                Object theTable = LockManager.class.getMethod("table").invoke(LockManager.create());
                try
                {
                    theTable.getClass().getMethod("nodeCount").invoke(theTable);
                    System.out.println("table accessible");
                }
                catch (IllegalAccessException expected)
                {
                    System.out.println("table inaccessible: " + expected.getMessage());
                }
                System.out.println("PROBE-OK");
            }
        }
        """;

    private static final String BAD_PROBE = """
        package probe;

        public final class Bad
        {
            public static void main(String[] args)
            {
                System.out.println(new io.pathlock.table.LockTable());
            }
        }
        """;

    @BeforeAll
    static void compileProbe() throws Exception
    {
        final List<String> mp = new ArrayList<>();
        mp.add(location(LockManager.class));
        mp.add(location(NativeLoader.class));
        mp.add(location(Class.forName("org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer")));
        modulePath = String.join(File.pathSeparator, mp);
        probeClasses = work.resolve("probe-classes");
        final Path src = work.resolve("probe-src");
        Files.createDirectories(src.resolve("probe"));
        Files.writeString(src.resolve("module-info.java"), PROBE_MODULE);
        Files.writeString(src.resolve("probe").resolve("Main.java"), PROBE);
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        final int rc = javac.run(null, null, err, "-d", probeClasses.toString(), "--module-path", modulePath,
            "--class-path", Files.createDirectories(work.resolve("empty")).toString(),
            "-Xlint:all", "-Werror", src.resolve("module-info.java").toString(),
            src.resolve("probe").resolve("Main.java").toString());
        assertEquals(0, rc, () -> err.toString(StandardCharsets.UTF_8));
    }

    private static String location(final Class<?> c) throws URISyntaxException
    {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    @Test
    void theProbeRunsAsANamedModuleAndTheInternalsAreClosed() throws Exception
    {
        final ChildJvms.Result r = ChildJvms.run(ChildJvms.command(
            "--module-path", modulePath + File.pathSeparator + probeClasses,
            "--module", "pathlock.probe/probe.Main", work.resolve("run").toString()));
        final String out = r.output();
        assertEquals(0, r.exitCode(), out);
        assertTrue(out.contains("module pathlock.probe layer boot"), out);
        assertTrue(out.contains("engine io.pathlock named true"), out);
        assertTrue(out.contains("exports table false") && out.contains("exports posix false")
            && out.contains("exports jfr false") && out.contains("exports core true"), out);
        assertTrue(out.contains("backend jni"), "the JNI library loads from the named module: " + out);
        assertTrue(out.contains("locked 1"), out);
        assertTrue(out.contains("jfr holds 1"), "a JFR event class in a package that is not exported records: " + out);
        assertTrue(out.contains("redo ok"), out);
        assertTrue(out.contains("table inaccessible: ") && out.contains("does not export io.pathlock.table"), out);
        assertTrue(out.contains("PROBE-OK"), out);
    }

    @Test
    void aProbeThatImportsTheLockTableDoesNotCompile() throws Exception
    {
        final Path src = work.resolve("bad-src");
        Files.createDirectories(src.resolve("probe"));
        Files.writeString(src.resolve("module-info.java"), PROBE_MODULE);
        Files.writeString(src.resolve("probe").resolve("Bad.java"), BAD_PROBE);
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int rc = ToolProvider.getSystemJavaCompiler().run(null, null, err, "-d", work.resolve("bad").toString(),
            "--module-path", modulePath, "--class-path", Files.createDirectories(work.resolve("empty")).toString(),
            src.resolve("module-info.java").toString(),
            src.resolve("probe").resolve("Bad.java").toString());
        final String msg = err.toString(StandardCharsets.UTF_8);
        assertFalse(rc == 0, "compiled against an internal package");
        assertTrue(msg.contains("package io.pathlock.table is not visible")
            && msg.contains("package io.pathlock.table is declared in module io.pathlock, which does not export it"), msg);
    }

    @Test
    void everyModuleDescriptorResolvesInTheBootLayer() throws Exception
    {
        final ChildJvms.Result r = ChildJvms.run(ChildJvms.command(
            "--module-path", modulePath, "--add-modules", "ALL-MODULE-PATH", "--validate-modules"));
        assertEquals(0, r.exitCode(), r.output());
        final ChildJvms.Result d = ChildJvms.run(ChildJvms.command(
            "--module-path", modulePath, "--describe-module", "io.pathlock.nativeio"));
        assertEquals(0, d.exitCode(), d.output());
        assertTrue(d.output().contains("qualified exports io.pathlock.nativeio to io.pathlock"), d.output());
        final ChildJvms.Result e = ChildJvms.run(ChildJvms.command(
            "--module-path", modulePath, "--describe-module", "io.pathlock"));
        final List<String> exports = e.output().lines().filter(l -> l.startsWith("exports "))
            .map(l -> l.substring("exports ".length())).sorted().collect(Collectors.toList());
        assertEquals(List.of("io.pathlock", "io.pathlock.config", "io.pathlock.core", "io.pathlock.file",
            "io.pathlock.host", "io.pathlock.observe", "io.pathlock.redo", "io.pathlock.store", "io.pathlock.time", "io.pathlock.tree"),
            exports, e.output());
        assertTrue(e.output().contains("requires org.agrona.core") && e.output().contains("requires org.jnrproject.posix static"),
            e.output());
    }

    @Test
    void jnrPosixOnTheModulePathIsRefusedWithTheReason() throws Exception
    {
        final String jnr = ChildJvms.classPath().stream().filter(ChildJvms::isJnr).collect(Collectors.joining(File.pathSeparator));
        assertFalse(jnr.isEmpty());
        final ChildJvms.Result r = ChildJvms.run(ChildJvms.command(
            "-Dpathlock.posix.backend=jnr",
            "--module-path", modulePath + File.pathSeparator + jnr + File.pathSeparator + probeClasses,
            // jnr-posix and jnr-ffi are automatic modules: they cannot name the ASM and jffi modules
            // they need, so the application resolves them all.
            "--add-modules", "ALL-MODULE-PATH",
            "--module", "pathlock.probe/probe.Main", work.resolve("jnr").toString()));
        final String out = r.output();
        assertEquals(1, r.exitCode(), out);
        assertTrue(out.contains("posix backend jnr requested by system property pathlock.posix.backend is unavailable:"
            + " jnr-posix loaded but cannot bind the directory calls") && out.contains("does not export io.pathlock.posix"), out);
        assertFalse(out.contains("ENOSYS"), out);
    }
}

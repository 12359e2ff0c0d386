package io.pathlock.redo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A library must not require JVM flags (issue 10, item 2): the redo log (Agrona ring buffer, mapped
 * buffers) opens, appends, completes and recovers in a JVM started with no {@code --add-exports}.
 * Agrona 2.x fails here with {@code IllegalAccessError} from {@code org.agrona.UnsafeApi}
 * ({@code mvn -Dagrona.version=2.6.0 ...} shows it); Agrona 1.23.x passes.
 */
class RedoWithoutJvmFlagsTest
{
    @TempDir
    Path dir;

    @Test
    void theTestJvmItselfRunsWithoutTheFlag()
    {
        // If the build added the export to every test JVM (surefire argLine), every other test would
        // hide the problem this class is about.
        for (final String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            assertFalse(a.startsWith("--add-exports") || a.startsWith("--add-opens"),
                "test JVM started with " + a + ": the library must not need it");
        }
    }

    @Test
    void redoLogOpensAppendsAndRecoversInAJvmWithoutFlags() throws Exception
    {
        final String java = ProcessHandle.current().info().command()
            .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
        final List<String> command = new ArrayList<>(List.of(
            java, "-XX:-UsePerfData", "-cp", System.getProperty("java.class.path"),
            RedoNoFlagChild.class.getName(), dir.resolve("redo").toString()));
        final Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child did not finish");
        assertEquals(0, child.exitValue(), "child failed:\n" + out);
        assertTrue(out.contains("NOFLAG-OK "), out);
    }
}

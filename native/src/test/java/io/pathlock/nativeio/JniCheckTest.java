package io.pathlock.nativeio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs {@link NativeExerciser} in a child JVM with {@code -Xcheck:jni} and fails on any JNI warning:
 * surefire's own JVM also runs with {@code -Xcheck:jni}, but its warnings only go to the log.
 */
class JniCheckTest
{
    @TempDir
    Path dir;

    @Test
    void everyNativeFunctionIsCleanUnderXcheckJni() throws Exception
    {
        final Process process = new ProcessBuilder(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xcheck:jni", "-XX:-UsePerfData",
            "-cp", System.getProperty("java.class.path"),
            NativeExerciser.class.getName(), dir.toString()))
            .redirectErrorStream(true)
            .start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("OK "), output);
        assertFalse(output.contains("WARNING"), output);
        assertFalse(output.contains("FATAL"), output);
    }
}

package io.pathlock.nativeio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NativeLoaderTest
{
    @TempDir
    Path dir;

    @Test
    void packagedLibraryLoadsWithMatchingAbi()
    {
        assertTrue(NativeLoader.isAvailable(), () -> "native library not loaded: " + NativeLoader.unavailabilityCause());
        assertEquals(NativeLoader.ABI_VERSION, PathlockNative.abiVersion());
    }

    @Test
    void aMissingLibraryFileIsReportedWithItsPath() throws Exception
    {
        final String output = probe("-D" + NativeLoader.LIBRARY_PATH_PROP_NAME + "=/nonexistent/libpathlock.so");
        assertTrue(output.contains("available=false"), output);
        assertTrue(output.contains("UnsatisfiedLinkError"), output);
        assertTrue(output.contains("/nonexistent/libpathlock.so"), output);
    }

    @Test
    void aFileThatIsNotALibraryIsReported() throws Exception
    {
        final Path bogus = Files.writeString(dir.resolve("libpathlock.so"), "not an ELF file");
        final String output = probe("-D" + NativeLoader.LIBRARY_PATH_PROP_NAME + "=" + bogus);
        assertTrue(output.contains("available=false"), output);
        assertTrue(output.contains(bogus.toString()), output);
    }

    @Test
    void theProbeSeesTheLibraryWhenNothingIsWrong() throws Exception
    {
        final String output = probe();
        assertTrue(output.contains("available=true cause=null"), output);
    }

    private static String probe(final String... options) throws IOException, InterruptedException
    {
        final List<String> command = new java.util.ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:-UsePerfData"));
        command.addAll(List.of(options));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), NativeLoaderProbe.class.getName()));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        return output;
    }
}

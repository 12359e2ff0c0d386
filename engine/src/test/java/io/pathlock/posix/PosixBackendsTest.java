package io.pathlock.posix;

import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PosixBackendsTest
{
    @Test
    void autoChoosesJniWhenTheLibraryLoads()
    {
        final BackendSelection selection = PosixBackends.select(null, null, real());
        assertEquals(PosixBackend.JNI, selection.chosen());
        assertInstanceOf(JniPosix.class, selection.posix());
        assertEquals("auto", selection.requested());
        assertEquals("default", selection.source());
        assertFalse(selection.degraded());
        assertTrue(selection.describe().startsWith("posix backend jni (auto, from default"), selection.describe());
    }

    @Test
    void autoFallsBackInOrderAndSaysWhy()
    {
        final Map<PosixBackend, Supplier<Posix>> factories = real();
        factories.put(PosixBackend.JNI, failing("native library unavailable: no libpathlock.so for linux/riscv64"));
        BackendSelection selection = PosixBackends.select(null, "auto", factories);
        assertEquals(PosixBackend.JNR, selection.chosen());
        assertEquals("system property " + PosixBackends.BACKEND_PROP_NAME, selection.source());
        assertEquals(List.of(PosixBackend.JNI), List.copyOf(selection.unavailable().keySet()));
        assertTrue(selection.unavailable().get(PosixBackend.JNI).contains("riscv64"));
        assertTrue(selection.describe().contains("jni unavailable: native library unavailable"), selection.describe());

        factories.put(PosixBackend.JNR, failing("jnr-posix has no native binding for this platform"));
        selection = PosixBackends.select(null, null, factories);
        assertEquals(PosixBackend.NIO, selection.chosen());
        assertEquals(List.of(PosixBackend.JNI, PosixBackend.JNR), List.copyOf(selection.unavailable().keySet()));
        assertTrue(selection.describe().contains("no flock(2)"), selection.describe());
        assertEquals(3, selection.reasons().size(), selection.reasons().toString());
    }

    @Test
    void explicitValueChoosesExactlyThatBackend()
    {
        for (final PosixBackend backend : PosixBackend.values())
        {
            final String name = backend.name().toLowerCase(java.util.Locale.ROOT);
            final BackendSelection selection = PosixBackends.select(" " + backend.name() + " ", null, real());
            assertEquals(backend, selection.chosen());
            assertEquals(backend, selection.posix().backend());
            assertEquals(name, selection.requested());
            assertEquals("configuration", selection.source());
        }
    }

    @Test
    void configurationWinsOverTheSystemProperty()
    {
        final BackendSelection selection = PosixBackends.select("nio", "jni", real());
        assertEquals(PosixBackend.NIO, selection.chosen());
        assertEquals("configuration", selection.source());
        assertEquals(PosixBackend.JNR, PosixBackends.select(null, "jnr", real()).chosen());
    }

    @Test
    void anUnavailableExplicitBackendIsAnErrorNotASilentFallback()
    {
        final Map<PosixBackend, Supplier<Posix>> factories = real();
        factories.put(PosixBackend.JNI, failing("native library unavailable: boom"));
        final IllegalStateException ex = assertThrows(IllegalStateException.class,
            () -> PosixBackends.select(null, "jni", factories));
        assertTrue(ex.getMessage().contains("jni requested by system property pathlock.posix.backend is unavailable"),
            ex.getMessage());
        assertTrue(ex.getMessage().contains("boom"), ex.getMessage());
    }

    @Test
    void aBadValueIsAnErrorNamingTheValueAndItsSource()
    {
        final IllegalArgumentException fromProperty = assertThrows(IllegalArgumentException.class,
            () -> PosixBackends.select(null, "jnii", real()));
        assertEquals("bad posix backend 'jnii' from system property pathlock.posix.backend: " +
            "expected one of auto, jni, jnr, nio", fromProperty.getMessage());

        final IllegalArgumentException fromConfig = assertThrows(IllegalArgumentException.class,
            () -> PosixBackends.select("", null, real()));
        assertTrue(fromConfig.getMessage().contains("'' from configuration"), fromConfig.getMessage());
    }

    @Test
    void aMissingNativeLibraryFallsBackToJnrInARealJvm() throws Exception
    {
        final ChildJvm.Result result = ChildJvm.run(List.of(),
            List.of("-Dpathlock.native.library=/nonexistent/libpathlock.so"), PosixChild.class, "select");
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("chosen=JNR"), result.output());
        assertTrue(result.output().contains("jni unavailable: native library unavailable"), result.output());
        assertTrue(result.output().contains("/nonexistent/libpathlock.so"), result.output());
    }

    @Test
    void theSystemPropertyIsReadInARealJvm() throws Exception
    {
        final ChildJvm.Result result = ChildJvm.run(List.of(),
            List.of("-D" + PosixBackends.BACKEND_PROP_NAME + "=nio"), PosixChild.class, "select");
        assertTrue(result.output().contains("chosen=NIO"), result.output());
        assertTrue(result.output().contains("(nio, from system property pathlock.posix.backend"), result.output());

        final ChildJvm.Result bad = ChildJvm.run(List.of(),
            List.of("-D" + PosixBackends.BACKEND_PROP_NAME + "=fast"), PosixChild.class, "select");
        assertEquals(1, bad.exitCode(), bad.output());
        assertTrue(bad.output().contains("bad posix backend 'fast' from system property"), bad.output());
    }

    private static Map<PosixBackend, Supplier<Posix>> real()
    {
        final Map<PosixBackend, Supplier<Posix>> factories = new EnumMap<>(PosixBackend.class);
        factories.put(PosixBackend.JNI, JniPosix::new);
        factories.put(PosixBackend.JNR, JnrPosix::new);
        factories.put(PosixBackend.NIO, NioPosix::new);
        return factories;
    }

    private static Supplier<Posix> failing(final String message)
    {
        return () ->
        {
            throw new IllegalStateException(message);
        };
    }
}

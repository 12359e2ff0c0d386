package io.pathlock.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A store given to a bench worker on its command line comes back as it was. */
class BenchStoresTest
{
    @Test
    void encodeDecodeRoundTrips()
    {
        for (final BenchStores s : new BenchStores[] {
            new BenchStores("host", Path.of("/tmp/a b/pathlock-bench-1"), "none", "auto"),
            new BenchStores("host", Path.of("/tmp/x|y"), null, "jni"),
            new BenchStores("file", Path.of("/tmp/t"), "ov431", "nio"),
            new BenchStores("memory", null, null, "auto")})
        {
            assertEquals(s, BenchStores.decode(s.encode()), s.encode());
        }
        assertEquals("host, interop none", new BenchStores("host", Path.of("/t"), "none", "auto").label());
        assertEquals("host, interop ragfs", new BenchStores("host", Path.of("/t"), null, "auto").label());
        assertEquals("file, ov431", new BenchStores("file", Path.of("/t"), "ov431", "auto").label());
        assertThrows(IllegalArgumentException.class, () -> BenchStores.decode("host|none"));
    }
}

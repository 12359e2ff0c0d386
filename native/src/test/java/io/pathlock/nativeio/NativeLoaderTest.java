package io.pathlock.nativeio;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NativeLoaderTest
{
    @Test
    void packagedLibraryLoadsWithMatchingAbi()
    {
        assertTrue(NativeLoader.isAvailable(), () -> "native library not loaded: " + NativeLoader.unavailabilityCause());
        assertEquals(NativeLoader.ABI_VERSION, PathlockNative.abiVersion());
    }
}

package io.pathlock.bench.posix;

import io.pathlock.nativeio.NativeLoader;

/**
 * Loads the native library before a floor benchmark calls {@link io.pathlock.nativeio.PathlockNative}
 * directly (only {@link io.pathlock.posix.JniPosix} would load it otherwise).
 */
public final class NativeLoaderCheck
{
    private NativeLoaderCheck()
    {
    }

    public static void require()
    {
        if (!NativeLoader.isAvailable())
        {
            throw new IllegalStateException("native library unavailable", NativeLoader.unavailabilityCause());
        }
    }
}

package io.pathlock.nativeio;

/**
 * JNI entry points of {@code libpathlock.so}.
 *
 * <p>Every function returns a non-negative result on success and {@code -errno} on failure; callers
 * turn codes into exceptions in one place. Call {@link NativeLoader#isAvailable()} before using any
 * method here: when the library could not be loaded, every call throws {@link UnsatisfiedLinkError}.
 *
 * <p>Thread-safety: all methods are stateless and safe to call from any thread.
 */
public final class PathlockNative
{
    private PathlockNative()
    {
    }

    /**
     * Version of the native ABI, compared by the loader with {@link NativeLoader#ABI_VERSION}.
     *
     * @return the ABI version compiled into the library.
     */
    public static native int abiVersion();
}

package io.pathlock.nativeio;

/**
 * Prints {@code available=... cause=...} for {@link NativeLoaderTest}'s child JVMs.
 */
public final class NativeLoaderProbe
{
    private NativeLoaderProbe()
    {
    }

    /**
     * Entry point.
     *
     * @param args unused.
     */
    public static void main(final String[] args)
    {
        System.out.println("available=" + NativeLoader.isAvailable() + " cause=" + NativeLoader.unavailabilityCause());
    }
}

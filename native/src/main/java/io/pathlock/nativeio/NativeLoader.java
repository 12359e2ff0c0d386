package io.pathlock.nativeio;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Extracts {@code libpathlock.so} from {@code META-INF/native/linux-x86_64/} of the class path and
 * loads it once.
 *
 * <p>Loading never throws: {@link #isAvailable()} says whether it worked and
 * {@link #unavailabilityCause()} says why not, so that callers can fall back to another backend and
 * report the reason.
 *
 * <p>Thread-safety: loading happens once in the class initialiser; all methods are thread-safe.
 */
public final class NativeLoader
{
    /** ABI version that this Java binding expects from the library. */
    public static final int ABI_VERSION = 6;

    /** Class-path directory holding the library for this platform. */
    public static final String RESOURCE_DIR = "/META-INF/native/linux-x86_64/";

    /** File name of the library. */
    public static final String LIBRARY_NAME = "libpathlock.so";

    /** System property naming an explicit library file to load instead of the packaged one. */
    public static final String LIBRARY_PATH_PROP_NAME = "pathlock.native.library";

    private static final Throwable CAUSE;

    static
    {
        CAUSE = load();
    }

    private NativeLoader()
    {
    }

    /**
     * Whether the native library is loaded and usable.
     *
     * @return true when {@link PathlockNative} may be called.
     */
    public static boolean isAvailable()
    {
        return CAUSE == null;
    }

    /**
     * Why the library is not available.
     *
     * @return the failure, or null when the library is loaded.
     */
    public static Throwable unavailabilityCause()
    {
        return CAUSE;
    }

    private static Throwable load()
    {
        try
        {
            final String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
            final String arch = System.getProperty("os.arch", "");
            if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64")))
            {
                return new UnsatisfiedLinkError("no native library for " + os + "/" + arch
                    + " (only linux-x86_64 is packaged)");
            }

            final String explicit = System.getProperty(LIBRARY_PATH_PROP_NAME);
            if (explicit != null && !explicit.isEmpty())
            {
                System.load(Path.of(explicit).toAbsolutePath().toString());
            }
            else
            {
                System.load(extract().toString());
            }

            final int abi = PathlockNative.abiVersion();
            if (abi != ABI_VERSION)
            {
                return new UnsatisfiedLinkError(
                    "native ABI version " + abi + " does not match the expected " + ABI_VERSION);
            }
            return null;
        }
        catch (final Throwable t)
        {
            return t;
        }
    }

    private static Path extract() throws IOException
    {
        try (InputStream in = NativeLoader.class.getResourceAsStream(RESOURCE_DIR + LIBRARY_NAME))
        {
            if (in == null)
            {
                throw new IOException("resource " + RESOURCE_DIR + LIBRARY_NAME + " is not on the class path");
            }
            final Path dir = Files.createTempDirectory("pathlock-native",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            final Path lib = dir.resolve(LIBRARY_NAME);
            Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
            lib.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return lib;
        }
    }
}

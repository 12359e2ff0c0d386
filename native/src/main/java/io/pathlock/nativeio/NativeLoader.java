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
    public static final int ABI_VERSION = 8;

    /** Class-path directory holding the library for this platform. */
    public static final String RESOURCE_DIR = "/META-INF/native/linux-x86_64/";

    /** File name of the library. */
    public static final String LIBRARY_NAME = "libpathlock.so";

    /** File name of the keeper executable of {@code pathlock run}, packaged beside the library. */
    public static final String KEEPER_NAME = "pathlock-keeper";

    /** System property naming an explicit library file to load instead of the packaged one. */
    public static final String LIBRARY_PATH_PROP_NAME = "pathlock.native.library";

    private static final Throwable CAUSE;
    private static Path dir;
    private static Path keeper;

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
                final Path lib = Path.of(explicit).toAbsolutePath();
                dir = lib.getParent();
                System.load(lib.toString());
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

    /**
     * The keeper executable of {@code pathlock run}: extracted beside the library on first use (with
     * an explicit library, the file of that name in its directory).
     *
     * @return the executable.
     * @throws IOException if the library is not loaded or the keeper cannot be extracted.
     */
    public static synchronized Path keeperExecutable() throws IOException
    {
        if (CAUSE != null || dir == null)
        {
            throw new IOException("the native library is not loaded", CAUSE);
        }
        if (keeper == null)
        {
            final Path exe = dir.resolve(KEEPER_NAME);
            if (System.getProperty(LIBRARY_PATH_PROP_NAME, "").isEmpty())
            {
                try (InputStream in = NativeLoader.class.getResourceAsStream(RESOURCE_DIR + KEEPER_NAME))
                {
                    if (in == null)
                    {
                        throw new IOException("resource " + RESOURCE_DIR + KEEPER_NAME + " is not on the class path");
                    }
                    Files.copy(in, exe, StandardCopyOption.REPLACE_EXISTING);
                }
                Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("r-x------"));
                exe.toFile().deleteOnExit();
            }
            if (!Files.isExecutable(exe))
            {
                throw new IOException(exe + " is not executable");
            }
            keeper = exe;
        }
        return keeper;
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
            NativeLoader.dir = dir;
            final Path lib = dir.resolve(LIBRARY_NAME);
            Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
            // Files registered later are deleted first: the directory last, once it is empty.
            dir.toFile().deleteOnExit();
            lib.toFile().deleteOnExit();
            return lib;
        }
    }
}

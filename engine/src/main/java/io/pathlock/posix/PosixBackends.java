package io.pathlock.posix;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Chooses the {@link Posix} backend at start.
 *
 * <p>The value comes from, in order: the configuration value passed to {@link #select(String)}
 * (when not null), the system property {@value #BACKEND_PROP_NAME}, and the default
 * {@value #BACKEND_DEFAULT}. It is one of (case-insensitive, trimmed):
 * <ul>
 *   <li>{@code auto}: the first of JNI, jnr-posix and java.nio that can be created, recording why
 *   each better one could not;</li>
 *   <li>{@code jni}, {@code jnr}, {@code nio}: exactly that backend; if it cannot be created the
 *   selection fails with {@link IllegalStateException} rather than silently running a weaker one.</li>
 * </ul>
 * Any other value fails with {@link IllegalArgumentException} naming the value and where it came from.
 *
 * <p>Thread-safety: stateless; each call creates a new backend instance.
 */
public final class PosixBackends
{
    /** System property naming the backend: {@code auto}, {@code jni}, {@code jnr} or {@code nio}. */
    public static final String BACKEND_PROP_NAME = "pathlock.posix.backend";

    /** Default of {@link #BACKEND_PROP_NAME}. */
    public static final String BACKEND_DEFAULT = "auto";

    private static final String AUTO = "auto";

    private PosixBackends()
    {
    }

    /**
     * Selects from the system property, else the default.
     *
     * @return the selection.
     * @throws IllegalArgumentException when the property holds an unknown value.
     * @throws IllegalStateException    when the property names a backend that is unavailable.
     */
    public static BackendSelection select()
    {
        return select(null);
    }

    /**
     * Selects from a configuration value, else the system property, else the default.
     *
     * @param configured {@code auto}, {@code jni}, {@code jnr}, {@code nio}, or null to defer to the
     *                   system property.
     * @return the selection.
     * @throws IllegalArgumentException when the value in use is unknown.
     * @throws IllegalStateException    when the value names a backend that is unavailable.
     */
    public static BackendSelection select(final String configured)
    {
        final Map<PosixBackend, Supplier<Posix>> factories = new EnumMap<>(PosixBackend.class);
        // Lambdas, not constructor references: a backend's classes are linked only inside get(), where
        // a missing optional jar becomes a reason, never an escaping NoClassDefFoundError.
        factories.put(PosixBackend.JNI, PosixBackends::newJni);
        factories.put(PosixBackend.JNR, PosixBackends::newJnr);
        factories.put(PosixBackend.NIO, () -> new NioPosix());
        return select(configured, System.getProperty(BACKEND_PROP_NAME), factories);
    }

    /**
     * Selection with the backends' factories given, so that tests can make one fail.
     *
     * @param configured configuration value or null.
     * @param property   value of the system property or null.
     * @param factories  one factory per backend; a factory throws when its backend is unavailable.
     * @return the selection.
     */
    static BackendSelection select(
        final String configured, final String property, final Map<PosixBackend, Supplier<Posix>> factories)
    {
        final String source;
        final String raw;
        if (configured != null)
        {
            source = "configuration";
            raw = configured;
        }
        else if (property != null)
        {
            source = "system property " + BACKEND_PROP_NAME;
            raw = property;
        }
        else
        {
            source = "default";
            raw = BACKEND_DEFAULT;
        }
        final String value = raw.trim().toLowerCase(Locale.ROOT);
        final List<String> reasons = new ArrayList<>();

        if (!AUTO.equals(value))
        {
            final PosixBackend wanted = parse(value, raw, source);
            final Posix posix;
            try
            {
                posix = factories.get(wanted).get();
            }
            catch (final RuntimeException | LinkageError ex)
            {
                throw new IllegalStateException(
                    "posix backend " + value + " requested by " + source + " is unavailable: " + describe(ex), ex);
            }
            reasons.add(value + " requested by " + source);
            return new BackendSelection(wanted, posix, value, source, Map.of(), reasons);
        }

        final Map<PosixBackend, String> unavailable = new LinkedHashMap<>();
        for (final PosixBackend candidate : PosixBackend.values())
        {
            final String name = candidate.name().toLowerCase(Locale.ROOT);
            try
            {
                final Posix posix = factories.get(candidate).get();
                reasons.add("auto (" + source + "): chose " + name + ", the first available of jni, jnr, nio");
                return new BackendSelection(candidate, posix, AUTO, source, unavailable, reasons);
            }
            catch (final RuntimeException | LinkageError ex)
            {
                final String why = describe(ex);
                unavailable.put(candidate, why);
                reasons.add(name + " unavailable: " + why);
            }
        }
        throw new IllegalStateException("no posix backend is available: " + reasons);
    }

    /**
     * Whether jnr-posix can be loaded: it is an optional dependency of the engine. Checked by name so
     * that no jnr class is ever linked unless that backend is tried.
     *
     * @return null when present, else why not.
     */
    static String jnrMissing()
    {
        try
        {
            Class.forName("jnr.posix.POSIXFactory", false, PosixBackends.class.getClassLoader());
            return null;
        }
        catch (final ClassNotFoundException | LinkageError ex)
        {
            return PosixBackends.class.getModule().isNamed()
                ? "jnr-posix is not in the module graph (an optional dependency, and one that cannot serve the" +
                  " lock-file store from the module path: its generated bindings cannot reach the engine's" +
                  " internal interfaces)"
                : "jnr-posix is not on the class path (an optional dependency of pathlock-engine: add" +
                  " com.github.jnr:jnr-posix to use this backend)";
        }
    }

    private static Posix newJni()
    {
        try
        {
            Class.forName("io.pathlock.nativeio.PathlockNative", false, PosixBackends.class.getClassLoader());
        }
        catch (final ClassNotFoundException | LinkageError ex)
        {
            throw new IllegalStateException("pathlock-native (io.pathlock.nativeio) is not on the " +
                (PosixBackends.class.getModule().isNamed() ? "module path" : "class path"));
        }
        return new JniPosix();
    }

    private static Posix newJnr()
    {
        final String missing = jnrMissing();
        if (null != missing)
        {
            throw new IllegalStateException(missing);
        }
        final JnrPosix jnr = new JnrPosix();
        if (!jnr.hasAtCalls())
        {
            // Every call of the lock-file store is relative to a directory descriptor: without them
            // the backend would fail each operation with ENOSYS, so it is unavailable, with the reason.
            throw new IllegalStateException("jnr-posix loaded but " + jnr.atCallsMissing());
        }
        return jnr;
    }

    private static PosixBackend parse(final String value, final String raw, final String source)
    {
        switch (value)
        {
            case "jni":
                return PosixBackend.JNI;
            case "jnr":
                return PosixBackend.JNR;
            case "nio":
                return PosixBackend.NIO;
            default:
                throw new IllegalArgumentException("bad posix backend '" + raw + "' from " + source +
                    ": expected one of auto, jni, jnr, nio");
        }
    }

    private static String describe(final Throwable t)
    {
        final StringBuilder sb = new StringBuilder(String.valueOf(t.getMessage() != null ? t.getMessage() : t.toString()));
        Throwable cause = t.getCause();
        int depth = 0;
        while (cause != null && cause != t && depth++ < 4)
        {
            if (cause.getMessage() != null && !sb.toString().contains(cause.getMessage()))
            {
                sb.append(" <- ").append(cause);
            }
            cause = cause.getCause();
        }
        return sb.toString();
    }
}

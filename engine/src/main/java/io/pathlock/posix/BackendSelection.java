package io.pathlock.posix;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome of {@link PosixBackends#select}: which backend runs, what was asked for and by whom,
 * and why each better backend was not used.
 *
 * <p>Thread-safety: immutable (the {@link Posix} it holds is thread-safe).
 *
 * @param chosen      the backend that runs.
 * @param posix       its instance.
 * @param requested   what was asked for: {@code "auto"}, {@code "jni"}, {@code "jnr"} or {@code "nio"}.
 * @param source      who asked: {@code "configuration"}, {@code "system property pathlock.posix.backend"}
 *                    or {@code "default"}.
 * @param unavailable for each backend better than {@code chosen} that was tried and failed, why
 *                    (in order of preference); empty when the best backend runs or one was named.
 * @param reasons     the decision in words, one line per step, for logs and {@code status}.
 */
public record BackendSelection(
    PosixBackend chosen,
    Posix posix,
    String requested,
    String source,
    Map<PosixBackend, String> unavailable,
    List<String> reasons)
{
    /**
     * Validates and copies the components.
     *
     * @param chosen      the backend that runs.
     * @param posix       its instance.
     * @param requested   what was asked for.
     * @param source      who asked.
     * @param unavailable why better backends were not used.
     * @param reasons     the decision in words.
     */
    public BackendSelection
    {
        Objects.requireNonNull(chosen, "chosen");
        Objects.requireNonNull(posix, "posix");
        Objects.requireNonNull(requested, "requested");
        Objects.requireNonNull(source, "source");
        unavailable = Collections.unmodifiableMap(new LinkedHashMap<>(unavailable));
        reasons = List.copyOf(reasons);
    }

    /**
     * Whether a better backend than the one running was tried and was unavailable.
     *
     * @return true when running degraded.
     */
    public boolean degraded()
    {
        return !unavailable.isEmpty();
    }

    /**
     * One line for logs: the backend, what was requested, and why better ones are unavailable.
     *
     * @return such as {@code "posix backend jnr (auto, from default; jni unavailable: ...)"}.
     */
    public String describe()
    {
        final StringBuilder sb = new StringBuilder("posix backend ")
            .append(chosen.name().toLowerCase(java.util.Locale.ROOT))
            .append(" (").append(requested).append(", from ").append(source);
        for (final Map.Entry<PosixBackend, String> e : unavailable.entrySet())
        {
            sb.append("; ").append(e.getKey().name().toLowerCase(java.util.Locale.ROOT))
                .append(" unavailable: ").append(e.getValue());
        }
        if (!posix.supportsFlock())
        {
            sb.append("; no flock(2): locks are fcntl record locks, invisible to flock users");
        }
        return sb.append(')').toString();
    }
}

package io.pathlock.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * The one configuration convention of pathlock, shared by system properties and the CLI.
 *
 * <ul>
 * <li><b>Keys</b> are {@code pathlock.<component>.<name>} with a lower-camel-case {@code name}
 *     ({@code pathlock.manager.defaultTimeout}, {@code pathlock.file.lockExpire},
 *     {@code pathlock.redo.segmentSize}). A key that was renamed is refused with an error naming
 *     its new spelling, never silently ignored or reinterpreted.</li>
 * <li><b>Durations</b> are a number with a unit, {@code ns us ms s m h d} ({@code 250ms},
 *     {@code 1.5s}, {@code 2m}), or ISO-8601 ({@code PT5S}). A bare number means <b>seconds</b>,
 *     as for {@code flock -w} and {@code sleep(1)}. Negative durations are refused. Where a value
 *     may mean "no limit", the word {@code forever} is accepted and documented at the key.</li>
 * <li><b>Sizes</b> are bytes with an optional binary suffix {@code k m g} (KiB, MiB, GiB).</li>
 * <li><b>Booleans</b> are {@code true} or {@code false}; anything else is refused.</li>
 * </ul>
 *
 * <p>Every parse error is an {@link IllegalArgumentException} whose message names the key (or
 * option) and the offending text.
 */
public final class Settings
{
    /** A duration that means "no limit" where a key allows it ({@code forever}). */
    public static final Duration FOREVER = Duration.ofSeconds(Long.MAX_VALUE, 999_999_999);

    private static final Map<String, String> RENAMED = Map.ofEntries(
        Map.entry("pathlock.lock.timeout", "pathlock.manager.defaultTimeout"),
        Map.entry("pathlock.handle.idle.timeout", "pathlock.manager.handleIdleTimeout"),
        Map.entry("pathlock.agent.interval", "pathlock.manager.agentInterval"),
        Map.entry("pathlock.redo.segment.size", "pathlock.redo.segmentSize"),
        Map.entry("pathlock.redo.ring.capacity", "pathlock.redo.ringCapacity"),
        Map.entry("pathlock.redo.payload.max", "pathlock.redo.maxPayload"),
        Map.entry("pathlock.redo.backpressure", "pathlock.redo.backPressure"),
        Map.entry("pathlock.redo.batch.max.records", "pathlock.redo.batchMaxRecords"),
        Map.entry("pathlock.redo.replay.timeout.ms", "pathlock.redo.replayTimeout"),
        Map.entry("pathlock.redo.replay.attempts", "pathlock.redo.replayAttempts"),
        Map.entry("pathlock.redo.replay.retry.delay.ms", "pathlock.redo.replayRetryDelay"),
        Map.entry("pathlock.redo.compaction.lag.segments", "pathlock.redo.compactionLagSegments"),
        Map.entry("pathlock.redo.writer.thread", "pathlock.redo.writerThread"),
        Map.entry("pathlock.redo.writer.park.max.us", "pathlock.redo.writerParkMax"));

    private Settings()
    {
    }

    /**
     * Refuses every renamed key that is set, naming its new spelling. Called by each builder that
     * reads system properties, so an old key fails loudly instead of being ignored.
     *
     * @param prefix the component's prefix, e.g. {@code "pathlock.redo."}.
     * @throws IllegalArgumentException if a renamed key under {@code prefix} is set.
     */
    public static void rejectRenamed(final String prefix)
    {
        for (final Map.Entry<String, String> e : RENAMED.entrySet())
        {
            if (e.getKey().startsWith(prefix) && System.getProperty(e.getKey()) != null)
            {
                throw new IllegalArgumentException("system property " + e.getKey() + " was renamed "
                    + e.getValue() + " (durations: a bare number now means seconds; see docs/configuration.md)");
            }
        }
    }

    /**
     * Parses a duration by the convention above.
     *
     * @param what the key or option, for the error message.
     * @param text the text.
     * @param allowForever whether {@code forever} is accepted (returned as {@link #FOREVER}).
     * @return the duration, never negative.
     * @throws IllegalArgumentException naming {@code what} and {@code text}.
     */
    public static Duration parseDuration(final String what, final String text, final boolean allowForever)
    {
        if (text == null)
        {
            throw new IllegalArgumentException(what + ": a duration is required");
        }
        final String s = text.trim().toLowerCase(Locale.ROOT);
        if (allowForever && (s.equals("forever") || s.equals("inf") || s.equals("infinite")))
        {
            return FOREVER;
        }
        try
        {
            if (s.startsWith("p") || s.startsWith("-p"))
            {
                return nonNegative(what, text, Duration.parse(s.toUpperCase(Locale.ROOT)));
            }
            int end = s.length();
            while (end > 0 && Character.isLetter(s.charAt(end - 1)))
            {
                end--;
            }
            final String number = s.substring(0, end).trim();
            final String unit = s.substring(end);
            final double scale;
            switch (unit)
            {
                case "ns":
                    scale = 1;
                    break;
                case "us":
                    scale = 1e3;
                    break;
                case "ms":
                    scale = 1e6;
                    break;
                case "":
                case "s":
                    scale = 1e9;
                    break;
                case "m":
                    scale = 60e9;
                    break;
                case "h":
                    scale = 3600e9;
                    break;
                case "d":
                    scale = 86400e9;
                    break;
                default:
                    throw new IllegalArgumentException("unknown unit '" + unit + "'");
            }
            if (number.isEmpty() || !number.matches("[-+]?[0-9]*\\.?[0-9]+"))
            {
                throw new IllegalArgumentException("not a number: '" + number + "'");
            }
            final double nanos = Double.parseDouble(number) * scale;
            if (nanos >= 9.2e18)
            {
                throw new IllegalArgumentException("too large");
            }
            return nonNegative(what, text, Duration.ofNanos(Math.round(nanos)));
        }
        catch (final IllegalArgumentException | java.time.DateTimeException e)
        {
            if (e.getMessage() != null && e.getMessage().startsWith(what + ":"))
            {
                throw e;
            }
            throw new IllegalArgumentException(what + ": '" + text + "' is not a duration: use a number with a unit "
                + "(250ms, 5s, 2m, 1h; a bare number is seconds) or ISO-8601 like PT5S"
                + (allowForever ? ", or 'forever'" : ""), e);
        }
    }

    /**
     * Parses a size: bytes, or a number with a binary suffix {@code k}, {@code m} or {@code g}.
     *
     * @param what the key or option, for the error message.
     * @param text the text.
     * @return the size in bytes, never negative.
     * @throws IllegalArgumentException naming {@code what} and {@code text}.
     */
    public static long parseSize(final String what, final String text)
    {
        final String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        long scale = 1;
        String number = s;
        if (s.endsWith("k") || s.endsWith("kib") || s.endsWith("kb"))
        {
            scale = 1L << 10;
        }
        else if (s.endsWith("m") || s.endsWith("mib") || s.endsWith("mb"))
        {
            scale = 1L << 20;
        }
        else if (s.endsWith("g") || s.endsWith("gib") || s.endsWith("gb"))
        {
            scale = 1L << 30;
        }
        if (scale != 1)
        {
            number = s.replaceAll("(k|m|g)(i?b)?$", "");
        }
        try
        {
            final long v = Long.parseLong(number.trim());
            if (v < 0)
            {
                throw new IllegalArgumentException("negative");
            }
            return Math.multiplyExact(v, scale);
        }
        catch (final RuntimeException e)
        {
            throw new IllegalArgumentException(what + ": '" + text + "' is not a size: use bytes or a number with "
                + "k, m or g (binary: 64m = 64 MiB)", e);
        }
    }

    /**
     * Parses a boolean strictly.
     *
     * @param what the key or option, for the error message.
     * @param text {@code true} or {@code false}, any case.
     * @return the value.
     * @throws IllegalArgumentException for anything else.
     */
    public static boolean parseBoolean(final String what, final String text)
    {
        final String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (s.equals("true"))
        {
            return true;
        }
        if (s.equals("false"))
        {
            return false;
        }
        throw new IllegalArgumentException(what + ": '" + text + "' is not a boolean: use true or false");
    }

    /**
     * A duration from a system property, by the convention above.
     *
     * @param key the property.
     * @param dflt returned when the property is unset or blank.
     * @param allowForever whether {@code forever} is accepted.
     * @return the duration.
     */
    public static Duration durationProperty(final String key, final Duration dflt, final boolean allowForever)
    {
        final String v = System.getProperty(key);
        return v == null || v.isBlank() ? dflt : parseDuration("system property " + key, v, allowForever);
    }

    /**
     * A size from a system property.
     *
     * @param key the property.
     * @param dflt returned when unset or blank.
     * @return the size in bytes.
     */
    public static long sizeProperty(final String key, final long dflt)
    {
        final String v = System.getProperty(key);
        return v == null || v.isBlank() ? dflt : parseSize("system property " + key, v);
    }

    /**
     * A non-negative integer from a system property.
     *
     * @param key the property.
     * @param dflt returned when unset or blank.
     * @return the value.
     */
    public static long longProperty(final String key, final long dflt)
    {
        final String v = System.getProperty(key);
        if (v == null || v.isBlank())
        {
            return dflt;
        }
        try
        {
            final long n = Long.parseLong(v.trim());
            if (n < 0)
            {
                throw new NumberFormatException("negative");
            }
            return n;
        }
        catch (final NumberFormatException e)
        {
            throw new IllegalArgumentException("system property " + key + ": '" + v + "' is not a non-negative integer", e);
        }
    }

    /**
     * A boolean from a system property.
     *
     * @param key the property.
     * @param dflt returned when unset or blank.
     * @return the value.
     */
    public static boolean booleanProperty(final String key, final boolean dflt)
    {
        final String v = System.getProperty(key);
        return v == null || v.isBlank() ? dflt : parseBoolean("system property " + key, v);
    }

    /**
     * Saturating conversion for deadlines: {@link #FOREVER} and other huge durations become
     * {@link Long#MAX_VALUE}.
     *
     * @param d a non-negative duration.
     * @return its nanoseconds, saturated.
     */
    public static long toNanosSaturated(final Duration d)
    {
        try
        {
            return d.toNanos();
        }
        catch (final ArithmeticException e)
        {
            return Long.MAX_VALUE;
        }
    }

    private static Duration nonNegative(final String what, final String text, final Duration d)
    {
        if (d.isNegative())
        {
            throw new IllegalArgumentException(what + ": negative duration '" + text + "'");
        }
        return d;
    }
}

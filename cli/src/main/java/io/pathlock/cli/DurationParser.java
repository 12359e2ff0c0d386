package io.pathlock.cli;

import java.time.Duration;
import java.util.Locale;

/**
 * Parses the CLI's durations: {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}, a plain number of
 * seconds ({@code 1.5}), or ISO-8601 ({@code PT5S}).
 */
final class DurationParser
{
    private DurationParser()
    {
    }

    static Duration parse(final String text)
    {
        final String s = text.trim().toLowerCase(Locale.ROOT);
        try
        {
            if (s.startsWith("pt") || s.startsWith("p"))
            {
                return nonNegative(Duration.parse(s.toUpperCase(Locale.ROOT)), text);
            }
            if (s.endsWith("ms"))
            {
                return nonNegative(Duration.ofNanos((long)(Double.parseDouble(s.substring(0, s.length() - 2)) * 1e6)), text);
            }
            final char unit = s.charAt(s.length() - 1);
            final double scale;
            final String number;
            switch (unit)
            {
                case 's':
                    scale = 1e9;
                    number = s.substring(0, s.length() - 1);
                    break;
                case 'm':
                    scale = 60e9;
                    number = s.substring(0, s.length() - 1);
                    break;
                case 'h':
                    scale = 3600e9;
                    number = s.substring(0, s.length() - 1);
                    break;
                default:
                    scale = 1e9;
                    number = s;
                    break;
            }
            return nonNegative(Duration.ofNanos((long)(Double.parseDouble(number) * scale)), text);
        }
        catch (final RuntimeException e)
        {
            throw new IllegalArgumentException("bad duration '" + text + "': use 250ms, 5s, 2m, 1h, a number of seconds, " +
                "or ISO-8601 like PT5S", e);
        }
    }

    private static Duration nonNegative(final Duration d, final String text)
    {
        if (d.isNegative())
        {
            throw new IllegalArgumentException("negative duration '" + text + "'");
        }
        return d;
    }
}

package io.pathlock.file.interop;

import java.math.BigInteger;

/**
 * ragfs's token text rules, from {@code crates/ragfs/src/lock/codec.rs} ({@code encode} 12-19,
 * {@code decode} 23-58) and {@code provider.rs} {@code read_token} (287-315: lossy UTF-8, then
 * Rust's {@code str::trim}).
 *
 * <pre>
 *   owner_id ':' time_ns ':' ('E' | 'T')
 *   decode: owner = before the FIRST ':' (so an owner containing ':' never decodes);
 *           time = up to the second ':' as u128 (optional '+', ASCII digits, ≤ 2^128-1);
 *           rest = exactly one char, 'E' or 'T'. Anything else: InvalidToken.
 * </pre>
 */
final class RagfsToken
{
    private static final BigInteger U128_MAX = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);

    /**
     * A decoded token, or the InvalidToken message.
     *
     * @param owner the owner id
     * @param ts    the time field (u128)
     * @param type  {@code E} or {@code T}
     * @param error the InvalidToken message, null when the token decoded
     */
    record Decoded(String owner, BigInteger ts, char type, String error)
    {
        static Decoded invalid(final String message)
        {
            return new Decoded(null, null, '\0', message);
        }
    }

    private RagfsToken()
    {
    }

    static String encode(final String ownerId, final BigInteger timeNs, final char type)
    {
        return ownerId + ":" + timeNs + ":" + type;
    }

    static Decoded decode(final String raw)
    {
        final int first = raw.indexOf(':');
        if (first < 0)
        {
            return Decoded.invalid("missing ':' in token: " + raw);
        }
        final String owner = raw.substring(0, first);
        final String rest = raw.substring(first + 1);
        final int second = rest.indexOf(':');
        if (second < 0)
        {
            return Decoded.invalid("missing second ':' in token: " + raw);
        }
        final BigInteger ts = parseU128(rest.substring(0, second));
        if (ts == null)
        {
            return Decoded.invalid("invalid time_ns in token: " + raw);
        }
        final String type = rest.substring(second + 1);
        if (type.isEmpty())
        {
            return Decoded.invalid("empty lock type in token: " + raw);
        }
        if (type.codePointCount(0, type.length()) != 1)
        {
            return Decoded.invalid("invalid lock type in token: " + raw);
        }
        if (!"E".equals(type) && !"T".equals(type))
        {
            return Decoded.invalid("unknown lock type '" + type + "' in token: " + raw);
        }
        return new Decoded(owner, ts, type.charAt(0), null);
    }

    /** Rust {@code u128::from_str}: an optional '+', then one or more ASCII digits, no overflow. */
    static BigInteger parseU128(final String s)
    {
        final String digits = s.startsWith("+") ? s.substring(1) : s;
        if (digits.isEmpty())
        {
            return null;
        }
        for (int i = 0; i < digits.length(); i++)
        {
            final char c = digits.charAt(i);
            if (c < '0' || c > '9')
            {
                return null;
            }
        }
        final BigInteger value = new BigInteger(digits);
        return value.compareTo(U128_MAX) > 0 ? null : value;
    }

    /** Rust {@code str::trim}: strips characters with the Unicode White_Space property. */
    static String rustTrim(final String s)
    {
        int start = 0;
        int end = s.length();
        while (start < end && rustIsWhitespace(s.charAt(start)))
        {
            start++;
        }
        while (end > start && rustIsWhitespace(s.charAt(end - 1)))
        {
            end--;
        }
        return s.substring(start, end);
    }

    /** Rust {@code char::is_whitespace} (White_Space; unlike CPython, not U+001C..U+001F). */
    static boolean rustIsWhitespace(final int cp)
    {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
            (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
            cp == 0x205F || cp == 0x3000;
    }
}

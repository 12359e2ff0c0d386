package io.pathlock.file.interop;

import java.math.BigInteger;

/**
 * ov431's token text rules, from {@code path_lock.py} at 1823a7c4f: {@code _make_fencing_token}
 * (line 22), {@code _parse_fencing_token} (26-49), {@code _read_token}'s {@code strip()} (68-77),
 * and CPython's {@code int(str)} and {@code str.strip()} that the parser relies on.
 *
 * <pre>
 *   owner_id ':' time_ns ':' ('P' | 'S')        written; owner may itself contain ':'
 *   parse: ends with ":P"/":S" → type, then rfind(':') splits owner | ts;
 *          int(ts) fails → (everything before the type, 0, type)
 *   else contains ':' → rfind → (owner, int(ts), 'P'); int fails → (whole token, 0, 'P')
 *   else → (whole token, 0, 'P')
 * </pre>
 */
final class Ov431Token
{
    /** CPython's default {@code sys.int_info.default_max_str_digits} (3.11+, and 3.10.7/3.9.14/3.8.14/3.7.14). */
    static final int PY_INT_MAX_STR_DIGITS = 4300;

    /**
     * A parsed token.
     *
     * @param owner the owner part
     * @param ts    the time part, 0 when {@code int()} failed
     * @param type  {@code P} or {@code S}
     */
    record Parsed(String owner, BigInteger ts, char type)
    {
    }

    private Ov431Token()
    {
    }

    static String make(final String ownerId, final long timeNs, final char type)
    {
        return ownerId + ":" + timeNs + ":" + type;
    }

    static Parsed parse(final String token)
    {
        if (token.endsWith(":P") || token.endsWith(":S"))
        {
            final char type = token.charAt(token.length() - 1);
            final String rest = token.substring(0, token.length() - 2);
            final int idx = rest.lastIndexOf(':');
            if (idx >= 0)
            {
                final BigInteger ts = pyInt(rest.substring(idx + 1));
                if (ts != null)
                {
                    return new Parsed(rest.substring(0, idx), ts, type);
                }
            }
            return new Parsed(rest, BigInteger.ZERO, type);
        }
        final int idx = token.lastIndexOf(':');
        if (idx >= 0)
        {
            final BigInteger ts = pyInt(token.substring(idx + 1));
            if (ts != null)
            {
                return new Parsed(token.substring(0, idx), ts, 'P');
            }
        }
        return new Parsed(token, BigInteger.ZERO, 'P');
    }

    /**
     * CPython {@code int(s)} in base 10: surrounding Unicode whitespace, one sign, Unicode decimal
     * digits with single underscores between them, at most {@link #PY_INT_MAX_STR_DIGITS} digits.
     *
     * @return the value, or null where CPython raises {@code ValueError}
     */
    static BigInteger pyInt(final String s)
    {
        final String t = pyStrip(s);
        int i = 0;
        boolean negative = false;
        if (i < t.length() && (t.charAt(i) == '+' || t.charAt(i) == '-'))
        {
            negative = t.charAt(i) == '-';
            i++;
        }
        final StringBuilder digits = new StringBuilder();
        boolean lastWasDigit = false;
        while (i < t.length())
        {
            final int cp = t.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == '_')
            {
                if (!lastWasDigit)
                {
                    return null;
                }
                lastWasDigit = false;
                continue;
            }
            if (Character.getType(cp) != Character.DECIMAL_DIGIT_NUMBER)
            {
                return null;
            }
            digits.append((char)('0' + Character.digit(cp, 10)));
            lastWasDigit = true;
        }
        if (digits.length() == 0 || !lastWasDigit || digits.length() > PY_INT_MAX_STR_DIGITS)
        {
            return null;
        }
        final BigInteger value = new BigInteger(digits.toString());
        return negative ? value.negate() : value;
    }

    /** CPython {@code str.strip()} with no argument. */
    static String pyStrip(final String s)
    {
        int start = 0;
        int end = s.length();
        while (start < end && pyIsSpace(s.charAt(start)))
        {
            start++;
        }
        while (end > start && pyIsSpace(s.charAt(end - 1)))
        {
            end--;
        }
        return s.substring(start, end);
    }

    /** CPython {@code str.isspace()} for one character: bidirectional class WS, B or S, or category Zs. */
    static boolean pyIsSpace(final int cp)
    {
        return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 ||
            cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
            cp == 0x202F || cp == 0x205F || cp == 0x3000;
    }
}

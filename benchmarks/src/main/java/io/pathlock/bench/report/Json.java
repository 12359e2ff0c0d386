package io.pathlock.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON reader, enough for JMH's result files: objects become {@link LinkedHashMap}s, arrays
 * {@link ArrayList}s, numbers {@link Double}s, and {@code true}/{@code false}/{@code null} their Java
 * values. JMH writes NaN as the string {@code "NaN"}; {@link #number} reads it back.
 *
 * <p>Stateless; thread-safe.
 */
public final class Json
{
    private final String s;
    private int i;

    private Json(final String s)
    {
        this.s = s;
    }

    /**
     * Parses a document.
     *
     * @param text the JSON text.
     * @return the value.
     * @throws IllegalArgumentException naming the offset of the first syntax error.
     */
    public static Object parse(final String text)
    {
        final Json p = new Json(text);
        p.ws();
        final Object v = p.value();
        p.ws();
        if (p.i != text.length())
        {
            throw p.error("trailing characters");
        }
        return v;
    }

    /**
     * Reads a number that JMH may have written as a string ("NaN", "Infinity").
     *
     * @param v a parsed value.
     * @return the number, NaN for null or anything else.
     */
    public static double number(final Object v)
    {
        if (v instanceof Number n)
        {
            return n.doubleValue();
        }
        if (v instanceof String str)
        {
            try
            {
                return Double.parseDouble(str);
            }
            catch (final NumberFormatException e)
            {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    private Object value()
    {
        if (i >= s.length())
        {
            throw error("unexpected end");
        }
        final char c = s.charAt(i);
        switch (c)
        {
            case '{':
                return object();
            case '[':
                return array();
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", null);
            default:
                if (c == '-' || (c >= '0' && c <= '9'))
                {
                    return numberToken();
                }
                throw error("unexpected '" + c + "'");
        }
    }

    private Map<String, Object> object()
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        i++;
        ws();
        if (peek() == '}')
        {
            i++;
            return m;
        }
        for (;;)
        {
            ws();
            if (peek() != '"')
            {
                throw error("expected a key");
            }
            final String k = string();
            ws();
            expect(':');
            ws();
            m.put(k, value());
            ws();
            final char c = next();
            if (c == '}')
            {
                return m;
            }
            if (c != ',')
            {
                throw error("expected ',' or '}'");
            }
        }
    }

    private List<Object> array()
    {
        final List<Object> a = new ArrayList<>();
        i++;
        ws();
        if (peek() == ']')
        {
            i++;
            return a;
        }
        for (;;)
        {
            ws();
            a.add(value());
            ws();
            final char c = next();
            if (c == ']')
            {
                return a;
            }
            if (c != ',')
            {
                throw error("expected ',' or ']'");
            }
        }
    }

    private String string()
    {
        expect('"');
        final StringBuilder sb = new StringBuilder();
        for (;;)
        {
            final char c = next();
            if (c == '"')
            {
                return sb.toString();
            }
            if (c == '\\')
            {
                final char e = next();
                switch (e)
                {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'u' ->
                    {
                        if (i + 4 > s.length())
                        {
                            throw error("bad \\u escape");
                        }
                        sb.append((char)Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> sb.append(e);
                }
            }
            else
            {
                sb.append(c);
            }
        }
    }

    private Double numberToken()
    {
        final int start = i;
        while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0)
        {
            i++;
        }
        try
        {
            return Double.valueOf(s.substring(start, i));
        }
        catch (final NumberFormatException e)
        {
            i = start;
            throw error("bad number");
        }
    }

    private Object literal(final String word, final Object v)
    {
        if (!s.startsWith(word, i))
        {
            throw error("expected " + word);
        }
        i += word.length();
        return v;
    }

    private void ws()
    {
        while (i < s.length() && Character.isWhitespace(s.charAt(i)))
        {
            i++;
        }
    }

    private char peek()
    {
        if (i >= s.length())
        {
            throw error("unexpected end");
        }
        return s.charAt(i);
    }

    private char next()
    {
        final char c = peek();
        i++;
        return c;
    }

    private void expect(final char c)
    {
        if (next() != c)
        {
            i--;
            throw error("expected '" + c + "'");
        }
    }

    private IllegalArgumentException error(final String what)
    {
        return new IllegalArgumentException("JSON: " + what + " at offset " + i);
    }
}

package io.pathlock.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON parser for tests (RFC 8259: objects, arrays, strings with every escape, integers,
 * true/false/null), so that the CLI's hand-written JSON is checked by parsing it back, not by
 * matching substrings. Objects become {@link LinkedHashMap}s, arrays {@link List}s, numbers
 * {@link Long}s.
 */
final class TinyJson
{
    private final String s;
    private int i;

    private TinyJson(final String s)
    {
        this.s = s;
    }

    static Object parse(final String text)
    {
        final TinyJson p = new TinyJson(text);
        p.ws();
        final Object v = p.value();
        p.ws();
        if (p.i != text.length())
        {
            throw p.error("trailing characters");
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(final Object o)
    {
        return (Map<String, Object>)o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> array(final Object o)
    {
        return (List<Object>)o;
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
                return obj();
            case '[':
                return arr();
            case '"':
                return str();
            case 't':
                return word("true", Boolean.TRUE);
            case 'f':
                return word("false", Boolean.FALSE);
            case 'n':
                return word("null", null);
            default:
                return num();
        }
    }

    private Map<String, Object> obj()
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
            final String k = str();
            ws();
            expect(':');
            ws();
            if (m.containsKey(k))
            {
                throw error("duplicate key " + k);
            }
            m.put(k, value());
            ws();
            if (peek() == ',')
            {
                i++;
                continue;
            }
            expect('}');
            return m;
        }
    }

    private List<Object> arr()
    {
        final List<Object> l = new ArrayList<>();
        i++;
        ws();
        if (peek() == ']')
        {
            i++;
            return l;
        }
        for (;;)
        {
            ws();
            l.add(value());
            ws();
            if (peek() == ',')
            {
                i++;
                continue;
            }
            expect(']');
            return l;
        }
    }

    private String str()
    {
        expect('"');
        final StringBuilder b = new StringBuilder();
        for (;;)
        {
            if (i >= s.length())
            {
                throw error("unterminated string");
            }
            final char c = s.charAt(i++);
            if (c == '"')
            {
                return b.toString();
            }
            if (c < 0x20)
            {
                throw error("raw control character in a string");
            }
            if (c != '\\')
            {
                b.append(c);
                continue;
            }
            final char e = s.charAt(i++);
            switch (e)
            {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' ->
                {
                    b.append((char)Integer.parseInt(s.substring(i, i + 4), 16));
                    i += 4;
                }
                default -> throw error("bad escape \\" + e);
            }
        }
    }

    private Object word(final String w, final Object v)
    {
        if (!s.startsWith(w, i))
        {
            throw error("expected " + w);
        }
        i += w.length();
        return v;
    }

    private Long num()
    {
        final int start = i;
        if (peek() == '-')
        {
            i++;
        }
        while (i < s.length() && Character.isDigit(s.charAt(i)))
        {
            i++;
        }
        if (start == i)
        {
            throw error("unexpected character '" + s.charAt(i) + "'");
        }
        return Long.parseLong(s.substring(start, i));
    }

    private char peek()
    {
        return i < s.length() ? s.charAt(i) : '\0';
    }

    private void expect(final char c)
    {
        if (peek() != c)
        {
            throw error("expected '" + c + "'");
        }
        i++;
    }

    private void ws()
    {
        while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0)
        {
            i++;
        }
    }

    private IllegalArgumentException error(final String what)
    {
        return new IllegalArgumentException(what + " at offset " + i + " of: " + s);
    }
}

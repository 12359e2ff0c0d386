package io.pathlock.cli;

import java.time.Instant;

/**
 * Writes the JSON of {@code status --json} and {@code redo list --json} without a dependency. The
 * output is pure ASCII: every character outside printable ASCII (control characters, DEL, anything
 * non-ASCII, including lone surrogates left by file names that are not UTF-8) is written as a
 * {@code \\uXXXX} escape, so the document is valid whatever the names hold and whatever the terminal's
 * encoding. Times are ISO-8601 UTC instants ({@code 2026-12-06T20:41:07.123456789Z}).
 *
 * <p>Not thread-safe; one document per writer.
 */
final class JsonWriter
{
    private final StringBuilder sb = new StringBuilder(256);
    /** Whether the current container already has a member (a comma goes before the next). */
    private boolean[] hasMember = new boolean[8];
    private int depth;
    private boolean afterName;

    JsonWriter beginObject()
    {
        return open('{');
    }

    JsonWriter endObject()
    {
        return close('}');
    }

    JsonWriter beginArray()
    {
        return open('[');
    }

    JsonWriter endArray()
    {
        return close(']');
    }

    JsonWriter name(final String name)
    {
        separate();
        string(name);
        sb.append(": ");
        afterName = true;
        return this;
    }

    JsonWriter value(final String value)
    {
        separate();
        if (value == null)
        {
            sb.append("null");
        }
        else
        {
            string(value);
        }
        return this;
    }

    JsonWriter value(final long value)
    {
        separate();
        sb.append(value);
        return this;
    }

    JsonWriter value(final boolean value)
    {
        separate();
        sb.append(value);
        return this;
    }

    /** A number, or null when {@code value} is negative (unknown). */
    JsonWriter valueOrNull(final long value)
    {
        separate();
        sb.append(value < 0 ? "null" : Long.toString(value));
        return this;
    }

    JsonWriter value(final Instant value)
    {
        return value(value == null ? null : value.toString());
    }

    JsonWriter field(final String name, final String value)
    {
        return name(name).value(value);
    }

    JsonWriter field(final String name, final long value)
    {
        return name(name).value(value);
    }

    private JsonWriter open(final char c)
    {
        separate();
        sb.append(c);
        if (++depth == hasMember.length)
        {
            hasMember = java.util.Arrays.copyOf(hasMember, depth * 2);
        }
        hasMember[depth] = false;
        return this;
    }

    private JsonWriter close(final char c)
    {
        final boolean any = hasMember[depth];
        depth--;
        if (any)
        {
            newline();
        }
        sb.append(c);
        return this;
    }

    private void separate()
    {
        if (afterName)
        {
            afterName = false;
            return;
        }
        if (depth > 0)
        {
            if (hasMember[depth])
            {
                sb.append(',');
            }
            hasMember[depth] = true;
            newline();
        }
    }

    private void newline()
    {
        sb.append('\n');
        for (int i = 0; i < depth; i++)
        {
            sb.append("  ");
        }
    }

    private void string(final String s)
    {
        sb.append('"');
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            switch (c)
            {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default ->
                {
                    if (c < 0x20 || c >= 0x7f)
                    {
                        sb.append("\\u");
                        final String hex = Integer.toHexString(c);
                        for (int k = hex.length(); k < 4; k++)
                        {
                            sb.append('0');
                        }
                        sb.append(hex);
                    }
                    else
                    {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    @Override
    public String toString()
    {
        return sb.toString();
    }
}

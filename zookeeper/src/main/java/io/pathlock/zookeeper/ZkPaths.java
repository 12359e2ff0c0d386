package io.pathlock.zookeeper;

import io.pathlock.core.LockPath;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Where a lock path's component and queue live in the namespace, and back.
 *
 * <p>Lock path {@code /a/b} is the component {@code {tree}/ca/cb}; its queue is {@code {tree}/ca/cb/q}.
 * A segment is prefixed with {@code c} (so no segment can be named {@code q}, {@code .} or
 * {@code ..}) and escaped: ASCII letters, digits and {@code -._~} are kept, every other character
 * is written as {@code %XX} per UTF-8 byte (ZooKeeper refuses some code points in names).
 */
final class ZkPaths
{
    private ZkPaths()
    {
    }

    /** The queue of {@code path}'s prefix of the given depth (0: the root). */
    static String queue(final String treeRoot, final LockPath path, final int depth)
    {
        final StringBuilder sb = new StringBuilder(treeRoot.length() + 16 * depth + 2).append(treeRoot);
        for (int i = 0; i < depth; i++)
        {
            sb.append("/c");
            escape(path.segment(i), sb);
        }
        return sb.append("/q").toString();
    }

    /** The lock path whose queue is {@code queue}. */
    static String lockPathOfQueue(final String treeRoot, final String queue)
    {
        final String comps = queue.substring(treeRoot.length(), queue.length() - 2);
        if (comps.isEmpty())
        {
            return "/";
        }
        final StringBuilder sb = new StringBuilder();
        for (final String c : comps.substring(1).split("/"))
        {
            sb.append('/').append(unescape(c.substring(1)));
        }
        return sb.toString();
    }

    static void escape(final String segment, final StringBuilder out)
    {
        for (int i = 0; i < segment.length(); i++)
        {
            final char ch = segment.charAt(i);
            if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                ch == '-' || ch == '.' || ch == '_' || ch == '~')
            {
                out.append(ch);
            }
            else
            {
                final int cp = segment.codePointAt(i);
                if (Character.charCount(cp) == 2)
                {
                    i++;
                }
                for (final byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8))
                {
                    out.append('%').append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
                }
            }
        }
    }

    static String unescape(final String s)
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++)
        {
            final char ch = s.charAt(i);
            if (ch == '%' && i + 2 < s.length())
            {
                bytes.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            }
            else
            {
                bytes.write(ch);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}

package io.pathlock.file;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Names of ragfs's exact-lock sidecar files: {@code .exact.ovlock.<safe_name>.<h>} in the parent
 * directory of a file or missing path, where
 * <ul>
 *   <li>{@code safe_name} is the path's last component with ASCII letters, digits and {@code ._-}
 *   kept, every run of other characters turned into one {@code _}, leading and trailing {@code .}
 *   and {@code _} trimmed, {@code path} if nothing is left, cut to 80 characters;</li>
 *   <li>{@code h} is the first 16 hex digits of the SHA-1 of the <em>whole</em> path as the
 *   OpenViking process names it (UTF-8), mount prefix included: {@code /data/中文 name..txt} gives
 *   {@code .exact.ovlock.name..txt.591847f8876e86f7}.</li>
 * </ul>
 *
 * <p>Thread-safety: stateless (one digest per thread).
 */
public final class SidecarNames
{
    /** Prefix of every sidecar name. */
    public static final String PREFIX = ".exact.ovlock.";

    private static final int MAX_SAFE_NAME = 80;
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final ThreadLocal<MessageDigest> SHA1 = ThreadLocal.withInitial(() ->
    {
        try
        {
            return MessageDigest.getInstance("SHA-1");
        }
        catch (final NoSuchAlgorithmException e)
        {
            throw new IllegalStateException("this JVM has no SHA-1, which every Java SE platform must provide", e);
        }
    });

    private SidecarNames()
    {
    }

    /**
     * The sanitised last component ({@code safe_name}).
     *
     * @param name the last component of the path.
     * @return the safe name, never empty.
     */
    public static String safeName(final String name)
    {
        final StringBuilder sb = new StringBuilder(name.length());
        boolean replacing = false;
        for (int i = 0; i < name.length(); )
        {
            final int c = name.codePointAt(i);
            i += Character.charCount(c);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')
            {
                sb.append((char)c);
                replacing = false;
            }
            else if (!replacing)
            {
                sb.append('_');
                replacing = true;
            }
        }
        int from = 0;
        int to = sb.length();
        while (from < to && (sb.charAt(from) == '.' || sb.charAt(from) == '_'))
        {
            from++;
        }
        while (to > from && (sb.charAt(to - 1) == '.' || sb.charAt(to - 1) == '_'))
        {
            to--;
        }
        if (from == to)
        {
            return "path";
        }
        return sb.substring(from, Math.min(to, from + MAX_SAFE_NAME));
    }

    /**
     * The sidecar file name of a path.
     *
     * @param fullPath the path as the OpenViking process names it (mount prefix included), such as
     *                 {@code /data/a.txt}; its last component is the file's name.
     * @return {@code .exact.ovlock.<safe_name>.<16 hex>}.
     */
    public static String sidecarName(final String fullPath)
    {
        String trimmed = fullPath;
        while (trimmed.length() > 1 && trimmed.endsWith("/"))
        {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        final String last = trimmed.substring(trimmed.lastIndexOf('/') + 1);
        return PREFIX + safeName(last) + '.' + hashPrefix(fullPath);
    }

    /**
     * The first 16 hex digits of SHA-1 of a path's UTF-8 bytes.
     *
     * @param fullPath the path.
     * @return 16 lower-case hex digits.
     */
    public static String hashPrefix(final String fullPath)
    {
        final byte[] d = SHA1.get().digest(fullPath.getBytes(StandardCharsets.UTF_8));
        final char[] out = new char[16];
        for (int i = 0; i < 8; i++)
        {
            out[2 * i] = HEX[(d[i] >> 4) & 0xf];
            out[2 * i + 1] = HEX[d[i] & 0xf];
        }
        return new String(out);
    }

    /**
     * Whether a directory entry's name is a sidecar.
     *
     * @param name the entry's name.
     * @return true for {@code .exact.ovlock.*}.
     */
    public static boolean isSidecar(final String name)
    {
        return name.startsWith(PREFIX) && name.length() > PREFIX.length();
    }

    /**
     * The {@code safe_name} part of a sidecar name, for reports (the hash cannot be inverted).
     *
     * @param sidecar a sidecar name.
     * @return the part between the prefix and the hash, or the whole name if it has no hash.
     */
    public static String displayName(final String sidecar)
    {
        final String rest = sidecar.substring(PREFIX.length());
        final int dot = rest.lastIndexOf('.');
        return dot > 0 ? rest.substring(0, dot) : rest;
    }
}

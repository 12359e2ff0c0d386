package io.pathlock.posix;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Conversions between {@link Path} and the bytes the native backends pass to the kernel, and the
 * checks on the names given to {@link Posix#findFiles}.
 *
 * <p>The charset is the one the JDK uses for file names ({@code sun.jnu.encoding}, falling back to
 * UTF-8), so that a {@link Path} names the same file on every backend.
 */
final class PosixPaths
{
    /** Charset of file names, as the JDK's own file system uses it. */
    static final Charset CHARSET = fileNameCharset();

    private PosixPaths()
    {
    }

    /**
     * The bytes of a path, without a terminating NUL.
     *
     * @param path the path.
     * @return its bytes.
     */
    static byte[] bytes(final Path path)
    {
        return path.toString().getBytes(CHARSET);
    }

    /**
     * The bytes of a file name, or null for null.
     *
     * @param name a name or null.
     * @return its bytes, or null.
     */
    static byte[] nameBytes(final String name)
    {
        return name == null ? null : name.getBytes(CHARSET);
    }

    /**
     * Whether a name is acceptable as one directory entry: not empty, not {@code .} or {@code ..},
     * no {@code /} and no NUL.
     *
     * @param name    the name.
     * @param allowNull whether null is acceptable.
     * @return true when it is.
     */
    static boolean isValidName(final String name, final boolean allowNull)
    {
        if (name == null)
        {
            return allowNull;
        }
        return !name.isEmpty() && !".".equals(name) && !"..".equals(name) &&
            name.indexOf('/') < 0 && name.indexOf('\0') < 0;
    }

    /**
     * Whether a directory entry's name matches a {@link Posix#findFiles} pattern: the pattern
     * itself, or with {@code *SUFFIX} every name that ends in SUFFIX (SUFFIX itself included).
     *
     * @param name    the entry's name.
     * @param pattern the pattern.
     * @return true when it matches.
     */
    static boolean nameMatches(final String name, final String pattern)
    {
        if (pattern.isEmpty() || pattern.charAt(0) != '*')
        {
            return name.equals(pattern);
        }
        return name.endsWith(pattern.substring(1));
    }

    /**
     * Splits a buffer of NUL-terminated relative paths into {@code out}.
     *
     * @param buffer the concatenated paths.
     * @param out    receives one relative {@link Path} per entry.
     * @return the number of paths added.
     */
    static int splitNulTerminated(final byte[] buffer, final List<Path> out)
    {
        int count = 0;
        int from = 0;
        for (int i = 0; i < buffer.length; i++)
        {
            if (buffer[i] == 0)
            {
                out.add(Path.of(new String(buffer, from, i - from, CHARSET)));
                from = i + 1;
                count++;
            }
        }
        return count;
    }

    /** Longest name component Linux accepts ({@code NAME_MAX}). */
    static final int NAME_MAX = 255;

    /**
     * Checks a raw name component for the descriptor-relative calls: 1..{@link #NAME_MAX} bytes, no
     * {@code '/'}, no NUL, not {@code "."} or {@code ".."}.
     *
     * @param name the raw name.
     * @return 0, {@code -EINVAL}, or {@code -ENAMETOOLONG}.
     */
    static int checkComponent(final byte[] name)
    {
        final int len = name.length;
        if (len == 0)
        {
            return -Errno.EINVAL;
        }
        if (len > NAME_MAX)
        {
            return -Errno.ENAMETOOLONG;
        }
        if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
        {
            return -Errno.EINVAL;
        }
        for (final byte c : name)
        {
            if (c == '/' || c == 0)
            {
                return -Errno.EINVAL;
            }
        }
        return 0;
    }

    /**
     * The positive errno for a name that a backend could not use: that of
     * {@link #checkComponent(byte[])}, or {@link Errno#EINVAL} when the name is a valid component
     * that the backend still cannot name (not decodable, for {@link NioPosix}).
     *
     * @param name the raw name.
     * @return a positive errno.
     */
    static int checkComponentOrInvalid(final byte[] name)
    {
        final int rc = checkComponent(name);
        return rc != 0 ? -rc : Errno.EINVAL;
    }

    /**
     * Whether a name matches one of the {@link Posix#walkAt} patterns.
     *
     * @param name     raw name bytes, from index 0.
     * @param length   how many bytes of {@code name}.
     * @param suffixes suffixes (may be null).
     * @param prefixes prefixes (may be null).
     * @return true when the name ends with a suffix or starts with a prefix.
     */
    static boolean matchesAny(final byte[] name, final int length, final byte[][] suffixes, final byte[][] prefixes)
    {
        if (suffixes != null)
        {
            for (final byte[] s : suffixes)
            {
                if (length >= s.length && java.util.Arrays.equals(name, length - s.length, length, s, 0, s.length))
                {
                    return true;
                }
            }
        }
        if (prefixes != null)
        {
            for (final byte[] p : prefixes)
            {
                if (length >= p.length && java.util.Arrays.equals(name, 0, p.length, p, 0, p.length))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Checks the patterns of {@link Posix#walkAt}: arrays may be null, their elements may not.
     *
     * @param patterns suffixes or prefixes.
     * @return whether every element is non-null.
     */
    static boolean validPatterns(final byte[][] patterns)
    {
        if (patterns != null)
        {
            for (final byte[] p : patterns)
            {
                if (p == null)
                {
                    return false;
                }
            }
        }
        return true;
    }

    private static Charset fileNameCharset()
    {
        final String name = System.getProperty("sun.jnu.encoding");
        try
        {
            return name == null ? StandardCharsets.UTF_8 : Charset.forName(name);
        }
        catch (final RuntimeException ex)
        {
            return StandardCharsets.UTF_8;
        }
    }
}

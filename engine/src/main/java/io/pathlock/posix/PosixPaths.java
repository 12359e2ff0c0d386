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

package io.pathlock.core;

import java.util.Arrays;

/**
 * An absolute, normalised, {@code /}-separated lock path (DESIGN §2).
 *
 * <p>Rules: the path starts with {@code /}; it has no empty, {@code .} or {@code ..} segment; no
 * trailing {@code /} except for the root; no NUL or other control character; at most
 * {@link #MAX_LENGTH} characters and {@link #MAX_DEPTH} segments. The root {@code /} is a valid,
 * lockable path of depth 0. {@link #parse(CharSequence)} rejects anything else with an
 * {@link InvalidLockPathException} that names the input and the rule it breaks; it never silently
 * repairs a path, because a lock on a silently different path is a lock on the wrong thing.
 *
 * <p>Instances are immutable and thread-safe. Ordering ({@link #compareTo}) is by segments, so that
 * a parent sorts before its children.
 */
public final class LockPath implements Comparable<LockPath>
{
    /** Longest accepted path, in characters. */
    public static final int MAX_LENGTH = 4096;

    /** Most segments accepted in one path. */
    public static final int MAX_DEPTH = 256;

    private static final String[] NO_SEGMENTS = new String[0];
    private static final LockPath ROOT = new LockPath(NO_SEGMENTS, "/");

    private final String[] segments;
    private final String text;
    // The one-lock requests of this path, created on first use (racy but benign: a request is
    // immutable, and two threads may at worst each create one).
    private LockRequest pointRequest;
    private LockRequest subtreeRequest;
    // The hash of the parent's text, computed on first use (0: not yet; racy but benign).
    private int parentHash;
    // The trie node a lock table last granted a lock on for this path (an io.pathlock.table.TrieNode,
    // held as an Object so that this package depends on no other): written and read only by
    // LockTable, through a VarHandle, plainly. Racy but benign: the table checks the node on every
    // use (its parents must end at the table's root, and each raise and claim sees a reclaimed node
    // as DEAD), so a stale node, or another table's, costs the lookups it would have spared, never a
    // lock on the wrong node (LockTable, invariant 11).
    @SuppressWarnings("unused")
    private Object resolved;

    private LockPath(final String[] segments, final String text)
    {
        this.segments = segments;
        this.text = text;
    }

    /**
     * The root path {@code /}.
     *
     * @return the root.
     */
    public static LockPath root()
    {
        return ROOT;
    }

    /**
     * Parses and validates a path.
     *
     * @param path the text, e.g. {@code /a/b/c}.
     * @return the path.
     * @throws InvalidLockPathException if the path is null or breaks a rule; the message names the
     *         input and the rule.
     */
    public static LockPath parse(final CharSequence path)
    {
        if (path instanceof String && path.length() <= CACHE_MAX_LENGTH)
        {
            // A direct-mapped cache of recently parsed paths: a hit costs the string's hash and one
            // equals, no allocation. LockPath is immutable (final fields), so a racy read of a slot
            // sees a complete path or another one, never a torn one.
            final String text = (String)path;
            final int slot = (text.hashCode() * 0x9E3779B9 >>> 22) & (CACHE_SIZE - 1);
            final LockPath cached = CACHE[slot];
            if (cached != null && cached.text.equals(text))
            {
                return cached;
            }
            final LockPath parsed = parseUncached(text);
            CACHE[slot] = parsed;
            return parsed;
        }
        return parseUncached(path);
    }

    private static final int CACHE_SIZE = 1024;
    // Bounds what the cache can retain: at most 1024 paths of at most 256 characters.
    private static final int CACHE_MAX_LENGTH = 256;
    private static final LockPath[] CACHE = new LockPath[CACHE_SIZE];

    private static LockPath parseUncached(final CharSequence path)
    {
        if (path == null)
        {
            throw new InvalidLockPathException(null, "path is null");
        }
        final int length = path.length();
        if (length == 0)
        {
            throw new InvalidLockPathException(path, "path is empty");
        }
        if (length > MAX_LENGTH)
        {
            throw new InvalidLockPathException(path, "path is " + length + " characters long, more than "
                + MAX_LENGTH);
        }
        if (path.charAt(0) != '/')
        {
            throw new InvalidLockPathException(path, "path is not absolute (must start with '/')");
        }
        if (length == 1)
        {
            return ROOT;
        }
        if (path.charAt(length - 1) == '/')
        {
            throw new InvalidLockPathException(path, "path has a trailing '/'");
        }

        int count = 0;
        for (int i = 0; i < length; i++)
        {
            final char c = path.charAt(i);
            if (c == '/')
            {
                count++;
            }
            else if (c < 0x20 || c == 0x7f)
            {
                throw new InvalidLockPathException(path, "path has a control character (code "
                    + (int)c + ") at index " + i);
            }
        }
        if (count > MAX_DEPTH)
        {
            throw new InvalidLockPathException(path, "path has " + count + " segments, more than " + MAX_DEPTH);
        }

        final String[] segments = new String[count];
        int start = 1;
        for (int s = 0; s < count; s++)
        {
            int end = start;
            while (end < length && path.charAt(end) != '/')
            {
                end++;
            }
            if (end == start)
            {
                throw new InvalidLockPathException(path, "path has an empty segment at index " + start);
            }
            final String segment = path.subSequence(start, end).toString();
            if (segment.equals(".") || segment.equals(".."))
            {
                throw new InvalidLockPathException(path, "path has a '" + segment + "' segment at index " + start);
            }
            segments[s] = segment;
            start = end + 1;
        }
        return new LockPath(segments, path.toString());
    }

    /**
     * The request of one lock of this type on this path, created once per path instance.
     *
     * @param type the type.
     * @return the request.
     */
    LockRequest request(final LockType type)
    {
        if (type == LockType.POINT)
        {
            LockRequest r = pointRequest;
            if (r == null)
            {
                r = LockRequest.single(this, LockType.POINT);
                pointRequest = r;
            }
            return r;
        }
        LockRequest r = subtreeRequest;
        if (r == null)
        {
            r = LockRequest.single(this, LockType.SUBTREE);
            subtreeRequest = r;
        }
        return r;
    }

    /**
     * Number of segments: 0 for the root.
     *
     * @return the depth.
     */
    public int depth()
    {
        return segments.length;
    }

    /**
     * The segment at an index.
     *
     * @param index 0 for the first segment below the root.
     * @return the segment name.
     * @throws IndexOutOfBoundsException if index is not in {@code [0, depth())}.
     */
    public String segment(final int index)
    {
        return segments[index];
    }

    /**
     * Whether this is the root.
     *
     * @return true for {@code /}.
     */
    public boolean isRoot()
    {
        return segments.length == 0;
    }

    /**
     * The parent path.
     *
     * @return the parent.
     * @throws InvalidLockPathException if this is the root, which has no parent.
     */
    public LockPath parent()
    {
        if (isRoot())
        {
            throw new InvalidLockPathException(text, "the root has no parent");
        }
        return prefix(segments.length - 1);
    }

    /**
     * The {@link #hashCode()} of the parent, without making the parent: for lookups keyed by the
     * parent on hot paths.
     *
     * @return the hash.
     * @throws InvalidLockPathException if this is the root.
     */
    public int parentHash()
    {
        int h = parentHash;
        if (h == 0)
        {
            if (isRoot())
            {
                throw new InvalidLockPathException(text, "the root has no parent");
            }
            final int end = text.lastIndexOf('/');
            if (end == 0)
            {
                h = ROOT.text.hashCode();
            }
            else
            {
                // String.hashCode of text[0, end), as the parent's text would compute it.
                for (int i = 0; i < end; i++)
                {
                    h = 31 * h + text.charAt(i);
                }
            }
            parentHash = h;
        }
        return h;
    }

    /**
     * Whether this path is a child of {@code parent} (one segment below it).
     *
     * @param parent a path.
     * @return true if {@code parent} is this path's parent.
     */
    public boolean isChildOf(final LockPath parent)
    {
        if (segments.length != parent.segments.length + 1)
        {
            return false;
        }
        if (parent.segments.length == 0)
        {
            return true;
        }
        final int n = parent.text.length();
        // a parent's text may be as long as this path's or longer (same depth count, longer names)
        return n < text.length() && text.charAt(n) == '/' && text.regionMatches(0, parent.text, 0, n);
    }

    /**
     * The ancestor-or-self with the given depth.
     *
     * @param depth from 0 (the root) to {@link #depth()}.
     * @return the prefix path.
     */
    public LockPath prefix(final int depth)
    {
        if (depth < 0 || depth > segments.length)
        {
            throw new IndexOutOfBoundsException("depth " + depth + " not in [0, " + segments.length + "]");
        }
        if (depth == segments.length)
        {
            return this;
        }
        if (depth == 0)
        {
            return ROOT;
        }
        final String[] prefix = Arrays.copyOf(segments, depth);
        return new LockPath(prefix, join(prefix));
    }

    /**
     * A child of this path.
     *
     * @param name one segment.
     * @return the child path.
     * @throws InvalidLockPathException if the resulting path is invalid.
     */
    public LockPath child(final String name)
    {
        return parse(isRoot() ? "/" + name : text + "/" + name);
    }

    /**
     * The last segment, or the empty string for the root.
     *
     * @return the name.
     */
    public String name()
    {
        return isRoot() ? "" : segments[segments.length - 1];
    }

    /**
     * Whether this path is a strict ancestor of another.
     *
     * @param other the other path.
     * @return true if {@code other} lies strictly below this path.
     */
    public boolean isAncestorOf(final LockPath other)
    {
        if (other.segments.length <= segments.length)
        {
            return false;
        }
        for (int i = 0; i < segments.length; i++)
        {
            if (!segments[i].equals(other.segments[i]))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether this path is the other or one of its ancestors.
     *
     * @param other the other path.
     * @return true if {@code other} equals this path or lies below it.
     */
    public boolean isAncestorOrSelf(final LockPath other)
    {
        return equals(other) || isAncestorOf(other);
    }

    @Override
    public int compareTo(final LockPath o)
    {
        final int n = Math.min(segments.length, o.segments.length);
        for (int i = 0; i < n; i++)
        {
            final int c = segments[i].compareTo(o.segments[i]);
            if (c != 0)
            {
                return c;
            }
        }
        return Integer.compare(segments.length, o.segments.length);
    }

    @Override
    public boolean equals(final Object o)
    {
        return this == o || (o instanceof LockPath && text.equals(((LockPath)o).text));
    }

    @Override
    public int hashCode()
    {
        return text.hashCode();
    }

    /**
     * The normalised text, e.g. {@code /a/b}.
     *
     * @return the path text.
     */
    @Override
    public String toString()
    {
        return text;
    }

    private static String join(final String[] segments)
    {
        final StringBuilder sb = new StringBuilder();
        for (final String s : segments)
        {
            sb.append('/').append(s);
        }
        return sb.toString();
    }
}

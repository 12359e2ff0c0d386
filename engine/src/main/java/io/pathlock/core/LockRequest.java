package io.pathlock.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable, normalised set of locks to take all-or-nothing.
 *
 * <p>Normalisation (DESIGN §2): duplicates are merged; SUBTREE wins over POINT on the same path; an
 * entry covered by a SUBTREE entry on an ancestor is dropped. After normalisation no two entries of a
 * request conflict with each other, and the entries are sorted by path, so the order in which a
 * caller lists paths never matters.
 *
 * <p>Factories for the three modes of the seed: {@link #point}, {@link #subtree} and {@link #mv}.
 * Instances are immutable and thread-safe.
 */
public final class LockRequest
{
    /**
     * One lock of a request.
     *
     * @param path the path.
     * @param type the lock type.
     */
    public record Entry(LockPath path, LockType type)
    {
        /**
         * Validates the entry.
         *
         * @param path the path, not null.
         * @param type the type, not null.
         */
        public Entry
        {
            if (path == null || type == null)
            {
                throw new IllegalArgumentException("lock entry needs a path and a type, got " + path + " " + type);
            }
        }

        /**
         * Whether holding this entry already grants {@code other} (reentrancy).
         *
         * @param other the requested entry.
         * @return true if this SUBTREE covers the other's path, or both are the same POINT.
         */
        public boolean covers(final Entry other)
        {
            if (type == LockType.SUBTREE)
            {
                return path.isAncestorOrSelf(other.path);
            }
            return other.type == LockType.POINT && path.equals(other.path);
        }

        @Override
        public String toString()
        {
            return type + " " + path;
        }
    }

    private final List<Entry> entries;

    private LockRequest(final List<Entry> entries)
    {
        this.entries = entries;
    }

    /**
     * A POINT lock on one path. The request of a path parsed before (the same text) is reused, so
     * the call allocates nothing when the path is in {@link LockPath}'s parse cache.
     *
     * @param path the path.
     * @return the request.
     * @throws InvalidLockPathException if the path is invalid or null.
     */
    public static LockRequest point(final CharSequence path)
    {
        return LockPath.parse(path).request(LockType.POINT);
    }

    /**
     * A SUBTREE lock on one path; reused as {@link #point(CharSequence)} is.
     *
     * @param path the path.
     * @return the request.
     * @throws InvalidLockPathException if the path is invalid or null.
     */
    public static LockRequest subtree(final CharSequence path)
    {
        return LockPath.parse(path).request(LockType.SUBTREE);
    }

    /**
     * The request of one lock (no normalisation needed).
     *
     * @param path the path.
     * @param type the type.
     * @return a new request.
     */
    static LockRequest single(final LockPath path, final LockType type)
    {
        return new LockRequest(List.of(new Entry(path, type)));
    }

    /**
     * POINT locks on each path.
     *
     * @param paths one or more paths.
     * @return the request.
     * @throws InvalidLockPathException if a path is invalid.
     * @throws IllegalArgumentException if no path is given.
     */
    public static LockRequest point(final CharSequence... paths)
    {
        return of(LockType.POINT, paths);
    }

    /**
     * SUBTREE locks on each path.
     *
     * @param paths one or more paths.
     * @return the request.
     * @throws InvalidLockPathException if a path is invalid.
     * @throws IllegalArgumentException if no path is given.
     */
    public static LockRequest subtree(final CharSequence... paths)
    {
        return of(LockType.SUBTREE, paths);
    }

    /**
     * The locks a move needs (DESIGN §2): a directory move takes SUBTREE(src) and SUBTREE(dstParent);
     * a file move takes POINT(parent(src)) and POINT(dstParent).
     *
     * @param src the path being moved.
     * @param dstParent the directory it moves into.
     * @param srcIsDir whether src is a directory.
     * @return the request.
     * @throws InvalidLockPathException if a path is invalid, or src is the root.
     * @throws IllegalArgumentException if a directory would move into its own subtree.
     */
    public static LockRequest mv(final CharSequence src, final CharSequence dstParent, final boolean srcIsDir)
    {
        final LockPath s = LockPath.parse(src);
        final LockPath d = LockPath.parse(dstParent);
        if (s.isRoot())
        {
            throw new InvalidLockPathException(src, "the root cannot be moved");
        }
        if (srcIsDir)
        {
            if (s.isAncestorOrSelf(d))
            {
                throw new IllegalArgumentException("cannot move directory " + s + " into its own subtree " + d);
            }
            return builder().add(s, LockType.SUBTREE).add(d, LockType.SUBTREE).build();
        }
        return builder().add(s.parent(), LockType.POINT).add(d, LockType.POINT).build();
    }

    /**
     * A builder for mixed requests.
     *
     * @return a new builder.
     */
    public static Builder builder()
    {
        return new Builder();
    }

    private static LockRequest of(final LockType type, final CharSequence... paths)
    {
        if (paths == null || paths.length == 0)
        {
            throw new IllegalArgumentException("a lock request needs at least one path");
        }
        final Builder b = builder();
        for (final CharSequence p : paths)
        {
            b.add(LockPath.parse(p), type);
        }
        return b.build();
    }

    /**
     * The normalised entries, sorted by path.
     *
     * @return an unmodifiable list.
     */
    public List<Entry> entries()
    {
        return entries;
    }

    /**
     * Number of entries after normalisation.
     *
     * @return the size.
     */
    public int size()
    {
        return entries.size();
    }

    @Override
    public String toString()
    {
        return entries.toString();
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof LockRequest && entries.equals(((LockRequest)o).entries);
    }

    @Override
    public int hashCode()
    {
        return entries.hashCode();
    }

    /**
     * Collects entries and normalises them. Not thread-safe.
     */
    public static final class Builder
    {
        private final Map<LockPath, LockType> byPath = new TreeMap<>();

        private Builder()
        {
        }

        /**
         * Adds one lock.
         *
         * @param path the path.
         * @param type the type.
         * @return this builder.
         */
        public Builder add(final LockPath path, final LockType type)
        {
            if (path == null || type == null)
            {
                throw new IllegalArgumentException("lock entry needs a path and a type, got " + path + " " + type);
            }
            byPath.merge(path, type, (a, b) -> a == LockType.SUBTREE || b == LockType.SUBTREE ?
                LockType.SUBTREE : LockType.POINT);
            return this;
        }

        /**
         * Adds one lock.
         *
         * @param path the path text.
         * @param type the type.
         * @return this builder.
         * @throws InvalidLockPathException if the path is invalid.
         */
        public Builder add(final CharSequence path, final LockType type)
        {
            return add(LockPath.parse(path), type);
        }

        /**
         * Normalises and builds.
         *
         * @return the request.
         * @throws IllegalArgumentException if nothing was added.
         */
        public LockRequest build()
        {
            if (byPath.isEmpty())
            {
                throw new IllegalArgumentException("a lock request needs at least one path");
            }
            final List<Entry> out = new ArrayList<>(byPath.size());
            // Sorted by segments: an ancestor comes before its descendants, so one pass over the
            // SUBTREE entries kept so far is enough to drop covered entries.
            final List<LockPath> subtrees = new ArrayList<>();
            for (final Map.Entry<LockPath, LockType> e : byPath.entrySet())
            {
                boolean covered = false;
                for (final LockPath s : subtrees)
                {
                    if (s.isAncestorOf(e.getKey()))
                    {
                        covered = true;
                        break;
                    }
                }
                if (!covered)
                {
                    out.add(new Entry(e.getKey(), e.getValue()));
                    if (e.getValue() == LockType.SUBTREE)
                    {
                        subtrees.add(e.getKey());
                    }
                }
            }
            return new LockRequest(Collections.unmodifiableList(Arrays.asList(out.toArray(new Entry[0]))));
        }
    }
}

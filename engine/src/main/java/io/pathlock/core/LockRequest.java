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
 * <p>Normalisation (DESIGN §2): duplicates are merged; on the same path SUBTREE wins over POINT and
 * EXCLUSIVE over SHARED, each on its own (so SUBTREE-SHARED and POINT-EXCLUSIVE on one path make
 * SUBTREE-EXCLUSIVE, the one lock that holds both: it may exclude more than the pair would); an
 * entry covered by an entry on an ancestor ({@link Entry#covers}) is dropped. After normalisation
 * each path appears once and the entries are sorted by path, so the order in which a caller lists
 * paths never matters. The entries of one request belong to one owner and never block each other,
 * even where two of them would conflict between different owners (SUBTREE-SHARED on {@code /a}
 * with POINT-EXCLUSIVE on {@code /a/b}: a reader of the tree that writes one file in it).
 *
 * <p>Factories for the three modes of the seed: {@link #point}, {@link #subtree} and {@link #mv}
 * (exclusive locks), and for shared locks: {@link #pointShared} and {@link #subtreeShared}; the
 * {@link Builder} mixes kinds and modes.
 * Instances are immutable and thread-safe.
 */
public final class LockRequest
{
    /**
     * One lock of a request.
     *
     * @param path the path.
     * @param type the lock type.
     * @param mode shared or exclusive.
     */
    public record Entry(LockPath path, LockType type, LockMode mode)
    {
        /**
         * Validates the entry.
         *
         * @param path the path, not null.
         * @param type the type, not null.
         * @param mode the mode, not null.
         */
        public Entry
        {
            if (path == null || type == null || mode == null)
            {
                throw new IllegalArgumentException("lock entry needs a path, a type and a mode, got " + path + " " + type + " " + mode);
            }
        }

        /**
         * An exclusive entry.
         *
         * @param path the path, not null.
         * @param type the type, not null.
         */
        public Entry(final LockPath path, final LockType type)
        {
            this(path, type, LockMode.EXCLUSIVE);
        }

        /**
         * Whether this entry is shared.
         *
         * @return true for SHARED.
         */
        public boolean isShared()
        {
            return mode == LockMode.SHARED;
        }

        /**
         * Whether holding this entry already grants {@code other} (reentrancy): this entry reaches the
         * other's path (the same path, or a descendant when this is a SUBTREE) with at least the other's
         * type on that path and at least its mode.
         *
         * @param other the requested entry.
         * @return true if a SUBTREE covers the other's path in a mode at least as strong, or both are
         *         POINTs on the same path and this one's mode is at least as strong.
         */
        public boolean covers(final Entry other)
        {
            if (mode == LockMode.SHARED && other.mode == LockMode.EXCLUSIVE)
            {
                return false;
            }
            if (type == LockType.SUBTREE)
            {
                return path.isAncestorOrSelf(other.path);
            }
            return other.type == LockType.POINT && path.equals(other.path);
        }

        /**
         * Whether this lock, held by one owner, conflicts with {@code other} held by another owner
         * (DESIGN §2).
         *
         * @param other the other lock.
         * @return true if they cannot be held at once by different owners.
         */
        public boolean conflictsWith(final Entry other)
        {
            return type.conflictsWith(path, mode, other.type, other.mode, other.path);
        }

        @Override
        public String toString()
        {
            return mode == LockMode.SHARED ? type + "-SHARED " + path : type + " " + path;
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
     * One shared POINT lock (a reader of one path).
     *
     * @param path the path.
     * @return the request.
     * @throws InvalidLockPathException if the path is malformed.
     */
    public static LockRequest pointShared(final CharSequence path)
    {
        return of(LockType.POINT, LockMode.SHARED, path);
    }

    /**
     * Shared POINT locks on several paths, all or nothing.
     *
     * @param paths the paths (at least one).
     * @return the normalised request.
     * @throws InvalidLockPathException if a path is malformed.
     */
    public static LockRequest pointShared(final CharSequence... paths)
    {
        return of(LockType.POINT, LockMode.SHARED, paths);
    }

    /**
     * One shared SUBTREE lock (a reader of a path and everything below it).
     *
     * @param path the path.
     * @return the request.
     * @throws InvalidLockPathException if the path is malformed.
     */
    public static LockRequest subtreeShared(final CharSequence path)
    {
        return of(LockType.SUBTREE, LockMode.SHARED, path);
    }

    /**
     * Shared SUBTREE locks on several paths, all or nothing.
     *
     * @param paths the paths (at least one).
     * @return the normalised request.
     * @throws InvalidLockPathException if a path is malformed.
     */
    public static LockRequest subtreeShared(final CharSequence... paths)
    {
        return of(LockType.SUBTREE, LockMode.SHARED, paths);
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
        return of(type, LockMode.EXCLUSIVE, paths);
    }

    private static LockRequest of(final LockType type, final LockMode mode, final CharSequence... paths)
    {
        if (paths == null || paths.length == 0)
        {
            throw new IllegalArgumentException("a lock request needs at least one path");
        }
        final Builder b = builder();
        for (final CharSequence p : paths)
        {
            b.add(LockPath.parse(p), type, mode);
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
        private final Map<LockPath, Entry> byPath = new TreeMap<>();

        private Builder()
        {
        }

        /**
         * Adds one exclusive lock.
         *
         * @param path the path.
         * @param type the type.
         * @return this builder.
         */
        public Builder add(final LockPath path, final LockType type)
        {
            return add(path, type, LockMode.EXCLUSIVE);
        }

        /**
         * Adds one lock. A second lock on the same path merges with the first: SUBTREE wins over
         * POINT, EXCLUSIVE over SHARED.
         *
         * @param path the path.
         * @param type the type.
         * @param mode the mode.
         * @return this builder.
         */
        public Builder add(final LockPath path, final LockType type, final LockMode mode)
        {
            final Entry e = new Entry(path, type, mode);
            byPath.merge(path, e, (a, b) -> new Entry(path,
                a.type() == LockType.SUBTREE || b.type() == LockType.SUBTREE ? LockType.SUBTREE : LockType.POINT,
                a.mode().max(b.mode())));
            return this;
        }

        /**
         * Adds one exclusive lock.
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
         * Adds one lock.
         *
         * @param path the path text.
         * @param type the type.
         * @param mode the mode.
         * @return this builder.
         * @throws InvalidLockPathException if the path is invalid.
         */
        public Builder add(final CharSequence path, final LockType type, final LockMode mode)
        {
            return add(LockPath.parse(path), type, mode);
        }

        /**
         * Builds the normalised request.
         *
         * @return the request.
         * @throws IllegalArgumentException if no lock was added.
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
            final List<Entry> subtrees = new ArrayList<>();
            for (final Entry e : byPath.values())
            {
                boolean covered = false;
                for (final Entry s : subtrees)
                {
                    if (s.covers(e))
                    {
                        covered = true;
                        break;
                    }
                }
                if (!covered)
                {
                    out.add(e);
                    if (e.type() == LockType.SUBTREE)
                    {
                        subtrees.add(e);
                    }
                }
            }
            return new LockRequest(Collections.unmodifiableList(Arrays.asList(out.toArray(new Entry[0]))));
        }
    }
}

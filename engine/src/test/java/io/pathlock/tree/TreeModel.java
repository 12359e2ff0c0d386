package io.pathlock.tree;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * An in-memory model of a directory tree with the semantics of {@code docs/tree-ops.md} (§1, §3, §4),
 * written independently of {@link TreeOps}: the concurrency oracle replays the operations that
 * succeeded on it and compares the result with the real tree.
 *
 * <p>Entries are keyed by lock path ({@code /a/b}); the root {@code /} is an implicit directory. A
 * file's content is a string (the oracle writes UTF-8 text). An operation either succeeds and changes
 * the model, or fails with the set of error kinds that truly describe the failure (the docs do not fix
 * the order in which an implementation checks, so when two conditions hold, e.g. a source that is
 * missing because its parent is a file, either error is right) and changes nothing.
 *
 * <p>Not thread-safe.
 */
final class TreeModel
{
    /** The error kinds the docs name (§3), as the model predicts them. */
    enum ErrorKind
    {
        /** A source or a parent is missing ({@code NoSuchFileException}). */
        NO_SUCH_FILE,
        /** The target of a move exists ({@code FileAlreadyExistsException}). */
        FILE_EXISTS,
        /** A parent is a file ({@code NotDirectoryException}). */
        NOT_DIRECTORY,
        /** A write names a directory. */
        IS_DIRECTORY,
        /** A directory moved into itself ({@code FileSystemException}, "cannot move a directory into itself"). */
        INTO_ITSELF,
        /** The root moved or deleted (refused as bad input). */
        INVALID
    }

    /** The kinds of operation of the model (a batch holds other operations). */
    enum OpKind
    {
        /** Write a file. */
        WRITE,
        /** Delete a file or subtree. */
        DELETE,
        /** Move a file or subtree. */
        MOVE,
        /** Create directories. */
        MKDIRS,
        /** Several operations, all or nothing. */
        BATCH
    }

    /**
     * One operation, in a form both the model and {@link TreeOps} can run and that a child JVM can send
     * as one line ({@link #encode()}).
     *
     * @param kind    the kind.
     * @param path    the path (source of a move); null for a batch.
     * @param target  the target of a move, else null.
     * @param content the content of a write, else null.
     * @param batch   the operations of a batch, else empty.
     */
    record Op(OpKind kind, String path, String target, String content, List<Op> batch)
    {
        /**
         * @param kind    the kind.
         * @param path    the path.
         * @param target  the target.
         * @param content the content.
         * @param batch   the batch (copied).
         */
        Op
        {
            Objects.requireNonNull(kind, "kind");
            batch = List.copyOf(batch);
        }

        static Op write(final String path, final String content)
        {
            return new Op(OpKind.WRITE, path, null, content, List.of());
        }

        static Op delete(final String path)
        {
            return new Op(OpKind.DELETE, path, null, null, List.of());
        }

        static Op move(final String src, final String dst)
        {
            return new Op(OpKind.MOVE, src, dst, null, List.of());
        }

        static Op mkdirs(final String path)
        {
            return new Op(OpKind.MKDIRS, path, null, null, List.of());
        }

        static Op batch(final List<Op> ops)
        {
            for (final Op o : ops)
            {
                if (o.kind == OpKind.BATCH)
                {
                    throw new IllegalArgumentException("a batch cannot hold a batch: " + o);
                }
            }
            return new Op(OpKind.BATCH, null, null, null, ops);
        }

        /**
         * @return the operation for {@link TreeOps#batch(List)} (a batch's operations in order).
         */
        List<TreeOp> toTreeOps()
        {
            if (kind == OpKind.BATCH)
            {
                final List<TreeOp> out = new ArrayList<>();
                for (final Op o : batch)
                {
                    out.addAll(o.toTreeOps());
                }
                return out;
            }
            switch (kind)
            {
                case WRITE:
                    return List.of(TreeOp.write(path, content.getBytes(StandardCharsets.UTF_8)));
                case DELETE:
                    return List.of(TreeOp.delete(path));
                case MOVE:
                    return List.of(TreeOp.move(path, target));
                default:
                    return List.of(TreeOp.createDirectories(path));
            }
        }

        /**
         * @return one line without tabs or line breaks ({@code W|/a|text}, {@code D|/a}, {@code M|/a|/b},
         *         {@code C|/a}, {@code B:op;op}); paths and contents must not hold {@code | ; :}.
         */
        String encode()
        {
            switch (kind)
            {
                case WRITE:
                    return "W|" + path + "|" + content;
                case DELETE:
                    return "D|" + path;
                case MOVE:
                    return "M|" + path + "|" + target;
                case MKDIRS:
                    return "C|" + path;
                default:
                    final List<String> parts = new ArrayList<>();
                    for (final Op o : batch)
                    {
                        parts.add(o.encode());
                    }
                    return "B:" + String.join(";", parts);
            }
        }

        /**
         * @param line what {@link #encode()} made.
         * @return the operation.
         */
        static Op decode(final String line)
        {
            if (line.startsWith("B:"))
            {
                final List<Op> ops = new ArrayList<>();
                for (final String p : line.substring(2).split(";"))
                {
                    ops.add(decode(p));
                }
                return batch(ops);
            }
            final String[] f = line.split("\\|", -1);
            switch (f[0])
            {
                case "W":
                    return write(f[1], f[2]);
                case "D":
                    return delete(f[1]);
                case "M":
                    return move(f[1], f[2]);
                case "C":
                    return mkdirs(f[1]);
                default:
                    throw new IllegalArgumentException("bad encoded operation: " + line);
            }
        }

        @Override
        public String toString()
        {
            switch (kind)
            {
                case WRITE:
                    return "write " + path + " '" + content + "'";
                case DELETE:
                    return "delete " + path;
                case MOVE:
                    return "move " + path + " -> " + target;
                case MKDIRS:
                    return "createDirectories " + path;
                default:
                    return "batch" + batch;
            }
        }
    }

    /**
     * What an operation did in the model.
     *
     * @param errors empty if it succeeded, else every error kind that describes its failure.
     * @param detail why it failed (the failing operation of a batch), or empty.
     */
    record Result(Set<ErrorKind> errors, String detail)
    {
        /**
         * @param errors the error kinds (copied).
         * @param detail the detail.
         */
        Result
        {
            errors = errors.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(errors));
        }

        static final Result OK = new Result(Set.of(), "");

        boolean ok()
        {
            return errors.isEmpty();
        }

        static Result fail(final String detail, final ErrorKind first, final ErrorKind... more)
        {
            return new Result(EnumSet.of(first, more), detail);
        }
    }

    /** The value of a directory entry (file contents are never this: it is not valid UTF-8 text we write). */
    private static final String DIR = "\u0000dir";

    /** Path to DIR or content, sorted; the root is not stored. */
    private final TreeMap<String, String> entries;

    /** An empty tree (only the root). */
    TreeModel()
    {
        this.entries = new TreeMap<>();
    }

    private TreeModel(final TreeMap<String, String> entries)
    {
        this.entries = entries;
    }

    /**
     * @return an independent copy.
     */
    TreeModel copy()
    {
        return new TreeModel(new TreeMap<>(entries));
    }

    /**
     * The tree as a map: path to {@code "dir"} or {@code "file:" + content}, sorted by path, without the
     * root. {@link TreeOracle#snapshot} describes a real tree in the same form.
     *
     * @return the snapshot.
     */
    Map<String, String> snapshot()
    {
        final TreeMap<String, String> out = new TreeMap<>();
        for (final Map.Entry<String, String> e : entries.entrySet())
        {
            out.put(e.getKey(), describe(e.getValue()));
        }
        return out;
    }

    static String describe(final String value)
    {
        return DIR.equals(value) ? "dir" : "file:" + value;
    }

    /**
     * @param path a lock path.
     * @return whether it is the root or a directory of the model.
     */
    boolean isDirectory(final String path)
    {
        return "/".equals(path) || DIR.equals(entries.get(path));
    }

    /**
     * @param path a lock path.
     * @return whether it is a file of the model.
     */
    boolean isFile(final String path)
    {
        final String v = entries.get(path);
        return v != null && !DIR.equals(v);
    }

    /**
     * @param path a lock path.
     * @return the content of the file, or null if it is not a file.
     */
    String content(final String path)
    {
        return isFile(path) ? entries.get(path) : null;
    }

    /**
     * Runs an operation: on success it changed the model as the docs say, on failure not at all.
     *
     * @param op the operation.
     * @return what happened.
     */
    Result apply(final Op op)
    {
        switch (op.kind())
        {
            case WRITE:
                return write(op.path(), op.content());
            case DELETE:
                return delete(op.path());
            case MOVE:
                return move(op.path(), op.target());
            case MKDIRS:
                return mkdirs(op.path());
            default:
                final TreeModel scratch = copy();
                for (final Op o : op.batch())
                {
                    final Result r = scratch.apply(o);
                    if (!r.ok())
                    {
                        return new Result(r.errors(), o + ": " + r.detail());
                    }
                }
                entries.clear();
                entries.putAll(scratch.entries);
                return Result.OK;
        }
    }

    /**
     * @param path a lock path other than the root.
     * @return its parent's lock path.
     */
    static String parent(final String path)
    {
        final int i = path.lastIndexOf('/');
        return i == 0 ? "/" : path.substring(0, i);
    }

    /**
     * @param ancestor a lock path.
     * @param path     a lock path.
     * @return whether {@code path} is {@code ancestor} or below it.
     */
    static boolean isAtOrBelow(final String ancestor, final String path)
    {
        return "/".equals(ancestor) || path.equals(ancestor) || path.startsWith(ancestor + "/");
    }

    /** The proper ancestors of a path below the root, top down, without the root. */
    private static List<String> ancestors(final String path)
    {
        final List<String> out = new ArrayList<>();
        for (int i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1))
        {
            out.add(path.substring(0, i));
        }
        return out;
    }

    /** Null if every proper ancestor of {@code path} is a directory, else the failure. */
    private Result checkParents(final String path)
    {
        for (final String a : ancestors(path))
        {
            final String v = entries.get(a);
            if (v == null)
            {
                return Result.fail(a + " is missing", ErrorKind.NO_SUCH_FILE);
            }
            if (!DIR.equals(v))
            {
                return Result.fail(a + " is a file", ErrorKind.NOT_DIRECTORY);
            }
        }
        return null;
    }

    /** Like {@link #checkParents}, for a path that must exist: a file as parent also means it is missing. */
    private Result checkSource(final String path)
    {
        final Result r = checkParents(path);
        if (r != null)
        {
            return r.errors().contains(ErrorKind.NOT_DIRECTORY)
                ? Result.fail(r.detail(), ErrorKind.NOT_DIRECTORY, ErrorKind.NO_SUCH_FILE) : r;
        }
        if (!entries.containsKey(path))
        {
            return Result.fail(path + " is missing", ErrorKind.NO_SUCH_FILE);
        }
        return null;
    }

    /** The entries at or below a path (a copy). */
    private Map<String, String> subtree(final String path)
    {
        final Map<String, String> out = new TreeMap<>();
        for (final Map.Entry<String, String> e : entries.tailMap(path, true).entrySet())
        {
            if (isAtOrBelow(path, e.getKey()))
            {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    private Result write(final String path, final String content)
    {
        if ("/".equals(path))
        {
            return Result.fail("the root is a directory", ErrorKind.IS_DIRECTORY, ErrorKind.INVALID);
        }
        final Result r = checkParents(path);
        if (r != null)
        {
            return r;
        }
        if (DIR.equals(entries.get(path)))
        {
            return Result.fail(path + " is a directory", ErrorKind.IS_DIRECTORY);
        }
        entries.put(path, Objects.requireNonNull(content, "content"));
        return Result.OK;
    }

    private Result delete(final String path)
    {
        if ("/".equals(path))
        {
            return Result.fail("the root cannot be deleted", ErrorKind.INVALID);
        }
        final Result r = checkSource(path);
        if (r != null)
        {
            return r;
        }
        entries.keySet().removeAll(subtree(path).keySet());
        return Result.OK;
    }

    private Result move(final String src, final String dst)
    {
        if ("/".equals(src) || "/".equals(dst))
        {
            return Result.fail("the root cannot be moved or replaced", ErrorKind.INVALID);
        }
        final Result r = checkSource(src);
        if (r != null)
        {
            return r;
        }
        if (isAtOrBelow(src, dst))
        {
            if (DIR.equals(entries.get(src)))
            {
                return dst.equals(src)
                    ? Result.fail(src + " onto itself", ErrorKind.INTO_ITSELF, ErrorKind.FILE_EXISTS)
                    : Result.fail(dst + " is inside " + src, ErrorKind.INTO_ITSELF);
            }
            return dst.equals(src)
                ? Result.fail(src + " onto itself", ErrorKind.FILE_EXISTS, ErrorKind.INTO_ITSELF)
                : Result.fail(src + " is a file", ErrorKind.NOT_DIRECTORY, ErrorKind.INTO_ITSELF);
        }
        final Result t = checkParents(dst);
        if (t != null)
        {
            return t;
        }
        if (entries.containsKey(dst))
        {
            return Result.fail(dst + " exists", ErrorKind.FILE_EXISTS);
        }
        final Map<String, String> moved = subtree(src);
        entries.keySet().removeAll(moved.keySet());
        for (final Map.Entry<String, String> e : moved.entrySet())
        {
            entries.put(dst + e.getKey().substring(src.length()), e.getValue());
        }
        return Result.OK;
    }

    private Result mkdirs(final String path)
    {
        if ("/".equals(path))
        {
            return Result.OK;
        }
        final List<String> all = ancestors(path);
        all.add(path);
        final List<String> missing = new ArrayList<>();
        for (final String a : all)
        {
            final String v = entries.get(a);
            if (v == null)
            {
                missing.add(a);
            }
            else if (!DIR.equals(v))
            {
                // Java's Files.createDirectories says FileAlreadyExistsException here; the docs say a file
                // component is an error: either kind describes it.
                return Result.fail(a + " is a file", ErrorKind.NOT_DIRECTORY, ErrorKind.FILE_EXISTS);
            }
            else if (!missing.isEmpty())
            {
                throw new IllegalStateException("a directory below a missing one: " + a);
            }
        }
        for (final String m : missing)
        {
            entries.put(m, DIR);
        }
        return Result.OK;
    }

    /**
     * The deepest existing ancestor of a path ({@code path} itself if it exists): the directory
     * {@code createDirectories} gets a new entry in (decision 1 of the lost attempt).
     *
     * @param path a lock path.
     * @return the deepest existing path at or above it.
     */
    String deepestExisting(final String path)
    {
        String p = path;
        while (!"/".equals(p) && !entries.containsKey(p))
        {
            p = parent(p);
        }
        return p;
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof TreeModel && ((TreeModel) o).entries.equals(entries);
    }

    @Override
    public int hashCode()
    {
        return entries.hashCode();
    }

    @Override
    public String toString()
    {
        return snapshot().toString();
    }
}

package io.pathlock.tree;

import java.io.InputStream;
import java.util.Objects;

/**
 * One operation of a {@link TreeOps#batch(TreeOp...)}: built by the static factories, immutable
 * (a byte array given to {@link #write(String, byte[])} is copied).
 */
public final class TreeOp
{
    /** The kinds of operation. */
    public enum Kind
    {
        /** {@link #move(String, String)}. */
        MOVE,
        /** {@link #delete(String)}. */
        DELETE,
        /** {@link #write(String, byte[])} or {@link #write(String, InputStream)}. */
        WRITE,
        /** {@link #createDirectories(String)}. */
        CREATE_DIRECTORIES
    }

    private final Kind kind;
    private final String path;
    private final String target;
    private final byte[] data;
    private final InputStream stream;

    private TreeOp(final Kind kind, final String path, final String target, final byte[] data, final InputStream stream)
    {
        this.kind = kind;
        this.path = Objects.requireNonNull(path, "path");
        this.target = target;
        this.data = data;
        this.stream = stream;
    }

    /**
     * Moves a file or directory.
     *
     * @param src the lock path of what moves.
     * @param dst the lock path it will have (must not exist; its parent must).
     * @return the operation.
     */
    public static TreeOp move(final String src, final String dst)
    {
        return new TreeOp(Kind.MOVE, src, Objects.requireNonNull(dst, "dst"), null, null);
    }

    /**
     * Deletes a file or a whole directory tree.
     *
     * @param path the lock path to delete.
     * @return the operation.
     */
    public static TreeOp delete(final String path)
    {
        return new TreeOp(Kind.DELETE, path, null, null, null);
    }

    /**
     * Writes a file atomically (replacing it if it exists).
     *
     * @param path the lock path of the file.
     * @param data the content (copied).
     * @return the operation.
     */
    public static TreeOp write(final String path, final byte[] data)
    {
        return new TreeOp(Kind.WRITE, path, null, Objects.requireNonNull(data, "data").clone(), null);
    }

    /**
     * Writes a file atomically from a stream, read once when the batch runs (not closed by it).
     *
     * @param path the lock path of the file.
     * @param in   the content.
     * @return the operation.
     */
    public static TreeOp write(final String path, final InputStream in)
    {
        return new TreeOp(Kind.WRITE, path, null, null, Objects.requireNonNull(in, "in"));
    }

    /**
     * Creates a directory and its missing parents.
     *
     * @param path the lock path of the directory.
     * @return the operation.
     */
    public static TreeOp createDirectories(final String path)
    {
        return new TreeOp(Kind.CREATE_DIRECTORIES, path, null, null, null);
    }

    /**
     * @return what the operation does.
     */
    public Kind kind()
    {
        return kind;
    }

    /**
     * @return the path it acts on (the source of a move).
     */
    public String path()
    {
        return path;
    }

    /**
     * @return the destination of a move, else null.
     */
    public String target()
    {
        return target;
    }

    byte[] data()
    {
        return data;
    }

    InputStream stream()
    {
        return stream;
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        switch (kind)
        {
            case MOVE:
                return "move " + path + " -> " + target;
            case DELETE:
                return "delete " + path;
            case WRITE:
                return "write " + path + (data != null ? " (" + data.length + " bytes)" : " (stream)");
            default:
                return "createDirectories " + path;
        }
    }
}

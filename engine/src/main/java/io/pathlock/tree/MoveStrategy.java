package io.pathlock.tree;

/**
 * How {@link TreeOps#move(String, String)} moves.
 */
public enum MoveStrategy
{
    /** {@code rename(2)} when source and destination are on one file system, else copy + remove (the default). */
    AUTO,
    /** Always copy + remove, as across file systems (the seed's way; also how tests reach the copy path). */
    COPY
}

package io.pathlock.file.interop;

/** The two lock kinds both dialects know: ov431 writes them as {@code P}/{@code S}, ragfs as {@code E}/{@code T}. */
public enum OvKind
{
    /** ov431 {@code P} (the directory's own entries) / ragfs {@code E} (exact path). */
    POINT,
    /** ov431 {@code S} / ragfs {@code T}: the path and everything below it. */
    SUBTREE
}

package io.pathlock.file.interop;

/**
 * What one refresh of a held lock by a dialect would do, computed without writing anything.
 *
 * @param writes   true if the dialect would rewrite the file
 * @param newToken the token it would write, or null
 * @param inPlace  true if it rewrites the existing inode (truncate, then write: a reader can see the
 *                 file empty in between), false if it would not write at all
 * @param why      the rule of the source that decided
 */
public record OvRefresh(boolean writes, String newToken, boolean inPlace, String why)
{
}

package io.pathlock.file.interop;

import java.nio.file.Path;

/**
 * One dialect's reading of one lock file.
 *
 * @param file    the lock file on disk
 * @param verdict what the dialect makes of it
 * @param owner   the owner id as the dialect parses it, or null when there is no token
 * @param timeNs  the time field as the dialect parses it (ov431: 0 when unparseable; values beyond
 *                {@code long} are clamped and the {@code why} says so), 0 when there is no token
 * @param type    the type character as the dialect parses it ({@code P}/{@code S} or
 *                {@code E}/{@code T}), or null when there is no token
 * @param why     the rule of the source that gave the verdict
 */
public record OvFileJudgement(Path file, OvVerdict verdict, String owner, long timeNs, Character type, String why)
{
}

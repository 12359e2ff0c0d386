package io.pathlock.file.interop;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A read-only model of how one OpenViking lock implementation reads and writes lock files under one
 * directory {@code R} that OpenViking names {@code ovPrefix} (OpenViking path = ovPrefix + lockPath).
 *
 * <p>{@code lockPath} is the path under the root as {@code /a/b}; {@code /} is the root itself. Lock
 * files OpenViking would look for outside R (ancestors of ovPrefix, R's own sidecar) are not
 * modelled: they count as absent.
 *
 * <p>Implementations are immutable and thread-safe; they read the file system at every call.
 */
public interface OvDialectModel
{
    /** @return {@code "ov431"} or {@code "ragfs"} */
    String name();

    /**
     * Where this dialect writes the lock of lockPath, as it would choose given what is on disk now.
     *
     * @param lockPath path under the root, {@code /} for the root
     * @param kind     the lock kind
     * @return the lock file on disk
     * @throws IllegalArgumentException if lockPath is not of the form {@code /} or {@code /a/b}
     */
    Path lockFileFor(String lockPath, OvKind kind);

    /**
     * How this dialect judges one lock file (read-only, never blocks).
     *
     * @param lockFile     the file
     * @param nowWallNanos the dialect's clock: wall-clock nanoseconds since the Unix epoch
     * @return the judgement
     */
    OvFileJudgement judge(Path lockFile, long nowWallNanos);

    /**
     * What one acquisition attempt by this OpenViking version would decide right now, read-only:
     * granted if it would create its lock without waiting; else the blocking file; stale files it
     * would delete are listed (not deleted). Follows the real algorithm's order of checks and its
     * exclusion of its own owner id.
     *
     * @param lockPath     path under the root
     * @param kind         the lock kind
     * @param ownerId      the requester's owner id (its own tokens never block it)
     * @param nowWallNanos wall-clock nanoseconds since the Unix epoch
     * @return the decision
     */
    OvDecision wouldAcquire(String lockPath, OvKind kind, String ownerId, long nowWallNanos);

    /**
     * What this dialect's refresh of a lock it holds would do to one lock file, read-only.
     *
     * @param lockFile  the file the holder wrote
     * @param ownerId   the holder's owner id
     * @param newTimeNs the time the refresh would write
     * @return the refresh outcome
     */
    OvRefresh wouldRefresh(Path lockFile, String ownerId, long newTimeNs);

    /**
     * Writes a lock exactly as this OpenViking version writes it (ov431: plain overwrite of
     * {@code {dir}/.path.ovlock}; ragfs: create-new at the resolved file), token from {@link #token}.
     *
     * @return the file written
     * @throws IOException as the dialect's write would fail
     */
    Path plant(String lockPath, OvKind kind, String ownerId, long timeNs) throws IOException;

    /** @return the exact token bytes this version writes */
    byte[] token(String ownerId, long timeNs, OvKind kind);

    /** @return the expiry this version uses by default (ov431 300 s, ragfs 30 s), in ns */
    long defaultExpireNanos();
}

package io.pathlock.file;

import java.util.Locale;

/**
 * What {@link FileLockStore} syncs to disk (DESIGN §3.2 property 5). Lock files need no durability
 * for safety: after a crash every holder is dead, and a lock file that survives is reclaimed at once
 * ({@code flock} is gone) while one that is lost is simply free. Syncing only makes the lock files
 * themselves survive a power loss, for tools that inspect them afterwards.
 */
public enum Durability
{
    /** No sync (default). */
    NONE,
    /** {@code fdatasync} of each lock file's content before it is published. */
    DATA,
    /** {@link #DATA}, plus {@code fsync} of the lock file's directory after each publish and removal. */
    DATA_AND_DIRECTORY;

    /**
     * Parses {@code none}, {@code data} or {@code data+directory} (also {@code data_and_directory}).
     *
     * @param s the text.
     * @return the policy.
     * @throws IllegalArgumentException naming the bad value.
     */
    public static Durability parse(final String s)
    {
        switch (s.trim().toLowerCase(Locale.ROOT))
        {
            case "none":
                return NONE;
            case "data":
                return DATA;
            case "data+directory":
            case "data_and_directory":
            case "data+dir":
                return DATA_AND_DIRECTORY;
            default:
                throw new IllegalArgumentException("bad durability '" + s + "': expected none, data or data+directory");
        }
    }
}

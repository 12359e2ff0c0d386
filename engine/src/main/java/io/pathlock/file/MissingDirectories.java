package io.pathlock.file;

import java.util.Locale;

/**
 * What {@link FileLockStore} does when the directory that must hold a lock file does not exist (a
 * lock on {@code /a/b/c} where {@code R/a/b} is missing).
 */
public enum MissingDirectories
{
    /**
     * Create the missing directories (default), with mode {@code 0755} masked by the umask, and only
     * after the ancestors were checked (a refused request creates none).
     */
    CREATE,
    /** Refuse the lock with a {@link io.pathlock.core.LockStoreException} naming the missing directory. */
    FAIL;

    /**
     * Parses {@code create} or {@code fail}.
     *
     * @param s the text.
     * @return the policy.
     * @throws IllegalArgumentException naming the bad value.
     */
    public static MissingDirectories parse(final String s)
    {
        switch (s.trim().toLowerCase(Locale.ROOT))
        {
            case "create":
                return CREATE;
            case "fail":
                return FAIL;
            default:
                throw new IllegalArgumentException("bad missing-directories policy '" + s + "': expected create or fail");
        }
    }
}

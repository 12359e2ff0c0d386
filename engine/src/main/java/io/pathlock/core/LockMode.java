package io.pathlock.core;

/**
 * Whether a lock excludes every other lock it meets ({@link #EXCLUSIVE}, a writer) or only the
 * exclusive ones ({@link #SHARED}, a reader).
 *
 * <p>Combined with a {@link LockType} it makes the four lock kinds of DESIGN §2: POINT-SHARED,
 * POINT-EXCLUSIVE, SUBTREE-SHARED and SUBTREE-EXCLUSIVE. Two locks can conflict only where they meet
 * (same path, or one is a SUBTREE on an ancestor of the other); where they meet they conflict unless
 * both are shared. {@link LockType#conflictsWith(LockPath, LockMode, LockType, LockMode, LockPath)}
 * is the whole matrix.
 *
 * <p>Every lock that names no mode is {@link #EXCLUSIVE}: the factories of {@link LockRequest}
 * without {@code Shared} in their name, the CLI without {@code --shared}, the stores' defaults.
 */
public enum LockMode
{
    /** Compatible with other shared locks where they meet; conflicts with exclusive ones. */
    SHARED('s'),
    /** Conflicts with every lock it meets (the only mode before shared locks existed). */
    EXCLUSIVE('x');

    private final char code;

    LockMode(final char code)
    {
        this.code = code;
    }

    /**
     * One lower-case letter for compact reports ({@code s} or {@code x}, as flock(1)'s options).
     *
     * @return the code.
     */
    public char code()
    {
        return code;
    }

    /**
     * Whether two locks in these modes may be held together where they meet.
     *
     * @param other the other lock's mode.
     * @return true only when both are shared.
     */
    public boolean compatibleWith(final LockMode other)
    {
        return this == SHARED && other == SHARED;
    }

    /**
     * The stronger of two modes: what a holder of both effectively holds.
     *
     * @param other the other mode.
     * @return EXCLUSIVE if either is, else SHARED.
     */
    public LockMode max(final LockMode other)
    {
        return this == EXCLUSIVE || other == EXCLUSIVE ? EXCLUSIVE : SHARED;
    }

    /**
     * Parses a mode's name or code, case-insensitively ({@code shared}, {@code s}, {@code exclusive},
     * {@code x}).
     *
     * @param text the text.
     * @return the mode.
     * @throws IllegalArgumentException naming the text when it is neither.
     */
    public static LockMode parse(final String text)
    {
        if (text != null)
        {
            switch (text.toLowerCase(java.util.Locale.ROOT))
            {
                case "s":
                case "shared":
                    return SHARED;
                case "x":
                case "exclusive":
                    return EXCLUSIVE;
                default:
                    break;
            }
        }
        throw new IllegalArgumentException("unknown lock mode '" + text + "' (expected shared/s or exclusive/x)");
    }
}

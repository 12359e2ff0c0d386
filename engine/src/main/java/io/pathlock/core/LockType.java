package io.pathlock.core;

/**
 * The two lock types of DESIGN §2. Each comes in two {@link LockMode}s; the matrix below is the
 * exclusive one, and shared locks that meet are compatible (docs/design.md, "Shared locks: the
 * conflict matrix", has all four kinds).
 *
 * <pre>
 * held \ requested | POINT same | SUBTREE same | POINT on descendant | SUBTREE on ancestor
 * POINT            | conflict   | conflict     | -                   | conflict
 * SUBTREE          | conflict   | conflict     | conflict            | conflict
 * </pre>
 */
public enum LockType
{
    /** Excludes any lock on the path and SUBTREE on any ancestor; does not cover descendants. */
    POINT('P'),
    /** Excludes any lock on the path, on any descendant, and SUBTREE on any ancestor. */
    SUBTREE('S');

    private final char code;

    LockType(final char code)
    {
        this.code = code;
    }

    /**
     * The one-letter code used in OpenViking lock tokens.
     *
     * @return {@code 'P'} or {@code 'S'}.
     */
    public char code()
    {
        return code;
    }

    /**
     * Whether a lock of this type held on {@code held} conflicts with a lock of type {@code requested}
     * on {@code requestedPath}, both {@link LockMode#EXCLUSIVE}: whether the two locks meet.
     * Symmetric in the two locks.
     *
     * @param held path of the held lock.
     * @param requestedType type of the requested lock.
     * @param requestedPath path of the requested lock.
     * @return true if the two cannot be held at once by different owners.
     */
    public boolean conflictsWith(final LockPath held, final LockType requestedType, final LockPath requestedPath)
    {
        if (held.equals(requestedPath))
        {
            return true;
        }
        if (held.isAncestorOf(requestedPath))
        {
            return this == SUBTREE;
        }
        if (requestedPath.isAncestorOf(held))
        {
            return requestedType == SUBTREE;
        }
        return false;
    }

    /**
     * Whether a lock of this type in {@code heldMode} on {@code held} conflicts with a lock of type
     * {@code requestedType} in {@code requestedMode} on {@code requestedPath}: the matrix of
     * DESIGN §2 for the four lock kinds. The locks meet on the same path, or where one is a SUBTREE on
     * an ancestor of the other (a POINT does not reach its descendants); locks that meet conflict
     * unless both are {@link LockMode#SHARED}. Symmetric in the two locks.
     *
     * @param held path of the held lock.
     * @param heldMode mode of the held lock.
     * @param requestedType type of the requested lock.
     * @param requestedMode mode of the requested lock.
     * @param requestedPath path of the requested lock.
     * @return true if the two cannot be held at once by different owners.
     */
    public boolean conflictsWith(final LockPath held, final LockMode heldMode, final LockType requestedType,
        final LockMode requestedMode, final LockPath requestedPath)
    {
        return !heldMode.compatibleWith(requestedMode) && conflictsWith(held, requestedType, requestedPath);
    }

    /**
     * Parses a one-letter code.
     *
     * @param code {@code 'P'} or {@code 'S'}.
     * @return the type.
     * @throws IllegalArgumentException for any other character.
     */
    public static LockType fromCode(final char code)
    {
        switch (code)
        {
            case 'P':
                return POINT;
            case 'S':
                return SUBTREE;
            default:
                throw new IllegalArgumentException("unknown lock type code '" + code + "' (expected P or S)");
        }
    }
}

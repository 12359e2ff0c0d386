package io.pathlock.file;

import io.pathlock.core.LockType;

import java.nio.charset.StandardCharsets;

/**
 * The byte format of a lock token, the whole content of a lock file, and the code to write and read
 * it, for both of OpenViking's dialects ({@link Dialect}). ov431 splits the last two {@code ':'}
 * fields off, ragfs splits the owner off at the first {@code ':'}: owner ids this engine writes have
 * no {@code ':'}, so everything this engine adds lives inside {@code owner_id} and both parse it alike.
 *
 * <pre>
 *   lock file content (UTF-8, no newline; a single trailing '\n' is tolerated when reading)
 *
 *   +------------------------------------------+---+----------------+---+---------+
 *   | owner_id                                 | : | time_ns        | : | P S E T |
 *   +------------------------------------------+---+----------------+---+---------+
 *     any bytes but control characters;          decimal, WALL CLOCK   ov431: P/S
 *     may contain ':' in foreign ov431 tokens    ns since the Unix     ragfs: E/T
 *                                                epoch (time.time_ns,
 *                                                SystemTime::now)
 *
 *   owner_id written by this engine (no ':' anywhere, so the split is unambiguous):
 *
 *   +------+---+-------+---+--------+---+--------------+---+-----------------+
 *   | pl1  | | | pid   | | | host   | | | nonce        | | | handle owner id |
 *   +------+---+-------+---+--------+---+--------------+---+-----------------+
 *     tag        decimal    sanitised   16 hex digits      LockHandle.ownerId()
 *                           host name   per store instance (no ':'; may hold '|')
 * </pre>
 *
 * <p>The tag says how to tell whether the holder lives:
 * <ul>
 *   <li>{@value #TAG_FLOCK}: the holder keeps the file {@code flock(2)}ed while it holds the lock; a
 *   process that can take the {@code flock} knows the holder is dead ({@link Origin#FLOCK}).</li>
 *   <li>{@value #TAG_NO_FLOCK}: written by a store on a backend without {@code flock(2)} (java.nio);
 *   such a holder cannot be probed, so its token is judged by age like a foreign one
 *   ({@link Origin#AGED}) and kept young by the heartbeat.</li>
 *   <li>{@value #TAG_GROUP}: the lock file of a shared group ({@link Origin#GROUP},
 *   {@link SharedGroups}): alive while one of its member records is.</li>
 *   <li>anything else is {@link Origin#FOREIGN} (a Python OpenViking process, a hand-written file):
 *   held until it is older than {@code lock_expire}.</li>
 * </ul>
 * Content that does not split into the three fields, or whose type is not {@code P}/{@code S}/{@code E}/{@code T}, or
 * whose time is not a decimal number, is unparseable: {@link #parse} returns null, and the store
 * treats the file as held (fail closed).
 *
 * <p>Thread-safety: stateless.
 */
final class LockTokenDescriptor
{
    /** Tag of owner ids written by a holder that keeps its lock files {@code flock}ed. */
    public static final String TAG_FLOCK = "pl1";

    /** Tag of owner ids written by a holder without {@code flock(2)} (judged by age). */
    public static final String TAG_NO_FLOCK = "pl1n";

    /**
     * Tag of the owner id of a shared group's lock file ({@link Origin#GROUP}):
     * {@code pl1g|pid|host|gid|shared}, where {@code pid} and {@code host} are the creating process's
     * and {@code gid} ({@value #GROUP_ID_LENGTH} hex digits) names the group's member directory
     * {@code R/.pathlock/shared/<gid>/} ({@link SharedGroups}).
     */
    public static final String TAG_GROUP = "pl1g";

    /** Length of a shared group's id (hex digits). */
    public static final int GROUP_ID_LENGTH = 16;

    /** Last field of a shared group's owner id (what {@link Token#handleOwnerId()} shows). */
    public static final String GROUP_OWNER_SUFFIX = "shared";

    /** Separator of the fields inside an owner id written by this engine. */
    public static final char OWNER_FIELD_SEPARATOR = '|';

    /** Separator of owner id, time and type (the seed's separator). */
    public static final char FIELD_SEPARATOR = ':';

    /** Largest token the store reads; a longer lock file is unparseable. */
    public static final int MAX_TOKEN_LENGTH = 1024;

    /** How a token's holder can be checked for liveness. */
    public enum Origin
    {
        /** Written by this engine with {@code flock}: alive exactly while the file is {@code flock}ed. */
        FLOCK,
        /** Written by this engine without {@code flock}: alive while younger than {@code lock_expire}. */
        AGED,
        /** Written by another program: alive while younger than {@code lock_expire}. */
        FOREIGN,
        /**
         * The lock file of a shared group of this engine: alive exactly while the group has a live
         * member record ({@link SharedGroups}); its time field is kept young for OpenViking only.
         */
        GROUP
    }

    /**
     * A parsed token. Immutable.
     *
     * @param ownerId   the whole owner id.
     * @param timeNanos the time field (wall-clock nanoseconds since the Unix epoch).
     * @param type      the lock type.
     * @param origin    how liveness is judged.
     * @param dialect   the dialect whose type letter the token carries.
     */
    public record Token(String ownerId, long timeNanos, LockType type, Origin origin, Dialect dialect)
    {
        /**
         * A token of {@link Dialect#DEFAULT}'s letters (tests and old callers).
         *
         * @param ownerId   the whole owner id.
         * @param timeNanos wall-clock nanoseconds since the epoch.
         * @param type      the lock type.
         * @param origin    how liveness is judged.
         */
        public Token(final String ownerId, final long timeNanos, final LockType type, final Origin origin)
        {
            this(ownerId, timeNanos, type, origin, Dialect.DEFAULT);
        }

        /**
         * The holder's handle owner id for tokens of this engine, else the whole owner id.
         *
         * @return the owner as a user would name it.
         */
        public String handleOwnerId()
        {
            if (origin == Origin.FOREIGN)
            {
                return ownerId;
            }
            int at = 0;
            for (int i = 0; i < 4; i++)
            {
                at = ownerId.indexOf(OWNER_FIELD_SEPARATOR, at) + 1;
                if (at == 0)
                {
                    return ownerId;
                }
            }
            return ownerId.substring(at);
        }

        /**
         * The holder's process id for tokens of this engine.
         *
         * @return the pid, or -1 when unknown.
         */
        public long pid()
        {
            if (origin == Origin.FOREIGN)
            {
                return -1;
            }
            final int a = ownerId.indexOf(OWNER_FIELD_SEPARATOR);
            final int b = ownerId.indexOf(OWNER_FIELD_SEPARATOR, a + 1);
            try
            {
                return Long.parseLong(ownerId.substring(a + 1, b));
            }
            catch (final RuntimeException e)
            {
                return -1;
            }
        }

        /**
         * The group id of a shared group's token ({@link Origin#GROUP}).
         *
         * @return {@value #GROUP_ID_LENGTH} lower-case hex digits, or null when this is not a group
         *         token or its id field is malformed.
         */
        public String groupId()
        {
            if (origin != Origin.GROUP)
            {
                return null;
            }
            final String[] f = ownerId.split("\\|", -1);
            if (f.length != 5 || f[3].length() != GROUP_ID_LENGTH)
            {
                return null;
            }
            for (int i = 0; i < GROUP_ID_LENGTH; i++)
            {
                final char c = f[3].charAt(i);
                if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f'))
                {
                    return null;
                }
            }
            return f[3];
        }

        /**
         * The mode this token stands for: shared for a group's file, exclusive for every other
         * token (OpenViking has no shared mode).
         *
         * @return the mode.
         */
        public io.pathlock.core.LockMode mode()
        {
            return origin == Origin.GROUP ? io.pathlock.core.LockMode.SHARED : io.pathlock.core.LockMode.EXCLUSIVE;
        }

        /**
         * Total order used by the back-off rule: older time first, then owner id.
         *
         * @param other another token.
         * @return negative when this one is older.
         */
        public int compareAge(final Token other)
        {
            final int c = Long.compare(timeNanos, other.timeNanos);
            return c != 0 ? c : ownerId.compareTo(other.ownerId);
        }
    }

    private LockTokenDescriptor()
    {
    }

    /**
     * The owner-id prefix of one store instance: {@code tag|pid|host|nonce|}.
     *
     * @param flock whether the store keeps lock files {@code flock}ed.
     * @param pid   process id.
     * @param host  host name (sanitised here).
     * @param nonce per-instance nonce.
     * @return the prefix.
     */
    public static String ownerPrefix(final boolean flock, final long pid, final String host, final String nonce)
    {
        return (flock ? TAG_FLOCK : TAG_NO_FLOCK) + OWNER_FIELD_SEPARATOR + pid + OWNER_FIELD_SEPARATOR +
            sanitise(host) + OWNER_FIELD_SEPARATOR + sanitise(nonce) + OWNER_FIELD_SEPARATOR;
    }

    /**
     * Replaces every character that would break the format ({@code ':'}, {@code '|'}, control
     * characters, non-ASCII) with {@code '_'}.
     *
     * @param s the text.
     * @return the sanitised text, {@code "_"} when empty.
     */
    public static String sanitise(final String s)
    {
        if (s == null || s.isEmpty())
        {
            return "_";
        }
        final StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            sb.append(c < 0x21 || c > 0x7e || c == FIELD_SEPARATOR || c == OWNER_FIELD_SEPARATOR ? '_' : c);
        }
        return sb.toString();
    }

    /**
     * Encodes a token.
     *
     * @param ownerPrefix     the store's prefix ({@link #ownerPrefix}).
     * @param handleOwnerId   the handle's owner id (no {@code ':'}).
     * @param wallNanos       the time field: wall-clock nanoseconds since the Unix epoch.
     * @param type            the lock type.
     * @param dialect         whose type letter to write.
     * @return the bytes.
     */
    public static byte[] encode(final String ownerPrefix, final String handleOwnerId, final long wallNanos,
        final LockType type, final Dialect dialect)
    {
        final String s = ownerPrefix + handleOwnerId + FIELD_SEPARATOR + wallNanos + FIELD_SEPARATOR + dialect.code(type);
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The owner id of a shared group's lock file: {@code pl1g|pid|host|gid|shared}.
     *
     * @param pid  the creating process.
     * @param host the host name (sanitised here).
     * @param gid  the group id, {@value #GROUP_ID_LENGTH} hex digits.
     * @return the owner id.
     */
    public static String groupOwnerId(final long pid, final String host, final String gid)
    {
        return TAG_GROUP + OWNER_FIELD_SEPARATOR + pid + OWNER_FIELD_SEPARATOR + sanitise(host) +
            OWNER_FIELD_SEPARATOR + gid + OWNER_FIELD_SEPARATOR + GROUP_OWNER_SUFFIX;
    }

    /**
     * Encodes a token with a whole owner id (a shared group's).
     *
     * @param ownerId   the owner id (no {@code ':'}).
     * @param wallNanos wall-clock nanoseconds since the Unix epoch.
     * @param type      the lock type.
     * @param dialect   whose type letter to write.
     * @return the bytes.
     */
    public static byte[] encode(final String ownerId, final long wallNanos, final LockType type, final Dialect dialect)
    {
        return encode("", ownerId, wallNanos, type, dialect);
    }

    /**
     * Parses a token.
     *
     * @param bytes  the content.
     * @param length how many bytes of {@code bytes} are content.
     * @return the token, or null when unparseable.
     */
    public static Token parse(final byte[] bytes, final int length)
    {
        int end = length;
        if (end > 0 && bytes[end - 1] == '\n')
        {
            end--;
        }
        if (end < 5 || end > MAX_TOKEN_LENGTH)
        {
            return null;
        }
        final byte t = bytes[end - 1];
        if (bytes[end - 2] != FIELD_SEPARATOR || Dialect.typeOfCode(t) == null)
        {
            return null;
        }
        int timeStart = end - 2;
        while (timeStart > 0 && bytes[timeStart - 1] != FIELD_SEPARATOR)
        {
            timeStart--;
        }
        if (timeStart == 0 || timeStart - 1 == 0)
        {
            return null;
        }
        final int digits = end - 2 - timeStart;
        if (digits < 1 || digits > 19)
        {
            return null;
        }
        long time = 0;
        for (int i = timeStart; i < end - 2; i++)
        {
            final int d = bytes[i] - '0';
            if (d < 0 || d > 9)
            {
                return null;
            }
            time = time * 10 + d;
            if (time < 0)
            {
                return null;
            }
        }
        final int ownerEnd = timeStart - 1;
        for (int i = 0; i < ownerEnd; i++)
        {
            final int c = bytes[i] & 0xff;
            if (c < 0x20 || c == 0x7f)
            {
                return null;
            }
        }
        final String owner = new String(bytes, 0, ownerEnd, StandardCharsets.UTF_8);
        return new Token(owner, time, Dialect.typeOfCode(t), originOf(owner), Dialect.ofCode(t));
    }

    private static Origin originOf(final String owner)
    {
        if (owner.startsWith(TAG_GROUP + OWNER_FIELD_SEPARATOR) && countSeparators(owner) == 4)
        {
            return Origin.GROUP;
        }
        if (owner.startsWith(TAG_FLOCK + OWNER_FIELD_SEPARATOR) && countSeparators(owner) >= 4)
        {
            return Origin.FLOCK;
        }
        if (owner.startsWith(TAG_NO_FLOCK + OWNER_FIELD_SEPARATOR) && countSeparators(owner) >= 4)
        {
            return Origin.AGED;
        }
        return Origin.FOREIGN;
    }

    private static int countSeparators(final String s)
    {
        int n = 0;
        for (int i = 0; i < s.length(); i++)
        {
            if (s.charAt(i) == OWNER_FIELD_SEPARATOR)
            {
                n++;
            }
        }
        return n;
    }
}

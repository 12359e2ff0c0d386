package io.pathlock.file;

import io.pathlock.core.LockType;

import java.time.Duration;
import java.util.Locale;

/**
 * OpenViking's two on-disk lock formats (DESIGN §3.2). A root has one <em>write</em> dialect; the
 * store <em>reads</em> both, plus its own tokens, wherever either engine could put them.
 *
 * <pre>
 *   dialect  token                      lock file of a directory  of a file / missing path         expiry
 *   ov431    owner:time_ns:P | S        {dir}/.path.ovlock        not supported by ov431           300 s
 *   ragfs    owner:time_ns:E | T        {dir}/.path.ovlock        {parent}/.exact.ovlock.NAME.HASH  30 s
 * </pre>
 *
 * {@code time_ns} is wall-clock nanoseconds since the Unix epoch in both ({@code time.time_ns()},
 * {@code SystemTime::now()}). ragfs splits the owner off at the <em>first</em> {@code ':'} and
 * rejects {@code P}/{@code S}; ov431 splits the last two fields off. Owner ids this engine writes
 * contain no {@code ':'}, so both parse them alike.
 *
 * <p>Why {@link #RAGFS} is the default: it is the lock code OpenViking has shipped since July 2026,
 * it can represent locks on files and missing paths (ov431 cannot: an ov431 process never sees a
 * sidecar), and its processes reject {@code P}/{@code S} tokens, so writing ov431 into a tree that
 * ragfs processes use would make every one of their requests fail.
 */
public enum Dialect
{
    /** OpenViking PR #431 (Python, March 2026): {@code P}/{@code S}, directories only, 300 s expiry. */
    OV431("ov431", 'P', 'S', Duration.ofSeconds(300)),

    /** OpenViking's {@code ragfs::lock} (Rust, since July 2026): {@code E}/{@code T}, sidecars, 30 s expiry. */
    RAGFS("ragfs", 'E', 'T', Duration.ofSeconds(30));

    /** System property naming the write dialect of file stores built without an explicit one. */
    public static final String PROP_NAME = "pathlock.file.interop";

    /** The default write dialect. */
    public static final Dialect DEFAULT = RAGFS;

    private final String id;
    private final char pointCode;
    private final char subtreeCode;
    private final Duration expire;

    Dialect(final String id, final char pointCode, final char subtreeCode, final Duration expire)
    {
        this.id = id;
        this.pointCode = pointCode;
        this.subtreeCode = subtreeCode;
        this.expire = expire;
    }

    /**
     * The name used on the command line and in properties.
     *
     * @return {@code ov431} or {@code ragfs}.
     */
    public String id()
    {
        return id;
    }

    /**
     * The type letter this dialect writes for a lock type.
     *
     * @param type the lock type.
     * @return {@code P}/{@code S} or {@code E}/{@code T}.
     */
    public char code(final LockType type)
    {
        return type == LockType.SUBTREE ? subtreeCode : pointCode;
    }

    /**
     * How long a token of this dialect lives without a refresh before OpenViking takes it over:
     * {@code lock_expire} (ov431: 300 s; ragfs: 30 s, refreshed every 10 s).
     *
     * @return the expiry.
     */
    public Duration expire()
    {
        return expire;
    }

    /**
     * The dialect that writes a type letter.
     *
     * @param code a type letter.
     * @return the dialect, or null for a letter neither writes.
     */
    public static Dialect ofCode(final int code)
    {
        switch (code)
        {
            case 'P':
            case 'S':
                return OV431;
            case 'E':
            case 'T':
                return RAGFS;
            default:
                return null;
        }
    }

    /**
     * The lock type of a type letter of either dialect.
     *
     * @param code {@code P}, {@code S}, {@code E} or {@code T}.
     * @return the type, or null for any other letter.
     */
    public static LockType typeOfCode(final int code)
    {
        switch (code)
        {
            case 'P':
            case 'E':
                return LockType.POINT;
            case 'S':
            case 'T':
                return LockType.SUBTREE;
            default:
                return null;
        }
    }

    /**
     * Parses a dialect name.
     *
     * @param name {@code ov431} or {@code ragfs} (any case).
     * @return the dialect.
     * @throws IllegalArgumentException naming the bad value and the accepted ones.
     */
    public static Dialect parse(final String name)
    {
        if (name != null)
        {
            final String n = name.trim().toLowerCase(Locale.ROOT);
            for (final Dialect d : values())
            {
                if (d.id.equals(n))
                {
                    return d;
                }
            }
        }
        throw new IllegalArgumentException("unknown lock-file dialect '" + name + "': expected ov431 or ragfs");
    }

    /**
     * The write dialect named by the system property {@value #PROP_NAME}, else {@link #DEFAULT}.
     *
     * @return the dialect.
     * @throws IllegalArgumentException if the property names no dialect.
     */
    public static Dialect fromSystemProperty()
    {
        final String v = System.getProperty(PROP_NAME);
        return v == null || v.isBlank() ? DEFAULT : parse(v);
    }
}

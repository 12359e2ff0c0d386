package io.pathlock.file;

import io.pathlock.posix.Errno;
import io.pathlock.posix.Posix;
import io.pathlock.posix.PosixStat;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The one liveness rule of the lock-file store: whether the holder of a lock file is alive, dead
 * (the file may be taken over) or unknown (held: fail closed). Publication, {@code status},
 * {@code break} and the waiters all ask this class and nothing else.
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li><b>J1 — flock tokens.</b> A token of this engine with {@code flock} liveness
 *   ({@link LockTokenDescriptor.Origin#FLOCK}), judged on a backend with {@code flock(2)}, is alive
 *   exactly while another descriptor holds the file's {@code flock}; its time field is not used.</li>
 *   <li><b>J2 — aged tokens.</b> Every other token (OpenViking's, ours written without {@code flock})
 *   is alive while its age is at most the expiry: the configured {@code lock_expire} if one was set,
 *   else the expiry of the dialect whose type letter it carries (ov431 {@code P}/{@code S}: 300 s;
 *   ragfs {@code E}/{@code T}: 30 s), or the write dialect's for our own aged tokens.</li>
 *   <li><b>J3 — age is wall-clock.</b> Age is {@code wall clock now − time_ns}, both nanoseconds since
 *   the Unix epoch, the clock OpenViking writes and judges by.</li>
 *   <li><b>J4 — the future is alive.</b> A token more than {@value #FUTURE_SLACK_MILLIS} ms in the
 *   future (a clock set back, another host's clock) is never stale on its time: it is aged by its
 *   file's modification time if that is not in the future too, else held. A wall clock moved back
 *   therefore makes locks live longer, never shorter.</li>
 *   <li><b>J5 — forward jumps are discounted.</b> The judge keeps the offset between the wall clock
 *   and the monotonic clock. When it moves forward by more than {@value #JUMP_SLACK_MILLIS} ms (the
 *   wall clock jumped ahead), every age is reduced by the jump for one longest expiry after it was
 *   seen, so that a jump cannot make a live foreign lock look stale. (A jump that happened before this
 *   store opened cannot be seen; OpenViking itself has the same exposure.)</li>
 *   <li><b>J6 — unknown is held.</b> Empty, unparseable, unreadable, oversized or non-regular lock
 *   files are held (reported {@link LockFileState#UNPARSEABLE}) and never taken over automatically.</li>
 *   <li><b>J7 — shared groups.</b> The token of a shared group's file ({@link LockTokenDescriptor.Origin#GROUP})
 *   is alive exactly while the group has a live member record, each record judged by J1/J2 and a
 *   record that cannot be judged counting as live ({@link SharedGroups} M1); its time field is not
 *   used.</li>
 * </ol>
 *
 * <p>Thread-safety: thread-safe.
 */
final class LockJudge
{
    /** How far in the future a token may lie before J4 applies (clock skew between processes). */
    public static final long FUTURE_SLACK_MILLIS = 1_000L;

    /** How far the wall clock may drift from the monotonic clock before J5 counts a jump. */
    public static final long JUMP_SLACK_MILLIS = 1_000L;

    private final boolean flockBackend;
    private final long expireOverrideNanos;
    private final long ownExpireNanos;
    private final long maxExpireNanos;
    private final LongSupplier wallNanos;
    private final LongSupplier monoNanos;

    private volatile SharedGroups groups;
    private long offsetNanos;
    private long jumpNanos;
    private long jumpSeenMono;

    /**
     * What one judgement decided.
     *
     * @param state    alive, foreign (alive, judged by age), stale, or unparseable (held).
     * @param ageNanos the token's age, -1 when unknown.
     * @param detail   why, for reports.
     */
    public record Verdict(LockFileState state, long ageNanos, String detail)
    {
        /**
         * Whether the file may be taken over.
         *
         * @return true when stale.
         */
        public boolean stale()
        {
            return state == LockFileState.STALE;
        }
    }

    /**
     * A judge.
     *
     * @param flockBackend        whether the backend has real {@code flock(2)} (J1).
     * @param expireOverrideNanos the configured {@code lock_expire}, or 0 to use each dialect's (J2).
     * @param writeDialect        the dialect this store writes (expiry of our own aged tokens).
     * @param wallNanos           wall clock, nanoseconds since the epoch.
     * @param monoNanos           monotonic clock, nanoseconds.
     */
    public LockJudge(final boolean flockBackend, final long expireOverrideNanos, final Dialect writeDialect,
        final LongSupplier wallNanos, final LongSupplier monoNanos)
    {
        this.flockBackend = flockBackend;
        this.expireOverrideNanos = expireOverrideNanos;
        this.ownExpireNanos = expireOverrideNanos > 0 ? expireOverrideNanos : writeDialect.expire().toNanos();
        long max = ownExpireNanos;
        for (final Dialect d : Dialect.values())
        {
            max = Math.max(max, expireOverrideNanos > 0 ? expireOverrideNanos : d.expire().toNanos());
        }
        this.maxExpireNanos = max;
        this.wallNanos = wallNanos;
        this.monoNanos = monoNanos;
        this.offsetNanos = wallNanos.getAsLong() - monoNanos.getAsLong();
    }

    /**
     * Connects the judge of shared groups' tokens (J7); until then such a token is reported alive
     * without probing.
     *
     * @param groups the store's shared groups.
     */
    void groups(final SharedGroups groups)
    {
        this.groups = groups;
    }

    /**
     * The expiry that applies to a token (J2).
     *
     * @param token a parsed token.
     * @return nanoseconds.
     */
    public long expireNanos(final LockTokenDescriptor.Token token)
    {
        if (expireOverrideNanos > 0)
        {
            return expireOverrideNanos;
        }
        if (token.origin() != LockTokenDescriptor.Origin.FOREIGN || token.dialect() == null)
        {
            return ownExpireNanos;
        }
        return token.dialect().expire().toNanos();
    }

    /**
     * The wall clock, nanoseconds since the epoch.
     *
     * @return now.
     */
    public long wallNanos()
    {
        return wallNanos.getAsLong();
    }

    /**
     * Judges a parsed token in a lock file.
     *
     * @param token    the token (not null).
     * @param st       the file's {@code fstat} (for J4).
     * @param posix    the backend, for the {@code flock} probe.
     * @param fd       a descriptor open on the file, or -1 to skip the probe (then a flock token is
     *                 reported alive).
     * @param keepFlock whether to keep the {@code flock} taken by a successful probe (a taker that
     *                 goes on to remove the file keeps it until it closes {@code fd}).
     * @return the verdict.
     */
    public Verdict judge(final LockTokenDescriptor.Token token, final PosixStat st, final Posix posix, final int fd,
        final boolean keepFlock)
    {
        final long age = ageNanos(token, st);
        if (token.origin() == LockTokenDescriptor.Origin.GROUP)
        {
            final SharedGroups g = groups;
            return g == null ? new Verdict(LockFileState.ALIVE, Math.max(age, 0), "shared group (not probed)") :
                g.judge(token, Math.max(age, 0));
        }
        if (token.origin() == LockTokenDescriptor.Origin.FLOCK && flockBackend)
        {
            if (fd < 0)
            {
                return new Verdict(LockFileState.ALIVE, age, "flock token (not probed)");
            }
            final int r = posix.flock(fd, Posix.LOCK_EX | Posix.LOCK_NB);
            if (r != 0)
            {
                return new Verdict(LockFileState.ALIVE, age,
                    r == -Errno.EWOULDBLOCK ? "flock held" : "flock probe failed: " + Errno.name(r));
            }
            if (!keepFlock)
            {
                posix.flock(fd, Posix.LOCK_UN);
            }
            return new Verdict(LockFileState.STALE, age, "holder died (flock free)");
        }
        final long expire = expireNanos(token);
        if (age >= 0 && age > expire)
        {
            return new Verdict(LockFileState.STALE, age, "older than lock_expire (" +
                TimeUnit.NANOSECONDS.toMillis(expire) + " ms, " + dialectName(token) + ")");
        }
        final String why = age < 0 ? "time in the future (clock skew or a clock set back): held" :
            "not expired (lock_expire " + TimeUnit.NANOSECONDS.toMillis(expire) + " ms, " + dialectName(token) + ")";
        return token.origin() == LockTokenDescriptor.Origin.FOREIGN ?
            new Verdict(LockFileState.FOREIGN, Math.max(age, 0), "foreign token, " + why) :
            new Verdict(LockFileState.ALIVE, Math.max(age, 0), "pathlock token without flock, " + why);
    }

    /**
     * A token's age under J3–J5, or -1 when it lies in the future and its file's time does too.
     *
     * @param token the token.
     * @param st    the file's stat (its modification time), or null.
     * @return nanoseconds, or -1.
     */
    public long ageNanos(final LockTokenDescriptor.Token token, final PosixStat st)
    {
        final long now = wallNanos.getAsLong();
        final long discount = jumpDiscount(now);
        final long slack = TimeUnit.MILLISECONDS.toNanos(FUTURE_SLACK_MILLIS);
        long age = now - token.timeNanos();
        if (age < -slack)
        {
            if (st == null)
            {
                return -1;
            }
            age = now - st.mtimeNanos();
            if (age < -slack)
            {
                return -1;
            }
        }
        return Math.max(0, age - discount);
    }

    private static String dialectName(final LockTokenDescriptor.Token token)
    {
        return token.origin() != LockTokenDescriptor.Origin.FOREIGN ? "pathlock" :
            token.dialect() == null ? "unknown dialect" : token.dialect().id();
    }

    private synchronized long jumpDiscount(final long wallNow)
    {
        final long mono = monoNanos.getAsLong();
        final long offset = wallNow - mono;
        final long drift = offset - offsetNanos;
        if (Math.abs(drift) > TimeUnit.MILLISECONDS.toNanos(JUMP_SLACK_MILLIS))
        {
            offsetNanos = offset;
            if (drift > 0)
            {
                jumpNanos = (mono - jumpSeenMono < maxExpireNanos ? jumpNanos : 0) + drift;
                jumpSeenMono = mono;
            }
        }
        if (jumpNanos != 0 && mono - jumpSeenMono >= maxExpireNanos)
        {
            jumpNanos = 0;
        }
        return jumpNanos;
    }
}

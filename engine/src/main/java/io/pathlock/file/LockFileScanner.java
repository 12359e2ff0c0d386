package io.pathlock.file;

import io.pathlock.core.LockPath;
import io.pathlock.posix.Errno;
import io.pathlock.posix.Posix;
import io.pathlock.posix.PosixStat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds every lock file below a directory, of every form either dialect or this engine writes
 * ({@code .path.ovlock}, names ending in it, and ragfs sidecars {@code .exact.ovlock.*}), whatever
 * its type and whatever bytes its path holds.
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li><b>S1 — nothing is missed silently.</b> The walk is descriptor-relative
 *   ({@link Posix#walkAt}): it never follows a symlink and is not bounded by {@code PATH_MAX} or a
 *   depth limit. Every matching entry is reported as a {@link Hit}, also when it is a directory,
 *   symlink, FIFO or device (callers fail closed on those), and also when its path is not valid
 *   UTF-8 (then {@link Hit#path()} is null and {@link Hit#display()} escapes the bad bytes).</li>
 *   <li><b>S2 — unreadable is reported, not skipped.</b> A sub-directory that cannot be read is a
 *   {@link Hit} with {@link Hit#errno()} set: a SUBTREE request cannot prove the subtree free and must
 *   refuse; {@code status} lists the entry.</li>
 *   <li><b>S3 — the reserved directory is not entered.</b> {@code .pathlock} holds temporary and
 *   guard files only.</li>
 * </ol>
 *
 * <p>Thread-safety: stateless apart from the backend.
 */
final class LockFileScanner
{
    private static final byte[][] SUFFIXES = {LockLayout.LOCK_FILE_NAME.getBytes(StandardCharsets.US_ASCII)};
    private static final byte[][] PREFIXES = {SidecarNames.PREFIX.getBytes(StandardCharsets.US_ASCII)};
    private static final byte[] SKIP = LockLayout.RESERVED_DIR_NAME.getBytes(StandardCharsets.US_ASCII);

    /**
     * One entry found.
     *
     * @param relative the path relative to the start, raw bytes.
     * @param path     the same as a {@link Path}, or null when the bytes are not valid UTF-8.
     * @param fileType the {@code S_IFMT} bits ({@code lstat} sense), 0 for an error entry.
     * @param errno    0 for a match, else the error reading this sub-directory.
     */
    record Hit(byte[] relative, Path path, int fileType, int errno)
    {
        /**
         * The relative path for messages: UTF-8 where valid, other bytes as {@code \xNN}, control
         * characters escaped.
         *
         * @return printable text.
         */
        String display()
        {
            return escape(relative);
        }
    }

    private final Posix posix;

    LockFileScanner(final Posix posix)
    {
        this.posix = posix;
    }

    /**
     * Scans below an open directory.
     *
     * @param dirFd the start (not closed).
     * @return the hits, in walk order.
     * @throws IllegalStateException never; a failure of the start itself is returned as a hit with
     *         an empty relative path.
     */
    List<Hit> scan(final int dirFd)
    {
        final List<Hit> out = new ArrayList<>();
        final int rc = posix.walkAt(dirFd, SUFFIXES, PREFIXES, SKIP, new Posix.WalkVisitor()
        {
            @Override
            public boolean match(final byte[] relativePath, final int fileType)
            {
                if (fileType != 0)
                {
                    out.add(new Hit(relativePath, toPath(relativePath), fileType, 0));
                }
                return Posix.WALK_CONTINUE;
            }

            @Override
            public boolean error(final byte[] relativePath, final int errno)
            {
                out.add(new Hit(relativePath, toPath(relativePath), 0, errno));
                return Posix.WALK_CONTINUE;
            }
        });
        if (rc < 0)
        {
            out.add(new Hit(new byte[0], Path.of(""), 0, -rc == Errno.ENOSYS ? Errno.ENOSYS : -rc));
        }
        return out;
    }

    /**
     * A path from raw bytes, or null when they are not valid UTF-8 (or hold NUL).
     *
     * @param bytes the bytes.
     * @return the path or null.
     */
    static Path toPath(final byte[] bytes)
    {
        try
        {
            final String s = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes)).toString();
            return s.indexOf('\0') >= 0 ? null : Path.of(s);
        }
        catch (final CharacterCodingException | RuntimeException e)
        {
            return null;
        }
    }

    /**
     * Printable form of raw name bytes.
     *
     * @param bytes the bytes.
     * @return UTF-8 where valid and printable, {@code \xNN} otherwise.
     */
    static String escape(final byte[] bytes)
    {
        final StringBuilder sb = new StringBuilder(bytes.length + 8);
        int i = 0;
        while (i < bytes.length)
        {
            final int b = bytes[i] & 0xff;
            final int len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
            boolean valid = len > 0 && i + len <= bytes.length;
            for (int k = 1; valid && k < len; k++)
            {
                valid = (bytes[i + k] & 0xc0) == 0x80;
            }
            if (valid && len > 1)
            {
                sb.append(new String(bytes, i, len, StandardCharsets.UTF_8));
                i += len;
            }
            else if (valid && b >= 0x20 && b != 0x7f && b != '\\')
            {
                sb.append((char)b);
                i++;
            }
            else
            {
                sb.append(String.format("\\x%02x", b));
                i++;
            }
        }
        return sb.toString();
    }

    /**
     * A report for a hit that cannot be judged as a lock file (S1, S2): an unreadable directory, a
     * name that is not UTF-8, a non-regular file; null for an ordinary hit. Publication fails closed
     * on such a hit and {@code status} lists it, so both ask this one method.
     *
     * @param base    the lock path of the directory the scan started in.
     * @param baseDir that directory.
     * @param h       the hit.
     * @return the report (state {@link LockFileState#UNPARSEABLE}), or null.
     */
    static LockFileInfo oddHit(final LockPath base, final Path baseDir, final Hit h)
    {
        final String shown = (base.isRoot() ? "" : base.toString()) + "/" + h.display();
        if (h.errno() != 0)
        {
            return new LockFileInfo(shown, h.path() == null ? baseDir : baseDir.resolve(h.path()), null, null, -1,
                LockFileState.UNPARSEABLE, -1, "directory cannot be read (" + Errno.name(-h.errno()) + ": " +
                Errno.describe(-h.errno()) + "): lock files below it cannot be ruled out");
        }
        if (h.path() == null)
        {
            return new LockFileInfo(shown, baseDir, null, null, -1, LockFileState.UNPARSEABLE, -1,
                "lock file whose path is not valid UTF-8: held (it cannot be judged by name)");
        }
        if ((h.fileType() & PosixStat.S_IFMT) != PosixStat.S_IFREG)
        {
            return new LockFileInfo(shown, baseDir.resolve(h.path()), null, null, -1, LockFileState.UNPARSEABLE, -1,
                "not a regular file (" + fileTypeName(h.fileType()) + ") named like a lock file: held");
        }
        return null;
    }

    /**
     * The file type of {@code st} for messages.
     *
     * @param st a stat result.
     * @return such as {@code "FIFO"}.
     */
    static String fileTypeName(final PosixStat st)
    {
        return fileTypeName(st.mode());
    }

    /**
     * The file type of mode bits for messages.
     *
     * @param mode {@code st_mode}, or just its {@code S_IFMT} bits.
     * @return such as {@code "FIFO"}.
     */
    static String fileTypeName(final int mode)
    {
        switch (mode & PosixStat.S_IFMT)
        {
            case PosixStat.S_IFREG:
                return "regular file";
            case PosixStat.S_IFDIR:
                return "directory";
            case PosixStat.S_IFLNK:
                return "symbolic link";
            case 0010000:
                return "FIFO";
            case 0140000:
                return "socket";
            case 0020000:
                return "character device";
            case 0060000:
                return "block device";
            default:
                return "file type 0" + Integer.toOctalString(mode & PosixStat.S_IFMT);
        }
    }
}

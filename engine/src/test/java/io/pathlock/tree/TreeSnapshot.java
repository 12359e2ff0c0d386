package io.pathlock.tree;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An independent picture of a directory tree for the crash and bad-input tests of {@link TreeOps}:
 * every path below the root with its kind, size and the SHA-256 of its content (the target of a
 * symbolic link), walked without following links and written without any code of the tree package.
 * Lock files ({@code .path.ovlock}, {@code *.path.ovlock}, {@code .exact.ovlock.*}) and the root's
 * {@code .pathlock} directory are left out: they belong to the lock store, not to the data. Any name
 * starting with {@code .pathlock-tmp.} is a temporary left behind: it is listed apart
 * ({@link #temporaries()}) and never part of the tree, so that a leftover fails {@link #assertClean()}
 * without also hiding a difference.
 *
 * <p>The text form ({@link #format()}, {@link #parse(String)}) carries a snapshot out of a child JVM
 * (e.g. one inside a mount namespace that dies with it).
 */
final class TreeSnapshot
{
    /** Prefix of the temporaries of tree operations (and of the lock store's temporaries beside a lock file). */
    static final String TEMP_PREFIX = ".pathlock-tmp.";

    private static final String LINE_TAG = "SNAP ";

    /** What a path is. */
    enum Kind
    {
        /** A directory (size 0, no hash). */
        DIR,
        /** A regular file. */
        FILE,
        /** A symbolic link (the hash is that of its target's text). */
        LINK,
        /** Anything else (fifo, socket, device). */
        OTHER
    }

    /**
     * One path of the tree.
     *
     * @param path   the path relative to the root, with '/' separators.
     * @param kind   what it is.
     * @param size   the size of a file (0 otherwise).
     * @param sha256 the hex SHA-256 of a file's content or a link's target ("-" otherwise).
     */
    record Entry(String path, Kind kind, long size, String sha256)
    {
        String line()
        {
            return LINE_TAG + kind + " " + size + " " + sha256 + " " + path;
        }
    }

    private final SortedMap<String, Entry> entries;
    private final List<String> temporaries;

    private TreeSnapshot(final SortedMap<String, Entry> entries, final List<String> temporaries)
    {
        this.entries = Collections.unmodifiableSortedMap(entries);
        this.temporaries = temporaries.stream().sorted().toList();
    }

    /**
     * Walks a tree.
     *
     * @param root the root directory (not itself listed).
     * @return the snapshot.
     * @throws IOException if the tree cannot be read.
     */
    static TreeSnapshot of(final Path root) throws IOException
    {
        final SortedMap<String, Entry> entries = new TreeMap<>();
        final List<String> temporaries = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>()
        {
            @Override
            public FileVisitResult preVisitDirectory(final Path dir, final BasicFileAttributes attrs)
            {
                if (dir.equals(root))
                {
                    return FileVisitResult.CONTINUE;
                }
                final String rel = relative(root, dir);
                if (rel.equals(".pathlock"))
                {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                if (dir.getFileName().toString().startsWith(TEMP_PREFIX))
                {
                    temporaries.add(rel + "/");
                    return FileVisitResult.SKIP_SUBTREE;
                }
                entries.put(rel, new Entry(rel, Kind.DIR, 0, "-"));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs) throws IOException
            {
                final String name = file.getFileName().toString();
                final String rel = relative(root, file);
                if (isLockFile(name))
                {
                    return FileVisitResult.CONTINUE;
                }
                if (name.startsWith(TEMP_PREFIX))
                {
                    temporaries.add(rel);
                    return FileVisitResult.CONTINUE;
                }
                if (attrs.isSymbolicLink())
                {
                    final String target = Files.readSymbolicLink(file).toString();
                    entries.put(rel, new Entry(rel, Kind.LINK, 0, sha256(target.getBytes(StandardCharsets.UTF_8))));
                }
                else if (attrs.isRegularFile())
                {
                    entries.put(rel, new Entry(rel, Kind.FILE, attrs.size(), sha256(file)));
                }
                else
                {
                    entries.put(rel, new Entry(rel, Kind.OTHER, 0, "-"));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return new TreeSnapshot(entries, temporaries);
    }

    /** Whether a name is one of the lock files of the stores' layout (not data). */
    static boolean isLockFile(final String name)
    {
        return name.equals(".path.ovlock") || name.endsWith(".path.ovlock") || name.startsWith(".exact.ovlock.");
    }

    private static String relative(final Path root, final Path p)
    {
        return root.relativize(p).toString().replace('\\', '/');
    }

    private static String sha256(final Path file) throws IOException
    {
        final MessageDigest md = digest();
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS))
        {
            final byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0)
            {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static String sha256(final byte[] bytes)
    {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    private static MessageDigest digest()
    {
        try
        {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (final NoSuchAlgorithmException e)
        {
            throw new IllegalStateException(e);
        }
    }

    /**
     * @return the paths of the tree, sorted.
     */
    Map<String, Entry> entries()
    {
        return entries;
    }

    /**
     * @return the temporaries found, sorted (a directory ends with '/'); none in a clean tree.
     */
    List<String> temporaries()
    {
        return temporaries;
    }

    /**
     * Whether two snapshots show the same tree (paths, kinds, sizes, hashes; temporaries aside).
     *
     * @param other the other snapshot.
     * @return true if equal.
     */
    boolean sameTree(final TreeSnapshot other)
    {
        return entries.equals(other.entries);
    }

    /**
     * What differs from another snapshot, one line per path ("" when the trees are the same).
     *
     * @param other the other snapshot ("expected").
     * @return the differences.
     */
    String diff(final TreeSnapshot other)
    {
        final StringBuilder sb = new StringBuilder();
        final TreeMap<String, Boolean> all = new TreeMap<>();
        entries.keySet().forEach(k -> all.put(k, true));
        other.entries.keySet().forEach(k -> all.put(k, true));
        for (final String k : all.keySet())
        {
            final Entry mine = entries.get(k);
            final Entry theirs = other.entries.get(k);
            if (mine == null)
            {
                sb.append("  missing: ").append(theirs.line().substring(LINE_TAG.length())).append('\n');
            }
            else if (theirs == null)
            {
                sb.append("  extra:   ").append(mine.line().substring(LINE_TAG.length())).append('\n');
            }
            else if (!mine.equals(theirs))
            {
                sb.append("  changed: ").append(mine.line().substring(LINE_TAG.length())).append(" (expected ")
                    .append(theirs.kind()).append(' ').append(theirs.size()).append(' ').append(theirs.sha256())
                    .append(")\n");
            }
        }
        return sb.toString();
    }

    /**
     * Fails if a temporary was left behind.
     *
     * @throws AssertionError naming the temporaries.
     */
    void assertClean()
    {
        if (!temporaries.isEmpty())
        {
            throw new AssertionError("temporaries left in the tree: " + temporaries + "\n" + format());
        }
    }

    /**
     * The text form: one {@code SNAP <kind> <size> <sha256> <path>} line per path, then one
     * {@code SNAPTMP <path>} line per temporary, then {@code SNAPEND}.
     *
     * @return the text.
     */
    String format()
    {
        final StringBuilder sb = new StringBuilder();
        for (final Entry e : entries.values())
        {
            sb.append(e.line()).append('\n');
        }
        for (final String t : temporaries)
        {
            sb.append("SNAPTMP ").append(t).append('\n');
        }
        sb.append("SNAPEND\n");
        return sb.toString();
    }

    /**
     * Reads the text form from a transcript (other lines are ignored; the first {@code SNAPEND} ends it).
     *
     * @param text the transcript.
     * @return the snapshot.
     * @throws IllegalArgumentException if no complete snapshot is in it.
     */
    static TreeSnapshot parse(final String text)
    {
        final SortedMap<String, Entry> entries = new TreeMap<>();
        final List<String> temporaries = new ArrayList<>();
        for (final String line : text.split("\n"))
        {
            if (line.equals("SNAPEND"))
            {
                return new TreeSnapshot(entries, temporaries);
            }
            if (line.startsWith("SNAPTMP "))
            {
                temporaries.add(line.substring("SNAPTMP ".length()));
            }
            else if (line.startsWith(LINE_TAG))
            {
                final String[] f = line.substring(LINE_TAG.length()).split(" ", 4);
                entries.put(f[3], new Entry(f[3], Kind.valueOf(f[0]), Long.parseLong(f[1]), f[2]));
            }
        }
        throw new IllegalArgumentException("no complete snapshot (SNAPEND missing) in:\n" + text);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return format();
    }
}

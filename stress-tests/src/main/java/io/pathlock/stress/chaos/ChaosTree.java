package io.pathlock.stress.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The generated tree: {@code /dI} (3 directories), {@code /dI/sJ} (3 each), files {@code /dI/fK} and
 * {@code /dI/sJ/fK} (2 each), plus the root and {@code /m} (the mutex and counter lock). Lock paths
 * are every directory and file.
 */
final class ChaosTree
{
    static final String MUTEX_PATH = "/m";
    private static final int DIRS = 3;
    private static final int SUBDIRS = 3;
    private static final int FILES = 2;

    private ChaosTree()
    {
    }

    static void create(final Path root) throws IOException
    {
        Files.createDirectories(root);
        Files.writeString(root.resolve("m"), "mutex");
        for (final String p : lockPaths())
        {
            if (p.equals("/") || p.equals(MUTEX_PATH))
            {
                continue;
            }
            final Path f = root.resolve(p.substring(1));
            if (p.substring(p.lastIndexOf('/') + 1).startsWith("f"))
            {
                Files.createDirectories(f.getParent());
                Files.writeString(f, "file");
            }
            else
            {
                Files.createDirectories(f);
            }
        }
    }

    static List<String> dirs()
    {
        final List<String> out = new ArrayList<>();
        for (int i = 0; i < DIRS; i++)
        {
            out.add("/d" + i);
            for (int j = 0; j < SUBDIRS; j++)
            {
                out.add("/d" + i + "/s" + j);
            }
        }
        return out;
    }

    static List<String> files()
    {
        final List<String> out = new ArrayList<>();
        for (final String d : dirs())
        {
            for (int k = 0; k < FILES; k++)
            {
                out.add(d + "/f" + k);
            }
        }
        return out;
    }

    static List<String> lockPaths()
    {
        final List<String> out = new ArrayList<>();
        out.add("/");
        out.addAll(dirs());
        out.addAll(files());
        return out;
    }

    static String randomDir(final SplittableRandom rnd)
    {
        final List<String> d = dirs();
        return d.get(rnd.nextInt(d.size()));
    }

    static String randomFile(final SplittableRandom rnd)
    {
        final List<String> f = files();
        return f.get(rnd.nextInt(f.size()));
    }

    /** True if {@code d} is {@code a} or below it (string prefix on segments). */
    static boolean isDescendantOrSelf(final String d, final String a)
    {
        return d.equals(a) || a.equals("/") || d.startsWith(a + "/");
    }

    /**
     * The conflict matrix of DESIGN §2, written again here, independently of the engine: two shared
     * locks never conflict; otherwise the same path always conflicts, and SUBTREE(a) conflicts with
     * anything strictly below a. Types are {@code P}/{@code S} (exclusive) or {@code p}/{@code s}
     * (shared), as {@link ChaosLog#encode} writes them.
     */
    static boolean conflicts(final char heldCode, final String held, final char wantCode, final String want)
    {
        if (Character.isLowerCase(heldCode) && Character.isLowerCase(wantCode))
        {
            return false;
        }
        final char heldType = Character.toUpperCase(heldCode);
        final char wantType = Character.toUpperCase(wantCode);
        if (held.equals(want))
        {
            return true;
        }
        if (heldType == 'S' && isDescendantOrSelf(want, held))
        {
            return true;
        }
        return wantType == 'S' && isDescendantOrSelf(held, want);
    }

    /**
     * Where a planted file for a lock path goes: directory form for a directory, else the ragfs
     * sidecar in the parent ({@code .exact.ovlock.<safe_name>.<sha1-16>}), as the store writes them.
     */
    static Path lockFile(final Path root, final String path)
    {
        if (path.equals("/"))
        {
            return root.resolve(".path.ovlock");
        }
        final Path p = root.resolve(path.substring(1));
        if (Files.isDirectory(p))
        {
            return p.resolve(".path.ovlock");
        }
        return p.getParent().resolve(io.pathlock.file.SidecarNames.sidecarName(path));
    }
}

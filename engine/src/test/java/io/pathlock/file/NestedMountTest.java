package io.pathlock.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lock files on a file system mounted below the root (HeldFiles H7): their temporary files cannot be
 * linked or renamed from {@code R/.pathlock/tmp} (EXDEV), so they are made beside the lock file.
 * Before H7 every publication below such a mount failed ("cannot publish lock file (link)": EXDEV).
 * The mount is a tmpfs in a private mount namespace of the child ({@code unshare -Urm}), which needs no
 * real root.
 */
final class NestedMountTest
{
    @TempDir
    Path root;

    @Test
    void locksBelowAMountPointArePublishedRefreshedAndRemoved() throws Exception
    {
        assumeTrue(unshareMountWorks(), "unshare --user --map-root-user --mount cannot mount a tmpfs here " +
            "(user namespaces disabled): the case needs a second file system below the root");
        Files.createDirectories(root.resolve("mnt"));
        final List<String> wrapper = List.of("unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
            "mount -t tmpfs -o size=4m tmpfs \"$0\" && exec \"$@\"", root.resolve("mnt").toString());
        final List<String> out = new ArrayList<>();
        try (ChildProcess child = ChildProcess.start(wrapper, List.of(), NestedMountChild.class, root.toString()))
        {
            child.expect("DONE");
            for (final String line : child.transcript().split("\n"))
            {
                out.add(line);
            }
        }
        final String all = String.join("\n", out);
        assertTrue(out.contains("DEVICES tmpfs tmpfs true") || out.stream().anyMatch(l -> l.startsWith("DEVICES ") && l.endsWith(" true")),
            "the child's mnt is another file system:\n" + all);
        assertEquals(5, out.stream().filter(l -> l.startsWith("PUBLISH ") && l.endsWith(" granted")).count(), all);
        assertEquals(5, out.stream().filter(l -> l.equals("REFRESH true")).count(), all);
        assertTrue(out.contains("HELD .path.ovlock"), "POINT /mnt in directory form on the mount:\n" + all);
        assertTrue(out.stream().anyMatch(l -> l.startsWith("HELD .exact.ovlock.f.")), "the sidecar of /mnt/f:\n" + all);
        assertTrue(out.contains("HELD d/.path.ovlock"), "SUBTREE /mnt/d in directory form:\n" + all);
        assertTrue(out.stream().anyMatch(l -> l.startsWith("HELD .exact.ovlock.s.")), "the shared group's file of /mnt/s:\n" + all);
        for (final String l : out)
        {
            if (l.startsWith("HELD ") || l.startsWith("REFRESHED ") || l.startsWith("RELEASED "))
            {
                assertTrue(!l.contains(".pathlock-tmp."), "no temporary file stays behind: " + l + "\n" + all);
            }
            if (l.startsWith("RELEASED "))
            {
                assertTrue(!l.contains(".path.ovlock") && !l.contains(".exact.ovlock."), "released: " + l + "\n" + all);
            }
        }
    }

    private static boolean unshareMountWorks()
    {
        try
        {
            final Process p = new ProcessBuilder("unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                "d=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs \"$d\" && umount \"$d\"; r=$?; rmdir \"$d\"; exit $r")
                .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        }
        catch (final Exception e)
        {
            return false;
        }
    }
}

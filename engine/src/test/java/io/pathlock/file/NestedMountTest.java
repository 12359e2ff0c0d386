package io.pathlock.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lock files on a mount below the root (HeldFiles H7): their temporary files cannot be linked or
 * renamed from {@code R/.pathlock/tmp} (EXDEV), so they are made beside the lock file. Two kinds of
 * mount: another file system (a tmpfs; before H7 every publication below it failed with "cannot
 * publish lock file (link)": EXDEV), and a bind mount of a directory of the root's own file system,
 * which has the root's {@code st_dev} but is another mount, so {@code link} and {@code rename} across
 * it fail with EXDEV all the same (before H7 looked at mounts, not devices, every publication below it
 * failed as well). The mount is made in a private mount namespace of the child ({@code unshare -Urm}),
 * which needs no real root.
 */
final class NestedMountTest
{
    @TempDir
    Path base;

    @ParameterizedTest(name = "{0} mount, {1} backend")
    @CsvSource({"tmpfs, jni", "tmpfs, jnr", "tmpfs, nio", "bind, jni", "bind, jnr", "bind, nio"})
    void locksBelowAMountPointArePublishedRefreshedAndRemoved(final String kind, final String backend) throws Exception
    {
        assumeTrue(unshareMountWorks(), "unshare --user --map-root-user --mount cannot mount a tmpfs here " +
            "(user namespaces disabled): the case needs a second mount below the root");
        final Path root = base.resolve("root");
        Files.createDirectories(root.resolve("mnt"));
        // bind: a directory beside the root (the same file system) is mounted on ROOT/mnt
        final Path elsewhere = Files.createDirectories(base.resolve("elsewhere"));
        final String mount = kind.equals("bind") ? "mount --bind \"$1\" \"$0\"" : "mount -t tmpfs -o size=4m tmpfs \"$0\"";
        final List<String> wrapper = List.of("unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
            mount + " && shift && exec \"$@\"", root.resolve("mnt").toString(), elsewhere.toString());
        final List<String> out = new ArrayList<>();
        try (ChildProcess child = ChildProcess.start(wrapper, List.of(), NestedMountChild.class, root.toString(), backend))
        {
            child.expect("DONE");
            for (final String line : child.transcript().split("\n"))
            {
                out.add(line);
            }
        }
        final String all = String.join("\n", out);
        assertTrue(kind.equals("bind") || out.stream().anyMatch(l -> l.startsWith("DEVICES ") && l.endsWith(" true")),
            "the child's mnt is another file system:\n" + all);
        assertTrue(out.contains("SAME_ST_DEV " + kind.equals("bind")),
            kind + ": the mount has " + (kind.equals("bind") ? "the root's" : "another") + " st_dev:\n" + all);
        assertEquals(5, out.stream().filter(l -> l.startsWith("PUBLISH ") && l.endsWith(" granted")).count(), all);
        assertEquals(5, out.stream().filter(l -> l.equals("REFRESH true")).count(), all);
        assertTrue(out.contains("HELD .path.ovlock"), "POINT /mnt in directory form on the mount:\n" + all);
        assertTrue(out.stream().anyMatch(l -> l.startsWith("HELD .exact.ovlock.f.")), "the sidecar of /mnt/f:\n" + all);
        assertTrue(out.contains("HELD d/.path.ovlock"), "SUBTREE /mnt/d in directory form:\n" + all);
        assertTrue(out.stream().anyMatch(l -> l.startsWith("HELD .exact.ovlock.s.")), "the shared group's file of /mnt/s:\n" + all);
        assertTrue(out.contains("POINT u/.path.ovlock") && out.contains("UPGRADED u/.path.ovlock"),
            "POINT /mnt/u, then upgraded to SUBTREE in place:\n" + all);
        assertTrue(out.stream().noneMatch(l -> l.startsWith("CLOSED ") && l.contains(".ovlock")), "closed:\n" + all);
        for (final String l : out)
        {
            if (l.startsWith("HELD ") || l.startsWith("REFRESHED ") || l.startsWith("RELEASED ") || l.startsWith("POINT ")
                || l.startsWith("UPGRADED ") || l.startsWith("CLOSED "))
            {
                assertTrue(!l.contains(".pathlock-tmp."), "no temporary file stays behind: " + l + "\n" + all);
            }
            if (l.startsWith("RELEASED "))
            {
                assertTrue(!l.contains(".path.ovlock") && !l.contains(".exact.ovlock."), "released: " + l + "\n" + all);
            }
        }
    }

    static boolean unshareMountWorks()
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

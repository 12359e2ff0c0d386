package io.pathlock.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lock-file store on a full file system: a lock that cannot be published fails with a
 * {@link io.pathlock.core.LockStoreException} that says why (ENOSPC) and names the lock, the handle
 * holds nothing, no temporary or lock file is left behind, and the same lock is granted once there
 * is space again. The root is a 256 KiB tmpfs in a private mount namespace of the child
 * ({@code unshare -Urm}), filled by the child itself.
 */
final class FullDiskTest
{
    @TempDir
    Path base;

    @ParameterizedTest(name = "{0} backend")
    @ValueSource(strings = {"jni", "jnr", "nio"})
    void aFullFileSystemRefusesTheLockByNameAndLeavesNothingBehind(final String backend) throws Exception
    {
        assumeTrue(NestedMountTest.unshareMountWorks(), "unshare --user --map-root-user --mount cannot mount a tmpfs here");
        final Path root = Files.createDirectories(base.resolve("root"));
        final List<String> wrapper = List.of("unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
            "mount -t tmpfs -o size=256k tmpfs \"$0\" && exec \"$@\"", root.toString());
        final List<String> out;
        try (ChildProcess child = ChildProcess.start(wrapper, List.of(), FullDiskChild.class, root.toString(), backend))
        {
            child.expect("DONE");
            out = Arrays.asList(child.transcript().split("\n"));
        }
        final String all = String.join("\n", out);
        assertTrue(out.stream().anyMatch(l -> l.startsWith("FILLED ")), all);
        final List<String> full = out.stream().filter(l -> l.startsWith("FULL ")).collect(Collectors.toList());
        assertEquals(2, full.size(), all);
        for (final String l : full)
        {
            assertTrue(l.contains("LockStoreException"), "a store failure: " + l);
            assertTrue(l.contains("ENOSPC") && l.contains("No space left on device"), "says why: " + l);
        }
        assertTrue(full.get(0).contains("POINT /a/b") && full.get(0).substring(full.get(0).indexOf(':')).contains("/a/b"),
            "names the lock: " + full.get(0));
        assertTrue(full.get(1).contains("SUBTREE /a") && full.get(1).substring(full.get(1).indexOf(':')).contains("/a"),
            "names the lock: " + full.get(1));
        assertEquals(2, out.stream().filter(l -> l.equals("HELD 0")).count(), "nothing held after a failure:\n" + all);
        final List<String> tree = out.stream().filter(l -> l.startsWith("TREE ")).collect(Collectors.toList());
        assertTrue(tree.stream().noneMatch(l -> l.contains(".ovlock") || l.contains(".pathlock-tmp")),
            "no lock file or temporary left:\n" + all);
        assertTrue(tree.stream().noneMatch(l -> l.startsWith("TREE .pathlock/tmp/") && !l.endsWith("/")),
            "no temporary file left in .pathlock/tmp (its directories stay):\n" + all);
        assertTrue(out.contains("AFTER granted 1"), "granted once there is space:\n" + all);
    }
}

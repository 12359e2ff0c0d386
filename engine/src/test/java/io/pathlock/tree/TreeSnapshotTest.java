package io.pathlock.tree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TreeSnapshot}, the yardstick of the crash and bad-input tests: it must see every difference
 * a lost, duplicated or half-written file makes, and nothing else.
 */
final class TreeSnapshotTest
{
    @TempDir
    Path dir;

    private Path tree(final String name) throws IOException
    {
        final Path r = dir.resolve(name);
        Files.createDirectories(r.resolve("a/b"));
        Files.createDirectories(r.resolve("empty"));
        Files.writeString(r.resolve("a/f"), "one");
        Files.writeString(r.resolve("a/b/g"), "two two");
        return r;
    }

    @Test
    void equalTreesAreTheSameAndEveryPathIsListed() throws IOException
    {
        final TreeSnapshot one = TreeSnapshot.of(tree("one"));
        final TreeSnapshot two = TreeSnapshot.of(tree("two"));
        assertTrue(one.sameTree(two), one.diff(two));
        assertEquals("", one.diff(two));
        assertEquals(List.of("a", "a/b", "a/b/g", "a/f", "empty"), List.copyOf(one.entries().keySet()));
        assertEquals(TreeSnapshot.Kind.FILE, one.entries().get("a/b/g").kind());
        assertEquals(7, one.entries().get("a/b/g").size());
        assertEquals(TreeSnapshot.Kind.DIR, one.entries().get("empty").kind());
        one.assertClean();
    }

    @Test
    void sameSizeOtherContentMissingExtraAndKindChangesAreDifferences() throws IOException
    {
        final Path r = tree("r");
        final TreeSnapshot before = TreeSnapshot.of(r);

        Files.writeString(r.resolve("a/f"), "ONE");
        TreeSnapshot now = TreeSnapshot.of(r);
        assertFalse(now.sameTree(before));
        assertTrue(now.diff(before).contains("changed: FILE 3"), now.diff(before));
        Files.writeString(r.resolve("a/f"), "one");
        assertTrue(TreeSnapshot.of(r).sameTree(before));

        Files.delete(r.resolve("empty"));
        now = TreeSnapshot.of(r);
        assertTrue(now.diff(before).contains("missing: DIR 0 - empty"), now.diff(before));

        Files.writeString(r.resolve("empty"), "");
        now = TreeSnapshot.of(r);
        assertTrue(now.diff(before).contains("changed: FILE 0"), now.diff(before));
        Files.delete(r.resolve("empty"));
        Files.createDirectory(r.resolve("empty"));

        Files.writeString(r.resolve("a/b/dup"), "two two");
        now = TreeSnapshot.of(r);
        assertTrue(now.diff(before).contains("extra:   FILE 7"), now.diff(before));
    }

    @Test
    void linksAreNotFollowedButTheirTargetsCount() throws IOException
    {
        final Path r = tree("r");
        final Path outside = tree("outside");
        Files.createSymbolicLink(r.resolve("link"), outside);
        final TreeSnapshot s = TreeSnapshot.of(r);
        assertEquals(TreeSnapshot.Kind.LINK, s.entries().get("link").kind());
        assertFalse(s.entries().containsKey("link/a"), "a link is not followed: " + s);
        Files.delete(r.resolve("link"));
        Files.createSymbolicLink(r.resolve("link"), outside.resolve("a"));
        assertFalse(TreeSnapshot.of(r).sameTree(s), "another target is another tree");
    }

    @Test
    void lockFilesAndTheReservedDirectoryAreNotDataButTemporariesAreFailures() throws IOException
    {
        final Path r = tree("r");
        final TreeSnapshot before = TreeSnapshot.of(r);
        Files.writeString(r.resolve(".path.ovlock"), "lock");
        Files.writeString(r.resolve("a/.path.ovlock"), "lock");
        Files.writeString(r.resolve("a/.f.path.ovlock"), "lock");
        Files.writeString(r.resolve("a/.exact.ovlock.f.1234abcd"), "lock");
        Files.createDirectories(r.resolve(".pathlock/redo/app"));
        Files.writeString(r.resolve(".pathlock/redo/app/seg"), "redo");
        final TreeSnapshot locked = TreeSnapshot.of(r);
        assertTrue(locked.sameTree(before), locked.diff(before));
        locked.assertClean();

        Files.writeString(r.resolve("a/.pathlock-tmp.7.f"), "half");
        Files.createDirectories(r.resolve("a/b/.pathlock-tmp.8.b/inner"));
        final TreeSnapshot dirty = TreeSnapshot.of(r);
        assertEquals(List.of("a/.pathlock-tmp.7.f", "a/b/.pathlock-tmp.8.b/"), dirty.temporaries());
        assertTrue(dirty.sameTree(before), "temporaries are listed apart: " + dirty.diff(before));
        final AssertionError e = assertThrows(AssertionError.class, dirty::assertClean);
        assertTrue(e.getMessage().contains("a/.pathlock-tmp.7.f"), e.getMessage());

        Files.createDirectories(r.resolve("a/.pathlock"));
        assertTrue(TreeSnapshot.of(r).diff(before).contains("extra:   DIR 0 - a/.pathlock"),
            "only the root's .pathlock is the store's");
    }

    @Test
    void theTextFormCarriesASnapshotOutOfAChild() throws IOException
    {
        final Path r = tree("r");
        Files.write(r.resolve("a/name with spaces"), "x y".getBytes(StandardCharsets.UTF_8));
        Files.writeString(r.resolve("a/.pathlock-tmp.9.g"), "half");
        final TreeSnapshot s = TreeSnapshot.of(r);
        final TreeSnapshot back = TreeSnapshot.parse("noise before\n" + s.format() + "noise after\n");
        assertTrue(back.sameTree(s), back.diff(s));
        assertEquals(s.temporaries(), back.temporaries());
        assertThrows(IllegalArgumentException.class, () -> TreeSnapshot.parse("SNAP DIR 0 - a\n"));
    }
}

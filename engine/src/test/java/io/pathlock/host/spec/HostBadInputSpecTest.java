package io.pathlock.host.spec;

import io.pathlock.core.LockStoreException;
import io.pathlock.host.HostLockStore;
import io.pathlock.host.HostTable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input gets a clear error naming the bad input, and changes nothing: a garbage or truncated
 * table file, a table of another interop mode, a missing root, a read-only table directory, and
 * invalid builder settings.
 */
class HostBadInputSpecTest
{
    @TempDir
    Path root;

    /** Every file under {@code dir} with its bytes (directories as empty arrays), to compare before and after. */
    private static TreeMap<String, byte[]> snapshot(final Path dir) throws IOException
    {
        final TreeMap<String, byte[]> out = new TreeMap<>();
        if (!Files.exists(dir))
        {
            return out;
        }
        try (Stream<Path> s = Files.walk(dir))
        {
            for (final Path p : (Iterable<Path>)s::iterator)
            {
                out.put(dir.relativize(p).toString(), Files.isRegularFile(p) ? Files.readAllBytes(p) : new byte[0]);
            }
        }
        return out;
    }

    private static void assertUnchanged(final TreeMap<String, byte[]> before, final TreeMap<String, byte[]> after)
    {
        assertEquals(before.keySet(), after.keySet(), "files were created or removed");
        for (final String k : before.keySet())
        {
            assertArrayEquals(before.get(k), after.get(k), k + " was changed");
        }
    }

    private Path table()
    {
        return root.resolve(".pathlock/host/table");
    }

    private void createTable(final String interop)
    {
        HostLockStore.builder(root).interop(interop).build().close();
        assertTrue(Files.isRegularFile(table()), "the table lives at ROOT/.pathlock/host/table");
    }

    @Test
    void garbageTableFileIsAClearErrorNamingTheFile() throws Exception
    {
        createTable("none");
        final byte[] garbage = new byte[(int)Math.min(Files.size(table()), 1 << 20)];
        new Random(7).nextBytes(garbage);
        Files.write(table(), garbage);
        final TreeMap<String, byte[]> before = snapshot(root);
        final LockStoreException e = assertThrows(LockStoreException.class, () -> HostLockStore.builder(root).interop("none").build());
        assertTrue(e.getMessage().contains(table().toString()) || e.getMessage().contains(table().toRealPath().toString()),
            "the error names the table file: " + e.getMessage());
        assertUnchanged(before, snapshot(root));
        final LockStoreException viaTable = assertThrows(LockStoreException.class,
            () -> HostTable.open(table(), HostTable.Config.defaults("none")));
        assertTrue(viaTable.getMessage().contains("table"), viaTable.getMessage());
        assertUnchanged(before, snapshot(root));
    }

    @Test
    void foreignFileOfTheRightSizeWithAZeroHeaderIsRefused() throws Exception
    {
        createTable("none");
        final long size = Files.size(table());
        Files.delete(table());
        try (var ch = java.nio.channels.FileChannel.open(table(), java.nio.file.StandardOpenOption.CREATE_NEW,
            java.nio.file.StandardOpenOption.WRITE))
        {
            ch.truncate(0);
            ch.position(size - 1);
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {1}));
        }
        final TreeMap<String, byte[]> before = snapshot(root);
        final LockStoreException e = assertThrows(LockStoreException.class, () -> HostLockStore.builder(root).interop("none").build());
        assertTrue(e.getMessage().contains("table"), e.getMessage());
        assertUnchanged(before, snapshot(root));
    }

    @ParameterizedTest(name = "truncated to {0} bytes")
    @ValueSource(ints = {0, 7, 100, 4096, 4104, -1})
    void truncatedTableFileIsAClearErrorNamingTheFile(final int length) throws Exception
    {
        createTable("none");
        final long size = Files.size(table());
        final long cut = length < 0 ? size / 2 : length;
        assertTrue(cut < size);
        try (var ch = java.nio.channels.FileChannel.open(table(), java.nio.file.StandardOpenOption.WRITE))
        {
            ch.truncate(cut);
        }
        final TreeMap<String, byte[]> before = snapshot(root);
        final LockStoreException e = assertThrows(LockStoreException.class, () -> HostLockStore.builder(root).interop("none").build());
        assertTrue(e.getMessage().contains(table().toString()) || e.getMessage().contains(table().toRealPath().toString()),
            "the error names the table file: " + e.getMessage());
        assertUnchanged(before, snapshot(root));
        assertEquals(cut, Files.size(table()), "the truncated file was not extended or rewritten");
    }

    @ParameterizedTest(name = "table {0}, opened as {1}")
    @org.junit.jupiter.params.provider.CsvSource({"ragfs,none", "none,ov431", "ov431,ragfs", "none,ragfs"})
    void tableOfAnotherInteropModeIsRefusedNamingBoth(final String created, final String asked) throws Exception
    {
        createTable(created);
        final TreeMap<String, byte[]> before = snapshot(root);
        final LockStoreException e = assertThrows(LockStoreException.class, () -> HostLockStore.builder(root).interop(asked).build());
        assertTrue(e.getMessage().contains(created) && e.getMessage().contains(asked), "names both modes: " + e.getMessage());
        assertUnchanged(before, snapshot(root));
        final LockStoreException viaTable = assertThrows(LockStoreException.class,
            () -> HostTable.open(table(), HostTable.Config.defaults(asked)));
        assertTrue(viaTable.getMessage().contains(created) && viaTable.getMessage().contains(asked), viaTable.getMessage());
        assertUnchanged(before, snapshot(root));
        // Without a mode the store follows the table's.
        try (HostLockStore s = HostLockStore.open(root))
        {
            assertTrue(s.describe().contains(created), s.describe());
        }
    }

    @Test
    void missingRootIsAClearErrorAndNothingIsCreated() throws Exception
    {
        final Path missing = root.resolve("missing");
        final LockStoreException e = assertThrows(LockStoreException.class, () -> HostLockStore.builder(missing).interop("none").build());
        assertTrue(e.getMessage().contains(missing.toString()), "names the root: " + e.getMessage());
        assertFalse(Files.exists(missing), "the missing root was created");
        assertThrows(LockStoreException.class, () -> HostLockStore.open(missing));
        assertFalse(Files.exists(missing));
        final Path file = Files.writeString(root.resolve("plain-file"), "x");
        final LockStoreException f = assertThrows(LockStoreException.class, () -> HostLockStore.builder(file).interop("none").build());
        assertTrue(f.getMessage().contains(file.toString()), "names the root: " + f.getMessage());
        assertEquals("x", Files.readString(file));
    }

    @Test
    void invalidSettingsAreRefusedNamingThemAndNothingIsCreated() throws Exception
    {
        final IllegalArgumentException mode = assertThrows(IllegalArgumentException.class,
            () -> HostLockStore.builder(root).interop("bogus").build());
        assertTrue(mode.getMessage().contains("bogus"), mode.getMessage());
        for (final int bad : new int[] {0, -1})
        {
            final IllegalArgumentException cap = assertThrows(IllegalArgumentException.class,
                () -> HostLockStore.builder(root).interop("none").capacity(bad).build());
            assertTrue(cap.getMessage().contains("capacity") && cap.getMessage().contains(String.valueOf(bad)), cap.getMessage());
        }
        try (Stream<Path> s = Files.list(root))
        {
            assertEquals(List.of(), s.toList(), "an invalid setting created files");
        }
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource({
        "capacity 0, 0, 128, 16384, none, 2",
        "capacity -5, -5, 128, 16384, none, 2",
        "slots 0, 65536, 0, 16384, none, 2",
        "records 0, 65536, 128, 0, none, 2",
        "interop bogus, 65536, 128, 16384, bogus, 2",
        "liveness 0, 65536, 128, 16384, none, 0"})
    void invalidTableConfigIsRefusedNamingItAndNoFileIsCreated(final String what, final int capacity, final int slots,
        final int records, final String interop, final long livenessMillis) throws Exception
    {
        final Path file = root.resolve("table");
        final Exception e = assertThrows(Exception.class, () -> HostTable.open(file,
            new HostTable.Config(capacity, slots, records, interop, java.time.Duration.ofMillis(livenessMillis))).close());
        assertTrue(e instanceof IllegalArgumentException || e instanceof LockStoreException, e.toString());
        final String bad = what.split(" ")[1];
        assertTrue(e.getMessage().contains(bad), "the error names the bad value " + bad + ": " + e.getMessage());
        assertFalse(Files.exists(file), "a table was created from an invalid config");
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {Integer.MAX_VALUE, 1 << 28})
    void capacityTooLargeToMapIsAClearErrorAndLeavesNoTable(final int capacity) throws Exception
    {
        final Exception e = assertThrows(Exception.class, () -> HostLockStore.builder(root).interop("none").capacity(capacity).build().close());
        assertTrue(e instanceof IllegalArgumentException || e instanceof LockStoreException, e.toString());
        assertTrue(e.getMessage().contains(String.valueOf(capacity)) || e.getMessage().contains("capacity"),
            "the error names the capacity: " + e.getMessage());
        assertFalse(Files.exists(table()), "a table was left behind");
        // The root is still usable with a sane capacity.
        HostLockStore.builder(root).interop("none").capacity(1024).build().close();
    }

    private static List<String> withoutDacOverride()
    {
        return "root".equals(System.getProperty("user.name")) ?
            List.of("/usr/bin/setpriv", "--bounding-set=-dac_override,-dac_read_search") : List.of();
    }

    private static void assumePermissionsApply()
    {
        Assumptions.assumeTrue(!"root".equals(System.getProperty("user.name")) || Files.isExecutable(Path.of("/usr/bin/setpriv")),
            "as root, permissions are enforced only without CAP_DAC_OVERRIDE (setpriv)");
    }

    @Test
    void readOnlyTableDirectoryAndTableIsAClearErrorNamingIt() throws Exception
    {
        assumePermissionsApply();
        createTable("none");
        final Path dir = table().getParent();
        final TreeMap<String, byte[]> before = snapshot(root);
        Files.setPosixFilePermissions(table(), PosixFilePermissions.fromString("r--r--r--"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
        try (SpecChild child = SpecChild.start(withoutDacOverride(), List.of(), root.toString(), "none"))
        {
            final String line = child.expect("READY", "OPEN-ERROR");
            assertTrue(line.startsWith("OPEN-ERROR"), "opened a read-only table: " + line);
            assertTrue(line.contains(".pathlock/host"), "the error names the table or its directory: " + line);
        }
        finally
        {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(table(), PosixFilePermissions.fromString("rw-r--r--"));
        }
        assertUnchanged(before, snapshot(root));
    }

    @Test
    void readOnlyRootWithoutATableIsAClearErrorAndNothingIsCreated() throws Exception
    {
        assumePermissionsApply();
        final Path ro = Files.createDirectories(root.resolve("ro"));
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        try (SpecChild child = SpecChild.start(withoutDacOverride(), List.of(), ro.toString(), "none"))
        {
            final String line = child.expect("READY", "OPEN-ERROR");
            assertTrue(line.startsWith("OPEN-ERROR"), "opened a read-only root: " + line);
            assertTrue(line.contains(ro.toString()), "the error names the path: " + line);
        }
        finally
        {
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        try (Stream<Path> s = Files.list(ro))
        {
            assertEquals(List.of(), s.toList());
        }
    }
}

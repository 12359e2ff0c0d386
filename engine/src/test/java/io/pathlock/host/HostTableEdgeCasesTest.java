package io.pathlock.host;

import io.pathlock.core.LockRequest;
import io.pathlock.core.LockStoreException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Capacity, reclamation, names, bad table files, interop mismatch, slot exhaustion, bad config. */
class HostTableEdgeCasesTest
{
    @TempDir
    Path dir;

    static HostTable.Config config(final int capacity, final int slots, final int records)
    {
        return new HostTable.Config(capacity, slots, records, "none", HostTable.LIVENESS_CHECK_DEFAULT);
    }

    @Test
    void tenThousandDistinctPathsThroughSixtyFourNodes() throws Exception
    {
        try (HostTable table = HostTable.open(dir.resolve("table"), config(64, 4, 64));
             HostSession a = table.attach();
             HostSession b = table.attach())
        {
            for (int i = 0; i < 10_000; i++)
            {
                final HostSession s = i % 2 == 0 ? a : b;
                final HostSession.Result r = s.tryAcquire(LockRequest.point("/d" + (i % 7) + "/p" + i).entries());
                assertTrue(r.isGranted(), "path " + i);
                s.release(r.grant());
                assertTrue(table.nodesInUse() <= 64);
            }
            assertEquals(List.of(), table.checkConsistency());
            assertTrue(table.nodeCounts().isEmpty());
        }
    }

    @Test
    void fullTableRefusesWithTheCapacityAndRaisesNothing() throws Exception
    {
        try (HostTable table = HostTable.open(dir.resolve("table"), config(64, 4, 256));
             HostSession a = table.attach();
             HostSession b = table.attach())
        {
            final List<HostSession.Grant> grants = new ArrayList<>();
            for (int i = 0; i < 63; i++)
            {
                final HostSession.Result r = a.tryAcquire(LockRequest.point("/p" + i).entries());
                assertTrue(r.isGranted(), "path " + i);
                grants.add(r.grant());
            }
            final Map<String, List<Long>> before = HostTableConflictMatrixTest.counts(table);
            final LockStoreException e = assertThrows(LockStoreException.class,
                () -> b.tryAcquire(LockRequest.point("/new/x").entries()));
            assertTrue(e.getMessage().contains("is full") && e.getMessage().contains("64 nodes"), e.getMessage());
            assertEquals(before, HostTableConflictMatrixTest.counts(table));
            assertEquals(List.of(), table.checkConsistency());
            a.release(grants.get(0));
            assertTrue(b.tryAcquire(LockRequest.point("/new").entries()).isGranted(), "a node came free");
        }
    }

    @Test
    void recordsPerSlotExhaustedIsAClearErrorAndRaisesNothing() throws Exception
    {
        try (HostTable table = HostTable.open(dir.resolve("table"), config(256, 4, 8));
             HostSession a = table.attach())
        {
            for (int i = 0; i < 7; i++)
            {
                assertTrue(a.tryAcquire(LockRequest.point("/p" + i).entries()).isGranted());
            }
            final Map<String, List<Long>> before = HostTableConflictMatrixTest.counts(table);
            final LockStoreException e = assertThrows(LockStoreException.class,
                () -> a.tryAcquire(LockRequest.point("/q/r").entries()));
            assertTrue(e.getMessage().contains("8 contribution records"), e.getMessage());
            assertEquals(before, HostTableConflictMatrixTest.counts(table));
            assertEquals(List.of(), table.checkConsistency());
        }
    }

    @Test
    void namesUpTo255BytesLongerIsAClearError() throws Exception
    {
        try (HostTable table = HostTable.open(dir.resolve("table"), config(64, 4, 64));
             HostSession a = table.attach();
             HostSession b = table.attach())
        {
            final String ok = "n".repeat(255);
            final HostSession.Result r = a.tryAcquire(LockRequest.point("/" + ok).entries());
            assertTrue(r.isGranted());
            assertFalse(b.tryAcquire(LockRequest.point("/" + ok).entries()).isGranted());
            assertTrue(b.tryAcquire(LockRequest.point("/" + ok.substring(1)).entries()).isGranted());
            final String tooLong = "\u00e9".repeat(128); // 256 bytes in UTF-8
            final Map<String, List<Long>> before = HostTableConflictMatrixTest.counts(table);
            final LockStoreException e = assertThrows(LockStoreException.class,
                () -> b.tryAcquire(LockRequest.point("/x/" + tooLong).entries()));
            assertTrue(e.getMessage().contains("256 bytes") && e.getMessage().contains("255"), e.getMessage());
            assertEquals(before, HostTableConflictMatrixTest.counts(table));
            assertTrue(table.locks().stream().anyMatch(l -> l.path().equals("/" + ok)));
        }
    }

    @Test
    void namesThatAreNotValidUtf16AreDistinctAndRoundTrip() throws Exception
    {
        try (HostTable table = HostTable.open(dir.resolve("table"), config(64, 4, 64));
             HostSession a = table.attach();
             HostSession b = table.attach())
        {
            final String lone = "/a\uD800";
            final String replaced = "/a?";
            final String pair = "/a\uD83D\uDE00";
            assertTrue(a.tryAcquire(LockRequest.point(lone).entries()).isGranted());
            assertTrue(b.tryAcquire(LockRequest.point(replaced).entries()).isGranted(), "lone surrogate is not '?'");
            assertTrue(b.tryAcquire(LockRequest.point(pair).entries()).isGranted());
            assertFalse(b.tryAcquire(LockRequest.point(lone).entries()).isGranted());
            assertTrue(a.tryAcquire(LockRequest.point("/\u00e9t\u00e9").entries()).isGranted());
            final List<String> paths = table.locks().stream().map(HostTable.LockInfo::path).toList();
            assertTrue(paths.contains(pair) && paths.contains("/\u00e9t\u00e9") && paths.contains(replaced), paths.toString());
        }
    }

    @Test
    void garbageTruncatedAndEmptyFilesAreClearErrors() throws Exception
    {
        final Path garbage = dir.resolve("garbage");
        Files.write(garbage, "this is not a host table at all, just some text that is long enough".repeat(100)
            .getBytes(StandardCharsets.US_ASCII));
        LockStoreException e = assertThrows(LockStoreException.class, () -> HostTable.open(garbage, config(64, 4, 64)));
        assertTrue(e.getMessage().contains(garbage.toString()) && e.getMessage().contains("not a host table"), e.getMessage());

        final Path empty = dir.resolve("empty");
        Files.createFile(empty);
        e = assertThrows(LockStoreException.class, () -> HostTable.open(empty, config(64, 4, 64)));
        assertTrue(e.getMessage().contains(empty.toString()) && e.getMessage().contains("truncated"), e.getMessage());

        final Path truncated = dir.resolve("truncated");
        HostTable.open(truncated, config(64, 4, 64)).close();
        try (RandomAccessFile raf = new RandomAccessFile(truncated.toFile(), "rw"))
        {
            raf.setLength(raf.length() - 4096);
        }
        e = assertThrows(LockStoreException.class, () -> HostTable.open(truncated, config(64, 4, 64)));
        assertTrue(e.getMessage().contains(truncated.toString()) && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void reopeningKeepsTheHeaderAndInteropMismatchNamesBoth() throws Exception
    {
        final Path file = dir.resolve("t");
        try (HostTable t1 = HostTable.open(file, new HostTable.Config(128, 4, 16, "ov431", Duration.ofMillis(2)));
             HostTable t2 = HostTable.open(file, new HostTable.Config(999, 9, 99, "ov431", Duration.ofMillis(2))))
        {
            assertEquals(128, t2.capacity());
            assertEquals("ov431", t2.interop());
            final HostSession a = t1.attach();
            final HostSession b = t2.attach();
            assertTrue(a.tryAcquire(LockRequest.point("/x").entries()).isGranted());
            assertFalse(b.tryAcquire(LockRequest.point("/x").entries()).isGranted(), "two mappings, one table");
        }
        final LockStoreException e = assertThrows(LockStoreException.class,
            () -> HostTable.open(file, new HostTable.Config(128, 4, 16, "ragfs", Duration.ofMillis(2))));
        assertTrue(e.getMessage().contains("ov431") && e.getMessage().contains("ragfs"), e.getMessage());
    }

    @Test
    void slotExhaustionNamesTheSlotCount() throws Exception
    {
        try (HostTable table = HostTable.open(dir.resolve("table"), config(64, 2, 16)))
        {
            final HostSession a = table.attach();
            table.attach();
            final LockStoreException e = assertThrows(LockStoreException.class, table::attach);
            assertTrue(e.getMessage().contains("all 2 session slots"), e.getMessage());
            a.close();
            table.attach().close();
        }
    }

    @Test
    void badConfigNamesTheBadValueAndCreatesNothing()
    {
        final Path file = dir.resolve("never");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostTable.open(file, config(1, 4, 16)));
        assertTrue(e.getMessage().contains("capacity") && e.getMessage().contains("1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> HostTable.open(file, new HostTable.Config(64, 4, 16, "nfs", Duration.ofMillis(2))));
        assertTrue(e.getMessage().contains("nfs"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> HostTable.open(file, config(64, 0, 16)));
        assertTrue(e.getMessage().contains("slots"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> HostTable.open(file, config(1 << 24, 1024, 1 << 16)));
        assertTrue(e.getMessage().contains("2 GiB"), e.getMessage());
        assertFalse(Files.exists(file));
    }

    @Test
    void emptiedRecordsAreReusedAndEvictedWhenTheyRunOut() throws Exception
    {
        try (HostTable table = HostTable.open(dir.resolve("table"), config(128, 4, 8));
             HostSession a = table.attach();
             HostSession b = table.attach())
        {
            final HostSession.Result held = a.tryAcquire(LockRequest.point("/h/x").entries());
            for (int i = 0; i < 200; i++)
            {
                final HostSession.Result r = a.tryAcquire(LockRequest.point("/d" + (i % 3) + "/p" + i).entries());
                assertTrue(r.isGranted(), "path " + i);
                a.release(r.grant());
            }
            assertEquals(List.of(), table.checkConsistency());
            assertEquals(3, table.slots().stream().filter(s -> s.slot() == a.slot()).findFirst().orElseThrow().records(),
                "records with counts: /, /h, /h/x");
            assertFalse(b.tryAcquire(LockRequest.subtree("/h").entries()).isGranted());
            a.release(held.grant());
            assertTrue(b.tryAcquire(LockRequest.subtree("/h").entries()).isGranted());
        }
    }

    @Test
    void subtreeOverTenThousandChildrenIsGrantedAndRefusedByOneHolderBelow() throws Exception
    {
        try (HostTable table = HostTable.open(dir.resolve("table"), config(16_384, 4, 64));
             HostSession a = table.attach();
             HostSession b = table.attach())
        {
            for (int i = 0; i < 10_000; i++)
            {
                final HostSession.Result r = a.tryAcquire(LockRequest.point("/big/c" + i).entries());
                a.release(r.grant());
            }
            assertTrue(table.nodesInUse() > 10_000, "the children stay until a sweep needs them");
            final HostSession.Result s = b.tryAcquire(LockRequest.subtree("/big").entries());
            assertTrue(s.isGranted());
            b.release(s.grant());
            final HostSession.Result one = a.tryAcquire(LockRequest.pointShared("/big/c9999").entries());
            final HostSession.Result refused = b.tryAcquire(LockRequest.subtree("/big").entries());
            assertFalse(refused.isGranted());
            assertEquals("/big", refused.conflict().path());
            a.release(one.grant());
            assertEquals(List.of(), table.checkConsistency());
        }
    }
}

package io.pathlock.cli;

import io.pathlock.core.LockRequest;
import io.pathlock.file.FileLockStore;
import io.pathlock.file.LockFileInfo;
import io.pathlock.redo.RedoLog;
import io.pathlock.redo.RedoLogConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.pathlock.cli.FileCommandsTest.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code status --json} and {@code redo list --json} (issue 10 item 15), parsed back with a strict
 * parser: the envelope, wall-clock times, and names with control characters, non-ASCII and bytes
 * that are not UTF-8.
 */
class JsonOutputTest
{
    @TempDir
    Path root;

    private static void assertAscii(final String json)
    {
        for (int i = 0; i < json.length(); i++)
        {
            final char c = json.charAt(i);
            assertTrue(c == '\n' || c >= 0x20 && c < 0x7f, "not printable ASCII at " + i + ": " + (int)c);
        }
    }

    @Test
    void statusJsonHasAnEnvelopeAndEveryLockWithWallClockTimes() throws Exception
    {
        final long nowNs = ChronoUnit.NANOS.between(Instant.EPOCH, Instant.now());
        Files.createDirectories(root.resolve("p"));
        Files.writeString(root.resolve("p/.path.ovlock"), "python \"owner\"\\:" + (nowNs - 5_000_000_000L) + ":P");
        Files.createDirectories(root.resolve("é ü/d"));
        Files.writeString(root.resolve("é ü/d/.path.ovlock"), "uni:" + nowNs + ":S");
        Files.writeString(root.resolve(".junk.path.ovlock"), "");
        // Directory names that are not UTF-8 and that hold a control character, made by the shell.
        final Process mk = new ProcessBuilder("sh", "-c",
            "cd \"$0\" && d=$(printf 'bad\\377name') && mkdir \"$d\" && printf 'x:1:P' > \"$d/.path.ovlock\" && " +
            "c=$(printf 'ctl\\001x') && mkdir \"$c\" && printf 'y:1:S' > \"$c/.path.ovlock\"", root.toString()).inheritIO().start();
        assertEquals(0, mk.waitFor());
        try (FileLockStore other = FileLockStore.open(root))
        {
            assertTrue(other.tryPublish("live one ü", LockRequest.subtree("/live").entries()).isGranted());
            final Instant before = Instant.now();
            final FileCommandsTest.Outcome o = exec("status", "--root", root.toString(), "--json");
            final Instant after = Instant.now();
            assertEquals(0, o.exit(), o.err());
            assertAscii(o.out());
            final Map<String, Object> doc = TinyJson.object(TinyJson.parse(o.out().trim()));
            assertEquals(1L, doc.get("schema"));
            assertEquals(root.toRealPath().toString(), doc.get("root"));
            assertEquals(other.backend(), doc.get("backend"));
            assertNotNull(doc.get("store"));
            final Instant time = Instant.parse((String)doc.get("time"));
            assertFalse(time.isBefore(before) || time.isAfter(after), time + " not in [" + before + ", " + after + "]");

            final List<LockFileInfo> expected;
            try (FileLockStore admin = FileLockStore.builder(root).administration().build())
            {
                expected = admin.status();
            }
            final List<Object> locks = TinyJson.array(doc.get("locks"));
            assertEquals(expected.size(), locks.size(), o.out());
            assertEquals(6, locks.size(), o.out());
            boolean sawLive = false;
            for (int k = 0; k < locks.size(); k++)
            {
                final Map<String, Object> l = TinyJson.object(locks.get(k));
                final LockFileInfo e = expected.get(k);
                assertEquals(e.lockPath(), l.get("path"), "names survive the escaping exactly");
                assertEquals(e.file().toString(), l.get("file"));
                assertEquals(e.ownerId(), l.get("owner"));
                assertEquals(e.state().name().toLowerCase(java.util.Locale.ROOT), l.get("state"));
                if (l.get("since") != null)
                {
                    final Instant since = Instant.parse((String)l.get("since"));
                    final long ageMs = (Long)l.get("age_ms");
                    assertEquals(time.minusMillis(ageMs).toEpochMilli(), since.toEpochMilli(), 1.0, "since = time - age");
                }
                if ("/live".equals(l.get("path")))
                {
                    sawLive = true;
                    assertEquals("alive", l.get("state"));
                    assertEquals(ProcessHandle.current().pid(), l.get("pid"));
                    assertTrue(((String)l.get("owner")).endsWith("live one ü"), o.out());
                }
                if ("/p".equals(l.get("path")))
                {
                    assertEquals("python \"owner\"\\", l.get("owner"));
                    final long age = (Long)l.get("age_ms");
                    assertTrue(age >= 5_000 && age < 5_000 + TimeUnit.MINUTES.toMillis(1), "age " + age);
                }
            }
            assertTrue(sawLive, o.out());
        }
    }

    @Test
    void statusJsonOfAnEmptyTree()
    {
        final FileCommandsTest.Outcome o = exec("status", "--root", root.toString(), "--json");
        assertEquals(0, o.exit(), o.err());
        final Map<String, Object> doc = TinyJson.object(TinyJson.parse(o.out().trim()));
        assertEquals(List.of(), doc.get("locks"));
    }

    @Test
    void redoListJson() throws Exception
    {
        try (RedoLog log = RedoLog.open(new RedoLogConfig().directory(root)))
        {
            log.begin("mv\\\"x\"", "a->b".getBytes(StandardCharsets.UTF_8));
            log.begin("rm", "c".getBytes(StandardCharsets.UTF_8)).done();
        }
        final Instant before = Instant.now();
        FileCommandsTest.Outcome o = exec("redo", "list", "--dir", root.toString(), "--json");
        assertEquals(0, o.exit(), o.err());
        assertAscii(o.out());
        Map<String, Object> doc = TinyJson.object(TinyJson.parse(o.out().trim()));
        assertEquals(1L, doc.get("schema"));
        assertEquals(root.toAbsolutePath().toString(), doc.get("dir"));
        assertFalse(Instant.parse((String)doc.get("time")).isBefore(before));
        assertEquals(1, TinyJson.array(doc.get("segments")).size());
        assertNull(doc.get("torn"));
        final List<Object> pending = TinyJson.array(doc.get("pending"));
        assertEquals(1, pending.size());
        final Map<String, Object> task = TinyJson.object(pending.get(0));
        assertEquals("mv\\\"x\"", task.get("type"));
        assertEquals("pending", task.get("state"));
        assertEquals(4L, task.get("payload_length"));
        assertEquals(1, TinyJson.array(doc.get("done")).size());
        assertEquals(List.of(), doc.get("quarantined"));

        final Path segment;
        try (var files = Files.list(root))
        {
            segment = files.filter(p -> p.toString().endsWith(".seg")).findFirst().orElseThrow();
        }
        final byte[] image = Files.readAllBytes(segment);
        Files.write(segment, Arrays.copyOf(image, image.length - 5));
        o = exec("redo", "list", "--dir", root.toString(), "--json", "--no-done");
        assertEquals(0, o.exit(), o.err());
        doc = TinyJson.object(TinyJson.parse(o.out().trim()));
        final Map<String, Object> torn = TinyJson.object(doc.get("torn"));
        assertTrue(((String)torn.get("segment")).endsWith(segment.getFileName().toString()), torn.toString());
        assertTrue((Long)torn.get("offset") > 0);
        assertFalse(doc.containsKey("done"), "--no-done leaves done out");
        assertTrue(Duration.between(before, Instant.now()).toMinutes() < 10);
    }
}

package io.pathlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import io.pathlock.redo.RedoLog;
import io.pathlock.redo.RedoLogConfig;
import io.pathlock.redo.RedoTicket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code redo list} and {@code redo recover} on real redo directories.
 */
class RedoCommandTest
{
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(final String... args)
    {
        final CommandLine cli = new CommandLine(new RedoCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private void seed() throws Exception
    {
        try (RedoLog log = RedoLog.open(new RedoLogConfig().directory(dir)))
        {
            log.begin("mv", "a->b".getBytes(StandardCharsets.UTF_8));
            final RedoTicket done = log.begin("rm", "c".getBytes(StandardCharsets.UTF_8));
            done.done();
        }
    }

    @Test
    void listShowsPendingAndDoneTasks() throws Exception
    {
        seed();
        assertEquals(0, run("list", "--dir", dir.toString()), err.toString());
        final String text = out.toString();
        assertTrue(text.contains("pending: 1"), text);
        assertTrue(text.contains("type=mv"), text);
        assertTrue(text.contains("done: 1"), text);
        assertTrue(text.contains("quarantined: 0"), text);
    }

    @Test
    void recoverReportsUnhandledTasksAndTruncatesATornTail() throws Exception
    {
        seed();
        final Path segment;
        try (var files = Files.list(dir))
        {
            segment = files.filter((p) -> p.toString().endsWith(".seg")).findFirst().orElseThrow();
        }
        final byte[] image = Files.readAllBytes(segment);
        Files.write(segment, Arrays.copyOf(image, image.length - 5));

        assertEquals(0, run("list", "--dir", dir.toString()), err.toString());
        assertTrue(out.toString().contains("torn tail"), out.toString());

        assertEquals(0, run("recover", "--dir", dir.toString()), err.toString());
        final String text = out.toString();
        assertTrue(text.contains("truncated torn tail"), text);
        assertTrue(text.contains("pending (unhandled, kept for the engine): 2"), text);
    }

    @Test
    void corruptionIsReportedWithFileAndOffset() throws Exception
    {
        seed();
        final Path segment;
        try (var files = Files.list(dir))
        {
            segment = files.filter((p) -> p.toString().endsWith(".seg")).findFirst().orElseThrow();
        }
        final byte[] image = Files.readAllBytes(segment);
        image[50] ^= 1;
        Files.write(segment, image);

        assertEquals(RedoCommand.EXIT_CORRUPT, run("recover", "--dir", dir.toString()));
        assertTrue(err.toString().contains(segment.toString()), err.toString());
        assertTrue(err.toString().contains("byte offset 40"), err.toString());
    }

    @Test
    void helpSaysWhatRecoverDoes()
    {
        assertEquals(0, run("recover", "--help"));
        assertTrue(out.toString().contains("registers no task handlers"), out.toString());
    }
}

package io.pathlock.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import io.pathlock.redo.RecoveryReport;
import io.pathlock.redo.RedoCorruptionException;
import io.pathlock.redo.RedoLog;
import io.pathlock.redo.RedoLogConfig;
import io.pathlock.redo.RedoLogContents;
import io.pathlock.redo.RedoLogException;
import io.pathlock.redo.RedoLogReader;
import io.pathlock.redo.RedoTaskInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pathlock redo}: inspect and recover a redo directory.
 * <p>
 * Exit codes: 0 success; 1 the directory is missing or unreadable; 3 a segment is corrupt (the
 * message names the file and byte offset; nothing was changed); 4 the directory is open in another
 * process.
 * <p>
 * Not thread-safe; picocli creates one instance per invocation.
 */
@Command(
    name = "redo",
    mixinStandardHelpOptions = true,
    description = "Inspect (list) or recover a redo directory.",
    subcommands = { RedoCommand.ListCommand.class, RedoCommand.RecoverCommand.class })
public final class RedoCommand implements Callable<Integer>
{
    /** Exit code when the directory is missing or unreadable. */
    public static final int EXIT_IO = 1;

    /** Exit code when a segment is corrupt before its tail. */
    public static final int EXIT_CORRUPT = 3;

    /** Exit code when the directory is open in another process. */
    public static final int EXIT_IN_USE = 4;

    @Spec
    CommandSpec spec;

    /**
     * Creates the command; picocli calls this.
     */
    public RedoCommand()
    {
    }

    /**
     * Without a subcommand, prints the usage.
     *
     * @return 0.
     */
    public Integer call()
    {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /**
     * {@code pathlock redo list --dir DIR}: reads the segments without changing them and prints the
     * pending, quarantined and done tasks.
     */
    @Command(
        name = "list",
        mixinStandardHelpOptions = true,
        description = {
            "List the tasks of a redo directory: pending (would be replayed), quarantined (replay kept" +
            " failing; kept, not replayed) and done (records not yet compacted away).",
            "Read-only: a torn tail is reported, not truncated. On a log that a running process has open," +
            " records being written at that moment may show as a torn tail, and a segment deleted by" +
            " compaction during the scan makes it fail: run it again." })
    public static final class ListCommand implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The redo directory.")
        Path dir;

        @Option(names = "--no-done", description = "Do not list done tasks.")
        boolean noDone;

        @Option(names = "--json", description = "Print a JSON document instead of text: {\"schema\": " + JSON_SCHEMA +
            ", \"dir\", \"time\", \"segments\", \"torn\", \"pending\", \"quarantined\", \"done\"}.")
        boolean json;

        /**
         * Creates the command; picocli calls this.
         */
        public ListCommand()
        {
        }

        /**
         * Lists the tasks.
         *
         * @return the exit code.
         */
        public Integer call()
        {
            final PrintWriter out = spec.commandLine().getOut();
            final PrintWriter err = spec.commandLine().getErr();
            if (!Files.isDirectory(dir))
            {
                err.println("redo directory " + dir + " does not exist");
                return EXIT_IO;
            }

            final RedoLogContents contents;
            try
            {
                contents = RedoLogReader.read(dir);
            }
            catch (final RedoCorruptionException ex)
            {
                err.println("error: " + ex.getMessage());
                return EXIT_CORRUPT;
            }
            catch (final java.io.IOException ex)
            {
                err.println("error: cannot read " + dir + ": " + ex);
                return EXIT_IO;
            }

            if (json)
            {
                out.println(toJson(java.time.Instant.now(), dir, contents, !noDone));
                out.flush();
                return 0;
            }
            out.println("redo directory " + dir + ": " + contents.segmentNames().size() + " segment(s) " +
                contents.segmentNames());
            if (null != contents.tornSegment())
            {
                out.println("torn tail in " + contents.tornSegment() + " at byte offset " + contents.tornOffset() +
                    " (" + contents.tornDetail() + "); 'redo recover' or the next open truncates it");
            }
            print(out, "pending", contents.pending());
            print(out, "quarantined", contents.quarantined());
            if (!noDone)
            {
                print(out, "done", contents.done());
            }
            out.flush();
            return 0;
        }
    }

    /**
     * {@code pathlock redo recover --dir DIR}: opens the log (verifying every segment and truncating a
     * torn tail), runs a recovery pass and reports.
     */
    @Command(
        name = "recover",
        mixinStandardHelpOptions = true,
        description = {
            "Open a redo directory as the engine does on start: verify every segment's checksums and" +
            " truncate a torn tail (a record cut by a crash) to the last complete record, then run" +
            " a recovery pass.",
            "The CLI registers no task handlers, so it replays nothing: every pending task is reported" +
            " as unhandled and stays pending for the engine to replay on its next start. Quarantined" +
            " tasks are reported too.",
            "Corruption before the tail is reported with the segment file and byte offset (exit 3)" +
            " and leaves the files untouched. Fails (exit 4) if a process has the directory open." })
    public static final class RecoverCommand implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The redo directory.")
        Path dir;

        /**
         * Creates the command; picocli calls this.
         */
        public RecoverCommand()
        {
        }

        /**
         * Verifies, repairs the tail and reports.
         *
         * @return the exit code.
         */
        public Integer call()
        {
            final PrintWriter out = spec.commandLine().getOut();
            final PrintWriter err = spec.commandLine().getErr();
            if (!Files.isDirectory(dir))
            {
                err.println("redo directory " + dir + " does not exist");
                return EXIT_IO;
            }

            try
            {
                final RedoLogContents before = RedoLogReader.read(dir);
                try (RedoLog log = RedoLog.open(new RedoLogConfig().directory(dir)))
                {
                    if (null != before.tornSegment())
                    {
                        out.println("truncated torn tail of " + before.tornSegment() + " at byte offset " +
                            before.tornOffset() + " (" + before.tornDetail() + ")");
                    }
                    else
                    {
                        out.println("verified " + before.segmentNames().size() + " segment(s): no torn tail");
                    }

                    final RecoveryReport report = log.startRecovery().get(1, TimeUnit.HOURS);
                    out.println("replayed: " + report.replayed().size() + " (no handlers are registered in the CLI)");
                    print(out, "pending (unhandled, kept for the engine)", report.unhandled());
                    print(out, "quarantined", report.quarantined());
                }
                out.flush();
                return 0;
            }
            catch (final RedoCorruptionException ex)
            {
                err.println("error: " + ex.getMessage());
                return EXIT_CORRUPT;
            }
            catch (final RedoLogException ex)
            {
                err.println("error: " + ex.getMessage());
                return EXIT_IN_USE;
            }
            catch (final Exception ex)
            {
                err.println("error: recovery of " + dir + " failed: " + ex);
                return EXIT_IO;
            }
        }
    }

    /** Version of the {@code redo list --json} document. */
    static final int JSON_SCHEMA = 1;

    /**
     * The {@code redo list --json} document. {@code torn} is null or {segment, offset, detail};
     * each task is {task_id, type, state, segment, offset, payload_length, reason}.
     */
    static String toJson(final java.time.Instant time, final Path dir, final RedoLogContents contents,
        final boolean withDone)
    {
        final JsonWriter w = new JsonWriter().beginObject()
            .field("schema", JSON_SCHEMA)
            .field("dir", dir.toAbsolutePath().toString())
            .name("time").value(time)
            .name("segments").beginArray();
        for (final String s : contents.segmentNames())
        {
            w.value(s);
        }
        w.endArray().name("torn");
        if (contents.tornSegment() == null)
        {
            w.value((String)null);
        }
        else
        {
            w.beginObject().field("segment", contents.tornSegment()).field("offset", contents.tornOffset())
                .field("detail", contents.tornDetail()).endObject();
        }
        tasks(w, "pending", contents.pending());
        tasks(w, "quarantined", contents.quarantined());
        if (withDone)
        {
            tasks(w, "done", contents.done());
        }
        return w.endObject().toString();
    }

    private static void tasks(final JsonWriter w, final String name, final List<RedoTaskInfo> tasks)
    {
        w.name(name).beginArray();
        for (final RedoTaskInfo t : tasks)
        {
            w.beginObject()
                .field("task_id", t.taskId())
                .field("type", t.type())
                .field("state", t.state().name().toLowerCase(java.util.Locale.ROOT))
                .field("segment", t.segment())
                .field("offset", t.offset())
                .field("payload_length", t.payloadLength())
                .field("reason", t.reason())
                .endObject();
        }
        w.endArray();
    }

    static void print(final PrintWriter out, final String title, final List<RedoTaskInfo> tasks)
    {
        out.println(title + ": " + tasks.size());
        for (final RedoTaskInfo task : tasks)
        {
            out.println("  " + task);
        }
    }
}

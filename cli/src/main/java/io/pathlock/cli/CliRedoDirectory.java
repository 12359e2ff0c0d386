package io.pathlock.cli;

import io.pathlock.LockManager;
import io.pathlock.core.LockBusyException;
import io.pathlock.core.LockTimeoutException;
import io.pathlock.redo.RedoLog;
import io.pathlock.redo.RedoLogConfig;
import io.pathlock.redo.RedoLogContents;
import io.pathlock.redo.RedoLogException;
import io.pathlock.redo.RedoLogReader;
import io.pathlock.tree.TreeOps;
import io.pathlock.tree.TreeRecoveryReport;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The redo directory of one tree command ({@code pathlock mv|rm|write}) and the adoption of those
 * that dead commands left behind.
 *
 * <p>Each command process keeps its redo log in {@code ROOT/.pathlock/redo/cli-<pid>-<random>}: no
 * two processes can share one ({@link RedoLog} locks its directory), and a crashed command's
 * interrupted plan must outlive it. Rules:
 * <ol>
 *   <li><b>A1 — one directory per process.</b> Created at start, removed when the command ends with
 *   no task pending in it (whether the operation succeeded or was refused: a refused or failed
 *   operation was undone and its task is done). If a task is still pending (the operation could not
 *   be undone), the directory stays for adoption and the command says so.</li>
 *   <li><b>A2 — adoption of the dead.</b> At start a command recovers, with
 *   {@link TreeOps#recover(LockManager, Path, RedoLog)} under its own lock manager, every
 *   {@code cli-<pid>-<random>} directory whose process is gone, then removes it. A directory is
 *   adopted only if its redo lock ({@link RedoLog#LOCK_FILE_NAME}, a kernel lock released by the
 *   kernel when the process dies) is free <i>and</i> its process is not alive. The pid check closes
 *   the window between a starting command's creating its directory and locking it. A live process
 *   with that pid counts as the creator only if it started before the directory was last modified
 *   (plus {@link #START_TIME_SLACK_MILLIS} for the coarse start times the kernel reports): a pid
 *   reused by a later process does not keep a dead command's directory from adoption.</li>
 *   <li><b>A3 — one adopter.</b> The adopter holds the redo lock while it recovers; then it renames
 *   the directory to {@code .adopted-<adopter pid>-<name>} (only one rename succeeds) before removing
 *   it, so no other command adopts it twice. Such names and the scratch copies of A5 left by an
 *   adopter that died are removed by the next adopter.</li>
 *   <li><b>A4 — a plan recovery could not finish</b> (its task was quarantined: the report's outcome
 *   {@code FAILED}) is not removed: its directory is renamed to {@code failed-<name>}, which no
 *   command adopts, and the command says so. {@code pathlock redo list --dir} shows it.</li>
 *   <li><b>A5 — busy locks do not quarantine.</b> Recovery runs on a copy of the dead command's log
 *   ({@code .adopting-<adopter pid>-<name>}), with one attempt and its lock wait bounded by the
 *   command's own ({@code -w}, {@code -n}; the manager's default timeout): a redo log quarantines a
 *   task whose last attempt failed, and a plan whose locks another process holds must be finished
 *   later, not given up. If a plan's locks stayed busy, the copy is dropped, the dead command's
 *   directory is left as it was and the command fails as busy ({@link Busy}): its own operation
 *   waits for the recovery, as {@link TreeOps}' operations wait for theirs.</li>
 * </ol>
 * Processes of other pid namespaces (containers) sharing a root are judged by the redo lock alone
 * once their pid is not visible: the creation window of A2 is then not covered.
 *
 * <p>Not thread-safe: one per command.
 */
final class CliRedoDirectory
{
    /** The directory under the root that holds every redo directory of tree commands. */
    static final String REDO_PARENT = ".pathlock/redo";

    /** Prefix of a command's redo directory. */
    static final String PREFIX = "cli-";

    /** Prefix a redo directory gets while it is removed after adoption (A3), followed by the adopter's pid. */
    static final String ADOPTED_PREFIX = ".adopted-";

    /** Prefix of the copy of a dead command's redo log that recovery runs on (A5), followed by the adopter's pid. */
    static final String SCRATCH_PREFIX = ".adopting-";

    /** Prefix of a redo directory whose plans recovery could not finish (A4). */
    static final String FAILED_PREFIX = "failed-";

    /** Slack for the kernel's process start times (A2). */
    static final long START_TIME_SLACK_MILLIS = 2_000;

    private static final Pattern NAME = Pattern.compile("cli-([0-9]+)-([0-9a-f]+)");
    private static final Pattern SCRATCH = Pattern.compile("\\.(adopting|adopted)-([0-9]+)-cli-[0-9]+-[0-9a-f]+");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path directory;
    private final RedoLog log;

    private CliRedoDirectory(final Path directory, final RedoLog log)
    {
        this.directory = directory;
        this.log = log;
    }

    /**
     * Creates and opens this process's redo directory under {@code root} (A1).
     *
     * @param root the tree's root.
     * @return the open directory.
     * @throws IOException if it cannot be created or opened.
     */
    static CliRedoDirectory create(final Path root) throws IOException
    {
        final byte[] random = new byte[6];
        RANDOM.nextBytes(random);
        final Path dir = root.resolve(REDO_PARENT)
            .resolve(PREFIX + ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(random));
        return new CliRedoDirectory(dir, RedoLog.open(new RedoLogConfig().directory(dir)));
    }

    /**
     * @return the redo log (the lock manager closes it).
     */
    RedoLog log()
    {
        return log;
    }

    /**
     * @return the directory.
     */
    Path directory()
    {
        return directory;
    }

    /**
     * After the command (its lock manager, and so its redo log, closed): removes the directory if no
     * task is pending or quarantined in it (A1), else says that it stays.
     *
     * @param err where to say it.
     * @param command the command's name for messages.
     * @return true if removed.
     */
    boolean finish(final PrintWriter err, final String command)
    {
        try
        {
            final RedoLogContents contents = RedoLogReader.read(directory);
            if (contents.pending().isEmpty() && contents.quarantined().isEmpty())
            {
                removeTree(directory);
                return true;
            }
            err.println("pathlock " + command + ": the redo directory " + directory + " keeps " +
                contents.pending().size() + " pending and " + contents.quarantined().size() + " quarantined task(s): " +
                "the next tree command on this root finishes them");
        }
        catch (final IOException | UncheckedIOException e)
        {
            err.println("pathlock " + command + ": cannot remove the redo directory " + directory + ": " + e);
        }
        return false;
    }

    /**
     * A2–A5: recovers and removes the redo directories of dead tree commands under {@code root}.
     *
     * @param locks   the manager whose locks the replays take (its default timeout bounds their wait).
     * @param root    the tree's root.
     * @param err     where each recovered plan is reported.
     * @param command the command's name for messages.
     * @return the directories adopted (removed or, A4, renamed), in name order.
     * @throws Busy if a dead command's plan needs locks that stayed busy (A5); its directory is kept.
     * @throws IOException if a directory cannot be read or recovered.
     * @throws InterruptedException if interrupted while recovering.
     */
    List<Path> adoptDead(final LockManager locks, final Path root, final PrintWriter err, final String command)
        throws Busy, IOException, InterruptedException
    {
        final Path parent = root.resolve(REDO_PARENT);
        sweepScratch(parent);
        final List<Path> adopted = new ArrayList<>();
        for (final Path dir : candidates(parent))
        {
            if (dir.equals(directory) || isCreatorAlive(dir))
            {
                continue;
            }
            final RedoLog original;
            try
            {
                // Holds the dead directory's redo lock (A3) and truncates a torn tail.
                original = RedoLog.open(new RedoLogConfig().directory(dir));
            }
            catch (final RedoLogException e)
            {
                // Open in a live process (maybe of another pid namespace), or being adopted by another command.
                continue;
            }
            catch (final NoSuchFileException e)
            {
                // Removed by another adopter since the listing.
                continue;
            }
            final String name = dir.getFileName().toString();
            final List<TreeRecoveryReport.Recovered> recovered;
            final boolean quarantined;
            try
            {
                final RedoLogContents contents = RedoLogReader.read(dir);
                if (contents.pending().isEmpty())
                {
                    recovered = List.of();
                    quarantined = !contents.quarantined().isEmpty();
                }
                else
                {
                    final Path scratch = parent.resolve(SCRATCH_PREFIX + ProcessHandle.current().pid() + "-" + name);
                    copyLog(dir, scratch);
                    // A5: one attempt, as long as the lock wait may take; a failure is recorded in the copy only.
                    final RedoLog copy = RedoLog.open(new RedoLogConfig().directory(scratch).replayAttempts(1)
                        .replayTimeout(Duration.ofDays(1)));
                    try
                    {
                        recovered = TreeOps.recover(locks, root, copy).operations();
                    }
                    finally
                    {
                        copy.close();
                    }
                    quarantined = !contents.quarantined().isEmpty();
                    removeTree(scratch);
                }
            }
            finally
            {
                original.close();
            }
            final List<String> busy = new ArrayList<>();
            boolean failed = quarantined;
            for (final TreeRecoveryReport.Recovered r : recovered)
            {
                if (r.outcome() == TreeRecoveryReport.Outcome.FAILED && isLockFailure(r.detail()))
                {
                    busy.add(r.operation() + ": " + r.detail());
                    continue;
                }
                failed |= r.outcome() == TreeRecoveryReport.Outcome.FAILED;
                err.println("pathlock " + command + ": recovered " + r.operation() + " of a dead command (" + name +
                    ", task " + r.taskId() + "): " + outcome(r.outcome()) +
                    (r.detail() == null || r.detail().isEmpty() ? "" : ": " + r.detail()));
            }
            if (!busy.isEmpty())
            {
                err.flush();
                throw new Busy("the interrupted operation of a dead command (" + dir + ") waits for locks; kept " +
                    "for a later command: " + String.join("; ", busy));
            }
            if (failed)
            {
                final Path kept = dir.resolveSibling(FAILED_PREFIX + name);
                if (renameIfPresent(dir, kept))
                {
                    err.println("pathlock " + command + ": recovery could not finish every plan of " + dir +
                        "; kept as " + kept + " (see pathlock redo list --dir " + kept + ")");
                    adopted.add(dir);
                }
                continue;
            }
            final Path trash = parent.resolve(ADOPTED_PREFIX + ProcessHandle.current().pid() + "-" + name);
            if (renameIfPresent(dir, trash))
            {
                removeTree(trash);
                adopted.add(dir);
            }
        }
        err.flush();
        return adopted;
    }

    /**
     * Whether a failed recovery's detail is a lock wait that failed: the lock API's busy and timeout
     * exceptions, as the tree recovery reports them ({@code attempt N: <exception>}), or the attempt's
     * replay timeout.
     */
    static boolean isLockFailure(final String detail)
    {
        return detail != null && (detail.contains(LockBusyException.class.getName()) ||
            detail.contains(LockTimeoutException.class.getName()) || detail.contains("timed out after"));
    }

    /** Copies the segments of the redo directory {@code from} (not its lock file) into a new {@code to}. */
    private static void copyLog(final Path from, final Path to) throws IOException
    {
        removeTree(to);
        Files.createDirectories(to);
        try (DirectoryStream<Path> s = Files.newDirectoryStream(from))
        {
            for (final Path f : s)
            {
                if (Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS) &&
                    !f.getFileName().toString().equals(RedoLog.LOCK_FILE_NAME))
                {
                    Files.copy(f, to.resolve(f.getFileName()));
                }
            }
        }
    }

    /** Removes the scratch copies and adopted directories of adopters that died before removing them (A3). */
    private static void sweepScratch(final Path parent) throws IOException
    {
        if (!Files.isDirectory(parent))
        {
            return;
        }
        final List<Path> stale = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(parent))
        {
            for (final Path p : s)
            {
                final Matcher m = SCRATCH.matcher(p.getFileName().toString());
                if (m.matches() && !ProcessHandle.of(Long.parseLong(m.group(2))).map(ProcessHandle::isAlive).orElse(false))
                {
                    stale.add(p);
                }
            }
        }
        for (final Path p : stale)
        {
            removeTree(p);
        }
    }

    /** A dead command's plan needs locks that stayed busy for as long as the command may wait (A5). */
    static final class Busy extends Exception
    {
        private static final long serialVersionUID = 1L;

        Busy(final String message)
        {
            super(message, null, false, false);
        }
    }

    private static String outcome(final TreeRecoveryReport.Outcome outcome)
    {
        return switch (outcome)
        {
            case ROLLED_FORWARD -> "completed (rolled forward)";
            case ROLLED_BACK -> "undone (rolled back)";
            case FAILED -> "FAILED";
        };
    }

    /** The {@code cli-<pid>-<random>} directories under {@code parent}, in name order. */
    private static List<Path> candidates(final Path parent) throws IOException
    {
        final List<Path> dirs = new ArrayList<>();
        if (!Files.isDirectory(parent))
        {
            return dirs;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(parent))
        {
            for (final Path p : s)
            {
                if (NAME.matcher(p.getFileName().toString()).matches() && Files.isDirectory(p))
                {
                    dirs.add(p);
                }
            }
        }
        dirs.sort(Comparator.naturalOrder());
        return dirs;
    }

    /**
     * Whether the process that created {@code dir} (a {@code cli-<pid>-<random>} directory) may still
     * be alive (A2): a process with that pid exists and did not start after the directory's last change.
     */
    static boolean isCreatorAlive(final Path dir)
    {
        final Matcher m = NAME.matcher(dir.getFileName().toString());
        if (!m.matches())
        {
            return false;
        }
        final long pid;
        try
        {
            pid = Long.parseLong(m.group(1));
        }
        catch (final NumberFormatException e)
        {
            return false;
        }
        final Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive())
        {
            return false;
        }
        final Optional<Instant> started = process.get().info().startInstant();
        if (started.isEmpty())
        {
            return true;
        }
        try
        {
            final Instant changed = Files.getLastModifiedTime(dir).toInstant();
            return !started.get().isAfter(changed.plusMillis(START_TIME_SLACK_MILLIS));
        }
        catch (final IOException e)
        {
            return true;
        }
    }

    private static boolean renameIfPresent(final Path from, final Path to) throws IOException
    {
        try
        {
            Files.move(from, to, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return true;
        }
        catch (final NoSuchFileException e)
        {
            return false;
        }
    }

    /** Removes a directory tree; entries another process removed first are skipped. */
    static void removeTree(final Path dir) throws IOException
    {
        final List<Path> paths;
        try (Stream<Path> walk = Files.walk(dir))
        {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        }
        catch (final NoSuchFileException e)
        {
            return;
        }
        catch (final UncheckedIOException e)
        {
            throw e.getCause();
        }
        for (final Path p : paths)
        {
            Files.deleteIfExists(p);
        }
    }
}

package io.pathlock.cli;

import io.pathlock.config.Settings;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.time.Duration;

/**
 * How long a command waits for busy locks and what it exits with when it gives up: {@code -w}
 * ({@code --wait}, {@code --timeout}), {@code -n} ({@code --nonblock}) and {@code -E}
 * ({@code --conflict-exit-code}). Shared by {@code run} and the tree commands ({@code mv}, {@code rm},
 * {@code write}) so that both read and check them the same way.
 */
final class LockWaitOptions
{
    /** Default of {@code -E}: {@code EX_TEMPFAIL}. */
    static final int CONFLICT_EXIT_CODE_DEFAULT = 75;

    @Option(names = {"-w", "--wait", "--timeout"}, paramLabel = "SECONDS",
        description = "Wait at most this long for busy locks: seconds (0.5), a number with a unit (250ms, 2m) " +
            "or 'forever' (the default). 0 is -n.")
    String wait;

    @Option(names = {"-n", "--nonblock"}, description = "Fail at once if the locks are busy (same as -w 0).")
    boolean nonblock;

    @Option(names = {"-E", "--conflict-exit-code"}, paramLabel = "CODE",
        defaultValue = "" + CONFLICT_EXIT_CODE_DEFAULT,
        description = "Exit status when the locks are busy (-n) or -w passed, 0 to 255 (default ${DEFAULT-VALUE}).")
    int conflictExitCode;

    /**
     * The wait the options ask for.
     *
     * @param cl the command line, for the usage error.
     * @return {@link Duration#ZERO} for {@code -n}, the parsed {@code -w}, or {@link Settings#FOREVER}.
     * @throws CommandLine.ParameterException if both {@code -n} and {@code -w} are given, or {@code -w}
     *                                        is not a duration.
     */
    Duration timeout(final CommandLine cl)
    {
        if (nonblock && wait != null)
        {
            throw new CommandLine.ParameterException(cl, "give -n or -w, not both");
        }
        if (nonblock)
        {
            return Duration.ZERO;
        }
        return wait == null ? Settings.FOREVER : Settings.parseDuration("-w", wait, true);
    }

    /**
     * The exit status for busy locks.
     *
     * @param cl the command line, for the usage error.
     * @return {@code -E}'s value.
     * @throws CommandLine.ParameterException if it is not 0 to 255.
     */
    int conflictExitCode(final CommandLine cl)
    {
        if (conflictExitCode < 0 || conflictExitCode > 255)
        {
            throw new CommandLine.ParameterException(cl, "-E: " + conflictExitCode + " is not 0 to 255");
        }
        return conflictExitCode;
    }
}

package io.pathlock.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * The {@code pathlock} command. Exit codes follow sysexits: 0 success, 64 bad usage, 70 internal
 * error; subcommands document their own.
 */
@Command(
    name = "pathlock",
    mixinStandardHelpOptions = true,
    versionProvider = PathlockCommand.Version.class,
    description = "Path locks for threads and processes that write into one directory tree.",
    subcommands = {BenchCommand.class, RunCommand.class, StatusCommand.class, BreakCommand.class,
        RedoCommand.class, CommandLine.HelpCommand.class})
public final class PathlockCommand implements Runnable
{
    /** Exit code for bad usage (sysexits EX_USAGE). */
    public static final int EXIT_USAGE = 64;
    /** Exit code for an internal failure (sysexits EX_SOFTWARE). */
    public static final int EXIT_SOFTWARE = 70;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Creates the command. */
    public PathlockCommand()
    {
    }

    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }

    /**
     * Builds the configured command line (shared by {@link #main} and tests).
     *
     * @return the command line.
     */
    public static CommandLine commandLine()
    {
        final CommandLine cl = new CommandLine(new PathlockCommand());
        cl.setParameterExceptionHandler((ex, args) ->
        {
            final PrintWriter err = ex.getCommandLine().getErr();
            err.println("pathlock: " + ex.getMessage());
            ex.getCommandLine().usage(err);
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, command, parseResult) ->
        {
            final PrintWriter err = command.getErr();
            if (ex instanceof IllegalArgumentException)
            {
                err.println("pathlock: " + ex.getMessage());
                return EXIT_USAGE;
            }
            err.println("pathlock: " + ex);
            return EXIT_SOFTWARE;
        });
        return cl;
    }

    /**
     * Runs the command and exits with its status.
     *
     * @param args the arguments.
     */
    public static void main(final String[] args)
    {
        System.exit(commandLine().execute(args));
    }

    /** Reports the version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            final String v = PathlockCommand.class.getPackage().getImplementationVersion();
            return new String[] {"pathlock " + (v == null ? "development build" : v)};
        }
    }
}

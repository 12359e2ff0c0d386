package io.pathlock.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;

/**
 * The {@code pathlock} command. Exit codes follow sysexits: 0 success, 64 bad usage, 70 internal
 * error; subcommands document their own.
 *
 * <p>Start-up: only the subcommand that runs is built (picocli reads each command's annotations
 * reflectively when it is added), unless help or an unknown name needs them all.
 */
@Command(
    name = "pathlock",
    mixinStandardHelpOptions = true,
    versionProvider = PathlockCommand.Version.class,
    description = "Path locks for threads and processes that write into one directory tree.",
    synopsisSubcommandLabel = "COMMAND")
public final class PathlockCommand implements Runnable
{
    /** Exit code for bad usage (sysexits EX_USAGE). */
    public static final int EXIT_USAGE = 64;
    /** Exit code for an internal failure (sysexits EX_SOFTWARE). */
    public static final int EXIT_SOFTWARE = 70;

    /** The subcommands, in the order help lists them. */
    private static final String[] NAMES = {"run", "mv", "rm", "write", "status", "break", "redo", "bench", "dev-zookeeper",
        "help"};

    private static volatile boolean process;

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
     * Builds the command line with every subcommand (for tests, documentation generators, help).
     *
     * @return the command line.
     */
    public static CommandLine commandLine()
    {
        return commandLine((String)null);
    }

    /**
     * Builds the command line with the subcommand named {@code first} only, or with all of them when
     * {@code first} is null or not a subcommand's name.
     */
    static CommandLine commandLine(final String first)
    {
        final CommandLine cl = new CommandLine(new PathlockCommand());
        boolean known = false;
        for (final String name : NAMES)
        {
            // 'help COMMAND' needs the others.
            known |= name.equals(first) && !name.equals("help");
        }
        for (final String name : NAMES)
        {
            if (!known || name.equals(first))
            {
                cl.addSubcommand(name, subcommand(name));
            }
        }
        for (final String tree : new String[] {"mv", "rm", "write"})
        {
            final CommandLine sub = cl.getSubcommands().get(tree);
            if (sub != null)
            {
                TreeCommand.dropZooKeeperOptions(sub);
            }
        }
        inheritVersion(cl, new Version());
        final CommandLine run = cl.getSubcommands().get("run");
        if (run != null)
        {
            // flock(1): everything from COMMAND on is the command's, options included.
            run.setStopAtPositional(true);
        }
        cl.setParameterExceptionHandler((ex, args) ->
        {
            final PrintWriter err = ex.getCommandLine().getErr();
            err.println("pathlock: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for more information.");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, command, parseResult) ->
        {
            final PrintWriter err = command.getErr();
            if (ex instanceof RootOptions.StoreUnavailableException)
            {
                err.println("pathlock: " + ex.getMessage());
                return RootOptions.StoreUnavailableException.EXIT;
            }
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

    /** Every subcommand's {@code --version} prints the project version too. */
    private static void inheritVersion(final CommandLine cl, final CommandLine.IVersionProvider version)
    {
        for (final CommandLine sub : cl.getSubcommands().values())
        {
            if (sub.getCommandSpec().versionProvider() == null)
            {
                sub.getCommandSpec().versionProvider(version);
            }
            inheritVersion(sub, version);
        }
    }

    private static Object subcommand(final String name)
    {
        return switch (name)
        {
            case "run" -> new RunCommand();
            case "mv" -> new MvCommand();
            case "rm" -> new RmCommand();
            case "write" -> new WriteCommand();
            case "status" -> new StatusCommand();
            case "break" -> new BreakCommand();
            case "redo" -> new RedoCommand();
            case "bench" -> new BenchCommand();
            case "dev-zookeeper" -> new DevZooKeeperCommand();
            case "help" -> new CommandLine.HelpCommand();
            default -> throw new IllegalArgumentException(name);
        };
    }

    /**
     * Whether this JVM is the {@code pathlock} process ({@link #main}), as opposed to a test that
     * executes commands in its own JVM: only then does {@code run} take over signal handling.
     *
     * @return true in the command's own process.
     */
    static boolean isProcess()
    {
        return process;
    }

    /**
     * Runs the command and exits with its status.
     *
     * @param args the arguments.
     */
    public static void main(final String[] args)
    {
        process = true;
        System.exit(commandLine(args.length == 0 ? null : args[0]).execute(args));
    }

    /** The project version, filtered into {@code version.properties} by the build. */
    static String version()
    {
        try (InputStream in = PathlockCommand.class.getResourceAsStream("version.properties"))
        {
            if (in != null)
            {
                final Properties p = new Properties();
                p.load(in);
                final String v = p.getProperty("version");
                if (v != null && !v.isEmpty() && !v.startsWith("$"))
                {
                    return v;
                }
            }
        }
        catch (final IOException ignore)
        {
            // Reported as unknown below.
        }
        return "unknown (not built by Maven)";
    }

    /** Reports the project version. */
    static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            return new String[] {"pathlock " + version(),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}

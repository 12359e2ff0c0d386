package io.pathlock.cli;

import java.text.MessageFormat;
import java.util.ResourceBundle;
import java.util.function.Supplier;

/**
 * The {@code System.Logger} backend of the {@code pathlock} command: one line per record on stderr,
 * {@code pathlock: LEVEL: message}. Warnings and errors always; INFO and below only with
 * {@code --verbose}, so that a command that works is as quiet as {@code flock(1)}. It also keeps
 * {@code java.util.logging} (and its start-up cost) out of the command.
 *
 * <p>Thread-safety: thread-safe.
 */
public final class CliLoggerFinder extends System.LoggerFinder
{
    private static volatile boolean verbose;

    /** Creates the finder; the JDK's service loader calls this. */
    public CliLoggerFinder()
    {
    }

    static void verbose(final boolean on)
    {
        verbose = on;
    }

    @Override
    public System.Logger getLogger(final String name, final Module module)
    {
        return new StderrLogger(name);
    }

    private record StderrLogger(String name) implements System.Logger
    {
        @Override
        public String getName()
        {
            return name;
        }

        @Override
        public boolean isLoggable(final Level level)
        {
            return level != Level.OFF && (level.getSeverity() >= Level.WARNING.getSeverity() ||
                verbose && level.getSeverity() >= Level.INFO.getSeverity());
        }

        @Override
        public void log(final Level level, final ResourceBundle bundle, final String msg, final Throwable thrown)
        {
            if (isLoggable(level))
            {
                print(level, msg, thrown);
            }
        }

        @Override
        public void log(final Level level, final ResourceBundle bundle, final String format, final Object... params)
        {
            if (isLoggable(level))
            {
                print(level, params == null || params.length == 0 ? format : MessageFormat.format(format, params), null);
            }
        }

        @Override
        public void log(final Level level, final Supplier<String> msgSupplier, final Throwable thrown)
        {
            if (isLoggable(level))
            {
                print(level, msgSupplier.get(), thrown);
            }
        }

        private static void print(final Level level, final String msg, final Throwable thrown)
        {
            // The engine's messages may name pathlock themselves: say it once.
            final String text = msg != null && msg.startsWith("pathlock: ") ? msg.substring("pathlock: ".length()) : msg;
            final StringBuilder sb = new StringBuilder("pathlock: ").append(level.getName().toLowerCase(java.util.Locale.ROOT))
                .append(": ").append(text);
            if (thrown != null)
            {
                sb.append(": ").append(thrown);
            }
            System.err.println(sb);
        }
    }
}

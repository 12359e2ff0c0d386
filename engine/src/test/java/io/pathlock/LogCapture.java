package io.pathlock;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Test helper: the lines pathlock logs (through {@code System.Logger}, which the JDK routes to
 * java.util.logging when no other backend is installed) while an action runs, each as
 * {@code "LEVEL logger message"}.
 */
public final class LogCapture
{
    private LogCapture()
    {
    }

    /**
     * Runs the action with every {@code io.pathlock} logger at ALL and returns what was logged at
     * {@code minLevel} or above.
     *
     * @param minLevel the lowest level kept.
     * @param action what to run.
     * @return the lines, in order.
     * @throws Exception what the action threw.
     */
    public static List<String> capture(final Level minLevel, final Callable<?> action) throws Exception
    {
        final Logger jul = Logger.getLogger("io.pathlock");
        final List<String> out = Collections.synchronizedList(new ArrayList<>());
        final Handler h = new Handler()
        {
            @Override
            public void publish(final LogRecord r)
            {
                if (r.getLevel().intValue() >= minLevel.intValue())
                {
                    out.add(r.getLevel() + " " + r.getLoggerName() + " " + new SimpleFormatter().formatMessage(r));
                }
            }

            @Override
            public void flush()
            {
            }

            @Override
            public void close()
            {
            }
        };
        final Level old = jul.getLevel();
        jul.setLevel(Level.ALL);
        jul.addHandler(h);
        try
        {
            action.call();
        }
        finally
        {
            jul.removeHandler(h);
            jul.setLevel(old);
        }
        return List.copyOf(out);
    }
}

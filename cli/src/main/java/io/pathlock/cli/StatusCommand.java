package io.pathlock.cli;

import io.pathlock.core.LockStoreException;
import io.pathlock.file.FileLockStore;
import io.pathlock.file.LockFileInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code pathlock status}: every lock file under the root with its lock path, type, owner, age and
 * state (alive by {@code flock}, stale, foreign, unparseable). Exit status 0, or 74 when the tree
 * cannot be scanned.
 */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = "Lists every lock file under --root: path, type, owner, age, alive (flock) / stale / foreign / unparseable.")
final class StatusCommand implements Callable<Integer>
{
    @Mixin
    RootOptions root;

    @Option(names = "--json", description = "print a JSON array instead of a table")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final List<LockFileInfo> infos;
        final String detail;
        try (FileLockStore store = root.openAdmin())
        {
            infos = store.status();
            detail = store.describeDetail();
        }
        catch (final LockStoreException e)
        {
            spec.commandLine().getErr().println("pathlock status: " + e.getMessage());
            return RunCommand.EXIT_IO;
        }
        if (json)
        {
            out.println(toJson(infos));
        }
        else
        {
            out.println("# " + detail);
            out.println(String.format(Locale.ROOT, "%-11s %-7s %10s %7s  %-40s %s", "STATE", "TYPE", "AGE", "PID", "PATH", "OWNER"));
            for (final LockFileInfo i : infos)
            {
                out.println(String.format(Locale.ROOT, "%-11s %-7s %10s %7s  %-40s %s", i.state().name().toLowerCase(Locale.ROOT),
                    i.type() == null ? "-" : i.type().name(), age(i.ageNanos()), i.pid() < 0 ? "-" : Long.toString(i.pid()),
                    i.lockPath(), i.ownerId() == null ? "(" + i.detail() + ")" : i.ownerId()));
            }
            out.println("# " + infos.size() + " lock file(s)");
        }
        out.flush();
        return 0;
    }

    static String age(final long nanos)
    {
        if (nanos < 0)
        {
            return "-";
        }
        final long ms = TimeUnit.NANOSECONDS.toMillis(nanos);
        return ms < 10_000 ? ms + "ms" : ms / 1000 + "s";
    }

    static String toJson(final List<LockFileInfo> infos)
    {
        final StringBuilder sb = new StringBuilder("[");
        for (int k = 0; k < infos.size(); k++)
        {
            final LockFileInfo i = infos.get(k);
            sb.append(k == 0 ? "\n  {" : ",\n  {");
            field(sb, "path", i.lockPath()).append(", ");
            field(sb, "file", i.file().toString()).append(", ");
            field(sb, "type", i.type() == null ? null : i.type().name()).append(", ");
            field(sb, "owner", i.ownerId()).append(", ");
            sb.append("\"pid\": ").append(i.pid() < 0 ? "null" : Long.toString(i.pid())).append(", ");
            sb.append("\"age_ms\": ").append(i.ageNanos() < 0 ? "null" : Long.toString(TimeUnit.NANOSECONDS.toMillis(i.ageNanos())))
                .append(", ");
            field(sb, "state", i.state().name().toLowerCase(Locale.ROOT)).append(", ");
            field(sb, "detail", i.detail());
            sb.append('}');
        }
        return sb.append(infos.isEmpty() ? "]" : "\n]").toString();
    }

    private static StringBuilder field(final StringBuilder sb, final String name, final String value)
    {
        sb.append('"').append(name).append("\": ");
        if (value == null)
        {
            return sb.append("null");
        }
        sb.append('"');
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            switch (c)
            {
                case '"':
                    sb.append("\\\"");
                    break;
                case '\\':
                    sb.append("\\\\");
                    break;
                default:
                    if (c < 0x20)
                    {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int)c));
                    }
                    else
                    {
                        sb.append(c);
                    }
                    break;
            }
        }
        return sb.append('"');
    }
}

package io.pathlock.posix;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Main class run in child JVMs by the tests. Commands (one per run), each printing one line
 * {@code rc=N ...}:
 * <ul>
 *   <li>{@code lock BACKEND PATH}: opens PATH and tries {@code flock(LOCK_EX | LOCK_NB)}.</li>
 *   <li>{@code create BACKEND PATH SIZE [FSIZE_LIMIT]}: {@code createExclusive} with SIZE bytes,
 *   optionally under a file-size limit; also prints whether PATH exists afterwards.</li>
 *   <li>{@code walk BACKEND START NAME}: {@code findFiles}; prints the result code and the
 *   matches.</li>
 *   <li>{@code select}: prints {@link PosixBackends#select()}.</li>
 * </ul>
 */
public final class PosixChild
{
    private PosixChild()
    {
    }

    /**
     * Entry point.
     *
     * @param args command and its arguments.
     */
    public static void main(final String[] args) throws Exception
    {
        switch (args[0])
        {
            case "lock":
            {
                final Posix posix = backend(args[1]);
                final int fd = posix.openRead(Path.of(args[2]));
                final int rc = fd < 0 ? fd : posix.flock(fd, Posix.LOCK_EX | Posix.LOCK_NB);
                System.out.println("rc=" + rc);
                break;
            }
            case "create":
            {
                final Posix posix = backend(args[1]);
                if (args.length > 4)
                {
                    // limit the size of files this process may write, now that every library is
                    // extracted and loaded: a larger write fails with EFBIG (the JVM ignores SIGXFSZ)
                    final long limit = Long.parseLong(args[4]);
                    final int rc = jnr.posix.POSIXFactory.getNativePOSIX()
                        .setrlimit(jnr.constants.platform.RLIMIT.RLIMIT_FSIZE.intValue(), limit, limit);
                    if (rc != 0)
                    {
                        throw new IllegalStateException("setrlimit failed");
                    }
                }
                final byte[] content = new byte[Integer.parseInt(args[3])];
                Arrays.fill(content, (byte)'x');
                final int rc = posix.createExclusive(Path.of(args[2]), content, content.length, 0644, 0);
                System.out.println("rc=" + rc + " exists=" + Files.exists(Path.of(args[2])));
                break;
            }
            case "walk":
            {
                final Posix posix = backend(args[1]);
                final java.util.List<Path> found = new java.util.ArrayList<>();
                final int rc = posix.findFiles(Path.of(args[2]), args[3], null, found);
                System.out.println("rc=" + rc + " found=" + found);
                break;
            }
            case "select":
            {
                final BackendSelection selection = PosixBackends.select();
                System.out.println("chosen=" + selection.chosen() + " describe=" + selection.describe());
                break;
            }
            default:
                throw new IllegalArgumentException(args[0]);
        }
        System.out.flush();
    }

    static Posix backend(final String name)
    {
        switch (name)
        {
            case "JNI":
                return new JniPosix();
            case "JNR":
                return new JnrPosix();
            case "NIO":
                return new NioPosix();
            default:
                throw new IllegalArgumentException(name);
        }
    }
}

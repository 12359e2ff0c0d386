package io.pathlock.posix;

import java.nio.charset.StandardCharsets;
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
 *   <li>{@code walkAt BACKEND START SUFFIX}: {@code openDirectory} + {@code walkAt}; prints the
 *   result code, the sorted matches and the errors as {@code path:errno}.</li>
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
            case "walkAt":
            {
                final Posix posix = backend(args[1]);
                final int fd = posix.openDirectory(Path.of(args[2]));
                final java.util.List<String> matches = new java.util.ArrayList<>();
                final java.util.List<String> errors = new java.util.ArrayList<>();
                final int rc = fd < 0 ? fd : posix.walkAt(fd, new byte[][] { args[3].getBytes(StandardCharsets.UTF_8) },
                    null, null, new Posix.WalkVisitor()
                    {
                        @Override
                        public boolean match(final byte[] relativePath, final int fileType)
                        {
                            matches.add(new String(relativePath, StandardCharsets.UTF_8));
                            return Posix.WALK_CONTINUE;
                        }

                        @Override
                        public boolean error(final byte[] relativePath, final int errno)
                        {
                            errors.add(new String(relativePath, StandardCharsets.UTF_8) + ":" + errno);
                            return Posix.WALK_CONTINUE;
                        }
                    });
                java.util.Collections.sort(matches);
                System.out.println("rc=" + rc + " matches=" + matches + " errors=" + errors);
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

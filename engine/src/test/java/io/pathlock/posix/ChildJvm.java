package io.pathlock.posix;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class of the test class path in a child JVM and collects its output.
 */
final class ChildJvm
{
    private ChildJvm()
    {
    }

    /** Exit code and merged stdout/stderr of a finished child. */
    record Result(int exitCode, String output)
    {
    }

    /** Runs a JVM as root without the capabilities that bypass permission bits. */
    static final List<String> WITHOUT_DAC_OVERRIDE =
        List.of("/usr/bin/setpriv", "--bounding-set=-dac_override,-dac_read_search");

    /**
     * Whether this process runs as root.
     *
     * @return true for uid 0.
     */
    static boolean isRoot()
    {
        return "root".equals(System.getProperty("user.name"));
    }

    /**
     * Runs {@code mainClass} with {@code args}.
     *
     * @param wrapper    a command that runs the JVM, such as {@code setpriv ...}, or empty.
     * @param jvmOptions  options before the main class.
     * @param mainClass   class with a main method.
     * @param args        program arguments.
     * @return the result.
     */
    static Result run(final List<String> wrapper, final List<String> jvmOptions, final Class<?> mainClass, final String... args)
        throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>(wrapper);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:-UsePerfData");
        command.add("-Xshare:auto");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(args));

        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IllegalStateException("child JVM did not finish: " + command);
        }
        return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}

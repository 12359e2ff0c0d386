package io.pathlock.packaging;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** Child JVMs on a chosen class path or module path, for the packaging tests. */
final class ChildJvms
{
    private ChildJvms()
    {
    }

    /** Exit code and merged stdout/stderr of a finished child. */
    record Result(int exitCode, String output)
    {
    }

    /** The java binary of this JVM. */
    static String java()
    {
        return ProcessHandle.current().info().command()
            .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** Entries of the test class path, in order. */
    static List<String> classPath()
    {
        return Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));
    }

    /** The test class path without the entries that match. */
    static String classPathWithout(final Predicate<String> drop)
    {
        return classPath().stream().filter(drop.negate()).collect(Collectors.joining(File.pathSeparator));
    }

    /** Whether a class-path entry is jnr-posix or one of the jars it brings. */
    static boolean isJnr(final String entry)
    {
        final String name = Path.of(entry).getFileName().toString();
        return name.startsWith("jnr-") || name.startsWith("jffi-") || name.startsWith("asm-") || name.startsWith("asm");
    }

    /** Whether a class-path entry is pathlock-native (its jar or, in the reactor, its classes). */
    static boolean isNative(final String entry)
    {
        return Path.of(entry).getFileName().toString().startsWith("pathlock-native")
            || entry.replace('\\', '/').contains("/native/target/classes");
    }

    static Result run(final List<String> command) throws Exception
    {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS))
        {
            p.destroyForcibly();
            throw new IllegalStateException("child JVM did not finish: " + command + "\n" + out);
        }
        return new Result(p.exitValue(), out);
    }

    static List<String> command(final String... parts)
    {
        final List<String> c = new ArrayList<>();
        c.add(java());
        c.add("-XX:-UsePerfData");
        c.add("-XX:TieredStopAtLevel=1");
        c.addAll(List.of(parts));
        return c;
    }
}

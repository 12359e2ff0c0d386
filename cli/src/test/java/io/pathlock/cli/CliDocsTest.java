package io.pathlock.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static io.pathlock.cli.FileCommandsTest.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 10 item 14: the version, the man pages and the bash completion generated from the picocli
 * model, help texts, and no option offered where it does nothing.
 */
class CliDocsTest
{
    @TempDir
    Path dir;

    @Test
    void versionIsTheProjectVersion()
    {
        final String expected = System.getProperty("pathlock.expectedVersion");
        assertNotNull(expected, "surefire passes the pom's version");
        final FileCommandsTest.Outcome o = exec("--version");
        assertEquals(0, o.exit());
        assertTrue(o.out().startsWith("pathlock " + expected + "\n"), o.out());
        assertEquals(o.out(), exec("run", "--version").out());
    }

    @Test
    void missingDirsIsOfferedOnlyWhereItActs()
    {
        for (final String cmd : new String[] {"status", "break"})
        {
            final FileCommandsTest.Outcome help = exec(cmd, "--help");
            assertFalse(help.out().contains("--missing-dirs"), help.out());
        }
        final FileCommandsTest.Outcome o = exec("status", "--root", dir.toString(), "--missing-dirs", "fail");
        assertEquals(64, o.exit());
        assertTrue(o.err().contains("--missing-dirs"), o.err());
        assertTrue(exec("run", "--help").out().contains("--missing-dirs"));
    }

    @Test
    void helpLinesFitEightyColumnsAndSummariesAreWholeSentences()
    {
        for (final String[] args : new String[][] {{"--help"}, {"run", "--help"}, {"status", "--help"}, {"break", "--help"},
            {"redo", "--help"}, {"redo", "list", "--help"}, {"dev-zookeeper", "--help"}})
        {
            final String out = exec(args).out();
            for (final String line : out.split("\n"))
            {
                assertTrue(line.length() <= 80, String.join(" ", args) + ": line longer than 80: " + line);
            }
        }
        final String top = exec("--help").out();
        for (final String cmd : new String[] {"run", "status", "break", "redo", "dev-zookeeper"})
        {
            final String line = top.lines().filter(l -> l.startsWith("  " + cmd + " ")).findFirst().orElseThrow();
            assertTrue(line.trim().endsWith("."), "summary of " + cmd + " is cut: " + line);
        }
    }

    @Test
    void manPagesAndCompletionAreGeneratedFromTheModel() throws Exception
    {
        DocsGenerator.main(new String[] {dir.toString()});
        final Path run = dir.resolve("man/pathlock-run.1");
        final String page = Files.readString(run);
        assertTrue(page.startsWith(".\\\""), page);
        assertTrue(page.contains(".TH \"PATHLOCK-RUN\" \"1\""), page);
        for (final String option : new String[] {"\\-\\-nonblock", "\\-\\-conflict\\-exit\\-code", "\\-\\-wait", "\\-\\-command",
            "\\-\\-verbose", "\\-\\-missing\\-dirs", "\\-\\-shared", "\\-\\-exclusive", "\\-\\-zookeeper",
            "\\-\\-namespace", "\\-\\-connect\\-timeout"})
        {
            assertTrue(page.contains(option), option + " missing from the man page");
        }
        assertTrue(page.contains(".SH \"EXIT STATUS\""), page);
        for (final String name : new String[] {"pathlock", "pathlock-status", "pathlock-break", "pathlock-redo",
            "pathlock-redo-list", "pathlock-redo-recover", "pathlock-bench", "pathlock-dev-zookeeper"})
        {
            assertTrue(Files.exists(dir.resolve("man/" + name + ".1")), name);
        }
        assertFalse(Files.readString(dir.resolve("man/pathlock-status.1")).contains("missing\\-dirs"));
        final Path groff = Path.of("/usr/bin/groff");
        if (Files.isExecutable(groff))
        {
            // -ww: every warning; a malformed page prints some.
            final Process p = new ProcessBuilder(groff.toString(), "-man", "-Tutf8", "-ww", "-z", run.toString())
                .redirectErrorStream(true).start();
            final String warnings = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals("", warnings.trim(), "groff warnings");
        }

        final Path completion = dir.resolve("completion/pathlock.bash");
        assertTrue(Files.exists(completion));
        final Path bash = Path.of("/bin/bash");
        assumeTrue(Files.isExecutable(bash), "no bash to try the completion in");
        // Complete "pathlock run --non" and "pathlock st" the way bash does on TAB.
        final String script = "source " + completion + "\n" +
            "COMP_WORDS=(pathlock run --non); COMP_CWORD=2; COMP_LINE='pathlock run --non'; COMP_POINT=${#COMP_LINE}\n" +
            "_complete_pathlock pathlock --non run; echo \"run:${COMPREPLY[*]}\"\n" +
            "COMP_WORDS=(pathlock st); COMP_CWORD=1; COMP_LINE='pathlock st'; COMP_POINT=${#COMP_LINE}\n" +
            "_complete_pathlock pathlock st pathlock; echo \"top:${COMPREPLY[*]}\"\n";
        final Process p = new ProcessBuilder(bash.toString(), "-c", script).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertTrue(out.contains("run:--nonblock"), out);
        assertTrue(out.contains("top:status"), out);
    }

    /** main builds only the subcommand it runs; help and unknown names still see every command. */
    @Test
    void theCommandLineOfMainHasWhatItNeeds()
    {
        assertEquals(java.util.Set.of("run"), PathlockCommand.commandLine("run").getSubcommands().keySet());
        assertEquals(10, PathlockCommand.commandLine("help").getSubcommands().size());
        assertEquals(10, PathlockCommand.commandLine("--help").getSubcommands().size());
        assertEquals(10, PathlockCommand.commandLine((String)null).getSubcommands().size());
        final CommandLine cl = PathlockCommand.commandLine("help");
        final java.io.StringWriter out = new java.io.StringWriter();
        cl.setOut(new java.io.PrintWriter(out, true));
        assertEquals(0, cl.execute("help", "run"));
        assertTrue(out.toString().contains("--conflict-exit-code"), out.toString());
        final CommandLine bogus = PathlockCommand.commandLine("bogus");
        bogus.setErr(new java.io.PrintWriter(new java.io.StringWriter(), true));
        assertEquals(64, bogus.execute("bogus"));
    }
}

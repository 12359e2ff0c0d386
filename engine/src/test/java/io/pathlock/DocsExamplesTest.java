package io.pathlock;

import io.pathlock.core.LockRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The documentation's examples are code: every {@code ```java} block of {@code README.md} and
 * {@code docs/*.md} must compile as pasted, and every relative link there must lead to a file (and,
 * with a {@code #fragment}, to a heading) of the repository.
 *
 * <p>Conventions for writers of the docs:
 * <ul>
 *   <li>A block is either a whole compilation unit (it declares a top-level {@code class},
 *       {@code record}, {@code interface} or {@code enum}, optionally after {@code import} lines) or
 *       statements. Statements are compiled as the body of {@code main(String[]) throws Exception}.
 *       Both get the imports listed in {@link #IMPORTS}, so an example needs no import lines of its
 *       own for pathlock's API, {@code java.time}, {@code java.nio.file}, {@code java.util} and
 *       {@code java.util.concurrent}.</li>
 *   <li>{@code ```java runnable} marks a block that is also run: in a child JVM (the test class
 *       path, the test JVM's {@code --add-exports}/{@code --add-opens}) whose working directory and
 *       {@code java.io.tmpdir} are a fresh temporary directory. It must exit with status 0 within
 *       {@link #RUN_TIMEOUT_SECONDS} s. A runnable compilation unit must have a {@code main}.</li>
 *   <li>Compilation is {@code -Xlint:all,-try,-processing,-path -Werror} (a try-with-resources variable
 *       that the body never names is the normal shape of a lock example): an example that uses
 *       deprecated API or raw types fails too.</li>
 * </ul>
 * A failure names the Markdown file and line of the offending example line.
 */
final class DocsExamplesTest
{
    static final long RUN_TIMEOUT_SECONDS = 120;

    static final List<String> IMPORTS = List.of(
        "io.pathlock.*",
        "io.pathlock.core.*",
        "io.pathlock.config.*",
        "io.pathlock.file.*",
        "io.pathlock.host.*",
        "io.pathlock.observe.*",
        "io.pathlock.redo.*",
        "io.pathlock.store.*",
        "io.pathlock.time.*",
        "io.pathlock.tree.*",
        "java.io.*",
        "java.nio.charset.StandardCharsets",
        "java.nio.file.*",
        "java.time.*",
        "java.util.*",
        "java.util.concurrent.*");

    private static final Pattern FENCE = Pattern.compile("^(\\s*)(```+|~~~+)\\s*([^\\s`]*)\\s*(.*)$");
    private static final Pattern TOP_LEVEL_TYPE = Pattern.compile(
        "^(public\\s+|final\\s+|abstract\\s+|sealed\\s+)*(class|record|interface|enum)\\s+([A-Za-z_$][\\w$]*)",
        Pattern.MULTILINE);
    private static final Pattern IMPORT_LINE = Pattern.compile("^\\s*import\\s+[\\w.*]+\\s*;\\s*$");
    private static final Pattern MAIN = Pattern.compile("static\\s+void\\s+main\\s*\\(");
    private static final Pattern LINK = Pattern.compile("(?<!!)\\[[^\\]]*]\\(\\s*<?([^)\\s>]+)>?(\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern IMAGE = Pattern.compile("!\\[[^\\]]*]\\(\\s*<?([^)\\s>]+)>?(\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*?)\\s*#*\\s*$");

    private static Path repo;

    /** One fenced Java block. */
    record Block(Path file, int firstLine, String code, boolean runnable)
    {
        String where()
        {
            return repo.relativize(file) + ":" + firstLine;
        }
    }

    @BeforeAll
    static void findRepository()
    {
        repo = repositoryRoot(Path.of("").toAbsolutePath());
    }

    static Path repositoryRoot(final Path start)
    {
        for (Path p = start; p != null; p = p.getParent())
        {
            if (Files.isRegularFile(p.resolve("README.md")) && Files.isDirectory(p.resolve("engine"))
                && Files.isRegularFile(p.resolve("pom.xml")))
            {
                return p;
            }
        }
        throw new IllegalStateException("no repository root (README.md, pom.xml, engine/) above " + start);
    }

    /** README.md and docs/*.md, in a stable order. */
    static List<Path> documents(final Path root) throws IOException
    {
        final List<Path> docs = new ArrayList<>();
        docs.add(root.resolve("README.md"));
        final Path dir = root.resolve("docs");
        if (Files.isDirectory(dir))
        {
            try (Stream<Path> s = Files.list(dir))
            {
                docs.addAll(s.filter(p -> p.getFileName().toString().endsWith(".md")).sorted().collect(Collectors.toList()));
            }
        }
        return docs;
    }

    /** Every fenced {@code java} block of a Markdown file. */
    static List<Block> javaBlocks(final Path file, final List<String> lines)
    {
        final List<Block> blocks = new ArrayList<>();
        int i = 0;
        while (i < lines.size())
        {
            final Matcher open = FENCE.matcher(lines.get(i));
            if (!open.matches())
            {
                i++;
                continue;
            }
            final String fence = open.group(2);
            final String lang = open.group(3).toLowerCase(Locale.ROOT);
            final String info = open.group(4).toLowerCase(Locale.ROOT);
            final int start = i + 1;
            final String close = "\\s*" + Pattern.quote(fence.substring(0, 1)) + "{" + fence.length() + ",}\\s*";
            int end = start;
            while (end < lines.size() && !lines.get(end).matches(close))
            {
                end++;
            }
            if (end >= lines.size())
            {
                throw new AssertionError(file.getFileName() + ":" + (i + 1) + ": code fence " + fence + " is never closed");
            }
            if (lang.equals("java"))
            {
                final boolean runnable = List.of(info.split("\\s+")).contains("runnable");
                blocks.add(new Block(file, start + 1, String.join("\n", lines.subList(start, end)), runnable));
            }
            i = end + 1;
        }
        return blocks;
    }

    static List<Block> allBlocks() throws IOException
    {
        final List<Block> all = new ArrayList<>();
        for (final Path doc : documents(repo))
        {
            all.addAll(javaBlocks(doc, Files.readAllLines(doc, StandardCharsets.UTF_8)));
        }
        return all;
    }

    /** A block turned into one compilation unit, and where the block's first line landed in it. */
    record Unit(String className, String source, int offset, boolean hasMain)
    {
    }

    static Unit wrap(final Block b, final String fallbackName)
    {
        final StringBuilder src = new StringBuilder();
        for (final String imp : IMPORTS)
        {
            src.append("import ").append(imp).append(";\n");
        }
        final Matcher type = TOP_LEVEL_TYPE.matcher(b.code());
        if (type.find())
        {
            // A whole compilation unit: named after its public type if it has one.
            String name = type.group(3);
            final Matcher pub = Pattern.compile("^public\\s+(final\\s+|abstract\\s+|sealed\\s+)*(class|record|interface|enum)\\s+([A-Za-z_$][\\w$]*)",
                Pattern.MULTILINE).matcher(b.code());
            if (pub.find())
            {
                name = pub.group(3);
            }
            final int offset = IMPORTS.size();
            src.append(b.code()).append('\n');
            return new Unit(name, src.toString(), offset, MAIN.matcher(b.code()).find());
        }
        for (final String line : b.code().split("\n", -1))
        {
            if (IMPORT_LINE.matcher(line).matches())
            {
                throw new AssertionError(b.where() + ": a statement block may not have import lines; "
                    + "make it a whole class or rely on the standard imports");
            }
        }
        src.append("public final class ").append(fallbackName).append("\n{\n")
            .append("    public static void main(final String[] args) throws Exception\n    {\n");
        final int offset = IMPORTS.size() + 4;
        src.append(b.code()).append("\n    }\n}\n");
        return new Unit(fallbackName, src.toString(), offset, true);
    }

    static String classPath()
    {
        final List<String> entries = new ArrayList<>();
        for (final String key : List.of("java.class.path", "jdk.module.path"))
        {
            final String v = System.getProperty(key);
            if (v != null && !v.isBlank())
            {
                entries.addAll(List.of(v.split(File.pathSeparator)));
            }
        }
        return entries.stream().filter(s -> !s.isBlank()).distinct().collect(Collectors.joining(File.pathSeparator));
    }

    /**
     * Compiles a block into {@code out}.
     *
     * @return null on success, else the diagnostics with Markdown file:line.
     */
    static String compile(final Block b, final Unit u, final Path out) throws IOException
    {
        final JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertTrue(javac != null, "no system Java compiler: run the tests on a JDK");
        final DiagnosticCollector<JavaFileObject> diags = new DiagnosticCollector<>();
        final JavaFileObject source = new SimpleJavaFileObject(
            URI.create("string:///" + u.className() + ".java"), JavaFileObject.Kind.SOURCE)
        {
            @Override
            public CharSequence getCharContent(final boolean ignoreEncodingErrors)
            {
                return u.source();
            }
        };
        final boolean ok;
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diags, Locale.ROOT, StandardCharsets.UTF_8))
        {
            final List<String> options = List.of("-classpath", classPath(), "-d", out.toString(),
                "-proc:none", "-Xlint:all,-try,-processing,-path", "-Werror", "-encoding", "UTF-8");
            ok = javac.getTask(null, fm, diags, options, null, List.of(source)).call();
        }
        if (ok)
        {
            return null;
        }
        final StringBuilder msg = new StringBuilder();
        for (final Diagnostic<? extends JavaFileObject> d : diags.getDiagnostics())
        {
            final long unitLine = d.getLineNumber();
            final long docLine = unitLine - 1 - u.offset();
            final String at = unitLine > 0 && docLine >= 0
                ? repo.relativize(b.file()) + ":" + (b.firstLine() + docLine)
                : b.where() + " (in the generated wrapper, line " + unitLine + ")";
            msg.append(at).append(": ").append(d.getKind().toString().toLowerCase(Locale.ROOT)).append(": ")
                .append(d.getMessage(Locale.ROOT)).append('\n');
        }
        return msg.toString();
    }

    /** Runs a compiled block in a child JVM whose working directory is {@code dir}. */
    static String run(final Block b, final Unit u, final Path classes, final Path dir) throws Exception
    {
        final Path tmp = Files.createDirectories(dir.resolve("tmp"));
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        final List<String> jvmArgs = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (int i = 0; i < jvmArgs.size(); i++)
        {
            final String a = jvmArgs.get(i);
            if (a.startsWith("--add-exports=") || a.startsWith("--add-opens="))
            {
                cmd.add(a);
            }
            else if ((a.equals("--add-exports") || a.equals("--add-opens")) && i + 1 < jvmArgs.size())
            {
                cmd.add(a);
                cmd.add(jvmArgs.get(++i));
            }
        }
        cmd.add("-Djava.io.tmpdir=" + tmp);
        cmd.add("-cp");
        cmd.add(classes + File.pathSeparator + classPath());
        cmd.add(u.className());
        final Path log = dir.resolve("output.txt");
        final Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(log.toFile()).start();
        if (!p.waitFor(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS))
        {
            p.destroyForcibly().waitFor();
            return b.where() + ": the example did not finish within " + RUN_TIMEOUT_SECONDS + " s; output:\n"
                + Files.readString(log);
        }
        if (p.exitValue() != 0)
        {
            return b.where() + ": the example exited with status " + p.exitValue() + "; output:\n" + Files.readString(log);
        }
        System.out.println(b.where() + " ran; its output:\n" + Files.readString(log));
        return null;
    }

    @TestFactory
    Stream<DynamicTest> everyJavaBlockCompilesAndRunnableOnesRun(@TempDir final Path work) throws IOException
    {
        final List<Block> blocks = allBlocks();
        assertFalse(blocks.isEmpty(), "no ```java block found in README.md or docs/*.md");
        final List<DynamicTest> tests = new ArrayList<>();
        int n = 0;
        for (final Block b : blocks)
        {
            final String name = "DocExample" + (++n);
            tests.add(DynamicTest.dynamicTest(b.where() + (b.runnable() ? " (runnable)" : ""), () ->
            {
                final Unit u = wrap(b, name);
                final Path classes = Files.createDirectories(work.resolve(name).resolve("classes"));
                final String errors = compile(b, u, classes);
                if (errors != null)
                {
                    fail("the example at " + b.where() + " does not compile as pasted:\n" + errors);
                }
                if (b.runnable())
                {
                    assertTrue(u.hasMain(), b.where() + ": a runnable compilation unit needs a main method");
                    final String problem = run(b, u, classes, Files.createDirectories(work.resolve(name).resolve("cwd")));
                    if (problem != null)
                    {
                        fail(problem);
                    }
                }
            }));
        }
        return tests.stream();
    }

    @Test
    void everyRelativeLinkResolvesToAFileOfTheRepository() throws IOException
    {
        final List<String> broken = new ArrayList<>();
        final Map<Path, Set<String>> anchors = new LinkedHashMap<>();
        int links = 0;
        for (final Path doc : documents(repo))
        {
            final List<String> lines = Files.readAllLines(doc, StandardCharsets.UTF_8);
            boolean inFence = false;
            for (int i = 0; i < lines.size(); i++)
            {
                final String line = lines.get(i);
                if (FENCE.matcher(line).matches())
                {
                    inFence = !inFence;
                    continue;
                }
                if (inFence)
                {
                    continue;
                }
                final String text = line.replaceAll("`[^`]*`", "``");
                for (final Pattern pattern : List.of(LINK, IMAGE))
                {
                    final Matcher m = pattern.matcher(text);
                    while (m.find())
                    {
                        links++;
                        final String problem = checkLink(doc, m.group(1), anchors);
                        if (problem != null)
                        {
                            broken.add(repo.relativize(doc) + ":" + (i + 1) + ": " + m.group(1) + ": " + problem);
                        }
                    }
                }
            }
        }
        assertTrue(links > 0, "no link found at all: the link pattern is broken");
        assertEquals(List.of(), broken, "links that do not resolve in the repository");
    }

    /** Null if the link is fine (or not relative), else why not. */
    static String checkLink(final Path doc, final String target, final Map<Path, Set<String>> anchors) throws IOException
    {
        if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*"))
        {
            return null; // http:, https:, mailto: ... are not the repository's business
        }
        final int hash = target.indexOf('#');
        final String pathPart = hash < 0 ? target : target.substring(0, hash);
        final String fragment = hash < 0 ? null : target.substring(hash + 1);
        final Path file = pathPart.isEmpty() ? doc : doc.getParent().resolve(pathPart).normalize();
        if (pathPart.startsWith("/"))
        {
            return "absolute paths do not resolve on GitHub or in a clone; use a relative link";
        }
        if (!file.startsWith(repo))
        {
            return "leaves the repository (" + file + ")";
        }
        if (!Files.exists(file))
        {
            return "no such file in the repository";
        }
        if (fragment != null && !fragment.isEmpty() && file.getFileName().toString().endsWith(".md"))
        {
            final Set<String> known = anchors.computeIfAbsent(file, DocsExamplesTest::headingAnchors);
            if (!known.contains(fragment))
            {
                return "no heading with anchor #" + fragment + " in " + repo.relativize(file) + " (have " + known + ")";
            }
        }
        return null;
    }

    /** GitHub's heading anchors of a Markdown file (lower case, punctuation dropped, spaces to '-'). */
    static Set<String> headingAnchors(final Path md)
    {
        final Set<String> out = new HashSet<>();
        final Map<String, Integer> seen = new LinkedHashMap<>();
        final List<String> lines;
        try
        {
            lines = Files.readAllLines(md, StandardCharsets.UTF_8);
        }
        catch (final IOException e)
        {
            throw new java.io.UncheckedIOException(e);
        }
        boolean inFence = false;
        for (final String line : lines)
        {
            if (FENCE.matcher(line).matches())
            {
                inFence = !inFence;
                continue;
            }
            final Matcher h = HEADING.matcher(line);
            if (inFence || !h.matches())
            {
                continue;
            }
            final String slug = slug(h.group(2));
            final int count = seen.merge(slug, 1, Integer::sum);
            out.add(count == 1 ? slug : slug + "-" + (count - 1));
        }
        return out;
    }

    static String slug(final String heading)
    {
        final String text = heading.replaceAll("\\[([^\\]]*)]\\([^)]*\\)", "$1").toLowerCase(Locale.ROOT);
        final StringBuilder s = new StringBuilder();
        text.codePoints().forEach(c ->
        {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_')
            {
                s.appendCodePoint(c);
            }
            else if (c == ' ')
            {
                s.append('-');
            }
        });
        return s.toString();
    }

    // The checker's own rules, so that a checker that accepts everything fails here.

    @Test
    void slugsFollowGitHub()
    {
        assertEquals("31-lock-table-a-lock-free-path-trie", slug("3.1 Lock table: a lock-free path trie"));
        assertEquals("stress-tests", slug("Stress tests"));
        assertEquals("lockmanagerlockrequest", slug("`LockManager.lock(request)`"));
    }

    @Test
    void theCheckersFindWhatIsBroken(@TempDir final Path dir) throws Exception
    {
        final Path saved = repo;
        try
        {
            repo = dir;
            final Path doc = dir.resolve("README.md");
            Files.writeString(doc, "# Title\n\n## Real part\n");
            Files.writeString(dir.resolve("present.md"), "x");
            final Map<Path, Set<String>> anchors = new LinkedHashMap<>();
            assertEquals(null, checkLink(doc, "present.md", anchors));
            assertEquals(null, checkLink(doc, "#real-part", anchors));
            assertEquals(null, checkLink(doc, "https://example.org/missing", anchors));
            assertTrue(checkLink(doc, "missing.md", anchors) != null);
            assertTrue(checkLink(doc, "../shared/DESIGN.md", anchors) != null);
            assertTrue(checkLink(doc, "#no-such-part", anchors) != null);

            final List<Block> blocks = javaBlocks(doc, List.of(
                "text", "```java", "int x = 1;", "```", "```bash", "echo", "```", "```java runnable", "class A {}", "```"));
            assertEquals(2, blocks.size());
            assertEquals(3, blocks.get(0).firstLine());
            assertFalse(blocks.get(0).runnable());
            assertTrue(blocks.get(1).runnable());

            // Statements that use a variable out of scope (the README's old bug) do not compile, and
            // the error names the Markdown line.
            final Block bad = new Block(doc, 10, "try (LockManager locks = LockManager.create()) { }\n"
                + "locks.open(\"x\").close();", false);
            final Unit u = wrap(bad, "BadExample");
            final String errors = compile(bad, u, Files.createDirectories(dir.resolve("bad")));
            assertTrue(errors != null && errors.contains("README.md:11:") && errors.contains("locks"), String.valueOf(errors));

            final Block good = new Block(doc, 10, "try (LockManager locks = LockManager.create();\n"
                + "     LockHandle h = locks.lock(LockRequest.point(\"/a\"))) { System.out.println(h.ownerId()); }", true);
            final Unit gu = wrap(good, "GoodExample");
            final Path classes = Files.createDirectories(dir.resolve("good"));
            assertEquals(null, compile(good, gu, classes));
            assertEquals(null, run(good, gu, classes, Files.createDirectories(dir.resolve("cwd"))));

            final Block failing = new Block(doc, 10, "System.exit(3);", true);
            final Unit fu = wrap(failing, "FailingExample");
            final Path fclasses = Files.createDirectories(dir.resolve("failing"));
            assertEquals(null, compile(failing, fu, fclasses));
            final String problem = run(failing, fu, fclasses, Files.createDirectories(dir.resolve("cwd2")));
            assertTrue(problem != null && problem.contains("status 3"), String.valueOf(problem));
        }
        finally
        {
            repo = saved;
        }
    }
}

package io.pathlock.arch;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The engine's packages depend on each other in one direction only (docs/design.md, "Packages"):
 * value types ({@code io.pathlock.core}) and the small leaf packages at the bottom, the lock table,
 * the store SPI and the observer records above them, the lock-file store above the store SPI, and the
 * facade ({@code io.pathlock}) on top. Checked on the compiled classes (every kind of reference:
 * signatures, calls, field types, annotations), so an import that javac would accept cannot sneak a
 * cycle back in.
 */
final class PackageDependencyTest
{
    /**
     * Each engine package and the engine packages it may use. A package absent from this map fails
     * the test: a new package has to say where it sits.
     */
    static final Map<String, Set<String>> ALLOWED = new TreeMap<>();

    static
    {
        allow("io.pathlock.core");
        allow("io.pathlock.time");
        allow("io.pathlock.config");
        allow("io.pathlock.table", "io.pathlock.core");
        allow("io.pathlock.observe", "io.pathlock.core");
        allow("io.pathlock.observe.jfr");
        allow("io.pathlock.store", "io.pathlock.core", "io.pathlock.time");
        allow("io.pathlock.posix", "io.pathlock.nativeio");
        allow("io.pathlock.redo", "io.pathlock.time", "io.pathlock.config");
        allow("io.pathlock.file", "io.pathlock.core", "io.pathlock.time", "io.pathlock.config",
            "io.pathlock.store", "io.pathlock.posix");
        allow("io.pathlock.host", "io.pathlock.core", "io.pathlock.time", "io.pathlock.config",
            "io.pathlock.store", "io.pathlock.file", "io.pathlock.posix", "io.pathlock.nativeio");
        allow("io.pathlock.baseline", "io.pathlock.core");
        allow("io.pathlock", "io.pathlock.core", "io.pathlock.time", "io.pathlock.config",
            "io.pathlock.table", "io.pathlock.observe", "io.pathlock.observe.jfr", "io.pathlock.store",
            "io.pathlock.redo", "io.pathlock.file");
        allow("io.pathlock.tree", "io.pathlock", "io.pathlock.core", "io.pathlock.time", "io.pathlock.config",
            "io.pathlock.store", "io.pathlock.redo", "io.pathlock.file", "io.pathlock.posix");
    }

    private static void allow(final String pkg, final String... uses)
    {
        ALLOWED.put(pkg, new TreeSet<>(List.of(uses)));
    }

    private static Map<String, Map<String, List<String>>> graph;

    @BeforeAll
    static void importEngine()
    {
        final JavaClasses classes = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("io.pathlock");
        graph = packageGraph(classes);
    }

    /** package -> used package -> a few example class-level dependencies (for the failure message). */
    static Map<String, Map<String, List<String>>> packageGraph(final Iterable<JavaClass> classes)
    {
        final Map<String, Map<String, List<String>>> g = new TreeMap<>();
        for (final JavaClass c : classes)
        {
            final String from = c.getPackageName();
            final Map<String, List<String>> edges = g.computeIfAbsent(from, k -> new TreeMap<>());
            for (final Dependency d : c.getDirectDependenciesFromSelf())
            {
                final String to = d.getTargetClass().getPackageName();
                if (!to.equals(from) && to.startsWith("io.pathlock"))
                {
                    final List<String> examples = edges.computeIfAbsent(to, k -> new ArrayList<>());
                    if (examples.size() < 3)
                    {
                        examples.add(d.getDescription());
                    }
                }
            }
        }
        return g;
    }

    @Test
    void everyPackageHasAPlace()
    {
        final Set<String> unplaced = new TreeSet<>(graph.keySet());
        unplaced.removeAll(ALLOWED.keySet());
        unplaced.remove("io.pathlock.nativeio");   // pathlock-native's loader: a leaf module of its own
        assertEquals(Set.of(), unplaced, "engine packages missing from PackageDependencyTest.ALLOWED");
    }

    @Test
    void packagesUseOnlyWhatTheLayeringAllows()
    {
        final StringBuilder violations = new StringBuilder();
        graph.forEach((from, edges) -> edges.forEach((to, examples) ->
        {
            final Set<String> allowed = ALLOWED.get(from);
            if (allowed != null && !allowed.contains(to))
            {
                violations.append(from).append(" -> ").append(to).append(":\n");
                examples.forEach(e -> violations.append("    ").append(e).append('\n'));
            }
        }));
        assertTrue(violations.length() == 0, "dependencies against the layering:\n" + violations);
    }

    @Test
    void noPackageCycles()
    {
        final List<List<String>> cycles = stronglyConnected(graph);
        if (!cycles.isEmpty())
        {
            final StringBuilder sb = new StringBuilder("package cycles:\n");
            for (final List<String> scc : cycles)
            {
                sb.append("  ").append(scc).append('\n');
                for (final String from : scc)
                {
                    graph.get(from).forEach((to, examples) ->
                    {
                        if (scc.contains(to))
                        {
                            sb.append("    ").append(from).append(" -> ").append(to).append(": ")
                                .append(examples.get(0)).append('\n');
                        }
                    });
                }
            }
            fail(sb.toString());
        }
    }

    @Test
    void theCycleCheckFindsACycle()
    {
        final Map<String, Map<String, List<String>>> g = new TreeMap<>();
        g.put("a", new TreeMap<>(Map.of("b", List.of("a.A -> b.B"))));
        g.put("b", new TreeMap<>(Map.of("c", List.of("b.B -> c.C"))));
        g.put("c", new TreeMap<>(Map.of("a", List.of("c.C -> a.A"))));
        g.put("d", new TreeMap<>(Map.of("a", List.of("d.D -> a.A"))));
        assertEquals(List.of(List.of("a", "b", "c")), stronglyConnected(g));
    }

    /** Tarjan's algorithm; returns every component of more than one package, each sorted. */
    static List<List<String>> stronglyConnected(final Map<String, Map<String, List<String>>> g)
    {
        final Map<String, Integer> index = new HashMap<>();
        final Map<String, Integer> low = new HashMap<>();
        final Deque<String> stack = new ArrayDeque<>();
        final Set<String> onStack = new TreeSet<>();
        final List<List<String>> result = new ArrayList<>();
        final int[] counter = {0};
        for (final String v : g.keySet())
        {
            if (!index.containsKey(v))
            {
                strongConnect(v, g, index, low, stack, onStack, result, counter);
            }
        }
        return result;
    }

    private static void strongConnect(
        final String v,
        final Map<String, Map<String, List<String>>> g,
        final Map<String, Integer> index,
        final Map<String, Integer> low,
        final Deque<String> stack,
        final Set<String> onStack,
        final List<List<String>> result,
        final int[] counter)
    {
        index.put(v, counter[0]);
        low.put(v, counter[0]);
        counter[0]++;
        stack.push(v);
        onStack.add(v);
        for (final String w : g.getOrDefault(v, Map.of()).keySet())
        {
            if (!index.containsKey(w))
            {
                strongConnect(w, g, index, low, stack, onStack, result, counter);
                low.put(v, Math.min(low.get(v), low.get(w)));
            }
            else if (onStack.contains(w))
            {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v)))
        {
            final List<String> scc = new ArrayList<>();
            String w;
            do
            {
                w = stack.pop();
                onStack.remove(w);
                scc.add(w);
            }
            while (!w.equals(v));
            if (scc.size() > 1)
            {
                scc.sort(String::compareTo);
                result.add(scc);
            }
        }
    }
}

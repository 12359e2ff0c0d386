package io.pathlock.bench.suite;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The output of JMH's {@code -lp} (benchmarks and their parameter values), as benchmark name →
 * number of parameter combinations JMH will run. Immutable after parsing.
 */
public final class JmhListing
{
    private static final Pattern PARAM = Pattern.compile("\\s+param \"[^\"]+\" = \\{(.*)}\\s*");

    private final Map<String, Integer> combinations;

    private JmhListing(final Map<String, Integer> combinations)
    {
        this.combinations = combinations;
    }

    /**
     * Parses {@code -lp} output.
     *
     * @param text JMH's output.
     * @return the listing.
     */
    public static JmhListing parse(final String text)
    {
        final Map<String, Integer> m = new LinkedHashMap<>();
        String current = null;
        for (final String line : text.split("\n"))
        {
            final Matcher pm = PARAM.matcher(line);
            if (pm.matches() && current != null)
            {
                final int values = pm.group(1).isBlank() ? 1 : pm.group(1).split(",").length;
                m.put(current, m.get(current) * values);
            }
            else if (!line.isBlank() && !line.startsWith(" ") && !line.startsWith("Benchmarks:") && line.contains("."))
            {
                current = line.trim();
                m.put(current, 1);
            }
        }
        return new JmhListing(java.util.Collections.unmodifiableMap(m));
    }

    /**
     * Benchmarks and their number of parameter combinations.
     *
     * @return name → combinations.
     */
    public Map<String, Integer> combinations()
    {
        return combinations;
    }
}

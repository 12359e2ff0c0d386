package io.pathlock.bench.suite;

import java.util.List;

/**
 * The timing-relevant JMH options of a run ({@code -f}, {@code -wi}, {@code -w}, {@code -i}, {@code -r})
 * parsed from an option string, and the time they cost per benchmark.
 *
 * @param text the options as given.
 * @param forks forks per benchmark.
 * @param warmupIterations warm-up iterations per fork.
 * @param warmupSeconds seconds per warm-up iteration.
 * @param iterations measurement iterations per fork.
 * @param iterationSeconds seconds per measurement iteration.
 */
public record JmhOptions(String text, int forks, int warmupIterations, double warmupSeconds, int iterations, double iterationSeconds)
{
    /**
     * Parses an option string such as {@code -f 1 -wi 3 -w 1s -i 5 -r 1s}. Missing options count as
     * JMH's defaults (5 forks, 5 x 10 s, 5 x 10 s), which is why the suite always gives all five.
     *
     * @param text the options.
     * @return the parsed options.
     */
    public static JmhOptions parse(final String text)
    {
        int f = 5;
        int wi = 5;
        double w = 10;
        int i = 5;
        double r = 10;
        final String[] t = text.trim().split("\\s+");
        for (int k = 0; k + 1 < t.length; k++)
        {
            switch (t[k])
            {
                case "-f" -> f = Integer.parseInt(t[++k]);
                case "-wi" -> wi = Integer.parseInt(t[++k]);
                case "-w" -> w = seconds(t[++k]);
                case "-i" -> i = Integer.parseInt(t[++k]);
                case "-r" -> r = seconds(t[++k]);
                default ->
                {
                }
            }
        }
        return new JmhOptions(text.trim(), f, wi, w, i, r);
    }

    /**
     * The options as separate arguments.
     *
     * @return the arguments.
     */
    public List<String> args()
    {
        return List.of(text.split("\\s+"));
    }

    /**
     * Estimated wall time of one benchmark (one parameter combination).
     *
     * @param forkOverheadSeconds JVM start, setup and teardown per fork.
     * @return seconds.
     */
    public double secondsPerBenchmark(final double forkOverheadSeconds)
    {
        return forks * (forkOverheadSeconds + warmupIterations * warmupSeconds + iterations * iterationSeconds);
    }

    static double seconds(final String v)
    {
        final String s = v.trim().toLowerCase(java.util.Locale.ROOT);
        if (s.endsWith("ms"))
        {
            return Double.parseDouble(s.substring(0, s.length() - 2)) / 1e3;
        }
        if (s.endsWith("us"))
        {
            return Double.parseDouble(s.substring(0, s.length() - 2)) / 1e6;
        }
        if (s.endsWith("ns"))
        {
            return Double.parseDouble(s.substring(0, s.length() - 2)) / 1e9;
        }
        if (s.endsWith("min") || s.endsWith("m"))
        {
            return Double.parseDouble(s.replaceAll("[a-z]+$", "")) * 60;
        }
        return Double.parseDouble(s.replaceAll("s$", ""));
    }
}

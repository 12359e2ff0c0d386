package io.pathlock.bench.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Builds JMH-format JSON and measurements for the report tests. */
final class Fixtures
{
    private Fixtures()
    {
    }

    static String jmhRow(final String benchmark, final String mode, final int threads, final Map<String, String> params,
        final double score, final double error, final String unit)
    {
        final StringBuilder p = new StringBuilder();
        params.forEach((k, v) -> p.append(p.length() == 0 ? "" : ",").append('"').append(k).append("\":\"").append(v).append('"'));
        return String.format(Locale.ROOT, """
            {
                "jmhVersion" : "1.37",
                "benchmark" : "%s",
                "mode" : "%s",
                "threads" : %d,
                "forks" : 1,
                "params" : { %s },
                "primaryMetric" : {
                    "score" : %s,
                    "scoreError" : %s,
                    "scoreConfidence" : [ 1.0, 2.0 ],
                    "scoreUnit" : "%s",
                    "rawData" : [ [ 1.0, 2.0 ] ]
                },
                "secondaryMetrics" : { }
            }""", benchmark, mode, threads, p, Double.toString(score),
            Double.isNaN(error) ? "\"NaN\"" : Double.toString(error), unit);
    }

    static String jmhArray(final List<String> rows)
    {
        return "[\n" + String.join(",\n", rows) + "\n]\n";
    }

    static Measurement m(final String name, final Map<String, String> params, final String mode, final double score,
        final double error, final String unit)
    {
        return new Measurement("t.json", name, params, mode, 1, score, error, unit, Map.of(), List.of());
    }

    static Measurement latency(final String stem, final double p50, final double p99)
    {
        return new Measurement(stem + ".hgrm", stem, Map.of(), "latency", 0, Double.NaN, Double.NaN, "µs",
            Map.of("p50", p50, "p99", p99, "count", 100.0), List.of(new double[] {0.5, p50}, new double[] {0.99, p99}));
    }
}

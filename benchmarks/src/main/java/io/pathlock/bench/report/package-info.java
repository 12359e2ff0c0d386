/**
 * The benchmark report: reads a results directory (JMH JSON, HdrHistogram {@code .hgrm} files in
 * microseconds, harness tables, {@code run.properties}) and writes {@code BENCHMARKS.md} with the
 * issues' targets, ratios to baselines from the same run, the machine, and PNG charts drawn with
 * JFreeChart. {@link io.pathlock.bench.report.Catalogue} is the one table of benchmark → baseline →
 * target; {@link io.pathlock.bench.report.HistogramFiles} and
 * {@link io.pathlock.cli.PercentileTable} are the formats harnesses write and print.
 * Depends on HdrHistogram and JFreeChart, not on the engine.
 */
package io.pathlock.bench.report;

/**
 * HdrHistogram latency harnesses (plain {@code main} programs, not JMH): hand-off latency between
 * threads of one process ({@link io.pathlock.bench.latency.HandoffLatency}). Each writes one
 * {@code .hgrm} file per contender through {@link io.pathlock.bench.report.HistogramFiles} and prints
 * a {@link io.pathlock.cli.PercentileTable}.
 *
 * <p>Adding a harness (the cross-process hand-off of the lock-file store, the redo {@code begin}
 * under load): write {@code <area>-<scenario>-<contender>.hgrm} files into the directory given by
 * {@code --out}, accept {@code --smoke} for a run of a second or two, exit non-zero on failure, and
 * add one line to {@link io.pathlock.bench.report.Catalogue#HARNESSES} (how the suite runs it) and,
 * for a target, one to {@link io.pathlock.bench.report.Catalogue#COMPARISONS}.
 */
package io.pathlock.bench.latency;

/**
 * The benchmark suite runner behind {@code benchmarks/run-all.sh}: plans the JMH groups and
 * harnesses of {@link io.pathlock.bench.report.Catalogue} that exist in the jar, estimates and fits
 * the run to the time budget, runs each step in its own JVM, checks that every benchmark produced a
 * result, records how it ran ({@code run.properties}) and generates the report. Depends on the
 * report package and JMH's command line, not on the engine.
 */
package io.pathlock.bench.suite;

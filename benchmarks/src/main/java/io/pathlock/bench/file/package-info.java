/**
 * Benchmarks of the lock-file store ({@code io.pathlock.file}): JMH classes that put the store on
 * each backend beside its C floor, and {@link io.pathlock.bench.file.HandoffLatency}, a two-process
 * harness for the cross-process hand-off latency with HdrHistogram percentiles.
 */
package io.pathlock.bench.file;

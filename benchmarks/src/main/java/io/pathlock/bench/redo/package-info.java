/**
 * Benchmarks of the redo log: durable {@code begin} throughput and latency against a baseline that
 * appends and fdatasyncs once per record, measured in the same run.
 */
package io.pathlock.bench.redo;

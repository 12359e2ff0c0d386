/**
 * JMH benchmarks of the in-memory lock table and the facade over it, each class holding its
 * baselines (JDK {@code ReentrantLock}, {@code StampedLock} and the naive map of read-write locks,
 * {@link io.pathlock.baseline.NaiveHierarchicalLock}) beside what they are compared with, so that
 * every ratio in the report comes from one run. Depends on the engine only.
 */
package io.pathlock.bench.table;

/**
 * Issue 12's benchmarks: the host lock table (processes of one host sharing one lock table in
 * shared memory) through {@link io.pathlock.LockManager} on {@code HostLockStore}, beside the
 * lock-file store in the same run.
 *
 * <ul>
 *   <li>{@link io.pathlock.bench.host.HostPointBenchmark} (JMH, sample time): POINT acquire+release at
 *       depth 4 on the host table (interop none and ragfs) and on the lock-file store (targets 12.1,
 *       12.1r).</li>
 *   <li>{@link io.pathlock.bench.host.HostSubtreeBenchmark} (JMH): SUBTREE where 10,000 directories
 *       exist and 100,000 paths were once locked below, vs a fresh node (targets 12.2, 12.2a).</li>
 *   <li>{@link io.pathlock.bench.host.HostHandoffLatency} (harness, child JVM): cross-process hand-off,
 *       table vs lock files (target 12.3).</li>
 *   <li>{@link io.pathlock.bench.host.DisjointProcesses} (harness, child JVMs): 2 processes x 1 thread on
 *       disjoint paths vs 1 process (target 12.4).</li>
 *   <li>{@link io.pathlock.bench.host.KillHandoff} (harness, child JVMs): kill -9 of a holder until a
 *       waiter in another process acquires, table vs lock files (target 12.5).</li>
 * </ul>
 *
 * <p>Every store is opened through {@link io.pathlock.bench.host.HostStores}. May depend on the
 * engine's exported API and on {@code io.pathlock.bench.report} and {@code io.pathlock.bench.posix}.
 */
package io.pathlock.bench.host;

/**
 * Issue 14's benchmarks: the price of safety of the locked, crash-safe tree operations
 * ({@link io.pathlock.tree.TreeOps}) against the same changes made with the JDK without locks or redo,
 * in the same run, per lock store and durability (area {@code tree}, {@code run-all.sh --only tree}).
 *
 * <ul>
 *   <li>{@link io.pathlock.bench.tree.TreeOpsBenchmark} (JMH, average time): {@code write} of a 4 KiB
 *       file vs {@code Files.write} and an atomic write by hand, {@code move} of a directory of 10 files
 *       vs {@code Files.move} (targets 14.1, 14.1s, 14.2: reported, the issue sets no number).</li>
 *   <li>{@link io.pathlock.bench.tree.TreeStores}: the stores by parameter name ({@code memory},
 *       {@code files} with {@code MissingDirectories.FAIL}, {@code host}) and a manager with a redo
 *       log.</li>
 * </ul>
 *
 * <p>May depend on the engine's exported API and on {@code io.pathlock.bench.posix} (scratch
 * directories).
 */
package io.pathlock.bench.tree;

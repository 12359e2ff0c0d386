/**
 * Locked, crash-safe tree operations: {@link io.pathlock.tree.TreeOps} moves, deletes, writes and
 * creates directories under the locks the seed's per-command table prescribes, and brackets each
 * operation by the redo log so that recovery after a crash finishes or undoes it. The design, the lock
 * table and the recovery rules: {@code docs/tree-ops.md}.
 */
package io.pathlock.tree;

/**
 * Observability: {@link io.pathlock.observe.LockSnapshot} (handles, waiters, recent conflicts and
 * {@link io.pathlock.observe.LockCounters}, with wall-clock times) and the JFR events the engine
 * commits: {@code io.pathlock.LockWait} (blocking and asynchronous waits),
 * {@code io.pathlock.LockConflict} and {@code io.pathlock.LockHold} (one per held lock at release).
 */
package io.pathlock.observe;

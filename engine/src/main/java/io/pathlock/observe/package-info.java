/**
 * Observability: {@link io.pathlock.observe.LockSnapshot} (handles, waiters, recent conflicts and
 * {@link io.pathlock.observe.LockCounters}, with wall-clock times). The JFR events the engine
 * commits, {@code io.pathlock.LockWait} (blocking and asynchronous waits),
 * {@code io.pathlock.LockConflict} and {@code io.pathlock.LockHold} (one per held lock at release),
 * are recorded by name; their classes are internal ({@code io.pathlock.observe.jfr}).
 */
package io.pathlock.observe;

/**
 * Observability: the {@link io.pathlock.observe.LockObserver} counters and snapshots, and the JFR
 * events the engine commits. Depends on {@code io.pathlock} types only.
 */
package io.pathlock.observe;

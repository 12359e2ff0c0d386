/**
 * The engine's JDK Flight Recorder event classes. Internal (the module does not export this
 * package): record and read the events by name ({@code io.pathlock.LockWait},
 * {@code io.pathlock.LockConflict}, {@code io.pathlock.LockHold}), as docs/observability.md shows.
 * Depends on {@code jdk.jfr} only.
 */
package io.pathlock.observe.jfr;

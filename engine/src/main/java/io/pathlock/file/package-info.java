/**
 * The cross-process lock-file store: {@link io.pathlock.file.FileLockStore} publishes each lock as an
 * OpenViking-compatible lock file under a root directory, so that processes of this engine (and
 * Python OpenViking processes) on one host respect each other's locks. The protocol and its numbered
 * invariants are in the class comment of {@code FileLockStore}; the token format is in
 * {@link io.pathlock.file.LockTokenDescriptor}.
 *
 * <p>Depends on {@code io.pathlock} (paths, requests, conflicts), {@code io.pathlock.store} (the SPI it
 * implements) and {@code io.pathlock.posix} (the system calls); nothing depends on it but the CLI and
 * the benchmarks.
 */
package io.pathlock.file;
